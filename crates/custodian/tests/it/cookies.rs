use crate::support::Site;

const ESSENTIAL: [&str; 3] = ["custodian_session", "request_token", "cookie_preferences"];

#[tokio::test]
async fn no_non_essential_cookie_is_set_before_consent() {
    let site = Site::start().await;
    let mut browser = site.browser();
    for path in [
        "/",
        "/privacy",
        "/privacy/versions",
        "/privacy.json",
        "/cookies",
        "/accessibility",
        "/missing",
    ] {
        let page = browser.get(path).await;
        for c in &page.set_cookies {
            assert!(ESSENTIAL.contains(&c.name.as_str()), "{path} set {c:?}");
        }
    }
    // Before any choice, not even the consent cookie exists.
    assert!(!browser.jar.contains_key("cookie_preferences"));
    site.server.stop().await;
}

#[tokio::test]
async fn banner_accepts_and_rejects_without_javascript() {
    let site = Site::start().await;
    for (button, word, answer) in [("accept", "accepted", "yes"), ("reject", "rejected", "no")] {
        let mut browser = site.browser();
        let page = browser.get("/privacy").await;
        assert!(
            page.body.contains("Cookies on Test Site"),
            "banner shown before a choice"
        );
        assert!(
            page.body.contains("Accept additional cookies")
                && page.body.contains("Reject additional cookies")
        );

        let reply = browser
            .submit(
                "/privacy",
                "/cookies/banner",
                &[("cookies", button), ("return_to", "/privacy")],
            )
            .await;
        assert_eq!(reply.status, 303);
        assert_eq!(reply.location().as_deref(), Some("/privacy"));
        let consent = reply
            .cookie("cookie_preferences")
            .cloned()
            .unwrap_or_else(|| panic!("no consent cookie"));
        assert!(
            consent
                .value
                .starts_with(&format!("version=1&usage={answer}.")),
            "{}",
            consent.value
        );
        assert_eq!(
            consent.value.len(),
            format!("version=1&usage={answer}.").len() + 8 + "&receipt=".len() + 32,
            "with the category's fingerprint and the ledger's random receipt id"
        );
        assert!(consent.value.contains("&receipt="));
        assert_eq!(
            consent.attribute("max-age").as_deref(),
            Some("31536000"),
            "kept for a year"
        );
        assert!(consent.has("httponly"));

        let back = browser.get("/privacy").await;
        assert!(
            back.body
                .contains(&format!("You've {word} additional cookies")),
            "{}",
            back.body
        );
        assert!(back.body.contains("Hide cookie message"));
        assert!(!back.body.contains("Accept additional cookies"));

        // Hide is pressed on the page that shows the confirmation.
        let token = back.hidden("request_token").unwrap_or_default();
        let hidden = browser
            .post(
                "/cookies/hide-message",
                &[("request_token", &token), ("return_to", "/privacy")],
            )
            .await;
        assert_eq!(hidden.status, 303);
        let after = browser.get("/privacy").await;
        assert!(
            !after.body.contains("govuk-cookie-banner"),
            "no banner once chosen"
        );
    }
    site.server.stop().await;
}

#[tokio::test]
async fn cookies_page_saves_and_changes_choices() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let page = browser.get("/cookies").await;
    for name in ESSENTIAL.iter().chain(["usage_id"].iter()) {
        assert!(
            page.body.contains(&format!("<code>{name}</code>")),
            "cookie {name} listed"
        );
    }
    assert!(page.body.contains("value=\"no\" checked"), "defaults to no");
    assert!(
        !page.body.contains("govuk-cookie-banner"),
        "no banner on the cookies page"
    );

    let saved = browser
        .submit("/cookies", "/cookies", &[("usage", "yes")])
        .await;
    assert_eq!(saved.status, 303);
    assert!(
        browser
            .jar
            .get("cookie_preferences")
            .is_some_and(|v| v.starts_with("version=1&usage=yes.")),
        "{:?}",
        browser.jar.get("cookie_preferences")
    );
    let shown = browser.get("/cookies").await;
    assert!(shown.body.contains("You've set your cookie preferences"));
    assert!(shown.body.contains("value=\"yes\" checked"));

    // Withdrawing is as easy as agreeing, and removes the cookie it covered.
    browser.jar.insert("usage_id".into(), "12345".into());
    let withdrawn = browser
        .submit("/cookies", "/cookies", &[("usage", "no")])
        .await;
    assert_eq!(withdrawn.status, 303);
    assert!(
        browser
            .jar
            .get("cookie_preferences")
            .is_some_and(|v| v.starts_with("version=1&usage=no.")),
        "{:?}",
        browser.jar.get("cookie_preferences")
    );
    assert!(
        !browser.jar.contains_key("usage_id"),
        "the refused cookie is deleted"
    );
    site.server.stop().await;
}

