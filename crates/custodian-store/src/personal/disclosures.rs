//! The disclosure log: each time personal data went outside the
//! organisation, whether the system passed it on (a forwarded case) or the
//! DPO recorded it (a safeguarding referral, a partner on a project). The
//! row says to whom (a recipient id from the policy), under which purpose
//! and basis, by whom, and whether and when the person was told; why, which
//! data, who authorised it and any reason not to tell are vault records
//! under `disclosure:<id>` (or, for a forwarded case, with the case).

use crate::in_write_tx;
use sqlx::Row;

use super::{PersonalData, RecordRow};
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRow {
    pub id: String,
    pub subject_id: String,
    pub case_id: Option<String>,
    pub recipient: String,
    /// What went: `full`, or `redacted` (identifying answers removed).
    pub version: String,
    /// `permission` (the person agreed), `none` (nothing identifying went),
    /// or a lawful basis or exemption recorded by the DPO.
    pub basis: String,
    pub actor: String,
    pub at: i64,
    /// The policy purpose the data was held for; empty in rows from before
    /// the log recorded it.
    pub purpose: String,
    /// `system` or `staff`.
    pub origin: String,
    /// When the person was told (or knew, having given permission).
    pub told_at: Option<i64>,
    /// A reason not to tell them is recorded.
    pub not_told: bool,
}

macro_rules! disclosure_columns {
    () => {
        "id, subject_id, case_id, recipient, version, basis, actor, at, purpose, origin, told_at, not_told"
    };
}

fn disclosure_from<R: Row>(r: &R) -> Result<DisclosureRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(DisclosureRow {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        case_id: r.try_get("case_id")?,
        recipient: r.try_get("recipient")?,
        version: r.try_get("version")?,
        basis: r.try_get("basis")?,
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
        purpose: r.try_get("purpose")?,
        origin: r.try_get("origin")?,
        told_at: r.try_get("told_at")?,
        not_told: r.try_get::<i64, _>("not_told")? != 0,
    })
}

impl PersonalData<'_> {
    /// Records a disclosure, its sealed words and its audit entry (`detail`
    /// says what went where) in one transaction.
    pub async fn insert_disclosure(
        &self,
        d: &DisclosureRow,
        records: &[RecordRow],
        audit: &crate::audit::Audit<'_>,
        detail: &str,
    ) -> Result<()> {
        in_write_tx!(self.store, tx, audited(audit) => {
            for record in records {
                insert_record!(&mut *tx, record);
            }
            sqlx::query(concat!(
                "INSERT INTO disclosures (", disclosure_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(&d.id).bind(&d.subject_id).bind(&d.case_id).bind(&d.recipient)
            .bind(&d.version).bind(&d.basis).bind(&d.actor).bind(d.at)
            .bind(&d.purpose).bind(&d.origin).bind(d.told_at).bind(i64::from(d.not_told))
            .execute(&mut *tx).await?;
            ((), Some(detail.to_owned()))
        });
        Ok(())
    }

    /// A person's disclosures, oldest first.
    pub async fn disclosures_of(&self, subject_id: &str) -> Result<Vec<DisclosureRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", disclosure_columns!(), " FROM disclosures WHERE subject_id = $1 ORDER BY at, id"))
                .bind(subject_id).fetch_all(p).await?
                .iter().map(disclosure_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    pub async fn disclosure_by_id(&self, id: &str) -> Result<Option<DisclosureRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", disclosure_columns!(), " FROM disclosures WHERE id = $1"))
                .bind(id).fetch_optional(p).await?.as_ref().map(disclosure_from).transpose()?
        });
        Ok(row)
    }

    /// The whole log, newest first.
    pub async fn disclosures(&self, limit: i64) -> Result<Vec<DisclosureRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", disclosure_columns!(), " FROM disclosures ORDER BY at DESC, id DESC LIMIT $1"))
                .bind(limit).fetch_all(p).await?
                .iter().map(disclosure_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Record that the person has now been told.
    pub async fn mark_disclosure_told(&self, id: &str, at: i64) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE disclosures SET told_at = $1, not_told = 0 WHERE id = $2")
                .bind(at).bind(id).execute(p).await?;
        });
        Ok(())
    }
}
