//! Which campaign a browser sees in a slot.
//!
//! With the campaign cookie accepted, the browser's anonymous number (as a
//! keyed hash) tells how often it has seen each campaign lately: a
//! campaign at its cap is skipped, and of the rest the one it has seen
//! least is shown. Without consent there is no cookie, no number and no
//! cap: campaigns take turns. Every showing is counted per campaign per
//! day; reach counts distinct numbers.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::HeaderMap;
use axum::response::Response;
use custodian_policy::campaigns::CheckedCampaign;
use hmac::{KeyInit, Mac};

use crate::consent::ConsentChoice;
use crate::cookie_numbers;
use crate::error::AppResult;
use crate::middleware::security_headers::is_https;
use crate::middleware::session::{append_cookie, read_cookie};
use crate::state::AppState;

/// Turns taken by browsers without the cookie, shared by every slot of
/// this process. Rotation needs no more than that.
static TURN: AtomicUsize = AtomicUsize::new(0);

/// The campaign chosen and any cookie to set or remove with it.
pub struct Chosen {
    pub campaign: Option<CheckedCampaign>,
    cookie: Option<cookie::Cookie<'static>>,
}

impl Chosen {
    pub fn apply_cookie(&self, response: &mut Response) {
        if let Some(cookie) = &self.cookie {
            append_cookie(response, cookie);
        }
        // Chosen per browser: no shared cache may keep it.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
}

/// The number as stored: a keyed hash, so the table alone cannot be
/// matched against a cookie someone has copied.
fn browser_key(key: &[u8], number: &str) -> Vec<u8> {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(number.as_bytes());
    mac.finalize().into_bytes()[..16].to_vec()
}

pub async fn choose(
    app: &AppState,
    headers: &HeaderMap,
    consent: &ConsentChoice,
    place: &str,
) -> AppResult<Chosen> {
    let today = app.clock.now().date();
    let day = app.clock.unix().div_euclid(86_400);
    let imported = app
        .imported_campaigns
        .current(&app.checked, &app.store, app.clock.unix())
        .await;
    let due: Vec<&CheckedCampaign> = app
        .checked
        .campaigns
        .campaigns
        .iter()
        .chain(imported.iter())
        .filter(|c| c.runs_on(today) && c.places.iter().any(|p| p == place))
        .collect();

    let (number, cookie) = campaign_cookie(app, headers, consent, !due.is_empty());
    if due.is_empty() {
        return Ok(Chosen {
            campaign: None,
            cookie,
        });
    }
    let browser = number.as_deref().map(|n| browser_key(&app.campaign_key, n));
    let campaign = match &browser {
        Some(browser) => least_shown(app, &due, browser, day).await?,
        None => {
            let turn = TURN.fetch_add(1, Ordering::Relaxed);
            due.get(turn % due.len()).map(|c| (*c).clone())
        }
    };
    match (&campaign, &browser) {
        (Some(c), Some(browser)) => {
            // The cap needs this browser's showings at its next page.
            app.store.record_campaign_show(&c.id, day, browser).await?;
        }
        (Some(c), None) => app.uncounted_campaigns.add(&c.id, day),
        (None, _) => {}
    }
    Ok(Chosen { campaign, cookie })
}

/// The browser's campaign number where its cookie is allowed (a fresh one
/// when a campaign is due and it has none), and the cookie to set: the new
/// number, or its removal where consent was withdrawn or has lapsed.
fn campaign_cookie(
    app: &AppState,
    headers: &HeaderMap,
    consent: &ConsentChoice,
    any_due: bool,
) -> (Option<String>, Option<cookie::Cookie<'static>>) {
    let cookie_config = app.checked.campaigns.cookie.as_ref();
    let allowed = cookie_config.is_some_and(|c| consent.allows(&app.checked, &c.consent_category));
    let present = cookie_config
        .and_then(|c| read_cookie(headers, &c.name))
        .filter(|v| cookie_numbers::valid(v));
    match (cookie_config, allowed, present) {
        (Some(_), true, Some(n)) => (Some(n.to_owned()), None),
        (Some(c), true, None) if any_due => {
            let fresh = cookie_numbers::fresh();
            let cookie = cookie::Cookie::build((c.name.clone(), fresh.clone()))
                .path("/")
                .http_only(true)
                .same_site(cookie::SameSite::Lax)
                .secure(is_https(app, headers))
                .max_age(time::Duration::days(i64::from(c.max_age_days)))
                .build();
            (Some(fresh), Some(cookie))
        }
        (Some(c), false, _) if read_cookie(headers, &c.name).is_some() => {
            // Consent was withdrawn or has lapsed: the number goes.
            (None, Some(cookie_numbers::removal(&c.name)))
        }
        _ => (None, None),
    }
}

/// Of the due campaigns this browser has not reached the cap of, the one
/// it has been shown least in each campaign's cap window.
async fn least_shown(
    app: &AppState,
    due: &[&CheckedCampaign],
    browser: &[u8],
    day: i64,
) -> AppResult<Option<CheckedCampaign>> {
    let settings = &app.checked.campaigns;
    let window = i64::from(settings.window_days);
    let seen = app.store.browser_shows(browser, day - window + 1).await?;
    let shows_of = |c: &CheckedCampaign| -> i64 {
        let days = i64::from(
            c.cap
                .map_or(settings.window_days, |cap| cap.days)
                .min(settings.window_days),
        );
        seen.iter()
            .filter(|s| s.campaign == c.id && s.day > day - days)
            .map(|s| s.shows)
            .sum()
    };
    Ok(due
        .iter()
        .map(|c| (shows_of(c), *c))
        .filter(|(shows, c)| c.cap.is_none_or(|cap| *shows < i64::from(cap.times)))
        .min_by_key(|(shows, _)| *shows)
        .map(|(_, c)| c.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_numbers_are_keyed() {
        assert_ne!(browser_key(b"k1", "a"), browser_key(b"k2", "a"));
        assert_eq!(browser_key(b"k1", "a").len(), 16);
    }
}
