//! Issue 18's cross-cutting regressions: secrets a database copy cannot
//! use, Markdown attribute syntax on every rendering path, and no personal
//! response kept by a cache.

use custodian_vault::server_secrets::Legacy;

use crate::support::{FIXTURE, Site, SmtpServer, fixture_with_smtp, tempdir, write};

/// Item 4: every server secret is sealed under the master key, so a copy
/// of the database without the key file forges no link, token or session;
/// a secret stored in clear by an earlier version is sealed in place and
/// keeps its value, so links already sent still work.
#[tokio::test]
async fn server_secrets_are_sealed_and_old_clear_ones_are_sealed_in_place() {
    let site = Site::start().await;
    let names = [
        "csrf",
        "session ids",
        "update links",
        "campaign numbers",
        "rate limits",
    ];
    let keys = sealed_secrets(&site, &names).await;

    // As an earlier version left them: the link and CSRF keys in clear.
    let hex: String = keys[2].iter().map(|b| format!("{b:02x}")).collect();
    let clear = if site.database_url().starts_with("sqlite") {
        format!(
            "UPDATE server_secrets SET value = X'{hex}', sealed = 0 WHERE name = 'update links'"
        )
    } else {
        format!(
            "UPDATE server_secrets SET value = '\\x{hex}'::bytea, sealed = FALSE WHERE name = 'update links'"
        )
    };
    site.sabotage(&clear).await;
    let site = site.restart_with(FIXTURE).await;
    let again = sealed_secrets(&site, &names).await;
    assert_eq!(
        again, keys,
        "values are kept, so links already sent still work"
    );
    // And the server works with them: a form posts with its CSRF token.
    let mut browser = site.browser();
    let saved = browser
        .submit("/cookies", "/cookies", &[("usage", "no")])
        .await;
    assert_eq!(saved.status, 303);
    site.server.stop().await;
}

/// Each named secret as the vault opens it, checking that what the
/// database holds is sealed: not the secret, and longer by a nonce and tag.
async fn sealed_secrets(site: &Site, names: &[&str]) -> Vec<Vec<u8>> {
    let (store, vault) = site.vault().await;
    let mut keys = Vec::new();
    for name in names {
        let key = vault
            .server_secret(name, Legacy::Keep, 0)
            .await
            .unwrap_or_default();
        assert_eq!(key.len(), 32, "{name}");
        let stored = store.server_secret(name, b"", 0).await;
        let Ok(stored) = stored else {
            panic!("{name}: {stored:?}")
        };
        assert!(stored.sealed, "{name} sealed");
        assert_eq!(
            stored.value.len(),
            24 + 32 + 16,
            "{name}: nonce, secret, tag"
        );
        assert!(
            !stored.value.windows(32).any(|w| w == key.as_slice()),
            "{name} in clear"
        );
        keys.push(key);
    }
    store.close().await;
    keys
}

/// Item 10: attribute syntax never becomes an attribute, on any path that
/// renders Markdown: an editor's preview (which is also the email's HTML),
/// and `policy render --format html` of a notice whose free text tries it.
#[tokio::test]
async fn markdown_attribute_syntax_never_becomes_an_attribute() {
    let attack = "## Heading {#x .govuk-link style=\"display:none\" onclick=\"alert(1)\"}\n\ntext";
    let smtp = SmtpServer::start().await;
    let config = format!(
        "{}\n{}",
        fixture_with_smtp(smtp.port),
        include_str!("fixtures/updates.toml")
    );
    let site = Site::start_with(&config).await;
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
                ("body", attack),
            ],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let fragment = editor
        .submit(
            "/staff/updates/new",
            "/staff/updates/preview",
            &[("body", attack)],
        )
        .await;
    // The heading has no attribute; the braces are shown as text.
    let shown = "<h2>Heading {#x .govuk-link style=\"display:none\" onclick=\"alert(1)\"}</h2>";
    for body in [&preview.body, &fragment.body] {
        assert!(body.contains(shown), "{body}");
        assert!(!body.contains("<h2 id=\"x\""), "{body}");
    }
    site.server.stop().await;

    let dir = tempdir();
    let config = FIXTURE.replace(
        "introduction = \"This notice explains what the Test Site does with information.\"",
        "introduction = \"\"\"# Hello {onclick=\"alert(1)\" style=\"color:red\" .hidden}\n\nText.\"\"\"",
    );
    assert_ne!(config, FIXTURE, "the fixture's introduction changed");
    let path = write(dir.path(), "site.toml", &config);
    let out = std::process::Command::new(crate::support::binary())
        .args(["policy", "render"])
        .arg(&path)
        .args(["--format", "html"])
        .output();
    let Ok(out) = out else {
        panic!("policy render did not run")
    };
    let html = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The notice reads attribute syntax only to keep a plain id: here
    // there is none, so the heading has no attribute at all.
    assert!(html.contains("<h1>Hello</h1>"), "{html}");
    for bad in ["onclick=", "style=\"color", "class=\"hidden"] {
        assert!(!html.contains(bad), "{bad}: {html}");
    }
}

