//! Background jobs inside `serve`. Periodic jobs cut time into slots of
//! their interval; an instance runs a slot only after claiming it in the
//! database, so however many instances share it, each slot runs once.
//! Mail has its own leases per message (see custodian-mail).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use custodian_mail::Mailer;
use custodian_store::Store;
use custodian_vault::Vault;
use custodian_web::Clock;
use custodian_web::metrics::Metrics;

/// Run `task` once per `interval` across every instance.
pub async fn every<F, Fut>(
    store: Store,
    clock: Clock,
    owner: String,
    metrics: Arc<Metrics>,
    name: &'static str,
    interval: u64,
    task: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let interval = interval.max(1);
    loop {
        let now = clock.unix();
        let step = i64::try_from(interval).unwrap_or(i64::MAX);
        let slot = now / step;
        match store.claim_job_slot(name, slot, &owner, now).await {
            Ok(true) => {
                task().await;
                metrics.job_ran(name);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(job = name, error = %e, "could not claim a job slot"),
        }
        // Sleep to the start of the next slot.
        let wait = u64::try_from((slot + 1) * step - now)
            .unwrap_or(interval)
            .clamp(1, interval);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

pub async fn retention(vault: Arc<Vault>, clock: Clock, metrics: Arc<Metrics>) {
    match vault.enforce_retention(clock.unix()).await {
        Ok(run) if run.records_deleted > 0 || run.subjects_deleted > 0 => {
            metrics.retention_deleted(run.records_deleted, run.subjects_deleted);
            tracing::info!(
                records = run.records_deleted,
                subjects = run.subjects_deleted,
                "retention deleted what was due"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "retention could not run"),
    }
}

pub async fn sweep_sessions(store: Store, clock: Clock) {
    match store.delete_expired_sessions(clock.unix()).await {
        Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
    }
    // Every sign-in lockout window is far shorter than a day.
    if let Err(e) = store.forget_sign_in_failures(clock.unix() - 86_400).await {
        tracing::warn!(error = %e, "could not forget old sign-in failures");
    }
}

/// Deliver due mail every `interval` seconds, and as soon as this instance
/// queues some.
pub async fn deliver_mail(mailer: Arc<Mailer>, clock: Clock, interval: u64) {
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
            .wait_for_mail(Duration::from_secs(interval.max(1)))
            .await;
    }
}
