use crate::support::{FIXTURE, Site};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let site = Site::start().await;
    let mut browser = site.browser();
    for path in [
        "/",
        "/privacy",
        "/privacy.json",
        "/cookies",
        "/missing",
        "/assets/app.css",
        "/assets/nothing.css",
    ] {
        let page = browser.get(path).await;
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self' 'sha256-"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        assert_eq!(
            page.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            page.header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        assert!(
            page.header("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
        assert!(page.header("x-request-id").is_some());
    }
    assert_eq!(
        browser
            .get("/privacy")
            .await
            .header("cache-control")
            .as_deref(),
        Some("no-store")
    );
    site.server.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_tls_proxy_cookies_are_secure_and_hsts_is_sent() {
    let config = FIXTURE.replace(
        "base_url = \"http://127.0.0.1\"",
        "base_url = \"http://127.0.0.1\"\ntrust_proxy = true",
    );
    let site = Site::start_with(&config).await;
    let mut browser = site.browser();
    browser
        .extra_headers
        .push(("x-forwarded-proto".into(), "https".into()));
    let page = browser.get("/").await;
    assert!(
        page.header("strict-transport-security")
            .is_some_and(|v| v.contains("max-age="))
    );
    // Over HTTPS the session's cookies take the `__Host-` prefix: Secure,
    // path `/`, no domain, so no sibling subdomain can plant one.
    for name in ["__Host-custodian_session", "__Host-request_token"] {
        let Some(c) = page.cookie(name) else {
            panic!("no {name}: {:?}", page.set_cookies)
        };
        assert!(c.has("secure"), "{c:?}");
        assert_eq!(c.attribute("path").as_deref(), Some("/"), "{c:?}");
        assert!(!c.has("domain"), "{c:?}");
    }
    assert!(page.cookie("custodian_session").is_none());
    // And they work: a form posted over the proxy goes through.
    let saved = browser
        .submit("/cookies", "/cookies", &[("usage", "no")])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    site.server.stop().await;

    // Without trust_proxy the header is ignored: anyone can send it.
    let site = Site::start().await;
    let mut browser = site.browser();
    browser
        .extra_headers
        .push(("x-forwarded-proto".into(), "https".into()));
    let page = browser.get("/").await;
    assert!(page.header("strict-transport-security").is_none());
    assert!(
        page.cookie("custodian_session")
            .is_some_and(|c| !c.has("secure"))
    );
    site.server.stop().await;
}
