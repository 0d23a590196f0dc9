//! The controller's and the DPO's addresses are written into the notice as
//! `mailto:` links, so `policy check` accepts only addresses made of the
//! characters ordinary ones use: none can close the link early, point it
//! elsewhere or add a header to it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

fn with_controller_email(email: &str) -> String {
    assert!(FIXTURE.contains("email = \"privacy@test.example\""));
    let config = FIXTURE.replace("privacy@test.example", email);
    match load("site.toml", &config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn only_plain_addresses_reach_the_notices_links() {
    for good in [
        "privacy@test.example",
        "data.protection+notice@dept.gov.uk",
        "o'brien@test.example",
    ] {
        assert_eq!(with_controller_email(good), "", "{good}");
    }
    for bad in [
        "a](https://evil.example)@example.gov.uk",
        "x?cc=someone@example.gov.uk",
        "privacy@exämple.gov.uk",
        "not-an-address",
    ] {
        assert!(
            with_controller_email(bad).contains("is not an email address"),
            "{bad} accepted"
        );
    }
}
