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

use crate::middleware::session::{Session, read_cookie};
use crate::state::AppState;

/// The nonce for this browser. A fresh one (no valid cookie came with the
/// request) is issued by the session layer and cannot yet verify anything.
#[derive(Clone, Debug)]
pub struct CsrfNonce {
    pub nonce: String,
    pub fresh: bool,
}

impl CsrfNonce {
    pub fn for_request(headers: &HeaderMap, cookie_name: &str) -> CsrfNonce {
        match read_cookie(headers, cookie_name).filter(|v| well_formed_nonce(v)) {
            Some(n) => CsrfNonce {
                nonce: n.to_owned(),
                fresh: false,
            },
            None => CsrfNonce {
                nonce: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()),
                fresh: true,
            },
        }
    }
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

/// Whether the request may have come from anywhere but this site's own
/// pages. Browsers say so in `Sec-Fetch-Site`; a sibling subdomain is
/// "same-site" and is refused too, since it could have planted cookies. Older
/// browsers send `Origin`, whose host must be ours.
fn from_elsewhere(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => {
            // Compare hosts only: behind a TLS proxy the scheme seen here
            // may differ from the browser's.
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// Why a request was refused; the error page says what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrfRefusal;

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let declared_length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > app.options.body_limit) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    // The whole body within the body timeout: a client dripping it a byte
    // at a time holds nothing for long.
    let bytes = match tokio::time::timeout(
        app.options.body_read_timeout,
        to_bytes(body, app.options.body_limit),
    )
    .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_) => return StatusCode::REQUEST_TIMEOUT.into_response(),
    };
    let field = &app.checked.cookie_names.request_token;
    let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == field).map(|(_, v)| v));
    let nonce = parts.extensions.get::<CsrfNonce>();
    let session_id = parts.extensions.get::<Session>().map(Session::id);
    let allowed = !from_elsewhere(&parts.headers)
        && match (nonce, submitted, session_id) {
            (Some(nonce), Some(submitted), Some(sid)) if !nonce.fresh => {
                verify(&app.csrf_key, &sid, &nonce.nonce, &submitted)
            }
            _ => false,
        };
    if !allowed {
        let mut refused = StatusCode::FORBIDDEN.into_response();
        refused.extensions_mut().insert(CsrfRefusal);
        return refused;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
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
