//! Children first (issue 19), over HTTP with mail to a real SMTP server on
//! loopback, on the Children's Commissioner example: a child asking Help
//! at Hand for help reaches the caseworkers at once, whatever their age,
//! with the site's "If you need help now" inset on every page; a child
//! signing up for the newsletter (consent) is held for a parent, whose
//! email names no kind of information and nothing the child wrote; every
//! email to the public ends with the your-data link.

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, Site, SmtpServer, link_in, mail_text};

fn config(smtp: &SmtpServer) -> String {
    let example = include_str!("../../../../examples/childrens-commissioner.toml");
    format!(
        "{example}\n[mail]\nfrom = \"Test <noreply@test.example>\"\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\n",
        smtp.port
    )
}

async fn site(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &config(smtp),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

const HELP: &str = "If you need help now";
const CHILDLINE: &str = "0800 1111";

fn shows_help(page: &crate::support::Page, path: &str) {
    assert!(
        page.body.contains(HELP) && page.body.contains(CHILDLINE),
        "{path} shows no help inset: {}",
        page.body
    );
}

#[tokio::test]
async fn a_child_asking_help_at_hand_for_help_reaches_the_caseworkers_at_once() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut child = site.browser();
    let start = child.get("/forms/help_at_hand").await;
    shows_help(&start, "the start page");
    // No age question: the first page is the form's own.
    assert!(
        start.body.contains("href=\"/forms/help_at_hand/name\""),
        "{}",
        start.body
    );
    assert_eq!(child.get("/forms/help_at_hand/age").await.status, 404);
    for (path, fields) in [
        ("/forms/help_at_hand/name", vec![("name", "Jo")]),
        (
            "/forms/help_at_hand/contact",
            vec![("email", "jo@example.com"), ("phone", "")],
        ),
        (
            "/forms/help_at_hand/situation",
            vec![("situation", "in_care")],
        ),
        (
            "/forms/help_at_hand/problem",
            vec![("problem", "I do not feel safe at home.")],
        ),
    ] {
        shows_help(&child.get(path).await, path);
        let next = child.submit(path, path, &fields).await;
        assert_eq!(next.status, 303, "{path}: {}", next.body);
    }
    let check = child.get("/forms/help_at_hand/check").await;
    shows_help(&check, "the check page");
    let sent = child
        .submit(
            "/forms/help_at_hand/check",
            "/forms/help_at_hand/check",
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let done = child.get("/forms/help_at_hand/sent").await;
    assert!(done.body.contains("Form sent"), "{}", done.body);
    assert!(done.body.contains("href=\"/your-data\""), "{}", done.body);
    shows_help(&done, "the confirmation page");

    // In the caseworkers' inbox at once: not held for anyone.
    let (_store, vault) = site.vault().await;
    let cases = vault
        .cases(&CaseFilter {
            include_held: true,
            limit: 10,
            ..CaseFilter::default()
        })
        .await
        .unwrap_or_default();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].status.as_str(), "new");
    assert_eq!(site.count_rows("guardian_requests").await, 0);

    // The confirmation email ends with where to get help and the portal.
    let mail = smtp
        .message_to("jo@example.com", "we have your message")
        .await;
    let text = mail_text(&mail);
    assert!(
        text.contains("If you need help now: Call Childline free on 0800 1111"),
        "{text}"
    );
    assert!(
        text.contains("childline.org.uk (https://www.childline.org.uk)"),
        "{text}"
    );
    assert!(link_in(&mail, "/your-data").is_some(), "{text}");
    assert!(
        !text.contains("I do not feel safe"),
        "nothing the child wrote"
    );

    // In the portal, answers are what the child chose, never stored values.
    let mut portal = crate::your_data::proven(&site, &smtp, "jo@example.com", 0).await;
    let held = portal.get("/your-data/held").await;
    assert!(held.body.contains("I am in care"), "{}", held.body);
    assert!(!held.body.contains(">in_care<"), "{}", held.body);
}

async fn sign_up(b: &mut Browser, email: &str, band: &str, parent: &str) -> crate::support::Page {
    b.submit(
        "/updates",
        "/updates",
        &[
            ("email", email),
            ("topic", "newsletter"),
            ("age_band", band),
            ("guardian_email", parent),
        ],
    )
    .await
}

