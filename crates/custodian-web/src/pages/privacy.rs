//! `/privacy` and `/privacy.json`: the notice, generated from the policy.

use axum::Json;
use axum::extract::State;
use axum::response::Html;
use custodian_policy::{machine, notice};
use minijinja::{Value, context};

use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Html<String>> {
    page.render(
        "privacy.html",
        "Privacy notice",
        context! {
            controller => app.checked.config.policy.controller.name,
            contents => notice::contents(&app.checked),
            notice_html => Value::from_safe_string(app.notice_html.clone()),
            version_line => notice::version_line(Some(&app.published)),
        },
    )
}

pub async fn json(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(machine::to_json(
        &app.checked,
        Some(&app.published),
        &app.content_hash,
    ))
}
