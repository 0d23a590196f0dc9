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

    /// Store a new session. An id already stored is left alone: ids are
    /// random, so that only happens when two requests race to create one.
    /// `owner` names the account it is signed in to (`staff:<id>`,
    /// `account:<id>`), so all of an account's sessions can be ended.
    pub async fn insert_session(
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
                 ON CONFLICT (id_hash) DO NOTHING",
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

    /// Change a stored session, only if it still exists: a request that
    /// loaded it before a sign-out (or any other ending) deleted it cannot
    /// bring it back. False if it was gone.
    pub async fn update_session(
        &self,
        id_hash: &[u8],
        data: &str,
        owner: Option<&str>,
        expires_at: i64,
    ) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE sessions SET data = $1, expires_at = $2, owner = $3 WHERE id_hash = $4")
                .bind(data)
                .bind(expires_at)
                .bind(owner)
                .bind(id_hash)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
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
