//! Background jobs inside `serve`, registered in one list ([`periodic`]).
//! Periodic jobs cut time into slots of their period; an instance runs a
//! slot only after claiming it in the database, so however many instances
//! share it, each slot runs once. Mail has its own leases per message (see
//! custodian-mail), so its delivery loop runs on every instance.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use custodian_mail::Mailer;
use custodian_store::Store;
use custodian_web::metrics::Metrics;
use custodian_web::{AppState, Clock};

/// What a job's run returns: a future borrowing the job.
pub type Run<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A job that runs once per period across every instance.
pub trait Periodic: Send + Sync + 'static {
    /// Its name in the `job_runs` table, the log and the metrics.
    fn name(&self) -> &'static str;
    /// How often it runs.
    fn period(&self) -> Duration;
    /// One run, at `now`.
    fn run(&self, now: i64) -> Run<'_>;
}

/// Every periodic job `serve` runs: `interval` is `--job-interval`.
pub fn periodic(state: &AppState, interval: Duration) -> Vec<Box<dyn Periodic>> {
    vec![
        Box::new(Retention {
            state: state.clone(),
            interval,
        }),
        Box::new(CampaignShowings {
            state: state.clone(),
            interval,
        }),
        Box::new(CampaignFeeds {
            state: state.clone(),
        }),
        Box::new(SessionSweep {
            store: state.store.clone(),
            interval,
        }),
        Box::new(WeeklySummaries {
            state: state.clone(),
        }),
    ]
}

/// Starts each job in its own task, claiming its slots as `owner`.
pub fn spawn(
    jobs: Vec<Box<dyn Periodic>>,
    store: &Store,
    clock: &Clock,
    owner: &str,
    metrics: &Arc<Metrics>,
) -> Vec<tokio::task::JoinHandle<()>> {
    jobs.into_iter()
        .map(|job| {
            tokio::spawn(every(
                job,
                store.clone(),
                clock.clone(),
                owner.to_owned(),
                metrics.clone(),
            ))
        })
        .collect()
}

/// Runs `job` once per period across every instance.
async fn every(
    job: Box<dyn Periodic>,
    store: Store,
    clock: Clock,
    owner: String,
    metrics: Arc<Metrics>,
) {
    let name = job.name();
    let step = i64::try_from(job.period().as_secs().max(1)).unwrap_or(i64::MAX);
    loop {
        let now = clock.unix();
        let slot = now / step;
        match store.claim_job_slot(name, slot, &owner, now).await {
            Ok(true) => {
                job.run(now).await;
                metrics.job_ran(name);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(job = name, error = %e, "could not claim a job slot"),
        }
        // Sleep to the start of the next slot.
        let wait = u64::try_from((slot + 1) * step - now)
            .unwrap_or(1)
            .clamp(1, step.unsigned_abs());
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// Deletes what the policy's retention rules say is due.
struct Retention {
    state: AppState,
    interval: Duration,
}

impl Periodic for Retention {
    fn name(&self) -> &'static str {
        "retention"
    }

    fn period(&self) -> Duration {
        self.interval
    }

    fn run(&self, now: i64) -> Run<'_> {
        Box::pin(async move {
            match self.state.vault.enforce_retention(now).await {
                Ok(run) if run.records_deleted > 0 || run.subjects_deleted > 0 => {
                    self.state
                        .metrics
                        .retention_deleted(run.records_deleted, run.subjects_deleted);
                    tracing::info!(
                        records = run.records_deleted,
                        subjects = run.subjects_deleted,
                        "retention deleted what was due"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention could not run"),
            }
        })
    }
}

/// Forgets campaign showings no frequency cap needs any more.
struct CampaignShowings {
    state: AppState,
    interval: Duration,
}

impl Periodic for CampaignShowings {
    fn name(&self) -> &'static str {
        "campaign showings"
    }

    fn period(&self) -> Duration {
        self.interval
    }

    fn run(&self, now: i64) -> Run<'_> {
        Box::pin(custodian_app::campaigns::forget_views(
            &self.state.checked,
            &self.state.store,
            now,
        ))
    }
}

/// Reads the campaign feeds the policy imports from other sites.
struct CampaignFeeds {
    state: AppState,
}

/// How often imported campaign feeds are read again.
const CAMPAIGN_FEED_PERIOD: Duration = Duration::from_secs(15 * 60);

impl Periodic for CampaignFeeds {
    fn name(&self) -> &'static str {
        "campaign feeds"
    }

    fn period(&self) -> Duration {
        CAMPAIGN_FEED_PERIOD
    }

    fn run(&self, now: i64) -> Run<'_> {
        Box::pin(async move {
            if self.state.checked.campaigns.imports.is_empty() {
                return;
            }
            let results =
                custodian_app::campaigns::fetch_all(&self.state.checked, &self.state.store, now)
                    .await;
            custodian_app::campaigns::log(&results);
            self.state.imported_campaigns.refresh().await;
        })
    }
}

/// Removes expired sessions, and sign-in failures too old to matter.
struct SessionSweep {
    store: Store,
    interval: Duration,
}

impl Periodic for SessionSweep {
    fn name(&self) -> &'static str {
        "session sweep"
    }

    fn period(&self) -> Duration {
        self.interval
    }

    fn run(&self, now: i64) -> Run<'_> {
        Box::pin(async move {
            match self.store.delete_expired_sessions(now).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
            }
            // Every sign-in lockout window is far shorter than a day.
            if let Err(e) = self.store.forget_sign_in_failures(now - 86_400).await {
                tracing::warn!(error = %e, "could not forget old sign-in failures");
            }
        })
    }
}

/// Queues the weekly summaries of email updates.
struct WeeklySummaries {
    state: AppState,
}

impl Periodic for WeeklySummaries {
    fn name(&self) -> &'static str {
        "weekly summaries"
    }

    fn period(&self) -> Duration {
        Duration::from_secs(custodian_app::updates::WEEK_SECONDS.unsigned_abs())
    }

    fn run(&self, now: i64) -> Run<'_> {
        Box::pin(async move {
            match custodian_app::updates::weekly(&self.state.updates(), now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(summaries = n, "weekly summaries queued"),
                Err(e) => tracing::warn!(error = %e, "weekly summaries could not run"),
            }
        })
    }
}

/// Delivers due mail every `interval`, and as soon as this instance queues
/// some.
pub async fn deliver_mail(mailer: Arc<Mailer>, clock: Clock, interval: Duration) {
    loop {
        let now = {
            let clock = clock.clone();
            move || clock.unix()
        };
        match mailer.deliver_due(&now).await {
            Ok(run) if run.sent + run.retrying + run.failed > 0 => {
                tracing::info!(
                    sent = run.sent,
                    retrying = run.retrying,
                    failed = run.failed,
                    "mail delivery"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail delivery could not run"),
        }
        mailer
            .wait_for_mail(interval.max(Duration::from_secs(1)))
            .await;
    }
}
