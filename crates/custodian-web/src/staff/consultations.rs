//! Consultation results for analysts: counts and percentages for every
//! closed question (a chart drawn with HTML and CSS, and the same figures
//! as a table), free-text answers without identity, and CSV exports with
//! every identifying answer removed; the publishable export holds only the
//! responses whose authors agreed to publication. Each read is audited.

use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use custodian_forms::analysis::{self, Response as Answers};
use custodian_policy::forms::{Form as FormSpec, FormKind};
use minijinja::context;

use crate::error::{AppError, AppResult};
use crate::page::Page;
use crate::staff::StaffUser;
use crate::state::AppState;

fn consultation<'a>(app: &'a AppState, id: &str) -> Option<&'a FormSpec> {
    app.checked
        .config
        .forms
        .get(id)
        .filter(|f| f.kind == FormKind::Consultation)
}

async fn responses(app: &AppState, user: &StaffUser, form: &str) -> AppResult<Vec<Answers>> {
    let opened = app
        .vault
        .responses(form, &user.actor(), app.clock.unix())
        .await?;
    Ok(opened
        .into_iter()
        .map(|o| Answers {
            publication: custodian_forms::journey::publication(&o.case.permissions)
                .map(str::to_owned),
            answers: o.answers,
        })
        .collect())
}

/// `/staff/consultations`: every consultation the site runs.
pub async fn list(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let consultations: Vec<_> = app
        .checked
        .config
        .forms
        .iter()
        .filter(|(_, f)| f.kind == FormKind::Consultation)
        .map(|(id, f)| {
            let dates = app.checked.forms.get(id);
            context! {
                id,
                title => f.title,
                opens => dates.and_then(|d| d.opens).map(custodian_forms::answers::long_date),
                closes => dates.and_then(|d| d.closes).map(custodian_forms::answers::long_date),
            }
        })
        .collect();
    Ok(page
        .render(
            "staff/consultations.html",
            "Consultations",
            context! { consultations },
        )?
        .into_response())
}

/// `/staff/consultations/{form}`: the analysis.
pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(form) = consultation(&app, &id) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let all = responses(&app, &user, &id).await?;
    let result = analysis::analyse(form, &all);
    let publishable = all.iter().filter(|r| r.publication.is_some()).count();
    Ok(page
        .render(
            "staff/consultation.html",
            &format!("Results: {}", form.title),
            context! { id, title => form.title, result, publishable },
        )?
        .into_response())
}

pub(crate) fn csv_response(
    name: &str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
) -> AppResult<Response> {
    let bytes = custodian_policy::spreadsheet::write_csv(std::iter::once(header).chain(rows))
        .map_err(|e| AppError::Export(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A CSV export: every response, or only the publishable ones, without
/// any answer that identifies someone either way.
async fn export(
    app: &AppState,
    user: &StaffUser,
    id: &str,
    publishable: bool,
) -> AppResult<Response> {
    let Some(form) = consultation(app, id) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let all = responses(app, user, id).await?;
    let (header, rows) = analysis::export_rows(form, &all, publishable);
    let name = if publishable {
        "publishable"
    } else {
        "responses"
    };
    csv_response(&format!("{id}-{name}"), header, rows)
}

pub async fn csv_all(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    export(&app, &user, &id, false).await
}

pub async fn csv_publishable(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    export(&app, &user, &id, true).await
}
