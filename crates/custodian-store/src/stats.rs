//! Site usage statistics: per-day aggregates, how far each log file has
//! been read, and a record of each ingestion. Nothing here is personal: no
//! address, user agent or visitor key reaches these tables (see the
//! migration's comment), only counts and visitor sketches.
//!
//! An ingestion's counts, its files' progress and its run record are
//! written in one transaction, so reading a file again after a crash or a
//! second run counts nothing twice.

use sqlx::Row;

use crate::{Pool, Result, Store, with_pool};

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

/// PostgreSQL: one ingestion at a time per database (statistics writes are
/// read, merge, write).
const PG_STATS_LOCK: i64 = 0x5354_4154;

/// Rows one statement carries, as a single JSON array bound as one value:
/// a driver's cost per bound value dwarfs the database's own work, so a
/// day of a busy site's pages is one value, not tens of thousands.
const ROWS_PER_STATEMENT: usize = 5_000;

/// Weeks of the weekly sums: day / 7, so a week is days 7w to 7w + 6.
const DAYS_PER_WEEK: i64 = 7;

/// A range of days as the whole weeks inside it (first and last week,
/// empty when first > last) and the days outside those weeks at either end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    weeks: (i64, i64),
    head: (i64, i64),
    tail: (i64, i64),
}

fn split(from: i64, to: i64) -> Split {
    let first = (from + DAYS_PER_WEEK - 1).div_euclid(DAYS_PER_WEEK);
    let last = (to + 1).div_euclid(DAYS_PER_WEEK) - 1;
    if first > last {
        return Split {
            weeks: (1, 0),
            head: (from, to),
            tail: (1, 0),
        };
    }
    Split {
        weeks: (first, last),
        head: (from, first * DAYS_PER_WEEK - 1),
        tail: ((last + 1) * DAYS_PER_WEEK, to),
    }
}

/// How each backend reads rows out of a JSON array of arrays: the table
/// expression, and the expression for element `i` as text or as a number.
#[derive(Clone, Copy)]
enum JsonRows {
    Sqlite,
    Postgres,
}

impl JsonRows {
    fn from(self) -> &'static str {
        match self {
            JsonRows::Sqlite => "json_each($3) AS j",
            JsonRows::Postgres => "json_array_elements($3::json) AS j(value)",
        }
    }
    fn text(self, i: usize) -> String {
        format!("j.value ->> {i}")
    }
    fn number(self, i: usize) -> String {
        match self {
            JsonRows::Sqlite => format!("j.value ->> {i}"),
            JsonRows::Postgres => format!("CAST(j.value ->> {i} AS BIGINT)"),
        }
    }

    /// Add a day's pages: $1 site, $2 day, $3 `[[path, views, h00, ..., h23], ...]`.
    fn page_days_sql(self) -> String {
        let hours: Vec<String> = (0..24).map(|h| format!("h{h:02}")).collect();
        let values: Vec<String> = (2..26).map(|i| self.number(i)).collect();
        let adds: Vec<String> = hours
            .iter()
            .map(|h| format!("{h} = stats_page_days.{h} + excluded.{h}"))
            .collect();
        format!(
            "INSERT INTO stats_page_days (site, day, path, views, {}) \
             SELECT $1, $2, {}, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, day, path) DO UPDATE SET views = stats_page_days.views + excluded.views, {}",
            hours.join(", "),
            self.text(0),
            self.number(1),
            values.join(", "),
            self.from(),
            adds.join(", ")
        )
    }

    /// Add a day's pages to its week: $1 site, $2 week, $3 the same rows.
    fn page_weeks_sql(self) -> String {
        format!(
            "INSERT INTO stats_page_weeks (site, week, path, views) \
             SELECT $1, $2, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, week, path) DO UPDATE SET views = stats_page_weeks.views + excluded.views",
            self.text(0),
            self.number(1),
            self.from()
        )
    }

    /// Add a day's counts to its week: $1 site, $2 week, $3 the same rows.
    fn count_weeks_sql(self) -> String {
        format!(
            "INSERT INTO stats_count_weeks (site, dimension, week, value, count) \
             SELECT $1, {}, $2, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, dimension, week, value) DO UPDATE SET count = stats_count_weeks.count + excluded.count",
            self.text(0),
            self.text(1),
            self.number(2),
            self.from()
        )
    }

    /// Add a day's counts: $1 site, $2 day, $3 `[[dimension, value, count], ...]`.
    fn counts_sql(self) -> String {
        format!(
            "INSERT INTO stats_counts (site, day, dimension, value, count) \
             SELECT $1, $2, {}, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, day, dimension, value) DO UPDATE SET count = stats_counts.count + excluded.count",
            self.text(0),
            self.text(1),
            self.number(2),
            self.from()
        )
    }
}

