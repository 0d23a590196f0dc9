//! Who is asking, as far as the server needs to know: the client's
//! address, for rate limits, counting, and deciding who may read
//! `/metrics` (see `metrics.rs`), and nothing else. It is never written
//! anywhere as it is: the limiter keeps 20 bits of a keyed hash of its
//! [`bucket`], the statistics a hash under a salt that lives a day.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// The client's address: the peer, or behind a proxy we trust, the
/// address that proxy saw.
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

/// The unit a client is counted as: an IPv4 address, or an IPv6 address's
/// /64, since one household or phone is given a whole /64 and can use any
/// address in it. An IPv4 address written as IPv6 counts as itself.
pub fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(network))
            }
        },
    }
}
