//! Subjects and records: storing, finding, merging and erasing.

use std::sync::Arc;

use custodian_policy::CheckedConfig;
use custodian_policy::retention::Event;
use custodian_store::Store;
use custodian_store::personal::{Erasure, RecordRow, SubjectRow};

use crate::blind_index::{email_index, session_index};
use crate::crypto::{self, DataKey};
use crate::error::{Result, VaultError};
use crate::keys::MasterKeys;
use crate::retention::{deadline, event_id};

const INDEX_KEY: &str = "blind_index";
const STAFF_SECRETS_KEY: &str = "staff_secrets";
const SERVER_SECRETS_KEY: &str = "server_secrets";

/// A person the vault holds data about: an opaque id, safe to log and to
/// put in the audit log, that says nothing about who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRef {
    pub id: String,
}

/// Everyone erased from the database `store` opens, as opaque ids: what a
/// restore of an older backup must erase again. Needs no keys.
pub async fn erased_subjects(store: &custodian_store::Store) -> Result<Vec<SubjectRef>> {
    Ok(store
        .personal_data()
        .erased_subject_ids()
        .await?
        .into_iter()
        .map(|id| SubjectRef { id })
        .collect())
}

/// A value to store, and what the policy says it is.
#[derive(Debug, Clone, Copy)]
pub struct NewRecord<'a> {
    /// A category id from the policy.
    pub category: &'a str,
    /// A purpose id from the policy, which must use that category.
    pub purpose: &'a str,
    /// Where it came from: `form:contact`, `account`, `topic:news`, ...
    pub source: &'a str,
    /// The field within the source: `email`, `message`, ...
    pub field: &'a str,
    pub value: &'a str,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureReport {
    pub subject: SubjectRef,
    pub deleted: usize,
    pub kept: Vec<KeptItem>,
}

/// A record the policy says must outlive an erasure request, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeptItem {
    pub category: String,
    pub purpose: String,
    pub field: String,
    pub reason: String,
    /// Unix seconds, or none while the event it hangs on has not happened.
    pub delete_after: Option<i64>,
}

pub struct Vault {
    pub(crate) store: Store,
    pub(crate) keys: Arc<dyn MasterKeys>,
    pub(crate) index_key: DataKey,
    staff_secrets_key: DataKey,
    /// Seals the secrets instances share (`server_secrets.rs`).
    pub(crate) server_secrets_key: DataKey,
    pub(crate) policy: Arc<CheckedConfig>,
}

/// A key the vault itself uses, created on first use, wrapped under the
/// current master key. Concurrent first starts agree on the first stored.
async fn vault_key(store: &Store, keys: &dyn MasterKeys, name: &str, now: i64) -> Result<DataKey> {
    let rows = store.personal_data();
    let (wrapped, master_key_id) = match rows.vault_key(name).await? {
        Some(found) => found,
        None => {
            let (wrapped, id) = keys.wrap(&DataKey::generate(), name)?;
            rows.insert_vault_key(name, &wrapped, &id, now).await?;
            rows.vault_key(name).await?.unwrap_or((wrapped, id))
        }
    };
    keys.unwrap_key(&wrapped, &master_key_id, name)
}

