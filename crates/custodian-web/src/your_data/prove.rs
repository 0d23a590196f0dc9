//! Proving an address: ask for a code, type it in. The reply to asking is
//! the same whether or not anything is held for the address.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::SubjectRef;
use custodian_vault::requests::proof::{CODE_SECONDS, MAX_TRIES, ProofCheck, ProofStart};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::{PROVEN_SECONDS, proven};
use crate::accounts::over_limit;
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::email_error;
use crate::fields::{FieldError, invalid};
use crate::middleware::session::PortalVisit;
use crate::page::Page;
use crate::state::AppState;
use crate::throttle::{self, Verdict};

const START: &str = "your_data/start.html";
const START_TITLE: &str = "See, correct or delete your data";
const CODE: &str = "your_data/code.html";
const CODE_TITLE: &str = "Check your email";

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn show_start(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    if proven(page.session(), app.clock.unix()).is_some() {
        return Ok(Redirect::to("/your-data/held").into_response());
    }
    let signed_in = page.account().is_some_and(|a| a.verified);
    Ok(page
        .render(START, START_TITLE, context! { email => "", signed_in })?
        .into_response())
}

/// Signed in with a confirmed address: that is proof enough, no code.
pub async fn signed_in(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let Some(account) = page.account().cloned() else {
        return Ok(super::start_again());
    };
    let now = app.clock.unix();
    let Some(holder) = app.vault.prove_by_account(&account, now).await? else {
        return Ok(super::start_again());
    };
    page.session().set_portal(Some(PortalVisit {
        code_id: None,
        holder: Some(holder.id),
        proven_until: Some(now + PROVEN_SECONDS),
        subject: Some(account.subject.id.clone()),
    }));
    Ok(Redirect::to("/your-data/held").into_response())
}

pub async fn submit_start(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_owned();
    let mut errors: Vec<FieldError> = email_error(&email).into_iter().collect();
    if errors.is_empty() {
        errors.extend(over_limit(&app, &client, "email").await);
    }
    if !errors.is_empty() {
        return invalid(&page, START, START_TITLE, context! { errors, email });
    }
    let now = app.clock.unix();
    let session = page.session();
    match app.vault.start_proof(&email, &session.id(), now).await? {
        ProofStart::TooMany => {
            let errors = vec![FieldError::new(
                "email",
                "We have sent 3 codes to this address in the last hour. Use the newest one, or wait an hour and ask again",
            )];
            invalid(&page, START, START_TITLE, context! { errors, email })
        }
        ProofStart::Send {
            code_id,
            code,
            holder,
        } => {
            super::write_to(
                &app,
                &holder,
                &email,
                "portal_code",
                json!({ "code": code, "minutes": CODE_SECONDS / 60 }),
            )
            .await?;
            session.set_portal(Some(PortalVisit {
                code_id: Some(code_id),
                holder: Some(holder.id),
                proven_until: None,
                subject: None,
            }));
            // The page names the address: rendered here, not after a
            // redirect, so the address is in this response alone, never in
            // a URL or the session. The same whether or not we hold data.
            Ok(page
                .render(
                    CODE,
                    CODE_TITLE,
                    context! { minutes => CODE_SECONDS / 60, email },
                )?
                .into_response())
        }
    }
}

pub async fn show_code(page: Page) -> AppResult<Response> {
    if page.session().portal().and_then(|v| v.code_id).is_none() {
        return Ok(super::start_again());
    }
    Ok(page
        .render(CODE, CODE_TITLE, context! { minutes => CODE_SECONDS / 60 })?
        .into_response())
}

pub async fn submit_code(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let session = page.session();
    let Some(visit) = session.portal() else {
        return Ok(super::start_again());
    };
    let Some(code_id) = visit.code_id.clone() else {
        return Ok(super::start_again());
    };
    let code: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let minutes = CODE_SECONDS / 60;
    let refuse = |text: String| {
        let errors = vec![FieldError::new("code", text)];
        invalid(&page, CODE, CODE_TITLE, context! { errors, minutes })
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return refuse("Enter the 6-digit code from the email we sent you".into());
    }
    let now = app.clock.unix();
    // Wrong codes from one connection, whichever addresses they are for:
    // after two codes' worth, each further try waits longer (per address,
    // a code takes 5 tries and an address 3 codes an hour). A right code
    // does not clear it, so proving one's own address buys no more guesses.
    let budget = throttle::key(&app, "portal", "wrong codes", client.0);
    if let Verdict::Wait(seconds) =
        throttle::check_allowing(&app, &budget, now, 2 * MAX_TRIES).await?
    {
        return refuse(format!(
            "There have been too many wrong codes from your connection. Wait {}, then try again",
            Verdict::minutes(seconds)
        ));
    }
    let checked = app
        .vault
        .check_proof(&code_id, &code, &session.id(), now)
        .await?;
    if matches!(checked, ProofCheck::Wrong { .. }) {
        throttle::failed(&app, &budget, now).await?;
    }
    match checked {
        ProofCheck::Proven(subject) => {
            session.set_portal(Some(PortalVisit {
                code_id: None,
                holder: visit.holder,
                proven_until: Some(now + PROVEN_SECONDS),
                subject: subject.map(|s: SubjectRef| s.id),
            }));
            Ok(Redirect::to("/your-data/held").into_response())
        }
        refused => refuse(why_not(&refused)),
    }
}

/// Why a code did not prove the address, and what to do.
fn why_not(checked: &ProofCheck) -> String {
    match checked {
        ProofCheck::Wrong { tries_left } if *tries_left > 0 => format!(
            "That code is not right. Check the email and try again: you have {tries_left} {} left",
            if *tries_left == 1 { "try" } else { "tries" }
        ),
        ProofCheck::Expired => format!(
            "That code has expired: codes work for {} minutes. Ask for a new code",
            CODE_SECONDS / 60
        ),
        _ => format!(
            "That code cannot be used any more: it works for {MAX_TRIES} tries, once. Ask for a new code"
        ),
    }
}

/// Finished: the proof ends, and the address the visit held is forgotten.
pub async fn finish(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let session = page.session();
    if let Some(holder) = session.portal().and_then(|v| v.holder) {
        app.vault.forget_proof(&SubjectRef { id: holder }).await?;
    }
    session.set_portal(None);
    session.rotate();
    Ok(Redirect::to("/").into_response())
}
