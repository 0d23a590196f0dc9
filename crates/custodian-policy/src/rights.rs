//! People's rights over their data, as a site declares how it handles them:
//! `[rights]`.
//!
//! A request to see, correct or delete what is held, or to object, is itself
//! personal data: the address the person proved, what they asked for, and
//! what staff did. The table names the purpose that handling serves and the
//! category of each, so the vault can stamp and keep them like anything else.
//! Without the table the site offers no `/your-data` portal, and
//! `policy check` says so.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

use crate::accounts::{Section, check_section};
use crate::check::Checker;
use crate::forms::parse_day;
use crate::model::SiteConfig;
use crate::retention::RetentionRule;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    /// The purpose handling requests serves, e.g. "your_rights".
    pub purpose: Spanned<String>,
    /// The category of the address a person proves they control.
    pub email_category: Spanned<String>,
    /// The category of what they ask for and what staff record about it.
    pub request_category: Spanned<String>,
    /// Days other than weekends on which no one works ("2026-12-25"): a
    /// deadline falling on one moves to the next working day.
    #[serde(default)]
    pub holidays: Vec<Spanned<String>>,
}

impl Rights {
    /// The holidays as dates; `policy check` has refused any it cannot read.
    pub fn holiday_dates(&self) -> Vec<Date> {
        self.holidays
            .iter()
            .filter_map(|h| parse_day(h.get_ref()).ok())
            .collect()
    }
}

/// Whether people work on `day`: Monday to Friday, and not one of the
/// holidays. Request deadlines and forms' response targets both count so.
pub fn is_working_day(day: Date, holidays: &[Date]) -> bool {
    !matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    ) && !holidays.contains(&day)
}

pub(crate) fn check_rights(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
) {
    let Some(rights) = &config.rights else {
        return;
    };
    check_section(
        c,
        config,
        retention,
        &Section {
            table: "rights",
            serves: "requests are handled for",
            purpose: &rights.purpose,
            categories: &[
                ("email_category", &rights.email_category),
                ("request_category", &rights.request_category),
            ],
            retention_example: "2 years after the request is closed",
        },
    );
    for holiday in &rights.holidays {
        if parse_day(holiday.get_ref()).is_err() {
            c.error(
                holiday.span(),
                format!("`{}` is not a date", holiday.get_ref()),
                "write holidays as YYYY-MM-DD, e.g. \"2026-12-25\"",
            );
        }
    }
}
