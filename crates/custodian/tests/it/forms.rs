//! The public journey through a form, over HTTP: question pages with the
//! error summary, check your answers and its Change links, sending, and
//! everything that must be refused with nothing stored.

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, FIXTURE, Page, Site, SmtpServer, fixture_with_smtp};

/// The fixture's server with no minimum time to fill a form in.
async fn site() -> Site {
    Site::start_with_args(FIXTURE, &["--min-fill-seconds", "0"]).await
}

async fn answer(b: &mut Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    b.submit(path, path, fields).await
}

/// A page's HTML with the slashes the template engine escapes put back.
fn html(page: &Page) -> String {
    page.body.replace("&#x2f;", "/")
}

/// Fill in the whole contact form, up to check your answers.
async fn fill_contact(b: &mut Browser) {
    let start = b.get("/forms/contact").await;
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Start now"));
    let p = answer(b, "/forms/contact/name", &[("name", "Ada Lovelace")]).await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/email"));
    let p = answer(b, "/forms/contact/email", &[("email", "ada@example.com")]).await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/message"));
    let p = answer(
        b,
        "/forms/contact/message",
        &[("topic", "rights"), ("message", "Line one\r\nLine two")],
    )
    .await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/permission"));
    let p = answer(b, "/forms/contact/permission", &[("forward", "yes")]).await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/check"));
}

async fn cases(site: &Site) -> Vec<custodian_store::personal::cases::CaseRow> {
    let (_, vault) = site.vault().await;
    vault
        .cases(&CaseFilter {
            limit: 100,
            ..CaseFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_fills_in_checks_changes_and_sends_a_form() {
    let site = site().await;
    let mut b = site.browser();
    // The home page leads to every form.
    let home = b.get("/").await;
    assert!(html(&home).contains("href=\"/forms/contact\""));
    fill_contact(&mut b).await;

    let check = b.get("/forms/contact/check").await;
    assert_eq!(check.status, 200);
    let body = html(&check);
    for shown in [
        "Ada Lovelace",
        "ada@example.com",
        "Children&#x27;s rights",
        "Line one<br>Line two",
        "Yes",
    ] {
        assert!(body.contains(shown), "{shown} in {body}");
    }
    // Change returns to check your answers, with the answer kept.
    assert!(
        body.contains("href=\"/forms/contact/name?return=check\""),
        "{body}"
    );
    let change = b.get("/forms/contact/name?return=check").await;
    assert!(change.body.contains("value=\"Ada Lovelace\""));
    assert!(html(&change).contains("href=\"/forms/contact/check\" class=\"govuk-back-link\""));
    let p = b
        .submit(
            "/forms/contact/name?return=check",
            "/forms/contact/name?return=check",
            &[("name", "Ada King")],
        )
        .await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/check"));
    let check = b.get("/forms/contact/check").await;
    assert!(check.body.contains("Ada King") && !check.body.contains("Ada Lovelace"));

    let sent = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location().as_deref(), Some("/forms/contact/sent"));
    let confirmation = b.get("/forms/contact/sent").await;
    assert!(confirmation.body.contains("govuk-panel--confirmation"));
    let all = cases(&site).await;
    assert_eq!(all.len(), 1);
    let case = &all[0];
    assert!(
        confirmation.body.contains(&case.reference),
        "{}",
        confirmation.body
    );
    assert!(case.reference.starts_with("TS-"));
    assert_eq!(case.team.as_deref(), Some("enquiries"));
    assert_eq!(case.status.as_str(), "new");
    assert_eq!(case.permissions, "forward");

    // The answers are in the vault, under the person found by their address.
    let (_, vault) = site.vault().await;
    let opened = vault
        .read_case(&case.id, "staff:test", crate::support::now())
        .await
        .unwrap();
    let get = |f: &str| {
        opened
            .answers
            .iter()
            .find(|(k, _)| k == f)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("name").as_deref(), Some("Ada King"));
    assert_eq!(get("email").as_deref(), Some("ada@example.com"));
    assert_eq!(get("message").as_deref(), Some("Line one\nLine two"));
    let person = vault
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.id, case.subject_id);

    // The draft is gone, and starting again starts empty.
    let again = b.get("/forms/contact/name").await;
    assert!(!again.body.contains("Ada King"));
    // Nothing personal went into the server's log.
    let log = site.server.log();
    // Whole values: request ids are random base64, where a fragment such
    // as "Ada" can appear by chance.
    for secret in [
        "Ada King",
        "Ada Lovelace",
        "ada@example.com",
        "Line one",
        &case.reference,
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test]
async fn missing_and_malformed_answers_get_the_error_summary_and_nothing_is_stored() {
    let site = site().await;
    let mut b = site.browser();
    answer(&mut b, "/forms/contact/name", &[("name", "Ada")]).await;
    let p = answer(
        &mut b,
        "/forms/contact/email",
        &[("email", "ada at example")],
    )
    .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("<title>Error: What is your email address?"));
    assert!(p.body.contains("govuk-error-summary"));
    assert!(
        p.body
            .contains("href=\"#email\">Enter an email address in the correct format")
    );
    assert!(p.body.contains("id=\"email-error\""));
    // What they typed is kept.
    assert!(p.body.contains("value=\"ada at example\""));

    let p = answer(
        &mut b,
        "/forms/contact/email",
        &[("email", "ada@example.com")],
    )
    .await;
    assert_eq!(p.status, 303);
    let p = answer(&mut b, "/forms/contact/message", &[("message", "")]).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Select what your message is about"));
    assert!(p.body.contains("Enter your message"));
    let p = answer(
        &mut b,
        "/forms/contact/message",
        &[("topic", "nonsense"), ("message", "Hi")],
    )
    .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Select one of the options shown"));

    // Sending before every page is done is refused.
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_ne!(p.status, 303);
    assert!(cases(&site).await.is_empty());
}

#[tokio::test]
async fn tampering_an_unknown_form_and_pages_out_of_order_are_refused() {
    let site = site().await;
    let mut b = site.browser();
    let p = b.get("/forms/no_such_form").await;
    assert_eq!(p.status, 404);
    let p = b.get("/forms/contact/no_such_page").await;
    assert_eq!(p.status, 404);

    // A later page straight away: sent back to the first.
    let p = b.get("/forms/contact/message").await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/name"));
    // Posting it anyway: an explanation, and nothing kept.
    let p = b
        .submit(
            "/forms/contact/name",
            "/forms/contact/message",
            &[("topic", "rights"), ("message", "Hi")],
        )
        .await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("Answer the earlier questions first"));

    // A field the page never had.
    let p = answer(
        &mut b,
        "/forms/contact/name",
        &[("name", "Ada"), ("is_admin", "1")],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("does not match the page we showed"));
    // The honeypot.
    let p = answer(
        &mut b,
        "/forms/contact/name",
        &[("name", "Ada"), ("website", "http://spam")],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("Your form could not be sent"));
    // Neither saved the name.
    let p = b.get("/forms/contact/name").await;
    assert!(!p.body.contains("value=\"Ada\""));

    fill_contact(&mut b).await;
    let p = b
        .submit(
            "/forms/contact/check",
            "/forms/contact/check",
            &[("website", "x")],
        )
        .await;
    assert_eq!(p.status, 400);
    assert!(cases(&site).await.is_empty());
}