/// Item 8: every response that carries personal data (pages, downloads,
/// exports in JSON and CSV) says `no-store`, whatever its type; only what
/// is the same for everyone, such as the stylesheet, may be cached.
#[tokio::test]
async fn no_response_with_personal_data_may_be_stored_by_a_cache() {
    let site = Site::start().await;
    let analyst_secret = site.add_staff("ana", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("ana", &analyst_secret).await.status, 303);
    let range = "?from=2026-11-01&to=2026-11-03";
    let mut walked = Vec::new();
    for path in [
        format!("/staff/statistics.json{range}"),
        format!("/staff/statistics/pages.csv{range}"),
        format!("/staff/statistics/days.csv{range}"),
        format!("/staff/statistics/campaigns.csv{range}"),
        "/staff/consultations/views/responses.csv".to_owned(),
        "/staff/consultations/views/publishable.csv".to_owned(),
    ] {
        let page = analyst.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        walked.push((path, page));
    }
    let secret = site.add_staff("pat", "dpo");
    let mut dpo = site.browser();
    assert_eq!(dpo.sign_in("pat", &secret).await.status, 303);
    let (store, vault) = site.vault().await;
    let frank = vault
        .subject_for_email("frank@example.com", true, crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store.close().await;
    let token = dpo
        .get("/staff/people")
        .await
        .hidden("request_token")
        .unwrap_or_default();
    let export = dpo
        .post(
            "/staff/people/export",
            &[("request_token", &token), ("subject", &frank.id)],
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    walked.push(("/staff/people/export".to_owned(), export));
    for (path, page) in &walked {
        assert_eq!(
            page.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    let css = site.browser().get("/assets/app.css").await;
    assert!(
        css.header("cache-control")
            .is_some_and(|v| v.starts_with("public")),
        "assets stay cacheable: {:?}",
        css.header("cache-control")
    );
    site.server.stop().await;
}

/// Item 11: a staff sign-in has an absolute lifetime, however busy the
/// session is; after it the person signs in again.
#[tokio::test]
async fn a_staff_sign_in_ends_after_its_absolute_lifetime_however_busy() {
    let site = Site::start_with_args(FIXTURE, &["--staff-session-seconds", "4"]).await;
    let secret = site.add_staff("sam", "analyst");
    let mut b = site.browser();
    assert_eq!(b.sign_in("sam", &secret).await.status, 303);
    let signed_in = std::time::Instant::now();
    // Busy for the first two seconds, well within the lifetime.
    while signed_in.elapsed() < std::time::Duration::from_secs(2) {
        assert_eq!(b.get("/staff").await.status, 200, "within the lifetime");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(4_600).saturating_sub(signed_in.elapsed()))
        .await;
    let ended = b.get("/staff").await;
    assert_eq!(ended.location().as_deref(), Some("/staff/sign-in"));
    assert_eq!(b.get("/staff/sign-in").await.status, 200);
    site.server.stop().await;
}

/// Item 9: the chain's head is anchored outside the database, so cutting
/// the newest entries off the log no longer goes unnoticed.
#[tokio::test]
async fn cutting_the_tail_off_the_audit_log_is_caught() {
    let site = Site::start_with_args(FIXTURE, &["--audit-anchor-seconds", "1"]).await;
    let secret = site.add_staff("ida", "dpo");
    let mut b = site.browser();
    assert_eq!(b.sign_in("ida", &secret).await.status, 303);
    assert_eq!(b.get("/staff/people").await.status, 200);
    let (store, _) = site.vault().await;
    let newest = store.audit_head().await.ok().flatten().map_or(0, |h| h.seq);
    store.close().await;
    assert!(newest >= 2, "staff add and sign in are audited");
    let file = site.data_dir().join("audit-head");
    let mut anchored = String::new();
    for _ in 0..50 {
        anchored = std::fs::read_to_string(&file).unwrap_or_default();
        if anchored.starts_with(&format!("{newest} ")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(anchored.starts_with(&format!("{newest} ")), "{anchored}");
    let ok = site.cli(&["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", crate::support::stderr(&ok));
    assert!(crate::support::stdout(&ok).contains(&format!("reaches entry {newest}")));

    site.sabotage(&format!("DELETE FROM audit_log WHERE seq = {newest}"))
        .await;
    let cut = site.cli(&["audit", "verify"]);
    assert_eq!(cut.status.code(), Some(1));
    assert!(
        crate::support::stderr(&cut).contains("the newest entries were removed"),
        "{}",
        crate::support::stderr(&cut)
    );
    site.server.stop().await;
}
