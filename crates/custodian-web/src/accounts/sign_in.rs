//! `/account/sign-in` and `/account/sign-out`. Sign-in is throttled per
//! account across instances (the count is in the database), takes as long
//! for an unknown name as for a wrong password, and carries what the person
//! was filling in anonymously into their account.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_vault::AccountRef;
use custodian_vault::accounts::Credentials;
use minijinja::context;
use serde::Deserialize;

use super::signed_in::{SignedIn, clear_status_cookie, sign_in};
use crate::error::AppResult;
use crate::fields::{FieldError, invalid};
use crate::middleware::session::Flash;
use crate::page::Page;
use crate::passwords::{decoy_hash, verify_off_thread};
use crate::state::AppState;
use crate::throttle::{self, Verdict};

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "return")]
    return_to: String,
}

#[derive(Deserialize, Default)]
pub struct ReturnQuery {
    #[serde(default, rename = "return")]
    return_to: String,
}

/// Only a path on this site, so the parameter cannot send anyone elsewhere.
pub fn safe_return(path: &str) -> Option<&str> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 200
        && path.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(path)
}

pub async fn show(page: Page, Query(query): Query<ReturnQuery>) -> AppResult<Response> {
    if page.account().is_some() {
        return Ok(Redirect::to("/account").into_response());
    }
    let signed_out = page.flash == Some(Flash::AccountSignedOut);
    let password_changed = page.flash == Some(Flash::PasswordChanged);
    Ok(page
        .render(
            "accounts/sign_in.html",
            "Sign in",
            context! {
                signed_out,
                password_changed,
                login => "",
                return_to => safe_return(&query.return_to),
            },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    headers: HeaderMap,
    client: crate::client::ClientAddress,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let login = form.login.trim().to_owned();
    let return_to = safe_return(&form.return_to).map(str::to_owned);
    let mut errors = missing(&login, &form);
    if errors.is_empty() {
        // Per connection as well as per account, so that trying one
        // password on many accounts is slowed too.
        errors.extend(super::over_limit(&app, &client, "login").await);
    }
    if !errors.is_empty() {
        return refuse(&page, &login, return_to.as_deref(), errors);
    }
    let refused = |text: String| {
        let errors = vec![FieldError::new("login", text)];
        refuse(&page, &login, return_to.as_deref(), errors)
    };
    let now = app.clock.unix();
    let credentials = app.vault.credentials(&login).await?;
    let account_tried = credentials.as_ref().map(|c| &c.account);
    // One count per account and connection whether its user name or its
    // address is typed, shared with the password asked before dangerous
    // changes; a name that finds no account is counted under itself.
    let key = account_tried.map_or_else(
        || throttle::key(&app, "account", &login, client.0),
        |account| super::reauth::throttle_key(&app, account, client.0),
    );
    if let Verdict::Wait(seconds) = throttle::check(&app, &key, now).await? {
        audit_refusal(&app, now, account_tried, "too many attempts").await?;
        return refused(format!(
            "There have been too many attempts to sign in to this account. Wait {}, then try again, or reset your password",
            Verdict::minutes(seconds)
        ));
    }
    let Some(account) = password_right(credentials.as_ref(), &form.password).await else {
        throttle::failed(&app, &key, now).await?;
        let why = "wrong email address, user name or password";
        audit_refusal(&app, now, account_tried, why).await?;
        return refused("The email address, user name or password is not right".to_owned());
    };
    if !account.verified {
        audit_refusal(&app, now, Some(&account), "email address not confirmed").await?;
        return refused(
            "You need to confirm your email address first: follow the link in the email we sent you"
                .to_owned(),
        );
    }
    throttle::succeeded(&app, &key).await?;
    let to = return_to.as_deref().unwrap_or("/account");
    signed_in(&app, &page, &headers, &account, to, now).await
}

/// The account, if the password is right for it. The same work whether
/// or not the login found an account, so timing does not tell.
async fn password_right(credentials: Option<&Credentials>, password: &str) -> Option<AccountRef> {
    let hash = credentials.map_or_else(|| decoy_hash().to_owned(), |c| c.password_hash.clone());
    let right = verify_off_thread(hash, password.to_owned()).await;
    credentials.filter(|_| right).map(|c| c.account.clone())
}

/// The session becomes the account's, the sign-in is audited, and the
/// browser goes where it was going.
async fn signed_in(
    app: &AppState,
    page: &Page,
    headers: &HeaderMap,
    account: &AccountRef,
    to: &str,
    now: i64,
) -> AppResult<Response> {
    let mut response = Redirect::to(to).into_response();
    sign_in(app, page.session(), headers, account, &mut response).await?;
    app.store
        .audit(
            now,
            &format!("account:{}", account.id),
            "sign in",
            Some(&account.subject.id),
            "",
        )
        .await?;
    Ok(response)
}

/// The fields left empty, each with its error.
fn missing(login: &str, form: &SignInForm) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if login.is_empty() {
        errors.push(FieldError::new(
            "login",
            "Enter your email address or user name",
        ));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    errors
}

/// Refusals go in the audit log for a security investigation: under the
/// account when it exists, otherwise without the name tried, which may be
/// anyone's email address.
async fn audit_refusal(
    app: &AppState,
    now: i64,
    account: Option<&AccountRef>,
    why: &str,
) -> AppResult<()> {
    let (actor, subject) = match account {
        Some(a) => (format!("account:{}", a.id), Some(a.subject.id.as_str())),
        None => ("account:(unknown name)".to_owned(), None),
    };
    app.store
        .audit(now, &actor, "sign in refused", subject, why)
        .await?;
    Ok(())
}

fn refuse(
    page: &Page,
    login: &str,
    return_to: Option<&str>,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    invalid(
        page,
        "accounts/sign_in.html",
        "Sign in",
        context! { errors, login, return_to },
    )
}

pub async fn sign_out(
    State(app): State<AppState>,
    page: Page,
    headers: HeaderMap,
    signed_in: Option<axum::Extension<SignedIn>>,
) -> AppResult<Response> {
    if let Some(axum::Extension(SignedIn(account))) = signed_in {
        app.store
            .audit(
                app.clock.unix(),
                &format!("account:{}", account.id),
                "sign out",
                Some(&account.subject.id),
                "",
            )
            .await?;
    }
    page.session().end_privileges();
    page.session().set_flash(Flash::AccountSignedOut);
    let mut response = Redirect::to("/account/sign-in").into_response();
    clear_status_cookie(&app, &headers, &mut response);
    Ok(response)
}
