//! Protection against forged form submissions ("cross-site request forgery").
//!
//! Every state-changing request must carry, in the form field named like the
//! `request_token` cookie, a token of the form `nonce.mac`, where the nonce is
//! the `request_token` cookie's value and the mac is an HMAC of the nonce and
//! the session identifier under a key every instance shares. A page on
//! another site can neither read the cookie nor compute the mac, so it cannot
//! submit a form on the person's behalf. Cross-site requests announced by the
//! browser (`Sec-Fetch-Site`, `Origin`) are refused before that.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::middleware::security_headers::is_https;
use crate::middleware::session::{Session, append_cookie, read_cookie};
use crate::state::AppState;

/// The nonce for this browser, and whether it still needs the cookie.
#[derive(Clone, Debug)]
pub struct CsrfNonce {
    pub nonce: String,
    issue_cookie: bool,
}

/// Sign `nonce` for the session `session_id`.
pub fn token(key: &[u8], session_id: &str, nonce: &str) -> String {
    format!(
        "{nonce}.{}",
        URL_SAFE_NO_PAD.encode(mac(key, session_id, nonce))
    )
}

fn mac(key: &[u8], session_id: &str, nonce: &str) -> Vec<u8> {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    m.update(session_id.as_bytes());
    m.update(b"|");
    m.update(nonce.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn verify(key: &[u8], session_id: &str, cookie_nonce: &str, submitted: &str) -> bool {
    let Some((nonce, mac_b64)) = submitted.split_once('.') else {
        return false;
    };
    let Ok(given) = URL_SAFE_NO_PAD.decode(mac_b64) else {
        return false;
    };
    let expected = mac(key, session_id, cookie_nonce);
    let nonce_ok = nonce.as_bytes().ct_eq(cookie_nonce.as_bytes());
    let mac_ok = given.as_slice().ct_eq(expected.as_slice());
    bool::from(nonce_ok & mac_ok) && !expected.is_empty()
}

fn well_formed_nonce(value: &str) -> bool {
    value.len() == 22
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether the browser says the request came from another site.
fn cross_site(app: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site";
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => {
            let scheme = if is_https(app, headers) {
                "https"
            } else {
                "http"
            };
            origin != format!("{scheme}://{host}")
        }
        _ => false,
    }
}

/// Why a request was refused; the error page says what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrfRefusal;

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let cookie_name = app.checked.cookie_names.request_token.clone();
    let existing = read_cookie(request.headers(), &cookie_name)
        .filter(|v| well_formed_nonce(v))
        .map(str::to_owned);
    let nonce = match &existing {
        Some(n) => CsrfNonce {
            nonce: n.clone(),
            issue_cookie: false,
        },
        None => CsrfNonce {
            nonce: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()),
            issue_cookie: true,
        },
    };
    let secure = is_https(&app, request.headers());
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(nonce.clone());

    let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let request = if changes_state {
        if parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > app.options.body_limit)
        {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        let Ok(bytes) = to_bytes(body, app.options.body_limit).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(k, _)| *k == cookie_name)
                    .map(|(_, v)| v)
            });
        let session_id = parts.extensions.get::<Session>().map(Session::id);
        let allowed = !cross_site(&app, &parts.headers)
            && match (&existing, submitted, session_id) {
                (Some(cookie_nonce), Some(submitted), Some(sid)) => {
                    verify(&app.csrf_key, &sid, cookie_nonce, &submitted)
                }
                _ => false,
            };
        if !allowed {
            let mut refused = StatusCode::FORBIDDEN.into_response();
            refused.extensions_mut().insert(CsrfRefusal);
            return refused;
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        Request::from_parts(parts, body)
    };

    let mut response = next.run(request).await;
    if nonce.issue_cookie {
        let cookie = cookie::Cookie::build((cookie_name, nonce.nonce))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .secure(secure)
            .build();
        append_cookie(&mut response, &cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_session_and_nonce() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = token(key, "session-a", "nonce-1");
        assert!(verify(key, "session-a", "nonce-1", &t));
        assert!(!verify(key, "session-b", "nonce-1", &t));
        assert!(!verify(key, "session-a", "nonce-2", &t));
        assert!(!verify(
            b"another key entirely.............",
            "session-a",
            "nonce-1",
            &t
        ));
        assert!(!verify(key, "session-a", "nonce-1", "nonce-1"));
        assert!(!verify(key, "session-a", "nonce-1", "nonce-1.!!!"));
    }
}
