use crate::support::Site;

fn consent_cookie_set(page: &crate::support::Page) -> bool {
    page.cookie("cookie_preferences").is_some()
}

#[tokio::test]
async fn post_without_a_valid_token_is_refused_and_changes_nothing() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let form = browser.get("/cookies").await;
    let token = form.hidden("request_token").unwrap_or_default();
    assert!(
        token.contains('.'),
        "the page carries a token: {}",
        form.body
    );

    // No token at all.
    let none = browser.post("/cookies", &[("usage", "yes")]).await;
    assert_eq!(none.status, 403);
    assert!(
        none.body.contains("Your form could not be sent"),
        "{}",
        none.body
    );
    assert!(none.body.contains("Nothing you entered has been saved"));
    assert!(!consent_cookie_set(&none));

    // A tampered token.
    let tampered = format!("{token}x");
    let bad = browser
        .post(
            "/cookies",
            &[("request_token", &tampered), ("usage", "yes")],
        )
        .await;
    assert_eq!(bad.status, 403);
    assert!(!consent_cookie_set(&bad));

    // Another browser's token is no good here.
    let mut other = site.browser();
    let their_token = other
        .get("/cookies")
        .await
        .hidden("request_token")
        .unwrap_or_default();
    let foreign = browser
        .post(
            "/cookies",
            &[("request_token", &their_token), ("usage", "yes")],
        )
        .await;
    assert_eq!(foreign.status, 403);

    // The right token, sent from another site, is refused too.
    browser
        .extra_headers
        .push(("sec-fetch-site".into(), "cross-site".into()));
    let cross = browser
        .post("/cookies", &[("request_token", &token), ("usage", "yes")])
        .await;
    assert_eq!(cross.status, 403);
    browser.extra_headers.clear();

    // Nothing changed: the cookies page still shows "No" chosen.
    let after = browser.get("/cookies").await;
    assert!(
        after
            .body
            .contains("id=\"usage-no\" name=\"usage\" type=\"radio\" value=\"no\" checked"),
        "{}",
        after.body
    );

    // And the real thing works.
    let ok = browser
        .post("/cookies", &[("request_token", &token), ("usage", "yes")])
        .await;
    assert_eq!(ok.status, 303);
    assert!(consent_cookie_set(&ok));
    site.server.stop().await;
}
