//! Campaigns imported from other sites' feeds. Fetching is a job (see
//! `custodian campaigns fetch`); it stores each feed's last good copy, and
//! every instance reads those copies again at most once a minute.

use std::sync::Arc;

use custodian_policy::CheckedConfig;
use custodian_policy::campaigns::{CheckedCampaign, feed};
use custodian_store::Store;
use tokio::sync::RwLock;

/// How long an instance keeps its copy before reading the store again.
const RELOAD_SECONDS: i64 = 60;

#[derive(Default)]
pub struct Imported {
    cached: RwLock<Option<(i64, Arc<Vec<CheckedCampaign>>)>>,
}

impl Imported {
    /// The imported campaigns, read again from the store when stale. A
    /// store that cannot be read leaves the last copy in place.
    pub async fn current(
        &self,
        checked: &CheckedConfig,
        store: &Store,
        now: i64,
    ) -> Arc<Vec<CheckedCampaign>> {
        if checked.campaigns.imports.is_empty() {
            return Arc::default();
        }
        if let Some((at, list)) = &*self.cached.read().await
            && now - at < RELOAD_SECONDS
        {
            return list.clone();
        }
        let mut cached = self.cached.write().await;
        if let Some((at, list)) = &*cached
            && now - at < RELOAD_SECONDS
        {
            return list.clone();
        }
        let list = match store.campaign_feeds().await {
            Ok(feeds) => Arc::new(from_feeds(checked, &feeds)),
            Err(e) => {
                tracing::warn!(error = %e, "could not read imported campaign feeds");
                cached.as_ref().map(|(_, l)| l.clone()).unwrap_or_default()
            }
        };
        *cached = Some((now, list.clone()));
        list
    }

    /// Forget the copy, so the next showing reads the store.
    pub async fn refresh(&self) {
        *self.cached.write().await = None;
    }
}

/// Campaigns of every stored feed that this site's config still imports,
/// in the places it gives them.
pub fn from_feeds(
    checked: &CheckedConfig,
    feeds: &[custodian_store::campaigns::StoredFeed],
) -> Vec<CheckedCampaign> {
    checked
        .campaigns
        .imports
        .iter()
        .filter_map(|import| {
            let stored = feeds.iter().find(|f| f.url == import.url)?;
            feed::read(&import.url, &stored.body, &import.places).ok()
        })
        .flat_map(|read| read.campaigns)
        .collect()
}
