//! Email updates: the signed links in every message, writing an update to
//! topics, queueing its recipients a page at a time, and the weekly
//! summaries. The web layer, the jobs and a restarted server share them.

mod digest;
mod links;
mod queue;
mod send;

use custodian_mail::Mailer;
use custodian_policy::CheckedConfig;
use custodian_store::Store;
use custodian_vault::Vault;

pub use digest::{WEEK_SECONDS, weekly};
pub use links::SubscriptionLinks;
pub use queue::{carry_on, resume_all};
pub use send::{Update, record_update};

use crate::Clock;

/// What queueing updates needs.
pub struct Updates<'a> {
    pub store: &'a Store,
    pub vault: &'a Vault,
    /// None where the site sends no mail: nothing is queued.
    pub mailer: Option<&'a Mailer>,
    pub checked: &'a CheckedConfig,
    pub clock: &'a Clock,
    pub links: &'a SubscriptionLinks,
    /// What every message to the public carries besides its own values
    /// (the site's name, where to get help now, the your-data link).
    pub public_values: serde_json::Map<String, serde_json::Value>,
}

/// The purpose and category an update's copy in the vault is kept under:
/// the first of its topics' purpose, and the updates' email category.
pub fn stamp<'a>(checked: &'a CheckedConfig, topics: &[String]) -> (&'a str, &'a str) {
    let config = &checked.config;
    let purpose = topics
        .first()
        .and_then(|t| config.topics.get(t))
        .or_else(|| config.topics.values().next())
        .map_or("", |t| t.purpose.get_ref().as_str());
    let category = config
        .updates
        .as_ref()
        .map_or("", |u| u.email_category.get_ref().as_str());
    (purpose, category)
}
