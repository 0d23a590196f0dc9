//! One log line per request: method, route pattern, status, duration and a
//! request id. Never the query string, the body, cookies, the client's
//! address or user agent: the route pattern (`/privacy/versions/{sequence}`)
//! is logged, not the path, so nothing a person typed reaches the log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::state::AppState;

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // A made-up method is the client's text: log only the ones we know.
    let method: &'static str = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let request_id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>());
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros();
    app.metrics
        .request(method, &route, status, elapsed.as_secs_f64());
    tracing::info!(target: "custodian::request", %method, route, status, micros, request_id);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
