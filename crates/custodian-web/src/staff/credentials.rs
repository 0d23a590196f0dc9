//! Staff credentials: Argon2id password hashes and TOTP codes.

use totp_rs::{Builder, Secret};

/// Staff passwords guard everyone's data, so they are long.
pub const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 1024;

pub fn check_username(username: &str) -> Result<(), String> {
    let ok = (2..=40).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_'
        });
    if ok {
        Ok(())
    } else {
        Err("a username is 2 to 40 lower-case letters, digits, '.', '-' or '_'".into())
    }
}

/// Long, and as hard to guess as a public password must be: the same
/// strength check, with the username counted as something guessable.
pub fn check_password(password: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Err(format!(
            "a staff password needs at least {MIN_PASSWORD} characters; this has {chars}"
        ));
    }
    if password.len() > MAX_PASSWORD {
        return Err(format!("a password can be at most {MAX_PASSWORD} bytes"));
    }
    crate::passwords::check_new_password(password, &[username]).map_err(|text| {
        let mut text = text;
        if let Some(first) = text.get(..1) {
            text = first.to_lowercase() + &text[1..];
        }
        text
    })
}

pub use crate::passwords::{decoy_hash, hash_password, verify_password};

/// A new staff account's id: random, never reused, so a session names
/// one account for good even when a username is given again.
pub fn new_account_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new authenticator secret, with what a person types or scans.
pub struct NewTotp {
    pub secret: Vec<u8>,
    pub base32: String,
    pub uri: String,
}

pub fn new_totp(issuer: &str, username: &str) -> Result<NewTotp, String> {
    let secret: [u8; 20] = rand::random();
    totp_for(issuer, username, &secret)
}

/// What a person types or scans to add an existing secret to their app.
pub fn totp_for(issuer: &str, username: &str, secret: &[u8]) -> Result<NewTotp, String> {
    let totp = Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(username.replace(':', ""))
        .with_issuer(Some(issuer.replace(':', "")))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(NewTotp {
        secret: secret.to_vec(),
        base32: Secret::from(secret).to_base32(),
        uri: totp.to_url().map_err(|e| e.to_string())?,
    })
}

/// The time step the code belongs to, if it is valid at `now` (allowing one
/// step either side for clock drift).
pub fn check_totp(secret: &[u8], code: &str, now: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = Builder::new().with_secret(secret.to_vec()).build().ok()?;
    totp.check(&code, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHash;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "wrong horse battery"));
        assert!(!verify_password(decoy_hash(), "anything at all"));
        assert!(
            PasswordHash::new(decoy_hash()).is_ok(),
            "the decoy is a real hash, so it costs real time"
        );
        assert!(check_password("short", "dpo").is_err_and(|e| e.contains("at least 12")));
        // Long enough but easy to guess, as a public password would be.
        assert!(check_password("password1234", "dpo").is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", "dpo").is_err());
        assert!(check_password("a long staff passphrase", "dpo").is_ok());
    }

    #[test]
    fn codes_are_checked_against_their_time() {
        let Ok(new) = new_totp("Test Site", "dpo") else {
            panic!("totp")
        };
        assert!(new.uri.starts_with("otpauth://totp/"));
        let totp = Builder::new().with_secret(new.secret.clone()).build().ok();
        let code = totp
            .map(|t| t.generate(1_800_000_000).to_string())
            .unwrap_or_default();
        assert!(check_totp(&new.secret, &code, 1_800_000_000).is_some());
        assert!(
            check_totp(&new.secret, &code, 1_800_000_000 + 120).is_none(),
            "expired"
        );
        assert!(check_totp(&new.secret, "12345x", 1_800_000_000).is_none());
    }
}