fn page_rows(chunk: &[(String, [i64; 24])]) -> String {
    let rows: Vec<serde_json::Value> = chunk
        .iter()
        .map(|(path, hours)| {
            let mut row = vec![
                serde_json::Value::from(path.as_str()),
                serde_json::Value::from(hours.iter().sum::<i64>()),
            ];
            row.extend(hours.iter().map(|n| serde_json::Value::from(*n)));
            serde_json::Value::Array(row)
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

fn count_rows(chunk: &[(&'static str, String, i64)]) -> String {
    let rows: Vec<serde_json::Value> = chunk
        .iter()
        .map(|(dimension, value, count)| serde_json::json!([dimension, value, count]))
        .collect();
    serde_json::Value::Array(rows).to_string()
}

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
            let week = d.day.div_euclid(DAYS_PER_WEEK);
            for chunk in d.page_hours.chunks(ROWS_PER_STATEMENT) {
                let rows = page_rows(chunk);
                sqlx::query(sqlx::AssertSqlSafe($json.page_days_sql()))
                    .bind($site).bind(d.day).bind(&rows)
                    .execute(&mut *$tx).await?;
                sqlx::query(sqlx::AssertSqlSafe($json.page_weeks_sql()))
                    .bind($site).bind(week).bind(&rows)
                    .execute(&mut *$tx).await?;
            }
            for chunk in d.counts.chunks(ROWS_PER_STATEMENT) {
                let rows = count_rows(chunk);
                sqlx::query(sqlx::AssertSqlSafe($json.counts_sql()))
                    .bind($site).bind(d.day).bind(&rows)
                    .execute(&mut *$tx).await?;
                sqlx::query(sqlx::AssertSqlSafe($json.count_weeks_sql()))
                    .bind($site).bind(week).bind(&rows)
                    .execute(&mut *$tx).await?;
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
        let range = split(from, to);
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(
                "SELECT value, CAST(SUM(count) AS BIGINT) AS total FROM ( \
                 SELECT value, count FROM stats_count_weeks WHERE site = $1 AND dimension = $2 AND week >= $3 AND week <= $4 \
                 UNION ALL SELECT value, count FROM stats_counts WHERE site = $1 AND dimension = $2 AND day >= $5 AND day <= $6 \
                 UNION ALL SELECT value, count FROM stats_counts WHERE site = $1 AND dimension = $2 AND day >= $7 AND day <= $8) AS parts \
                 GROUP BY value ORDER BY total DESC, value LIMIT $9",
            )
            .bind(site).bind(dimension).bind(range.weeks.0).bind(range.weeks.1).bind(range.head.0).bind(range.head.1)
            .bind(range.tail.0).bind(range.tail.1).bind(limit).fetch_all(p).await?
            .iter()
            .map(|r| -> Result<(String, i64), sqlx::Error> { Ok((r.try_get("value")?, r.try_get("total")?)) })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The most viewed pages over a range of days.
    pub async fn stats_top_pages(
        &self,
        site: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        let range = split(from, to);
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(
                "SELECT path, CAST(SUM(views) AS BIGINT) AS total FROM ( \
                 SELECT path, views FROM stats_page_weeks WHERE site = $1 AND week >= $2 AND week <= $3 \
                 UNION ALL SELECT path, views FROM stats_page_days WHERE site = $1 AND day >= $4 AND day <= $5 \
                 UNION ALL SELECT path, views FROM stats_page_days WHERE site = $1 AND day >= $6 AND day <= $7) AS parts \
                 GROUP BY path ORDER BY total DESC, path LIMIT $8",
            )
            .bind(site).bind(range.weeks.0).bind(range.weeks.1).bind(range.head.0).bind(range.head.1)
            .bind(range.tail.0).bind(range.tail.1).bind(limit).fetch_all(p).await?
            .iter()
            .map(|r| -> Result<(String, i64), sqlx::Error> { Ok((r.try_get("path")?, r.try_get("total")?)) })
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

#[cfg(test)]
mod tests {
    use super::{Split, split};

    #[test]
    fn a_range_is_whole_weeks_and_the_days_at_either_end() {
        // Days 10 to 30: week 2 is days 14-20, week 3 is 21-27.
        assert_eq!(
            split(10, 30),
            Split {
                weeks: (2, 3),
                head: (10, 13),
                tail: (28, 30)
            }
        );
        // Exactly weeks 2 and 3.
        assert_eq!(
            split(14, 27),
            Split {
                weeks: (2, 3),
                head: (14, 13),
                tail: (28, 27)
            }
        );
        // Inside one week: days only.
        assert_eq!(
            split(15, 18),
            Split {
                weeks: (1, 0),
                head: (15, 18),
                tail: (1, 0)
            }
        );
    }
}
