//! Accounts for the public, as a site declares them: `[accounts]`.
//!
//! An account holds an email address, a user name and a password (kept only
//! as an Argon2id hash). Each is personal data, so the table names the
//! purpose accounts serve and the category of each field, and the checks in
//! [`check_accounts`] refuse a purpose that does not use them or whose
//! retention cannot be read. A site without the table offers no accounts.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::Checker;
use crate::model::SiteConfig;
use crate::retention::RetentionRule;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// The purpose an account serves, e.g. "your_account".
    pub purpose: Spanned<String>,
    pub email_category: Spanned<String>,
    pub username_category: Spanned<String>,
    pub password_category: Spanned<String>,
}

impl Accounts {
    /// (field, category) for each value an account holds.
    pub fn fields(&self) -> [(&'static str, &str); 3] {
        [
            ("email", self.email_category.get_ref()),
            ("username", self.username_category.get_ref()),
            ("password", self.password_category.get_ref()),
        ]
    }
}

pub(crate) fn check_accounts(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
) {
    let Some(accounts) = &config.accounts else {
        return;
    };
    check_section(
        c,
        config,
        retention,
        &Section {
            table: "accounts",
            serves: "accounts serve",
            purpose: &accounts.purpose,
            categories: &[
                ("email_category", &accounts.email_category),
                ("username_category", &accounts.username_category),
                ("password_category", &accounts.password_category),
            ],
            retention_example: "2 years after your last sign-in",
        },
    );
}

/// A table that names the purpose its values serve and the category of
/// each (`[accounts]`, `[rights]`).
pub(crate) struct Section<'a> {
    pub table: &'a str,
    /// How an error begins: "accounts serve", "requests are handled for".
    pub serves: &'a str,
    pub purpose: &'a Spanned<String>,
    /// (key, category) for each value.
    pub categories: &'a [(&'a str, &'a Spanned<String>)],
    pub retention_example: &'a str,
}

/// The purpose exists and has a readable retention rule, and each category
/// exists and is one the purpose uses.
pub(crate) fn check_section(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
    section: &Section<'_>,
) {
    let policy = &config.policy;
    let purpose_ids: Vec<&String> = policy.purposes.keys().collect();
    let category_ids: Vec<&String> = policy.categories.keys().collect();
    let purpose = section.purpose;
    let purpose_ok = c.reference("purpose", &purpose_ids, purpose, "policy.purposes");
    if purpose_ok && !retention.contains_key(purpose.get_ref()) {
        c.error(
            purpose.span(),
            format!(
                "{} purpose `{}`, which has no readable retention rule",
                section.serves,
                purpose.get_ref()
            ),
            format!(
                "give the purpose a retention rule such as \"{}\"",
                section.retention_example
            ),
        );
    }
    for (key, category) in section.categories {
        if !c.reference("category", &category_ids, category, "policy.categories") || !purpose_ok {
            continue;
        }
        let uses = policy.purposes.get(purpose.get_ref()).is_some_and(|p| {
            p.categories
                .iter()
                .any(|k| k.get_ref() == category.get_ref())
        });
        if !uses {
            c.error(
                category.span(),
                format!(
                    "{}.{key} is `{}`, but purpose `{}` does not use that category",
                    section.table,
                    category.get_ref(),
                    purpose.get_ref()
                ),
                format!(
                    "add \"{}\" to the categories of [policy.purposes.{}]",
                    category.get_ref(),
                    purpose.get_ref()
                ),
            );
        }
    }
}
