//! Forms held for a parent's or guardian's permission: the link emailed to
//! them (only its hash), and their decision, which changes the case, its
//! records and the consent ledger in one transaction.

use crate::in_write_tx;
use sqlx::Row;

use super::PersonalData;
use super::consents::ConsentReceiptRow;
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianRequestRow {
    pub id: String,
    pub case_id: String,
    pub token_hash: Vec<u8>,
    pub expires_at: i64,
    pub created_at: i64,
}

/// What a parent or guardian decided, as the rows it changes.
#[derive(Debug, Clone)]
pub enum GuardianOutcome<'a> {
    /// The case goes to its inbox: each record's deadline as its purpose
    /// sets it (`(record id, event_at, delete_after)`), and the records of
    /// `drop_field` (the guardian's address, used only to ask) deleted.
    Given {
        deadlines: &'a [(String, Option<i64>, Option<i64>)],
        drop_field: &'a str,
    },
    /// The case and everything it holds are deleted.
    Refused,
}

fn request_from<R: Row>(r: &R) -> Result<GuardianRequestRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(GuardianRequestRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        token_hash: r.try_get("token_hash")?,
        expires_at: r.try_get("expires_at")?,
        created_at: r.try_get("created_at")?,
    })
}

impl PersonalData<'_> {
    /// The request a link's hash belongs to, expired or not.
    pub async fn guardian_request(&self, token_hash: &[u8]) -> Result<Option<GuardianRequestRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT id, case_id, token_hash, expires_at, created_at FROM guardian_requests WHERE token_hash = $1")
                .bind(token_hash).fetch_optional(p).await?.as_ref().map(request_from).transpose()?
        });
        Ok(row)
    }

    /// Carry out a decision, using up the link: false if it was used
    /// meanwhile (a second click), in which case nothing changes.
    pub async fn decide_guardian_request(
        &self,
        request: &GuardianRequestRow,
        outcome: &GuardianOutcome<'_>,
        receipt: &ConsentReceiptRow,
        audit: &crate::audit::Audit<'_>,
        detail: &str,
        now: i64,
    ) -> Result<bool> {
        let source = super::record_source::RecordSource::Case(&request.case_id).stored();
        let decided = in_write_tx!(self.store, tx, audited(audit) => {
            let claimed = sqlx::query("DELETE FROM guardian_requests WHERE id = $1")
                .bind(&request.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if claimed {
                match outcome {
                    GuardianOutcome::Given { deadlines, drop_field } => {
                        for (id, event_at, delete_after) in deadlines.iter() {
                            sqlx::query("UPDATE records SET event_at = $1, delete_after = $2 WHERE id = $3")
                                .bind(event_at).bind(delete_after).bind(id)
                                .execute(&mut *tx).await?;
                        }
                        sqlx::query("DELETE FROM records WHERE source = $1 AND field = $2")
                            .bind(&source).bind(drop_field).execute(&mut *tx).await?;
                        sqlx::query("UPDATE cases SET status = $1, updated_at = $2 WHERE id = $3")
                            .bind(super::case_status::CaseStatus::New.as_str()).bind(now).bind(&request.case_id).execute(&mut *tx).await?;
                    }
                    GuardianOutcome::Refused => {
                        sqlx::query("DELETE FROM records WHERE source = $1")
                            .bind(&source).execute(&mut *tx).await?;
                        sqlx::query("DELETE FROM cases WHERE id = $1")
                            .bind(&request.case_id).execute(&mut *tx).await?;
                    }
                }
                insert_receipt!(&mut *tx, receipt);
            }
            (claimed, claimed.then(|| detail.to_owned()))
        });
        Ok(decided)
    }
}
