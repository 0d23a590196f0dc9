//! Casework: each team's inbox of messages sent through forms, and the
//! case page where a caseworker reads one (decrypted by the vault, and
//! recorded in the audit log), assigns it, writes internal notes, replies
//! by email through the outbox and closes it. A reply and a close are the
//! events the policy's retention rules hang on ("1 year after we reply").

use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_app::cases;
use custodian_policy::retention::Event;
use custodian_store::personal::cases::{CaseRow, CaseStatus};
use custodian_vault::CaseChange;
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::page::Page;
use crate::staff::StaffUser;
use crate::state::AppState;

#[derive(Serialize)]
pub(super) struct CaseSummary {
    id: String,
    reference: String,
    form: String,
    team: String,
    status: &'static str,
    status_id: &'static str,
    received: String,
    /// When anything last happened to it.
    updated: String,
    assigned_to: Option<String>,
    /// While it waits for an answer, the day the form's response target
    /// falls on, and whether that is today or past.
    due: Option<String>,
    due_tag: Option<&'static str>,
}

/// What the inbox needs to say when a case is due.
pub(super) struct Dates {
    pub today: time::Date,
    pub holidays: Vec<time::Date>,
}

fn form_title(app: &AppState, form: &str) -> String {
    app.checked
        .config
        .forms
        .get(form)
        .map_or_else(|| form.to_owned(), |f| f.title.clone())
}

fn team_name(app: &AppState, team: Option<&str>) -> String {
    team.and_then(|t| app.checked.config.teams.get(t))
        .map_or_else(|| "No team".to_owned(), |t| t.name.clone())
}

/// A case as a row of the inbox.
pub(super) fn summary(app: &AppState, dates: &Dates, c: CaseRow) -> CaseSummary {
    let waiting = matches!(c.status, CaseStatus::New | CaseStatus::Assigned);
    let due = app
        .checked
        .config
        .forms
        .get(&c.form)
        .and_then(|f| f.target())
        .zip(time::OffsetDateTime::from_unix_timestamp(c.created_at).ok())
        .filter(|_| waiting)
        .map(|(target, received)| target.due(received.date(), &dates.holidays));
    let due_tag = due.and_then(|day| match day.cmp(&dates.today) {
        std::cmp::Ordering::Less => Some("Overdue"),
        std::cmp::Ordering::Equal => Some("Due today"),
        std::cmp::Ordering::Greater => None,
    });
    CaseSummary {
        due: due.map(custodian_forms::answers::long_date),
        due_tag,
        form: form_title(app, &c.form),
        team: team_name(app, c.team.as_deref()),
        status: c.status.label(),
        received: crate::staff::pages::format_time(c.created_at),
        updated: crate::staff::pages::format_time(c.updated_at),
        status_id: c.status.as_str(),
        id: c.id,
        reference: c.reference,
        assigned_to: c.assigned_to,
    }
}

#[derive(Serialize)]
struct AnswerRow {
    question: String,
    lines: Vec<String>,
    identifies: bool,
}

#[derive(Serialize)]
struct Entry {
    kind: &'static str,
    by: String,
    at: String,
    lines: Vec<String>,
}

#[derive(Deserialize)]
struct Disclosed {
    recipient: String,
    to: String,
    reason: String,
    version: String,
    by: String,
    at: i64,
}

#[derive(Deserialize)]
struct Written {
    by: String,
    at: i64,
    text: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// A case the member may work on: one of their teams'. Any other case is
/// answered as if it did not exist, so its reference tells them nothing.
async fn find_case(app: &AppState, user: &StaffUser, id: &str) -> AppResult<Option<CaseRow>> {
    Ok(app
        .vault
        .case_row(id)
        .await?
        .filter(|c| c.team.as_ref().is_some_and(|t| user.teams.contains(t))))
}

/// `/staff/cases/{id}`: one case, decrypted; the read is audited.
pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    render_case(&app, &user, &id, &page, None, StatusCode::OK).await
}

