//! `/account/register`: email address, user name and password. The reply
//! is the same whether or not the address has an account already; the
//! address's owner is told which by email.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::{AccountRef, NewAccount, Registration};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::{CONFIRM_SECONDS, check_username, link, send};
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::{FieldError, email_error, invalid};
use crate::page::Page;
use crate::passwords::{check_new_password, hash_off_thread};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn show(page: Page) -> AppResult<Response> {
    if page.account().is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    Ok(page
        .render(
            "accounts/register.html",
            "Create an account",
            context! { email => "", username => "" },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_owned();
    let username = form.username.trim().to_owned();
    let mut errors = form_errors(&email, &username, &form.password);
    if errors.is_empty() {
        errors.extend(super::over_limit(&app, &client, "email").await);
    }
    if !errors.is_empty() {
        return refuse(&page, &email, &username, errors);
    }
    let hash = hash_off_thread(form.password.clone())
        .await
        .map_err(crate::error::AppError::Internal)?;
    let new = NewAccount {
        email: &email,
        username: &username,
        password_hash: &hash,
    };
    let outcome = app
        .vault
        .register(new, CONFIRM_SECONDS, app.clock.unix())
        .await?;
    let Some((account, template, values)) = message(&app, outcome, &username) else {
        let taken = FieldError::new(
            "username",
            "That user name is taken. Choose a different one",
        );
        return refuse(&page, &email, &username, vec![taken]);
    };
    send(&app, &account, &email, template, values).await?;
    // The page names the address: rendered here, not after a redirect, so
    // the address is in this response alone and never in a URL or the
    // session. The same page whether or not the address had an account.
    Ok(page
        .render(
            "accounts/check_email.html",
            "Check your email",
            context! { hours => CONFIRM_SECONDS / 3600, email },
        )?
        .into_response())
}

/// The email registering sends, the same whether or not the address had an
/// account (so the page cannot tell anyone which addresses do); `None`
/// when the user name is taken, which the page says.
fn message(
    app: &AppState,
    outcome: Registration,
    username: &str,
) -> Option<(AccountRef, &'static str, serde_json::Value)> {
    match outcome {
        Registration::Created { account, token } => {
            let values = json!({
                "username": username,
                "link": link(app, &format!("/account/confirm/{token}")),
                "hours": CONFIRM_SECONDS / 3600,
            });
            Some((account, "account_confirm", values))
        }
        Registration::AddressHasAccount { account } => {
            let values = json!({
                "sign_in": link(app, "/account/sign-in"),
                "reset": link(app, "/account/reset-password"),
            });
            Some((account, "account_exists", values))
        }
        Registration::UsernameTaken => None,
    }
}

/// Every error in what was typed, before anything is asked of the vault.
fn form_errors(email: &str, username: &str, password: &str) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    errors.extend(email_error(email));
    if let Err(text) = check_username(username) {
        errors.push(FieldError::new("username", text));
    }
    if password.is_empty() {
        errors.push(FieldError::new("password", "Enter a password"));
    } else if let Err(text) = check_new_password(password, &[email, username]) {
        errors.push(FieldError::new("password", text));
    }
    errors
}

fn refuse(
    page: &Page,
    email: &str,
    username: &str,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    invalid(
        page,
        "accounts/register.html",
        "Create an account",
        context! { errors, email, username },
    )
}

pub async fn check_email(page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "accounts/check_email.html",
            "Check your email",
            context! { hours => CONFIRM_SECONDS / 3600 },
        )?
        .into_response())
}
