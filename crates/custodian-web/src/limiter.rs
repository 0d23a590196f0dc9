//! A limit on submissions per client address per minute, shared by every
//! instance, with no address written anywhere.
//!
//! The count lives in the database; the address is hashed under a key
//! shared through the store, and only 20 bits of the hash are kept: about
//! 4,000 IPv4 addresses (and uncountably many IPv6 ones) share each value,
//! so a row can say "someone among these sent 3 forms this minute" and
//! never who. Rows older than the minute before last are deleted as new
//! ones come.
//!
//! The window slides: last minute's attempts count in proportion to how
//! much of the last 60 seconds they share with it, so a burst that
//! straddles a minute's end is limited as one burst rather than starting
//! afresh at :00. Two people whose addresses share a value share the
//! allowance, which at the limits used here nobody notices.

use std::net::IpAddr;

use hmac::{KeyInit, Mac};

use crate::client::bucket;
use crate::state::AppState;

/// How many bits of the keyed hash of an address are kept.
const CLIENT_BITS: u32 = 20;

pub struct Limiter {
    per_minute: i64,
    /// Shared by every instance (server_secrets), so that they agree on
    /// which value an address has.
    key: Vec<u8>,
}

impl Limiter {
    pub fn per_minute(n: u32, key: Vec<u8>) -> Limiter {
        Limiter {
            per_minute: i64::from(n.max(1)),
            key,
        }
    }

    /// The value an address is counted under: 20 bits of the keyed hash
    /// of its [`bucket`].
    fn client(&self, address: IpAddr) -> Option<i64> {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(bucket(address).to_string().as_bytes());
        let hash = mac.finalize().into_bytes();
        let top = u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]) >> (32 - CLIENT_BITS);
        Some(i64::from(top))
    }

    /// Whether one more submission from `address` is allowed now; counts it.
    /// A database that cannot count lets it through: whatever the person
    /// was doing will meet the same database and fail or succeed there.
    pub async fn allow(&self, app: &AppState, address: Option<IpAddr>) -> bool {
        self.allow_at(app, "submissions", address).await
    }

    /// The same, counted apart under `door` (staff sign-in, say), so one
    /// kind of request does not use up another's allowance.
    pub async fn allow_at(&self, app: &AppState, door: &str, address: Option<IpAddr>) -> bool {
        let Some(client) = address.and_then(|a| self.client(a)) else {
            return true;
        };
        let now = app.clock.unix();
        let minute = now.div_euclid(60);
        match app.store.count_attempt(door, client, minute).await {
            Ok(attempts) => within(attempts, now.rem_euclid(60), self.per_minute),
            Err(e) => {
                tracing::warn!(error = %e, "the rate limit could not be counted");
                true
            }
        }
    }
}

/// Whether `attempts` fit `per_minute` over the 60 seconds up to `second`
/// (0 to 59) of this minute: all of this minute's, and the share of last
/// minute's that falls inside the window, assuming they were spread evenly.
fn within(attempts: custodian_store::Attempts, second: i64, per_minute: i64) -> bool {
    // In sixtieths of an attempt, to stay in integers.
    let weighed = attempts.this_minute * 60 + attempts.last_minute * (60 - second);
    weighed <= per_minute * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempts(this_minute: i64, last_minute: i64) -> custodian_store::Attempts {
        custodian_store::Attempts {
            this_minute,
            last_minute,
        }
    }

    #[test]
    fn a_burst_across_a_minutes_end_is_still_one_burst() {
        // Three allowed a minute: two at :59, then two more at :00.
        assert!(within(attempts(1, 2), 0, 3));
        assert!(!within(attempts(2, 2), 0, 3));
        // Half a minute on, half of last minute's still count.
        assert!(within(attempts(2, 2), 30, 3));
        assert!(!within(attempts(3, 2), 30, 3));
        // Within one minute it is a plain count.
        assert!(within(attempts(3, 0), 10, 3));
        assert!(!within(attempts(4, 0), 10, 3));
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_is_itself() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("2001:db8:1:2:ffff:1:2:3")), ip("2001:db8:1:2::"));
        assert_ne!(bucket(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        let limiter = Limiter::per_minute(2, vec![7; 32]);
        assert_eq!(
            limiter.client(ip("2001:db8::1")),
            limiter.client(ip("2001:db8::ffff:2"))
        );
    }

    #[test]
    fn an_address_keeps_only_20_bits_of_its_keyed_hash() {
        let limiter = Limiter::per_minute(2, vec![7; 32]);
        let a = limiter.client(IpAddr::from([10, 0, 0, 1]));
        assert_eq!(a, limiter.client(IpAddr::from([10, 0, 0, 1])));
        assert!(a.is_some_and(|v| (0..1 << 20).contains(&v)));
        // Another key gives another value: nothing is fixed to the address.
        let other = Limiter::per_minute(2, vec![8; 32]);
        assert_ne!(a, other.client(IpAddr::from([10, 0, 0, 1])));
    }
}
