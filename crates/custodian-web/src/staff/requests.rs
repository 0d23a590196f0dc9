//! Requests about people's data, for the data protection officer: every
//! access, correction, erasure and objection request, from the portal or
//! entered by staff when it came by post, phone or email, with its statutory
//! deadline (`custodian_vault::requests::deadline`), overdue ones first and
//! marked. The DPO stops the clock while waiting for proof of identity,
//! extends with a reason, closes with what was done, and downloads everything
//! held about the person in one click.

use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use custodian_store::personal::requests::RequestRow;
use custodian_vault::requests::deadline::{Due, ExtensionRefused};
use custodian_vault::requests::{
    ChangeRefused, Channel, NewRequest, RequestChange, RequestKind, clock_of, parse_day,
};
use minijinja::context;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::AppResult;
use crate::fields::FieldError;
use crate::page::Page;
use crate::staff::StaffUser;
use crate::state::AppState;
use crate::your_data::today;
use custodian_forms::answers::long_date;

#[derive(Serialize)]
struct RequestListRow {
    id: String,
    reference: String,
    kind: String,
    channel: String,
    received: String,
    due: String,
    status: String,
    overdue: bool,
    closed: bool,
}

fn kind_label(row: &RequestRow) -> String {
    RequestKind::parse(&row.kind).map_or(row.kind.clone(), |k| k.label().to_owned())
}

fn channel_label(row: &RequestRow) -> String {
    Channel::parse(&row.channel).map_or(row.channel.clone(), |c| c.label().to_owned())
}

fn list_row(row: &RequestRow, today: Date, holidays: &[Date]) -> RequestListRow {
    let clock = clock_of(row);
    let closed = row.closed_at.is_some();
    RequestListRow {
        id: row.id.clone(),
        reference: row.reference.clone(),
        kind: kind_label(row),
        channel: channel_label(row),
        received: parse_day(&row.received_on).map_or_else(String::new, long_date),
        due: match clock.due(holidays) {
            _ if closed => String::new(),
            Due::By(d) => long_date(d),
            Due::Paused => "Clock stopped".into(),
        },
        status: crate::your_data::request_status(row).to_owned(),
        overdue: !closed && clock.overdue(today, holidays),
        closed,
    }
}

pub async fn list(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let today = today(&app);
    let holidays = app.vault.holidays();
    let mut rows: Vec<RequestListRow> = app
        .vault
        .requests()
        .await?
        .iter()
        .map(|r| list_row(r, today, &holidays))
        .collect();
    // Overdue first, then open by deadline order (the store's), then closed.
    rows.sort_by_key(|r| (r.closed, !r.overdue));
    let overdue = rows.iter().filter(|r| r.overdue).count();
    Ok(page
        .render(
            "staff/requests.html",
            "Requests about data",
            context! { rows, overdue },
        )?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct NewRequestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default, rename = "received-day")]
    day: String,
    #[serde(default, rename = "received-month")]
    month: String,
    #[serde(default, rename = "received-year")]
    year: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    details: String,
}

/// Radio options: (value, label).
type Options = Vec<(&'static str, &'static str)>;

/// What a request can ask for, and how it can reach us (the portal records
/// its own).
fn choices() -> (Options, Options) {
    (
        RequestKind::ALL
            .iter()
            .map(|k| (k.id(), k.label()))
            .collect(),
        Channel::ALL
            .iter()
            .filter(|c| **c != Channel::Portal)
            .map(|c| (c.id(), c.label()))
            .collect(),
    )
}

pub async fn new(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let (kinds, channels) = choices();
    let today = today(&app);
    Ok(page
        .render(
            "staff/request_new.html",
            "Record a request",
            context! {
                kinds, channels,
                day => today.day().to_string(),
                month => u8::from(today.month()).to_string(),
                year => today.year().to_string(),
            },
        )?
        .into_response())
}

/// A day from the three boxes of a date input, today or earlier.
fn past_date(day: &str, month: &str, year: &str, today: Date) -> Result<Date, &'static str> {
    let (Ok(day), Ok(month), Ok(year)) = (
        day.trim().parse::<u8>(),
        month.trim().parse::<u8>(),
        year.trim().parse::<i32>(),
    ) else {
        return Err("Enter the date the request was received, as numbers, like 27 3 2026");
    };
    let date = time::Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, day).ok())
        .ok_or("The date the request was received must be a real date")?;
    if date > today {
        return Err("The date the request was received must be today or in the past");
    }
    Ok(date)
}

