//! What a reading of logs leaves: each day's counts and sketches, every
//! file's new position and a record of the run, written in one
//! transaction. Visitor keys and their daily salts never leave the tally.

use custodian_logs::sketch::Sketch;
use custodian_logs::{DayTally, Tally};
use custodian_store::Store;
use custodian_store::stats::{DayCounts, FileProgress, RunRecord};

use crate::Result;

/// Save what was counted since the last save, with the files' positions.
pub async fn save(
    store: &Store,
    site: &str,
    tally: &mut Tally,
    files: &[FileProgress],
    at: i64,
) -> Result<()> {
    let taken = tally.take();
    let run = RunRecord {
        id: format!(
            "run-{at}-{}-{}",
            std::process::id(),
            SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
        started_at: at,
        finished_at: at,
        lines: i64::try_from(taken.lines).unwrap_or(i64::MAX),
        malformed: i64::try_from(taken.malformed_count()).unwrap_or(i64::MAX),
        report: "{}".into(),
    };
    let days: Vec<DayCounts> = taken.days.iter().map(|(d, t)| day_counts(*d, t)).collect();
    store
        .record_ingest(site, &days, files, Some(&run), &merge_sketches, at)
        .await?;
    Ok(())
}

/// Saves made by this process, so each run record has its own id.
static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn merge_sketches(old: &[u8], new: &[u8]) -> Option<(Vec<u8>, i64)> {
    let mut merged = Sketch::from_bytes(old)?;
    merged.merge(&Sketch::from_bytes(new)?);
    let estimate = i64::try_from(merged.estimate()).unwrap_or(i64::MAX);
    Some((merged.as_bytes().to_vec(), estimate))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A day's tally as the store keeps it.
pub fn day_counts(day: i64, t: &DayTally) -> DayCounts {
    let mut counts: Vec<(&'static str, String, i64)> = Vec::new();
    let dims: [(&'static str, &custodian_logs::tally::HashMap<String, u64>); 4] = [
        ("referrer", &t.referrers),
        ("browser", &t.browsers),
        ("os", &t.systems),
        ("not_found", &t.not_found),
    ];
    for (dimension, map) in dims {
        counts.extend(map.iter().map(|(v, n)| (dimension, v.clone(), count(*n))));
    }
    counts.extend(
        t.devices
            .iter()
            .map(|(v, n)| ("device", (*v).to_owned(), count(*n))),
    );
    counts.extend(
        t.statuses
            .iter()
            .map(|(v, n)| ("status", v.to_string(), count(*n))),
    );
    counts.extend(
        t.bots
            .iter()
            .map(|((family, kind), n)| ("bot", format!("{}/{family}", kind.id()), count(*n))),
    );
    DayCounts {
        day,
        requests: count(t.requests),
        pageviews: count(t.pageviews.values().flatten().sum()),
        visitors: count(t.visitors),
        goaccess_visitors: count(t.goaccess_visitors),
        goaccess_invalid: count(t.goaccess_invalid),
        bot_requests: count(t.bots.values().sum()),
        sketch: t.sketch.as_bytes().to_vec(),
        goaccess_sketch: t.goaccess_sketch.as_bytes().to_vec(),
        page_hours: t
            .pageviews
            .iter()
            .map(|(path, hours)| (path.clone(), hours.map(count)))
            .collect(),
        counts,
    }
}

/// A whole run's counts (the days it settled), the files' new positions and
/// the run's record: its lines, and of the lines it could not read only
/// their kinds, counts and first line numbers, since the lines themselves
/// hold addresses and user agents, which are never written to disk.
/// Returns the days saved.
pub async fn record_run(
    store: &Store,
    site: &str,
    tally: &mut Tally,
    files: &[FileProgress],
    started: i64,
    now: i64,
) -> Result<usize> {
    let report = tally
        .malformed
        .iter()
        .map(|(kind, e)| {
            (
                (*kind).to_owned(),
                serde_json::json!({ "count": e.count, "first_line_number": e.line_number }),
            )
        })
        .collect();
    let run = RunRecord {
        id: format!("run-{started}-{}", std::process::id()),
        started_at: started,
        finished_at: now,
        lines: count(tally.lines),
        malformed: count(tally.malformed_count()),
        report: serde_json::Value::Object(report).to_string(),
    };
    let days: Vec<DayCounts> = tally
        .settled_days()
        .iter()
        .map(|(d, t)| day_counts(*d, t))
        .collect();
    store
        .record_ingest(site, &days, files, Some(&run), &merge_sketches, now)
        .await?;
    Ok(days.len())
}