/// Seal each value under the subject's key, stamped from its rule.
pub(crate) fn seal_records(
    key: &DataKey,
    subject_id: &str,
    records: &[NewRecord<'_>],
    rules: &[custodian_policy::retention::RetentionRule],
    now: i64,
) -> Vec<RecordRow> {
    records
        .iter()
        .zip(rules)
        .map(|(record, rule)| {
            let id = new_id("r");
            let ciphertext = crypto::seal(
                key.as_bytes(),
                record.value.as_bytes(),
                record_aad(&id, record.field, subject_id).as_bytes(),
            );
            RecordRow {
                id,
                subject_id: subject_id.to_owned(),
                category: record.category.to_owned(),
                purpose: record.purpose.to_owned(),
                source: record.source.to_owned(),
                field: record.field.to_owned(),
                collected_at: now,
                retention_event: event_id(rule.after).to_owned(),
                event_at: None,
                delete_after: deadline(*rule, now, None),
                ciphertext,
            }
        })
        .collect()
}

/// An opaque id that sorts by creation time: a time prefix (milliseconds)
/// then randomness. New rows land at the end of the primary-key index
/// instead of at random places in it, which keeps inserts fast as a
/// database grows to millions of rows. The time is when a row was made,
/// which its `collected_at` says anyway; the id says nothing about a person.
fn kept_item(r: RecordRow, reason: String) -> KeptItem {
    KeptItem {
        category: r.category,
        purpose: r.purpose,
        field: r.field,
        reason,
        delete_after: r.delete_after,
    }
}

pub(crate) fn new_id(prefix: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let random: [u8; 10] = rand::random();
    let tail: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{millis:012x}{tail}")
}

/// Sources and fields are stored in plaintext beside the ciphertext, so they
/// must be identifiers (`form:contact`, `case:AB12`), which keeps anything
/// personal, such as a name or an address, from being written there.
fn check_source(source: &str) -> Result<()> {
    let mut parts = source.split(':');
    let kind_ok = parts
        .next()
        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    let rest_ok = parts.all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if kind_ok && rest_ok && source.len() <= 100 {
        Ok(())
    } else {
        Err(VaultError::BadSource(source.to_owned()))
    }
}

pub(crate) fn record_aad(record_id: &str, field: &str, subject_id: &str) -> String {
    format!("custodian record|{record_id}|{field}|{subject_id}")
}

impl Vault {
    /// Open the vault on a store whose migrations have run. The blind-index
    /// key is created on first use, wrapped under the current master key.
    pub async fn open(
        store: Store,
        keys: Arc<dyn MasterKeys>,
        policy: Arc<CheckedConfig>,
        now: i64,
    ) -> Result<Vault> {
        let index_key = vault_key(&store, keys.as_ref(), INDEX_KEY, now).await?;
        let staff_secrets_key = vault_key(&store, keys.as_ref(), STAFF_SECRETS_KEY, now).await?;
        let server_secrets_key = vault_key(&store, keys.as_ref(), SERVER_SECRETS_KEY, now).await?;
        Ok(Vault {
            server_secrets_key,
            store,
            keys,
            index_key,
            staff_secrets_key,
            policy,
        })
    }

    /// Seal a staff member's sign-in secret (their TOTP seed), bound to
    /// their username.
    pub fn seal_staff_secret(&self, username: &str, secret: &[u8]) -> Vec<u8> {
        crypto::seal(
            self.staff_secrets_key.as_bytes(),
            secret,
            format!("staff secret|{username}").as_bytes(),
        )
    }

    pub fn open_staff_secret(&self, username: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        crypto::open(
            self.staff_secrets_key.as_bytes(),
            sealed,
            format!("staff secret|{username}").as_bytes(),
        )
        .ok_or_else(|| VaultError::CorruptRecord {
            record_id: format!("the sign-in secret of staff account {username}"),
        })
    }

    /// The keyed hash that failed sign-ins by `login` at `door` (`staff`
    /// or `account`) are counted under: without the vault's key, a copy of
    /// the database cannot be checked for whether someone tried a name.
    pub fn sign_in_throttle_key(&self, door: &str, login: &str) -> Vec<u8> {
        crate::blind_index::sign_in_index(&self.index_key, door, login)
    }

    pub fn policy(&self) -> &CheckedConfig {
        &self.policy
    }

    /// The person with this email address, if the vault knows them.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<SubjectRef>> {
        let index = email_index(&self.index_key, email);
        Ok(self
            .store
            .personal_data()
            .subject_by_email_index(&index)
            .await?
            .map(|s| SubjectRef { id: s.id }))
    }

    /// The person with this email address, created if new. `verified` says
    /// whether they have proved they control it.
    pub async fn subject_for_email(
        &self,
        email: &str,
        verified: bool,
        now: i64,
    ) -> Result<SubjectRef> {
        let index = email_index(&self.index_key, email);
        let rows = self.store.personal_data();
        if let Some(found) = rows.subject_by_email_index(&index).await? {
            if verified && !found.verified {
                rows.set_subject_email(&found.id, &index, true).await?;
            }
            return Ok(SubjectRef { id: found.id });
        }
        self.create_subject(Some(index), None, verified, now).await
    }

    /// A provisional person known only by their anonymous session.
    pub async fn subject_for_session(&self, session_id: &str, now: i64) -> Result<SubjectRef> {
        let index = session_index(&self.index_key, session_id);
        if let Some(found) = self
            .store
            .personal_data()
            .subject_by_session_index(&index)
            .await?
        {
            return Ok(SubjectRef { id: found.id });
        }
        self.create_subject(None, Some(index), false, now).await
    }

    /// A new person nobody can find by address or session yet (someone who
    /// has registered or subscribed but not confirmed), with their key:
    /// the row to insert with their first records.
    pub(crate) fn unlinked_subject(&self, now: i64) -> Result<(SubjectRow, DataKey)> {
        let id = new_id("s");
        let key = DataKey::generate();
        let (wrapped_key, master_key_id) = self.keys.wrap(&key, &id)?;
        Ok((
            SubjectRow {
                id,
                email_index: None,
                session_index: None,
                verified: false,
                wrapped_key,
                master_key_id,
                created_at: now,
            },
            key,
        ))
    }

    /// A person nobody can look up, for one message to an address the
    /// vault need not remember (an editor's test of an update). Once the
    /// message has gone it holds nothing, and retention removes it.
    pub async fn transient_subject(&self, now: i64) -> Result<SubjectRef> {
        self.create_subject(None, None, false, now).await
    }

    async fn create_subject(
        &self,
        email_index: Option<Vec<u8>>,
        session_index: Option<Vec<u8>>,
        verified: bool,
        now: i64,
    ) -> Result<SubjectRef> {
        let id = new_id("s");
        let (wrapped_key, master_key_id) = self.keys.wrap(&DataKey::generate(), &id)?;
        let row = SubjectRow {
            id: id.clone(),
            email_index: email_index.clone(),
            session_index: session_index.clone(),
            verified,
            wrapped_key,
            master_key_id,
            created_at: now,
        };
        match self.store.personal_data().insert_subject(&row).await {
            Ok(()) => Ok(SubjectRef { id }),
            // Created at the same moment elsewhere: use that one.
            Err(e) => {
                let rows = self.store.personal_data();
                let existing = match (&email_index, &session_index) {
                    (Some(i), _) => rows.subject_by_email_index(i).await?,
                    (None, Some(i)) => rows.subject_by_session_index(i).await?,
                    (None, None) => None,
                };
                existing
                    .map(|s| SubjectRef { id: s.id })
                    .ok_or(VaultError::Store(e))
            }
        }
    }

    pub(crate) async fn subject_key(&self, subject: &SubjectRow) -> Result<DataKey> {
        self.keys
            .unwrap_key(&subject.wrapped_key, &subject.master_key_id, &subject.id)
    }

    /// Erase a person if nothing of theirs is left (no record, no case):
    /// what follows taking back the one thing they were held for (a
    /// refused form, a withdrawn response), so that nothing that could
    /// find them, such as their keyed address, survives it.
    pub async fn erase_if_nothing_left(
        &self,
        subject: &SubjectRef,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let rows = self.store.personal_data();
        let holds_more = !rows.records_of(&subject.id).await?.is_empty()
            || !self.cases_of(subject).await?.is_empty();
        if holds_more || !self.holds(subject).await? {
            return Ok(false);
        }
        self.erase(subject, actor, now).await?;
        Ok(true)
    }

    /// Whether the person is still held: false once they are erased with
    /// nothing kept (a visit opened before can then say so calmly).
    pub async fn holds(&self, subject: &SubjectRef) -> Result<bool> {
        Ok(self
            .store
            .personal_data()
            .subject_by_id(&subject.id)
            .await?
            .is_some())
    }

    pub(crate) async fn subject_row(&self, subject: &SubjectRef) -> Result<SubjectRow> {
        self.store
            .personal_data()
            .subject_by_id(&subject.id)
            .await?
            .ok_or(VaultError::NoSuchSubject)
    }

    /// Store values about the person with this email address, creating
    /// them if new, all in one transaction: what a form submission from
    /// someone new needs, at the cost of one commit.
    pub async fn store_for_email(
        &self,
        email: &str,
        verified: bool,
        records: &[NewRecord<'_>],
        now: i64,
    ) -> Result<(SubjectRef, Vec<String>)> {
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let index = email_index(&self.index_key, email);
        if self
            .store
            .personal_data()
            .subject_by_email_index(&index)
            .await?
            .is_none()
        {
            let id = new_id("s");
            let key = DataKey::generate();
            let (wrapped_key, master_key_id) = self.keys.wrap(&key, &id)?;
            let subject = SubjectRow {
                id: id.clone(),
                email_index: Some(index),
                session_index: None,
                verified,
                wrapped_key,
                master_key_id,
                created_at: now,
            };
            let rows = seal_records(&key, &id, records, &rules, now);
            let ids = rows.iter().map(|r| r.id.clone()).collect();
            if self
                .store
                .personal_data()
                .insert_subject_with_records(&subject, &rows)
                .await?
            {
                return Ok((SubjectRef { id }, ids));
            }
        }
        // Known already (or created a moment ago elsewhere).
        let subject = self.subject_for_email(email, verified, now).await?;
        let ids = self.put_all(&subject, records, now).await?;
        Ok((subject, ids))
    }

    /// Store one value. Refused unless the policy declares the category and
    /// the purpose and the purpose uses the category. Durable on return.
    pub async fn put(
        &self,
        subject: &SubjectRef,
        record: NewRecord<'_>,
        now: i64,
    ) -> Result<String> {
        let mut ids = self.put_all(subject, &[record], now).await?;
        ids.pop()
            .ok_or_else(|| VaultError::Undeclared("anything to store".into()))
    }

    /// Store several values about one person (a form's answers) in one
    /// transaction: all are kept or none. Each is checked as [`Vault::put`]
    /// checks one. Durable on return.
    pub async fn put_all(
        &self,
        subject: &SubjectRef,
        records: &[NewRecord<'_>],
        now: i64,
    ) -> Result<Vec<String>> {
        self.put_all_audited(subject, records, None, now).await
    }

    /// [`Vault::put_all`], with the audit entry that records the action (and
    /// its detail) written in the same transaction as the values.
    pub async fn put_all_audited(
        &self,
        subject: &SubjectRef,
        records: &[NewRecord<'_>],
        audited: Option<(&custodian_store::audit::Audit<'_>, &str)>,
        now: i64,
    ) -> Result<Vec<String>> {
        // Everything is checked against the policy before anything is read.
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        // Sealed under the key the person has when we write; if an erasure
        // changes it in between, read it again (once is enough: erasures
        // are rare), or find the person gone.
        for _ in 0..2 {
            let row = self.subject_row(subject).await?;
            let key = self.subject_key(&row).await?;
            let rows = seal_records(&key, &row.id, records, &rules, now);
            if self
                .store
                .personal_data()
                .insert_records(&row.id, &row.wrapped_key, &rows, audited)
                .await?
            {
                return Ok(rows.into_iter().map(|r| r.id).collect());
            }
        }
        Err(VaultError::NoSuchSubject)
    }

    /// The retention rule for a record the policy declares, or why not.
    pub(crate) fn check_declared(
        &self,
        record: &NewRecord<'_>,
    ) -> Result<custodian_policy::retention::RetentionRule> {
        check_source(record.source)?;
        // The field name is stored in plaintext too: an identifier only.
        let field_ok = !record.field.is_empty()
            && record.field.len() <= 60
            && record
                .field
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !field_ok {
            return Err(VaultError::BadSource(format!("field {}", record.field)));
        }
        let policy = &self.policy.config.policy;
        if !policy.categories.contains_key(record.category) {
            return Err(VaultError::Undeclared(format!(
                "a category `{}`",
                record.category
            )));
        }
        let purpose = policy
            .purposes
            .get(record.purpose)
            .ok_or_else(|| VaultError::Undeclared(format!("a purpose `{}`", record.purpose)))?;
        if !purpose
            .categories
            .iter()
            .any(|c| c.get_ref() == record.category)
        {
            return Err(VaultError::PurposeDoesNotUse {
                purpose: record.purpose.to_owned(),
                category: record.category.to_owned(),
            });
        }
        self.policy
            .retention
            .get(record.purpose)
            .copied()
            .ok_or_else(|| {
                VaultError::Undeclared(format!("a retention rule for `{}`", record.purpose))
            })
    }

    /// Something records from `source` wait on has happened (a case closed,
    /// a person unsubscribed): their deadlines are set from it. Happening
    /// again (a case reopened and closed) moves them again.
    pub async fn event_happened(&self, source: &str, event: Event, at: i64) -> Result<u64> {
        let deadlines = self.deadlines_after(source, event, at).await?;
        self.store
            .personal_data()
            .set_record_deadlines(&deadlines, at)
            .await?;
        Ok(u64::try_from(deadlines.len()).unwrap_or(u64::MAX))
    }

    /// The deadlines `event` at `at` fixes for the records from `source`
    /// that waited for it: (record id, when it is deleted).
    pub(crate) async fn deadlines_after(
        &self,
        source: &str,
        event: Event,
        at: i64,
    ) -> Result<Vec<(String, i64)>> {
        check_source(source)?;
        let waiting = self
            .store
            .personal_data()
            .records_awaiting(source, event_id(event))
            .await?;
        Ok(waiting
            .into_iter()
            .filter_map(|record| {
                let rule = self.policy.retention.get(&record.purpose)?;
                let delete_after = deadline(*rule, record.collected_at, Some(at))?;
                Some((record.id, delete_after))
            })
            .collect())
    }

    /// Everything held about a subject, decrypted.
    pub(crate) async fn decrypt_all(
        &self,
        subject: &SubjectRef,
    ) -> Result<(SubjectRow, Vec<(RecordRow, String)>)> {
        let row = self.subject_row(subject).await?;
        let key = self.subject_key(&row).await?;
        let mut items = Vec::new();
        for record in self.store.personal_data().records_of(&row.id).await? {
            let plain = crypto::open(
                key.as_bytes(),
                &record.ciphertext,
                record_aad(&record.id, &record.field, &row.id).as_bytes(),
            )
            .ok_or_else(|| VaultError::CorruptRecord {
                record_id: record.id.clone(),
            })?;
            let value = String::from_utf8(plain).map_err(|_| VaultError::CorruptRecord {
                record_id: record.id.clone(),
            })?;
            items.push((record, value));
        }
        Ok((row, items))
    }

    /// The values one source holds for a subject, by field, for the system
    /// itself (sending a queued message): not a staff read, so not audited.
    pub async fn values_from(
        &self,
        subject: &SubjectRef,
        source: &str,
    ) -> Result<Vec<(String, String)>> {
        check_source(source)?;
        let (_, items) = self.decrypt_all(subject).await?;
        Ok(items
            .into_iter()
            .filter(|(r, _)| r.source == source)
            .map(|(r, v)| (r.field, v))
            .collect())
    }

    /// The values each of `sources` holds, by source, with whose they are:
    /// [`Vault::values_from`] for a whole batch of outgoing messages in one
    /// read. A source with nothing held is absent. Not audited, like
    /// `values_from`.
    pub async fn values_from_sources(
        &self,
        sources: &[String],
    ) -> Result<std::collections::HashMap<String, (SubjectRef, Vec<(String, String)>)>> {
        for source in sources {
            check_source(source)?;
        }
        let rows = self
            .store
            .personal_data()
            .records_from_sources(sources)
            .await?;
        let mut keys: std::collections::HashMap<String, DataKey> = std::collections::HashMap::new();
        let mut out: std::collections::HashMap<String, (SubjectRef, Vec<(String, String)>)> =
            std::collections::HashMap::new();
        for (record, subject) in rows {
            if !keys.contains_key(&subject.id) {
                let key = self.subject_key(&subject).await?;
                keys.insert(subject.id.clone(), key);
            }
            let Some(key) = keys.get(&subject.id) else {
                continue;
            };
            let value = crypto::open(
                key.as_bytes(),
                &record.ciphertext,
                record_aad(&record.id, &record.field, &subject.id).as_bytes(),
            )
            .and_then(|p| String::from_utf8(p).ok())
            .ok_or_else(|| VaultError::CorruptRecord {
                record_id: record.id.clone(),
            })?;
            out.entry(record.source)
                .or_insert_with(|| {
                    (
                        SubjectRef {
                            id: subject.id.clone(),
                        },
                        Vec::new(),
                    )
                })
                .1
                .push((record.field, value));
        }
        Ok(out)
    }

    /// The values one source holds for a subject, read by a member of
    /// staff: every staff read of personal data is audited (`what` names
    /// it in the log, without anything personal).
    pub(crate) async fn read_source_for_staff(
        &self,
        subject_id: &str,
        source: &str,
        what: &str,
        actor: &str,
        now: i64,
    ) -> Result<Vec<(String, String)>> {
        let subject = SubjectRef {
            id: subject_id.to_owned(),
        };
        let values = self.values_from(&subject, source).await?;
        self.store
            .audit(now, actor, "read", Some(subject_id), what)
            .await?;
        Ok(values)
    }

    /// Delete what one source holds for a subject, such as the vault's copy
    /// of a message once it has been sent.
    pub async fn forget_source(&self, subject: &SubjectRef, source: &str) -> Result<u64> {
        check_source(source)?;
        Ok(self
            .store
            .personal_data()
            .delete_source(&subject.id, source)
            .await?)
    }

    /// Seal one value for each of many people without storing it yet,
    /// reading their keys in one query: how an update's page of recipients
    /// is sealed, to be written in one transaction with
    /// [`Vault::queue_messages`]. Each entry is the row and the wrapped key
    /// it was sealed under, or `NoSuchSubject` for a person erased meanwhile.
    pub async fn seal_for_many(
        &self,
        wanted: &[(&SubjectRef, NewRecord<'_>)],
        now: i64,
    ) -> Result<Vec<Result<(RecordRow, Vec<u8>)>>> {
        let ids: Vec<String> = wanted.iter().map(|(s, _)| s.id.clone()).collect();
        let subjects: std::collections::HashMap<String, SubjectRow> = self
            .store
            .personal_data()
            .subjects_by_ids(&ids)
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        let mut out = Vec::with_capacity(wanted.len());
        for (subject, record) in wanted {
            let rule = self.check_declared(record)?;
            let Some(row) = subjects.get(&subject.id) else {
                out.push(Err(VaultError::NoSuchSubject));
                continue;
            };
            let key = self.subject_key(row).await?;
            let mut sealed = seal_records(&key, &row.id, &[*record], &[rule], now);
            match sealed.pop() {
                Some(sealed) => out.push(Ok((sealed, row.wrapped_key.clone()))),
                None => out.push(Err(VaultError::NoSuchSubject)),
            }
        }
        Ok(out)
    }

    /// Queue many messages (each a vault copy from [`Vault::seal_for_many`] and
    /// an outbox row) in one transaction; see
    /// `PersonalData::insert_messages` for which are skipped.
    pub async fn queue_messages(
        &self,
        messages: &[custodian_store::personal::mail::QueuedMessage],
        now: i64,
    ) -> Result<Vec<bool>> {
        Ok(self
            .store
            .personal_data()
            .insert_messages(messages, now)
            .await?)
    }

    /// [`Vault::forget_source`] for many at once, in one transaction.
    pub async fn forget_sources(&self, pairs: &[(SubjectRef, String)]) -> Result<u64> {
        for (_, source) in pairs {
            check_source(source)?;
        }
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(s, source)| (s.id.clone(), source.clone()))
            .collect();
        Ok(self.store.personal_data().delete_sources(&pairs).await?)
    }

    /// What an erasure of `subject` would delete (a count) and keep (with
    /// the reason), without doing it: the confirmation page shows this.
    pub async fn erasure_preview(
        &self,
        subject: &SubjectRef,
        now: i64,
    ) -> Result<(usize, Vec<KeptItem>)> {
        let row = self.subject_row(subject).await?;
        let records = self.store.personal_data().records_of(&row.id).await?;
        let (delete, keep) = self.split_for_erasure(records, now);
        Ok((
            delete.len(),
            keep.into_iter()
                .map(|(r, reason)| kept_item(r, reason))
                .collect(),
        ))
    }

    /// Records that go, and records whose purpose must keep them (with why)
    /// because their deadline has not passed.
    fn split_for_erasure(
        &self,
        records: Vec<RecordRow>,
        now: i64,
    ) -> (Vec<RecordRow>, Vec<(RecordRow, String)>) {
        let policy = &self.policy.config.policy;
        let mut delete = Vec::new();
        let mut keep = Vec::new();
        for record in records {
            let reason = policy
                .purposes
                .get(&record.purpose)
                .and_then(|p| p.keep_on_erasure.clone());
            let expired = record.delete_after.is_some_and(|d| d <= now);
            match reason {
                Some(reason) if !expired => keep.push((record, reason)),
                _ => delete.push(record),
            }
        }
        (delete, keep)
    }

    /// Move everything a provisional subject holds into another subject (a
    /// person who signs in after filling in a form anonymously), then remove
    /// the provisional one. Nothing is lost: each value is re-sealed under
    /// the receiving subject's key; a record stored into the provisional
    /// subject meanwhile makes the removal fail rather than vanish.
    pub async fn merge(
        &self,
        from: &SubjectRef,
        into: &SubjectRef,
        actor: &str,
        now: i64,
    ) -> Result<usize> {
        if from == into {
            return Ok(0);
        }
        let (_, items) = self.decrypt_all(from).await?;
        let target = self.subject_row(into).await?;
        let key = self.subject_key(&target).await?;
        let rows = self.store.personal_data();
        for (record, value) in &items {
            let ciphertext = crypto::seal(
                key.as_bytes(),
                value.as_bytes(),
                record_aad(&record.id, &record.field, &target.id).as_bytes(),
            );
            rows.reassign_record(&record.id, &from.id, &target.id, &ciphertext)
                .await?;
        }
        rows.reassign_cases(&from.id, &target.id).await?;
        rows.delete_subject(&from.id).await?;
        self.store
            .audit(
                now,
                actor,
                "merge",
                Some(&target.id),
                &format!("{} records from {}", items.len(), from.id),
            )
            .await?;
        Ok(items.len())
    }

    /// Erase a subject: every record goes unless its purpose must keep it
    /// (`keep_on_erasure` in the policy) and its deadline has not passed.
    /// Kept records are re-sealed under a fresh key and the old key is
    /// destroyed, so no other copy of the person's data in this database can
    /// be read again. (A backup taken earlier still holds the old key,
    /// wrapped: it stops being readable when the master key it was wrapped
    /// under is retired; see README, "Personal data, keys and backups".)
    /// Only the kept records are decrypted, so one unreadable record cannot
    /// stand in the way of someone's erasure. A tombstone records when.
    pub async fn erase(
        &self,
        subject: &SubjectRef,
        actor: &str,
        now: i64,
    ) -> Result<ErasureReport> {
        let row = self.subject_row(subject).await?;
        let records = self.store.personal_data().records_of(&row.id).await?;
        let (delete, keep) = self.split_for_erasure(records, now);
        let (keep_records, new_key) = if keep.is_empty() {
            (Vec::new(), None)
        } else {
            let old = self.subject_key(&row).await?;
            let fresh = DataKey::generate();
            let mut sealed = Vec::with_capacity(keep.len());
            for (r, _) in &keep {
                let aad = record_aad(&r.id, &r.field, &row.id);
                let plain = crypto::open(old.as_bytes(), &r.ciphertext, aad.as_bytes())
                    .ok_or_else(|| VaultError::CorruptRecord {
                        record_id: r.id.clone(),
                    })?;
                sealed.push((
                    r.id.clone(),
                    crypto::seal(fresh.as_bytes(), &plain, aad.as_bytes()),
                ));
            }
            (sealed, Some(self.keys.wrap(&fresh, &row.id)?))
        };
        let erasure = Erasure {
            subject_id: row.id.clone(),
            delete_records: delete.into_iter().map(|r| r.id).collect(),
            keep_records,
            new_key,
            erased_at: now,
            actor: actor.to_owned(),
        };
        // The audit entry is written in the same transaction.
        let deleted = self.store.personal_data().erase(&erasure).await?;
        // Beside the key file too, for a restore of an older backup. The
        // erasure itself is done: a failure here is reported, not undone.
        if let Err(e) = self.keys.record_erasure(&row.id) {
            tracing::warn!(error = %e, "the erasure could not be added to the list beside the key file");
        }
        self.store.personal_data().checkpoint().await?;
        let kept = keep
            .into_iter()
            .map(|(r, reason)| kept_item(r, reason))
            .collect();
        Ok(ErasureReport {
            subject: SubjectRef { id: row.id },
            deleted: usize::try_from(deleted).unwrap_or(usize::MAX),
            kept,
        })
    }
}