/// Follow the confirmation link in the email to `to`.
async fn confirm(site: &Site, smtp: &SmtpServer, to: &str) -> crate::support::Page {
    let mail = smtp.message_to(to, "Confirm your email updates").await;
    assert!(
        link_in(&mail, "/your-data").is_some(),
        "{}",
        mail_text(&mail)
    );
    let link = link_in(&mail, "/updates/confirm/").unwrap_or_default();
    let mut b = site.browser();
    b.submit(&link, &link, &[]).await
}

#[tokio::test]
async fn a_child_signing_up_for_the_newsletter_waits_for_a_parent_who_is_told_nothing_sensitive() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut child = site.browser();
    let form = child.get("/updates").await;
    assert!(form.body.contains("How old are you?"), "{}", form.body);
    shows_help(&form, "the sign-up page");

    // Bad input: a specific error each, and nothing kept.
    let none = sign_up(&mut child, "kid@example.com", "", "").await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert!(
        none.body
            .contains("Select whether you are under 16 or 16 or over")
    );
    let no_parent = sign_up(&mut child, "kid@example.com", "under", "").await;
    assert!(
        no_parent
            .body
            .contains("Enter your parent&#x27;s or guardian&#x27;s email address")
            || no_parent
                .body
                .contains("Enter your parent's or guardian's email address"),
        "{}",
        no_parent.body
    );
    let own = sign_up(&mut child, "kid@example.com", "under", "KID@example.com").await;
    assert!(
        own.body.contains("own email address, not yours"),
        "{}",
        own.body
    );
    assert_eq!(site.count_rows("subscribers").await, 0);

    let sent = sign_up(&mut child, "kid@example.com", "under", "mum@example.com").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("kid@example.com"));
    assert!(
        sent.body.contains("we will email your parent or guardian"),
        "{}",
        sent.body
    );
    // Nothing goes to the parent until the child has confirmed the address.
    let waiting = confirm(&site, &smtp, "kid@example.com").await;
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    assert!(
        waiting.body.contains("Waiting for your parent"),
        "{}",
        waiting.body
    );
    shows_help(&waiting, "the held page");

    let ask = smtp
        .message_to("mum@example.com", "a young person asks for your permission")
        .await;
    let text = mail_text(&ask);
    assert!(text.contains("Children's Commissioner"), "{text}");
    assert!(
        text.contains("Sending our newsletter"),
        "the kind of service: {text}"
    );
    for never in [
        "health",
        "wellbeing",
        "safety",
        "kid@example.com",
        "Childline",
    ] {
        assert!(
            !text.to_lowercase().contains(&never.to_lowercase()),
            "{never} in {text}"
        );
    }
    // Held: no update can reach the child yet.
    let (store, vault) = site.vault().await;
    let (recipients, _) = vault
        .recipients(&["newsletter".to_owned()], false, "", 100)
        .await
        .unwrap_or_default();
    assert!(recipients.is_empty());
    // The child's address is theirs once confirmed: the portal finds the
    // held request, to see or delete it while the parent decides.
    let child_subject = vault
        .find_by_email("kid@example.com")
        .await
        .unwrap_or_default()
        .expect("the confirmed address finds the child");
    let held = vault
        .subscriptions_of(&child_subject)
        .await
        .unwrap_or_default();
    assert_eq!(held.len(), 1);
    assert!(held[0].awaiting_guardian_until.is_some());
    // Nothing about it may change meanwhile but unsubscribing: its records
    // go when the parent's link does.
    assert!(
        !vault
            .change_subscription(
                &held[0].id,
                &["newsletter"],
                None,
                true,
                crate::support::now()
            )
            .await
            .unwrap_or(true),
        "a held subscription is not changed"
    );

    let link = link_in(&ask, "/permission/updates/").unwrap_or_default();
    let mut parent = site.browser();
    let page = parent.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Do you give permission for us to send them these emails?")
    );
    let unanswered = parent.submit(&link, &link, &[]).await;
    assert_eq!(unanswered.status, 422);
    let yes = parent.submit(&link, &link, &[("permission", "yes")]).await;
    assert_eq!(yes.status, 200, "{}", yes.body);
    assert!(yes.body.contains("Thank you for giving permission"));
    let (recipients, _) = vault
        .recipients(&["newsletter".to_owned()], false, "", 100)
        .await
        .unwrap_or_default();
    assert_eq!(recipients.len(), 1);
    assert_eq!(recipients[0].email, "kid@example.com");
    // The parent's address was only for asking: it is gone; the ledger
    // has the permission.
    let held = vault
        .subscriptions_of(&recipients[0].subject)
        .await
        .unwrap_or_default();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].guardian_email, None);
    let receipts = store
        .personal_data()
        .receipts_of(&recipients[0].subject.id)
        .await
        .unwrap_or_default();
    assert!(
        receipts
            .iter()
            .any(|r| r.given && r.scope.ends_with(":guardian")),
        "{receipts:?}"
    );
    // The link works once.
    assert_eq!(parent.get(&link).await.status, 410);
    let mut portal = crate::your_data::proven(&site, &smtp, "kid@example.com", 0).await;
    let held = portal.get("/your-data/held").await;
    assert!(held.body.contains("How old are you?"), "{}", held.body);
    assert!(held.body.contains("Under 16"), "{}", held.body);
    assert!(held.body.contains("Our newsletter"), "{}", held.body);
    assert!(
        !held.body.contains("mum@example.com"),
        "the parent's address is gone"
    );

    // Someone 16 or over is not asked about a parent at all; and with one
    // topic, there is no checkbox to tick.
    let mut older = site.browser();
    let form = older.get("/updates").await;
    assert!(!form.body.contains("type=\"checkbox\""), "{}", form.body);
    let sent = older
        .submit(
            "/updates",
            "/updates",
            &[("email", "teen@example.com"), ("age_band", "over")],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let done = confirm(&site, &smtp, "teen@example.com").await;
    assert!(done.body.contains("You are subscribed"), "{}", done.body);
}

