//! The measurement cookie (`[measurement]`): once someone says yes to its
//! consent question, their browser is given a random number, and each page
//! it comes back with is counted, so the statistics can say how many
//! different browsers (or, for a session cookie, visits) there were each
//! day. The number goes to the counter in memory, which hashes it under a
//! salt made at random for each day and never stored; only a sketch of the
//! day's hashes is saved, so nothing kept can link a browser's days, or be
//! tested against a number copied from someone's device.
//!
//! A number is counted only when the browser sends it back, so a client
//! that throws cookies away is not counted again on every page. Without a
//! yes there is no cookie and nothing is counted. Once the answer is no
//! (or has lapsed with a policy change), the next page read removes the
//! cookie; the cookies page also removes it at once when someone says no.

use axum::http::{HeaderMap, Method};
use custodian_policy::measurement::MeasurementCookie;

use crate::consent::ConsentChoice;
use crate::cookie_numbers;
use crate::middleware::security_headers::is_https;
use crate::middleware::session::read_cookie;
use crate::state::AppState;

/// What one request adds to the count, and the cookie to send with it.
#[derive(Default)]
pub struct Measured {
    /// The browser's number, when it sent one back and may be counted.
    pub number: Option<u128>,
    pub cookie: Option<cookie::Cookie<'static>>,
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
            number: u128::from_str_radix(number, 16).ok(),
            cookie: None,
        },
        (true, _) if reading => Measured {
            number: None,
            cookie: Some(fresh_cookie(app, headers, cookie, cookie_numbers::fresh())),
        },
        (false, Some(_)) if reading => Measured {
            number: None,
            cookie: Some(cookie_numbers::removal(&cookie.name)),
        },
        _ => Measured::default(),
    }
}
