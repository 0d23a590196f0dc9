//! `policy check` refuses forms that would collect what the policy does not
//! declare, each problem named with where it is and what to do.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

fn problems(config: &str) -> String {
    match load("site.toml", config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn the_fixtures_forms_pass() {
    assert_eq!(problems(FIXTURE), "");
    let checked = load("site.toml", FIXTURE, &ServerCookies::current()).unwrap();
    assert!(checked.forms["old_consultation"].closes.is_some());
}

#[test]
fn a_question_without_a_category_is_refused() {
    let broken = FIXTURE.replacen(
        "autocomplete = \"name\"\ncategory = \"contact_details\"",
        "autocomplete = \"name\"",
        1,
    );
    let found = problems(&broken);
    assert!(
        found.contains("question `name` does not say what category of information its answer is"),
        "{found}"
    );
    assert!(found.contains("site.toml:"), "{found}");
}

#[test]
fn a_category_the_purpose_does_not_use_is_refused() {
    let broken = FIXTURE.replacen(
        "error_name = \"your name\"",
        "error_name = \"your name\"\npurpose = \"usage_statistics\"",
        1,
    );
    let found = problems(&broken);
    assert!(
        found.contains("collects `contact_details` for purpose `usage_statistics`, which does not use that category"),
        "{found}"
    );
}

#[test]
fn a_consent_question_without_a_purpose_is_refused() {
    let broken = FIXTURE.replacen(
        "purpose = \"answer_enquiries\"\nrecipient = \"other_departments\"",
        "recipient = \"other_departments\"",
        1,
    );
    let found = problems(&broken);
    assert!(
        found.contains("consent question `forward` does not say what a yes allows"),
        "{found}"
    );
}

#[test]
fn a_form_for_an_undeclared_purpose_is_refused() {
    let broken = FIXTURE.replacen(
        "[forms.contact]\ntitle = \"Contact us\"\npurpose = \"answer_enquiries\"",
        "[forms.contact]\ntitle = \"Contact us\"\npurpose = \"marketing\"",
        1,
    );
    let found = problems(&broken);
    assert!(
        found.contains("purpose `marketing` is not declared"),
        "{found}"
    );
}

#[test]
fn a_consent_recipient_the_purpose_does_not_name_is_refused() {
    let broken = FIXTURE.replacen(
        "purpose = \"answer_enquiries\"\nrecipient = \"other_departments\"",
        "purpose = \"reply_audit\"\nrecipient = \"other_departments\"",
        1,
    );
    let found = problems(&broken);
    assert!(
        found.contains("purpose `reply_audit` does not list that recipient"),
        "{found}"
    );
}

#[test]
fn bad_dates_options_and_teams_are_refused() {
    let broken = FIXTURE
        .replacen("closes = \"2020-02-01\"", "closes = \"2019-12-31\"", 1)
        .replacen("team = \"enquiries\"", "team = \"nobody\"", 1)
        .replacen(
            "options = [{ value = \"rights\", label = \"Children's rights\" }, { value = \"other\", label = \"Something else\" }]",
            "options = [{ value = \"rights\", label = \"Children's rights\" }]",
            1,
        );
    let found = problems(&broken);
    assert!(found.contains("closes before it opens"), "{found}");
    assert!(found.contains("team `nobody` is not declared"), "{found}");
    assert!(found.contains("offers fewer than two options"), "{found}");
}

#[test]
fn the_notice_lists_each_form_and_says_unsent_answers_go_within_a_day() {
    let checked = load("site.toml", FIXTURE, &ServerCookies::current()).unwrap();
    let notice = custodian_policy::notice::body_markdown(&checked);
    assert!(notice.contains("## Our online forms"), "{notice}");
    assert!(notice.contains("- Contact us (what it is for: Answering your questions). How long we keep your answers: 1 year after the case is closed."), "{notice}");
    assert!(notice.contains("We publish what you told us only if you say we may"));
    assert!(notice.contains(
        "If you start a form and do not send it, what you have entered is deleted within a day."
    ));
}
