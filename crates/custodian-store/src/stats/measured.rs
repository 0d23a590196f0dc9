//! Browsers counted by the measurement cookie: a sketch and its estimate
//! per site and day, merged with what other runs and instances wrote.

use sqlx::Row;

use super::{MergeSketches, PG_STATS_LOCK};
use crate::{Pool, Result, Store, with_pool};

/// One day of measured browsers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuredDay {
    pub day: i64,
    pub browsers: i64,
    pub sketch: Vec<u8>,
}

macro_rules! write_measured {
    ($tx:expr, $site:expr, $days:expr, $merge:expr) => {{
        for d in $days {
            let existing: Option<Vec<u8>> = sqlx::query(
                "SELECT sketch FROM measured_days WHERE site = $1 AND day = $2",
            )
            .bind($site)
            .bind(d.day)
            .fetch_optional(&mut *$tx)
            .await?
            .map(|r| r.try_get("sketch"))
            .transpose()?;
            let (sketch, browsers) = match existing {
                None => (d.sketch.clone(), d.browsers),
                Some(old) => $merge(&old, &d.sketch).unwrap_or((d.sketch.clone(), d.browsers)),
            };
            sqlx::query(
                "INSERT INTO measured_days (site, day, browsers, sketch) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (site, day) DO UPDATE SET browsers = excluded.browsers, sketch = excluded.sketch",
            )
            .bind($site)
            .bind(d.day)
            .bind(browsers)
            .bind(&sketch)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Store {
    /// Merge each day's new sketch into what is stored, in one transaction.
    pub async fn record_measured(
        &self,
        site: &str,
        days: &[MeasuredDay],
        merge: MergeSketches<'_>,
    ) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                write_measured!(tx, site, days, merge);
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_STATS_LOCK)
                    .execute(&mut *tx)
                    .await?;
                write_measured!(tx, site, days, merge);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The measured days from `from` to `to` (inclusive), oldest first.
    pub async fn measured_days(&self, site: &str, from: i64, to: i64) -> Result<Vec<MeasuredDay>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(
                "SELECT day, browsers, sketch FROM measured_days WHERE site = $1 AND day >= $2 AND day <= $3 ORDER BY day",
            )
            .bind(site).bind(from).bind(to).fetch_all(p).await?
            .iter()
            .map(|r| -> Result<MeasuredDay, sqlx::Error> {
                Ok(MeasuredDay {
                    day: r.try_get("day")?,
                    browsers: r.try_get("browsers")?,
                    sketch: r.try_get("sketch")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}
