//! Wrong passwords, for staff and public accounts alike, counted per
//! account *and* per connection (IPv6 by its /64): someone guessing from
//! their own connection slows only themselves, so nobody can lock a named
//! person out by typing wrong passwords for them. After a few failures each
//! further try waits longer (1 minute, then 2, 4, 8, at most 15), counted
//! from the last failure; the right password clears the count. Only keyed
//! hashes are stored, never the name tried or the address.

use std::net::IpAddr;

use crate::client::bucket;
use crate::error::AppResult;
use crate::state::AppState;

/// Failures allowed before any wait.
pub const FREE_FAILURES: i64 = 5;
/// The longest wait between tries, in seconds.
pub const LONGEST_WAIT: i64 = 15 * 60;

/// Seconds to wait after the last failure, with `failures` so far.
pub fn wait_after(failures: i64) -> i64 {
    wait_after_allowing(failures, FREE_FAILURES)
}

/// The same, with `free` failures before any wait.
pub fn wait_after_allowing(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from((failures - free).min(10)).unwrap_or(10);
    (60_i64 << doublings).min(LONGEST_WAIT)
}

/// Whether a try may go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Wait this many more seconds.
    Wait(i64),
}

impl Verdict {
    /// "1 minute", "15 minutes": how long, for the error message.
    pub fn minutes(seconds: i64) -> String {
        let minutes = (seconds + 59) / 60;
        if minutes == 1 {
            "1 minute".to_owned()
        } else {
            format!("{minutes} minutes")
        }
    }
}

/// The key tries on `who` (an account id or a username) through `door`
/// from `client` are counted under.
pub fn key(app: &AppState, door: &str, who: &str, client: Option<IpAddr>) -> Vec<u8> {
    let from = client.map_or_else(|| "-".to_owned(), |c| bucket(c).to_string());
    app.vault
        .sign_in_throttle_key(door, &format!("{who}\u{1f}{from}"))
}

pub async fn check(app: &AppState, key: &[u8], now: i64) -> AppResult<Verdict> {
    check_allowing(app, key, now, FREE_FAILURES).await
}

/// The same, with `free` failures before any wait.
pub async fn check_allowing(app: &AppState, key: &[u8], now: i64, free: i64) -> AppResult<Verdict> {
    let Some((failures, last)) = app.store.failures_since_success(key).await? else {
        return Ok(Verdict::Go);
    };
    let left = last + wait_after_allowing(failures, free) - now;
    Ok(if left > 0 {
        Verdict::Wait(left)
    } else {
        Verdict::Go
    })
}

pub async fn failed(app: &AppState, key: &[u8], now: i64) -> AppResult<()> {
    app.store.record_failure_at(key, now).await?;
    Ok(())
}

pub async fn succeeded(app: &AppState, key: &[u8]) -> AppResult<()> {
    app.store.clear_sign_in_failures(key).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_from_a_minute_to_fifteen() {
        assert_eq!(wait_after(0), 0);
        assert_eq!(wait_after(4), 0);
        assert_eq!(wait_after(5), 60);
        assert_eq!(wait_after(6), 120);
        assert_eq!(wait_after(8), 480);
        assert_eq!(wait_after(9), LONGEST_WAIT);
        assert_eq!(wait_after(1_000), LONGEST_WAIT);
        assert_eq!(Verdict::minutes(30), "1 minute");
        assert_eq!(Verdict::minutes(61), "2 minutes");
    }
}