#[tokio::test]
async fn a_parent_who_says_no_leaves_nothing_behind() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut child = site.browser();
    sign_up(&mut child, "sam@example.com", "under", "dad@example.com").await;
    confirm(&site, &smtp, "sam@example.com").await;
    let ask = smtp
        .message_to("dad@example.com", "asks for your permission")
        .await;
    let link = link_in(&ask, "/permission/updates/").unwrap_or_default();
    let mut parent = site.browser();
    let no = parent.submit(&link, &link, &[("permission", "no")]).await;
    assert_eq!(no.status, 200, "{}", no.body);
    assert!(no.body.contains("We have deleted their request"));
    assert_eq!(site.count_rows("subscribers").await, 0);
    assert_eq!(site.count_rows("records").await, 0);
}

/// The notice in layers: the short version first, in plain words, with
/// the way to use your rights; then every section of the full notice as
/// something to open. The footer of every page links the portal.
#[tokio::test]
async fn the_notice_opens_with_a_short_version_and_the_portal_is_a_click_away() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    let notice = b.get("/privacy").await;
    let body = &notice.body;
    let short = body.find("In short").unwrap_or(usize::MAX);
    let full = body.find("The full notice").unwrap_or(0);
    assert!(short < full, "the short version comes first: {body}");
    let first_layer = &body[short..full];
    for words in [
        "Who we are",
        "What we collect and why",
        "We keep it 2 years after the case is closed",
        "You never need a parent",
        "href=\"/your-data\"",
    ] {
        assert!(first_layer.contains(words), "{words}: {first_layer}");
    }
    assert!(!first_layer.contains("Article"), "no article numbers");
    assert!(
        body.matches("<details class=\"govuk-details app-notice-section\">")
            .count()
            >= 10,
        "each section is one to open"
    );
    for path in [
        "/",
        "/privacy",
        "/cookies",
        "/accessibility",
        "/forms",
        "/updates",
    ] {
        let page = b.get(path).await;
        assert!(
            page.body
                .contains("<a class=\"govuk-footer__link\" href=\"/your-data\">"),
            "{path} has no footer link to the portal"
        );
    }
}
