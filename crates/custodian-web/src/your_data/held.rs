//! Everything held about the person whose address is proven: as a page
//! that reads well (grouped by where it came from, each item with why we
//! hold it and when it goes), and as a JSON download of the same.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use custodian_store::personal::cases::CaseRow;
use custodian_store::personal::consents::ConsentReceiptRow;
use custodian_store::personal::disclosures::DisclosureRow;
use custodian_store::personal::record_source::RecordSource;
use custodian_store::personal::requests::RequestRow;
use custodian_vault::requests::deadline::Due;
use custodian_vault::requests::{RequestKind, clock_of};
use custodian_vault::{Export, SubjectRef, VaultError};
use minijinja::context;
use serde::Serialize;

use super::{Proven, proven, start_again};
use crate::error::{AppError, AppResult};
use crate::page::Page;
use crate::render::format_date;
use crate::state::AppState;

/// Who reads in the audit log when a person reads their own data.
pub const PORTAL_ACTOR: &str = "portal";

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: String,
    pub label: String,
    pub value: String,
    pub purpose: String,
    pub category: String,
    pub collected: String,
    pub deletion: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub label: String,
    pub items: Vec<ItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub reference: String,
    pub kind: String,
    pub received: String,
    pub status: String,
    pub due: String,
    /// What was done, or why it was refused: the person is always told why.
    pub outcome: String,
}

/// A disclosure the person has been told about.
#[derive(Debug, Clone, Serialize)]
pub struct DisclosureView {
    pub recipient: String,
    pub date: String,
    pub why: String,
}

/// A consent as it stands: the latest receipt for its scope.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub scope: String,
    pub words: String,
    pub purpose: String,
    pub status: &'static str,
    pub date: String,
    /// Withdrawn here: a form's question (cookies and topics are changed
    /// where they were given).
    pub withdraw_here: bool,
    pub change_at: Option<&'static str>,
}

/// What the pages show: everything, grouped, the person's requests, the
/// disclosures they have been told about, and their consents.
pub struct Held {
    pub export: Export,
    pub groups: Vec<GroupView>,
    pub requests: Vec<RequestView>,
    pub disclosures: Vec<DisclosureView>,
    pub consents: Vec<ConsentView>,
    pub receipts: Vec<custodian_store::personal::consents::ConsentReceiptRow>,
}

fn day(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| format_date(t.unix_timestamp()))
        .unwrap_or_default()
}

pub fn request_status(row: &RequestRow) -> &'static str {
    row.status.label()
}

pub fn request_due(app: &AppState, row: &RequestRow) -> String {
    if row.closed_at.is_some() {
        return String::new();
    }
    match clock_of(row).due(&app.vault.holidays()) {
        Due::By(date) => custodian_forms::answers::long_date(date),
        Due::Paused => "Paused while we wait for proof of identity".into(),
    }
}

/// Read everything held about `subject` (audited as the person's own read).
pub async fn gather(app: &AppState, subject: &SubjectRef, now: i64) -> AppResult<Held> {
    let export = app
        .vault
        .copy_for_the_person(subject, PORTAL_ACTOR, now)
        .await?;
    let cases = app.vault.cases_of(subject).await?;
    let requests = app.vault.requests_of(subject).await?;
    let disclosures = app.vault.disclosures(subject).await?;
    let receipts = app
        .vault
        .consents_of(custodian_vault::consents::Principal::Subject(subject))
        .await?;
    Ok(Held {
        groups: item_groups(app, &export, &cases, &requests),
        requests: request_views(app, &export, &requests),
        disclosures: disclosure_views(app, &export, &cases, &disclosures),
        consents: consent_views(app, &receipts),
        export,
        receipts,
    })
}

/// Each item held, in words, grouped by where it came from.
fn item_groups(
    app: &AppState,
    export: &Export,
    cases: &[CaseRow],
    requests: &[RequestRow],
) -> Vec<GroupView> {
    let mut groups: Vec<GroupView> = Vec::new();
    for item in &export.items {
        let (group, label) = describe(app, &item.source, &item.field, cases, requests);
        let from_account = matches!(
            RecordSource::parse(&item.source),
            Some(RecordSource::Account(_))
        );
        let value = if item.field == "password" && from_account {
            "A one-way hash of your password: it cannot be turned back into the password".into()
        } else {
            shown_value(app, &item.source, &item.field, &item.value, cases)
        };
        let view = ItemView {
            id: item.id.clone(),
            label,
            value,
            purpose: item.purpose.name.clone(),
            category: item.category.name.clone(),
            collected: day(&item.collected_at),
            deletion: match &item.deletion.date {
                Some(date) => format!("{} ({})", day(date), item.deletion.rule),
                None => item.deletion.rule.clone(),
            },
        };
        match groups.iter_mut().find(|g| g.label == group) {
            Some(g) => g.items.push(view),
            None => groups.push(GroupView {
                label: group,
                items: vec![view],
            }),
        }
    }
    groups
}

