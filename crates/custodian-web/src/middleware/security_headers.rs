//! Headers every response carries: a Content-Security-Policy with no
//! 'unsafe-inline' (the one inline script is allowed by its hash), no
//! framing, no sniffing, no referrer leaking where people have been, and
//! HSTS when the connection is HTTPS.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::render::BODY_CLASS_SCRIPT_HASH;
use crate::state::AppState;

/// HTTPS as the browser sees it: this process serves TLS itself, or a
/// trusted proxy says so (only then, because anyone can send
/// `X-Forwarded-Proto`).
pub fn is_https(app: &AppState, headers: &HeaderMap) -> bool {
    app.options.tls
        || app.checked.config.site.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn content_security_policy() -> String {
    format!(
        "default-src 'self'; script-src 'self' '{BODY_CLASS_SCRIPT_HASH}'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let https = is_https(&app, request.headers());
    let staff_area = request.uri().path().starts_with("/staff");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(
        headers,
        "content-security-policy",
        &content_security_policy(),
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if https {
        set(
            headers,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    // Nothing may be cached unless its handler says so: pages carry
    // per-session form tokens and personal data, downloads and exports
    // (JSON, CSV) carry personal data, and any response that sets a cookie
    // carries an identifier. Only what is the same for everyone (assets,
    // a campaign feed) sets its own Cache-Control, and never a page, the
    // staff area or a response that sets a cookie.
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let cacheable = headers.contains_key(header::CACHE_CONTROL)
        && !is_html
        && !staff_area
        && !headers.contains_key(header::SET_COOKIE);
    if !cacheable {
        set(headers, "cache-control", "no-store");
    }
    response
}
