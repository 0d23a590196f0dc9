//! Cases and drafts: the rows behind forms. A case's answers are vault
//! records (source `case:<id>`); the `cases` row holds only what casework
//! sorts and routes by. A draft is records under `draft:<form>` for a
//! person known only by their anonymous session.

use crate::in_write_tx;
use sqlx::Row;

pub use super::case_status::CaseStatus;
use super::{PersonalData, RecordRow, SubjectRow};
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: String,
    pub reference: String,
    pub form: String,
    pub team: Option<String>,
    pub subject_id: String,
    pub status: CaseStatus,
    pub assigned_to: Option<String>,
    /// Consent question ids answered yes, space-separated.
    pub permissions: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A case's new state after something happened to it, and the deadlines
/// the event sets: (record id, when it is deleted).
pub struct CaseEvent<'a> {
    pub case_id: &'a str,
    pub status: CaseStatus,
    pub assigned_to: Option<&'a str>,
    pub deadlines: &'a [(String, i64)],
    /// The audit entry's detail: the case's reference, never its contents.
    pub detail: &'a str,
}

/// What happened to an attempt to open a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseInsert {
    Inserted,
    /// The subject's key changed (an erasure), or a subject with the same
    /// email index was created meanwhile: read it again and retry.
    SubjectChanged,
    /// The reference is taken: choose another.
    DuplicateReference,
}

macro_rules! case_columns {
    () => {
        "id, reference, form, team, subject_id, status, assigned_to, permissions, created_at, updated_at"
    };
}

pub(super) const CASE_COLUMNS: &str = case_columns!();

pub(super) fn case_from<R: Row>(r: &R) -> Result<CaseRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CaseRow {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        form: r.try_get("form")?,
        team: r.try_get("team")?,
        subject_id: r.try_get("subject_id")?,
        status: {
            let text: String = r.try_get("status")?;
            CaseStatus::parse(&text).ok_or_else(|| {
                sqlx::Error::Decode(format!("`{text}` is not a case status").into())
            })?
        },
        assigned_to: r.try_get("assigned_to")?,
        permissions: r.try_get("permissions")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Filters for an inbox.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter<'a> {
    pub teams: Option<&'a [String]>,
    pub status: Option<CaseStatus>,
    pub reference: Option<&'a str>,
    pub form: Option<&'a str>,
    /// One person's cases (their account page).
    pub subject: Option<&'a str>,
    /// Also cases held for a parent's or guardian's permission, which only
    /// the person who sent them sees.
    pub include_held: bool,
    pub limit: i64,
}

/// Everything a new case writes besides its person.
#[derive(Debug, Clone, Copy)]
pub struct CaseRows<'a> {
    pub case: &'a CaseRow,
    /// Its answers, sealed.
    pub records: &'a [RecordRow],
    /// The ledger's receipts for its consent questions.
    pub receipts: &'a [super::consents::ConsentReceiptRow],
    /// Held for a parent's or guardian's permission: the link's row.
    pub guardian: Option<&'a super::guardians::GuardianRequestRow>,
}

