//! `/updates`: choose topics and give an address (or, signed in, use the
//! account's). The reply is the same whether or not the address gets
//! updates already; its owner learns which by email.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::Subscribed;
use minijinja::context;
use serde_json::json;

use super::{CONFIRM_SECONDS, chosen_topics, field, links, topic_options};
use crate::accounts::register::email_error;
use crate::accounts::{FieldError, invalid, link};
use crate::error::AppResult;
use crate::forms::abuse::ClientAddress;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let account_email = match page.account() {
        Some(account) => Some(app.vault.account_details(account).await?.email),
        None => None,
    };
    let requires_account = app
        .checked
        .config
        .updates
        .as_ref()
        .is_some_and(|u| u.requires_account);
    Ok(page
        .render(
            "updates_subscribe.html",
            "Get email updates",
            context! {
                topics => topic_options(&app, &[]),
                account_email,
                must_sign_in => requires_account && page.account().is_none(),
                email => "",
            },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let updates = app.checked.config.updates.as_ref();
    if updates.is_some_and(|u| u.requires_account) && page.account().is_none() {
        return Ok(Redirect::to("/account/sign-in?return=/updates").into_response());
    }
    let email = match page.account() {
        Some(account) => app.vault.account_details(account).await?.email,
        None => field(&fields, "email").trim().to_owned(),
    };
    let topics = chosen_topics(&app, &fields);
    let mut errors: Vec<FieldError> = Vec::new();
    if topics.is_empty() {
        errors.push(FieldError::new("topic", "Select at least one topic"));
    }
    if page.account().is_none() {
        errors.extend(email_error(&email));
    }
    if errors.is_empty() {
        errors.extend(crate::accounts::over_limit(&app, &client, "topic").await);
    }
    if !errors.is_empty() {
        let account_email = page.account().map(|_| email.clone());
        return invalid(
            &page,
            "updates_subscribe.html",
            "Get email updates",
            context! {
                errors,
                topics => topic_options(&app, &topics),
                account_email,
                email => if page.account().is_some() { String::new() } else { email.clone() },
            },
        );
    }
    let now = app.clock.unix();
    let chosen: Vec<&str> = topics.iter().map(String::as_str).collect();
    let names: Vec<String> = topics
        .iter()
        .filter_map(|t| app.checked.config.topics.get(t))
        .map(|t| t.name.clone())
        .collect();
    match app
        .vault
        .subscribe(&email, &chosen, page.account(), CONFIRM_SECONDS, now)
        .await?
    {
        Subscribed::Pending { subject, token, .. } => {
            crate::mail::queue(
                &app,
                recipient(&app, &subject, &email, &topics),
                "subscription_confirm",
                json!({
                    "topics": names,
                    "link": link(&app, &format!("/updates/confirm/{token}")),
                    "days": CONFIRM_SECONDS / 86_400,
                }),
            )
            .await?;
        }
        Subscribed::AlreadySubscribed {
            subscription,
            subject,
        } => {
            let (manage, _) = links(&app, &subscription);
            crate::mail::queue(
                &app,
                recipient(&app, &subject, &email, &topics),
                "subscription_exists",
                json!({ "manage": manage }),
            )
            .await?;
        }
    }
    Ok(Redirect::to("/updates/check-your-email").into_response())
}

pub async fn check_email(page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "updates_check_email.html",
            "Check your email",
            context! { days => CONFIRM_SECONDS / 86_400 },
        )?
        .into_response())
}

/// A message about a subscription serves the purpose of the first topic
/// it covers, and the address is of the updates' address category.
pub fn recipient<'a>(
    app: &'a AppState,
    subject: &'a custodian_vault::SubjectRef,
    to: &'a str,
    topics: &[String],
) -> crate::mail::Recipient<'a> {
    let config = &app.checked.config;
    let purpose = topics
        .first()
        .and_then(|t| config.topics.get(t))
        .or_else(|| config.topics.values().next())
        .map_or("", |t| t.purpose.get_ref().as_str());
    let category = config
        .updates
        .as_ref()
        .map_or("", |u| u.email_category.get_ref().as_str());
    crate::mail::Recipient {
        subject,
        to,
        purpose,
        category,
    }
}
