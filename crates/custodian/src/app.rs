//! The composition root: the site `serve` runs, built in one place from the
//! checked policy and the command line. `serve` binds, builds, announces
//! and waits for a signal; everything between is here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use custodian_mail::Mailer;
use custodian_policy::CheckedConfig;
use custodian_store::policy_versions::Publication;
use custodian_store::{Store, redact_url};
use custodian_web::{AppState, Clock, ServeOptions};
use tokio::task::JoinHandle;

use crate::cli::{Global, ServeArgs};
use crate::error::{CliError, CliResult};
use crate::site;

/// A site ready to serve: its state, and what runs beside the requests.
pub struct App {
    pub state: AppState,
    /// Where it listens.
    pub local: SocketAddr,
    /// Whether the notice was published by this start or was unchanged.
    pub publication: Publication,
    mailer: Arc<Mailer>,
    page_stats: Option<crate::page_stats::Counter>,
    anchor: Anchor,
    jobs: JobSettings,
}

/// The audit log's head, anchored outside the database (beside the key).
#[derive(Clone)]
struct Anchor {
    file: std::path::PathBuf,
    every: Duration,
    to_log: bool,
}

struct JobSettings {
    run: bool,
    interval: Duration,
    mail_interval: Duration,
}

/// What runs beside the requests until the server stops.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl App {
    /// Opens the database (migrating it), the vault and the mailer, binds
    /// `--listen` (only then: until the site is ready, connections are
    /// refused), and prepares every page. The policy was checked before
    /// anything was touched.
    pub async fn build(
        global: &Global,
        args: &ServeArgs,
        checked: CheckedConfig,
        https: bool,
    ) -> CliResult<(App, tokio::net::TcpListener)> {
        let store = open_store(global).await?;
        let clock = Clock::default();
        store.migrate(clock.unix()).await?;
        // The vault opens before anything is served: a missing or wrong
        // master key stops the server here, naming the cause.
        site::create_private_dir(&global.data_dir)?;
        let env_key = std::env::var("CUSTODIAN_MASTER_KEY").ok();
        let keys = custodian_vault::load_keys(&store, &site::key_file(global), env_key.as_deref())
            .await
            .map_err(|e| CliError::Runtime(e.into()))?;
        let vault = custodian_vault::Vault::open(
            store.clone(),
            keys.clone(),
            Arc::new(checked.clone()),
            clock.unix(),
        )
        .await
        .map_err(|e| CliError::Runtime(e.into()))?;
        let vault = Arc::new(vault);
        if global.config.is_none() {
            crate::demo::seed(&vault, clock.unix())
                .await
                .map_err(|e| CliError::Runtime(e.into()))?;
        }
        let mailer = Arc::new(site::mailer(global, store.clone(), vault.clone())?);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let local = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let page_stats = (!args.no_page_stats).then(|| {
            crate::page_stats::Counter::start(
                store.clone(),
                args.page_stats_site.clone(),
                Duration::from_secs(args.page_stats_seconds.max(1)),
            )
        });
        let options = serve_options(global, args, &checked, local, https, page_stats.as_ref());
        let (state, publication) = AppState::start(
            checked,
            store,
            vault,
            Some(keys),
            clock,
            options,
            Some(mailer.clone()),
        )
        .await
        .context("cannot prepare the site")?;
        if args.no_page_stats && state.checked.measurement.is_some() {
            tracing::warn!(
                "--no-page-stats: the measurement cookie the policy declares will not be set or counted, though the banner still asks about it"
            );
        }
        let app = App {
            state,
            local,
            publication,
            mailer,
            page_stats,
            anchor: Anchor {
                file: crate::audit_anchor::path(&global.data_dir),
                every: Duration::from_secs(args.audit_anchor_seconds.max(1)),
                to_log: args.audit_head_to_log,
            },
            jobs: JobSettings {
                run: !args.no_jobs,
                interval: Duration::from_secs(args.job_interval.max(1)),
                mail_interval: Duration::from_secs(args.mail_interval.max(1)),
            },
        };
        Ok((app, listener))
    }

    /// The routes, with the peer address for the form rate limiter (hashed
    /// in memory; never logged or stored).
    pub fn service(
        &self,
    ) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr> {
        custodian_web::router(self.state.clone()).into_make_service_with_connect_info()
    }

    /// Starts the jobs (unless `--no-jobs`), the writer of campaign
    /// showings counted in memory, and the audit anchor.
    pub async fn start_background(&self) -> Background {
        let state = &self.state;
        let mut tasks = Vec::new();
        if self.jobs.run {
            // Updates a stopped server left part-queued carry on.
            let resumed = state.clone();
            tasks.push(tokio::spawn(async move {
                if let Err(e) = custodian_app::updates::resume_all(&resumed.updates()).await {
                    tracing::error!(error = %e, "could not carry on queueing updates");
                }
            }));
            let owner = format!("{:016x}", rand_owner());
            tasks.extend(crate::jobs::spawn(
                crate::jobs::periodic(state, self.jobs.interval),
                &state.store,
                &state.clock,
                &owner,
                &state.metrics,
            ));
            tasks.push(tokio::spawn(crate::jobs::deliver_mail(
                self.mailer.clone(),
                state.clock.clone(),
                self.jobs.mail_interval,
            )));
        } else {
            tracing::info!(
                "--no-jobs: retention, the session sweep and mail delivery run elsewhere"
            );
        }
        // Showings without the campaign cookie are written every few
        // seconds (per instance: they are this instance's own counts).
        tasks.push(tokio::spawn({
            let state = state.clone();
            async move {
                loop {
                    tokio::time::sleep(UNCOUNTED_PERIOD).await;
                    write_uncounted_showings(&state).await;
                }
            }
        }));
        anchor_audit_head(&state.store, &self.anchor, &state.clock).await;
        tasks.push(tokio::spawn({
            let (store, anchor, clock) = (
                state.store.clone(),
                self.anchor.clone(),
                state.clock.clone(),
            );
            async move {
                loop {
                    tokio::time::sleep(anchor.every).await;
                    anchor_audit_head(&store, &anchor, &clock).await;
                }
            }
        }));
        Background { tasks }
    }

    /// After the last request: stops what runs beside them, writes what
    /// is held in memory, hands back mail leases, and closes the database.
    pub async fn finish(self, background: Background) {
        for task in background.tasks {
            task.abort();
        }
        let state = &self.state;
        write_uncounted_showings(state).await;
        anchor_audit_head(&state.store, &self.anchor, &state.clock).await;
        // Mail this instance had claimed but not sent goes back to the
        // queue now, for another instance (or the next start) to send.
        match self.mailer.release_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, "mail leases released"),
            Err(e) => tracing::warn!(error = %e, "could not release mail leases"),
        }
        if let Some(counter) = self.page_stats {
            counter.finish(Duration::from_secs(5)).await;
        }
        state.store.close().await;
    }
}

