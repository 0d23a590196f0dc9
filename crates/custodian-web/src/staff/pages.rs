//! The staff pages: home, the audit log, people (find, read, download,
//! erase) and retention. Who may see each is in the route table in
//! [`super::routes`]; every read of personal data is audited by the vault.

use axum::Form;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use custodian_vault::{SubjectRef, VaultError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::page::Page;
use crate::render::format_date;
use crate::staff::{Role, StaffUser};
use crate::state::AppState;

pub async fn home(Extension(user): Extension<StaffUser>, page: Page) -> AppResult<Response> {
    let links: Vec<(&str, &str, &str)> = crate::staff::routes()
        .into_iter()
        .filter(|r| {
            r.method == axum::http::Method::GET
                && r.path != "/staff"
                && r.path.matches('/').count() == 2
                && r.roles.contains(&user.role)
        })
        .map(|r| {
            let (name, description) = area(r.path, user.role);
            (r.path, name, description)
        })
        .collect();
    Ok(page
        .render("staff/home.html", "Staff area", context! { links })?
        .into_response())
}

/// What an area of the staff site is called on the home page, and what it
/// is for.
fn area(path: &'static str, role: Role) -> (&'static str, &'static str) {
    match path {
        "/staff/audit" if role == Role::Dpo => {
            ("Audit log", "Every staff action on personal data.")
        }
        "/staff/audit" => ("Audit log", "What you have done."),
        "/staff/people" => (
            "People's data",
            "Find, download or erase everything held about a person.",
        ),
        "/staff/disclosures" => (
            "Disclosure log",
            "Every time personal data went outside the organisation; record a safeguarding referral or a partner disclosure.",
        ),
        "/staff/requests" => (
            "Requests about data",
            "Access, correction, erasure and objection requests, with their deadlines; record one received by post or phone.",
        ),
        "/staff/retention" => ("Retention", "What is past its deletion date, and why."),
        "/staff/accounts" => (
            "Staff accounts",
            "Who can sign in, and with which role; add someone.",
        ),
        "/staff/keys" => (
            "Master key",
            "Rotate the key that protects every person's data key.",
        ),
        "/staff/mail" => ("Outbox", "Mail waiting, sent and given up."),
        "/staff/consultations" => (
            "Consultations",
            "Results of each consultation, and exports without identifying answers.",
        ),
        "/staff/statistics" => (
            "Site usage statistics",
            "Pageviews and visitors from the web server's logs, with no way to single anyone out.",
        ),
        "/staff/cases" => (
            "Cases",
            "Messages sent through the site's forms: read, assign, reply and close.",
        ),
        "/staff/updates" => (
            "Email updates",
            "Write an update and send it to the subscribers of its topics.",
        ),
        other => (other, ""),
    }
}

#[derive(Serialize)]
struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: Option<String>,
    detail: String,
}

pub async fn audit(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
) -> AppResult<Response> {
    // The DPO sees the whole log; everyone else sees their own entries.
    let own = user.actor();
    let filter = (user.role != Role::Dpo).then_some(own.as_str());
    let entries = app.store.audit_recent(filter, 500).await?;
    let intact = if user.role == Role::Dpo {
        Some(app.store.verify_audit().await?.is_none())
    } else {
        None
    };
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: format_time(e.at),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    Ok(page
        .render(
            "staff/audit.html",
            "Audit log",
            context! { rows, intact, everyone => filter.is_none() },
        )?
        .into_response())
}

pub(crate) fn format_time(unix: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return String::new();
    };
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute]"
    );
    t.format(&format).unwrap_or_default()
}

