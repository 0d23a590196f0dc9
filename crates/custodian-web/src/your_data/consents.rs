//! Withdrawing a consent given on a form (such as permission to publish
//! what the person said) from the "your data" pages: as easy as giving it.
//! Cookie choices are changed on the cookies page and email topics from the
//! manage link, where they were given.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Proven, proven, start_again};
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    scope: String,
}

pub async fn withdraw(
    State(app): State<AppState>,
    page: Page,
    Form(form): Form<WithdrawForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some(Proven {
        subject: Some(subject),
        ..
    }) = proven(page.session(), now)
    else {
        return Ok(start_again());
    };
    // A scope that is not theirs, or not given, changes nothing.
    app.vault
        .withdraw_case_consent(
            &subject,
            &form.scope,
            "your data pages",
            app.published.sequence,
            now,
        )
        .await?;
    Ok(Redirect::to("/your-data/held#consents").into_response())
}
