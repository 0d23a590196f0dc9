//! Changing an account's address: the new address is confirmed by a link
//! sent to it before it replaces the old, and the old address is told once
//! it has. Other sessions signed in to the account end.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::LinkOutcome;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::reauth::check_current_password;
use super::signed_in::SignedIn;
use super::{CONFIRM_SECONDS, link, link_problem, send};
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::email_error;
use crate::fields::{FieldError, invalid};
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current: String,
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(account): SignedIn,
) -> AppResult<Response> {
    let details = app.vault.account_details(&account).await?;
    Ok(page
        .render(
            "accounts/change_email.html",
            "Change your email address",
            context! { current => details.email, email => "" },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    SignedIn(account): SignedIn,
    client: ClientAddress,
    Form(form): Form<ChangeForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_owned();
    let details = app.vault.account_details(&account).await?;
    let mut errors: Vec<FieldError> = email_error(&email).into_iter().collect();
    if errors.is_empty() && email.eq_ignore_ascii_case(details.email.trim()) {
        errors.push(FieldError::new(
            "email",
            "This is your email address already. Enter a different one",
        ));
    }
    // Asked even when the address is wrong, so each attempt counts.
    errors.extend(check_current_password(&app, &account, &client, &form.current, "current").await?);
    if !errors.is_empty() {
        return invalid(
            &page,
            "accounts/change_email.html",
            "Change your email address",
            context! { errors, email, current => details.email },
        );
    }
    let now = app.clock.unix();
    // If another account has the address, nothing is sent and the page
    // says the same, so it cannot be used to learn who has an account.
    if let Some(token) = app
        .vault
        .request_email_change(&account, &email, CONFIRM_SECONDS, now)
        .await?
    {
        send(
            &app,
            &account,
            &email,
            "email_change_confirm",
            json!({
                "link": link(&app, &format!("/account/confirm-email/{token}")),
                "hours": CONFIRM_SECONDS / 3600,
            }),
        )
        .await?;
    }
    page.session().set_flash(Flash::EmailChangeSent);
    Ok(Redirect::to("/account").into_response())
}

pub async fn show_confirm(page: Page, Path(token): Path<String>) -> AppResult<Response> {
    Ok(page
        .render(
            "accounts/confirm.html",
            "Confirm your new email address",
            context! { action => format!("/account/confirm-email/{token}"), new_address => true },
        )?
        .into_response())
}

pub async fn submit_confirm(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let (outcome, old) = app.vault.confirm_email_change(&token, now).await?;
    match outcome {
        LinkOutcome::Done(account) => {
            if let Some(old) = old {
                send(
                    &app,
                    &account,
                    &old,
                    "email_changed",
                    json!({ "reset": link(&app, "/account/reset-password") }),
                )
                .await?;
            }
            // Every session of the account ends with the change, this one
            // included.
            app.store
                .delete_sessions_of(&format!("account:{}", account.id))
                .await?;
            page.session().end_privileges();
            Ok(page
                .render(
                    "accounts/email_changed.html",
                    "Your email address has changed",
                    context! {},
                )?
                .into_response())
        }
        LinkOutcome::AddressTaken(_) => link_problem(
            &page,
            "There is already an account with this email address",
            vec!["Your email address has not changed.".into()],
            ("/account", "Go to your account"),
        ),
        LinkOutcome::Expired(_) | LinkOutcome::Used(_) | LinkOutcome::Unknown => link_problem(
            &page,
            "This link has expired",
            vec![
                "Links to confirm a new email address work once, for 24 hours. Your email address has not changed.".into(),
                "Sign in and ask again to get a new link.".into(),
            ],
            ("/account/change-email", "Change your email address"),
        ),
    }
}
