//! Staff enrolment, as a site declares it: `[staff]`.
//!
//! An administrator adding an account in the staff area gives the new
//! person's work email address; the server emails them a link, once, where
//! they choose their own password and add their own authenticator, so the
//! administrator never sees either. The address is personal data, held in
//! the vault only until the message has gone, so the table names the
//! purpose it serves and its category. A site without the table adds staff
//! from the command line only (`custodian staff add`).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::accounts::{Section, check_section};
use crate::check::Checker;
use crate::model::SiteConfig;
use crate::retention::RetentionRule;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    /// The purpose a new member of staff's address serves, e.g.
    /// "staff_accounts".
    pub purpose: Spanned<String>,
    pub email_category: Spanned<String>,
}

pub(crate) fn check_staff(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
) {
    let Some(staff) = &config.staff else {
        return;
    };
    check_section(
        c,
        config,
        retention,
        &Section {
            table: "staff",
            serves: "staff enrolment serves",
            purpose: &staff.purpose,
            categories: &[("email_category", &staff.email_category)],
            retention_example: "1 day",
        },
    );
}
