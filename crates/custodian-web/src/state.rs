//! What every request can see: the checked policy, the store, the templates
//! and the keys, prepared once at start-up.

use std::sync::Arc;

use custodian_policy::notice::{self, PublishedAs};
use custodian_policy::{CheckedConfig, version};
use custodian_store::Store;
use custodian_store::policy_versions::Publication;
use custodian_vault::server_secrets::Legacy;

use crate::render::{Templates, format_date};
use custodian_app::Clock;
use custodian_app::updates::{SubscriptionLinks, Updates};

/// Options the operator sets outside the policy file.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a client has to send a request's body whole.
    pub body_read_timeout: std::time::Duration,
    /// How long an idle session lives on the server, in seconds.
    pub session_idle_seconds: i64,
    /// How long a staff sign-in lasts however busy it is, in seconds.
    pub staff_session_seconds: i64,
    /// How long a sign-in to a public account lasts however busy it is.
    pub account_session_seconds: i64,
    /// A form sent back sooner than this after its first page was shown is
    /// refused as automated.
    pub min_fill_seconds: i64,
    /// Form submissions accepted per minute from one client address.
    pub submissions_per_minute: u32,
    /// Where people reach the site, for links in emails: `--public-url`,
    /// else the config's `site.base_url`, else the listening address.
    pub public_url: String,
    /// Where the server's own requests go to be counted for site usage
    /// statistics; none counts nothing.
    pub page_hits: Option<crate::middleware::page_stats::PageHits>,
    /// The statistics site the server's own pages are counted under.
    pub page_stats_site: String,
    /// Served over TLS by this process (`serve --tls-cert`): every request
    /// is HTTPS, so cookies are `Secure` and HSTS is sent.
    pub tls: bool,
    /// Who may read `/metrics`.
    pub metrics: crate::metrics::MetricsAccess,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            body_limit: 64 * 1024,
            body_read_timeout: std::time::Duration::from_secs(20),
            session_idle_seconds: 24 * 60 * 60,
            staff_session_seconds: 12 * 60 * 60,
            account_session_seconds: 7 * 24 * 60 * 60,
            min_fill_seconds: 3,
            submissions_per_minute: 30,
            public_url: "http://127.0.0.1:8080".to_owned(),
            page_hits: None,
            page_stats_site: "custodian".to_owned(),
            tls: false,
            metrics: Default::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] custodian_store::StoreError),
    #[error(transparent)]
    Vault(#[from] custodian_vault::VaultError),
    #[error("templates: {0}")]
    Templates(#[from] minijinja::Error),
    #[error(
        "this database holds the site of \"{held}\", but the config is for \"{config}\": publishing it here would make one organisation's notice a new version of another's. Give each site its own data directory (--data-dir) or database. If the organisation itself has a new name, set CUSTODIAN_ACCEPT_NEW_CONTROLLER=1 for the one start that publishes it"
    )]
    AnotherSite { held: String, config: String },
}

/// The notice as `/privacy` shows it: a first layer in plain words (see
/// `custodian_policy::layered`), then every section of the full notice,
/// each one a reader opens. Rendered once, at start.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayeredNotice {
    pub introduction_html: Option<String>,
    pub first_layer_html: String,
    pub sections: Vec<LayeredSection>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LayeredSection {
    pub id: String,
    pub heading: String,
    pub html: String,
}

impl LayeredNotice {
    fn of(checked: &CheckedConfig) -> LayeredNotice {
        use crate::render::markdown_to_html;
        LayeredNotice {
            introduction_html: checked
                .config
                .policy
                .introduction
                .as_deref()
                .map(markdown_to_html),
            first_layer_html: markdown_to_html(
                &custodian_policy::layered::first_layer(checked).markdown,
            ),
            sections: custodian_policy::notice::sections(checked)
                .into_iter()
                .zip(notice::contents(checked))
                .map(|((id, _, body), heading)| LayeredSection {
                    id,
                    heading: heading.text,
                    html: markdown_to_html(&body),
                })
                .collect(),
        }
    }
}

