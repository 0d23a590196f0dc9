//! `[measurement]`: the optional cookie that counts how many different
//! people use the site, for those who say yes to it.
//!
//! Statistics from the server's own pages count visitors per day by a
//! keyed hash of address and browser, so someone who comes on two days
//! counts twice, and a phone that changes address counts again. A notice
//! that promises to measure use "using small files known as cookies"
//! promises more than that: the cookie holds a random number, and the
//! server counts distinct numbers per day and over any range, without
//! knowing who holds them. Without consent there is no cookie and nothing
//! is counted by it.
//!
//! The checks refuse a cookie that is not declared, is not behind a
//! consent question, or shares a name with one of the server's own.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::{Checker, CookieLifetime};
use crate::model::SiteConfig;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// The cookie holding the random number, declared in
    /// `[[policy.cookies]]` with `essential = false` and a consent category.
    pub cookie: Spanned<String>,
}

/// The measurement cookie as the server sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementCookie {
    pub name: String,
    /// The `[policy.cookie_categories]` question that allows it.
    pub consent_category: String,
    /// From the declared duration: a session cookie counts visits, a
    /// lasting one counts browsers across days.
    pub lifetime: CookieLifetime,
}

impl MeasurementCookie {
    /// What one number stands for, for the statistics page.
    pub fn counts_visits(&self) -> bool {
        matches!(self.lifetime, CookieLifetime::Session)
    }

    /// Max-Age in days, or `None` for a session cookie: never longer than
    /// declared in any month or year, and at most a year.
    pub fn max_age_days(&self) -> Option<u32> {
        match self.lifetime {
            CookieLifetime::Session => None,
            CookieLifetime::For(period) => Some(period.least_days().clamp(1, 365)),
        }
    }
}

/// The named cookie must be declared and sit behind a consent question.
pub(crate) fn check_measurement(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    cookie_lifetimes: &[CookieLifetime],
) -> Option<MeasurementCookie> {
    let name = &config.measurement.as_ref()?.cookie;
    let declared = crate::check::declared_cookie(config, cookie_lifetimes, name.get_ref());
    let Some((cookie, lifetime)) = declared else {
        c.error(
            name.span(),
            format!("[measurement] sets a cookie named `{}`, but the policy does not declare it", name.get_ref()),
            "add a [[policy.cookies]] entry for it with essential = false and the consent_category that asks for it",
        );
        return None;
    };
    let Some(category) = &cookie.consent_category else {
        c.error(
            cookie.name.span(),
            format!("the measurement cookie `{}` must sit behind a consent question", name.get_ref()),
            "set essential = false and consent_category = \"<id>\": counting people is never essential",
        );
        return None;
    };
    if let Some(by) = &cookie.set_by {
        c.error(
            by.span(),
            format!(
                "the measurement cookie `{}` is set by this server, not by `{}`",
                name.get_ref(),
                by.get_ref()
            ),
            "remove set_by, or remove [measurement] if another system sets it",
        );
    }
    Some(MeasurementCookie {
        name: name.get_ref().clone(),
        consent_category: category.get_ref().clone(),
        lifetime,
    })
}
