//! For `scripts/bench-dashboard`: a year of statistics (365 days, 1,000
//! paths, 10,000,000 pageviews, and per day the referrers, browsers,
//! systems, devices, statuses, pages not found and bots a busy site has),
//! written through the store as ingestion writes it; then the dashboard's
//! queries for the whole year, timed as the page makes them (all at once,
//! `Store::stats_overview`). Prints the median of 7 rounds.
//!
//!   bench_dashboard DATABASE_URL
//!
//! BENCH_PARTS=1 also times each query alone, one after another;
//! BENCH_NO_SEED=1 times a database seeded by an earlier run.

use std::time::Instant;

use custodian_store::Store;
use custodian_store::stats::{DayCounts, RunRecord};

const DAYS: i64 = 365;
const PATHS: usize = 1_000;
const PAGEVIEWS: i64 = 10_000_000;
const FIRST_DAY: i64 = 20_000;
/// The dashboard's tables: top pages and the seven counted dimensions.
const TABLES: [&str; 8] = [
    "pages",
    "referrer",
    "browser",
    "os",
    "device",
    "status",
    "not_found",
    "bot",
];

fn day(d: i64) -> DayCounts {
    // Zipf-like: path i gets a share proportional to 1 / (i + 1).
    let weights: Vec<f64> = (0..PATHS).map(|i| 1.0 / (i as f64 + 1.0)).collect();
    let total: f64 = weights.iter().sum();
    let per_day = PAGEVIEWS / DAYS;
    let page_hours = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let views = ((per_day as f64) * w / total).round() as i64;
            let mut hours = [0i64; 24];
            for (h, slot) in hours.iter_mut().enumerate() {
                *slot = views / 24 + i64::from(h < (views % 24) as usize);
            }
            (format!("/section-{}/page-{i}", i % 12), hours)
        })
        .collect();
    let mut counts: Vec<(&'static str, String, i64)> = Vec::new();
    for (dimension, n) in [
        ("referrer", 200),
        ("browser", 30),
        ("os", 20),
        ("device", 3),
        ("status", 8),
        ("not_found", 300),
        ("bot", 60),
    ] {
        counts.extend((0..n).map(|v| (dimension, format!("{dimension}-{v}"), 1000 / (v + 1))));
    }
    DayCounts {
        day: FIRST_DAY + d,
        requests: per_day * 2,
        pageviews: per_day,
        visitors: per_day / 4,
        goaccess_visitors: per_day / 3,
        goaccess_invalid: 0,
        bot_requests: per_day / 2,
        sketch: Vec::new(),
        goaccess_sketch: Vec::new(),
        page_hours,
        counts,
    }
}

fn no_merge(_: &[u8], new: &[u8]) -> Option<(Vec<u8>, i64)> {
    Some((new.to_vec(), 0))
}

// The server's runtime: several threads.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .ok_or("usage: bench_dashboard DATABASE_URL")?;
    let store = Store::connect(&url).await?;
    store.migrate(0).await?;
    let seeded = Instant::now();
    let seed = std::env::var_os("BENCH_NO_SEED").is_none();
    for week in 0..(DAYS + 6) / 7 {
        if !seed {
            break;
        }
        let days: Vec<DayCounts> = (week * 7..(week * 7 + 7).min(DAYS)).map(day).collect();
        let run = RunRecord {
            id: format!("bench-{week}"),
            started_at: 0,
            finished_at: 0,
            lines: 0,
            malformed: 0,
            report: "{}".into(),
        };
        store
            .record_ingest("bench", &days, &[], Some(&run), &no_merge, 0)
            .await?;
    }
    println!("seeded a year in {:.1} s", seeded.elapsed().as_secs_f64());
    // As autovacuum would soon after a large ingestion: without planner
    // statistics PostgreSQL scans whole tables.
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
        pool.close().await;
    }

    let (from, to) = (FIRST_DAY, FIRST_DAY + DAYS - 1);
    let mut rounds = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let overview = store.stats_overview("bench", from, to, &TABLES, 50).await?;
        rounds.push(started.elapsed().as_secs_f64() * 1000.0);
        if std::env::var_os("BENCH_PARTS").is_some() {
            let mut alone = Vec::new();
            let started = Instant::now();
            store.stats_days("bench", from, to).await?;
            alone.push(("days", started.elapsed()));
            for table in TABLES {
                let started = Instant::now();
                if table == "pages" {
                    store.stats_top_pages("bench", from, to, 50).await?;
                } else {
                    store.stats_top("bench", table, from, to, 50).await?;
                }
                alone.push((table, started.elapsed()));
            }
            println!("each alone: {alone:?}");
        }
        let days = overview.days;
        assert_eq!(days.len(), DAYS as usize);
        let sum: i64 = days.iter().map(|d| d.pageviews).sum();
        if rounds.len() == 1 {
            println!(
                "{} days, {sum} pageviews, top page {:?}",
                days.len(),
                overview.tables.first().and_then(|t| t.first())
            );
        }
    }
    rounds.sort_by(f64::total_cmp);
    println!(
        "dashboard queries for the year: median {:.1} ms (min {:.1}, max {:.1})",
        rounds[3], rounds[0], rounds[6]
    );
    store.close().await;
    Ok(())
}
