//! Resetting a forgotten password: ask with an email address (the reply is
//! the same whether or not it has an account), then follow the emailed link
//! and choose a new password. Setting it signs out every other session and
//! makes every other link of the account stop working.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::{LinkOutcome, LinkPurpose};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::{RESET_SECONDS, link, link_problem, password_was_changed, send};
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::fields::email_error;
use crate::fields::{FieldError, invalid};
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::passwords::{check_new_password, hash_off_thread};
use crate::state::AppState;
use crate::throttle;

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize, Default)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn show_request(page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "accounts/reset_request.html",
            "Reset your password",
            context! { email => "" },
        )?
        .into_response())
}

pub async fn submit_request(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_owned();
    let mut errors: Vec<FieldError> = email_error(&email).into_iter().collect();
    if errors.is_empty() {
        errors.extend(super::over_limit(&app, &client, "email").await);
    }
    if !errors.is_empty() {
        return invalid(
            &page,
            "accounts/reset_request.html",
            "Reset your password",
            context! { errors, email },
        );
    }
    // The link is made and queued after the reply, so the reply takes the
    // same time whether or not the address has an account.
    let background = app.clone();
    let to = email.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&background, &to).await {
            tracing::error!(error = %e, "a password reset link could not be queued");
        }
    });
    Ok(page
        .render(
            "accounts/reset_sent.html",
            "Check your email",
            context! { minutes => RESET_SECONDS / 60, email },
        )?
        .into_response())
}

async fn send_reset_link(app: &AppState, email: &str) -> AppResult<()> {
    let now = app.clock.unix();
    let Some(account) = app.vault.account_by_email(email).await? else {
        return Ok(());
    };
    let token = app
        .vault
        .account_link(&account, LinkPurpose::Reset, RESET_SECONDS, now)
        .await?;
    send(
        app,
        &account,
        email,
        "password_reset",
        json!({
            "link": link(app, &format!("/account/reset-password/{token}")),
            "minutes": RESET_SECONDS / 60,
        }),
    )
    .await
}

fn expired(page: &Page) -> AppResult<Response> {
    link_problem(
        page,
        "This link has expired",
        vec![
            "Links to reset a password work once, for 1 hour, and stop working if your password or email address changes.".into(),
            "Ask for a new link and use it within the hour.".into(),
        ],
        ("/account/reset-password", "Get a new link"),
    )
}

pub async fn show_new(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    match app
        .vault
        .check_link(&token, LinkPurpose::Reset, now)
        .await?
    {
        LinkOutcome::Done(_) => Ok(page
            .render(
                "accounts/reset_new.html",
                "Choose a new password",
                context! { action => format!("/account/reset-password/{token}") },
            )?
            .into_response()),
        _ => expired(&page),
    }
}

pub async fn submit_new(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    // The password is checked before the link is used, so a refused
    // password leaves the link working for another try.
    let LinkOutcome::Done(account) = app
        .vault
        .check_link(&token, LinkPurpose::Reset, now)
        .await?
    else {
        return expired(&page);
    };
    let details = app.vault.account_details(&account).await?;
    let problem = if form.password.is_empty() {
        Some("Enter a new password".to_owned())
    } else {
        check_new_password(&form.password, &[&details.email, &details.username]).err()
    };
    if let Some(text) = problem {
        let errors = vec![FieldError::new("password", text)];
        return invalid(
            &page,
            "accounts/reset_new.html",
            "Choose a new password",
            context! { errors, action => format!("/account/reset-password/{token}") },
        );
    }
    let LinkOutcome::Done(account) = app.vault.use_reset_link(&token, now).await? else {
        return expired(&page);
    };
    let hash = hash_off_thread(form.password.clone())
        .await
        .map_err(AppError::Internal)?;
    app.vault.set_password(&account, &hash, now).await?;
    password_was_changed(&app, &account, &details.email).await?;
    // A wait earned by wrong passwords from this connection ends too: the
    // person has just proved the address is theirs.
    throttle::succeeded(&app, &super::reauth::throttle_key(&app, &account, client.0)).await?;
    page.session().end_privileges();
    page.session().set_flash(Flash::PasswordChanged);
    Ok(Redirect::to("/account/sign-in").into_response())
}
