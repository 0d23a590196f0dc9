//! `/account/change-password`: the current password, then a new one. Other
//! sessions signed in to the account end; this one is signed in afresh.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::signed_in::{SignedIn, sign_in};
use super::{FieldError, invalid};
use crate::error::{AppError, AppResult};
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::passwords::{check_new_password, hash_off_thread, verify_off_thread};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

pub async fn show(page: Page, _signed_in: SignedIn) -> AppResult<Response> {
    Ok(page
        .render(
            "account_change_password.html",
            "Change your password",
            context! {},
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    headers: HeaderMap,
    SignedIn(account): SignedIn,
    Form(form): Form<ChangeForm>,
) -> AppResult<Response> {
    let details = app.vault.account_details(&account).await?;
    let mut errors = Vec::new();
    if form.current.is_empty() {
        errors.push(FieldError::new("current", "Enter your current password"));
    } else {
        let hash = app
            .vault
            .credentials(&details.username)
            .await?
            .map(|c| c.password_hash)
            .unwrap_or_default();
        if !verify_off_thread(hash, form.current.clone()).await {
            errors.push(FieldError::new(
                "current",
                "Your current password is not right",
            ));
        }
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter a new password"));
    } else if let Err(text) =
        check_new_password(&form.password, &[&details.email, &details.username])
    {
        errors.push(FieldError::new("password", text));
    }
    if !errors.is_empty() {
        return invalid(
            &page,
            "account_change_password.html",
            "Change your password",
            context! { errors },
        );
    }
    let now = app.clock.unix();
    let hash = hash_off_thread(form.password.clone())
        .await
        .map_err(AppError::Internal)?;
    app.vault.set_password(&account, &hash, now).await?;
    let current =
        app.vault.account(&account.id).await?.ok_or_else(|| {
            AppError::Internal("the account went while its password changed".into())
        })?;
    let mut response = Redirect::to("/account").into_response();
    sign_in(&app, page.session(), &headers, &current, &mut response).await?;
    page.session().set_flash(Flash::PasswordChanged);
    Ok(response)
}