/// Refuse to publish one organisation's notice as a new version of
/// another's: the data directory of one example reused for another.
async fn same_site(store: &Store, checked: &CheckedConfig) -> Result<(), StartupError> {
    let Some(json) = store.latest_policy_json().await? else {
        return Ok(());
    };
    let held = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v.pointer("/controller/name")?.as_str().map(str::to_owned));
    let config = &checked.config.policy.controller.name;
    match held {
        Some(held)
            if held != *config
                && std::env::var("CUSTODIAN_ACCEPT_NEW_CONTROLLER").as_deref() != Ok("1") =>
        {
            Err(StartupError::AnotherSite {
                held,
                config: config.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// The keys every instance shares, sealed under the master key in the
/// database (the vault's `server_secrets.rs`): a copy of the database alone
/// opens none.
struct ServerKeys {
    csrf: Vec<u8>,
    session_ids: Vec<u8>,
    update_links: Vec<u8>,
    campaign_numbers: Vec<u8>,
    rate_limits: Vec<u8>,
}

impl ServerKeys {
    async fn open(
        vault: &custodian_vault::Vault,
        now: i64,
    ) -> Result<Self, custodian_vault::VaultError> {
        let key = |name| vault.server_secret(name, Legacy::Replace, now);
        Ok(Self {
            csrf: key("csrf").await?,
            session_ids: key("session ids").await?,
            // Links already emailed must keep working; the rest can start
            // afresh.
            update_links: vault
                .server_secret("update links", Legacy::Keep, now)
                .await?,
            campaign_numbers: key("campaign numbers").await?,
            rate_limits: key("rate limits").await?,
        })
    }
}

pub struct Inner {
    pub checked: CheckedConfig,
    pub store: Store,
    /// The one door for personal data.
    pub vault: Arc<custodian_vault::Vault>,
    /// The master key ring, when keys are local (so an administrator can
    /// rotate them from the staff area); none when a KMS holds them.
    pub vault_keys: Option<Arc<custodian_vault::LocalKeys>>,
    pub templates: Templates,
    pub clock: Clock,
    pub options: ServeOptions,
    /// Signs CSRF tokens; shared by every instance through the store.
    pub csrf_key: Vec<u8>,
    /// Signs session identifiers, so one a client invents is never adopted.
    pub session_key: Vec<u8>,
    /// Signs the links that manage a subscription, under a key shared the
    /// same way.
    pub update_links: SubscriptionLinks,
    pub published: PublishedAs,
    pub content_hash: String,
    /// The notice body, rendered to HTML once.
    pub notice_html: String,
    /// `/privacy` in layers: the short version, then each section to open.
    pub layered: LayeredNotice,
    /// Sends mail through the outbox; none where the caller sends none.
    pub mailer: Option<Arc<custodian_mail::Mailer>>,
    /// Form submissions per client address (hashed, never stored).
    pub submission_limiter: crate::limiter::Limiter,
    /// Keys the stored form of campaign cookie numbers; shared by every
    /// instance through the store.
    pub campaign_key: Vec<u8>,
    /// Campaigns from other sites' feeds, as last read from the store.
    pub imported_campaigns: crate::campaigns::imported::Imported,
    /// Showings without the campaign cookie, written in batches.
    pub uncounted_campaigns: Arc<crate::campaigns::uncounted::Uncounted>,
    /// This process's counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// What queueing updates needs, from this server's parts.
    pub fn updates(&self) -> Updates<'_> {
        Updates {
            store: &self.store,
            vault: &self.vault,
            mailer: self.mailer.as_deref(),
            checked: &self.checked,
            clock: &self.clock,
            links: &self.update_links,
            public_values: crate::mail::public_values(self, "update"),
        }
    }

    /// Publish the policy if its content changed since the last version, and
    /// prepare everything pages need. Migrations must already have run.
    pub async fn start(
        checked: CheckedConfig,
        store: Store,
        vault: Arc<custodian_vault::Vault>,
        vault_keys: Option<Arc<custodian_vault::LocalKeys>>,
        clock: Clock,
        options: ServeOptions,
        mailer: Option<Arc<custodian_mail::Mailer>>,
    ) -> Result<(AppState, Publication), StartupError> {
        let now = clock.unix();
        same_site(&store, &checked).await?;
        let notice_markdown = notice::body_markdown(&checked);
        let content_hash = version::content_hash(&checked.config.policy, &notice_markdown);
        let publication = store
            .publish_policy(
                &content_hash,
                &version::canonical_json(&checked.config.policy),
                &notice_markdown,
                now,
            )
            .await?;
        let v = publication.version();
        let published = PublishedAs {
            sequence: v.sequence,
            date: format_date(v.published_at),
        };
        let keys = ServerKeys::open(&vault, now).await?;
        let update_links = SubscriptionLinks::new(keys.update_links, &options.public_url);
        let notice_html = crate::render::markdown_to_html(&notice_markdown);
        let layered = LayeredNotice::of(&checked);
        let templates = Templates::new()?;
        let submission_limiter =
            crate::limiter::Limiter::per_minute(options.submissions_per_minute, keys.rate_limits);
        // Computed once, now, rather than on the first sign-in's thread.
        let _ = crate::passwords::decoy_hash();
        let state = AppState(Arc::new(Inner {
            checked,
            store,
            vault,
            vault_keys,
            templates,
            clock,
            options,
            csrf_key: keys.csrf,
            session_key: keys.session_ids,
            update_links,
            published,
            content_hash,
            notice_html,
            layered,
            mailer,
            submission_limiter,
            campaign_key: keys.campaign_numbers,
            imported_campaigns: Default::default(),
            metrics: Default::default(),
            uncounted_campaigns: Default::default(),
        }));
        Ok((state, publication))
    }
}
