//! Who is signed in to a public account, settled once per request.
//!
//! A sign-in counts only while three things agree: the session says so,
//! the login-status cookie holds the random value whose hash the session
//! keeps, and the account still exists at the credential version it was
//! signed in under (a changed password or address ends other sign-ins).
//! Anything else signs the session out quietly. (Every page is sent with
//! `Cache-Control: no-store` already; the status cookie also lets a proxy
//! in front tell a signed-in request from the cookie alone.)

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use custodian_vault::AccountRef;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::middleware::security_headers::is_https;
use crate::middleware::session::{Session, SignedInAccount, append_cookie, host_only, read_cookie};
use crate::state::AppState;

/// The signed-in account, for handlers that need one.
#[derive(Debug, Clone)]
pub struct SignedIn(pub AccountRef);

pub fn status_hash(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random login-status value and what the session keeps of it.
pub fn new_status() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let value: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = status_hash(&value);
    (value, hash)
}

pub fn status_cookie(app: &AppState, https: bool, value: &str) -> Option<cookie::Cookie<'static>> {
    let name = host_only(app.checked.cookie_names.status.as_deref()?, https);
    Some(
        cookie::Cookie::build((name, value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .secure(https)
            .build(),
    )
}

/// Remove the login-status cookie from the browser.
pub fn clear_status_cookie(app: &AppState, headers: &HeaderMap, response: &mut Response) {
    if let Some(mut cookie) = status_cookie(app, is_https(app, headers), "") {
        cookie.make_removal();
        append_cookie(response, &cookie);
    }
}

pub async fn layer(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let Some(claimed) = session.account() else {
        return next.run(request).await;
    };
    let https = is_https(&app, request.headers());
    let cookie_ok = app
        .checked
        .cookie_names
        .status
        .as_deref()
        .and_then(|name| read_cookie(request.headers(), &host_only(name, https)))
        .is_some_and(|value| status_hash(value) == claimed.status);
    let now = app.clock.unix();
    let in_lifetime = now - claimed.since < app.options.account_session_seconds;
    let current = match app.vault.account(&claimed.id).await {
        Ok(found) => found,
        Err(e) => return AppError::from(e).into_response(),
    };
    let valid = current.filter(|a| {
        cookie_ok && in_lifetime && a.verified && a.credential_version == claimed.version
    });
    let Some(account) = valid else {
        // Everything the session held ends with the sign-in, a "your
        // data" proof made through the account included.
        session.end_privileges();
        let headers = request.headers().clone();
        let mut response = next.run(request).await;
        clear_status_cookie(&app, &headers, &mut response);
        return response;
    };
    request.extensions_mut().insert(SignedIn(account));
    next.run(request).await
}

/// Sign `account` in on this session: a new session id, a new status
/// cookie, and the anonymous session's form drafts moved into the account.
pub async fn sign_in(
    app: &AppState,
    session: &Session,
    headers: &HeaderMap,
    account: &AccountRef,
    response: &mut Response,
) -> Result<(), AppError> {
    let now = app.clock.unix();
    let anonymous_id = session.id();
    app.vault
        .signed_in(account, Some(&anonymous_id), now)
        .await?;
    let (value, hash) = new_status();
    session.sign_in_account(SignedInAccount {
        id: account.id.clone(),
        version: account.credential_version,
        status: hash,
        since: now,
    });
    if let Some(cookie) = status_cookie(app, is_https(app, headers), &value) {
        append_cookie(response, &cookie);
    }
    Ok(())
}

/// Handlers that take `SignedIn` are for signed-in people only: anyone
/// else is sent to sign in, and brought back afterwards.
impl axum::extract::FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<SignedIn>() {
            Some(found) => Ok(found.clone()),
            None => {
                let path = parts.uri.path();
                let target = if path == "/account" {
                    "/account/sign-in".to_owned()
                } else {
                    format!("/account/sign-in?return={path}")
                };
                Err(axum::response::Redirect::to(&target).into_response())
            }
        }
    }
}
