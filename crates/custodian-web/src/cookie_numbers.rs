//! The random numbers optional cookies hold (the campaign cookie, the
//! measurement cookie): made here, read back only when the server could
//! have made them, and taken away with an expired cookie of the same name.

/// A new number: 128 random bits in hex.
pub fn fresh() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether a cookie's value is a number the server could have made;
/// anything else is ignored and replaced.
pub fn valid(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cookie that removes `name` from the browser.
pub fn removal(name: &str) -> cookie::Cookie<'static> {
    cookie::Cookie::build((name.to_owned(), ""))
        .path("/")
        .max_age(time::Duration::ZERO)
        .build()
}

#[cfg(test)]
mod tests {
    use super::{fresh, valid};

    #[test]
    fn only_numbers_the_server_could_have_made_are_read() {
        assert!(valid(&fresh()));
        assert_ne!(fresh(), fresh());
        assert!(valid("0123456789abcdef0123456789ABCDEF"));
        assert!(!valid("0123456789abcdef"));
        assert!(!valid("0123456789abcdef0123456789abcdeg"));
    }
}
