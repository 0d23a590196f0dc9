//! Secrets every instance must share (the keys that sign links, CSRF tokens
//! and session identifiers, and key rate limits), created once on first
//! use. The vault seals each under a key wrapped by the master key before
//! it is stored, so a copy of the database alone opens nothing; this
//! module only keeps the sealed bytes.

use sqlx::Row;

use crate::{Result, Store, with_pool};

/// A stored server secret: sealed, or (written before sealing began)
/// still in clear, waiting to be sealed in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    pub value: Vec<u8>,
    pub sealed: bool,
}

impl Store {
    /// The secret called `name`, created as `fresh` (already sealed) if it
    /// does not exist. Concurrent first calls agree: the first insert
    /// wins, the rest read it.
    pub async fn server_secret(&self, name: &str, fresh: &[u8], now: i64) -> Result<StoredSecret> {
        let stored = with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at, sealed) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .bind(now)
            .bind(true)
            .execute(p)
            .await?;
            let row = sqlx::query("SELECT value, sealed FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await?;
            StoredSecret { value: row.try_get("value")?, sealed: row.try_get("sealed")? }
        });
        Ok(stored)
    }

    /// Replace a secret kept in clear with its sealed form. Only a row
    /// still in clear changes, so instances starting together agree.
    pub async fn seal_server_secret(&self, name: &str, sealed: &[u8]) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("UPDATE server_secrets SET value = $1, sealed = $2 WHERE name = $3 AND sealed = $4")
                .bind(sealed)
                .bind(true)
                .bind(name)
                .bind(false)
                .execute(p)
                .await?;
        });
        Ok(())
    }
}
