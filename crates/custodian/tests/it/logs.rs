use crate::support::Site;

#[tokio::test]
async fn request_logs_hold_no_query_body_cookie_or_address() {
    let site = Site::start().await;
    let mut browser = site.browser();
    browser
        .get("/privacy?email=alice%40example.com&name=Alice+Smith")
        .await;
    browser.get("/no-such-page/alice@example.com").await;
    browser
        .submit(
            "/cookies",
            "/cookies",
            &[("usage", "yes"), ("note", "secret-body-value")],
        )
        .await;
    let session = browser
        .jar
        .get("custodian_session")
        .cloned()
        .unwrap_or_default();
    let log = site.server.log();
    assert!(
        log.contains("route=\"/privacy\""),
        "requests are logged: {log}"
    );
    assert!(
        log.contains("route=\"(unmatched)\""),
        "unknown paths are logged without the path"
    );
    for secret in [
        "alice",
        "Alice",
        "secret-body-value",
        session.as_str(),
        "127.0.0.1:",
        "reqwest",
    ] {
        assert!(!log.contains(secret), "log leaks {secret:?}:\n{log}");
    }
    site.server.stop().await;
}
