//! The consent ledger: a receipt for every consent given, refused or
//! withdrawn (cookie categories, email topics, a form's consent question),
//! with the policy version, the exact words, when and how; withdrawal from
//! the same places; receipts exported in the Kantara Consent Receipt v1.1
//! shape; and saying no never blocks the service.

use custodian_vault::consents::{Principal, current};

use crate::support::{Browser, Site, SmtpServer, UPDATES, fixture_with_smtp, link_in, mail_text};

async fn site(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &format!("{}{UPDATES}", fixture_with_smtp(smtp.port)),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

/// The receipt id in a browser's consent cookie.
fn receipt_in(b: &Browser) -> String {
    let value = b.jar.get("cookie_preferences").cloned().unwrap_or_default();
    value
        .split('&')
        .find_map(|p| p.strip_prefix("receipt="))
        .map(str::to_owned)
        .unwrap_or_default()
}

#[tokio::test]
async fn cookie_choices_are_receipted_and_changed_on_the_cookies_page() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    let accepted = b
        .submit(
            "/",
            "/cookies/banner",
            &[("cookies", "accept"), ("return_to", "/")],
        )
        .await;
    assert_eq!(accepted.status, 303);
    let receipt = receipt_in(&b);
    assert_eq!(receipt.len(), 32, "a random receipt id: {:?}", b.jar);
    // Saying no on the cookies page: the same browser, a new receipt.
    let saved = b.submit("/cookies", "/cookies", &[("usage", "no")]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(receipt_in(&b), receipt, "the receipt id is kept");
    // The site still works without the cookies.
    assert_eq!(b.get("/forms/contact").await.status, 200);

    let (_, vault) = site.vault().await;
    let receipts = vault
        .consents_of(Principal::Visitor(&receipt))
        .await
        .unwrap_or_default();
    assert_eq!(receipts.len(), 2, "{receipts:?}");
    assert_eq!(
        (
            receipts[0].scope.as_str(),
            receipts[0].given,
            receipts[0].method.as_str()
        ),
        ("cookies:usage", true, "cookie banner")
    );
    assert_eq!(
        (receipts[1].given, receipts[1].method.as_str()),
        (false, "cookies page")
    );
    assert!(
        receipts[0]
            .words
            .starts_with("Usage cookies: They tell us how many people use the site.")
    );
    assert_eq!(receipts[0].policy_version, 1);
    assert_eq!(receipts[0].purpose, "usage_cookies");
    assert!(!current(&receipts)[0].given, "the latest answer counts");
}

#[tokio::test]
async fn topics_and_form_consents_are_receipted_and_withdrawn_from_where_they_were_given() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    // Email updates: a receipt on confirming, and on unsubscribing.
    let mut b = site.browser();
    b.submit(
        "/updates",
        "/updates",
        &[("email", "lin@example.com"), ("topic", "news")],
    )
    .await;
    let mail = smtp
        .message_to("lin@example.com", "Confirm your email updates")
        .await;
    let link = link_in(&mail, "/updates/confirm/").unwrap_or_default();
    let confirmed = b.submit(&link, &link, &[]).await;
    assert_eq!(confirmed.status, 200);
    let signed = confirmed
        .body
        .replace("&#x2f;", "/")
        .split("href=\"/updates/manage/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_owned)
        .unwrap_or_default();

    // A form: yes to passing the message on.
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", "Lin")]),
        ("/forms/contact/email", vec![("email", "lin@example.com")]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", "A question.")],
        ),
        ("/forms/contact/permission", vec![("forward", "yes")]),
    ] {
        assert_eq!(b.submit(path, path, &fields).await.status, 303, "{path}");
    }
    assert_eq!(
        b.submit("/forms/contact/check", "/forms/contact/check", &[])
            .await
            .status,
        303
    );

    let (_, vault) = site.vault().await;
    let lin = vault
        .find_by_email("lin@example.com")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("lin is known"));
    let receipts = vault
        .consents_of(Principal::Subject(&lin))
        .await
        .unwrap_or_default();
    let scopes: Vec<(&str, bool)> = receipts
        .iter()
        .map(|r| (r.scope.as_str(), r.given))
        .collect();
    assert!(scopes.contains(&("topic:news", true)), "{scopes:?}");
    let form_scope = receipts
        .iter()
        .find(|r| r.scope.starts_with("case:") && r.scope.ends_with(":forward"))
        .map(|r| r.scope.clone())
        .unwrap_or_default();
    assert!(!form_scope.is_empty(), "{scopes:?}");
    let case_id = form_scope.split(':').nth(1).unwrap_or_default().to_owned();
    let case = vault.case_row(&case_id).await.ok().flatten();
    assert!(
        case.as_ref()
            .is_some_and(|c| c.permissions.contains("forward"))
    );

    // The portal: the consents, and withdrawing the form's one there.
    let mut portal = site.browser();
    portal
        .submit("/your-data", "/your-data", &[("email", "lin@example.com")])
        .await;
    let code_mail = mail_text(&smtp.message_to("lin@example.com", "Your code is").await);
    let at = code_mail.find("Your code is ").unwrap_or(0) + "Your code is ".len();
    let code = code_mail.get(at..at + 6).unwrap_or_default().to_owned();
    portal
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    let held = portal.get("/your-data/held").await;
    assert!(held.body.contains("Your consents"));
    assert!(
        held.body
            .contains("May we pass your message to another government department")
    );
    assert!(held.body.contains("News: What we have been doing."));
    let withdrawn = portal
        .submit(
            "/your-data/held",
            "/your-data/consents/withdraw",
            &[("scope", &form_scope)],
        )
        .await;
    assert_eq!(withdrawn.status, 303);
    let case = vault.case_row(&case_id).await.ok().flatten();
    assert!(
        case.as_ref()
            .is_some_and(|c| !c.permissions.contains("forward")),
        "the case no longer carries the permission"
    );
    let held = portal.get("/your-data/held").await;
    assert!(held.body.contains("Withdrawn"));

    // Receipts in the download, in the Kantara v1.1 shape.
    let download = portal.get("/your-data/download").await;
    let json: serde_json::Value = serde_json::from_str(&download.body).unwrap_or_default();
    let kantara = json["consent_receipts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!kantara.is_empty());
    let first = &kantara[0];
    assert_eq!(first["version"], "KI-CR-v1.1.0");
    assert_eq!(first["jurisdiction"], "GB");
    assert_eq!(
        first["piiControllers"][0]["piiController"],
        "Test Department"
    );
    assert!(
        first["policyUrl"]
            .as_str()
            .is_some_and(|u| u.ends_with("/privacy"))
    );
    assert!(first["services"][0]["purposes"][0]["purpose"].is_string());
    assert!(first["consentReceiptID"].is_string());

    // Unsubscribing withdraws the topic, where it was given: the link in
    // every update.
    let manage = format!("/updates/manage/{signed}");
    let unsubscribe = format!("/updates/unsubscribe/{signed}");
    let gone = b.submit(&manage, &unsubscribe, &[]).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let receipts = vault
        .consents_of(Principal::Subject(&lin))
        .await
        .unwrap_or_default();
    let news = current(&receipts)
        .into_iter()
        .find(|r| r.scope == "topic:news")
        .cloned();
    assert!(
        news.is_some_and(|r| !r.given && r.method == "unsubscribe link"),
        "{receipts:?}"
    );
}
