//! Email updates over HTTP, delivered to a real SMTP server on loopback:
//! double opt-in, managing topics from a signed link, an editor's update
//! reaching only confirmed subscribers of its topics, and one-click
//! unsubscribe with a bare POST (RFC 8058).

use crate::support::{
    Browser, STAFF_PASSWORD, Site, SmtpServer, UPDATES, fixture_with_smtp, link_in, mail_text,
};

async fn site(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &format!("{}{UPDATES}", fixture_with_smtp(smtp.port)),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

async fn mail_to(smtp: &SmtpServer, to: &str, subject: &str) -> String {
    smtp.message_to(to, subject).await
}

async fn subscribe(b: &mut Browser, email: &str, topics: &[&str]) -> crate::support::Page {
    let mut fields = vec![("email", email)];
    fields.extend(topics.iter().map(|t| ("topic", *t)));
    b.submit("/updates", "/updates", &fields).await
}

/// Subscribe and confirm; returns the manage link's path.
async fn subscribed(site: &Site, smtp: &SmtpServer, email: &str, topics: &[&str]) -> String {
    let mut b = site.browser();
    let sent = subscribe(&mut b, email, topics).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    let mail = mail_to(smtp, email, "Confirm your email updates").await;
    let link = link_in(&mail, "/updates/confirm/").unwrap_or_default();
    let done = b.submit(&link, &link, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("You are subscribed"));
    done.body
        .replace("&#x2f;", "/")
        .split("href=\"/updates/manage/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|t| format!("/updates/manage/{t}"))
        .unwrap_or_default()
}

async fn send_update(site: &Site, subject: &str, topics: &[&str]) -> String {
    let secret = site.add_staff("eddie", "editor");
    let mut editor = site.browser();
    assert_eq!(editor.sign_in("eddie", &secret).await.status, 303);
    let body = "Hello.\n\nWe have **news** for you.";
    let mut fields = vec![("action", "send"), ("subject", subject), ("body", body)];
    fields.extend(topics.iter().map(|t| ("topic", *t)));
    let sent = editor
        .submit("/staff/updates/new", "/staff/updates/new", &fields)
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.location().unwrap_or_default()
}

#[tokio::test]
async fn nothing_but_the_confirmation_is_sent_until_the_link_is_followed() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    let sent = subscribe(&mut b, "pending@example.com", &["news"]).await;
    assert_eq!(sent.status, 200);
    // The page names the address, and offers to send the email again.
    assert!(
        sent.body
            .contains("<strong class=\"app-break-words\">pending@example.com</strong>"),
        "{}",
        sent.body
    );
    assert!(sent.body.contains("Send the email again"));
    let confirm = mail_to(&smtp, "pending@example.com", "Confirm your email updates").await;
    assert!(mail_text(&confirm).contains("News"));
    let manage = subscribed(&site, &smtp, "sub@example.com", &["news", "events"]).await;
    assert!(manage.starts_with("/updates/manage/"));

    let progress = send_update(&site, "Our first update", &["news"]).await;
    let received = mail_to(&smtp, "sub@example.com", "Our first update").await;
    // One-click unsubscribe headers, and the links in the message itself.
    assert!(
        received.contains("List-Unsubscribe: <http://127.0.0.1/updates/unsubscribe/"),
        "{received}"
    );
    assert!(received.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let text = mail_text(&received);
    assert!(text.contains("/updates/manage/") && text.contains("<strong>news</strong>"));
    assert!(!text.contains("<img"), "no tracking pixel");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let to_pending = smtp
        .messages()
        .into_iter()
        .filter(|m| m.contains("To: pending@example.com"))
        .count();
    assert_eq!(
        to_pending, 1,
        "only the confirmation went to an unconfirmed address"
    );

    // The editor sees the counts, and nothing about who opened what.
    let secret = site.add_staff("erin", "editor");
    let mut editor = site.browser();
    editor.sign_in("erin", &secret).await;
    let page = editor.get(&progress).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"delivered\">1<"), "{}", page.body);
}

#[tokio::test]
async fn an_update_reaches_only_the_topics_it_was_sent_to() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    subscribed(&site, &smtp, "news@example.com", &["news"]).await;
    subscribed(&site, &smtp, "events@example.com", &["events"]).await;
    send_update(&site, "Events this month", &["events"]).await;
    mail_to(&smtp, "events@example.com", "Events this month").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(smtp.messages().iter().all(
        |m| !(m.contains("To: news@example.com") && mail_text(m).contains("Events this month"))
    ));
}

