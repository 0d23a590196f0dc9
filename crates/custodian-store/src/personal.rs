//! Rows of the vault's tables: subjects, records, vault keys, tombstones.
//!
//! Only custodian-vault calls [`Store::personal_data`] (an architecture test
//! holds every other crate to that). What passes through here is ciphertext,
//! keyed hashes and opaque ids; encryption, retention and audit are the
//! vault's job.

use crate::in_write_tx;
use sqlx::Row;

use crate::{Result, Store, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRow {
    pub id: String,
    pub email_index: Option<Vec<u8>>,
    pub session_index: Option<Vec<u8>>,
    pub verified: bool,
    pub wrapped_key: Vec<u8>,
    pub master_key_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub id: String,
    pub subject_id: String,
    pub category: String,
    pub purpose: String,
    pub source: String,
    pub field: String,
    pub collected_at: i64,
    pub retention_event: String,
    pub event_at: Option<i64>,
    pub delete_after: Option<i64>,
    pub ciphertext: Vec<u8>,
}

/// What an erasure leaves: records re-encrypted under a fresh key because
/// the policy says they must be kept, and the count of what went.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub subject_id: String,
    pub delete_records: Vec<String>,
    /// (record id, ciphertext under the new key) for each record kept.
    pub keep_records: Vec<(String, Vec<u8>)>,
    /// The new wrapped key and its master key id, when anything is kept.
    pub new_key: Option<(Vec<u8>, String)>,
    pub erased_at: i64,
    /// Who erased: the audit entry is written in the same transaction.
    pub actor: String,
}

macro_rules! subject_columns {
    () => {
        "id, email_index, session_index, verified, wrapped_key, master_key_id, created_at"
    };
}
macro_rules! record_columns {
    () => {
        "id, subject_id, category, purpose, source, field, collected_at, retention_event, event_at, delete_after, ciphertext"
    };
}

/// Insert one record through any executor (a pool or a transaction): the
/// one place the INSERT and its eleven values are written.
macro_rules! insert_record {
    ($executor:expr, $r:expr) => {
        sqlx::query(concat!(
            "INSERT INTO records (",
            record_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(&$r.id)
        .bind(&$r.subject_id)
        .bind(&$r.category)
        .bind(&$r.purpose)
        .bind(&$r.source)
        .bind(&$r.field)
        .bind($r.collected_at)
        .bind(&$r.retention_event)
        .bind($r.event_at)
        .bind($r.delete_after)
        .bind(&$r.ciphertext)
        .execute($executor)
        .await?
    };
}

/// Insert one consent receipt through any executor, like `insert_record!`.
macro_rules! insert_receipt {
    ($executor:expr, $r:expr) => {
        sqlx::query(
            "INSERT INTO consent_receipts (id, subject_id, visitor, scope, purpose, given, policy_version, words, method, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&$r.id)
        .bind(&$r.subject_id)
        .bind(&$r.visitor)
        .bind(&$r.scope)
        .bind(&$r.purpose)
        .bind(i64::from($r.given))
        .bind($r.policy_version)
        .bind(&$r.words)
        .bind(&$r.method)
        .bind($r.at)
        .execute($executor)
        .await?
    };
}

/// Insert a guardian request through any executor (inside `insert_case`), like `insert_record!`.
macro_rules! insert_guardian_request {
    ($executor:expr, $g:expr) => {
        sqlx::query(
            "INSERT INTO guardian_requests (id, case_id, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&$g.id)
        .bind(&$g.case_id)
        .bind(&$g.token_hash)
        .bind($g.expires_at)
        .bind($g.created_at)
        .execute($executor)
        .await?
    };
}

fn subject_from<R: Row>(r: &R) -> Result<SubjectRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SubjectRow {
        id: r.try_get("id")?,
        email_index: r.try_get("email_index")?,
        session_index: r.try_get("session_index")?,
        verified: r.try_get::<i64, _>("verified")? != 0,
        wrapped_key: r.try_get("wrapped_key")?,
        master_key_id: r.try_get("master_key_id")?,
        created_at: r.try_get("created_at")?,
    })
}

fn record_from<R: Row>(r: &R) -> Result<RecordRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RecordRow {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        category: r.try_get("category")?,
        purpose: r.try_get("purpose")?,
        source: r.try_get("source")?,
        field: r.try_get("field")?,
        collected_at: r.try_get("collected_at")?,
        retention_event: r.try_get("retention_event")?,
        event_at: r.try_get("event_at")?,
        delete_after: r.try_get("delete_after")?,
        ciphertext: r.try_get("ciphertext")?,
    })
}

