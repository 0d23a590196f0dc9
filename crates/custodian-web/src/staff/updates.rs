//! The editor's pages: write an update in Markdown, preview it, send a test
//! to yourself, send it to the confirmed subscribers of one or more topics,
//! and follow its progress. No tracking pixels, no per-person open or click
//! tracking: the counts are the outbox's (queued, sent, failed).

use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_app::updates;
use custodian_store::sends::SendRow;
use minijinja::context;
use serde::Serialize;
use serde_json::json;

use crate::error::AppResult;
use crate::fields::FieldError;
use crate::fields::email_error;
use crate::page::Page;
use crate::render::written_markdown_to_html;
use crate::staff::StaffUser;
use crate::state::AppState;
use crate::updates::{chosen_topics, field, topic_options};

#[derive(Serialize)]
struct SendSummary {
    id: String,
    subject: String,
    sent: String,
    topics: String,
    queued: i64,
}

fn topic_names(app: &AppState, topics: &str) -> String {
    topics
        .split_whitespace()
        .filter_map(|t| app.checked.config.topics.get(t))
        .map(|t| t.name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let sends: Vec<SendSummary> = app
        .store
        .sends(100)
        .await?
        .into_iter()
        .map(|s| SendSummary {
            topics: topic_names(&app, &s.topics),
            sent: crate::staff::pages::format_time(s.created_at),
            id: s.id,
            subject: s.subject,
            queued: s.queued,
        })
        .collect();
    Ok(page
        .render("staff/updates.html", "Email updates", context! { sends })?
        .into_response())
}

pub async fn new(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "staff/update_new.html",
            "Write an update",
            context! { topics => topic_options(&app, &[]), subject => "", body => "", test_to => "" },
        )?
        .into_response())
}

/// Preview, test or send, as the button pressed says.
pub async fn submit(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let action = field(&fields, "action").to_owned();
    let subject = field(&fields, "subject").trim().to_owned();
    let body = field(&fields, "body").to_owned();
    let test_to = field(&fields, "test_to").trim().to_owned();
    let topics = chosen_topics(&app, &fields);
    let errors = update_errors(&action, &subject, &body, &test_to, &topics);
    let preview = written_markdown_to_html(&body);
    let again = |errors: Vec<FieldError>,
                 notice: Option<&str>,
                 status: StatusCode|
     -> AppResult<Response> {
        let title = if errors.is_empty() {
            "Write an update"
        } else {
            "Error: Write an update"
        };
        let html = page.render(
            "staff/update_new.html",
            title,
            context! {
                errors,
                topics => topic_options(&app, &topics),
                subject,
                body,
                test_to,
                preview => (!body.trim().is_empty()).then_some(preview.clone()),
                notice,
            },
        )?;
        Ok((status, html).into_response())
    };
    if !errors.is_empty() {
        return again(errors, None, StatusCode::BAD_REQUEST);
    }
    let now = app.clock.unix();
    let written = Written {
        subject: &subject,
        body: &body,
        html: &preview,
    };
    match action.as_str() {
        "test" => {
            if !send_test(&app, &written, &test_to, now).await? {
                return Ok(StatusCode::NOT_FOUND.into_response());
            }
            again(Vec::new(), Some("test"), StatusCode::OK)
        }
        "send" => {
            let send = send_to_topics(&app, &user, &written, &topics, now).await?;
            Ok(Redirect::to(&format!("/staff/updates/{}", send.id)).into_response())
        }
        _ => again(Vec::new(), None, StatusCode::OK),
    }
}

/// What is wrong with the update, each against its field.
fn update_errors(
    action: &str,
    subject: &str,
    body: &str,
    test_to: &str,
    topics: &[String],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if subject.is_empty() {
        errors.push(FieldError::new("subject", "Enter a subject line"));
    } else if subject.chars().count() > 150 {
        errors.push(FieldError::new(
            "subject",
            "The subject line must be 150 characters or fewer",
        ));
    }
    if body.trim().is_empty() {
        errors.push(FieldError::new("body", "Enter the update"));
    }
    match action {
        "send" if topics.is_empty() => {
            errors.push(FieldError::new("topic", "Select the topics to send it to"));
        }
        "test" => errors.extend(email_error(test_to).map(|e| FieldError::new("test_to", e.text))),
        _ => {}
    }
    errors
}

/// An update as the editor wrote it: the Markdown and its HTML.
struct Written<'a> {
    subject: &'a str,
    body: &'a str,
    html: &'a str,
}

/// Sends the update to the editor's own address, once, marked as a test.
/// False where the site has no email updates.
async fn send_test(
    app: &AppState,
    written: &Written<'_>,
    test_to: &str,
    now: i64,
) -> AppResult<bool> {
    let (subject, body, preview) = (written.subject, written.body, written.html);
    let Some(updates) = &app.checked.config.updates else {
        return Ok(false);
    };
    let purpose = app
        .checked
        .config
        .topics
        .values()
        .next()
        .map_or("", |t| t.purpose.get_ref().as_str());
    // The editor's own address, for this one message only.
    let subject_ref = app.vault.transient_subject(now).await?;
    let back = crate::accounts::link(app, "/updates");
    crate::mail::queue(
        app,
        crate::mail::Recipient {
            subject: &subject_ref,
            to: test_to,
            purpose,
            category: updates.email_category.get_ref(),
        },
        "update",
        json!({
            "update_subject": format!("[Test] {subject}"),
            "update_html": preview,
            "update_text": body,
            "manage_url": back,
            "unsubscribe_url": back,
        }),
    )
    .await?;
    Ok(true)
}

/// Records the update and starts queueing it for every subscriber of its
/// topics; the queueing carries on after a restart.
async fn send_to_topics(
    app: &AppState,
    user: &StaffUser,
    written: &Written<'_>,
    topics: &[String],
    now: i64,
) -> AppResult<SendRow> {
    let update = updates::Update {
        subject: written.subject,
        body: written.body,
        html: written.html,
        topics,
        username: &user.username,
    };
    let send = updates::record_update(&app.store, &update, now).await?;
    // The send is committed; its recipients are queued behind the
    // reply, and a restarted server carries on where this stopped.
    let (state, id) = (app.clone(), send.id.clone());
    tokio::spawn(async move {
        if let Err(e) = updates::carry_on(&state.updates(), &id).await {
            tracing::error!(send = %id, error = %e, "queueing an update stopped; it carries on at the next start");
        }
    });
    Ok(send)
}

/// The live preview's fragment: the Markdown rendered as the email will be.
pub async fn preview(Form(fields): Form<Vec<(String, String)>>) -> Response {
    let body = field(&fields, "body");
    if body.trim().is_empty() {
        return axum::response::Html(String::new()).into_response();
    }
    axum::response::Html(format!(
        "<h2 class=\"govuk-heading-m\">Preview</h2><div class=\"app-prose\">{}</div>",
        written_markdown_to_html(body)
    ))
    .into_response()
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(send) = app.store.send(&id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let counts = app.store.send_counts(&id).await?;
    Ok(page
        .render(
            "staff/update.html",
            &send.subject,
            context! {
                id => send.id,
                subject => send.subject,
                topics => topic_names(&app, &send.topics),
                sent => crate::staff::pages::format_time(send.created_at),
                by => send.created_by,
                queued_all => send.queued_all,
                recipients => send.queued,
                waiting => counts.queued,
                delivered => counts.sent,
                failed => counts.failed,
                html => send.html,
            },
        )?
        .into_response())
}
