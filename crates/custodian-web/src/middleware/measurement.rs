//! The measurement cookie (`[measurement]`): once someone says yes to its
//! consent question, their browser is given a random number, and each page
//! they see is counted by a keyed hash of it, so the statistics can say
//! how many different browsers (or, for a session cookie, visits) there
//! were on a day and over any range. The number is never stored; only a
//! sketch that cannot be turned back into numbers is.
//!
//! Without a yes there is no cookie and no hash. Once the answer is no (or
//! has lapsed with a policy change), the next page removes the cookie; the
//! cookies page also removes it at once when someone says no.

use axum::http::{HeaderMap, Method};
use custodian_policy::measurement::MeasurementCookie;
use hmac::{KeyInit, Mac};

use crate::consent::ConsentChoice;
use crate::cookie_numbers;
use crate::middleware::security_headers::is_https;
use crate::middleware::session::read_cookie;
use crate::state::AppState;

/// What one request adds to the count, and the cookie to send with it.
#[derive(Default)]
pub struct Measured {
    /// The keyed hash of the browser's number, when it may be counted.
    pub key: Option<u64>,
    pub cookie: Option<cookie::Cookie<'static>>,
}

/// The number as counted: keyed, so a sketch cannot be tested against a
/// number copied from someone's browser without the server's key.
fn counted_key(key: &[u8], number: &str) -> Option<u64> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(number.to_ascii_lowercase().as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8)?);
    Some(u64::from_be_bytes(first))
}

fn fresh_cookie(
    app: &AppState,
    headers: &HeaderMap,
    cookie: &MeasurementCookie,
    number: String,
) -> cookie::Cookie<'static> {
    let mut built = cookie::Cookie::build((cookie.name.clone(), number))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(is_https(app, headers));
    if let Some(days) = cookie.max_age_days() {
        built = built.max_age(time::Duration::days(i64::from(days)));
    }
    built.build()
}

pub fn measure(app: &AppState, method: &Method, headers: &HeaderMap) -> Measured {
    let Some(cookie) = &app.checked.measurement else {
        return Measured::default();
    };
    let consent = read_cookie(headers, &app.checked.cookie_names.consent)
        .map(ConsentChoice::parse)
        .unwrap_or_default();
    let allowed = consent.allows(&app.checked, &cookie.consent_category);
    let present = read_cookie(headers, &cookie.name);
    // A form sent with a change of mind must not be answered with a new
    // number: cookies are given and taken only on pages read.
    let reading = matches!(*method, Method::GET | Method::HEAD);
    match (allowed, present) {
        (true, Some(number)) if cookie_numbers::valid(number) => Measured {
            key: counted_key(&app.measurement_key, number),
            cookie: None,
        },
        (true, _) if reading => {
            let number = cookie_numbers::fresh();
            Measured {
                key: counted_key(&app.measurement_key, &number),
                cookie: Some(fresh_cookie(app, headers, cookie, number)),
            }
        }
        (false, Some(_)) if reading => Measured {
            key: None,
            cookie: Some(cookie_numbers::removal(&cookie.name)),
        },
        _ => Measured::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::counted_key;

    #[test]
    fn numbers_are_counted_under_the_servers_key() {
        let a = counted_key(b"k", "0123456789abcdef0123456789abcdef");
        assert_eq!(a, counted_key(b"k", "0123456789ABCDEF0123456789ABCDEF"));
        assert_ne!(a, counted_key(b"other", "0123456789abcdef0123456789abcdef"));
    }
}
