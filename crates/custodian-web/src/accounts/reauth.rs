//! The current password, asked again before a change that would let
//! whoever holds the session keep the account: a new address, a new
//! password, deleting it. A wrong guess counts against the same throttle
//! as signing in to that account, so a session left open is no faster a
//! way to guess the password than the sign-in page.

use std::net::IpAddr;

use custodian_vault::AccountRef;

use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::FieldError;
use crate::passwords::verify_off_thread;
use crate::state::AppState;
use crate::throttle::{self, Verdict};

/// The key failed attempts on `account` from `client` are counted under,
/// whichever name (user name or address) was typed, here or at sign-in.
pub fn throttle_key(app: &AppState, account: &AccountRef, client: Option<IpAddr>) -> Vec<u8> {
    // Its own label: a login typed at sign-in is counted under "account",
    // so typing someone's account id there counts against nobody.
    throttle::key(app, "account id", &account.id, client)
}

/// None when `typed` is the account's password; otherwise the error to show
/// on `field`. Audited when refused, as a refused sign-in is.
pub async fn check_current_password(
    app: &AppState,
    account: &AccountRef,
    client: &ClientAddress,
    typed: &str,
    field: &'static str,
) -> AppResult<Option<FieldError>> {
    if typed.is_empty() {
        return Ok(Some(FieldError::new(field, "Enter your current password")));
    }
    let now = app.clock.unix();
    let key = throttle_key(app, account, client.0);
    if let Verdict::Wait(seconds) = throttle::check(app, &key, now).await? {
        audit(app, now, account, "too many attempts").await?;
        return Ok(Some(FieldError::new(
            field,
            format!(
                "There have been too many wrong passwords for this account. Wait {}, then try again, or reset your password",
                Verdict::minutes(seconds)
            ),
        )));
    }
    let username = app.vault.account_details(account).await?.username;
    let hash = app
        .vault
        .credentials(&username)
        .await?
        .map(|c| c.password_hash)
        .unwrap_or_default();
    if verify_off_thread(hash, typed.to_owned()).await {
        throttle::succeeded(app, &key).await?;
        return Ok(None);
    }
    throttle::failed(app, &key, now).await?;
    audit(app, now, account, "wrong current password").await?;
    Ok(Some(FieldError::new(
        field,
        "Your current password is not right",
    )))
}

async fn audit(app: &AppState, now: i64, account: &AccountRef, why: &str) -> AppResult<()> {
    app.store
        .audit(
            now,
            &format!("account:{}", account.id),
            "re-authentication refused",
            Some(&account.subject.id),
            why,
        )
        .await?;
    Ok(())
}
