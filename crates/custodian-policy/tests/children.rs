//! `[policy.children]`: a parental consent age makes every form that
//! collects personal data ask the age band first and, under the age, a
//! parent's or guardian's address; a policy that does not declare what
//! those questions collect is refused, each problem where it is.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::children::{AGE_PAGE, GUARDIAN_PAGE};
use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

const CHILDREN: &str = include_str!("../../custodian/tests/it/fixtures/children.toml");

/// The fixture with its enquiries purpose resting on consent and listing
/// the age categories: a parent's permission is asked only on consent.
fn with_age_categories() -> String {
    FIXTURE.replacen(
        "lawful_basis = \"public_task\"\ncategories = [\"contact_details\", \"message\"]",
        "lawful_basis = \"consent\"\ncategories = [\"contact_details\", \"message\", \"age\", \"guardian_email\"]",
        1,
    )
}

/// The same with the shared fixture's categories, and `children` as the
/// lines of `[policy.children]`.
fn with_children(children: &str) -> String {
    let tables = CHILDREN
        .split("[policy.children]")
        .next()
        .unwrap_or_default();
    with_age_categories() + tables + "[policy.children]\n" + children
}

#[test]
fn the_shared_fixture_is_complete() {
    assert_eq!(problems(&(with_age_categories() + CHILDREN)), "");
}

fn problems(config: &str) -> String {
    match load("site.toml", config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

const COMPLETE: &str = "parental_consent_age = 16\nage_category = \"age\"\nguardian_email_category = \"guardian_email\"\n";

#[test]
fn every_form_resting_on_consent_asks_the_age_first() {
    let checked = load(
        "site.toml",
        &with_children(COMPLETE),
        &ServerCookies::current(),
    )
    .unwrap();
    let children = checked.children.unwrap();
    assert_eq!(children.age, 16);
    assert_eq!(children.wait.to_string(), "7 days", "the default wait");
    assert_eq!(children.wait_seconds, 7 * 24 * 60 * 60);
    for (id, form) in &checked.config.forms {
        let pages: Vec<&str> = form.pages.iter().map(|p| p.id.get_ref().as_str()).collect();
        assert_eq!(
            pages[..2],
            [AGE_PAGE, GUARDIAN_PAGE],
            "form {id}: {pages:?}"
        );
        let band = &form.pages[0].questions[0];
        let labels: Vec<&str> = band.options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["Under 16", "16 or over"]);
        assert!(form.pages[1].questions[0].identifies());
        // The parent's address is never mistaken for the person's own.
        assert_ne!(
            form.reply_question().map(|q| q.id.get_ref().as_str()),
            Some("guardian_email")
        );
    }
}

#[test]
fn the_age_can_be_thirteen_as_uk_law_sets_and_the_wait_configured() {
    let config = with_children(&COMPLETE.replace("= 16", "= 13")).replace(
        "guardian_email\"\n",
        "guardian_email\"\nguardian_wait = \"2 weeks\"\n",
    );
    let checked = load("site.toml", &config, &ServerCookies::current()).unwrap();
    let children = checked.children.unwrap();
    assert_eq!(children.age, 13);
    assert_eq!(children.wait_seconds, 14 * 24 * 60 * 60);
    let form = &checked.config.forms["contact"];
    assert_eq!(form.pages[0].questions[0].options[0].label, "Under 13");
}

#[test]
fn a_policy_that_does_not_declare_the_age_questions_is_refused() {
    let found = problems(&with_children("parental_consent_age = 16\n"));
    assert!(
        found.contains("[policy.children] has no age_category, but form `contact` asks the age"),
        "{found}"
    );
    assert!(found.contains("has no guardian_email_category"), "{found}");

    let undeclared = with_children(&COMPLETE.replace("\"age\"", "\"birthday\""));
    let found = problems(&undeclared);
    assert!(
        found.contains("category `birthday` is not declared"),
        "{found}"
    );

    let unused = with_children(COMPLETE).replacen(
        "\"contact_details\", \"message\", \"age\", \"guardian_email\"",
        "\"contact_details\", \"message\", \"age\"",
        1,
    );
    let found = problems(&unused);
    assert!(
        found.contains("form `contact` will ask for `guardian_email` (guardian_email_category), but its purpose `answer_enquiries` does not list that category"),
        "{found}"
    );
}

#[test]
fn a_long_wait_an_odd_age_or_a_clashing_page_is_refused() {
    let long = with_children(&format!("{COMPLETE}guardian_wait = \"2 months\"\n"));
    assert!(
        problems(&long).contains("a guardian wait of 2 months is too long"),
        "{}",
        problems(&long)
    );
    let odd = with_children(&COMPLETE.replace("= 16", "= 21"));
    assert!(problems(&odd).contains("parental consent age 21 is outside 13 to 18"));
    let clash = with_children(COMPLETE).replacen(
        "id = \"name\"\n[[forms.contact.pages.questions]]",
        "id = \"age\"\n[[forms.contact.pages.questions]]",
        1,
    );
    let found = problems(&clash);
    assert!(
        found.contains("page id `age` is the one the age questions use"),
        "{found}"
    );
    assert!(found.contains("site.toml:"), "{found}");
}

/// UK GDPR Article 8 asks a parent's permission only where consent is the
/// basis: a form for advice or casework (public task) never asks the age
/// and never holds a child's message, and a purpose on such a basis that
/// asks a parent is refused, where it says so.
#[test]
fn a_child_asking_for_help_is_never_held_for_a_parent() {
    let public_task = with_children(COMPLETE).replacen(
        "lawful_basis = \"consent\"\ncategories = [\"contact_details\", \"message\", \"age\", \"guardian_email\"]",
        "lawful_basis = \"public_task\"\ncategories = [\"contact_details\", \"message\"]",
        1,
    );
    let checked = load("site.toml", &public_task, &ServerCookies::current()).unwrap();
    for (id, form) in &checked.config.forms {
        assert!(
            form.pages
                .iter()
                .all(|p| ![AGE_PAGE, GUARDIAN_PAGE].contains(&p.id.get_ref().as_str())),
            "form {id} asks the age although its basis is public task"
        );
    }
    let notice = custodian_policy::notice::body_markdown(&checked);
    assert!(
        notice.contains("You never need a parent's permission to fill in these forms: Contact us"),
        "{notice}"
    );
    assert!(!notice.contains("we ask your age"), "{notice}");

    let asking = public_task.replacen(
        "lawful_basis = \"public_task\"\ncategories",
        "lawful_basis = \"public_task\"\nparental_consent = true\ncategories",
        1,
    );
    let found = problems(&asking);
    assert!(
        found.contains("purpose `answer_enquiries` asks a parent's permission, but its lawful basis is public task"),
        "{found}"
    );
    assert!(
        found.contains("A child asking for advice or help must never wait for a parent"),
        "{found}"
    );
    assert!(found.contains("site.toml:"), "{found}");

    // Consent asks by default, and says so in the notice.
    let checked = load(
        "site.toml",
        &with_children(COMPLETE),
        &ServerCookies::current(),
    )
    .unwrap();
    let notice = custodian_policy::notice::body_markdown(&checked);
    assert!(
        notice.contains(
            "we need a parent's or guardian's permission before you use the “Contact us” form"
        ),
        "{notice}"
    );
}

#[test]
fn without_an_age_forms_are_as_written() {
    let checked = load("site.toml", FIXTURE, &ServerCookies::current()).unwrap();
    assert!(checked.children.is_none());
    assert_eq!(
        checked.config.forms["contact"].pages[0].id.get_ref(),
        "name"
    );
}