async fn render_case(
    app: &AppState,
    user: &StaffUser,
    id: &str,
    page: &Page,
    error: Option<(&str, &str, &str)>,
    status: StatusCode,
) -> AppResult<Response> {
    let Some(_) = find_case(app, user, id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let opened = app
        .vault
        .read_case(id, &user.actor(), app.clock.unix())
        .await?;
    let form = app.checked.config.forms.get(&opened.case.form);
    let (answers, timeline) = answers_and_timeline(app, form, &opened.answers);
    let permissions = permissions_given(form, &opened.case.permissions);
    let can_reply = form.is_some_and(|f| cases::reply_address(f, &opened.answers).is_some());
    let recipients = recipients(app, form, &opened.case);
    let errors: Vec<_> = error
        .iter()
        .map(|(field, text, _)| context! { field, text })
        .collect();
    let reply_text = error.map(|(_, _, typed)| typed).unwrap_or("");
    let c = &opened.case;
    let failed = if errors.is_empty() { "" } else { "Error: " };
    let mut response = page
        .render(
            "staff/case.html",
            &format!("{failed}Case {}", c.reference),
            context! {
                id => c.id,
                reference => c.reference,
                form => form_title(app, &c.form),
                team => team_name(app, c.team.as_deref()),
                status => c.status.label(),
                status_id => c.status.as_str(),
                assigned_to => c.assigned_to,
                mine => c.assigned_to.as_deref() == Some(user.username.as_str()),
                received => crate::staff::pages::format_time(c.created_at),
                answers,
                timeline,
                permissions,
                can_reply,
                recipients,
                errors,
                reply_text,
            },
        )?
        .into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// Who the policy lets the case be passed to, and whether the person gave
/// permission for each.
fn recipients(
    app: &AppState,
    form: Option<&custodian_policy::forms::Form>,
    case: &CaseRow,
) -> Vec<minijinja::Value> {
    let policy = &app.checked.config.policy;
    let (Some(form), Some(purpose)) = (
        form,
        form.and_then(|f| policy.purposes.get(f.purpose.get_ref())),
    ) else {
        return Vec::new();
    };
    purpose
        .recipients
        .iter()
        .filter_map(|r| {
            let id = r.recipient.get_ref();
            let named = policy.recipients.get(id)?;
            let permitted = cases::permits(form, case, id);
            Some(context! { id, name => named.name, when => r.when, permitted })
        })
        .collect()
}

/// The case's answers in words, and what staff did with it (notes,
/// replies, passing it on), from the records it holds.
fn answers_and_timeline(
    app: &AppState,
    form: Option<&custodian_policy::forms::Form>,
    stored: &[(String, String)],
) -> (Vec<AnswerRow>, Vec<Entry>) {
    let mut answers = Vec::new();
    let mut timeline = Vec::new();
    for (field, value) in stored {
        match field.as_str() {
            "disclosure" => {
                if let Ok(d) = serde_json::from_str::<Disclosed>(value) {
                    timeline.push(passed_on(app, d));
                }
            }
            "note" | "reply" => {
                if let Ok(w) = serde_json::from_str::<Written>(value) {
                    timeline.push(Entry {
                        kind: if field == "note" {
                            "Internal note"
                        } else {
                            "Reply sent"
                        },
                        by: w.by,
                        at: crate::staff::pages::format_time(w.at),
                        lines: lines(&w.text),
                    });
                }
            }
            _ => {
                let question = form.and_then(|f| f.question(field));
                answers.push(AnswerRow {
                    question: question.map_or_else(|| field.clone(), |q| q.label.clone()),
                    lines: lines(&question.map_or_else(
                        || value.clone(),
                        |q| custodian_forms::answers::display(q, value),
                    )),
                    identifies: question.is_some_and(|q| q.identifies()),
                });
            }
        }
    }
    (answers, timeline)
}

/// A disclosure as the case's timeline tells it.
fn passed_on(app: &AppState, d: Disclosed) -> Entry {
    let recipient = app.checked.config.policy.recipient_name(&d.recipient);
    let what = if d.version == "full" {
        "the full message, with their permission"
    } else {
        "the message without their personal details (no permission)"
    };
    Entry {
        kind: "Passed on",
        by: d.by,
        at: crate::staff::pages::format_time(d.at),
        lines: vec![
            format!("To {recipient} ({}): {what}.", d.to),
            format!("Why: {}", d.reason),
        ],
    }
}

/// The permissions the person gave, as the form asked them.
fn permissions_given(
    form: Option<&custodian_policy::forms::Form>,
    permissions: &str,
) -> Vec<String> {
    permissions
        .split_whitespace()
        .filter_map(|p| {
            let (id, choice) = p.split_once('=').unwrap_or((p, ""));
            let q = form.and_then(|f| f.question(id))?;
            Some(if choice.is_empty() {
                q.label.clone()
            } else {
                format!(
                    "{}: {}",
                    q.label,
                    custodian_forms::answers::display(q, choice)
                )
            })
        })
        .collect()
}

/// The case page again with one error (field, message, what was typed),
/// and nothing changed.
async fn refuse(
    app: &AppState,
    user: &StaffUser,
    id: &str,
    page: &Page,
    error: (&str, &str, &str),
) -> AppResult<Response> {
    render_case(
        app,
        user,
        id,
        page,
        Some(error),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Assign the case to yourself.
pub async fn assign(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(case) = find_case(&app, &user, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let change = CaseChange {
        status: case.status.taken(),
        assigned_to: Some(&user.username),
        event: None,
        action: "assign case",
    };
    app.vault
        .case_event(&case, change, &user.actor(), app.clock.unix())
        .await?;
    Ok(back_to(&case))
}

/// The case page again, after an action.
fn back_to(case: &CaseRow) -> Response {
    Redirect::to(&format!("/staff/cases/{}", case.id)).into_response()
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// An internal note, seen only by staff.
pub async fn note(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
    page: Page,
    Form(form): Form<TextForm>,
) -> AppResult<Response> {
    let Some(case) = find_case(&app, &user, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let text = form.text.trim();
    if text.is_empty() {
        return refuse(&app, &user, &id, &page, ("note", "Enter a note", "")).await;
    }
    let now = app.clock.unix();
    cases::keep_written(
        &app.vault,
        &app.checked,
        &case,
        "note",
        &user.username,
        text,
        Some("note on case"),
        now,
    )
    .await?;
    Ok(back_to(&case))
}

/// A reply by email, through the outbox; the reply is kept in the case.
pub async fn reply(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
    page: Page,
    Form(form): Form<TextForm>,
) -> AppResult<Response> {
    let Some(case) = find_case(&app, &user, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let text = form.text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return refuse(&app, &user, &id, &page, ("reply", "Enter your reply", "")).await;
    }
    let now = app.clock.unix();
    let reply = cases::Reply {
        case: &case,
        username: &user.username,
        text: &text,
        signature: format!("{} team", team_name(&app, case.team.as_deref())),
        public_values: crate::mail::public_values(&app, "case_reply"),
    };
    match cases::reply(&app.vault, app.mailer.as_deref(), &app.checked, reply, now).await? {
        cases::Replied::Sent => Ok(back_to(&case)),
        cases::Replied::NoAddress => {
            let error = "This person did not give an email address, so we cannot reply by email";
            refuse(&app, &user, &id, &page, ("reply", error, &text)).await
        }
    }
}

/// Close the case: deadlines that wait for it start now.
pub async fn close(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(case) = find_case(&app, &user, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let change = CaseChange {
        status: CaseStatus::Closed,
        assigned_to: case.assigned_to.as_deref(),
        event: Some(Event::CaseClosed),
        action: "close case",
    };
    app.vault
        .case_event(&case, change, &user.actor(), app.clock.unix())
        .await?;
    Ok(back_to(&case))
}

#[derive(Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
}

/// Pass a case to another organisation: the full message only with the
/// person's recorded permission, otherwise without any answer that
/// identifies them; either way recorded as a disclosure.
pub async fn forward(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Path(id): Path<String>,
    page: Page,
    Form(f): Form<ForwardForm>,
) -> AppResult<Response> {
    let Some(case) = find_case(&app, &user, &id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let request = cases::Forward {
        case: &case,
        username: &user.username,
        recipient: &f.recipient,
        to: &f.to,
        reason: &f.reason,
    };
    let now = app.clock.unix();
    let problem = match cases::forward(
        &app.vault,
        app.mailer.as_deref(),
        &app.checked,
        request,
        now,
    )
    .await?
    {
        cases::Forwarded::Sent { .. } => {
            return Ok(back_to(&case));
        }
        cases::Forwarded::NotARecipient => ("recipient", "Select who to pass the case to"),
        cases::Forwarded::BadAddress => (
            "to",
            "Enter the email address to send it to, like name@example.gov.uk",
        ),
        cases::Forwarded::NoReason => ("reason", "Enter why you are passing the case on"),
    };
    refuse(&app, &user, &id, &page, (problem.0, problem.1, "")).await
}
