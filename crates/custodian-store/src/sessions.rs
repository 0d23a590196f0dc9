//! Browser sessions, shared by every instance through the database.

use sqlx::Row;

use crate::{Result, Store, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Server-side state as JSON (one-time messages and the like).
    pub data: String,
    pub expires_at: i64,
}

impl Store {
    /// The live session with this id hash, if any.
    pub async fn load_session(&self, id_hash: &[u8], now: i64) -> Result<Option<SessionRecord>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query("SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(id_hash)
                .bind(now)
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<SessionRecord, sqlx::Error> {
                    Ok(SessionRecord { data: r.try_get("data")?, expires_at: r.try_get("expires_at")? })
                })
                .transpose()?
        });
        Ok(row)
    }

    /// Create or replace a session. `owner` names the account it is signed
    /// in to (`staff:<id>`, `account:<id>`), so all of them can be ended.
    pub async fn save_session(
        &self,
        id_hash: &[u8],
        data: &str,
        owner: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO sessions (id_hash, data, created_at, expires_at, owner) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, owner = excluded.owner",
            )
            .bind(id_hash)
            .bind(data)
            .bind(now)
            .bind(expires_at)
            .bind(owner)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await?;
        });
        Ok(())
    }

    /// End every session signed in to `owner`, wherever it is open; the
    /// number ended.
    pub async fn delete_sessions_of(&self, owner: &str) -> Result<u64> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM sessions WHERE owner = $1").bind(owner).execute(p).await?.rows_affected()
        });
        Ok(done)
    }

    /// Remove expired sessions; returns how many went.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?.rows_affected()
        });
        Ok(done)
    }

    /// How many sessions exist (for tests and metrics; holds nothing personal).
    pub async fn count_sessions(&self) -> Result<i64> {
        let n = with_pool!(&self.pool, p => {
            sqlx::query("SELECT COUNT(*) AS n FROM sessions").fetch_one(p).await?.try_get::<i64, _>("n")?
        });
        Ok(n)
    }
}
