//! Requests about a person's data (access, correction, erasure, objection)
//! and the one-time codes that prove control of an address for the portal.
//! A request row holds its clock and status; what was asked is in vault
//! records under `request:<id>`. A code row holds keyed and plain hashes
//! only.

pub use super::request_status::RequestStatus;
use crate::in_write_tx;
use sqlx::Row;

use super::{PersonalData, RecordRow};
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: String,
    pub reference: String,
    pub subject_id: String,
    pub kind: String,
    pub channel: String,
    /// YYYY-MM-DD.
    pub received_on: String,
    pub status: RequestStatus,
    pub paused_days: i64,
    pub paused_since: Option<String>,
    pub extended_months: i64,
    pub extension_told_on: Option<String>,
    pub entered_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

macro_rules! request_columns {
    () => {
        "id, reference, subject_id, kind, channel, received_on, status, paused_days, paused_since, extended_months, extension_told_on, entered_by, created_at, closed_at"
    };
}

fn request_from<R: Row>(r: &R) -> Result<RequestRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RequestRow {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        subject_id: r.try_get("subject_id")?,
        kind: r.try_get("kind")?,
        channel: r.try_get("channel")?,
        received_on: r.try_get("received_on")?,
        status: {
            let text: String = r.try_get("status")?;
            RequestStatus::parse(&text).ok_or_else(|| {
                sqlx::Error::Decode(format!("`{text}` is not a request status").into())
            })?
        },
        paused_days: r.try_get("paused_days")?,
        paused_since: r.try_get("paused_since")?,
        extended_months: r.try_get("extended_months")?,
        extension_told_on: r.try_get("extension_told_on")?,
        entered_by: r.try_get("entered_by")?,
        created_at: r.try_get("created_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

/// A one-time code sent to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCodeRow {
    pub id: String,
    pub email_index: Vec<u8>,
    pub code_hash: Vec<u8>,
    pub session_hash: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
    pub attempts: i64,
    pub used_at: Option<i64>,
}

macro_rules! code_columns {
    () => {
        "id, email_index, code_hash, session_hash, created_at, expires_at, attempts, used_at"
    };
}

fn code_from<R: Row>(r: &R) -> Result<IdentityCodeRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(IdentityCodeRow {
        id: r.try_get("id")?,
        email_index: r.try_get("email_index")?,
        code_hash: r.try_get("code_hash")?,
        session_hash: r.try_get("session_hash")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        attempts: r.try_get("attempts")?,
        used_at: r.try_get("used_at")?,
    })
}

