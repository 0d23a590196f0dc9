//! Email updates by topic, as a site declares them: `[updates]` says what
//! a subscription holds and `[topics.<id>]` what people may subscribe to.
//!
//! A subscription is personal data: the address, and (where there is more
//! than one topic) which topics the person chose, each a category that the
//! topics' purposes use. Where the notice offers postal information, a name
//! and postal address are collected for that purpose alone. The checks in
//! [`check_updates`] refuse a topic whose purpose does not rest on consent,
//! does not use the address's category or has no readable retention rule.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::Checker;
use crate::law::LawfulBasis;
use crate::model::SiteConfig;
use crate::retention::RetentionRule;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// The category of a subscriber's email address.
    pub email_category: Spanned<String>,
    /// The category of which topics a person chose. Required with more
    /// than one topic: the choice itself says something about them.
    #[serde(default)]
    pub choices_category: Option<Spanned<String>>,
    /// Only people signed in to an account may subscribe (as the Civil
    /// Service Jobs notice says: "to receive these email updates, you need
    /// to register").
    #[serde(default)]
    pub requires_account: bool,
    /// Information by post, where the notice offers it.
    #[serde(default)]
    pub postal: Option<Postal>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Postal {
    pub purpose: Spanned<String>,
    pub name_category: Spanned<String>,
    pub address_category: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// "New vacancies": a checkbox label and a heading.
    pub name: String,
    /// What and how often, as a checkbox hint.
    #[serde(default)]
    pub description: Option<String>,
    /// The purpose updates on this topic serve; it must rest on consent.
    pub purpose: Spanned<String>,
}

/// The first purpose, of these topics', that asks a parent's permission for
/// a child (`parental_consent`), if any does.
pub fn parent_purpose<'a, 'b>(
    config: &'a SiteConfig,
    topics: impl IntoIterator<Item = &'b str>,
) -> Option<&'a str> {
    topics
        .into_iter()
        .filter_map(|t| config.topics.get(t))
        .map(|t| t.purpose.get_ref().as_str())
        .find(|p| {
            config
                .policy
                .purposes
                .get(*p)
                .is_some_and(crate::model::Purpose::asks_parent)
        })
}

fn uses(config: &SiteConfig, purpose: &str, category: &str) -> bool {
    config
        .policy
        .purposes
        .get(purpose)
        .is_some_and(|p| p.categories.iter().any(|c| c.get_ref() == category))
}

pub(crate) fn check_updates(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
) {
    let policy = &config.policy;
    let purpose_ids: Vec<&String> = policy.purposes.keys().collect();
    let category_ids: Vec<&String> = policy.categories.keys().collect();
    let Some(updates) = &config.updates else {
        if let Some(id) = config.topics.keys().next() {
            c.error(
                c.find(&format!("[topics.{id}]")),
                "topics are declared but there is no [updates] table",
                "add [updates] with email_category = \"<category id>\": the category of a subscriber's address",
            );
        }
        return;
    };
    if config.topics.is_empty() {
        c.error(
            c.find("[updates]"),
            "[updates] is declared but there are no topics to subscribe to",
            "add a [topics.<id>] table with name and purpose",
        );
    }
    let email_ok = c.reference(
        "category",
        &category_ids,
        &updates.email_category,
        "policy.categories",
    );
    let choices_ok = match &updates.choices_category {
        Some(choices) => c.reference("category", &category_ids, choices, "policy.categories"),
        None if config.topics.len() > 1 => {
            c.error(
                c.find("[updates]"),
                "with more than one topic, which topics a person chose is personal data, and [updates] names no category for it",
                "add choices_category = \"<category id>\" naming a category such as \"Your email update choices\"",
            );
            false
        }
        None => false,
    };
    if updates.requires_account && config.accounts.is_none() {
        c.error(
            c.find("[updates]"),
            "updates.requires_account is set but the site has no [accounts]",
            "add an [accounts] table, or leave requires_account out",
        );
    }
    for (id, topic) in &config.topics {
        let table = format!("[topics.{id}]");
        if !crate::check::is_identifier(id) || id.len() > 40 {
            c.error(c.find(&table), format!("`{id}` is not a usable topic id"), "ids are lower case letters, digits and underscores, starting with a letter, at most 40 long");
        }
        if !c.reference("purpose", &purpose_ids, &topic.purpose, "policy.purposes") {
            continue;
        }
        let purpose_id = topic.purpose.get_ref();
        let Some(purpose) = policy.purposes.get(purpose_id) else {
            continue;
        };
        if purpose.lawful_basis != LawfulBasis::Consent {
            c.error(
                topic.purpose.span(),
                format!("topic `{id}` serves purpose `{purpose_id}`, which does not rest on consent"),
                "email updates are something people choose: give the purpose lawful_basis = \"consent\"",
            );
        }
        if !retention.contains_key(purpose_id) {
            c.error(
                topic.purpose.span(),
                format!("topic `{id}` serves purpose `{purpose_id}`, which has no readable retention rule"),
                "give the purpose a retention rule such as \"until you unsubscribe\"",
            );
        }
        if email_ok && !uses(config, purpose_id, updates.email_category.get_ref()) {
            c.error(
                topic.purpose.span(),
                format!(
                    "topic `{id}` serves purpose `{purpose_id}`, which does not use `{}`, the category of a subscriber's address",
                    updates.email_category.get_ref()
                ),
                format!("add \"{}\" to the purpose's categories", updates.email_category.get_ref()),
            );
        }
        if let Some(choices) = &updates.choices_category
            && choices_ok
            && !uses(config, purpose_id, choices.get_ref())
        {
            c.error(
                topic.purpose.span(),
                format!(
                    "topic `{id}` serves purpose `{purpose_id}`, which does not use `{}`, the category of the topics chosen",
                    choices.get_ref()
                ),
                format!("add \"{}\" to the purpose's categories", choices.get_ref()),
            );
        }
    }
    if let Some(postal) = &updates.postal
        && c.reference("purpose", &purpose_ids, &postal.purpose, "policy.purposes")
    {
        for (key, category) in [
            ("name_category", &postal.name_category),
            ("address_category", &postal.address_category),
        ] {
            if c.reference("category", &category_ids, category, "policy.categories")
                && !uses(config, postal.purpose.get_ref(), category.get_ref())
            {
                c.error(
                    category.span(),
                    format!(
                        "updates.postal.{key} is `{}`, but purpose `{}` does not use it",
                        category.get_ref(),
                        postal.purpose.get_ref()
                    ),
                    "add the category to the purpose: a postal address is collected for that purpose alone",
                );
            }
        }
        if !retention.contains_key(postal.purpose.get_ref()) {
            c.error(
                postal.purpose.span(),
                "the postal purpose has no readable retention rule",
                "give it a retention rule such as \"until you unsubscribe\"",
            );
        }
    }
}
