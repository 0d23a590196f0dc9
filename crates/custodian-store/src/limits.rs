//! Rate limits shared by every instance: attempts per client per minute.
//! The caller passes `client` already reduced to a few bits of a keyed
//! hash (see custodian-web's forms::abuse), so nothing here names anyone.

use sqlx::Row;

use crate::{Pool, Result, Store};

macro_rules! count_attempt {
    ($tx:expr, $bucket:expr, $client:expr, $minute:expr) => {{
        let attempts: i64 = sqlx::query(
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
        // Only this minute and the last are ever needed.
        sqlx::query("DELETE FROM rate_limits WHERE minute < $1")
            .bind($minute - 1)
            .execute(&mut *$tx)
            .await?;
        attempts
    }};
}

impl Store {
    /// Count one attempt by `client` at `bucket` in `minute`; the attempts
    /// so far this minute, this one included, across every instance.
    pub async fn count_attempt(&self, bucket: &str, client: i64, minute: i64) -> Result<i64> {
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
