//! Rate limits shared by every instance: attempts per client per minute.
//! The caller passes `client` already reduced to a few bits of a keyed
//! hash (see custodian-web's `limiter`), so nothing here names anyone.

use sqlx::Row;

use crate::{Pool, Result, Store};

/// Attempts by one client in the current calendar minute (this one
/// included) and in the minute before it. The caller weighs the two into a
/// sliding window, so a burst that straddles a minute's end is still one
/// burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub this_minute: i64,
    pub last_minute: i64,
}

macro_rules! count_attempt {
    ($tx:expr, $bucket:expr, $client:expr, $minute:expr) => {{
        let this_minute: i64 = sqlx::query(
            "INSERT INTO rate_limits (bucket, client, minute, attempts) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (bucket, client, minute) DO UPDATE SET attempts = rate_limits.attempts + 1 \
             RETURNING attempts",
        )
        .bind($bucket)
        .bind($client)
        .bind($minute)
        .fetch_one(&mut *$tx)
        .await?
        .try_get("attempts")?;
        let last_minute: i64 = sqlx::query(
            "SELECT attempts FROM rate_limits WHERE bucket = $1 AND client = $2 AND minute = $3",
        )
        .bind($bucket)
        .bind($client)
        .bind($minute - 1)
        .fetch_optional(&mut *$tx)
        .await?
        .map(|row| row.try_get("attempts"))
        .transpose()?
        .unwrap_or(0);
        // Only this minute and the last are ever read; one more is kept for
        // an instance whose clock is a little behind this one's.
        sqlx::query("DELETE FROM rate_limits WHERE minute < $1")
            .bind($minute - 2)
            .execute(&mut *$tx)
            .await?;
        Attempts {
            this_minute,
            last_minute,
        }
    }};
}

impl Store {
    /// Count one attempt by `client` at `bucket` in `minute`; the attempts
    /// this minute (this one included) and last minute, across every
    /// instance.
    pub async fn count_attempt(&self, bucket: &str, client: i64, minute: i64) -> Result<Attempts> {
        let attempts = match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let n = count_attempt!(tx, bucket, client, minute);
                tx.commit().await?;
                n
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let n = count_attempt!(tx, bucket, client, minute);
                tx.commit().await?;
                n
            }
        };
        Ok(attempts)
    }
}
