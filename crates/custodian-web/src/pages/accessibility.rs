//! `/accessibility`: the site's accessibility statement.

use axum::extract::State;
use axum::response::Html;
use minijinja::{Value, context};

use crate::error::AppResult;
use crate::page::Page;
use crate::render::written_markdown_to_html;
use crate::state::AppState;

const DEFAULT_STATEMENT: &str = "We want as many people as possible to be able to use this website. You should be able to:\n\n\
- change colours, contrast levels and fonts\n\
- zoom in up to 400% without the text spilling off the screen\n\
- navigate the whole website using just a keyboard\n\
- use the whole website without JavaScript\n\
- listen to the website using a screen reader\n\n\
Every page is tested against the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA with automated checks in a real browser.\n";

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Html<String>> {
    let site = &app.checked.config.site;
    let markdown = site
        .accessibility_statement
        .as_deref()
        .unwrap_or(DEFAULT_STATEMENT);
    page.render(
        "pages/accessibility.html",
        "Accessibility statement",
        context! {
            statement_html => Value::from_safe_string(written_markdown_to_html(markdown)),
            contact => app.checked.config.policy.controller.email,
        },
    )
}