pub async fn people_search(page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "staff/people.html",
            "People's data",
            context! { email => "" },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct FindForm {
    #[serde(default)]
    email: String,
}

#[derive(Serialize)]
struct ItemRow {
    field: String,
    value: String,
    category: String,
    purpose: String,
    source: String,
    collected: String,
    deletion: String,
}

impl From<custodian_vault::ExportItem> for ItemRow {
    fn from(i: custodian_vault::ExportItem) -> Self {
        let day = |at: &str| at.get(..10).unwrap_or_default().to_owned();
        ItemRow {
            collected: day(&i.collected_at),
            deletion: match i.deletion.date {
                Some(date) => format!("{} ({})", day(&date), i.deletion.rule),
                None => i.deletion.rule,
            },
            field: i.field,
            value: i.value,
            category: i.category.name,
            purpose: i.purpose.name,
            source: i.source,
        }
    }
}

pub async fn people_find(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(form): Form<FindForm>,
) -> AppResult<Response> {
    let email = form.email.trim();
    if !email.contains('@') {
        let error = "Enter an email address, like name@example.com";
        let html = page.render(
            "staff/people.html",
            "Error: People's data",
            context! { email, error },
        )?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    }
    let Some(subject) = app.vault.find_by_email(email).await? else {
        // Looking is recorded even when nobody is found (without the address).
        app.store
            .audit(app.clock.unix(), &user.actor(), "find", None, "no match")
            .await?;
        return Ok(page
            .render(
                "staff/people.html",
                "People's data",
                context! { email, not_found => true },
            )?
            .into_response());
    };
    let now = app.clock.unix();
    let export = app
        .vault
        .read_for_staff(&subject, &user.actor(), now)
        .await?;
    let items: Vec<ItemRow> = export.items.into_iter().map(ItemRow::from).collect();
    let (deleted, kept) = app.vault.erasure_preview(&subject, now).await?;
    Ok(page
        .render(
            "staff/person.html",
            "Data held about this person",
            context! { subject => subject.id, items, deleted, kept },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct SubjectForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    confirm: String,
}

pub async fn people_export(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Form(form): Form<SubjectForm>,
) -> AppResult<Response> {
    let subject = SubjectRef { id: form.subject };
    match app
        .vault
        .export(&subject, &user.actor(), app.clock.unix())
        .await
    {
        Ok(export) => {
            let json = serde_json::to_string_pretty(&export).unwrap_or_default();
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"personal-data.json\"".to_owned(),
                    ),
                ],
                json,
            )
                .into_response())
        }
        Err(VaultError::NoSuchSubject) => Ok(StatusCode::NOT_FOUND.into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn people_erase(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(form): Form<SubjectForm>,
) -> AppResult<Response> {
    let subject = SubjectRef { id: form.subject };
    let now = app.clock.unix();
    if form.confirm != "yes" {
        // The question page: what will go, what must stay and why.
        let (deleted, kept) = match app.vault.erasure_preview(&subject, now).await {
            Ok(preview) => preview,
            Err(VaultError::NoSuchSubject) => return Ok(StatusCode::NOT_FOUND.into_response()),
            Err(e) => return Err(e.into()),
        };
        return Ok(page
            .render(
                "staff/erase_confirm.html",
                "Erase this person's data",
                context! { subject => subject.id, deleted, kept },
            )?
            .into_response());
    }
    let report = match app.vault.erase(&subject, &user.actor(), now).await {
        Ok(report) => report,
        Err(VaultError::NoSuchSubject) => return Ok(StatusCode::NOT_FOUND.into_response()),
        Err(e) => return Err(e.into()),
    };
    Ok(page
        .render(
            "staff/erased.html",
            "Data erased",
            context! { deleted => report.deleted, kept => report.kept },
        )?
        .into_response())
}

#[derive(Serialize)]
struct DueRow {
    category: String,
    purpose: String,
    source: String,
    field: String,
    collected: String,
    due: String,
    rule: String,
}

pub async fn retention(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let due = app.vault.retention_due(app.clock.unix()).await?;
    let rows: Vec<DueRow> = due
        .into_iter()
        .map(|d| DueRow {
            category: d.category,
            purpose: d.purpose,
            source: d.source,
            field: d.field,
            collected: format_date(d.collected_at),
            due: format_date(d.delete_after),
            rule: d.rule,
        })
        .collect();
    Ok(page
        .render("staff/retention.html", "Retention", context! { rows })?
        .into_response())
}
