//! `/staff/sign-in` and `/staff/sign-out`: username, password and a code
//! from an authenticator app; limited per connection, and slowed per
//! account and connection (`throttle.rs`) across instances.

use axum::Form;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Redirect, Response};
use custodian_store::audit::staff_actor;
use custodian_store::staff::StaffRow;
use minijinja::context;
use serde::Deserialize;

use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::FieldError;
use crate::middleware::session::{Flash, StaffSignIn};
use crate::page::Page;
use crate::staff::StaffUser;
use crate::staff::credentials::{check_totp, decoy_hash, verify_password};
use crate::state::AppState;
use crate::throttle::{self, Verdict};

/// Argon2 runs in at most this many threads at once.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn show(page: Page) -> AppResult<Response> {
    if page.session().staff().is_some() {
        return Ok(Redirect::to("/staff").into_response());
    }
    let signed_out = page.flash == Some(Flash::SignedOut);
    Ok(page
        .render(
            "staff/sign_in.html",
            "Sign in to the staff area",
            context! { signed_out, username => "" },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_lowercase();
    let errors = missing(&username, &form);
    if !errors.is_empty() {
        return refuse(&page, &username, errors);
    }

    // Per connection as well as per account, so that trying one password
    // on many accounts is slowed too.
    if !app
        .submission_limiter
        .allow_at(&app, "staff sign-in", client.0)
        .await
    {
        let text =
            "There have been too many attempts from your connection. Wait a minute, then try again"
                .to_owned();
        return refuse_on_username(&page, &username, text);
    }
    let now = app.clock.unix();
    let key = throttle::key(&app, "staff", &username, client.0);
    let account = app.store.staff(&username).await?;
    if let Verdict::Wait(seconds) = throttle::check(&app, &key, now).await? {
        audit_refusal(&app, now, &username, account.is_some(), "too many attempts").await?;
        let text = format!(
            "There have been too many attempts to sign in to this account from your connection. Wait {}, then try again.",
            Verdict::minutes(seconds)
        );
        return refuse_on_username(&page, &username, text);
    }

    let accepted = credentials_accepted(&app, account.as_ref(), &form, now).await?;
    let known = account.is_some();
    let Some(account) = account.filter(|_| accepted) else {
        throttle::failed(&app, &key, now).await?;
        // The same work whether or not the name exists, so timing does not
        // tell.
        audit_refusal(
            &app,
            now,
            &username,
            known,
            "wrong username, password or code",
        )
        .await?;
        let text = "The username, password or code is not right".to_owned();
        return refuse_on_username(&page, &username, text);
    };
    throttle::succeeded(&app, &key).await?;
    signed_in(&app, &page, &account, now).await
}

/// The session becomes the staff member's, and the sign-in is audited.
async fn signed_in(
    app: &AppState,
    page: &Page,
    account: &StaffRow,
    now: i64,
) -> AppResult<Response> {
    page.session().sign_in_staff(StaffSignIn {
        id: account.id.clone(),
        version: account.credential_version,
        since: now,
    });
    app.store
        .audit(
            now,
            &staff_actor(&account.username),
            "sign in",
            None,
            &account.role,
        )
        .await?;
    Ok(Redirect::to("/staff").into_response())
}

/// The fields left empty, each with its error.
fn missing(username: &str, form: &SignInForm) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if username.is_empty() {
        errors.push(FieldError::new("username", "Enter your username"));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    if form.code.trim().is_empty() {
        errors.push(FieldError::new(
            "code",
            "Enter the 6-digit code from your authenticator app",
        ));
    }
    errors
}

/// Whether the password and the authenticator code are right for the
/// account, using up the code's time step so it cannot be replayed.
async fn credentials_accepted(
    app: &AppState,
    account: Option<&StaffRow>,
    form: &SignInForm,
    now: i64,
) -> AppResult<bool> {
    // An account waiting for its person to set it up has no password: it
    // takes the same time as any other, so waiting accounts cannot be told.
    let hash = account
        .filter(|a| a.enrolled())
        .map_or_else(|| decoy_hash().to_owned(), |a| a.password_hash.clone());
    let password = form.password.clone();
    // Argon2 is deliberately slow: keep it off the threads serving others,
    // and run at most a few at once (each takes about 19 MiB).
    let permit = ARGON2_SLOTS.acquire().await;
    let password_ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    drop(permit);
    let (Some(account), true) = (account, password_ok) else {
        return Ok(false);
    };
    let secret = match app
        .vault
        .open_staff_secret(&account.username, &account.totp_sealed)
    {
        Ok(secret) => secret,
        Err(e) => {
            tracing::error!(error = %e, "a staff sign-in secret cannot be opened");
            return Ok(false);
        }
    };
    let Some(step) = check_totp(&secret, &form.code, u64::try_from(now).unwrap_or(0)) else {
        return Ok(false);
    };
    Ok(app
        .store
        .use_totp_step(&account.username, i64::try_from(step).unwrap_or(i64::MAX))
        .await?)
}

/// A refused sign-in goes in the audit log under the account it was for;
/// an unknown name is not written down.
async fn audit_refusal(
    app: &AppState,
    now: i64,
    username: &str,
    known: bool,
    why: &str,
) -> AppResult<()> {
    let actor = if known {
        staff_actor(username)
    } else {
        "staff:(unknown name)".to_owned()
    };
    app.store
        .audit(now, &actor, "sign in refused", None, why)
        .await?;
    Ok(())
}

/// Refused with one message, on the username field (which part was wrong
/// is never said).
fn refuse_on_username(page: &Page, username: &str, text: String) -> AppResult<Response> {
    refuse(page, username, vec![FieldError::new("username", text)])
}

fn refuse(page: &Page, username: &str, errors: Vec<FieldError>) -> AppResult<Response> {
    let html = page.render(
        "staff/sign_in.html",
        "Error: Sign in to the staff area",
        context! { errors, username },
    )?;
    Ok((axum::http::StatusCode::BAD_REQUEST, html).into_response())
}

pub async fn sign_out(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
) -> AppResult<Response> {
    app.store
        .audit(app.clock.unix(), &user.actor(), "sign out", None, "")
        .await?;
    page.session().end_privileges();
    page.session().set_flash(Flash::SignedOut);
    Ok(Redirect::to("/staff/sign-in").into_response())
}
