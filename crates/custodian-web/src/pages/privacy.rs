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
        "pages/privacy.html",
        "Privacy notice",
        context! {
            controller => app.checked.config.policy.controller.name,
            introduction => app.layered.introduction_html.clone().map(Value::from_safe_string),
            first_layer => Value::from_safe_string(app.layered.first_layer_html.clone()),
            sections => app.layered.sections.iter().map(|s| context! {
                id => s.id,
                heading => s.heading,
                html => Value::from_safe_string(s.html.clone()),
            }).collect::<Vec<_>>(),
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
