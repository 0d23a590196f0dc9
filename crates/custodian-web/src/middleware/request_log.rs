//! One log line per request: method, route pattern, status, duration and a
//! request id. Never the query string, the body, cookies, the client's
//! address or user agent: the route pattern (`/privacy/versions/{sequence}`)
//! is logged, not the path, so nothing a person typed reaches the log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub async fn layer(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // A made-up method is the client's text: log only the ones we know.
    let method = match *request.method() {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::DELETE
        | Method::OPTIONS
        | Method::PATCH => request.method().as_str().to_owned(),
        _ => "OTHER".to_owned(),
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let request_id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>());
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros();
    tracing::info!(target: "custodian::request", %method, route, status, micros, request_id);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
