//! For `scripts/bench-inbox`: a team with 100,000 cases (a fifth new, three
//! tenths assigned, half of those to the member looking, a fifth replied,
//! three tenths closed, over five forms and a year), then every tab of the
//! inbox in every sort, both ways, its first page and its tenth, with the
//! tabs' counts, as the page asks for them (at once). Prints the median of 5 rounds
//! of each, the slowest of them, then the same after dropping the indexes
//! on `cases` the inbox uses: the peer is the same query without them.
//!
//!   bench_inbox DATABASE_URL      (an empty database: it is seeded)

use std::time::Instant;

use custodian_store::Store;
use custodian_store::personal::SubjectRow;
use custodian_store::personal::inbox::{InboxFilter, InboxQuery, InboxSort, InboxTab};

const CASES: usize = 100_000;
const BATCH: usize = 1_000;
const ROUNDS: usize = 5;
/// Every index on `cases` the inbox reads, by name.
const INDEXES: [&str; 5] = [
    "cases_by_team",
    "cases_inbox_assignee",
    "cases_inbox_updated",
    "cases_inbox_reference",
    "cases_inbox_form",
];

fn status(i: usize) -> (&'static str, Option<&'static str>) {
    match i % 10 {
        0 | 1 => ("new", None),
        2 | 3 => ("assigned", Some("me")),
        4 => ("assigned", Some("colleague")),
        5 | 6 => ("replied", Some("me")),
        _ => ("closed", Some("colleague")),
    }
}

async fn seed(store: &Store, url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let subject = SubjectRow {
        id: "s_bench".into(),
        email_index: None,
        session_index: None,
        verified: false,
        wrapped_key: vec![0; 32],
        master_key_id: "bench".into(),
        created_at: 0,
    };
    store
        .personal_data()
        .insert_subject_with_records(&subject, &[])
        .await?;
    for start in (0..CASES).step_by(BATCH) {
        let rows: Vec<String> = (start..start + BATCH)
            .map(|i| {
                let (status, assigned) = status(i);
                let assigned = assigned.map_or("NULL".to_owned(), |a| format!("'{a}'"));
                // Generated here, never input: literal values are safe.
                format!(
                    "('c_{i:06}', 'BEN-{:06}', 'form_{}', 'bench', 's_bench', '{status}', {assigned}, '', {}, {})",
                    (i * 7919) % 1_000_000,
                    i % 5,
                    1_700_000_000 + (i as i64) * 315,
                    1_700_000_000 + (i as i64) * 315 + (i as i64 % 97) * 3_600,
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO cases (id, reference, form, team, subject_id, status, assigned_to, permissions, created_at, updated_at) VALUES {}",
            rows.join(", ")
        );
        run(url, &sql).await?;
    }
    run(
        url,
        if url.starts_with("postgres") {
            "VACUUM ANALYZE cases"
        } else {
            "ANALYZE"
        },
    )
    .await?;
    Ok(())
}

async fn run(url: &str, sql: &str) -> Result<(), Box<dyn std::error::Error>> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&pool).await?;
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&pool).await?;
        pool.close().await;
    }
    Ok(())
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The slowest median over every tab, sort, direction and page, and which;
/// then the counts' median.
async fn measure(store: &Store) -> Result<(f64, String, f64), Box<dyn std::error::Error>> {
    let teams = ["bench".to_owned()];
    let mut slowest = (0.0, String::new());
    for tab in InboxTab::ALL {
        for sort in InboxSort::ALL {
            for descending in [false, true] {
                for page in [0, 9] {
                    let query = InboxQuery {
                        teams: &teams,
                        me: "me",
                        filter: InboxFilter::Tab(tab),
                        sort,
                        descending,
                        page,
                        per_page: 25,
                    };
                    let mut times = Vec::new();
                    for _ in 0..ROUNDS {
                        // As the page asks: its rows and the tabs' counts at once.
                        let started = Instant::now();
                        let rows = store.personal_data();
                        let (found, _) =
                            tokio::try_join!(rows.inbox(&query), rows.inbox_counts(&teams, "me"))?;
                        times.push(started.elapsed().as_secs_f64() * 1000.0);
                        assert!(found.total > 0, "{tab:?} holds cases");
                    }
                    let m = median(times);
                    if m > slowest.0 {
                        slowest = (
                            m,
                            format!(
                                "{} by {} {}, page {}",
                                tab.as_str(),
                                sort.as_str(),
                                if descending {
                                    "descending"
                                } else {
                                    "ascending"
                                },
                                page + 1
                            ),
                        );
                    }
                }
            }
        }
    }
    let mut counts = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        store.personal_data().inbox_counts(&teams, "me").await?;
        counts.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((slowest.0, slowest.1, median(counts)))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .ok_or("usage: bench_inbox DATABASE_URL")?;
    let store = Store::connect(&url).await?;
    store.migrate(0).await?;
    let seeded = Instant::now();
    seed(&store, &url).await?;
    println!(
        "seeded {CASES} cases in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    let (page, which, counts) = measure(&store).await?;
    println!(
        "with its indexes: slowest page with the counts {page:.2} ms ({which}); the counts alone {counts:.2} ms"
    );
    for index in INDEXES {
        run(&url, &format!("DROP INDEX {index}")).await?;
    }
    let (bare_page, bare_which, bare_counts) = measure(&store).await?;
    println!(
        "without them:     slowest page with the counts {bare_page:.2} ms ({bare_which}); the counts alone {bare_counts:.2} ms"
    );
    println!(
        "ratio (without / with): pages {:.1}x, counts {:.1}x",
        bare_page / page,
        bare_counts / counts
    );
    store.close().await;
    Ok(())
}
