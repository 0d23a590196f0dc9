//! Withdrawing a consent given on a form (such as permission to publish
//! what the person said) from the "your data" pages: as easy as giving it.
//! Cookie choices are changed on the cookies page and email topics from the
//! manage link, where they were given.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::ProvenPerson;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    scope: String,
}

pub async fn withdraw(
    State(app): State<AppState>,
    ProvenPerson { subject, .. }: ProvenPerson,
    Form(form): Form<WithdrawForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
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
