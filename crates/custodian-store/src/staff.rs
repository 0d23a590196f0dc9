//! Staff accounts and the sign-in throttle.

use sqlx::Row;

use crate::{Result, Store, in_write_tx, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    /// Random and never reused: what a session holds, so a name given
    /// again to someone new does not inherit old sessions.
    pub id: String,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub totp_sealed: Vec<u8>,
    pub totp_last_step: i64,
    pub created_at: i64,
    /// Raised by every change of password or role; a session signed in
    /// under an older version no longer counts.
    pub credential_version: i64,
}

/// What finishing an enrolment sets: the password its person chose, and
/// the authenticator step of the code they typed to prove they added it.
pub struct Enrolled<'a> {
    /// The hash of the emailed link's token.
    pub token_hash: &'a [u8],
    pub password_hash: &'a str,
    pub totp_step: i64,
}

/// What a staff member's sessions are recorded under (`sessions.owner`).
pub fn staff_owner(id: &str) -> String {
    format!("staff:{id}")
}

/// Ends every session of one account, in the transaction that changed it.
const END_SESSIONS: &str = "DELETE FROM sessions WHERE owner = $1";

macro_rules! staff_columns {
    () => {
        "id, username, role, password_hash, totp_sealed, totp_last_step, created_at, credential_version"
    };
}

impl StaffRow {
    /// Whether the account's person has set their own password: an
    /// account added in the staff area has none until its emailed link is
    /// used, and cannot sign in.
    pub fn enrolled(&self) -> bool {
        !self.password_hash.is_empty()
    }
}

/// A staff row from a query result row, in one place.
macro_rules! staff_from {
    ($r:expr) => {
        StaffRow {
            id: $r.try_get("id")?,
            username: $r.try_get("username")?,
            role: $r.try_get("role")?,
            password_hash: $r.try_get("password_hash")?,
            totp_sealed: $r.try_get("totp_sealed")?,
            totp_last_step: $r.try_get("totp_last_step")?,
            created_at: $r.try_get("created_at")?,
            credential_version: $r.try_get("credential_version")?,
        }
    };
}

