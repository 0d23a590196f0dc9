//! The consent ledger: a receipt for every consent given, refused or
//! withdrawn (cookie categories, email topics, a form's consent questions):
//! who (an opaque subject, or for a visitor without an account the random
//! receipt id in their consent cookie), the scope and purpose, the policy
//! version, the exact words shown, when and how. Receipts are only ever
//! added: the latest for a scope is the person's current answer.

use crate::in_write_tx;
use sqlx::Row;

use super::PersonalData;
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentReceiptRow {
    pub id: String,
    pub subject_id: Option<String>,
    pub visitor: Option<String>,
    /// `cookies:<category>`, `topic:<id>` or `case:<case id>:<question>`.
    pub scope: String,
    pub purpose: String,
    pub given: bool,
    pub policy_version: i64,
    pub words: String,
    /// Where: `cookie banner`, `cookies page`, `subscription`, ...
    pub method: String,
    pub at: i64,
}

fn receipt_from<R: Row>(r: &R) -> Result<ConsentReceiptRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ConsentReceiptRow {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        visitor: r.try_get("visitor")?,
        scope: r.try_get("scope")?,
        purpose: r.try_get("purpose")?,
        given: r.try_get::<i64, _>("given")? != 0,
        policy_version: r.try_get("policy_version")?,
        words: r.try_get("words")?,
        method: r.try_get("method")?,
        at: r.try_get("at")?,
    })
}

const COLUMNS: &str =
    "id, subject_id, visitor, scope, purpose, given, policy_version, words, method, at";

impl PersonalData<'_> {
    /// Add receipts, all or none.
    pub async fn insert_receipts(&self, receipts: &[ConsentReceiptRow]) -> Result<()> {
        if receipts.is_empty() {
            return Ok(());
        }
        in_write_tx!(self.store, tx => {
            for r in receipts {
                insert_receipt!(&mut *tx, r);
            }
        });
        Ok(())
    }

    /// A person's receipts, oldest first.
    pub async fn receipts_of(&self, subject_id: &str) -> Result<Vec<ConsentReceiptRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM consent_receipts WHERE subject_id = $1 ORDER BY at, id");
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(subject_id).fetch_all(p).await?
                .iter().map(receipt_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The receipts of one cookie-consent visitor, oldest first.
    pub async fn receipts_of_visitor(&self, visitor: &str) -> Result<Vec<ConsentReceiptRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM consent_receipts WHERE visitor = $1 ORDER BY at, id");
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(visitor).fetch_all(p).await?
                .iter().map(receipt_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}
