//! Passwords, for staff and the public alike: Argon2id hashes, checked off
//! the threads that serve requests; and the rules a new public password
//! must meet, with a reason a person can act on when it does not.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Argon2 runs in at most this many threads at once (each takes about
/// 19 MiB), so a burst of sign-ins cannot exhaust memory.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// NCSC and NIST both set 8 as the least for a password a person chooses.
pub const MIN_PUBLIC_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 1024;

/// Argon2id with its default cost and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash of a random password nobody has, checked when the account is
/// unknown so that an unknown name takes as long to refuse as a wrong
/// password (and so reveals nothing about which names exist).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let random: [u8; 24] = rand::random();
        hash_password(&format!("{random:?}")).unwrap_or_default()
    });
    &DECOY
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// [`verify_password`] on a blocking thread, a few at a time.
pub async fn verify_off_thread(hash: String, password: String) -> bool {
    let _permit = ARGON2_SLOTS.acquire().await;
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// [`hash_password`] on a blocking thread, a few at a time.
pub async fn hash_off_thread(password: String) -> Result<String, String> {
    let _permit = ARGON2_SLOTS.acquire().await;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Whether a new public password will do; if not, what to tell the person.
/// `personal`: what they typed elsewhere on the form (their address and
/// user name), which a password must not be built from.
pub fn check_new_password(password: &str, personal: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PUBLIC_PASSWORD {
        return Err(format!(
            "Password must be {MIN_PUBLIC_PASSWORD} characters or more"
        ));
    }
    if password.len() > MAX_PASSWORD {
        return Err(format!(
            "Password must be {MAX_PASSWORD} characters or fewer"
        ));
    }
    let inputs: Vec<&str> = personal
        .iter()
        .flat_map(|p| p.split(['@', '.', ' ']))
        .filter(|p| p.len() >= 3)
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) >= 2 {
        return Ok(());
    }
    use zxcvbn::feedback::Warning;
    let warning = estimate.feedback().and_then(|f| f.warning());
    let common = matches!(
        warning,
        Some(
            Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
                | Warning::ThisIsSimilarToACommonlyUsedPassword
        )
    );
    Err(if common {
        "Your password is on a list of passwords that many people use, so it is easy to guess. Choose a different one: three random words together make a good password".to_owned()
    } else if inputs
        .iter()
        .any(|i| password.to_lowercase().contains(&i.to_lowercase()))
    {
        "Your password contains your user name or email address, so it is easy to guess. Choose a different one".to_owned()
    } else {
        "Your password would be easy to guess: it follows a common pattern, such as a word with a few numbers, a keyboard row or a date. Choose a different one: three random words together make a good password".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        assert!(check_new_password("short", &[]).is_err_and(|e| e.contains("8 characters")));
        assert!(check_new_password("password1", &[]).is_err_and(|e| e.contains("many people use")));
        assert!(check_new_password("iloveyou", &[]).is_err_and(|e| e.contains("many people use")));
        assert!(
            check_new_password("samexample2024", &["samexample", "sam@example.com"])
                .is_err_and(|e| e.contains("user name or email"))
        );
        assert!(check_new_password("qwertyuiop", &[]).is_err());
        assert!(check_new_password("marble kettle orbit", &[]).is_ok());
        assert!(check_new_password("CorrectHorseBatteryStaple", &[]).is_ok());
    }
}