/// What kind of request it is, how and when it reached us, or every error
/// in the form.
fn checked_request(
    form: &NewRequestForm,
    today: Date,
) -> Result<(RequestKind, Channel, Date), Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = RequestKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "Select what the person asked for"));
    }
    let channel = Channel::parse(&form.channel).filter(|c| *c != Channel::Portal);
    if channel.is_none() {
        errors.push(FieldError::new(
            "channel",
            "Select how the request reached us",
        ));
    }
    let received = past_date(&form.day, &form.month, &form.year, today);
    if let Err(text) = received {
        errors.push(FieldError::new("received-day", text));
    }
    let email = form.email.trim();
    if !email.is_empty() && crate::fields::email_error(email).is_some() {
        errors.push(FieldError::new(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ));
    }
    if email.is_empty() && form.contact.trim().is_empty() {
        errors.push(FieldError::new(
            "contact",
            "Enter the person's email address, or how else to reach them",
        ));
    }
    if form.details.trim().is_empty() {
        errors.push(FieldError::new(
            "details",
            "Enter what the person asked for",
        ));
    }
    match (kind, channel, received) {
        (Some(kind), Some(channel), Ok(received)) if errors.is_empty() => {
            Ok((kind, channel, received))
        }
        _ => Err(errors),
    }
}

pub async fn create(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(form): Form<NewRequestForm>,
) -> AppResult<Response> {
    let (kind, channel, received) = match checked_request(&form, today(&app)) {
        Ok(checked) => checked,
        Err(errors) => {
            let (kinds, channels) = choices();
            let html = page.render(
                "staff/request_new.html",
                "Error: Record a request",
                context! {
                    errors, kinds, channels,
                    kind => form.kind, channel => form.channel,
                    day => form.day, month => form.month, year => form.year,
                    email => form.email, contact => form.contact, details => form.details,
                },
            )?;
            return Ok((StatusCode::BAD_REQUEST, html).into_response());
        }
    };
    let email = form.email.trim();
    let now = app.clock.unix();
    // A request joins whatever is held under the address; without one, the
    // person is new to us and found through the request.
    let subject = if email.is_empty() {
        app.vault.transient_subject(now).await?
    } else {
        app.vault.subject_for_email(email, false, now).await?
    };
    let row = app
        .vault
        .open_request(
            &NewRequest {
                subject: &subject,
                kind,
                channel,
                received_on: received,
                details: &[
                    ("email", email),
                    ("contact", form.contact.trim()),
                    ("details", form.details.trim()),
                ],
                entered_by: &user.actor(),
            },
            now,
        )
        .await?;
    Ok(Redirect::to(&format!("/staff/requests/{}", row.id)).into_response())
}

async fn found(app: &AppState, id: &str) -> AppResult<Option<RequestRow>> {
    Ok(app.vault.request(id).await?)
}

/// What a detail of a request is called on its page.
fn detail_label(field: &str) -> &'static str {
    match field {
        "email" => "Email address",
        "contact" => "Other contact details",
        "details" => "What they asked",
        "record" => "The record it concerns",
        "disputed" => "What is wrong",
        "proposed" => "What it should say",
        "extension_reason" => "Reason for the extension",
        "outcome" => "What was done",
        "applied" => "Correction made",
        _ => "Note",
    }
}

