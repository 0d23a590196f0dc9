//! The server's own pages, counted as a web server's log would count them
//! but without a log: each request becomes a [`PageHit`] handed to the
//! counter in memory (see the binary's `page_stats`), which turns the
//! address and user agent into a keyed hash under the day's salt at once.
//! Nothing here is written anywhere.
//!
//! The path counted is the route's pattern (`/permission/{token}`), never
//! the path as sent, so no token or typed text reaches the statistics; a
//! path no route matches counts as `(no such page)`. The staff area, assets,
//! the campaign slot (a part of a page, not a page) and the health checks
//! are left out.
//!
//! The same pages carry the measurement cookie, when the site has one and
//! the person said yes to it (see [`super::measurement`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// One request, for counting only.
#[derive(Debug, Clone)]
pub struct PageHit {
    pub client: Option<IpAddr>,
    pub at: i64,
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub referer: Option<String>,
    pub user_agent: Option<String>,
    /// The measurement cookie's number, for browsers whose person said yes
    /// to it; hashed under the day's salt by the counter, never kept.
    pub measured: Option<u128>,
}

/// Where hits go; the counter drains it. When it is full, hits are dropped
/// rather than slowing a reply.
pub type PageHits = tokio::sync::mpsc::Sender<PageHit>;

/// The route pattern for a path no route matched.
pub const UNMATCHED: &str = "(no such page)";

fn counted(route: &str) -> bool {
    !(route.starts_with("/staff")
        || route.starts_with("/assets/")
        || route.starts_with("/campaigns/")
        || matches!(route, "/healthz" | "/readyz" | "/metrics"))
}

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(hits) = app.options.page_hits.clone() else {
        return next.run(request).await;
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |p| p.as_str())
        .to_owned();
    if !counted(&route) {
        return next.run(request).await;
    }
    let method = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        _ => "OTHER",
    };
    let headers = request.headers();
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    let (referer, user_agent) = (text(header::REFERER), text(header::USER_AGENT));
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .cloned();
    let client =
        crate::client::client_address(headers, peer.as_ref(), app.checked.config.site.trust_proxy);
    let measured = super::measurement::measure(&app, request.method(), headers);
    let mut response = next.run(request).await;
    if let Some(cookie) = &measured.cookie {
        super::session::append_cookie(&mut response, cookie);
        // This layer runs outside the one that forbids caching responses
        // that set a cookie: say it here.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    let hit = PageHit {
        client,
        at: app.clock.unix(),
        method,
        path: route,
        status: response.status().as_u16(),
        referer,
        user_agent,
        measured: measured.number,
    };
    let _ = hits.try_send(hit);
    response
}
