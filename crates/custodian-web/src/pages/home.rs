//! `/`: what the site is, its forms, and where to find its privacy information.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Html<String>> {
    let policy = &app.checked.config.policy;
    let forms: Vec<_> = app
        .checked
        .config
        .forms
        .iter()
        .map(|(id, f)| context! { id, title => f.title })
        .collect();
    page.render(
        "home.html",
        "Home",
        context! {
            controller => custodian_policy::notice::phrase_case(&policy.controller.name),
            version => app.published.sequence,
            published => app.published.date,
            forms,
            updates => app.checked.config.updates.is_some(),
        },
    )
}
