//! Accounts for the public, where the site's config has `[accounts]`:
//! register, confirm the address, sign in and out, reset a forgotten
//! password, change the address or password, see what the account holds,
//! and delete it.
//!
//! Every value goes through the vault (`custodian_vault::accounts`). Pages
//! never say whether an address has an account: registering with one that
//! has, or asking to reset a password for one that has none, looks the same
//! as success, and the address's owner learns the rest by email.

mod confirm;
mod delete;
mod email;
mod page;
mod password;
mod reauth;
pub mod register;
mod reset;
mod sign_in;
pub mod signed_in;

use axum::Router;
use axum::routing::{get, post};
use custodian_vault::AccountRef;

use crate::error::AppResult;
use crate::state::AppState;

/// A confirmation link works for a day; an unconfirmed account goes with it.
pub const CONFIRM_SECONDS: i64 = 24 * 60 * 60;
/// A password-reset link works for an hour.
pub const RESET_SECONDS: i64 = 60 * 60;

pub fn router(state: &AppState) -> Router<AppState> {
    if state.checked.config.accounts.is_none() {
        return Router::new();
    }
    Router::new()
        .route("/account", get(page::show))
        .route(
            "/account/register",
            get(register::show).post(register::submit),
        )
        .route("/account/check-your-email", get(register::check_email))
        .route(
            "/account/confirm/{token}",
            get(confirm::show).post(confirm::submit),
        )
        .route("/account/sign-in", get(sign_in::show).post(sign_in::submit))
        .route("/account/sign-out", post(sign_in::sign_out))
        .route(
            "/account/reset-password",
            get(reset::show_request).post(reset::submit_request),
        )
        .route(
            "/account/reset-password/{token}",
            get(reset::show_new).post(reset::submit_new),
        )
        .route(
            "/account/change-password",
            get(password::show).post(password::submit),
        )
        .route(
            "/account/change-email",
            get(email::show).post(email::submit),
        )
        .route(
            "/account/confirm-email/{token}",
            get(email::show_confirm).post(email::submit_confirm),
        )
        .route("/account/delete", get(delete::show).post(delete::submit))
}

/// The per-connection limit on sending forms: an error on `field` when
/// this connection has sent too many, else none (and the send is counted).
pub async fn over_limit(
    app: &AppState,
    client: &crate::client::ClientAddress,
    field: &'static str,
) -> Option<crate::fields::FieldError> {
    (!app.submission_limiter.allow(app, client.0).await).then(|| {
        crate::fields::FieldError::new(
            field,
            "There have been too many attempts from your connection. Wait a minute, then try again",
        )
    })
}

/// A page that explains why a link did not work and where to go instead.
pub fn link_problem(
    page: &crate::page::Page,
    title: &str,
    paragraphs: Vec<String>,
    next: (&str, &str),
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let link = minijinja::context! { href => next.0, text => next.1 };
    let mut response = page
        .render(
            "error.html",
            title,
            minijinja::context! { paragraphs, link },
        )?
        .into_response();
    *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(response)
}

/// An absolute link for an email: the site's public address and a path.
pub fn link(app: &AppState, path: &str) -> String {
    format!("{}{path}", app.options.public_url.trim_end_matches('/'))
}

/// Messages with a link that anyone can ask to be sent to any address:
/// at most [`LINKS_PER_HOUR`] of them go to one address in an hour, so the
/// site cannot be used to flood someone's inbox.
const LINK_TEMPLATES: [&str; 4] = [
    "account_confirm",
    "account_exists",
    "password_reset",
    "email_change_confirm",
];
pub const LINKS_PER_HOUR: i64 = 3;

/// Whether another link may go to `to` this hour; counts it. Counted under
/// a keyed hash of the address, never the address.
async fn link_allowed(app: &AppState, to: &str) -> AppResult<bool> {
    let key = crate::throttle::key(app, "mail", &to.trim().to_lowercase(), None);
    let now = app.clock.unix();
    app.store
        .record_sign_in_failure(&key, now, now - 3600)
        .await?;
    Ok(app.store.sign_in_failures(&key, now - 3600).await? <= LINKS_PER_HOUR)
}

/// Queue a message about an account to `to`, for the purpose accounts
/// serve. A link over the hour's allowance for the address is not sent,
/// and the page says the same either way.
pub async fn send(
    app: &AppState,
    account: &AccountRef,
    to: &str,
    template: &str,
    values: serde_json::Value,
) -> AppResult<()> {
    let Some(config) = &app.checked.config.accounts else {
        return Ok(());
    };
    if LINK_TEMPLATES.contains(&template) && !link_allowed(app, to).await? {
        tracing::info!(
            template,
            "not sent: the address has had {LINKS_PER_HOUR} links this hour"
        );
        return Ok(());
    }
    crate::mail::queue(
        app,
        crate::mail::Recipient {
            subject: &account.subject,
            to,
            purpose: config.purpose.get_ref(),
            category: config.email_category.get_ref(),
        },
        template,
        values,
    )
    .await
}

/// A password changed (or reset): every other session of the account ends
/// now, and its address is told, with how to undo it if it was not them.
pub async fn password_was_changed(
    app: &AppState,
    account: &AccountRef,
    email: &str,
) -> AppResult<()> {
    app.store
        .delete_sessions_of(&format!("account:{}", account.id))
        .await?;
    send(
        app,
        account,
        email,
        "password_changed",
        serde_json::json!({ "reset": link(app, "/account/reset-password") }),
    )
    .await
}

/// A user name: what people can type and read back. Letters, digits and
/// `.`, `-` or `_`; never an `@`, so a user name cannot pass for an address.
pub fn check_username(username: &str) -> Result<(), String> {
    let n = username.chars().count();
    if n == 0 {
        return Err("Enter a user name".into());
    }
    if !(3..=30).contains(&n) {
        return Err("User name must be between 3 and 30 characters".into());
    }
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(
            "User name must only include letters, numbers, full stops, hyphens and underscores"
                .into(),
        );
    }
    Ok(())
}
