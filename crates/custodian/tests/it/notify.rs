//! The GOV.UK Notify transport against a stand-in for Notify's API that
//! checks what the real service checks: the JWT (HS256, `iss` the service
//! id, `iat` within 30 seconds, signed with the key's secret) and the
//! request's shape. The real service cannot be reached from here.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::support::{FIXTURE, Site};

const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const TEMPLATE: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Value>>>);

/// Why a token is refused, as Notify would say, or none.
fn token_problem(headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?
        .to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Some("not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "HS256" || header["typ"] != "JWT" {
        return Some(format!("header {header}"));
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    if claims["iss"] != SERVICE_ID {
        return Some(format!("iss {}", claims["iss"]));
    }
    let iat = claims["iat"].as_i64().unwrap_or(0);
    if (crate::support::now() - iat).abs() > 30 {
        return Some(format!("iat {iat} is not now"));
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).ok()?;
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    if URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()) != *signature {
        return Some("bad signature".into());
    }
    None
}

async fn email(
    State(received): State<Received>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let token = if headers.get("authorization").is_none() {
        Some("no token".to_owned())
    } else {
        token_problem(&headers).or(None)
    };
    if let Some(problem) = token {
        return (
            StatusCode::FORBIDDEN,
            Json(
                json!({ "errors": [{ "error": "AuthError", "message": problem }], "status_code": 403 }),
            ),
        );
    }
    let shaped = body["email_address"].is_string()
        && body["template_id"] == TEMPLATE
        && body["personalisation"]["subject"].is_string()
        && body["personalisation"]["body"].is_string()
        && body["reference"].is_string();
    if !shaped {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "errors": [{ "error": "ValidationError", "message": body.to_string() }], "status_code": 400 }),
            ),
        );
    }
    if let Ok(mut r) = received.0.lock() {
        r.push(body.clone());
    }
    (
        StatusCode::CREATED,
        Json(
            json!({ "id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": body["reference"], "content": {} }),
        ),
    )
}

async fn stand_in() -> (String, Received) {
    let received = Received::default();
    let app = axum::Router::new()
        .route("/v2/notifications/email", post(email))
        .with_state(received.clone());
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let base = format!(
        "http://{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, received)
}

async fn send_contact(site: &Site) {
    let mut b = site.browser();
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", "Nia Notify")]),
        ("/forms/contact/email", vec![("email", "nia@example.com")]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", "Hello")],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
    ] {
        assert_eq!(b.submit(path, path, &fields).await.status, 303, "{path}");
    }
    let sent = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(sent.status, 303);
}

fn config(base: &str) -> String {
    format!(
        "{FIXTURE}\n[mail]\nfrom = \"Test Site <noreply@test.example>\"\ntransport = \"notify\"\nnotify_template_id = \"{TEMPLATE}\"\nnotify_base_url = \"{base}\"\n"
    )
}

#[tokio::test]
async fn mail_goes_through_notify_with_a_valid_token_and_the_right_shape() {
    let (base, received) = stand_in().await;
    let key = format!("custodian_test-{SERVICE_ID}-{SECRET}");
    let site = Site::start_with_env(
        &config(&base),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
        &[("CUSTODIAN_NOTIFY_API_KEY", &key)],
    )
    .await;
    // A form whose confirmation email goes through Notify.
    send_contact(&site).await;
    let mut got = Vec::new();
    for _ in 0..100 {
        got = received.0.lock().map(|r| r.clone()).unwrap_or_default();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 1, "{}", site.server.log());
    let message = &got[0];
    assert_eq!(message["email_address"], "nia@example.com");
    assert!(
        message["personalisation"]["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("we have your message")
    );
    assert!(
        message["reference"]
            .as_str()
            .unwrap_or_default()
            .starts_with("m_")
    );
    // Sent: the outbox says so, and the vault's copy of the address is gone.
    let (store, _) = site.vault().await;
    for _ in 0..50 {
        if store.outbox_counts().await.map(|c| c.sent).unwrap_or(0) == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(store.outbox_counts().await.map(|c| c.sent).unwrap_or(0), 1);
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_notify_and_the_message_is_given_up() {
    let (base, received) = stand_in().await;
    let wrong = format!("custodian_test-{SERVICE_ID}-00000000-0000-0000-0000-000000000000");
    let site = Site::start_with_env(
        &config(&base),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
        &[("CUSTODIAN_NOTIFY_API_KEY", &wrong)],
    )
    .await;
    send_contact(&site).await;
    let (store, _) = site.vault().await;
    let mut failed = 0;
    for _ in 0..60 {
        failed = store.outbox_counts().await.map(|c| c.failed).unwrap_or(0);
        if failed == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed, 1, "403 is permanent: {}", site.server.log());
    assert!(received.0.lock().map(|r| r.is_empty()).unwrap_or(false));
}

#[tokio::test]
async fn notify_without_its_key_or_template_refuses_to_start() {
    let site_config = config("http://127.0.0.1:9");
    let dir = crate::support::tempdir();
    let path = crate::support::write(dir.path(), "site.toml", &site_config);
    let out = std::process::Command::new(crate::support::binary())
        .args(["mail", "deliver", "--config"])
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("CUSTODIAN_NOTIFY_API_KEY")
        .env_remove("CUSTODIAN_DATABASE_URL")
        .output();
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("CUSTODIAN_NOTIFY_API_KEY"));
    let bad = site_config.replace(TEMPLATE, "not-a-template");
    let found = custodian_policy::load(
        "site.toml",
        &bad,
        &custodian_policy::ServerCookies::current(),
    );
    assert!(found.is_err_and(|d| {
        d.to_string()
            .contains("notify_template_id is not a template id")
    }));
}
