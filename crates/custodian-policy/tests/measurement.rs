//! `[measurement]` and the rule it completes: every declared cookie is set
//! by something. A cookie nothing sets would have the notice and the
//! banner ask about something that never happens, so it is refused; the
//! measurement cookie must be declared, behind consent, and set by this
//! server.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::check::CookieLifetime;
use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

fn problems(config: &str) -> String {
    match load("site.toml", config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn the_fixture_counts_browsers_with_its_usage_cookie() {
    let checked = load("site.toml", FIXTURE, &ServerCookies::current()).unwrap();
    let cookie = checked.measurement.unwrap();
    assert_eq!(cookie.name, "usage_id");
    assert_eq!(cookie.consent_category, "usage");
    assert!(!cookie.counts_visits(), "it lasts a year");
    assert!(cookie.max_age_days().unwrap() >= 365);
}

#[test]
fn a_declared_cookie_that_nothing_sets_is_refused() {
    let unset = FIXTURE.replace("[measurement]\ncookie = \"usage_id\"\n", "");
    assert_ne!(unset, FIXTURE);
    let found = problems(&unset);
    assert!(
        found.contains("cookie `usage_id` is declared, but nothing sets it"),
        "{found}"
    );
    assert!(found.contains("set [measurement] cookie"), "{found}");

    // Naming the third party that sets it is an honest declaration.
    let theirs = unset.replace(
        "holds = \"A random anonymous number.\"",
        "holds = \"A random anonymous number.\"\nset_by = \"other_departments\"",
    );
    assert_eq!(problems(&theirs), "");
}

#[test]
fn the_measurement_cookie_is_declared_behind_consent_and_set_here() {
    let undeclared = FIXTURE.replace("cookie = \"usage_id\"\n", "cookie = \"visitor\"\n");
    assert!(
        problems(&undeclared).contains(
            "[measurement] sets a cookie named `visitor`, but the policy does not declare it"
        ),
        "{}",
        problems(&undeclared)
    );

    let essential = FIXTURE.replace(
        "[measurement]\ncookie = \"usage_id\"",
        "[measurement]\ncookie = \"request_token\"",
    );
    assert!(
        problems(&essential)
            .contains("the measurement cookie `request_token` must sit behind a consent question"),
        "{}",
        problems(&essential)
    );

    let elsewhere = FIXTURE.replace(
        "holds = \"A random anonymous number.\"",
        "holds = \"A random anonymous number.\"\nset_by = \"other_departments\"",
    );
    assert!(
        problems(&elsewhere).contains("the measurement cookie `usage_id` is set by this server"),
        "{}",
        problems(&elsewhere)
    );
}

#[test]
fn a_session_cookie_counts_visits() {
    let session = FIXTURE.replace(
        "consent_category = \"usage\"\nduration = \"1 year\"",
        "consent_category = \"usage\"\nduration = \"session\"",
    );
    assert_ne!(session, FIXTURE);
    let cookie = load("site.toml", &session, &ServerCookies::current())
        .unwrap()
        .measurement
        .unwrap();
    assert_eq!(cookie.lifetime, CookieLifetime::Session);
    assert!(cookie.counts_visits());
    assert_eq!(cookie.max_age_days(), None);
}
