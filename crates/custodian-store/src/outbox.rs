//! Outbound mail rows and delivery attempts. Nothing personal is here: the
//! recipient and the message's personal parts are in the vault.

use sqlx::Row;

use crate::{Pool, Result, Store, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: String,
    pub subject_id: String,
    pub template: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// The update this message is part of, if any (`sends`).
    pub send_id: Option<String>,
}

/// One delivery attempt to record: `next_attempt_at` is `None` when the
/// message is finished (sent or given up).
#[derive(Debug, Clone)]
pub struct MailAttempt {
    pub id: String,
    pub attempt: i64,
    /// "sent", "retry" or "failed".
    pub outcome: &'static str,
    pub error: String,
    pub next_attempt_at: Option<i64>,
}

/// Counts by status, for the staff area and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

macro_rules! outbox_from {
    ($r:expr) => {
        OutboxRow {
            id: $r.try_get("id")?,
            subject_id: $r.try_get("subject_id")?,
            template: $r.try_get("template")?,
            status: $r.try_get("status")?,
            attempts: $r.try_get("attempts")?,
            next_attempt_at: $r.try_get("next_attempt_at")?,
            created_at: $r.try_get("created_at")?,
            finished_at: $r.try_get("finished_at")?,
            send_id: $r.try_get("send_id")?,
        }
    };
}

macro_rules! columns {
    () => {
        "id, subject_id, template, status, attempts, next_attempt_at, created_at, finished_at, send_id"
    };
}

/// Sent messages marked per statement: well under either database's limit
/// on bound parameters.
const SENT_CHUNK: usize = 250;

