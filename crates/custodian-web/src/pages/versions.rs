//! `/privacy/versions`: every published version with what changed from the
//! one before; `/privacy/versions/{sequence}`: one version in full.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Value, context};
use serde::Serialize;

use crate::diff::{DiffLine, changed_lines};
use crate::error::AppResult;
use crate::page::Page;
use crate::render::{format_date, markdown_to_html};
use crate::state::AppState;

#[derive(Serialize)]
struct VersionSummary {
    sequence: i64,
    published: String,
    current: bool,
    /// Empty for the first version.
    changes: Vec<DiffLine>,
    first: bool,
}

pub async fn list(State(app): State<AppState>, page: Page) -> AppResult<Html<String>> {
    let versions = app.store.policy_versions().await?;
    let summaries: Vec<VersionSummary> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            // Newest first, so the version before this one is the next item.
            let previous = versions.get(i + 1);
            VersionSummary {
                sequence: v.sequence,
                published: format_date(v.published_at),
                current: v.sequence == app.published.sequence,
                changes: previous.map_or_else(Vec::new, |p| {
                    changed_lines(&p.notice_markdown, &v.notice_markdown)
                }),
                first: previous.is_none(),
            }
        })
        .collect();
    page.render(
        "pages/versions.html",
        "Versions of this privacy notice",
        context! { versions => summaries },
    )
}

pub async fn show(
    State(app): State<AppState>,
    Path(sequence): Path<String>,
    page: Page,
) -> AppResult<Response> {
    // A malformed number is simply a page that does not exist.
    let Ok(sequence) = sequence.parse::<i64>() else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let Some(version) = app.store.policy_version(sequence).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let title = format!("Privacy notice, version {}", version.sequence);
    Ok(page
        .render(
            "pages/version.html",
            &title,
            context! {
                sequence => version.sequence,
                published => format_date(version.published_at),
                current => version.sequence == app.published.sequence,
                notice_html => Value::from_safe_string(markdown_to_html(&version.notice_markdown)),
            },
        )?
        .into_response())
}
