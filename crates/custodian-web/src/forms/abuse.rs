//! Keeping automated submissions out without a third-party CAPTCHA: a
//! honeypot field people never see, a minimum time to fill a form in, and a
//! limit on submissions per client address. The address is hashed under a
//! key that lives only in this process's memory and is never written
//! anywhere, so the limiter cannot become a record of who sent what.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{KeyInit, Mac};

use crate::state::AppState;

/// The honeypot's field name: something a form-filling robot wants to fill.
pub const HONEYPOT: &str = "website";

pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<[u8; 32]>,
    /// Random per process; addresses are hashed under it.
    key: [u8; 32],
}

impl Limiter {
    pub fn per_minute(n: u32) -> Limiter {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Limiter {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            key: rand::random(),
        }
    }

    /// Whether one more submission from `address` is allowed now.
    pub fn allow(&self, address: Option<IpAddr>) -> bool {
        let Some(address) = address else {
            return true;
        };
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key) else {
            return true;
        };
        mac.update(address.to_string().as_bytes());
        let hashed: [u8; 32] = mac.finalize().into_bytes().into();
        // Keys of addresses quiet for a while are dropped, so memory stays
        // bounded by the number of recent senders.
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&hashed).is_ok()
    }
}

/// The client's address, for the limiter only: the peer, or behind a proxy
/// we trust, the address that proxy saw.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddress(client_address(
            &parts.headers,
            peer,
            app.checked.config.site.trust_proxy,
        )))
    }
}

/// The peer, or behind a proxy we trust, the last entry of X-Forwarded-For
/// (the one that proxy appended).
pub(crate) fn client_address(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    trust_proxy: bool,
) -> Option<IpAddr> {
    if trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    peer.map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_allowance() {
        let limiter = Limiter::per_minute(2);
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(limiter.allow(a) && limiter.allow(a));
        assert!(!limiter.allow(a));
        assert!(limiter.allow(b));
    }
}
