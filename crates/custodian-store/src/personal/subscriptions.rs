//! Subscriptions to email updates. A subscriber's address and choices are
//! vault records under `subscriber:<id>`; the `subscribers` row holds a
//! keyed hash of the address, the hash of the confirmation link and when
//! it was confirmed.

use crate::in_write_tx;
use sqlx::Row;

use super::consents::ConsentReceiptRow;
use super::{PersonalData, RecordRow, SubjectRow};
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberRow {
    pub id: String,
    pub subject_id: String,
    pub email_index: Vec<u8>,
    pub confirm_expires_at: i64,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
    /// Set while a parent's or guardian's permission is awaited: when their
    /// link stops working.
    pub guardian_expires_at: Option<i64>,
}

macro_rules! subscriber_columns {
    () => {
        "id, subject_id, email_index, confirm_expires_at, confirmed_at, created_at, guardian_expires_at"
    };
}

/// Subscribers whose records are all gone (retention or erasure took them).
pub(crate) const DELETE_EMPTY_SUBSCRIBERS: &str = "DELETE FROM subscribers WHERE NOT EXISTS \
     (SELECT 1 FROM records WHERE records.source = 'subscriber:' || subscribers.id)";
pub(crate) const DELETE_SUBSCRIBERS_OF: &str = "DELETE FROM subscribers WHERE subject_id = $1";

fn subscriber_from<R: Row>(r: &R) -> Result<SubscriberRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SubscriberRow {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        email_index: r.try_get("email_index")?,
        confirm_expires_at: r.try_get("confirm_expires_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        created_at: r.try_get("created_at")?,
        guardian_expires_at: r.try_get("guardian_expires_at")?,
    })
}

/// A new subscription: its subject when new, its records, its row and the
/// hash of its confirmation link, written in one transaction.
pub struct SubscriberInsert<'a> {
    pub new_subject: Option<&'a SubjectRow>,
    pub records: &'a [RecordRow],
    pub subscriber: &'a SubscriberRow,
    pub confirm_hash: &'a [u8],
}

