//! Parental consent over HTTP, with mail to a real SMTP server on loopback:
//! a form that collects personal data asks the age band first; someone old
//! enough goes straight through; someone under the age gives a parent's or
//! guardian's address, and their form is held, unseen by staff, until the
//! parent or guardian follows the emailed link. Yes sends it on; no deletes
//! it; no answer lets retention delete it when the wait runs out. The
//! ledger records the permission's absence and the decision.

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, Site, SmtpServer, fixture_with_smtp, link_in, mail_text, now};

const DAY: i64 = 24 * 60 * 60;

fn config(port: u16) -> String {
    // A parent's permission is asked only where consent is the basis.
    fixture_with_smtp(port).replacen(
        "lawful_basis = \"public_task\"\ncategories = [\"contact_details\", \"message\"]",
        "lawful_basis = \"consent\"\ncategories = [\"contact_details\", \"message\", \"age\", \"guardian_email\"]",
        1,
    ) + include_str!("fixtures/children.toml")
        + "guardian_wait = \"7 days\"\n"
}

async fn site(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &config(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

/// Fill in the contact form from the age question on; `guardian` is the
/// parent's address for someone under 16. Returns the page after sending.
async fn send(
    site: &Site,
    b: &mut Browser,
    email: &str,
    guardian: Option<&str>,
) -> crate::support::Page {
    let band = if guardian.is_some() { "under" } else { "over" };
    let p = b
        .submit(
            "/forms/contact/age",
            "/forms/contact/age",
            &[("age_band", band)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    if let Some(guardian) = guardian {
        assert_eq!(p.location().as_deref(), Some("/forms/contact/guardian"));
        let p = b
            .submit(
                "/forms/contact/guardian",
                "/forms/contact/guardian",
                &[("guardian_email", guardian)],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", "Sam")]),
        ("/forms/contact/email", vec![("email", email)]),
        (
            "/forms/contact/message",
            vec![
                ("topic", "rights"),
                ("message", "My school will not listen"),
            ],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
    ] {
        let p = b.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let check = b.get("/forms/contact/check").await;
    assert_eq!(
        check
            .body
            .contains("parent&#x27;s or guardian&#x27;s email address")
            || check.body.contains("parent's or guardian's email address"),
        guardian.is_some(),
        "the guardian's address is on the check page only when it was asked for"
    );
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303, "{}", site.server.log());
    b.get("/forms/contact/sent").await
}

async fn mail_to(smtp: &SmtpServer, to: &str, containing: &str) -> String {
    for _ in 0..300 {
        if let Some(m) = smtp
            .messages()
            .into_iter()
            .find(|m| m.contains(&format!("To: {to}")) && mail_text(m).contains(containing))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message to {to} containing {containing:?}");
}

async fn all_cases(site: &Site) -> Vec<custodian_store::personal::cases::CaseRow> {
    let (_store, vault) = site.vault().await;
    vault
        .cases(&CaseFilter {
            include_held: true,
            limit: 100,
            ..CaseFilter::default()
        })
        .await
        .unwrap_or_default()
}

/// The ledger's receipts for a case's parental permission, oldest first:
/// (given, how).
async fn receipts(
    site: &Site,
    case: &custodian_store::personal::cases::CaseRow,
) -> Vec<(bool, String)> {
    let (store, _vault) = site.vault().await;
    let scope = format!("case:{}:guardian", case.id);
    store
        .personal_data()
        .receipts_of(&case.subject_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.scope == scope)
        .map(|r| (r.given, r.method))
        .collect()
}

#[tokio::test]
async fn forms_ask_the_age_first_and_someone_old_enough_goes_straight_through() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    // The notice says how it works.
    let notice = b.get("/privacy").await;
    for words in [
        "If you are under 16",
        "we need a parent's or guardian's permission before you use the “Contact us” form",
        "we ask your age",
        "within 7 days",
        "we also ask for your parent",
    ] {
        assert!(notice.body.contains(words), "{words}: {}", notice.body);
    }
    let start = b.get("/forms/contact").await;
    assert!(
        start.body.contains("href=\"/forms/contact/age\""),
        "{}",
        start.body
    );
    // Straight to a later page: back to the age question.
    let later = b.get("/forms/contact/name").await;
    assert_eq!(later.location().as_deref(), Some("/forms/contact/age"));
    let age = b.get("/forms/contact/age").await;
    assert!(age.body.contains("How old are you?"));
    assert!(age.body.contains("Under 16") && age.body.contains("16 or over"));
    // No answer: a specific error, nothing saved.
    let refused = b
        .submit("/forms/contact/age", "/forms/contact/age", &[])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("how old you are"), "{}", refused.body);

    let sent = send(&site, &mut b, "sam@example.com", None).await;
    assert!(
        sent.body
            .contains("<h1 class=\"govuk-panel__title\">Form sent</h1>"),
        "{}",
        sent.body
    );
    let cases = all_cases(&site).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].status.as_str(), "new");
    mail_to(&smtp, "sam@example.com", "We have received your form").await;
}

#[tokio::test]
async fn a_parent_who_gives_permission_sends_the_form_on_and_their_address_goes() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    // A wrong address for the parent: a specific error.
    let p = b
        .submit(
            "/forms/contact/age",
            "/forms/contact/age",
            &[("age_band", "under")],
        )
        .await;
    assert_eq!(p.location().as_deref(), Some("/forms/contact/guardian"));
    let guardian_page = b.get("/forms/contact/guardian").await;
    assert!(guardian_page.body.contains("we need their permission"));
    let bad = b
        .submit(
            "/forms/contact/guardian",
            "/forms/contact/guardian",
            &[("guardian_email", "mum at home")],
        )
        .await;
    assert_eq!(bad.status, 422);

    let held = send(
        &site,
        &mut b,
        "young@example.com",
        Some("parent@example.com"),
    )
    .await;
    assert!(
        held.body.contains("We have asked your parent or guardian"),
        "{}",
        held.body
    );
    assert!(held.body.contains("nobody here reads it"));

    // Held: in no inbox, and no member of staff can open it.
    let (_store, vault) = site.vault().await;
    assert!(
        vault
            .cases(&CaseFilter {
                limit: 10,
                ..CaseFilter::default()
            })
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let case = all_cases(&site).await.remove(0);
    assert_eq!(case.status.as_str(), "awaiting_guardian");
    assert!(
        vault
            .read_case(&case.id, "caseworker", now())
            .await
            .is_err()
    );
    assert_eq!(
        receipts(&site, &case).await,
        vec![(
            false,
            "form contact: waiting for a parent or guardian".to_owned()
        )]
    );

    // The child is told; the parent gets the link, and not the message.
    mail_to(
        &smtp,
        "young@example.com",
        "we need your parent's or guardian's permission",
    )
    .await;
    let asked = mail_to(&smtp, "parent@example.com", "/permission/").await;
    assert!(!mail_text(&asked).contains("My school will not listen"));
    let link = link_in(&asked, "/permission/").unwrap_or_default();

    let mut parent = site.browser();
    let explained = parent.get(&link).await;
    assert_eq!(explained.status, 200, "{}", explained.body);
    for words in [
        "Contact details",
        "Your message",
        "How long we keep it",
        "We will not show you what they wrote",
    ] {
        assert!(
            explained.body.contains(words),
            "{words}: {}",
            explained.body
        );
    }
    assert!(!explained.body.contains("My school will not listen"));
    let unanswered = parent.submit(&link, &link, &[]).await;
    assert_eq!(unanswered.status, 422);
    assert!(
        unanswered
            .body
            .contains("Select yes if you give permission")
    );
    let given = parent.submit(&link, &link, &[("permission", "yes")]).await;
    assert_eq!(given.status, 200, "{}", given.body);
    assert!(given.body.contains("Thank you for giving permission"));

    // Now a case like any other, without the parent's address.
    let case = all_cases(&site).await.remove(0);
    assert_eq!(case.status.as_str(), "new");
    let opened = vault.read_case(&case.id, "caseworker", now()).await;
    let answers = opened.map(|o| o.answers).unwrap_or_default();
    assert!(
        answers
            .iter()
            .any(|(f, v)| f == "message" && v == "My school will not listen")
    );
    assert!(answers.iter().any(|(f, v)| f == "age_band" && v == "under"));
    assert!(!answers.iter().any(|(f, _)| f == "guardian_email"));
    let ledger = receipts(&site, &case).await;
    assert_eq!(ledger.len(), 2);
    assert!(
        ledger[1].0,
        "the second receipt records the permission: {ledger:?}"
    );
    mail_to(&smtp, "young@example.com", "We have received your form").await;

    // The link works once.
    let again = parent.get(&link).await;
    assert_eq!(again.status, 410);
}

#[tokio::test]
async fn a_refusal_deletes_everything_and_so_does_silence_when_the_wait_runs_out() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;

    let mut refused_child = site.browser();
    send(
        &site,
        &mut refused_child,
        "kid1@example.com",
        Some("parent1@example.com"),
    )
    .await;
    let mut silent_child = site.browser();
    send(
        &site,
        &mut silent_child,
        "kid2@example.com",
        Some("parent2@example.com"),
    )
    .await;
    let held = all_cases(&site).await;
    assert_eq!(held.len(), 2);
    // Newest first: the first child's is the second.
    let refused_case = held[1].clone();

    let asked = mail_to(&smtp, "parent1@example.com", "/permission/").await;
    let link = link_in(&asked, "/permission/").unwrap_or_default();
    let mut parent = site.browser();
    let no = parent.submit(&link, &link, &[("permission", "no")]).await;
    assert_eq!(no.status, 200, "{}", no.body);
    assert!(no.body.contains("We have deleted everything they sent"));
    let left = all_cases(&site).await;
    assert_eq!(left.len(), 1, "the refused form is gone");
    // The ledger keeps the refusal, with no answer of the child's.
    let ledger = receipts(&site, &refused_case).await;
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    assert!(
        !ledger[1].0 && ledger[1].1.contains("refused"),
        "{ledger:?}"
    );
    // Nothing finds the child any more: not their keyed address.
    let (store, vault) = site.vault().await;
    assert!(
        vault
            .find_by_email("kid1@example.com")
            .await
            .ok()
            .flatten()
            .is_none(),
        "the child's address leads to nobody after a refusal"
    );
    store.close().await;

    // The other parent never answers: a week and a day later retention
    // has deleted the form, and the link says so.
    let silent = mail_to(&smtp, "parent2@example.com", "/permission/").await;
    let silent_link = link_in(&silent, "/permission/").unwrap_or_default();
    let (_store, vault) = site.vault().await;
    let ran = vault.enforce_retention(now() + 8 * DAY).await;
    assert!(ran.map(|r| r.records_deleted).unwrap_or_default() >= 5);
    assert!(all_cases(&site).await.is_empty());
    assert_eq!(site.count_rows("guardian_requests").await, 0);
    let gone = parent.get(&silent_link).await;
    assert_eq!(gone.status, 410);
    assert!(
        gone.body
            .contains("This link has expired or has already been used")
    );
    // Nothing of either child's answers is left in the vault.
    assert_eq!(
        site.count_rows("records").await,
        0,
        "only the mail copies could remain, and they go once sent"
    );
}