/// The person's requests about their data, with each one's outcome.
fn request_views(app: &AppState, export: &Export, requests: &[RequestRow]) -> Vec<RequestView> {
    requests
        .iter()
        .map(|r| RequestView {
            reference: r.reference.clone(),
            kind: RequestKind::parse(&r.kind).map_or(r.kind.clone(), |k| k.label().to_owned()),
            received: r.received_on.clone(),
            status: request_status(r).to_owned(),
            due: request_due(app, r),
            outcome: export
                .items
                .iter()
                .find(|i| i.source == RecordSource::Request(&r.id).stored() && i.field == "outcome")
                .map(|i| i.value.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// Who the person's information went to, and why: only what they were
/// told (the copy leaves out the rest).
fn disclosure_views(
    app: &AppState,
    export: &Export,
    cases: &[CaseRow],
    disclosures: &[DisclosureRow],
) -> Vec<DisclosureView> {
    disclosures
        .iter()
        .filter_map(|d| {
            let at = d.told_at?;
            let recipient = app
                .checked
                .config
                .policy
                .recipient_name(&d.recipient)
                .to_owned();
            let why = match &d.case_id {
                Some(case) => cases.iter().find(|c| &c.id == case).map_or_else(
                    || "You agreed to us passing on your message.".to_owned(),
                    |c| format!("You agreed to us passing on your message {}.", c.reference),
                ),
                None => export
                    .items
                    .iter()
                    .find(|i| {
                        i.source == RecordSource::Disclosure(&d.id).stored() && i.field == "why"
                    })
                    .map(|i| i.value.clone())
                    .unwrap_or_default(),
            };
            Some(DisclosureView {
                recipient,
                date: format_date(at.max(d.at)),
                why,
            })
        })
        .collect()
}

/// The person's current answer to each consent question, and where to
/// change it.
fn consent_views(app: &AppState, receipts: &[ConsentReceiptRow]) -> Vec<ConsentView> {
    custodian_vault::consents::current(receipts)
        .into_iter()
        .map(|r| {
            let case = r.scope.starts_with("case:");
            ConsentView {
                scope: r.scope.clone(),
                words: r.words.clone(),
                purpose: app
                    .checked
                    .config
                    .policy
                    .purposes
                    .get(&r.purpose)
                    .map_or_else(|| r.purpose.clone(), |p| p.name.clone()),
                // No after a yes is a withdrawal; a no from the start is a
                // refusal, which blocked nothing.
                status: if r.given {
                    "Given"
                } else if receipts
                    .iter()
                    .any(|e| e.scope == r.scope && e.given && e.at <= r.at)
                {
                    "Withdrawn"
                } else {
                    "Not given"
                },
                date: format_date(r.at),
                withdraw_here: case && r.given,
                change_at: if r.scope.starts_with("cookies:") {
                    Some("/cookies")
                } else if r.scope.starts_with("topic:") && r.given {
                    Some("the manage link in any email update")
                } else {
                    None
                },
            }
        })
        .collect()
}

/// A stored value as the person chose it: an option's label, never the
/// value stored for it ("16 or over", not "over"); topics by name.
fn shown_value(
    app: &AppState,
    source: &str,
    field: &str,
    value: &str,
    cases: &[CaseRow],
) -> String {
    let config = &app.checked.config;
    let source = RecordSource::parse(source);
    let form = match source {
        Some(RecordSource::Case(id)) => cases
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| config.forms.get(&c.form)),
        Some(RecordSource::Draft(id)) => config.forms.get(id),
        _ => None,
    };
    if let Some(q) = form.and_then(|f| f.question(field)) {
        return custodian_forms::answers::display(q, value);
    }
    let age = app.checked.children.map_or(0, |c| c.age);
    let subscription = matches!(source, Some(RecordSource::Subscriber(_)));
    match field {
        "topics" if subscription => value
            .split_whitespace()
            .map(|t| config.topics.get(t).map_or(t, |t| t.name.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        custodian_policy::children::AGE_QUESTION if subscription => match value {
            custodian_policy::children::UNDER => format!("Under {age}"),
            custodian_policy::children::OVER => format!("{age} or over"),
            other => other.to_owned(),
        },
        "frequency" if subscription && value == "weekly" => "A weekly summary".to_owned(),
        _ => value.to_owned(),
    }
}

/// Where an item came from, in words, and what it is.
fn describe(
    app: &AppState,
    source: &str,
    field: &str,
    cases: &[CaseRow],
    requests: &[RequestRow],
) -> (String, String) {
    let forms = &app.checked.config.forms;
    let question = |form: &str| {
        forms
            .get(form)
            .and_then(|f| f.question(field))
            .map_or_else(|| field.replace('_', " "), |q| q.label.clone())
    };
    let plain = || field.replace('_', " ");
    match RecordSource::parse(source) {
        Some(RecordSource::Case(id)) => match cases.iter().find(|c| c.id == id) {
            Some(case) => {
                let title = forms
                    .get(&case.form)
                    .map_or(case.form.as_str(), |f| f.title.as_str());
                (
                    format!("{title}, reference {}", case.reference),
                    question(&case.form),
                )
            }
            None => ("A message you sent us".into(), plain()),
        },
        Some(RecordSource::Draft(id)) => {
            let title = forms.get(id).map_or(id, |f| f.title.as_str());
            (format!("{title} (started, not sent)"), question(id))
        }
        Some(RecordSource::Account(_)) => ("Your account".into(), plain()),
        Some(RecordSource::Subscriber(_)) => (
            "Email updates".into(),
            match field {
                "email" => "Email address".into(),
                "topics" => "Topics".into(),
                "frequency" => "How often".into(),
                "postal_name" => "Name".into(),
                "postal_address" => "Postal address".into(),
                custodian_policy::children::AGE_QUESTION => "How old are you?".into(),
                custodian_policy::children::GUARDIAN_QUESTION => {
                    "Your parent's or guardian's email address".into()
                }
                _ => plain(),
            },
        ),
        Some(RecordSource::Request(id)) => match requests.iter().find(|r| r.id == id) {
            Some(r) => (format!("Your request {}", r.reference), plain()),
            None => ("A request you made".into(), plain()),
        },
        Some(RecordSource::Outbox(_)) => ("An email waiting to be sent to you".into(), plain()),
        Some(RecordSource::Disclosure(_)) => ("Information we shared, and why".into(), plain()),
        None => (source.to_owned(), plain()),
    }
}

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some(Proven { subject, .. }) = proven(page.session(), now) else {
        return Ok(start_again());
    };
    let Some(subject) = subject else {
        return Ok(page
            .render(
                "your_data/held.html",
                "The information we hold about you",
                context! { nothing => true },
            )?
            .into_response());
    };
    let held = match gather(&app, &subject, now).await {
        Err(AppError::Vault(VaultError::NoSuchSubject)) => return super::erased_meanwhile(&page),
        other => other?,
    };
    Ok(page
        .render(
            "your_data/held.html",
            "The information we hold about you",
            context! {
                groups => held.groups,
                requests => held.requests,
                disclosures => held.disclosures,
                consents => held.consents,
                count => held.export.items.len(),
                nothing => held.export.items.is_empty(),
            },
        )?
        .into_response())
}

pub async fn download(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some(Proven { subject, .. }) = proven(page.session(), now) else {
        return Ok(start_again());
    };
    let document = match subject {
        Some(subject) => {
            let held = match gather(&app, &subject, now).await {
                Err(AppError::Vault(VaultError::NoSuchSubject)) => {
                    return super::erased_meanwhile(&page);
                }
                other => other?,
            };
            serde_json::json!({
                "site": app.checked.config.site.name,
                "controller": app.checked.config.policy.controller.name,
                "generated_at": time::OffsetDateTime::from_unix_timestamp(now)
                    .ok()
                    .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                "items": held.export.items,
                "requests": held.requests,
                "disclosures": held.disclosures,
                "consent_receipts": app.vault.kantara_receipts(
                    &held.receipts,
                    &subject.id,
                    &policy_url(&app),
                ),
            })
        }
        None => serde_json::json!({
            "site": app.checked.config.site.name,
            "items": [],
            "requests": [],
        }),
    };
    let body = serde_json::to_string_pretty(&document).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"your-data.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Where the privacy notice is, for consent receipts.
fn policy_url(app: &AppState) -> String {
    format!("{}/privacy", app.options.public_url.trim_end_matches('/'))
}
