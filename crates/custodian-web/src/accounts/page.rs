//! `/account`: what the account holds, the messages sent from it, forms
//! under way, and the ways to change or delete it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use custodian_store::personal::cases::CaseStatus;
use custodian_vault::AccountRef;
use minijinja::context;

use serde::Serialize;

use super::signed_in::SignedIn;
use crate::error::AppResult;
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::render::format_date;
use crate::state::AppState;

#[derive(Serialize)]
struct SentItem {
    reference: String,
    form: String,
    sent: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Started {
    title: String,
    href: String,
}

/// What a case's status means to the person who sent it.
fn status_for_sender(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Replied => "We have replied",
        CaseStatus::Closed => "Closed",
        CaseStatus::New | CaseStatus::Assigned | CaseStatus::AwaitingGuardian => "Received",
    }
}

/// What the person sent through forms, newest last, with where it stands.
async fn sent_items(app: &AppState, account: &AccountRef) -> AppResult<Vec<SentItem>> {
    let forms = &app.checked.config.forms;
    Ok(app
        .vault
        .cases_of(&account.subject)
        .await?
        .into_iter()
        .map(|c| SentItem {
            form: forms
                .get(&c.form)
                .map_or_else(|| c.form.clone(), |f| f.title.clone()),
            reference: c.reference,
            sent: format_date(c.created_at),
            status: status_for_sender(c.status),
        })
        .collect())
}

/// Their subscriptions to email updates, each with its manage link.
async fn subscriptions(app: &AppState, account: &AccountRef) -> AppResult<Vec<minijinja::Value>> {
    Ok(app
        .vault
        .subscriptions_of(&account.subject)
        .await?
        .into_iter()
        .map(|s| {
            let topics: Vec<String> = s
                .topics
                .iter()
                .filter_map(|t| app.checked.config.topics.get(t))
                .map(|t| t.name.clone())
                .collect();
            context! {
                topics => topics.join(", "),
                confirmed => s.confirmed,
                awaiting_guardian => s.awaiting_guardian_until.is_some(),
                manage => format!("/updates/manage/{}", crate::updates::signed(app, &s.id)),
            }
        })
        .collect())
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(account): SignedIn,
) -> AppResult<Response> {
    let details = app.vault.account_details(&account).await?;
    let forms = &app.checked.config.forms;
    let sent = sent_items(&app, &account).await?;
    let started: Vec<Started> = forms
        .iter()
        .filter(|(id, _)| page.session().form_progress(id).is_some())
        .map(|(id, f)| Started {
            title: f.title.clone(),
            href: format!("/forms/{id}"),
        })
        .collect();
    let subscriptions = subscriptions(&app, &account).await?;
    let retention = app
        .checked
        .config
        .accounts
        .as_ref()
        .and_then(|a| app.checked.config.policy.purposes.get(a.purpose.get_ref()))
        .map(|p| p.retention.get_ref().clone());
    Ok(page
        .render(
            "accounts/account.html",
            "Your account",
            context! {
                email => details.email,
                username => details.username,
                new_email => details.new_email,
                created => format_date(details.created_at),
                last_sign_in => details.last_sign_in_at.map(format_date),
                sent,
                started,
                subscriptions,
                updates => app.checked.config.updates.is_some(),
                retention,
                password_changed => page.flash == Some(Flash::PasswordChanged),
                email_change_sent => page.flash == Some(Flash::EmailChangeSent),
            },
        )?
        .into_response())
}
