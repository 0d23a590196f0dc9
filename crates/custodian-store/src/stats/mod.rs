//! Site usage statistics: per-day aggregates, how far each log file has
//! been read, and a record of each ingestion. Nothing here is personal: no
//! address, user agent or visitor key reaches these tables (see the
//! migration's comment), only counts and visitor sketches.
//!
//! An ingestion's counts, its files' progress and its run record are
//! written in one transaction, so reading a file again after a crash or a
//! second run counts nothing twice.

use sqlx::Row;

use crate::{Pool, Result, Store, StoreError, with_pool};

pub mod measured;
mod rows;
mod spans;

use rows::{JsonRows, count_rows, page_rows};
use spans::{TOP_PAGES, TOP_VALUES, bind_split, split};

/// Each top query's SQL, built once.
static TOP_PAGES_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| TOP_PAGES.sql());
static TOP_VALUES_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| TOP_VALUES.sql());

/// One day's counts from one ingestion.
#[derive(Debug, Clone, Default)]
pub struct DayCounts {
    pub day: i64,
    pub requests: i64,
    pub pageviews: i64,
    pub visitors: i64,
    pub goaccess_visitors: i64,
    pub goaccess_invalid: i64,
    pub bot_requests: i64,
    pub sketch: Vec<u8>,
    pub goaccess_sketch: Vec<u8>,
    /// (path, views in each hour of the day, UTC)
    pub page_hours: Vec<(String, [i64; 24])>,
    /// (dimension, value, count)
    pub counts: Vec<(&'static str, String, i64)>,
}

/// How far a log file has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProgress {
    pub path: String,
    /// Device and inode, or another stable name for the file itself.
    pub identity: String,
    /// A hash of the file's first line.
    pub first_line: Vec<u8>,
    pub offset: i64,
    pub lines: i64,
}

/// A finished ingestion.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub id: String,
    pub started_at: i64,
    pub finished_at: i64,
    pub lines: i64,
    pub malformed: i64,
    /// JSON: the malformed lines' kinds, counts and first examples.
    pub report: String,
}

/// Merges a stored visitor sketch with a new one: the merged sketch and
/// its estimate. `None` if the stored bytes are not a sketch.
pub type MergeSketches<'a> = &'a (dyn Fn(&[u8], &[u8]) -> Option<(Vec<u8>, i64)> + Sync);

/// A stored day, for the dashboard and the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: i64,
    pub requests: i64,
    pub pageviews: i64,
    pub visitors: i64,
    pub visitors_exact: bool,
    pub goaccess_visitors: i64,
    pub goaccess_invalid: i64,
    pub bot_requests: i64,
}

/// The days of a range and the largest values of each table asked for, in
/// the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub days: Vec<DayRow>,
    pub tables: Vec<Vec<(String, i64)>>,
}

/// PostgreSQL: one ingestion at a time per database (statistics writes are
/// read, merge, write).
const PG_STATS_LOCK: i64 = 0x5354_4154;

/// Rows one statement carries (see [`rows`]).
const ROWS_PER_STATEMENT: usize = 5_000;

struct Existing {
    sketch: Vec<u8>,
    goaccess_sketch: Vec<u8>,
}