impl PersonalData<'_> {
    /// Open a case: a new subject (if given), their answers and the case
    /// row, in one transaction, so a case is either whole or absent. An
    /// existing subject is locked for sharing and must still hold the key
    /// the answers were sealed under.
    pub async fn insert_case(
        &self,
        new_subject: Option<&SubjectRow>,
        subject_id: &str,
        sealed_under: &[u8],
        new: &CaseRows<'_>,
    ) -> Result<CaseInsert> {
        let CaseRows {
            case,
            records: rows,
            receipts,
            guardian,
        } = *new;
        macro_rules! write_case {
            ($tx:expr) => {{
                for r in rows {
                    insert_record!(&mut *$tx, r);
                }
                for r in receipts {
                    insert_receipt!(&mut *$tx, r);
                }
                let inserted = sqlx::query(concat!(
                    "INSERT INTO cases (",
                    case_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (reference) DO NOTHING"
                ))
                .bind(&case.id)
                .bind(&case.reference)
                .bind(&case.form)
                .bind(&case.team)
                .bind(&case.subject_id)
                .bind(case.status.as_str())
                .bind(&case.assigned_to)
                .bind(&case.permissions)
                .bind(case.created_at)
                .bind(case.updated_at)
                .execute(&mut *$tx)
                .await?
                .rows_affected()
                    == 1;
                if inserted {
                    if let Some(g) = guardian {
                        insert_guardian_request!(&mut *$tx, g);
                    }
                    $tx.commit().await?;
                    CaseInsert::Inserted
                } else {
                    CaseInsert::DuplicateReference
                }
            }};
        }
        macro_rules! subject_ready {
            ($tx:expr, $lock:expr) => {{
                match new_subject {
                    Some(s) => {
                        sqlx::query(concat!(
                            "INSERT INTO subjects (",
                            subject_columns!(),
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
                        ))
                        .bind(&s.id)
                        .bind(&s.email_index)
                        .bind(&s.session_index)
                        .bind(i64::from(s.verified))
                        .bind(&s.wrapped_key)
                        .bind(&s.master_key_id)
                        .bind(s.created_at)
                        .execute(&mut *$tx)
                        .await?
                        .rows_affected()
                            == 1
                    }
                    None => {
                        let key: Option<Vec<u8>> = sqlx::query($lock)
                            .bind(subject_id)
                            .fetch_optional(&mut *$tx)
                            .await?
                            .map(|r| r.try_get("wrapped_key"))
                            .transpose()?;
                        key.as_deref() == Some(sealed_under)
                    }
                }
            }};
        }
        let outcome = match &self.store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = self.store.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                if subject_ready!(tx, "SELECT wrapped_key FROM subjects WHERE id = $1") {
                    write_case!(tx)
                } else {
                    CaseInsert::SubjectChanged
                }
            }
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                if subject_ready!(
                    tx,
                    "SELECT wrapped_key FROM subjects WHERE id = $1 FOR SHARE"
                ) {
                    write_case!(tx)
                } else {
                    CaseInsert::SubjectChanged
                }
            }
        };
        Ok(outcome)
    }

    /// Replace a subject's values for these fields of one source (a draft
    /// page saved again) in one transaction, while the subject still holds
    /// the key they were sealed under. False: nothing written.
    pub async fn replace_fields(
        &self,
        subject_id: &str,
        sealed_under: &[u8],
        source: &str,
        fields: &[&str],
        rows: &[RecordRow],
    ) -> Result<bool> {
        macro_rules! replace_in {
            ($tx:expr, $lock:expr) => {{
                let key: Option<Vec<u8>> = sqlx::query($lock)
                    .bind(subject_id)
                    .fetch_optional(&mut *$tx)
                    .await?
                    .map(|r| r.try_get("wrapped_key"))
                    .transpose()?;
                if key.as_deref() == Some(sealed_under) {
                    for field in fields {
                        sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2 AND field = $3")
                            .bind(subject_id).bind(source).bind(*field)
                            .execute(&mut *$tx).await?;
                    }
                    for r in rows {
                        insert_record!(&mut *$tx, r);
                    }
                    $tx.commit().await?;
                    true
                } else {
                    false
                }
            }};
        }
        let written = match &self.store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = self.store.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                replace_in!(tx, "SELECT wrapped_key FROM subjects WHERE id = $1")
            }
            crate::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                replace_in!(
                    tx,
                    "SELECT wrapped_key FROM subjects WHERE id = $1 FOR SHARE"
                )
            }
        };
        Ok(written)
    }

    /// Records of one source, for one subject.
    pub async fn records_from(&self, subject_id: &str, source: &str) -> Result<Vec<RecordRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE subject_id = $1 AND source = $2 ORDER BY collected_at, id"
        );
        let rows = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(subject_id).bind(source).fetch_all(p).await?
                .iter().map(super::record_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Take back a case and everything it holds, in one transaction: what
    /// a respondent does to withdraw a consultation response. A case
    /// already passed on to someone (a disclosure names it) stays: the
    /// record of what was shared must. False if nothing was withdrawn; the
    /// audit entry is written with the withdrawal, or not at all.
    pub async fn withdraw_case(
        &self,
        case: &CaseRow,
        audit: &crate::audit::Audit<'_>,
    ) -> Result<bool> {
        let (case_id, subject_id) = (&case.id, &case.subject_id);
        let source = super::record_source::RecordSource::Case(case_id).stored();
        let withdrawn = in_write_tx!(self.store, tx, audited(audit) => {
            let gone = sqlx::query(
                "DELETE FROM cases WHERE id = $1 AND subject_id = $2 AND status = $3 \
                 AND NOT EXISTS (SELECT 1 FROM disclosures WHERE disclosures.case_id = $1)",
            )
            .bind(case_id).bind(subject_id).bind(CaseStatus::New.as_str())
            .execute(&mut *tx).await?.rows_affected() == 1;
            if gone {
                sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2")
                    .bind(subject_id).bind(&source)
                    .execute(&mut *tx).await?;
            }
            (gone, gone.then(|| format!("case {}", case.reference)))
        });
        Ok(withdrawn)
    }

    pub async fn case_by_id(&self, id: &str) -> Result<Option<CaseRow>> {
        const SQL: &str = concat!("SELECT ", case_columns!(), " FROM cases WHERE id = $1");
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(SQL).bind(id).fetch_optional(p).await?.as_ref().map(case_from).transpose()?
        });
        Ok(row)
    }

    /// Cases matching a filter, newest first.
    pub async fn cases(&self, f: &CaseFilter<'_>) -> Result<Vec<CaseRow>> {
        // Built from fixed clauses only; every value is a bound parameter.
        let mut sql = format!("SELECT {} FROM cases WHERE 1 = 1", case_columns!());
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if let Some(teams) = f.teams {
            let marks: Vec<String> = teams.iter().map(|_| format!("${}", next())).collect();
            if marks.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                sql.push_str(&format!(" AND team IN ({})", marks.join(", ")));
            }
        }
        if f.status.is_some() {
            sql.push_str(&format!(" AND status = ${}", next()));
        }
        if f.reference.is_some() {
            sql.push_str(&format!(" AND reference = ${}", next()));
        }
        if f.form.is_some() {
            sql.push_str(&format!(" AND form = ${}", next()));
        }
        if f.subject.is_some() {
            sql.push_str(&format!(" AND subject_id = ${}", next()));
        }
        if !f.include_held {
            sql.push_str(&format!(" AND status <> ${}", next()));
        }
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT ${}",
            next()
        ));
        let rows = with_pool!(&self.store.pool, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for t in f.teams.unwrap_or(&[]) {
                q = q.bind(t);
            }
            if let Some(s) = f.status { q = q.bind(s.as_str()); }
            if let Some(r) = f.reference { q = q.bind(r); }
            if let Some(form) = f.form { q = q.bind(form); }
            if let Some(subject) = f.subject { q = q.bind(subject); }
            if !f.include_held { q = q.bind(CaseStatus::AwaitingGuardian.as_str()); }
            q = q.bind(f.limit);
            q.fetch_all(p).await?.iter().map(case_from).collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Replace the consent questions a case's person said yes to (one was
    /// withdrawn).
    pub async fn set_case_permissions(&self, id: &str, permissions: &str, at: i64) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE cases SET permissions = $1, updated_at = $2 WHERE id = $3")
                .bind(permissions).bind(at).bind(id).execute(p).await?;
        });
        Ok(())
    }

    /// Change a case's status and assignee.
    pub async fn update_case(
        &self,
        id: &str,
        status: CaseStatus,
        assigned_to: Option<&str>,
        at: i64,
    ) -> Result<bool> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE cases SET status = $1, assigned_to = $2, updated_at = $3 WHERE id = $4")
                .bind(status.as_str()).bind(assigned_to).bind(at).bind(id)
                .execute(p).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Something happened to a case: the deadlines of its records that
    /// waited for the event, its status and who has it, and the audit entry
    /// saying who did it, in one transaction. False if the case is gone.
    pub async fn record_case_event(
        &self,
        event: &CaseEvent<'_>,
        audit: &crate::audit::Audit<'_>,
    ) -> Result<bool> {
        let at = audit.at;
        let changed = in_write_tx!(self.store, tx, audited(audit) => {
            for (record, delete_after) in event.deadlines {
                sqlx::query("UPDATE records SET event_at = $1, delete_after = $2 WHERE id = $3")
                    .bind(at).bind(delete_after).bind(record)
                    .execute(&mut *tx).await?;
            }
            let n = sqlx::query("UPDATE cases SET status = $1, assigned_to = $2, updated_at = $3 WHERE id = $4")
                .bind(event.status.as_str()).bind(event.assigned_to).bind(at).bind(event.case_id)
                .execute(&mut *tx).await?.rows_affected();
            (n == 1, (n == 1).then(|| event.detail.to_owned()))
        });
        Ok(changed)
    }

    /// Move cases to another subject (a merge).
    /// Everything that names a subject besides its records (cases, the
    /// disclosures made about them, mail waiting to go to them) moves to
    /// another, when two turn out to be one person.
    pub async fn reassign_cases(&self, from: &str, into: &str) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            for table in ["cases", "disclosures", "outbox", "subscribers", "rights_requests", "consent_receipts"] {
                // The table names are the constants above, not input.
                sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET subject_id = $1 WHERE subject_id = $2")))
                    .bind(into).bind(from).execute(p).await?;
            }
        });
        Ok(())
    }
}

/// Delete the cases that have no records left (retention or erasure took
/// them all): a case lives exactly as long as its answers.
pub(super) const DELETE_EMPTY_CASES: &str = "DELETE FROM cases WHERE NOT EXISTS \
     (SELECT 1 FROM records WHERE records.source = 'case:' || cases.id)";

/// The same, for one subject's cases (an erasure).
pub(super) const DELETE_EMPTY_CASES_OF: &str = "DELETE FROM cases WHERE subject_id = $1 AND NOT EXISTS \
     (SELECT 1 FROM records WHERE records.source = 'case:' || cases.id)";