async fn open_store(global: &Global) -> CliResult<Store> {
    let url = site::database_url(global)?;
    match Store::connect(&url).await {
        Ok(store) => Ok(store),
        Err(e) if e.is_bad_url() => Err(e.into()),
        Err(e) => Err(anyhow::Error::new(e)
            .context(format!("cannot open the database at {}", redact_url(&url)))
            .into()),
    }
}

fn serve_options(
    global: &Global,
    args: &ServeArgs,
    checked: &CheckedConfig,
    local: SocketAddr,
    https: bool,
    page_stats: Option<&crate::page_stats::Counter>,
) -> ServeOptions {
    let scheme = if https { "https" } else { "http" };
    // The demo's base_url is the real site's: its links must come here.
    let configured = checked
        .config
        .site
        .base_url
        .clone()
        .filter(|_| global.config.is_some());
    let public_url = args
        .public_url
        .clone()
        .or(configured)
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    ServeOptions {
        body_read_timeout: Duration::from_secs(args.body_read_seconds.max(1)),
        staff_session_seconds: args.staff_session_seconds,
        account_session_seconds: args.account_session_seconds,
        min_fill_seconds: args.min_fill_seconds,
        submissions_per_minute: args.submissions_per_minute,
        public_url,
        page_hits: page_stats.map(|c| c.hits.clone()),
        page_stats_site: args.page_stats_site.clone(),
        tls: https,
        metrics: custodian_web::metrics::MetricsAccess {
            allow: args.metrics_allow.clone(),
            token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        },
        ..ServeOptions::default()
    }
}

/// Moves the anchored audit head forward; a failure is logged, and the
/// next run tries again.
async fn anchor_audit_head(store: &Store, anchor: &Anchor, clock: &Clock) {
    match crate::audit_anchor::advance(store, &anchor.file, clock.unix()).await {
        Ok(Some(head)) if anchor.to_log => {
            tracing::info!(seq = head.seq, hash = %head.hash, "audit head");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not anchor the audit log's head"),
    }
}

/// Writes the showings counted in memory since the last write; a failure
/// is logged and the counts stay for the next try.
async fn write_uncounted_showings(state: &AppState) {
    if let Err(e) = state.uncounted_campaigns.flush(&state.store).await {
        tracing::warn!(error = %e, "campaign showings could not be written");
    }
}

/// A name for this process in job and lease records.
fn rand_owner() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos().into())
        .unwrap_or(0)
        ^ u64::from(std::process::id()) << 32
}

/// How often showings without the campaign cookie are written.
const UNCOUNTED_PERIOD: Duration = Duration::from_secs(5);