impl Store {
    /// Queue one message (an update's many are queued together through
    /// the vault, `PersonalData::insert_messages`).
    pub async fn enqueue_mail(
        &self,
        id: &str,
        subject_id: &str,
        template: &str,
        now: i64,
    ) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO outbox (id, subject_id, template, status, attempts, next_attempt_at, lease_owner, lease_until, created_at) \
                 VALUES ($1, $2, $3, 'queued', 0, $4, NULL, 0, $4)",
            )
            .bind(id).bind(subject_id).bind(template).bind(now)
            .execute(p).await?;
        });
        Ok(())
    }

    /// Lease up to `limit` messages that are due, for `owner`, until
    /// `lease_until`. A message leased by one instance is invisible to
    /// others until its lease runs out (if that instance died mid-send).
    pub async fn claim_mail(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let claimed = match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let ids: Vec<String> = sqlx::query(
                    "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY next_attempt_at, id LIMIT $2",
                )
                .bind(now).bind(limit).fetch_all(&mut *tx).await?
                .iter().map(|r| r.try_get::<String, _>("id")).collect::<Result<_, _>>()?;
                let mut rows = Vec::new();
                for id in ids {
                    sqlx::query(
                        "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id = $3",
                    )
                    .bind(owner)
                    .bind(lease_until)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    let r =
                        sqlx::query(concat!("SELECT ", columns!(), " FROM outbox WHERE id = $1"))
                            .bind(&id)
                            .fetch_one(&mut *tx)
                            .await?;
                    rows.push(outbox_from!(r));
                }
                tx.commit().await?;
                rows
            }
            Pool::Postgres(p) => {
                // SKIP LOCKED: instances claiming at once take different rows.
                sqlx::query(concat!(
                    "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
                     SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $3 AND lease_until <= $3 \
                     ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ",
                    columns!()
                ))
                .bind(owner).bind(lease_until).bind(now).bind(limit)
                .fetch_all(p).await?
                .iter().map(|r| -> Result<OutboxRow, sqlx::Error> { Ok(outbox_from!(r)) }).collect::<Result<_, _>>()?
            }
        };
        Ok(claimed)
    }

    /// Give back every lease `owner` holds on mail not yet sent, so that
    /// another instance can send it at once rather than when the lease
    /// would have run out. For a process that is stopping.
    pub async fn release_mail_leases(&self, owner: &str) -> Result<u64> {
        let n = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE outbox SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1 AND status = 'queued'")
                .bind(owner).execute(p).await?.rows_affected()
        });
        Ok(n)
    }

    /// Just before sending: extend the lease, only if this owner still holds
    /// it and it has not run out. False means another instance may have
    /// taken the message, so it must not be sent from here.
    pub async fn renew_mail_lease(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("UPDATE outbox SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND lease_until > $4 AND status = 'queued'")
                .bind(lease_until).bind(id).bind(owner).bind(now)
                .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Record an attempt and the message's new state, releasing the lease.
    /// `next_attempt_at` is `None` when the message is finished (sent or
    /// given up).
    /// Only the lease holder (`owner`) can record; false if it no longer
    /// holds the lease, and nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_mail_attempt(
        &self,
        id: &str,
        owner: &str,
        attempt: i64,
        now: i64,
        outcome: &str,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<bool> {
        let status = match outcome {
            "sent" => "sent",
            "failed" => "failed",
            _ => "queued",
        };
        let recorded = with_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let updated = sqlx::query(
                "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = 0, finished_at = $4 \
                 WHERE id = $5 AND lease_owner = $6",
            )
            .bind(status).bind(attempt).bind(next_attempt_at.unwrap_or(now)).bind(next_attempt_at.is_none().then_some(now)).bind(id).bind(owner)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if updated {
                sqlx::query("INSERT INTO outbox_attempts (outbox_id, attempt, at, outcome, error) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id).bind(attempt).bind(now).bind(outcome).bind(error)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
            }
            updated
        });
        Ok(recorded)
    }

    /// Record a batch of attempts in one transaction (one commit for many
    /// messages, which is what lets an update go to thousands a second).
    /// Each is recorded only if `owner` still holds its lease; the result
    /// says, for each, whether it was.
    pub async fn record_mail_attempts(
        &self,
        owner: &str,
        now: i64,
        attempts: &[MailAttempt],
    ) -> Result<Vec<bool>> {
        // Sent messages, the common case, are marked with one UPDATE and
        // their attempts written with one INSERT, a few hundred at a time:
        // statement by statement, a large update spent most of its time
        // here, holding the write lock.
        let sent: Vec<&MailAttempt> = attempts.iter().filter(|a| a.outcome == "sent").collect();
        let mut sent_sql = Vec::new();
        for chunk in sent.chunks(SENT_CHUNK) {
            let ids: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let update = format!(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, next_attempt_at = $1, lease_owner = NULL, \
                 lease_until = 0, finished_at = $1 WHERE lease_owner = $2 AND id IN ({}) RETURNING id",
                ids.join(", ")
            );
            sent_sql.push((chunk, update));
        }
        macro_rules! record_in {
            ($tx:expr) => {{
                let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
                for (chunk, update) in &sent_sql {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(update.clone())).bind(now).bind(owner);
                    for a in chunk.iter() {
                        query = query.bind(&a.id);
                    }
                    let updated: Vec<String> = query.fetch_all(&mut *$tx).await?
                        .iter().map(|r| r.try_get::<String, _>("id")).collect::<Result<_, _>>()?;
                    let kept: Vec<&&MailAttempt> = chunk.iter().filter(|a| updated.contains(&a.id)).collect();
                    if !kept.is_empty() {
                        let rows: Vec<String> = (0..kept.len())
                            .map(|i| format!("(${}, ${}, $1, 'sent', '')", 2 * i + 2, 2 * i + 3))
                            .collect();
                        let insert = format!(
                            "INSERT INTO outbox_attempts (outbox_id, attempt, at, outcome, error) VALUES {}",
                            rows.join(", ")
                        );
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert)).bind(now);
                        for a in &kept {
                            query = query.bind(&a.id).bind(a.attempt);
                        }
                        query.execute(&mut *$tx).await?;
                    }
                    done.extend(updated);
                }
                let mut recorded = Vec::with_capacity(attempts.len());
                for a in attempts {
                    if a.outcome == "sent" {
                        recorded.push(done.contains(&a.id));
                        continue;
                    }
                    let status = match a.outcome {
                        "sent" => "sent",
                        "failed" => "failed",
                        _ => "queued",
                    };
                    let updated = sqlx::query(
                        "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = 0, finished_at = $4 \
                         WHERE id = $5 AND lease_owner = $6",
                    )
                    .bind(status).bind(a.attempt).bind(a.next_attempt_at.unwrap_or(now))
                    .bind(a.next_attempt_at.is_none().then_some(now)).bind(&a.id).bind(owner)
                    .execute(&mut *$tx).await?.rows_affected() == 1;
                    if updated {
                        sqlx::query("INSERT INTO outbox_attempts (outbox_id, attempt, at, outcome, error) VALUES ($1, $2, $3, $4, $5)")
                            .bind(&a.id).bind(a.attempt).bind(now).bind(a.outcome).bind(&a.error)
                            .execute(&mut *$tx).await?;
                    }
                    recorded.push(updated);
                }
                recorded
            }};
        }
        let recorded = match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let recorded = record_in!(tx);
                tx.commit().await?;
                recorded
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let recorded = record_in!(tx);
                tx.commit().await?;
                recorded
            }
        };
        Ok(recorded)
    }

    /// Remove a message that could not be queued completely.
    pub async fn delete_mail(&self, id: &str) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM outbox WHERE id = $1").bind(id).execute(p).await?;
        });
        Ok(())
    }

    pub async fn mail(&self, id: &str) -> Result<Option<OutboxRow>> {
        let row = with_pool!(&self.pool, p => {
            sqlx::query(concat!("SELECT ", columns!(), " FROM outbox WHERE id = $1")).bind(id).fetch_optional(p).await?
                .map(|r| -> Result<OutboxRow, sqlx::Error> { Ok(outbox_from!(r)) }).transpose()?
        });
        Ok(row)
    }

    /// (attempt, outcome, error) for each attempt at a message.
    pub async fn mail_attempts(&self, id: &str) -> Result<Vec<(i64, String, String)>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query("SELECT attempt, outcome, error FROM outbox_attempts WHERE outbox_id = $1 ORDER BY attempt")
                .bind(id).fetch_all(p).await?
                .iter().map(|r| -> Result<(i64, String, String), sqlx::Error> { Ok((r.try_get("attempt")?, r.try_get("outcome")?, r.try_get("error")?)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let counts = with_pool!(&self.pool, p => {
            let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").fetch_all(p).await?;
            let mut counts = OutboxCounts::default();
            for r in rows {
                let n: i64 = r.try_get("n")?;
                match r.try_get::<String, _>("status")?.as_str() {
                    "queued" => counts.queued = n,
                    "sent" => counts.sent = n,
                    _ => counts.failed += n,
                }
            }
            counts
        });
        Ok(counts)
    }

    /// Claim the run of job `name` for time slot `slot`; true for exactly
    /// one caller however many instances ask.
    pub async fn claim_job_slot(
        &self,
        name: &str,
        slot: i64,
        owner: &str,
        now: i64,
    ) -> Result<bool> {
        let done = with_pool!(&self.pool, p => {
            sqlx::query("INSERT INTO job_runs (name, slot, owner, at) VALUES ($1, $2, $3, $4) ON CONFLICT (name, slot) DO NOTHING")
                .bind(name).bind(slot).bind(owner).bind(now)
                .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Who ran each slot of a job, oldest first.
    pub async fn job_runs(&self, name: &str) -> Result<Vec<(i64, String)>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query("SELECT slot, owner FROM job_runs WHERE name = $1 ORDER BY slot")
                .bind(name).fetch_all(p).await?
                .iter().map(|r| -> Result<(i64, String), sqlx::Error> { Ok((r.try_get("slot")?, r.try_get("owner")?)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}
