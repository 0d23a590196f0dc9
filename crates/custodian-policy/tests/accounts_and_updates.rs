//! `policy check` on `[accounts]`, `[updates]` and `[topics.<id>]`: each
//! refers only to what the policy declares, serves a purpose that uses its
//! categories, and (for topics) rests on consent.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

const ACCOUNTS: &str = r#"
[accounts]
purpose = "answer_enquiries"
email_category = "contact_details"
username_category = "contact_details"
password_category = "contact_details"

[[policy.cookies]]
name = "custodian_status"
purpose = "Says you are signed in."
essential = true
duration = "session"
holds = "A random identifier."
"#;

const UPDATES: &str = r#"
[policy.purposes.news]
name = "News by email"
description = "We send you the news you asked for."
lawful_basis = "consent"
categories = ["contact_details", "message"]
retention = "until you unsubscribe"

[updates]
email_category = "contact_details"
choices_category = "message"

[topics.news]
name = "News"
purpose = "news"

[topics.events]
name = "Events"
purpose = "news"
"#;

fn problems(config: &str) -> String {
    match load("site.toml", config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn accounts_and_topics_that_fit_the_policy_pass() {
    assert_eq!(problems(&format!("{FIXTURE}{ACCOUNTS}{UPDATES}")), "");
    let checked = load(
        "site.toml",
        &format!("{FIXTURE}{ACCOUNTS}"),
        &ServerCookies::current(),
    )
    .unwrap();
    assert_eq!(
        checked.cookie_names.status.as_deref(),
        Some("custodian_status")
    );
    let without = load("site.toml", FIXTURE, &ServerCookies::current()).unwrap();
    assert_eq!(
        without.cookie_names.status, None,
        "no accounts, no status cookie"
    );
}

#[test]
fn accounts_need_their_status_cookie_declared_and_categories_their_purpose_uses() {
    let undeclared = ACCOUNTS
        .split("[[policy.cookies]]")
        .next()
        .unwrap_or_default();
    let found = problems(&format!("{FIXTURE}{undeclared}"));
    assert!(
        found.contains("the server sets a cookie named `custodian_status`"),
        "{found}"
    );

    // usage_cookies uses only `message`, not the contact details.
    let unused = ACCOUNTS.replace(
        "purpose = \"answer_enquiries\"",
        "purpose = \"usage_cookies\"",
    );
    let found = problems(&format!("{FIXTURE}{unused}"));
    assert!(found.contains("does not use that category"), "{found}");
    let unknown = ACCOUNTS.replace("purpose = \"answer_enquiries\"", "purpose = \"nothing\"");
    assert!(problems(&format!("{FIXTURE}{unknown}")).contains("purpose `nothing` is not declared"));
}

#[test]
fn a_topic_must_rest_on_consent_and_use_the_address_category() {
    let not_consent = UPDATES.replace(
        "lawful_basis = \"consent\"",
        "lawful_basis = \"public_task\"",
    );
    let found = problems(&format!("{FIXTURE}{not_consent}"));
    assert!(found.contains("does not rest on consent"), "{found}");

    let no_address = UPDATES.replace(
        "categories = [\"contact_details\", \"message\"]",
        "categories = [\"message\"]",
    );
    let found = problems(&format!("{FIXTURE}{no_address}"));
    assert!(
        found.contains("the category of a subscriber's address"),
        "{found}"
    );

    let no_choices = UPDATES.replace("choices_category = \"message\"\n", "");
    let found = problems(&format!("{FIXTURE}{no_choices}"));
    assert!(
        found.contains("which topics a person chose is personal data"),
        "{found}"
    );

    let no_updates = UPDATES.replace(
        "[updates]\nemail_category = \"contact_details\"\nchoices_category = \"message\"\n",
        "",
    );
    let found = problems(&format!("{FIXTURE}{no_updates}"));
    assert!(found.contains("there is no [updates] table"), "{found}");

    let needs_account = UPDATES.replace("[updates]\n", "[updates]\nrequires_account = true\n");
    let found = problems(&format!("{FIXTURE}{needs_account}"));
    assert!(found.contains("the site has no [accounts]"), "{found}");
}