#[tokio::test]
async fn topics_change_from_the_signed_link_and_a_bare_post_unsubscribes() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let manage = subscribed(&site, &smtp, "chooser@example.com", &["news"]).await;
    let mut anyone = site.browser();
    let page = anyone.get(&manage).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("chooser@example.com"));
    let saved = anyone
        .submit(&manage, &manage, &[("topic", "news"), ("topic", "events")])
        .await;
    assert!(saved.body.contains("Your choices are saved"));
    assert!(
        saved.body.contains("value=\"news\" checked")
            && saved.body.contains("value=\"events\" checked")
    );

    // A forged link shows nothing.
    let forged = format!("{}x", manage.trim_end_matches(|c: char| c != '.'));
    let refused = anyone.get(&forged).await;
    assert!(
        refused
            .body
            .contains("There is no subscription for this link")
    );

    // One click from a mail program: no cookie, no form token. Only that
    // route goes without one: the same bare POST to the manage link is
    // refused, and changes nothing.
    let unsubscribe = manage.replace("/updates/manage/", "/updates/unsubscribe/");
    let client = reqwest::Client::new();
    let tokenless = client
        .post(format!("{}{manage}", site.server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("topic=events")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tokenless.status().as_u16(), 403);
    assert_eq!(site.count_rows("subscribers").await, 1);
    let response = client
        .post(format!("{}{unsubscribe}", site.server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(site.count_rows("subscribers").await, 0);
    // The address is gone with it.
    let bytes = crate::support::database_bytes(&site.data_dir());
    assert!(!crate::support::contains(&bytes, b"chooser@example.com"));
    // Following it again: a calm answer.
    let again = anyone.get(&unsubscribe).await;
    assert!(
        again
            .body
            .contains("There is no subscription for this link")
    );
    send_update(&site, "After unsubscribing", &["news", "events"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !mail_text(m).contains("After unsubscribing"))
    );
}

#[tokio::test]
async fn subscribing_an_address_that_gets_updates_changes_nothing_and_says_nothing() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    subscribed(&site, &smtp, "twice@example.com", &["news"]).await;
    let mut other = site.browser();
    let again = subscribe(&mut other, "twice@example.com", &["events"]).await;
    // The same page a new address gets: nothing says it is subscribed.
    assert_eq!(again.status, 200);
    assert!(
        again.body.contains(
            "We have sent an email to <strong class=\"app-break-words\">twice@example.com</strong>"
        ),
        "{}",
        again.body
    );
    let mail = mail_to(&smtp, "twice@example.com", "You already get email updates").await;
    assert!(link_in(&mail, "/updates/manage/").is_some());
    assert_eq!(site.count_rows("subscribers").await, 1);
}

#[tokio::test]
async fn bad_subscriptions_get_specific_errors_and_store_nothing() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    let none = subscribe(&mut b, "ok@example.com", &[]).await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains("Select at least one topic"));
    let bad = subscribe(&mut b, "not an address", &["news"]).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("Enter an email address in the correct format")
    );
    assert!(bad.body.contains("value=\"not an address\""));
    let unknown = subscribe(&mut b, "ok@example.com", &["nonsense"]).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(site.count_rows("subscribers").await, 0);
    // An expired or made-up confirmation link explains, and offers a way on.
    let fake = format!("/updates/confirm/{}", "A".repeat(43));
    let page = b.submit(&fake, &fake, &[]).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("This link has expired") && page.body.contains("Get email updates"));
}

#[tokio::test]
async fn an_unconfirmed_subscription_is_deleted_after_three_days() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    subscribe(&mut b, "forgot@example.com", &["news", "events"]).await;
    subscribed(&site, &smtp, "kept@example.com", &["news"]).await;
    let (_, vault) = site.vault().await;
    let now = crate::support::now();
    let due = vault
        .retention_due(now + 3 * 86_400 + 60)
        .await
        .unwrap_or_default();
    assert_eq!(due.len(), 2, "the unconfirmed address and choices: {due:?}");
    let _ = vault.enforce_retention(now + 3 * 86_400 + 60).await;
    assert_eq!(site.count_rows("subscribers").await, 1);
}

