//! Finding a person by email without storing the email: a keyed hash
//! (HMAC-SHA256 under a key only the vault holds) of the normalised address.
//! Without the key the index cannot be reversed or checked against a list of
//! addresses.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::crypto::DataKey;

/// Email addresses compare without case or surrounding space.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn email_index(key: &DataKey, email: &str) -> Vec<u8> {
    index(key, "email", &normalise_email(email))
}

/// User names compare without case or surrounding space, like addresses.
pub fn username_index(key: &DataKey, username: &str) -> Vec<u8> {
    index(key, "username", &username.trim().to_lowercase())
}

/// What failed sign-ins are counted under: the name tried, which may be
/// anyone's email address, so only ever as a keyed hash. `door` keeps
/// staff and public names apart.
pub fn sign_in_index(key: &DataKey, door: &str, login: &str) -> Vec<u8> {
    index(
        key,
        &format!("sign-in {door}"),
        &login.trim().to_lowercase(),
    )
}

/// The index of an anonymous session, for provisional subjects.
pub fn session_index(key: &DataKey, session_id: &str) -> Vec<u8> {
    index(key, "session", session_id)
}

fn index(key: &DataKey, kind: &str, value: &str) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return Vec::new();
    };
    mac.update(kind.as_bytes());
    mac.update(b"|");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tried_at_sign_in_are_counted_under_a_key_and_a_door() {
        let key = DataKey::generate();
        let tried = sign_in_index(&key, "account", " Lee@Example.com");
        assert_eq!(tried, sign_in_index(&key, "account", "lee@example.com"));
        assert_ne!(tried, sign_in_index(&key, "staff", "lee@example.com"));
        assert_ne!(
            tried,
            sign_in_index(&DataKey::generate(), "account", "lee@example.com"),
            "without the key the hash cannot be checked against a name"
        );
    }

    #[test]
    fn the_same_address_however_written_finds_the_same_person() {
        let key = DataKey::generate();
        assert_eq!(
            email_index(&key, " Alice@Example.COM "),
            email_index(&key, "alice@example.com")
        );
        assert_ne!(
            email_index(&key, "alice@example.com"),
            email_index(&key, "bob@example.com")
        );
        assert_ne!(
            email_index(&key, "x"),
            session_index(&key, "x"),
            "kinds never collide"
        );
        assert_ne!(
            email_index(&DataKey::generate(), "alice@example.com"),
            email_index(&key, "alice@example.com")
        );
    }
}
