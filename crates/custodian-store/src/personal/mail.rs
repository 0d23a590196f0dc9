//! Many messages queued at once (an update's recipients): each message's
//! vault copy and its outbox row, all in one transaction, so queueing a
//! page of recipients costs one commit rather than two for each.

use crate::in_write_tx;
use sqlx::Row;

use super::{PersonalData, RecordRow};
use crate::Result;

/// One message to queue: its outbox row's parts, and its vault copy
/// sealed under the key its subject had (`sealed_under`, wrapped).
#[derive(Debug, Clone)]
pub struct QueuedMessage {
    pub outbox_id: String,
    pub subject_id: String,
    pub template: String,
    pub send_id: Option<String>,
    pub sealed_under: Vec<u8>,
    pub record: RecordRow,
}

impl PersonalData<'_> {
    /// Queue `messages` in one transaction. A message is skipped (false)
    /// when its subject's key changed since it was sealed (an erasure came
    /// between) or its send already has a message for that subject (queued
    /// before a restart); the others are written (true).
    pub async fn insert_messages(&self, messages: &[QueuedMessage], now: i64) -> Result<Vec<bool>> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let lock = if matches!(self.store.pool, crate::Pool::Postgres(_)) {
            "SELECT wrapped_key FROM subjects WHERE id = $1 FOR SHARE"
        } else {
            "SELECT wrapped_key FROM subjects WHERE id = $1"
        };
        let written = in_write_tx!(self.store, tx => {
            let mut written = Vec::with_capacity(messages.len());
            for m in messages {
                let key: Option<Vec<u8>> = sqlx::query(lock)
                    .bind(&m.subject_id).fetch_optional(&mut *tx).await?
                    .map(|r| r.try_get("wrapped_key")).transpose()?;
                if key.as_deref() != Some(m.sealed_under.as_slice()) {
                    written.push(false);
                    continue;
                }
                let queued = sqlx::query(
                    "INSERT INTO outbox (id, subject_id, template, status, attempts, next_attempt_at, lease_owner, lease_until, created_at, send_id) \
                     VALUES ($1, $2, $3, 'queued', 0, $4, NULL, 0, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(&m.outbox_id).bind(&m.subject_id).bind(&m.template).bind(now).bind(&m.send_id)
                .execute(&mut *tx).await?.rows_affected() == 1;
                if queued {
                    let r = &m.record;
                    insert_record!(&mut *tx, r);
                }
                written.push(queued);
            }
            written
        });
        Ok(written)
    }
}
