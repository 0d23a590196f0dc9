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
        let Some((random, tag)) = c.value.split_once('.') else {
            panic!("an identifier is random.mac: {c:?}")
        };
        assert_eq!(random.len(), 43, "32 random bytes, base64url");
        assert_eq!(tag.len(), 22, "a 128-bit MAC, base64url");
        assert!(
            c.value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
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
        66,
        "a fresh identifier replaces the foreign value"
    );
    site.server.stop().await;
}

/// Session fixation: an identifier the client (or someone who planted the
/// cookie) made up, however well formed, is never adopted, so nobody can
/// choose the identifier a session will hold privileges under.
#[tokio::test]
async fn an_identifier_the_client_invents_is_never_adopted() {
    let site = Site::start().await;
    let invented = [
        "A".repeat(43),
        format!("{}.{}", "B".repeat(43), "C".repeat(22)),
    ];
    for value in invented {
        let mut browser = site.browser();
        browser
            .jar
            .insert("custodian_session".into(), value.clone());
        let page = browser.get("/cookies").await;
        let issued = page
            .cookie("custodian_session")
            .map(|c| c.value.clone())
            .unwrap_or_default();
        assert_eq!(issued.len(), 66, "{value} was replaced: {issued}");
        assert_ne!(issued, value);
        // A form posted with the invented identifier's token does nothing:
        // the server answers under its own identifier.
        let saved = browser
            .submit("/cookies", "/cookies", &[("usage", "no")])
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_ne!(browser.jar.get("custodian_session"), Some(&value));
    }
    // An identifier this server made keeps working.
    let mut browser = site.browser();
    let first = browser.get("/").await;
    let made = first
        .cookie("custodian_session")
        .map(|c| c.value.clone())
        .unwrap_or_default();
    let again = browser.get("/").await;
    assert!(again.cookie("custodian_session").is_none(), "kept: {made}");
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
