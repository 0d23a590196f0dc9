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