/// The request page, with an error from one of its actions when there is one.
async fn show_with(
    app: &AppState,
    user: &StaffUser,
    page: &Page,
    row: &RequestRow,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let details = app.vault.read_request(row, &user.actor(), now).await?;
    let today = today(app);
    let holidays = app.vault.holidays();
    let summary = list_row(row, today, &holidays);
    let clock = clock_of(row);
    let first_month = long_date(clock.first_month_ends(&holidays));
    let correctable = row.kind == RequestKind::Correction.id()
        && details.iter().any(|(f, _)| f == "record")
        && !details.iter().any(|(f, _)| f == "applied");
    let details: Vec<(&str, String)> = details
        .into_iter()
        .map(|(field, value)| (detail_label(&field), value))
        .collect();
    let failed = !errors.is_empty();
    let title = if !failed {
        format!("Request {}", row.reference)
    } else {
        format!("Error: Request {}", row.reference)
    };
    let html = page.render(
        "staff/request.html",
        &title,
        context! {
            errors,
            request => summary,
            details,
            correctable,
            paused => clock.paused_since.is_some(),
            extended_months => clock.extended_months,
            can_extend => clock.extended_months < 2 && clock.paused_since.is_none(),
            first_month,
            told_day => today.day().to_string(),
            told_month => u8::from(today.month()).to_string(),
            told_year => today.year().to_string(),
        },
    )?;
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(row) = found(&app, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    show_with(&app, &user, &page, &row, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    reason: String,
    #[serde(default, rename = "told-day")]
    day: String,
    #[serde(default, rename = "told-month")]
    month: String,
    #[serde(default, rename = "told-year")]
    year: String,
    #[serde(default)]
    outcome: String,
}

pub async fn change(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> AppResult<Response> {
    let Some(row) = found(&app, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let today = today(&app);
    let (change, field) = match form.action.as_str() {
        "await_identity" => (RequestChange::AwaitIdentity { today }, "action"),
        "identity_proven" => (RequestChange::IdentityProven { today }, "action"),
        "extend" => match extension(&form, today) {
            Ok(extend) => (extend, "reason"),
            Err(error) => return show_with(&app, &user, &page, &row, vec![error]).await,
        },
        "apply_correction" => return apply_correction(&app, &user, &page, &row).await,
        "done" | "refuse" => (
            RequestChange::Close {
                refused: form.action == "refuse",
                outcome: &form.outcome,
            },
            "outcome",
        ),
        _ => return Ok(StatusCode::BAD_REQUEST.into_response()),
    };
    match app
        .vault
        .change_request(&row, change, &user.actor(), app.clock.unix())
        .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/staff/requests/{}", row.id)).into_response()),
        Err(refused) => {
            let errors = vec![FieldError::new(field, refusal_text(refused))];
            show_with(&app, &user, &page, &row, errors).await
        }
    }
}

/// Why the vault refused a change, as the person working the request reads it.
fn refusal_text(refused: ChangeRefused) -> String {
    match refused {
        ChangeRefused::Extension(ExtensionRefused::TooLate(ended)) => format!(
            "The person must be told of an extension within the first month, which ended on {}",
            long_date(ended)
        ),
        other => sentence(&other.to_string()),
    }
}

/// An extension by one or two months, and the day the person was told.
fn extension(form: &ChangeForm, today: Date) -> Result<RequestChange<'_>, FieldError> {
    let months = match form.months.as_str() {
        "1" => 1,
        "2" => 2,
        _ => {
            return Err(FieldError::new(
                "months",
                "Select how many months to extend by",
            ));
        }
    };
    let told_on = past_date(&form.day, &form.month, &form.year, today).map_err(|_| {
        FieldError::new(
            "told-day",
            "Enter the date the person was told, as a real date, today or in the past",
        )
    })?;
    Ok(RequestChange::Extend {
        months,
        reason: &form.reason,
        told_on,
    })
}

/// Makes the correction the request asks for in the record it names.
async fn apply_correction(
    app: &AppState,
    user: &StaffUser,
    page: &Page,
    row: &RequestRow,
) -> AppResult<Response> {
    match app
        .vault
        .apply_correction(row, &user.actor(), app.clock.unix())
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/staff/requests/{}", row.id)).into_response()),
        Err(refused) => {
            let errors = vec![FieldError::new("action", sentence(&refused.to_string()))];
            show_with(app, user, page, row, errors).await
        }
    }
}

/// Everything held about the request's person, and the request, as one
/// JSON file: the answer to an access request in one click.
pub async fn export(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(row) = found(&app, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let now = app.clock.unix();
    let document =
        custodian_app::requests::answer_access(&app.vault, &app.checked, &row, &user.actor(), now)
            .await?;
    let body = serde_json::to_string_pretty(&document).unwrap_or_default();
    let filename = format!("attachment; filename=\"{}.json\"", row.reference);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response())
}

/// An error message as the Design System writes one: a capital first.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