/// (subject, source) pairs deleted per statement: well under either
/// database's limit on bound parameters.
const DELETE_CHUNK: usize = 250;

/// The vault's view of the store. See the module documentation.
pub struct PersonalData<'a> {
    store: &'a Store,
}

impl Store {
    /// Rows of personal data, for custodian-vault only.
    pub fn personal_data(&self) -> PersonalData<'_> {
        PersonalData { store: self }
    }
}

impl PersonalData<'_> {
    /// The people erased from this database (their opaque ids, which say
    /// nothing about them), so that a restore of an older backup can erase
    /// them again.
    pub async fn erased_subject_ids(&self) -> Result<Vec<String>> {
        let ids = crate::with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT subject_id FROM tombstones ORDER BY erased_at")
                .fetch_all(p).await?
                .iter()
                .map(|r| r.try_get::<String, _>("subject_id"))
                .collect::<std::result::Result<Vec<_>, _>>()?
        });
        Ok(ids)
    }

    pub async fn vault_key(&self, name: &str) -> Result<Option<(Vec<u8>, String)>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT wrapped, master_key_id FROM vault_keys WHERE name = $1")
                .bind(name)
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<(Vec<u8>, String), sqlx::Error> { Ok((r.try_get("wrapped")?, r.try_get("master_key_id")?)) })
                .transpose()?
        });
        Ok(row)
    }

    /// Store a vault key unless one exists; concurrent first starts agree
    /// on whichever was inserted first.
    pub async fn insert_vault_key(
        &self,
        name: &str,
        wrapped: &[u8],
        master_key_id: &str,
        now: i64,
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query(
                "INSERT INTO vault_keys (name, wrapped, master_key_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name).bind(wrapped).bind(master_key_id).bind(now)
            .execute(p).await?;
        });
        Ok(())
    }

    /// Every vault key: (name, wrapped, master key id).
    pub async fn vault_keys(&self) -> Result<Vec<(String, Vec<u8>, String)>> {
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT name, wrapped, master_key_id FROM vault_keys ORDER BY name")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| -> Result<(String, Vec<u8>, String), sqlx::Error> { Ok((r.try_get("name")?, r.try_get("wrapped")?, r.try_get("master_key_id")?)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    pub async fn rewrap_vault_key(
        &self,
        name: &str,
        wrapped: &[u8],
        master_key_id: &str,
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE vault_keys SET wrapped = $1, master_key_id = $2 WHERE name = $3")
                .bind(wrapped).bind(master_key_id).bind(name)
                .execute(p).await?;
        });
        Ok(())
    }

    /// Every master key id some stored key is still wrapped under.
    pub async fn master_key_ids_in_use(&self) -> Result<Vec<String>> {
        let ids = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT master_key_id FROM subjects UNION SELECT master_key_id FROM vault_keys")
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("master_key_id"))
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(ids)
    }

    pub async fn insert_subject(&self, s: &SubjectRow) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query(concat!("INSERT INTO subjects (", subject_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(&s.id).bind(&s.email_index).bind(&s.session_index).bind(i64::from(s.verified))
                .bind(&s.wrapped_key).bind(&s.master_key_id).bind(s.created_at)
                .execute(p).await?;
        });
        Ok(())
    }

    pub async fn subject_by_email_index(&self, index: &[u8]) -> Result<Option<SubjectRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            subject_columns!(),
            " FROM subjects WHERE email_index = $1"
        );
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(index).fetch_optional(p).await?.map(|r| subject_from(&r)).transpose()?
        });
        Ok(row)
    }

    pub async fn subject_by_session_index(&self, index: &[u8]) -> Result<Option<SubjectRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            subject_columns!(),
            " FROM subjects WHERE session_index = $1"
        );
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(index).fetch_optional(p).await?.map(|r| subject_from(&r)).transpose()?
        });
        Ok(row)
    }

    pub async fn subject_by_id(&self, id: &str) -> Result<Option<SubjectRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            subject_columns!(),
            " FROM subjects WHERE id = $1"
        );
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(id).fetch_optional(p).await?.map(|r| subject_from(&r)).transpose()?
        });
        Ok(row)
    }

    /// The subjects with these ids (those that exist), in one query.
    pub async fn subjects_by_ids(&self, ids: &[String]) -> Result<Vec<SubjectRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            concat!(
                "SELECT ",
                subject_columns!(),
                " FROM subjects WHERE id IN ({})"
            ),
            placeholders.join(", ")
        );
        let rows = with_pool!(&self.store.pool, p => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(p).await?.iter().map(subject_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Up to `limit` subjects whose key is wrapped under `master_key_id`.
    pub async fn subjects_wrapped_under(
        &self,
        master_key_id: &str,
        limit: i64,
    ) -> Result<Vec<SubjectRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            subject_columns!(),
            " FROM subjects WHERE master_key_id = $1 ORDER BY id LIMIT $2"
        );
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(master_key_id).bind(limit).fetch_all(p).await?
                .iter().map(subject_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Replace a subject's wrapped key, only if it is still wrapped under
    /// `expected_master_key_id` (so two rotations cannot interleave).
    pub async fn rewrap_subject(
        &self,
        id: &str,
        wrapped: &[u8],
        master_key_id: &str,
        expected_master_key_id: &str,
    ) -> Result<bool> {
        let done = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE subjects SET wrapped_key = $1, master_key_id = $2 WHERE id = $3 AND master_key_id = $4")
                .bind(wrapped).bind(master_key_id).bind(id).bind(expected_master_key_id)
                .execute(p).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Record that the subject's email is now known (and maybe verified),
    /// and forget the session it was provisional on.
    pub async fn set_subject_email(
        &self,
        id: &str,
        email_index: &[u8],
        verified: bool,
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE subjects SET email_index = $1, verified = $2, session_index = NULL WHERE id = $3")
                .bind(email_index).bind(i64::from(verified)).bind(id)
                .execute(p).await?;
        });
        Ok(())
    }

    pub async fn insert_record(&self, r: &RecordRow) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            insert_record!(p, r);
        });
        Ok(())
    }

    /// A new subject and their first records in one transaction. False (and
    /// nothing written) if a subject with the same email index already
    /// exists: the caller adds to that one instead.
    pub async fn insert_subject_with_records(
        &self,
        s: &SubjectRow,
        rows: &[RecordRow],
    ) -> Result<bool> {
        let inserted = with_pool!(&self.store.pool, p => {
            let mut tx = p.begin().await?;
            let created = sqlx::query(concat!(
                "INSERT INTO subjects (", subject_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
            ))
            .bind(&s.id).bind(&s.email_index).bind(&s.session_index).bind(i64::from(s.verified))
            .bind(&s.wrapped_key).bind(&s.master_key_id).bind(s.created_at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if created {
                for r in rows {
                    insert_record!(&mut *tx, r);
                }
                tx.commit().await?;
            }
            created
        });
        Ok(inserted)
    }

    /// Insert several records in one transaction: all or none, and only
    /// while the subject still has the key they were sealed under (an
    /// erasure in between replaces or deletes it). The subject is locked
    /// for sharing meanwhile, so it cannot be erased or removed under us.
    /// False means nothing was written: read the subject again.
    /// With `audited`, its entry (and detail) is written in the same
    /// transaction.
    pub async fn insert_records(
        &self,
        subject_id: &str,
        sealed_under: &[u8],
        rows: &[RecordRow],
        audited: Option<(&crate::audit::Audit<'_>, &str)>,
    ) -> Result<bool> {
        macro_rules! insert_all {
            ($tx:expr) => {{
                for r in rows {
                    insert_record!(&mut *$tx, r);
                }
            }};
        }
        let written = match &self.store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = self.store.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let key: Option<Vec<u8>> =
                    sqlx::query("SELECT wrapped_key FROM subjects WHERE id = $1")
                        .bind(subject_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("wrapped_key"))
                        .transpose()?;
                if key.as_deref() == Some(sealed_under) {
                    insert_all!(tx);
                    if let Some((audit, detail)) = audited {
                        crate::audit::append_audit_in!(sqlite, tx, audit, detail);
                    }
                    tx.commit().await?;
                    true
                } else {
                    false
                }
            }
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let key: Option<Vec<u8>> =
                    sqlx::query("SELECT wrapped_key FROM subjects WHERE id = $1 FOR SHARE")
                        .bind(subject_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("wrapped_key"))
                        .transpose()?;
                if key.as_deref() == Some(sealed_under) {
                    insert_all!(tx);
                    if let Some((audit, detail)) = audited {
                        crate::audit::append_audit_in!(postgres, tx, audit, detail);
                    }
                    tx.commit().await?;
                    true
                } else {
                    false
                }
            }
        };
        Ok(written)
    }

    pub async fn records_of(&self, subject_id: &str) -> Result<Vec<RecordRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE subject_id = $1 ORDER BY collected_at, id"
        );
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(subject_id).fetch_all(p).await?
                .iter().map(record_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Every record from any of `sources`, with the subject it belongs to:
    /// one query for a whole batch of outgoing messages, instead of two per
    /// message.
    pub async fn records_from_sources(
        &self,
        sources: &[String],
    ) -> Result<Vec<(RecordRow, SubjectRow)>> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=sources.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT r.id, r.subject_id, r.category, r.purpose, r.source, r.field, r.collected_at, \
             r.retention_event, r.event_at, r.delete_after, r.ciphertext, \
             s.email_index, s.session_index, s.verified, s.wrapped_key, s.master_key_id, s.created_at \
             FROM records r JOIN subjects s ON s.id = r.subject_id WHERE r.source IN ({})",
            placeholders.join(", ")
        );
        let rows = with_pool!(&self.store.pool, p => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for source in sources {
                query = query.bind(source);
            }
            query.fetch_all(p).await?.iter().map(|r| {
                let record = record_from(r)?;
                let subject = SubjectRow {
                    id: record.subject_id.clone(),
                    email_index: r.try_get("email_index")?,
                    session_index: r.try_get("session_index")?,
                    verified: r.try_get::<i64, _>("verified")? != 0,
                    wrapped_key: r.try_get("wrapped_key")?,
                    master_key_id: r.try_get("master_key_id")?,
                    created_at: r.try_get("created_at")?,
                };
                Ok((record, subject))
            }).collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Records from `source` whose retention hangs on `event`.
    pub async fn records_awaiting(&self, source: &str, event: &str) -> Result<Vec<RecordRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE source = $1 AND retention_event = $2"
        );
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(source).bind(event).fetch_all(p).await?
                .iter().map(record_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Sets the deadlines an event fixed: (record id, when it is deleted),
    /// all or none.
    pub async fn set_record_deadlines(
        &self,
        deadlines: &[(String, i64)],
        event_at: i64,
    ) -> Result<()> {
        in_write_tx!(self.store, tx => {
            for (id, delete_after) in deadlines {
                sqlx::query("UPDATE records SET event_at = $1, delete_after = $2 WHERE id = $3")
                    .bind(event_at).bind(delete_after).bind(id)
                    .execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    /// Records whose deadline has passed, oldest deadline first.
    pub async fn records_due(&self, now: i64, limit: i64) -> Result<Vec<RecordRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE delete_after <= $1 ORDER BY delete_after, id LIMIT $2"
        );
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(now).bind(limit).fetch_all(p).await?
                .iter().map(record_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Delete these records, then any subject left with nothing that was
    /// created before `idle_before` (a subject created a moment ago may be
    /// about to receive its first record). Returns (records, subjects) gone.
    pub async fn delete_records_and_empty_subjects(
        &self,
        ids: &[String],
        idle_before: i64,
    ) -> Result<(u64, u64)> {
        let records = with_pool!(&self.store.pool, p => {
            let mut tx = p.begin().await?;
            let mut records = 0;
            for id in ids {
                records += sqlx::query("DELETE FROM records WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            }
            sqlx::query(cases::DELETE_EMPTY_CASES).execute(&mut *tx).await?;
            sqlx::query(accounts::DELETE_EMPTY_ACCOUNTS).execute(&mut *tx).await?;
            sqlx::query(subscriptions::DELETE_EMPTY_SUBSCRIBERS).execute(&mut *tx).await?;
            tx.commit().await?;
            records
        });
        let subjects = with_pool!(&self.store.pool, p => {
            sqlx::query(
                "DELETE FROM subjects WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM records WHERE records.subject_id = subjects.id)",
            )
            .bind(idle_before)
            .execute(p)
            .await
            .map(|done| done.rows_affected())
        });
        match subjects {
            Ok(done) => Ok((records, done)),
            // A record arrived for one of them meanwhile: it stays, and
            // so do they; the next run tries again.
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Ok((records, 0)),
            Err(e) => Err(e.into()),
        }
    }

    /// Move a record to another subject, with its ciphertext re-encrypted
    /// under that subject's key.
    /// Only if it still belongs to `from`.
    pub async fn reassign_record(
        &self,
        id: &str,
        from: &str,
        subject_id: &str,
        ciphertext: &[u8],
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE records SET subject_id = $1, ciphertext = $2 WHERE id = $3 AND subject_id = $4")
                .bind(subject_id).bind(ciphertext).bind(id).bind(from)
                .execute(p).await?;
        });
        Ok(())
    }

    /// Delete one subject's records from one source (a sent message's copy).
    pub async fn delete_source(&self, subject_id: &str, source: &str) -> Result<u64> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2")
                .bind(subject_id).bind(source).execute(p).await?.rows_affected()
        });
        Ok(n)
    }

    /// Delete several (subject, source) pairs' records in one transaction:
    /// the vault's copies of a batch of messages once they have gone.
    pub async fn delete_sources(&self, pairs: &[(String, String)]) -> Result<u64> {
        if pairs.is_empty() {
            return Ok(0);
        }
        // A few statements for a whole batch, not one a message.
        let statements: Vec<(&[(String, String)], String)> = pairs
            .chunks(DELETE_CHUNK)
            .map(|chunk| {
                let pairs: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                (
                    chunk,
                    format!(
                        "DELETE FROM records WHERE (subject_id, source) IN (VALUES {})",
                        pairs.join(", ")
                    ),
                )
            })
            .collect();
        let deleted = in_write_tx!(self.store, tx => {
            let mut n = 0;
            for (chunk, sql) in &statements {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (subject_id, source) in chunk.iter() {
                    query = query.bind(subject_id).bind(source);
                }
                n += query.execute(&mut *tx).await?.rows_affected();
            }
            n
        });
        Ok(deleted)
    }

    pub async fn delete_subject(&self, id: &str) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("DELETE FROM subjects WHERE id = $1").bind(id).execute(p).await?;
        });
        Ok(())
    }

    /// Carry out an erasure in one transaction: delete what goes, re-encrypt
    /// what is kept under a new key (or delete the subject, and so its key,
    /// when nothing is kept), and leave a tombstone.
    /// The subject is locked first, and every record of theirs that is not
    /// being kept is deleted, including any stored after the vault read
    /// them: erasure wins over a submission racing it. Returns how many
    /// records were deleted.
    pub async fn erase(&self, e: &Erasure) -> Result<u64> {
        let audit = crate::audit::Audit {
            at: e.erased_at,
            actor: &e.actor,
            action: "erase",
            subject: Some(&e.subject_id),
        };
        macro_rules! erase_in {
            ($db:ident, $tx:expr) => {{
                let deleted: u64 = if e.keep_records.is_empty() {
                    // The common case: everything goes, in one statement.
                    sqlx::query("DELETE FROM records WHERE subject_id = $1")
                        .bind(&e.subject_id).execute(&mut *$tx).await?.rows_affected()
                } else {
                    let ids: Vec<String> = sqlx::query("SELECT id FROM records WHERE subject_id = $1")
                        .bind(&e.subject_id).fetch_all(&mut *$tx).await?
                        .iter().map(|r| r.try_get::<String, _>("id")).collect::<Result<_, _>>()?;
                    let mut deleted = 0;
                    for id in ids.iter().filter(|id| !e.keep_records.iter().any(|(k, _)| k == *id)) {
                        deleted += sqlx::query("DELETE FROM records WHERE id = $1").bind(id).execute(&mut *$tx).await?.rows_affected();
                    }
                    deleted
                };
                sqlx::query(cases::DELETE_EMPTY_CASES_OF).bind(&e.subject_id).execute(&mut *$tx).await?;
                // An account is its records: with them gone, so is it (its
                // links go with it).
                sqlx::query(accounts::DELETE_ACCOUNTS_OF).bind(&e.subject_id).execute(&mut *$tx).await?;
                sqlx::query(subscriptions::DELETE_SUBSCRIBERS_OF).bind(&e.subject_id).execute(&mut *$tx).await?;
                for (id, ciphertext) in &e.keep_records {
                    sqlx::query("UPDATE records SET ciphertext = $1 WHERE id = $2 AND subject_id = $3")
                        .bind(ciphertext).bind(id).bind(&e.subject_id).execute(&mut *$tx).await?;
                }
                match &e.new_key {
                    Some((wrapped, master_key_id)) => {
                        sqlx::query(
                            // The keyed address stays while something is
                            // kept, so a later request to see it can find
                            // it; it goes with the last kept record.
                            "UPDATE subjects SET wrapped_key = $1, master_key_id = $2, session_index = NULL WHERE id = $3",
                        )
                        .bind(wrapped).bind(master_key_id).bind(&e.subject_id).execute(&mut *$tx).await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM subjects WHERE id = $1").bind(&e.subject_id).execute(&mut *$tx).await?;
                    }
                }
                let kept = i64::try_from(e.keep_records.len()).unwrap_or(i64::MAX);
                // Erasing again (kept records remain) adds to the tombstone.
                sqlx::query(
                    "INSERT INTO tombstones (subject_id, erased_at, deleted, kept) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (subject_id) DO UPDATE SET erased_at = excluded.erased_at, \
                     deleted = tombstones.deleted + excluded.deleted, kept = excluded.kept",
                )
                .bind(&e.subject_id).bind(e.erased_at).bind(i64::try_from(deleted).unwrap_or(i64::MAX)).bind(kept)
                .execute(&mut *$tx).await?;
                let detail = format!("deleted {deleted} records, kept {kept}");
                crate::audit::append_audit_in!($db, $tx, &audit, &detail);
                deleted
            }};
        }
        let deleted = match &self.store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = self.store.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let deleted = erase_in!(sqlite, tx);
                tx.commit().await?;
                deleted
            }
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT id FROM subjects WHERE id = $1 FOR UPDATE")
                    .bind(&e.subject_id)
                    .execute(&mut *tx)
                    .await?;
                let deleted = erase_in!(postgres, tx);
                tx.commit().await?;
                deleted
            }
        };
        Ok(deleted)
    }

    /// For SQLite: move everything from the write-ahead log into the main
    /// file and truncate the log, so deleted pages are gone from both.
    /// Readers can hold the log open for a moment: try again, and say so if
    /// it never clears, rather than leave old pages behind silently.
    pub async fn checkpoint(&self) -> Result<()> {
        if let crate::Pool::Sqlite(p) = &self.store.pool {
            for attempt in 0..50 {
                let busy: i64 = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .fetch_one(p)
                    .await?
                    .try_get(0)?;
                if busy == 0 {
                    return Ok(());
                }
                if attempt < 49 {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
            return Err(crate::StoreError::CheckpointBusy);
        }
        Ok(())
    }

    pub async fn tombstone(&self, subject_id: &str) -> Result<Option<(i64, i64, i64)>> {
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT erased_at, deleted, kept FROM tombstones WHERE subject_id = $1")
                .bind(subject_id)
                .fetch_optional(p)
                .await?
                .map(|r| -> Result<(i64, i64, i64), sqlx::Error> { Ok((r.try_get("erased_at")?, r.try_get("deleted")?, r.try_get("kept")?)) })
                .transpose()?
        });
        Ok(row)
    }
}

// Declared after the macros above, which it uses.
pub mod accounts;
pub mod case_status;
pub mod cases;
pub mod consents;
pub mod disclosures;
pub mod guardians;
pub mod inbox;
pub mod mail;
pub mod record_source;
pub mod request_status;
pub mod requests;
pub mod subscriptions;
