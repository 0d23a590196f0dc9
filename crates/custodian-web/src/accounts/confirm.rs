//! `/account/confirm/{token}`: the link in the confirmation email. Opening
//! it shows a button; only pressing it uses the link up, so a mail
//! scanner that fetches links cannot spend it before the person does.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use custodian_vault::LinkOutcome;
use minijinja::context;

use super::link_problem;
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(page: Page, Path(token): Path<String>) -> AppResult<Response> {
    Ok(page
        .render(
            "accounts/confirm.html",
            "Confirm your email address",
            context! { action => format!("/account/confirm/{token}") },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    match app.vault.verify_account(&token, now).await? {
        LinkOutcome::Done(_) => Ok(page
            .render(
                "accounts/confirmed.html",
                "Your email address is confirmed",
                context! {},
            )?
            .into_response()),
        LinkOutcome::Used(account) if account.verified => link_problem(
            &page,
            "Your email address is already confirmed",
            vec!["This link has been used already. Your account is ready.".into()],
            ("/account/sign-in", "Sign in"),
        ),
        LinkOutcome::AddressTaken(_) => link_problem(
            &page,
            "There is already an account with this email address",
            vec!["You can sign in to it. If you have forgotten its password, you can reset it.".into()],
            ("/account/sign-in", "Sign in"),
        ),
        LinkOutcome::Expired(_) | LinkOutcome::Used(_) | LinkOutcome::Unknown => link_problem(
            &page,
            "This link has expired",
            vec![
                "Links to confirm an email address work once, for 24 hours. If you did not confirm your address in time, we have deleted what you gave us.".into(),
                "You can create your account again: we will send you a new link.".into(),
            ],
            ("/account/register", "Create an account"),
        ),
    }
}