impl Store {
    /// Create a staff account; false if the username is taken.
    pub async fn insert_staff(&self, s: &StaffRow) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO staff (id, username, role, password_hash, totp_sealed, totp_last_step, created_at, credential_version) \
                 VALUES ($7, $1, $2, $3, $4, $5, $6, 1) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&s.username).bind(&s.role).bind(&s.password_hash).bind(&s.totp_sealed).bind(s.totp_last_step).bind(s.created_at).bind(&s.id)
            .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn staff(&self, username: &str) -> Result<Option<StaffRow>> {
        self.staff_where(
            concat!(
                "SELECT ",
                staff_columns!(),
                " FROM staff WHERE username = $1"
            ),
            username,
        )
        .await
    }

    /// The staff account with this id, as a session names it.
    pub async fn staff_by_id(&self, id: &str) -> Result<Option<StaffRow>> {
        self.staff_where(
            concat!("SELECT ", staff_columns!(), " FROM staff WHERE id = $1"),
            id,
        )
        .await
    }

    async fn staff_where(&self, sql: &'static str, key: &str) -> Result<Option<StaffRow>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query(sql)
                .bind(key)
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<StaffRow, sqlx::Error> {
                    Ok(staff_from!(r))
                })
                .transpose()?
        });
        Ok(row)
    }

    /// Remove a staff account and every session signed in to it, in one
    /// transaction. False if there was none.
    pub async fn delete_staff(&self, username: &str) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let id: Option<String> = sqlx::query("DELETE FROM staff WHERE username = $1 RETURNING id")
                .bind(username).fetch_optional(&mut *tx).await?
                .map(|r| r.try_get("id")).transpose()?;
            if let Some(id) = &id {
                sqlx::query(END_SESSIONS).bind(staff_owner(id)).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            id.is_some()
        });
        Ok(done)
    }

    /// Give a staff account another role: its credential version goes up
    /// and its sessions end, so the person signs in again under the new
    /// role. False if there is no such account.
    pub async fn set_staff_role(&self, username: &str, role: &str) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let id: Option<String> = sqlx::query(
                "UPDATE staff SET role = $1, credential_version = credential_version + 1 WHERE username = $2 RETURNING id",
            )
            .bind(role).bind(username).fetch_optional(&mut *tx).await?
            .map(|r| r.try_get("id")).transpose()?;
            if let Some(id) = &id {
                sqlx::query(END_SESSIONS).bind(staff_owner(id)).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            id.is_some()
        });
        Ok(done)
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
        // The first statement reads: on SQLite the write lock is taken at
        // BEGIN, so a server writing at the same time makes this wait its
        // turn instead of failing with "database is locked".
        let found = in_write_tx!(self, tx => {
            let found = sqlx::query("SELECT 1 FROM staff WHERE username = $1")
                .bind(username).fetch_optional(&mut *tx).await?.is_some();
            if found {
                sqlx::query("DELETE FROM staff_teams WHERE username = $1").bind(username).execute(&mut *tx).await?;
                for team in teams {
                    sqlx::query("INSERT INTO staff_teams (username, team) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(username).bind(team).execute(&mut *tx).await?;
                }
            }
            found
        });
        Ok(found)
    }

    /// Record the link emailed to enrol the account `staff_id` (its hash).
    pub async fn insert_enrolment(
        &self,
        token_hash: &[u8],
        staff_id: &str,
        expires_at: i64,
    ) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("INSERT INTO staff_enrolments (token_hash, staff_id, expires_at) VALUES ($1, $2, $3)")
                .bind(token_hash).bind(staff_id).bind(expires_at)
                .execute(p).await?;
        });
        Ok(())
    }

    /// The account a link enrols, while the link is unused and unexpired.
    pub async fn enrolling(&self, token_hash: &[u8], now: i64) -> Result<Option<StaffRow>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query(concat!(
                "SELECT ", staff_columns!(), " FROM staff WHERE id = (SELECT staff_id FROM staff_enrolments \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2)"
            ))
                .bind(token_hash).bind(now)
                .fetch_optional(p).await?
                .map(|r| -> Result<StaffRow, sqlx::Error> { Ok(staff_from!(r)) })
                .transpose()?
        });
        Ok(row)
    }

    /// Use the link once: the account gets its person's own password, in
    /// the same transaction. False if the link was used, expired or gone
    /// meanwhile.
    pub async fn complete_enrolment(
        &self,
        enrolment: &Enrolled<'_>,
        audit: &crate::audit::Audit<'_>,
    ) -> Result<bool> {
        let now = audit.at;
        let done = in_write_tx!(self, tx, audited(audit) => {
            let staff_id: Option<String> = sqlx::query(
                "UPDATE staff_enrolments SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING staff_id",
            )
            .bind(now).bind(enrolment.token_hash)
            .fetch_optional(&mut *tx).await?
            .map(|r| r.try_get("staff_id")).transpose()?;
            if let Some(id) = &staff_id {
                // The code just typed is used with it: it cannot sign in a
                // second time.
                sqlx::query("UPDATE staff SET password_hash = $1, credential_version = credential_version + 1, totp_last_step = $2 WHERE id = $3 AND password_hash = ''")
                    .bind(enrolment.password_hash).bind(enrolment.totp_step).bind(id)
                    .execute(&mut *tx).await?;
            }
            let detail = "chose their password and added their authenticator";
            (staff_id.is_some(), staff_id.is_some().then(|| detail.to_owned()))
        });
        Ok(done)
    }

    /// Every staff account, by username.
    pub async fn staff_accounts(&self) -> Result<Vec<StaffRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", staff_columns!(), " FROM staff ORDER BY username"))
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

    /// Failures counted under `key` and when the last was, for throttles
    /// that make each attempt wait longer after the last failure.
    pub async fn failures_since_success(&self, key_hash: &[u8]) -> Result<Option<(i64, i64)>> {
        let found = with_pool!(&self.pool, p => {
            sqlx::query("SELECT failures, window_start FROM sign_in_throttle WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(p).await?
                .map(|r| -> Result<(i64, i64), sqlx::Error> { Ok((r.try_get("failures")?, r.try_get("window_start")?)) })
                .transpose()?
        });
        Ok(found)
    }

    /// Count one more failure under `key`, the last at `now` (kept in
    /// `window_start`, which for these keys means the latest failure).
    pub async fn record_failure_at(&self, key_hash: &[u8], now: i64) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO sign_in_throttle (key_hash, failures, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (key_hash) DO UPDATE SET failures = sign_in_throttle.failures + 1, window_start = $2",
            )
            .bind(key_hash).bind(now)
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