impl PersonalData<'_> {
    pub async fn insert_subscriber(&self, new: &SubscriberInsert<'_>) -> Result<()> {
        let s = new.subscriber;
        in_write_tx!(self.store, tx => {
            if let Some(subject) = new.new_subject {
                sqlx::query(concat!(
                    "INSERT INTO subjects (", subject_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ))
                .bind(&subject.id).bind(&subject.email_index).bind(&subject.session_index)
                .bind(i64::from(subject.verified)).bind(&subject.wrapped_key)
                .bind(&subject.master_key_id).bind(subject.created_at)
                .execute(&mut *tx).await?;
            }
            for r in new.records {
                insert_record!(&mut *tx, r);
            }
            sqlx::query(concat!(
                "INSERT INTO subscribers (", subscriber_columns!(), ", confirm_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&s.id).bind(&s.subject_id).bind(&s.email_index).bind(s.confirm_expires_at)
            .bind(s.confirmed_at).bind(s.created_at).bind(s.guardian_expires_at).bind(new.confirm_hash)
            .execute(&mut *tx).await?;
        });
        Ok(())
    }

    pub async fn subscriber_by_id(&self, id: &str) -> Result<Option<SubscriberRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE id = $1"))
                .bind(id).fetch_optional(p).await?.as_ref().map(subscriber_from).transpose()?
        });
        Ok(row)
    }

    pub async fn confirmed_subscriber_by_email(
        &self,
        index: &[u8],
    ) -> Result<Option<SubscriberRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE email_index = $1 AND confirmed_at IS NOT NULL"))
                .bind(index).fetch_optional(p).await?.as_ref().map(subscriber_from).transpose()?
        });
        Ok(row)
    }

    pub async fn subscribers_of(&self, subject_id: &str) -> Result<Vec<SubscriberRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE subject_id = $1 ORDER BY created_at"))
                .bind(subject_id).fetch_all(p).await?.iter().map(subscriber_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The subscriber a confirmation link belongs to, whether or not it has
    /// expired (the caller says which).
    pub async fn subscriber_by_confirm_hash(&self, hash: &[u8]) -> Result<Option<SubscriberRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE confirm_hash = $1"))
                .bind(hash).fetch_optional(p).await?.as_ref().map(subscriber_from).transpose()?
        });
        Ok(row)
    }

    /// Confirm a subscription, using up its link. False: another confirmed
    /// subscription has the address already, or it was confirmed meanwhile.
    pub async fn confirm_subscriber(&self, id: &str, now: i64) -> Result<bool> {
        let done = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE subscribers SET confirmed_at = $1, confirm_hash = NULL WHERE id = $2 AND confirmed_at IS NULL")
                .bind(now).bind(id).execute(p).await.map(|d| d.rows_affected() == 1)
        });
        match done {
            Ok(changed) => Ok(changed),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A confirmed address that now waits for a parent or guardian: the
    /// confirmation link is used up, the parent's link is stored as its
    /// hash, and every record is kept no longer than that link lives.
    /// False: the confirmation link was used meanwhile.
    pub async fn await_guardian(
        &self,
        id: &str,
        guardian_hash: &[u8],
        expires_at: i64,
    ) -> Result<bool> {
        let source = super::record_source::RecordSource::Subscriber(id).stored();
        let held = in_write_tx!(self.store, tx => {
            let held = sqlx::query("UPDATE subscribers SET confirm_hash = NULL, guardian_hash = $1, guardian_expires_at = $2 WHERE id = $3 AND confirmed_at IS NULL AND confirm_hash IS NOT NULL")
                .bind(guardian_hash).bind(expires_at).bind(id)
                .execute(&mut *tx).await?.rows_affected() == 1;
            if held {
                sqlx::query("UPDATE records SET delete_after = $1 WHERE source = $2")
                    .bind(expires_at).bind(&source).execute(&mut *tx).await?;
            }
            held
        });
        Ok(held)
    }

    /// The subscriber a parent's or guardian's link belongs to, whether or
    /// not it has expired (the caller says which).
    pub async fn subscriber_by_guardian_hash(&self, hash: &[u8]) -> Result<Option<SubscriberRow>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE guardian_hash = $1"))
                .bind(hash).fetch_optional(p).await?.as_ref().map(subscriber_from).transpose()?
        });
        Ok(row)
    }

    /// A parent's or guardian's decision with its receipt, in one
    /// transaction. Given: the subscription is confirmed and their address
    /// (`drop_field`) deleted. Refused: the subscription and everything it
    /// holds go. False: the link was used meanwhile.
    pub async fn decide_subscriber_guardian(
        &self,
        id: &str,
        given: bool,
        drop_field: &str,
        receipt: &ConsentReceiptRow,
        now: i64,
    ) -> Result<bool> {
        let source = super::record_source::RecordSource::Subscriber(id).stored();
        let decided = in_write_tx!(self.store, tx => {
            let claimed = if given {
                sqlx::query("UPDATE subscribers SET confirmed_at = $1, guardian_hash = NULL, guardian_expires_at = NULL WHERE id = $2 AND guardian_hash IS NOT NULL AND guardian_expires_at > $1")
                    .bind(now).bind(id).execute(&mut *tx).await?.rows_affected() == 1
            } else {
                sqlx::query("DELETE FROM subscribers WHERE id = $1 AND guardian_hash IS NOT NULL AND guardian_expires_at > $2")
                    .bind(id).bind(now).execute(&mut *tx).await?.rows_affected() == 1
            };
            if claimed {
                if given {
                    sqlx::query("DELETE FROM records WHERE source = $1 AND field = $2")
                        .bind(&source).bind(drop_field).execute(&mut *tx).await?;
                } else {
                    sqlx::query("DELETE FROM records WHERE source = $1")
                        .bind(&source).execute(&mut *tx).await?;
                }
                insert_receipt!(&mut *tx, receipt);
            }
            claimed
        });
        Ok(decided)
    }

    /// Confirmed subscribers after `after` (by id), a page at a time, for
    /// sending an update.
    pub async fn confirmed_subscribers(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<SubscriberRow>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("SELECT ", subscriber_columns!(), " FROM subscribers WHERE confirmed_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2"))
                .bind(after).bind(limit).fetch_all(p).await?.iter().map(subscriber_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Unsubscribe: the row and every record it holds go, in one
    /// transaction, so nothing more can be sent to it from this moment.
    pub async fn delete_subscriber(&self, id: &str) -> Result<bool> {
        let source = super::record_source::RecordSource::Subscriber(id).stored();
        let deleted = in_write_tx!(self.store, tx => {
            sqlx::query("DELETE FROM records WHERE source = $1").bind(&source).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM subscribers WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected() == 1
        });
        Ok(deleted)
    }

    /// Replace every record of one source (a subscription's choices, when
    /// the person changes them) in one transaction.
    pub async fn replace_source(
        &self,
        subject_id: &str,
        source: &str,
        rows: &[RecordRow],
    ) -> Result<()> {
        in_write_tx!(self.store, tx => {
            sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2")
                .bind(subject_id).bind(source).execute(&mut *tx).await?;
            for r in rows {
                insert_record!(&mut *tx, r);
            }
        });
        Ok(())
    }
}
