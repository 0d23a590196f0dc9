//! `/account/delete`: what deleting the account removes and what the policy
//! says must be kept (and why), then, once confirmed, the erasure itself
//! through the vault. The person's key is destroyed with it.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::reauth::check_current_password;
use super::signed_in::{SignedIn, clear_status_cookie};
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::invalid;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(account): SignedIn,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let (deleted, kept) = app.vault.erasure_preview(&account.subject, now).await?;
    Ok(page
        .render(
            "accounts/delete.html",
            "Delete your account",
            context! { deleted, kept },
        )?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    current: String,
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    headers: HeaderMap,
    SignedIn(account): SignedIn,
    client: ClientAddress,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    if let Some(error) =
        check_current_password(&app, &account, &client, &form.current, "current").await?
    {
        let (deleted, kept) = app.vault.erasure_preview(&account.subject, now).await?;
        return invalid(
            &page,
            "accounts/delete.html",
            "Delete your account",
            context! { deleted, kept, errors => vec![error] },
        );
    }
    let report = app.vault.delete_account(&account, now).await?;
    page.session().end_privileges();
    let mut response = page
        .render(
            "accounts/deleted.html",
            "Your account has been deleted",
            context! { deleted => report.deleted, kept => report.kept },
        )?
        .into_response();
    clear_status_cookie(&app, &headers, &mut response);
    Ok(response)
}
