use crate::support::{Browser, Server, Site};

#[tokio::test]
async fn session_cookie_is_random_httponly_and_ends_with_the_browser() {
    let site = Site::start().await;
    let first = site.browser().get("/").await;
    let second = site.browser().get("/").await;
    let (Some(a), Some(b)) = (
        first.cookie("custodian_session"),
        second.cookie("custodian_session"),
    ) else {
        panic!("no session cookie: {:?}", first.set_cookies);
    };
    assert_ne!(a.value, b.value, "each browser gets its own identifier");
    for c in [a, b] {
        assert_eq!(c.value.len(), 43, "32 random bytes, base64url");
        assert!(
            c.value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert!(c.has("httponly"), "{c:?}");
        assert_eq!(c.attribute("samesite").as_deref(), Some("lax"));
        assert!(
            !c.has("expires") && !c.has("max-age"),
            "ends with the browser: {c:?}"
        );
        assert!(!c.has("secure"), "plain HTTP without a trusted proxy");
    }
    let token = first
        .cookie("request_token")
        .map(|c| c.value.clone())
        .unwrap_or_default();
    assert_eq!(token.len(), 22, "16 random bytes, base64url");
    site.server.stop().await;
}

#[tokio::test]
async fn a_cookie_that_is_not_an_identifier_is_replaced() {
    let site = Site::start().await;
    let mut browser = site.browser();
    browser
        .jar
        .insert("custodian_session".into(), "alice@example.com".into());
    let page = browser.get("/").await;
    let issued = page
        .cookie("custodian_session")
        .map(|c| c.value.clone())
        .unwrap_or_default();
    assert_eq!(
        issued.len(),
        43,
        "a fresh identifier replaces the foreign value"
    );
    site.server.stop().await;
}

#[tokio::test]
async fn sessions_are_shared_by_instances_on_one_database() {
    let site = Site::start().await;
    // A second server on the same data dir and database.
    let other = Server::start(&site.config_path(), &site.data_dir(), &site.db).await;
    let mut browser = site.browser();
    let answer = browser
        .submit(
            "/",
            "/cookies/banner",
            &[("cookies", "accept"), ("return_to", "/privacy")],
        )
        .await;
    assert_eq!(answer.status, 303);
    // The confirmation was stored by the first instance; the second shows it.
    let mut on_other = Browser::new(&other.base);
    on_other.jar = browser.jar.clone();
    let page = on_other.get("/privacy").await;
    assert!(
        page.body.contains("You've accepted additional cookies"),
        "{}",
        page.body
    );
    other.stop().await;
    site.server.stop().await;
}
