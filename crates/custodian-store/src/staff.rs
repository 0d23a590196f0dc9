//! Staff accounts and the sign-in throttle.

use sqlx::Row;

use crate::{Result, Store, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub totp_sealed: Vec<u8>,
    pub totp_last_step: i64,
    pub created_at: i64,
}

/// A staff row from a query result row, in one place.
macro_rules! staff_from {
    ($r:expr) => {
        StaffRow {
            username: $r.try_get("username")?,
            role: $r.try_get("role")?,
            password_hash: $r.try_get("password_hash")?,
            totp_sealed: $r.try_get("totp_sealed")?,
            totp_last_step: $r.try_get("totp_last_step")?,
            created_at: $r.try_get("created_at")?,
        }
    };
}

impl Store {
    /// Create a staff account; false if the username is taken.
    pub async fn insert_staff(&self, s: &StaffRow) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO staff (username, role, password_hash, totp_sealed, totp_last_step, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&s.username).bind(&s.role).bind(&s.password_hash).bind(&s.totp_sealed).bind(s.totp_last_step).bind(s.created_at)
            .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn staff(&self, username: &str) -> Result<Option<StaffRow>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query("SELECT username, role, password_hash, totp_sealed, totp_last_step, created_at FROM staff WHERE username = $1")
                .bind(username)
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<StaffRow, sqlx::Error> {
                    Ok(staff_from!(r))
                })
                .transpose()?
        });
        Ok(row)
    }

    /// Remove a staff account: their sessions stop working at once, because
    /// every staff request reads the account. False if there was none.
    pub async fn delete_staff(&self, username: &str) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM staff WHERE username = $1").bind(username).execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Give a staff account another role, from its next request on.
    pub async fn set_staff_role(&self, username: &str, role: &str) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE staff SET role = $1 WHERE username = $2").bind(role).bind(username).execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// The teams whose cases a staff member answers, by id.
    pub async fn staff_teams(&self, username: &str) -> Result<Vec<String>> {
        let teams = with_pool!(&self.pool, p => {
            sqlx::query("SELECT team FROM staff_teams WHERE username = $1 ORDER BY team")
                .bind(username).fetch_all(p).await?
                .iter().map(|r| r.try_get::<String, _>("team")).collect::<Result<Vec<_>, _>>()?
        });
        Ok(teams)
    }

    /// Replace a staff member's teams, from their next request on. False if
    /// there is no such account.
    pub async fn set_staff_teams(&self, username: &str, teams: &[String]) -> Result<bool> {
        let found = with_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let found = sqlx::query("SELECT 1 FROM staff WHERE username = $1")
                .bind(username).fetch_optional(&mut *tx).await?.is_some();
            if found {
                sqlx::query("DELETE FROM staff_teams WHERE username = $1").bind(username).execute(&mut *tx).await?;
                for team in teams {
                    sqlx::query("INSERT INTO staff_teams (username, team) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(username).bind(team).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            found
        });
        Ok(found)
    }

    /// Every staff account, by username.
    pub async fn staff_accounts(&self) -> Result<Vec<StaffRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query("SELECT username, role, password_hash, totp_sealed, totp_last_step, created_at FROM staff ORDER BY username")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| -> Result<StaffRow, sqlx::Error> {
                    Ok(staff_from!(r))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Record that the code for `step` was used, only if no later or equal
    /// step was: false means the code was replayed.
    pub async fn use_totp_step(&self, username: &str, step: i64) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE staff SET totp_last_step = $1 WHERE username = $2 AND totp_last_step < $1")
                .bind(step).bind(username)
                .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Failures within the window that started at or after `since`.
    pub async fn sign_in_failures(&self, key_hash: &[u8], since: i64) -> Result<i64> {
        let n = with_pool!(&self.pool, p => {
            sqlx::query("SELECT failures FROM sign_in_throttle WHERE key_hash = $1 AND window_start >= $2")
                .bind(key_hash).bind(since)
                .fetch_optional(p).await?
                .map(|r| r.try_get::<i64, _>("failures")).transpose()?.unwrap_or(0)
        });
        Ok(n)
    }

    /// Count a failure, starting a new window if the last one is older than
    /// `since`.
    pub async fn record_sign_in_failure(
        &self,
        key_hash: &[u8],
        now: i64,
        since: i64,
    ) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO sign_in_throttle (key_hash, failures, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (key_hash) DO UPDATE SET \
                 failures = CASE WHEN sign_in_throttle.window_start < $3 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
                 window_start = CASE WHEN sign_in_throttle.window_start < $3 THEN $2 ELSE sign_in_throttle.window_start END",
            )
            .bind(key_hash).bind(now).bind(since)
            .execute(p).await?;
        });
        Ok(())
    }

    /// Forget counts whose window started before `before`: names tried and
    /// never signed in with are not kept, even as keyed hashes.
    pub async fn forget_sign_in_failures(&self, before: i64) -> Result<u64> {
        let removed = with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM sign_in_throttle WHERE window_start < $1")
                .bind(before).execute(p).await?.rows_affected()
        });
        Ok(removed)
    }

    pub async fn clear_sign_in_failures(&self, key_hash: &[u8]) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM sign_in_throttle WHERE key_hash = $1").bind(key_hash).execute(p).await?;
        });
        Ok(())
    }
}