#[tokio::test]
async fn an_unanswered_question_is_an_error_that_changes_nothing() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let page = browser
        .submit("/cookies", "/cookies", &[("usage", "maybe")])
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("<title>Error: Cookies"));
    assert!(page.body.contains("There is a problem"));
    assert!(
        page.body.contains("href=\"#usage\""),
        "the summary links to the question"
    );
    assert!(page.cookie("cookie_preferences").is_none());
    let missing = browser.submit("/cookies", "/cookies", &[]).await;
    assert_eq!(missing.status, 400);
    assert!(
        missing
            .body
            .contains("Select yes if you want to accept usage cookies")
    );
    site.server.stop().await;
}

/// Say no through the banner, as a person would, and return the browser.
async fn answered(site: &Site) -> crate::support::Browser {
    let mut browser = site.browser();
    let reply = browser
        .submit(
            "/",
            "/cookies/banner",
            &[("cookies", "reject"), ("return_to", "/")],
        )
        .await;
    assert_eq!(reply.status, 303);
    // Follow the redirect, where the one-time confirmation is shown.
    assert!(
        browser
            .get("/")
            .await
            .body
            .contains("You've rejected additional cookies")
    );
    browser
}

/// The same browser's cookies against a restarted site.
fn carry(browser: &crate::support::Browser, site: &Site) -> crate::support::Browser {
    let mut next = site.browser();
    next.jar = browser.jar.clone();
    next
}

#[tokio::test]
async fn the_banner_asks_again_when_a_new_category_appears() {
    let site = Site::start().await;
    let browser = answered(&site).await;

    // Restarting on the same policy keeps the answer.
    let site = site.restart_with(crate::support::FIXTURE).await;
    let mut same = carry(&browser, &site);
    assert!(
        !same.get("/").await.body.contains("govuk-cookie-banner"),
        "no need to ask again"
    );

    let with_new_category = crate::support::FIXTURE.replace(
        "[[policy.cookies]]\nname = \"usage_id\"",
        "[policy.cookie_categories.campaigns]\nname = \"Campaign cookies\"\ndescription = \"Stop repeats.\"\npurpose = \"usage_cookies\"\n\n\
         [[policy.cookies]]\nname = \"campaign_id\"\npurpose = \"Caps campaigns.\"\nessential = false\n\
         consent_category = \"campaigns\"\nduration = \"1 year\"\nholds = \"A random number.\"\n\n\
         [[policy.cookies]]\nname = \"usage_id\"",
    ) + "\n[campaign_slot]\ncookie = \"campaign_id\"\n";
    let site = site.restart_with(&with_new_category).await;
    let page = carry(&browser, &site).get("/").await;
    assert!(
        page.body.contains("Cookies on Test Site"),
        "asked again: {}",
        page.body
    );
    assert!(page.body.contains("usage cookies and campaign cookies"));
    site.server.stop().await;
}

#[tokio::test]
async fn the_banner_asks_again_when_a_category_changes_what_it_covers() {
    let site = Site::start().await;
    let browser = answered(&site).await;
    // The usage cookie now does more: an earlier answer does not cover it.
    let changed = crate::support::FIXTURE.replace(
        "purpose = \"Counts visits.\"",
        "purpose = \"Counts visits and remembers the pages you saw.\"",
    );
    assert_ne!(changed, crate::support::FIXTURE);
    let site = site.restart_with(&changed).await;
    let page = carry(&browser, &site).get("/").await;
    assert!(
        page.body.contains("Cookies on Test Site"),
        "asked again after the category changed"
    );
    site.server.stop().await;
}

#[tokio::test]
async fn the_banner_only_sends_people_back_to_this_site() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let reply = browser
        .submit(
            "/",
            "/cookies/banner",
            &[("cookies", "reject"), ("return_to", "//evil.example/path")],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.location().as_deref(), Some("/"));
    site.server.stop().await;
}

#[tokio::test]
async fn the_banner_works_from_an_error_page() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Accept additional cookies"),
        "the banner shows on error pages"
    );
    let token = missing.hidden("request_token").unwrap_or_default();
    assert!(token.contains('.'), "with a working form token");
    let reply = browser
        .post(
            "/cookies/banner",
            &[
                ("request_token", &token),
                ("cookies", "accept"),
                ("return_to", "/no/such/page"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert!(reply.cookie("cookie_preferences").is_some());
    site.server.stop().await;
}
