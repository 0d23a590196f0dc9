//! `/account/change-password`: the current password, then a new one. Other
//! sessions signed in to the account end; this one is signed in afresh.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::password_was_changed;
use super::reauth::check_current_password;
use super::signed_in::{SignedIn, sign_in};
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::fields::{FieldError, invalid};
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::passwords::{check_new_password, hash_off_thread};
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
            "accounts/change_password.html",
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
    client: ClientAddress,
    Form(form): Form<ChangeForm>,
) -> AppResult<Response> {
    let details = app.vault.account_details(&account).await?;
    let mut errors: Vec<FieldError> =
        check_current_password(&app, &account, &client, &form.current, "current")
            .await?
            .into_iter()
            .collect();
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
            "accounts/change_password.html",
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
    // Every other session of the account ends now; this one ends too and
    // is signed in afresh, holding nothing from before (a "your data"
    // proof included).
    password_was_changed(&app, &current, &details.email).await?;
    page.session().end_privileges();
    let mut response = Redirect::to("/account").into_response();
    sign_in(&app, page.session(), &headers, &current, &mut response).await?;
    page.session().set_flash(Flash::PasswordChanged);
    Ok(response)
}