impl PersonalData<'_> {
    /// A new request and what was asked, in one transaction: acknowledged
    /// means both are stored. False, and nothing written: the person's key
    /// is no longer the one the records were sealed under (an erasure came
    /// between), so the caller seals them again. The audit entry (with
    /// `detail`) is written with them.
    pub async fn insert_request(
        &self,
        request: &RequestRow,
        sealed_under: &[u8],
        records: &[RecordRow],
        audit: &crate::audit::Audit<'_>,
        detail: &str,
    ) -> Result<bool> {
        let r = request;
        let share = if matches!(self.store.pool, crate::Pool::Postgres(_)) {
            " FOR SHARE"
        } else {
            ""
        };
        let check = format!("SELECT wrapped_key FROM subjects WHERE id = $1{share}");
        let written = in_write_tx!(self.store, tx, audited(audit) => {
            let key: Option<Vec<u8>> = sqlx::query(sqlx::AssertSqlSafe(check.clone()))
                .bind(&r.subject_id).fetch_optional(&mut *tx).await?
                .map(|row| row.try_get("wrapped_key")).transpose()?;
            if key.as_deref() != Some(sealed_under) {
                return Ok(false);
            }
            for record in records {
                insert_record!(&mut *tx, record);
            }
            sqlx::query(concat!(
                "INSERT INTO rights_requests (", request_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ))
            .bind(&r.id).bind(&r.reference).bind(&r.subject_id).bind(&r.kind).bind(&r.channel)
            .bind(&r.received_on).bind(r.status.as_str()).bind(r.paused_days).bind(&r.paused_since)
            .bind(r.extended_months).bind(&r.extension_told_on).bind(&r.entered_by)
            .bind(r.created_at).bind(r.closed_at)
            .execute(&mut *tx).await?;
            (true, Some(detail.to_owned()))
        });
        Ok(written)
    }

    pub async fn request_by_id(&self, id: &str) -> Result<Option<RequestRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", request_columns!(), " FROM rights_requests WHERE id = $1"))
                .bind(id).fetch_optional(p).await?.as_ref().map(request_from).transpose()?
        });
        Ok(row)
    }

    /// Every request, open ones first, each group oldest first.
    pub async fn requests(&self) -> Result<Vec<RequestRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!(
                "SELECT ", request_columns!(), " FROM rights_requests \
                 ORDER BY CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, received_on, created_at"
            ))
            .fetch_all(p).await?.iter().map(request_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    pub async fn requests_of(&self, subject_id: &str) -> Result<Vec<RequestRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", request_columns!(), " FROM rights_requests WHERE subject_id = $1 ORDER BY received_on, created_at"))
                .bind(subject_id).fetch_all(p).await?.iter().map(request_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Save a request's clock and status, with any records that go with
    /// the change (an extension's reason, staff notes), in one transaction.
    /// False: someone else changed it since `expected_status` was read.
    /// The audit entry (with `detail`) is written with the change, or not.
    pub async fn update_request(
        &self,
        r: &RequestRow,
        expected_status: RequestStatus,
        records: &[RecordRow],
        audit: &crate::audit::Audit<'_>,
        detail: &str,
    ) -> Result<bool> {
        let changed = in_write_tx!(self.store, tx, audited(audit) => {
            let changed = sqlx::query(
                "UPDATE rights_requests SET status = $1, paused_days = $2, paused_since = $3, \
                 extended_months = $4, extension_told_on = $5, closed_at = $6 WHERE id = $7 AND status = $8",
            )
            .bind(r.status.as_str()).bind(r.paused_days).bind(&r.paused_since).bind(r.extended_months)
            .bind(&r.extension_told_on).bind(r.closed_at).bind(&r.id).bind(expected_status.as_str())
            .execute(&mut *tx).await?.rows_affected() == 1;
            if changed {
                for record in records {
                    insert_record!(&mut *tx, record);
                }
            }
            (changed, changed.then(|| detail.to_owned()))
        });
        Ok(changed)
    }

    pub async fn insert_identity_code(&self, c: &IdentityCodeRow) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("INSERT INTO identity_codes (", code_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                .bind(&c.id).bind(&c.email_index).bind(&c.code_hash).bind(&c.session_hash)
                .bind(c.created_at).bind(c.expires_at).bind(c.attempts).bind(c.used_at)
                .execute(p).await?;
        });
        Ok(())
    }

    /// How many codes were sent to an address since `since`.
    pub async fn identity_codes_sent(&self, email_index: &[u8], since: i64) -> Result<i64> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT COUNT(*) AS n FROM identity_codes WHERE email_index = $1 AND created_at >= $2")
                .bind(email_index).bind(since).fetch_one(p).await?.try_get::<i64, _>("n")?
        });
        Ok(n)
    }

    pub async fn identity_code(&self, id: &str) -> Result<Option<IdentityCodeRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", code_columns!(), " FROM identity_codes WHERE id = $1"))
                .bind(id).fetch_optional(p).await?.as_ref().map(code_from).transpose()?
        });
        Ok(row)
    }

    /// Count one more try at a code, before it is compared, so that racing
    /// guesses cannot share one count. Returns the tries so far, or none
    /// when the code has been used.
    pub async fn try_identity_code(&self, id: &str) -> Result<Option<i64>> {
        let tries = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE identity_codes SET attempts = attempts + 1 WHERE id = $1 AND used_at IS NULL RETURNING attempts")
                .bind(id).fetch_optional(p).await?
                .map(|r| r.try_get::<i64, _>("attempts")).transpose()?
        });
        Ok(tries)
    }

    /// Use up a code. False: it was used already.
    pub async fn use_identity_code(&self, id: &str, now: i64) -> Result<bool> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE identity_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now).bind(id).execute(p).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Forget codes created before `before` (a day old: long after they
    /// expire, and after the hourly limit that counts them).
    pub async fn delete_identity_codes_before(&self, before: i64) -> Result<u64> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("DELETE FROM identity_codes WHERE created_at < $1")
                .bind(before).execute(p).await?.rows_affected()
        });
        Ok(n)
    }
}
