//! `/staff/enrol/<link>`: where a new member of staff, from the link
//! emailed to them, adds the account's authenticator secret to their phone
//! and chooses their own password, proving the app works with a code. The
//! link works once; nobody else ever sees the password or the secret.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custodian_store::audit::{Audit, staff_actor};
use custodian_store::staff::Enrolled;
use custodian_store::staff::StaffRow;
use minijinja::context;
use serde::Deserialize;

use super::admin::{ENROL_SECONDS, enrolment_hash};
use super::credentials::{NewTotp, check_password, check_totp, totp_for};
use crate::error::{AppError, AppResult};
use crate::fields::FieldError;
use crate::page::Page;
use crate::passwords::hash_off_thread;
use crate::staff::Role;
use crate::state::AppState;

const TITLE: &str = "Set up your staff account";

#[derive(Deserialize, Default)]
pub struct EnrolForm {
    /// "show": the button that reveals the secret was pressed.
    #[serde(default)]
    step: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

fn secrets(app: &AppState, account: &StaffRow) -> AppResult<NewTotp> {
    let secret = app
        .vault
        .open_staff_secret(&account.username, &account.totp_sealed)?;
    totp_for(&app.checked.config.site.name, &account.username, &secret).map_err(AppError::Internal)
}

/// The same page for a link that never worked, was used or has expired:
/// nothing says which, or whose.
fn gone(page: &Page) -> AppResult<Response> {
    let paragraphs = vec![
        format!(
            "Links to set up a staff account work once, for {} hours.",
            ENROL_SECONDS / 3600
        ),
        "Ask whoever runs the service to remove the account (`custodian staff remove`), then ask an administrator to add it again.".to_owned(),
    ];
    let html = page.render(
        "error.html",
        "This link has expired or has already been used",
        context! { paragraphs },
    )?;
    Ok((StatusCode::GONE, html).into_response())
}

/// The page: before its button is pressed, without the secret (so a mail
/// scanner that opens the link learns nothing); after, with it.
fn render(
    page: &Page,
    account: &StaffRow,
    secrets: Option<&NewTotp>,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let role = account
        .role
        .parse::<Role>()
        .map_or(account.role.clone(), |r| r.label().to_owned());
    let title = if errors.is_empty() {
        TITLE.to_owned()
    } else {
        format!("Error: {TITLE}")
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let html = page.render(
        "staff/enrol.html",
        &title,
        context! {
            username => account.username, role, errors,
            secret => secrets.map(|s| s.base32.clone()), uri => secrets.map(|s| s.uri.clone()),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some(account) = app.store.enrolling(&enrolment_hash(&token), now).await? else {
        return gone(&page);
    };
    render(&page, &account, None, Vec::new())
}

/// The authenticator step of the code typed, and every error in the form.
fn checked(
    form: &EnrolForm,
    username: &str,
    secret: &[u8],
    now: i64,
) -> (Option<u64>, Vec<FieldError>) {
    let mut errors = Vec::new();
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Choose a password"));
    } else if let Err(text) = check_password(&form.password, username) {
        errors.push(FieldError::new(
            "password",
            format!("Choose a different password: {text}"),
        ));
    }
    let step = check_totp(secret, &form.code, u64::try_from(now).unwrap_or(0));
    if step.is_none() {
        errors.push(FieldError::new(
            "code",
            "Enter the 6-digit code your authenticator app shows for this account",
        ));
    }
    (step, errors)
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Form(form): Form<EnrolForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let hash = enrolment_hash(&token);
    let Some(account) = app.store.enrolling(&hash, now).await? else {
        return gone(&page);
    };
    let secrets = secrets(&app, &account)?;
    if form.step == "show" {
        return render(&page, &account, Some(&secrets), Vec::new());
    }
    let (step, errors) = checked(&form, &account.username, &secrets.secret, now);
    let Some(step) = step.filter(|_| errors.is_empty()) else {
        return render(&page, &account, Some(&secrets), errors);
    };
    let password_hash = hash_off_thread(form.password.clone())
        .await
        .map_err(AppError::Internal)?;
    let enrolled = Enrolled {
        token_hash: &hash,
        password_hash: &password_hash,
        totp_step: i64::try_from(step).unwrap_or(i64::MAX),
    };
    let actor = staff_actor(&account.username);
    let audit = Audit {
        at: now,
        actor: &actor,
        action: "staff enrolled",
        subject: None,
    };
    if !app.store.complete_enrolment(&enrolled, &audit).await? {
        return gone(&page);
    }
    Ok(page
        .render(
            "staff/enrolled.html",
            "Your staff account is ready",
            context! { username => account.username },
        )?
        .into_response())
}