#[tokio::test]
async fn an_editor_previews_and_tests_before_sending() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let secret = site.add_staff("pia", "editor");
    let mut editor = site.browser();
    assert_eq!(editor.sign_in("pia", &secret).await.status, 303);
    let preview = editor
        .submit(
            "/staff/updates/new",
            "/staff/updates/new",
            &[
                ("action", "preview"),
                ("subject", "Draft"),
                ("body", "## Heading\n\nText <script>x</script>"),
            ],
        )
        .await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("<h2>Heading</h2>"));
    assert!(
        !preview.body.contains("<script>x"),
        "raw HTML is shown as text"
    );
    let nothing = editor
        .submit(
            "/staff/updates/new",
            "/staff/updates/new",
            &[("action", "send"), ("subject", "Draft"), ("body", "Text")],
        )
        .await;
    assert_eq!(nothing.status, 400);
    assert!(nothing.body.contains("Select the topics to send it to"));
    let test = editor
        .submit(
            "/staff/updates/new",
            "/staff/updates/new",
            &[
                ("action", "test"),
                ("subject", "Draft"),
                ("body", "Text"),
                ("test_to", "pia@example.com"),
            ],
        )
        .await;
    assert_eq!(test.status, 200);
    let mail = mail_to(&smtp, "pia@example.com", "[Test] Draft").await;
    assert!(mail_text(&mail).contains("Text"));
    // Other roles cannot send.
    let dpo = site.add_staff("dot", "dpo");
    let mut other = site.browser();
    other.sign_in("dot", &dpo).await;
    assert_eq!(other.get("/staff/updates/new").await.status, 403);
    let _ = STAFF_PASSWORD;
}

/// Connexions: "postal information if you request that service".
#[tokio::test]
async fn a_postal_address_is_kept_only_when_post_is_asked_for_and_only_for_it() {
    let smtp = SmtpServer::start().await;
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/connexions.toml"
    ))
    .unwrap_or_default();
    let config = format!(
        "{example}\n[mail]\nfrom = \"Connexions <noreply@test.example>\"\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\n",
        smtp.port
    );
    let site = Site::start_with_args(
        &config,
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let manage = subscribed(&site, &smtp, "post@example.com", &["careers"]).await;
    let (_, vault) = site.vault().await;
    let subject = || async {
        vault
            .find_by_email("post@example.com")
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no subject"))
    };
    let fields = |export: &custodian_vault::Export| -> Vec<String> {
        export.items.iter().map(|i| i.field.clone()).collect()
    };
    let before = vault
        .export(&subject().await, "test", crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !fields(&before).iter().any(|f| f.starts_with("postal")),
        "no address until asked"
    );

    let mut b = site.browser();
    let page = b.get(&manage).await;
    assert!(page.body.contains("Information by post"));
    let half = b
        .submit(
            &manage,
            &manage,
            &[("topic", "careers"), ("postal_name", "Pat Post")],
        )
        .await;
    assert_eq!(half.status, 400);
    assert!(half.body.contains("Enter your postal address"));
    let saved = b
        .submit(
            &manage,
            &manage,
            &[
                ("topic", "careers"),
                ("postal_name", "Pat Post"),
                ("postal_address", "1 High Street\nTown"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let after = vault
        .export(&subject().await, "test", crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let postal: Vec<_> = after
        .items
        .iter()
        .filter(|i| i.field.starts_with("postal"))
        .collect();
    assert_eq!(postal.len(), 2);
    assert!(
        postal.iter().all(|i| i.purpose.id == "email_updates"),
        "{postal:?}"
    );
    // Cleared again: gone.
    b.submit(&manage, &manage, &[("topic", "careers")]).await;
    let cleared = vault
        .export(&subject().await, "test", crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!fields(&cleared).iter().any(|f| f.starts_with("postal")));
}

#[tokio::test]
async fn a_weekly_subscriber_gets_one_summary_instead_of_each_update() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let manage = subscribed(&site, &smtp, "weekly@example.com", &["news"]).await;
    subscribed(&site, &smtp, "each@example.com", &["news"]).await;
    let mut b = site.browser();
    let saved = b
        .submit(
            &manage,
            &manage,
            &[("topic", "news"), ("frequency", "weekly")],
        )
        .await;
    assert!(saved.body.contains("Your choices are saved"));
    assert!(saved.body.contains("value=\"weekly\" checked"));

    send_update(&site, "Monday news", &["news"]).await;
    mail_to(&smtp, "each@example.com", "Monday news").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(
        smtp.messages().iter().all(
            |m| !(m.contains("To: weekly@example.com") && mail_text(m).contains("Monday news"))
        )
    );

    // A week on: the update is last week's, and the weekly job (which runs
    // at start for a week not yet summarised) sends the summary.
    site.sabotage("UPDATE sends SET created_at = created_at - 604800")
        .await;
    site.sabotage("DELETE FROM job_runs WHERE name = 'weekly summaries'")
        .await;
    let config = std::fs::read_to_string(site.config_path()).unwrap_or_default();
    let site = site.restart_with(&config).await;
    let summary = mail_to(&smtp, "weekly@example.com", "News: this week's updates").await;
    assert!(mail_text(&summary).contains("Monday news"));
    assert!(summary.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !(m.contains("To: each@example.com")
                && mail_text(m).contains("this week's updates"))),
        "those who get each update get no summary"
    );
    drop(site);
}
