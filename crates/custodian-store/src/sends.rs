//! Updates that editors send to subscribers. An update's words are not
//! personal and are kept here once; each recipient's message is an outbox
//! row naming the send, whose personal parts (the address, the links that
//! are theirs) are in the vault.

use sqlx::Row;

use crate::outbox::OutboxCounts;
use crate::{Result, Store, in_write_tx, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRow {
    pub id: String,
    pub subject: String,
    pub markdown: String,
    pub html: String,
    pub text: String,
    /// Topic ids, space-separated.
    pub topics: String,
    pub created_by: String,
    pub created_at: i64,
    /// The last subscription queued.
    pub cursor: String,
    pub queued: i64,
    pub queued_all: bool,
    /// "each" or "weekly": which subscribers it is for.
    pub audience: String,
}

macro_rules! send_columns {
    () => {
        "id, subject, markdown, html, text, topics, created_by, created_at, cursor, queued, queued_all, audience"
    };
}

/// Writes one send with whichever connection or transaction is given.
macro_rules! insert_send {
    ($executor:expr, $s:expr) => {{
        let s: &SendRow = $s;
        sqlx::query(concat!(
            "INSERT INTO sends (",
            send_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&s.id)
        .bind(&s.subject)
        .bind(&s.markdown)
        .bind(&s.html)
        .bind(&s.text)
        .bind(&s.topics)
        .bind(&s.created_by)
        .bind(s.created_at)
        .bind(&s.cursor)
        .bind(s.queued)
        .bind(i64::from(s.queued_all))
        .bind(&s.audience)
        .execute($executor)
        .await?;
    }};
}

macro_rules! send_from {
    ($r:expr) => {
        SendRow {
            id: $r.try_get("id")?,
            subject: $r.try_get("subject")?,
            markdown: $r.try_get("markdown")?,
            html: $r.try_get("html")?,
            text: $r.try_get("text")?,
            topics: $r.try_get("topics")?,
            created_by: $r.try_get("created_by")?,
            created_at: $r.try_get("created_at")?,
            cursor: $r.try_get("cursor")?,
            queued: $r.try_get("queued")?,
            queued_all: $r.try_get::<i64, _>("queued_all")? != 0,
            audience: $r.try_get("audience")?,
        }
    };
}

impl Store {
    pub async fn insert_send(&self, s: &SendRow) -> Result<()> {
        with_pool!(&self.pool, p => { insert_send!(p, s); });
        Ok(())
    }

    /// An editor's update and its audit entry, in one transaction.
    pub async fn insert_send_audited(
        &self,
        s: &SendRow,
        audit: &crate::audit::Audit<'_>,
    ) -> Result<()> {
        let detail = format!("{} to {}", s.id, s.topics);
        in_write_tx!(self, tx, audited(audit) => {
            insert_send!(&mut *tx, s);
            ((), Some(detail))
        });
        Ok(())
    }

    pub async fn send(&self, id: &str) -> Result<Option<SendRow>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", send_columns!(), " FROM sends WHERE id = $1"))
                .bind(id).fetch_optional(p).await?
                .map(|r| -> Result<SendRow, sqlx::Error> { Ok(send_from!(r)) }).transpose()?
        });
        Ok(row)
    }

    /// The latest sends, newest first.
    pub async fn sends(&self, limit: i64) -> Result<Vec<SendRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", send_columns!(), " FROM sends ORDER BY created_at DESC, id DESC LIMIT $1"))
                .bind(limit).fetch_all(p).await?
                .iter().map(|r| -> Result<SendRow, sqlx::Error> { Ok(send_from!(r)) }).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Updates sent to those who want each one, from `from` to before
    /// `to`: what the week's summaries are made of.
    pub async fn sends_between(&self, from: i64, to: i64) -> Result<Vec<SendRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", send_columns!(), " FROM sends WHERE audience = 'each' AND created_at >= $1 AND created_at < $2 ORDER BY created_at"))
                .bind(from).bind(to).fetch_all(p).await?
                .iter().map(|r| -> Result<SendRow, sqlx::Error> { Ok(send_from!(r)) }).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Sends whose recipients are not all queued yet.
    pub async fn unfinished_sends(&self) -> Result<Vec<SendRow>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", send_columns!(), " FROM sends WHERE queued_all = 0 ORDER BY created_at"))
                .fetch_all(p).await?
                .iter().map(|r| -> Result<SendRow, sqlx::Error> { Ok(send_from!(r)) }).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Record that recipients up to `cursor` are queued, `added` more of
    /// them; `done` when there are no more. Only from where the send was
    /// (`from`), so two instances carrying on the same send cannot both
    /// count the same page.
    pub async fn advance_send(
        &self,
        id: &str,
        from: &str,
        cursor: &str,
        added: i64,
        done: bool,
    ) -> Result<bool> {
        let moved = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE sends SET cursor = $1, queued = queued + $2, queued_all = $3 WHERE id = $4 AND cursor = $5 AND queued_all = 0")
                .bind(cursor).bind(added).bind(i64::from(done)).bind(id).bind(from)
                .execute(p).await?.rows_affected() == 1
        });
        Ok(moved)
    }

    /// How a send's messages stand.
    pub async fn send_counts(&self, id: &str) -> Result<OutboxCounts> {
        let rows: Vec<(String, i64)> = with_pool!(&self.pool, p => {
            sqlx::query("SELECT status, COUNT(*) AS n FROM outbox WHERE send_id = $1 GROUP BY status")
                .bind(id).fetch_all(p).await?
                .iter().map(|r| -> Result<(String, i64), sqlx::Error> { Ok((r.try_get("status")?, r.try_get("n")?)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        let mut counts = OutboxCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "queued" => counts.queued = n,
                "sent" => counts.sent = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