#[tokio::test]
async fn a_form_sent_too_fast_or_too_often_is_refused_and_kept_for_another_try() {
    let site = Site::start_with_args(FIXTURE, &["--submissions-per-minute", "1"]).await;
    let mut b = site.browser();
    fill_contact(&mut b).await;
    // The default minimum is 3 seconds from the first page.
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    if p.status != 303 {
        assert_eq!(p.status, 429);
        assert!(p.body.contains("sent too quickly"));
        assert!(cases(&site).await.is_empty());
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let p = b
            .submit("/forms/contact/check", "/forms/contact/check", &[])
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    assert_eq!(cases(&site).await.len(), 1);

    // A second form from the same address within the minute.
    let mut other = site.browser();
    fill_contact(&mut other).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let p = other
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 429);
    assert!(p.body.contains("Too many forms"));
    assert_eq!(cases(&site).await.len(), 1);
    // Their answers are still there.
    let check = other.get("/forms/contact/check").await;
    assert!(check.body.contains("Ada Lovelace"));
}

#[tokio::test]
async fn a_closed_consultation_says_when_it_closed_and_stores_nothing() {
    let site = site().await;
    let mut b = site.browser();
    let p = b.get("/forms/old_consultation").await;
    assert!(p.body.contains("not taking responses"));
    let p = b.get("/forms/old_consultation/views").await;
    assert_eq!(p.status, 403);
    assert!(
        p.body
            .contains("This consultation closed on 1 February 2020")
    );
    let p = b
        .submit(
            "/forms/old_consultation",
            "/forms/old_consultation/views",
            &[("views", "Mine")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(cases(&site).await.is_empty());
}

#[tokio::test]
async fn the_confirmation_email_reaches_a_real_smtp_server_without_the_answers() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with_args(
        &fixture_with_smtp(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut b = site.browser();
    fill_contact(&mut b).await;
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303);
    let confirmation = b.get("/forms/contact/sent").await;
    assert!(
        confirmation
            .body
            .contains("We have sent you a confirmation email")
    );
    let reference = cases(&site).await[0].reference.clone();
    let messages = smtp.wait_for(1).await;
    let message = &messages[0];
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(message.contains(&reference), "{message}");
    assert!(message.contains("We aim to reply within 2 working days."));
    assert!(
        !message.contains("Line one"),
        "the answers stay out of email"
    );
}

#[tokio::test]
async fn erasing_the_person_removes_their_cases() {
    let site = site().await;
    let mut b = site.browser();
    fill_contact(&mut b).await;
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303);
    assert_eq!(cases(&site).await.len(), 1);
    let out = site.cli(&["subject", "erase", "--email", "ada@example.com"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    assert!(cases(&site).await.is_empty());
}

#[tokio::test]
async fn abandoned_answers_are_deleted_within_a_day_and_sent_ones_are_not() {
    let site = site().await;
    let mut sender = site.browser();
    fill_contact(&mut sender).await;
    let p = sender
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303);
    let mut quitter = site.browser();
    answer(
        &mut quitter,
        "/forms/contact/name",
        &[("name", "Quentin Quit")],
    )
    .await;
    let session = quitter.jar.get("custodian_session").cloned().unwrap();

    let (_, vault) = site.vault().await;
    assert_eq!(
        vault
            .draft(custodian_vault::DraftOwner::Session(&session), "contact")
            .await
            .unwrap()
            .len(),
        1
    );
    let now = crate::support::now();
    // Nothing is due yet; a day later the draft is, and only the draft.
    assert!(vault.retention_due(now + 60).await.unwrap().is_empty());
    let due = vault.retention_due(now + 24 * 60 * 60 + 60).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].source, "draft:contact");
    vault
        .enforce_retention(now + 24 * 60 * 60 + 60)
        .await
        .unwrap();
    assert!(
        vault
            .draft(custodian_vault::DraftOwner::Session(&session), "contact")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(cases(&site).await.len(), 1, "the sent form is kept");
}
