//! The audit log: who did what to whose data, and when.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so
//! [`Store::verify_audit`] finds the first entry that was altered, removed or
//! put out of order. Appends are serialised (SQLite's write lock, a
//! PostgreSQL advisory lock) so the chain stays linear across instances.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Pool, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain had got to, as recorded outside the database (the
/// `audit-head` file beside the key): a copy of the database whose newest
/// entries were cut off no longer reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// The first entry that does not fit the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// How a member of staff appears in the audit log and on what they record:
/// `staff:<username>`.
pub fn staff_actor(username: &str) -> String {
    format!("staff:{username}")
}

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
pub(crate) const PG_AUDIT_LOCK: i64 = 0x0C05_7A0D;

pub(crate) fn entry_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        &seq.to_string(),
        &at.to_string(),
        actor,
        action,
        subject.unwrap_or("-"),
        detail,
        prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

macro_rules! append_in {
    ($tx:expr, $at:expr, $actor:expr, $action:expr, $subject:expr, $detail:expr) => {{
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *$tx)
            .await?
            .map(|r| -> Result<(i64, String), sqlx::Error> { Ok((r.try_get("seq")?, r.try_get("hash")?)) })
            .transpose()?;
        let (seq, prev) = last.map_or((1, $crate::audit::GENESIS.to_owned()), |(s, h)| (s + 1, h));
        let hash = $crate::audit::entry_hash(seq, $at, $actor, $action, $subject, $detail, &prev);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq).bind($at).bind($actor).bind($action).bind($subject).bind($detail).bind(&prev).bind(&hash)
        .execute(&mut *$tx)
        .await?;
        seq
    }};
}

/// An entry to write in the same transaction as the action it records, so
/// a crash cannot keep the one without the other.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
}

/// Appends `$audit` with `$detail` inside the open write transaction
/// `$tx`: on PostgreSQL under the advisory lock every append takes (on
/// SQLite the write lock already orders them).
macro_rules! append_audit_in {
    (sqlite, $tx:expr, $audit:expr, $detail:expr) => {{
        let a: &$crate::audit::Audit<'_> = $audit;
        $crate::audit::append_in!($tx, a.at, a.actor, a.action, a.subject, $detail)
    }};
    (postgres, $tx:expr, $audit:expr, $detail:expr) => {{
        let a: &$crate::audit::Audit<'_> = $audit;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind($crate::audit::PG_AUDIT_LOCK)
            .execute(&mut *$tx)
            .await?;
        $crate::audit::append_in!($tx, a.at, a.actor, a.action, a.subject, $detail)
    }};
}
pub(crate) use {append_audit_in, append_in};

macro_rules! entry_from {
    ($r:expr) => {
        AuditEntry {
            seq: $r.try_get("seq")?,
            at: $r.try_get("at")?,
            actor: $r.try_get("actor")?,
            action: $r.try_get("action")?,
            subject: $r.try_get("subject")?,
            detail: $r.try_get("detail")?,
            prev_hash: $r.try_get("prev_hash")?,
            hash: $r.try_get("hash")?,
        }
    };
}

impl Store {
    /// Append an entry; durable when this returns. Returns its number.
    pub async fn audit(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: &str,
    ) -> Result<i64> {
        let seq = match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let seq = append_in!(tx, at, actor, action, subject, detail);
                tx.commit().await?;
                seq
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_AUDIT_LOCK)
                    .execute(&mut *tx)
                    .await?;
                let seq = append_in!(tx, at, actor, action, subject, detail);
                tx.commit().await?;
                seq
            }
        };
        Ok(seq)
    }

    /// Entries in order, optionally only one actor's, newest last.
    pub async fn audit_entries(
        &self,
        actor: Option<&str>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let entries = crate::with_pool!(&self.pool, p => {
            let rows = match actor {
                Some(a) => sqlx::query("SELECT * FROM audit_log WHERE actor = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                    .bind(a).bind(after_seq).bind(limit).fetch_all(p).await?,
                None => sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after_seq).bind(limit).fetch_all(p).await?,
            };
            rows.iter().map(|r| -> Result<AuditEntry, sqlx::Error> { Ok(entry_from!(r)) }).collect::<Result<Vec<_>, _>>()?
        });
        Ok(entries)
    }

    /// The newest `limit` entries (optionally one actor's), newest first.
    pub async fn audit_recent(&self, actor: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let entries = crate::with_pool!(&self.pool, p => {
            let rows = match actor {
                Some(a) => sqlx::query("SELECT * FROM audit_log WHERE actor = $1 ORDER BY seq DESC LIMIT $2")
                    .bind(a).bind(limit).fetch_all(p).await?,
                None => sqlx::query("SELECT * FROM audit_log ORDER BY seq DESC LIMIT $1").bind(limit).fetch_all(p).await?,
            };
            rows.iter().map(|r| -> Result<AuditEntry, sqlx::Error> { Ok(entry_from!(r)) }).collect::<Result<Vec<_>, _>>()?
        });
        Ok(entries)
    }

    /// Walk the whole chain. `None` when every entry is intact.
    pub async fn verify_audit(&self) -> Result<Option<BrokenLink>> {
        self.verify_audit_against(None).await
    }

    /// The newest entry: what is anchored outside the database.
    pub async fn audit_head(&self) -> Result<Option<AuditHead>> {
        let head = crate::with_pool!(&self.pool, p => {
            sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<AuditHead, sqlx::Error> {
                    Ok(AuditHead { seq: r.try_get("seq")?, hash: r.try_get("hash")? })
                })
                .transpose()?
        });
        Ok(head)
    }

    /// Walk the chain as [`Store::verify_audit`] does, and check it still
    /// reaches `anchor`, the head recorded outside the database: entries cut
    /// off the end, or a chain rewritten from the start, no longer do.
    pub async fn verify_audit_against(
        &self,
        anchor: Option<&AuditHead>,
    ) -> Result<Option<BrokenLink>> {
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_owned();
        let mut after = 0;
        loop {
            let batch = self.audit_entries(None, after, 1000).await?;
            for e in &batch {
                let broken = |reason: String| Ok(Some(BrokenLink { seq: e.seq, reason }));
                if e.seq != expected_seq {
                    return broken(format!(
                        "entry {expected_seq} is missing (the next entry is {})",
                        e.seq
                    ));
                }
                if e.prev_hash != prev {
                    return broken("it does not follow the entry before it: one was removed, reordered or altered".into());
                }
                if entry_hash(
                    e.seq,
                    e.at,
                    &e.actor,
                    &e.action,
                    e.subject.as_deref(),
                    &e.detail,
                    &e.prev_hash,
                ) != e.hash
                {
                    return broken("its contents were altered after it was written".into());
                }
                if anchor.is_some_and(|a| a.seq == e.seq && a.hash != e.hash) {
                    return broken(
                        "it is not the entry recorded outside the database: the log was rewritten"
                            .into(),
                    );
                }
                prev = e.hash.clone();
                expected_seq += 1;
            }
            if batch.len() == 1000
                && let Some(last) = batch.last()
            {
                after = last.seq;
                continue;
            }
            return Ok(anchor.filter(|a| a.seq >= expected_seq).map(|a| BrokenLink {
                seq: expected_seq,
                reason: format!(
                    "the log ends at entry {}, but entry {} was recorded outside the database: the newest entries were removed",
                    expected_seq - 1,
                    a.seq
                ),
            }));
        }
    }
}
