//! `/`: what the site is, its forms, where to find its privacy information,
//! and the `home` campaign slot when a campaign may appear there.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};

use crate::campaigns::{choose, fragment};
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    page: Page,
) -> AppResult<Response> {
    let policy = &app.checked.config.policy;
    let forms: Vec<_> = app
        .checked
        .config
        .forms
        .iter()
        .map(|(id, f)| context! { id, title => f.title })
        .collect();
    let chosen = if app.checked.campaigns.has_place("home") {
        Some(choose::choose(&app, &headers, &page.consent, "home").await?)
    } else {
        None
    };
    let campaign = match &chosen {
        Some(c) => fragment(&app, c.campaign.as_ref())?,
        None => String::new(),
    };
    let mut response = page
        .render(
            "pages/home.html",
            "Home",
            context! {
                controller => custodian_policy::notice::phrase_case(&policy.controller.name),
                version => app.published.sequence,
                published => app.published.date,
                forms,
                updates => app.checked.config.updates.is_some(),
                campaign => Value::from_safe_string(campaign),
            },
        )?
        .into_response();
    if let Some(chosen) = &chosen {
        chosen.apply_cookie(&mut response);
    }
    Ok(response)
}
