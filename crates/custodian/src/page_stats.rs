//! Counting the server's own pages for site usage statistics, in process:
//! requests arrive from the web layer as [`PageHit`]s and are counted into
//! a [`Tally`] exactly as `logs ingest` counts log lines (the same bot
//! rules, the same per-day salt held only in memory), then saved as the
//! same aggregates every few seconds and once more on shutdown.
//!
//! Hits carrying a measurement cookie's number are also hashed under that
//! day's own salt into the day's sketch of measured browsers; only the
//! sketch is saved.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use custodian_logs::sketch::Sketch;
use custodian_logs::{Agent, Agents, Hit, Options, Tally};
use custodian_store::Store;
use custodian_store::stats::measured::MeasuredDay;
use custodian_web::middleware::page_stats::{PageHit, PageHits};
use tokio::sync::{mpsc, oneshot};

use custodian_app::usage::{day_counts, merge_sketches};

/// Hits waiting to be counted; beyond this a burst drops hits rather than
/// holding replies.
const QUEUE: usize = 16_384;

/// The running counter: send on `stop` to save and end it.
pub struct Counter {
    pub hits: PageHits,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Counter {
    pub fn start(store: Store, site: String, save_every: Duration) -> Counter {
        let (hits, rx) = mpsc::channel(QUEUE);
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(store, site, save_every, rx, stopped));
        Counter { hits, stop, task }
    }

    /// Count what is queued, save it, and end.
    pub async fn finish(self, within: Duration) {
        let _ = self.stop.send(());
        if tokio::time::timeout(within, self.task).await.is_err() {
            tracing::warn!("the page counter did not save in time");
        }
    }
}

async fn run(
    store: Store,
    site: String,
    save_every: Duration,
    mut rx: mpsc::Receiver<PageHit>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut tally = Tally::new(Options::default());
    let mut measured = Measured::default();
    let mut tick = tokio::time::interval(save_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            Some(hit) = rx.recv() => {
                count(&mut tally, &hit);
                measured.count(&hit);
            }
            _ = tick.tick() => {
                save(&store, &site, &mut tally).await;
                measured.save(&store, &site).await;
                // Yesterday's salt is kept only while late requests of the
                // day may still arrive.
                tally.forget_old_days(1);
            }
            _ = &mut stopped => {
                while let Ok(hit) = rx.try_recv() {
                    count(&mut tally, &hit);
                    measured.count(&hit);
                }
                save(&store, &site, &mut tally).await;
                measured.save(&store, &site).await;
                return;
            }
        }
    }
}

fn count(tally: &mut Tally, hit: &PageHit) {
    let client = hit.client.map(|ip| ip.to_string());
    tally.count(&Hit {
        client: client.as_deref().unwrap_or("-"),
        at: hit.at,
        method: hit.method,
        path: &hit.path,
        status: hit.status,
        bytes: 0,
        referer: hit.referer.as_deref(),
        user_agent: hit.user_agent.as_deref(),
    });
}

async fn save(store: &Store, site: &str, tally: &mut Tally) {
    if tally.lines == 0 {
        return;
    }
    let taken = tally.take();
    let days: Vec<_> = taken.days.iter().map(|(d, t)| day_counts(*d, t)).collect();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = store
        .record_ingest(site, &days, &[], None, &merge_sketches, now)
        .await
    {
        tracing::warn!(error = %e, "could not save the counts of this server's pages");
    }
}

/// Measured browsers not yet saved, per day, and the salt each day's
/// numbers are hashed under: made at random when the day's first number
/// arrives, held only here, and dropped with the day, so no stored sketch
/// can link a browser's days or be tested against its number.
#[derive(Default)]
struct Measured {
    days: BTreeMap<i64, Sketch>,
    salts: BTreeMap<i64, RandomState>,
    agents: Agents,
}

impl Measured {
    fn count(&mut self, hit: &PageHit) {
        let Some(number) = hit.measured else {
            return;
        };
        // As the tally counts visitors: people's pages read, not bots,
        // redirects or errors.
        let person = hit
            .user_agent
            .as_deref()
            .is_some_and(|ua| matches!(self.agents.classify(ua), Agent::Person(_)));
        if hit.method != "GET" || !(200..400).contains(&hit.status) || !person {
            return;
        }
        let day = hit.at.div_euclid(86_400);
        let key = self.salts.entry(day).or_default().hash_one(number);
        self.days.entry(day).or_default().add(key);
    }

    async fn save(&mut self, store: &Store, site: &str) {
        if !self.days.is_empty() {
            let taken = std::mem::take(&mut self.days);
            let days: Vec<MeasuredDay> = taken
                .iter()
                .map(|(day, sketch)| MeasuredDay {
                    day: *day,
                    browsers: i64::try_from(sketch.estimate()).unwrap_or(i64::MAX),
                    sketch: sketch.as_bytes().to_vec(),
                })
                .collect();
            if let Err(e) = store.record_measured(site, &days, &merge_sketches).await {
                tracing::warn!(error = %e, "could not save the measured browsers; will try again");
                // Merging is idempotent: keep them for the next save.
                self.days = taken;
            }
        }
        // Yesterday's salt is kept only while its late pages may still come.
        if let Some(newest) = self.salts.keys().next_back().copied() {
            self.salts.retain(|day, _| *day >= newest - 1);
        }
    }
}