macro_rules! write_ingest {
    ($tx:expr, $json:expr, $site:expr, $days:expr, $files:expr, $run:expr, $merge:expr, $now:expr) => {{
        for d in $days {
            let existing = sqlx::query(
                "SELECT sketch, goaccess_sketch FROM stats_days WHERE site = $1 AND day = $2",
            )
            .bind($site)
            .bind(d.day)
            .fetch_optional(&mut *$tx)
            .await?
            .map(|r| -> Result<Existing, sqlx::Error> {
                Ok(Existing {
                    sketch: r.try_get("sketch")?,
                    goaccess_sketch: r.try_get("goaccess_sketch")?,
                })
            })
            .transpose()?;
            match existing {
                None => {
                    sqlx::query(
                        "INSERT INTO stats_days (site, day, requests, pageviews, visitors, visitors_exact, goaccess_visitors, goaccess_invalid, bot_requests, sketch, goaccess_sketch) \
                         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10)",
                    )
                    .bind($site).bind(d.day).bind(d.requests).bind(d.pageviews).bind(d.visitors)
                    .bind(d.goaccess_visitors).bind(d.goaccess_invalid).bind(d.bot_requests).bind(&d.sketch).bind(&d.goaccess_sketch)
                    .execute(&mut *$tx).await?;
                }
                Some(old) => {
                    let (sketch, visitors) = $merge(&old.sketch, &d.sketch).unwrap_or((d.sketch.clone(), d.visitors));
                    let (goaccess_sketch, goaccess_visitors) = $merge(&old.goaccess_sketch, &d.goaccess_sketch)
                        .unwrap_or((d.goaccess_sketch.clone(), d.goaccess_visitors));
                    sqlx::query(
                        "UPDATE stats_days SET requests = requests + $3, pageviews = pageviews + $4, visitors = $5, visitors_exact = 0, \
                         goaccess_visitors = $6, goaccess_invalid = goaccess_invalid + $7, bot_requests = bot_requests + $8, sketch = $9, goaccess_sketch = $10 \
                         WHERE site = $1 AND day = $2",
                    )
                    .bind($site).bind(d.day).bind(d.requests).bind(d.pageviews).bind(visitors)
                    .bind(goaccess_visitors).bind(d.goaccess_invalid).bind(d.bot_requests).bind(&sketch).bind(&goaccess_sketch)
                    .execute(&mut *$tx).await?;
                }
            }
            for chunk in d.page_hours.chunks(ROWS_PER_STATEMENT) {
                sqlx::query(sqlx::AssertSqlSafe($json.page_days_sql()))
                    .bind($site).bind(d.day).bind(page_rows(chunk))
                    .execute(&mut *$tx).await?;
            }
            for chunk in d.counts.chunks(ROWS_PER_STATEMENT) {
                sqlx::query(sqlx::AssertSqlSafe($json.counts_sql()))
                    .bind($site).bind(d.day).bind(count_rows(chunk))
                    .execute(&mut *$tx).await?;
            }
        }
        for spans in spans::TABLES {
            for (span, sums) in spans::sums($days, spans.days) {
                for chunk in sums.pages.chunks(ROWS_PER_STATEMENT) {
                    sqlx::query(sqlx::AssertSqlSafe($json.page_spans_sql(spans.pages, spans.column)))
                        .bind($site).bind(span).bind(serde_json::json!(chunk).to_string())
                        .execute(&mut *$tx).await?;
                }
                for chunk in sums.counts.chunks(ROWS_PER_STATEMENT) {
                    sqlx::query(sqlx::AssertSqlSafe($json.count_spans_sql(spans.counts, spans.column)))
                        .bind($site).bind(span).bind(serde_json::json!(chunk).to_string())
                        .execute(&mut *$tx).await?;
                }
            }
        }
        for f in $files {
            sqlx::query(
                "INSERT INTO log_files (site, path, identity, first_line, \"offset\", lines, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (site, path) DO UPDATE SET identity = excluded.identity, first_line = excluded.first_line, \
                 \"offset\" = excluded.\"offset\", lines = excluded.lines, updated_at = excluded.updated_at",
            )
            .bind($site).bind(&f.path).bind(&f.identity).bind(&f.first_line).bind(f.offset).bind(f.lines).bind($now)
            .execute(&mut *$tx).await?;
        }
        if let Some(run) = $run {
            sqlx::query(
                "INSERT INTO log_runs (id, site, started_at, finished_at, lines, malformed, report) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&run.id).bind($site).bind(run.started_at).bind(run.finished_at).bind(run.lines).bind(run.malformed).bind(&run.report)
            .execute(&mut *$tx).await?;
        }
    }};
}

impl Store {
    /// How far `path` has been read for `site`.
    pub async fn log_file(&self, site: &str, path: &str) -> Result<Option<FileProgress>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query("SELECT path, identity, first_line, \"offset\", lines FROM log_files WHERE site = $1 AND path = $2")
                .bind(site).bind(path).fetch_optional(p).await?
                .map(|r| -> Result<FileProgress, sqlx::Error> {
                    Ok(FileProgress {
                        path: r.try_get("path")?,
                        identity: r.try_get("identity")?,
                        first_line: r.try_get("first_line")?,
                        offset: r.try_get("offset")?,
                        lines: r.try_get("lines")?,
                    })
                })
                .transpose()?
        });
        Ok(row)
    }

    /// Add one ingestion's counts, move its files' progress and record the
    /// run, in one transaction.
    pub async fn record_ingest(
        &self,
        site: &str,
        days: &[DayCounts],
        files: &[FileProgress],
        run: Option<&RunRecord>,
        merge: MergeSketches<'_>,
        now: i64,
    ) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                write_ingest!(tx, JsonRows::Sqlite, site, days, files, run, merge, now);
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_STATS_LOCK)
                    .execute(&mut *tx)
                    .await?;
                write_ingest!(tx, JsonRows::Postgres, site, days, files, run, merge, now);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The days from `from` to `to` (inclusive), oldest first.
    pub async fn stats_days(&self, site: &str, from: i64, to: i64) -> Result<Vec<DayRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(
                "SELECT day, requests, pageviews, visitors, visitors_exact, goaccess_visitors, goaccess_invalid, bot_requests \
                 FROM stats_days WHERE site = $1 AND day >= $2 AND day <= $3 ORDER BY day",
            )
            .bind(site).bind(from).bind(to).fetch_all(p).await?
            .iter()
            .map(|r| -> Result<DayRow, sqlx::Error> {
                Ok(DayRow {
                    day: r.try_get("day")?,
                    requests: r.try_get("requests")?,
                    pageviews: r.try_get("pageviews")?,
                    visitors: r.try_get("visitors")?,
                    visitors_exact: r.try_get::<i64, _>("visitors_exact")? != 0,
                    goaccess_visitors: r.try_get("goaccess_visitors")?,
                    goaccess_invalid: r.try_get("goaccess_invalid")?,
                    bot_requests: r.try_get("bot_requests")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The largest values of one dimension over a range of days, with
    /// their totals, largest first.
    pub async fn stats_top(
        &self,
        site: &str,
        dimension: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.top(
            &TOP_VALUES_SQL,
            TOP_VALUES.key,
            site,
            Some(dimension),
            split(from, to),
            limit,
        )
        .await
    }

    /// What the dashboard shows for a range of days: the days, and for
    /// each of `tables` (`pages`, or a dimension such as `browser`) its
    /// `limit` largest values. The queries run at once, each on its own
    /// connection: PostgreSQL answers them side by side on its cores, and
    /// SQLite's readers do the same beside each other in WAL mode.
    pub async fn stats_overview(
        &self,
        site: &str,
        from: i64,
        to: i64,
        tables: &[&'static str],
        limit: i64,
    ) -> Result<Overview> {
        // At most half the pool at a time (the days' query besides), so
        // that one dashboard never holds every connection while forms and
        // sessions wait for one. PostgreSQL answers more side by side than
        // SQLite: on 2 cores, 3 at once took a year's dashboard from 20 to
        // 30 ms there, and made no difference to SQLite.
        let pool = match &self.pool {
            Pool::Sqlite(_) => crate::connect::SQLITE_CONNECTIONS,
            Pool::Postgres(_) => crate::connect::POSTGRES_CONNECTIONS,
        };
        let at_once = usize::try_from(pool / 2).unwrap_or(1).max(1);
        let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(at_once));
        let mut running = tokio::task::JoinSet::new();
        for (i, table) in tables.iter().enumerate() {
            let (store, site, table) = (self.clone(), site.to_owned(), *table);
            let turns = turns.clone();
            running.spawn(async move {
                let _turn = turns.acquire().await;
                let rows = if table == "pages" {
                    store.stats_top_pages(&site, from, to, limit).await
                } else {
                    store.stats_top(&site, table, from, to, limit).await
                };
                (i, rows)
            });
        }
        let days = self.stats_days(site, from, to).await;
        let mut found = vec![Vec::new(); tables.len()];
        while let Some(done) = running.join_next().await {
            match done {
                Ok((i, rows)) => {
                    if let Some(slot) = found.get_mut(i) {
                        *slot = rows?;
                    }
                }
                Err(e) => return Err(StoreError::Task(e.to_string())),
            }
        }
        Ok(Overview {
            days: days?,
            tables: found,
        })
    }

    /// The most viewed pages over a range of days.
    pub async fn stats_top_pages(
        &self,
        site: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.top(
            &TOP_PAGES_SQL,
            TOP_PAGES.key,
            site,
            None,
            split(from, to),
            limit,
        )
        .await
    }

    /// The largest totals of a top query (`sql`, reading column `key`) over
    /// a range of days, largest first.
    async fn top(
        &self,
        sql: &str,
        key: &str,
        site: &str,
        dimension: Option<&str>,
        range: spans::Split,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        let rows = with_pool!(&self.pool, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(site);
            if let Some(dimension) = dimension {
                q = q.bind(dimension);
            }
            bind_split!(q, range)
                .bind(limit).fetch_all(p).await?
                .iter()
                .map(|r| -> Result<(String, i64), sqlx::Error> { Ok((r.try_get(key)?, r.try_get("total")?)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Lines and malformed lines of every run, for every site.
    pub async fn log_lines_total(&self) -> Result<(i64, i64)> {
        let totals = with_pool!(&self.pool, p => {
            let r = sqlx::query(
                "SELECT CAST(COALESCE(SUM(lines), 0) AS BIGINT) AS lines, CAST(COALESCE(SUM(malformed), 0) AS BIGINT) AS malformed FROM log_runs",
            )
            .fetch_one(p).await?;
            (r.try_get::<i64, _>("lines")?, r.try_get::<i64, _>("malformed")?)
        });
        Ok(totals)
    }

    /// Lines and malformed lines of every run for the site.
    pub async fn log_run_totals(&self, site: &str) -> Result<(i64, i64)> {
        let totals = with_pool!(&self.pool, p => {
            let r = sqlx::query(
                "SELECT CAST(COALESCE(SUM(lines), 0) AS BIGINT) AS lines, CAST(COALESCE(SUM(malformed), 0) AS BIGINT) AS malformed FROM log_runs WHERE site = $1",
            )
            .bind(site).fetch_one(p).await?;
            (r.try_get::<i64, _>("lines")?, r.try_get::<i64, _>("malformed")?)
        });
        Ok(totals)
    }
}
