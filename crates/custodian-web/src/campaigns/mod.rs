//! The campaign slot: `/campaigns/slot/<place>` returns an HTML fragment
//! for a server-side include (`.json` gives the same as data), the home
//! page fills its own `home` slot in process, and `/campaigns/feed.json`
//! publishes this site's campaigns for other sites to import.
//!
//! - [`choose`]: which campaign a browser sees, within its cap.
//! - [`imported`]: campaigns read from other sites' feeds.

pub mod choose;
pub mod imported;
pub mod uncounted;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use custodian_policy::campaigns::CheckedCampaign;
use minijinja::context;

use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let campaigns = &state.checked.campaigns;
    let mut router = Router::new();
    if !campaigns.campaigns.is_empty() || !campaigns.imports.is_empty() {
        router = router.route("/campaigns/slot/{place}", get(slot));
    }
    if campaigns.publish_feed {
        router = router.route("/campaigns/feed.json", get(feed));
    }
    router
}

/// The fragment a page includes: empty when no campaign is due.
pub fn fragment(app: &AppState, campaign: Option<&CheckedCampaign>) -> AppResult<String> {
    let Some(c) = campaign else {
        return Ok(String::new());
    };
    Ok(app.templates.render(
        "campaigns/campaign.html",
        context! {
            id => c.id,
            title => c.title,
            text => c.text,
            link => c.link,
            link_text => c.link_text,
        },
    )?)
}

async fn slot(
    State(app): State<AppState>,
    Path(place): Path<String>,
    headers: HeaderMap,
    page: Page,
) -> AppResult<Response> {
    let (place, json) = match place.strip_suffix(".json") {
        Some(p) => (p.to_owned(), true),
        None => (place, false),
    };
    if !app.checked.campaigns.has_place(&place) {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let chosen = choose::choose(&app, &headers, &page.consent, &place).await?;
    let mut response = if json {
        axum::Json(serde_json::json!({
            "place": place,
            "campaign": chosen.campaign.as_ref().map(|c| serde_json::json!({
                "id": c.id,
                "title": c.title,
                "text": c.text,
                "link": c.link,
                "link_text": c.link_text,
            })),
        }))
        .into_response()
    } else {
        Html(fragment(&app, chosen.campaign.as_ref())?).into_response()
    };
    chosen.apply_cookie(&mut response);
    Ok(response)
}

async fn feed(State(app): State<AppState>) -> Response {
    let today = app.clock.now().date();
    let body = custodian_policy::campaigns::feed::write(
        &app.checked.config.site.name,
        &app.checked.campaigns.campaigns,
        today,
    );
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    // The same for everyone: a cache may keep it for a few minutes.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
