//! Secrets every instance must share, created once on first use.

use sqlx::Row;

use crate::{Result, Store, with_pool};

impl Store {
    /// The secret called `name`, created from `fresh` if it does not exist.
    /// Concurrent first calls agree: the first insert wins, the rest read it.
    pub async fn shared_secret(&self, name: &str, fresh: &[u8], now: i64) -> Result<Vec<u8>> {
        let value = with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .bind(now)
            .execute(p)
            .await?;
            sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await?
                .try_get::<Vec<u8>, _>("value")?
        });
        Ok(value)
    }
}
