//! Form submissions: drafts held against an anonymous session while the
//! person fills in a form, and cases, which is what staff answer.
//!
//! A draft's values are records under `draft:<form>` for the session's
//! provisional subject, kept for at most a day. A case's values are records
//! under `case:<id>`, and its row in `cases` holds only what casework sorts
//! by. Opening a case writes the person (if new), every answer and the case
//! row in one transaction: acknowledged means all of it is committed.

use custodian_policy::retention::Event;
use custodian_store::audit::Audit;
use custodian_store::personal::cases::{
    CaseEvent, CaseFilter, CaseInsert, CaseRow, CaseRows, CaseStatus,
};
use custodian_store::personal::consents::ConsentReceiptRow;
use custodian_store::personal::guardians::GuardianRequestRow;
use custodian_store::personal::inbox::{InboxFilter, InboxPage, InboxQuery, InboxTab};
use custodian_store::personal::record_source::RecordSource;
use custodian_store::personal::{RecordRow, SubjectRow};

use crate::blind_index::{email_index, session_index};
use crate::crypto::{self, DataKey};
use crate::error::{Result, VaultError};
use crate::vault::{NewRecord, SubjectRef, Vault, new_id, record_aad};

/// Whose draft: an anonymous session's (a provisional person found by the
/// session), or, once someone has signed in, their account's.
#[derive(Debug, Clone, Copy)]
pub enum DraftOwner<'a> {
    Session(&'a str),
    Account(&'a SubjectRef),
}

/// One answer, and what the policy says it is.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub category: &'a str,
    pub purpose: &'a str,
    /// The question's id.
    pub field: &'a str,
    pub value: &'a str,
}

/// A form submission to open as a case.
#[derive(Debug, Clone, Copy)]
pub struct NewCase<'a> {
    pub form: &'a str,
    pub team: Option<&'a str>,
    /// Capital letters before the reference number.
    pub reference_prefix: &'a str,
    /// The person's address, when the form asks for one: the case joins
    /// whatever else is held about them, so one request finds it all.
    pub email: Option<&'a str>,
    /// The account of someone signed in: the case is theirs, whatever
    /// address they give.
    pub account: Option<&'a SubjectRef>,
    pub answers: &'a [Answer<'a>],
    /// Consent questions answered yes.
    pub permissions: &'a [&'a str],
    /// Every consent question the form asked, yes or no, for the ledger.
    pub consents: &'a [CaseConsent<'a>],
    /// The policy version the form was filled in under.
    pub policy_version: i64,
    /// Sent by someone under the parental consent age: the case waits for
    /// their parent or guardian.
    pub hold: Option<Hold<'a>>,
}

/// How a case waits for a parent's or guardian's permission.
#[derive(Debug, Clone, Copy)]
pub struct Hold<'a> {
    /// How long: every answer's deadline is capped at this far from now,
    /// so retention deletes it all if no one agrees in time.
    pub wait_seconds: i64,
    /// The form's purpose: what the parent or guardian is asked to allow.
    pub purpose: &'a str,
    /// The words of the permission asked for, for the ledger's receipt
    /// that it has not been given yet.
    pub words: &'a str,
}

/// A form's consent question as the person answered it.
#[derive(Debug, Clone, Copy)]
pub struct CaseConsent<'a> {
    pub question: &'a str,
    pub purpose: &'a str,
    pub given: bool,
    /// The words the question showed.
    pub words: &'a str,
}

/// An opened case: its id (for staff) and the reference the person is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    pub id: String,
    pub reference: String,
    /// Who sent it, for mail about it.
    pub subject: SubjectRef,
    /// A held case: the secret for the link emailed to the parent or
    /// guardian (only its hash is stored), and when it stops working.
    pub guardian_link: Option<(String, i64)>,
}

/// A case as staff see it, decrypted.
#[derive(Debug, Clone)]
pub struct OpenedCase {
    pub case: CaseRow,
    /// (field, value) in the order they were stored.
    pub answers: Vec<(String, String)>,
}

/// Letters people can read back without confusing them: no 0/O, 1/I/L, U.
const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// "HAH-7K3M-Q9XD": eight letters of thirty (about 39 bits), so a
/// reference cannot be guessed.
pub(crate) fn new_reference(prefix: &str) -> String {
    let bytes: [u8; 8] = rand::random();
    let chars: String = bytes
        .iter()
        .map(|b| char::from(REFERENCE_ALPHABET[usize::from(*b) % REFERENCE_ALPHABET.len()]))
        .collect();
    let (a, b) = chars.split_at(4);
    format!("{prefix}-{a}-{b}")
}

pub(crate) fn draft_source(form: &str) -> String {
    RecordSource::Draft(form).stored()
}

pub fn case_source(case_id: &str) -> String {
    RecordSource::Case(case_id).stored()
}

fn as_records<'a>(answers: &'a [Answer<'a>], source: &'a str) -> Vec<NewRecord<'a>> {
    answers
        .iter()
        .map(|a| NewRecord {
            category: a.category,
            purpose: a.purpose,
            source,
            field: a.field,
            value: a.value,
        })
        .collect()
}

impl Vault {
    /// Save the answers of one page of a draft, replacing what that page
    /// held (`fields`: every question on it, so a cleared answer goes).
    /// Kept for at most `keep_seconds`, whatever the purpose's own rule.
    pub async fn save_draft(
        &self,
        owner: DraftOwner<'_>,
        form: &str,
        fields: &[&str],
        answers: &[Answer<'_>],
        keep_seconds: i64,
        now: i64,
    ) -> Result<()> {
        let source = draft_source(form);
        let records = as_records(answers, &source);
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let cap = now.saturating_add(keep_seconds);
        let subject = match owner {
            DraftOwner::Session(id) => self.subject_for_session(id, now).await?,
            DraftOwner::Account(subject) => subject.clone(),
        };
        for _ in 0..2 {
            let row = self.subject_row(&subject).await?;
            let key = self.subject_key(&row).await?;
            let mut rows = crate::vault::seal_records(&key, &row.id, &records, &rules, now);
            for r in &mut rows {
                r.delete_after = Some(r.delete_after.map_or(cap, |d| d.min(cap)));
            }
            if self
                .store
                .personal_data()
                .replace_fields(&row.id, &row.wrapped_key, &source, fields, &rows)
                .await?
            {
                return Ok(());
            }
        }
        Err(VaultError::NoSuchSubject)
    }

    pub(crate) async fn draft_holder(&self, owner: DraftOwner<'_>) -> Result<Option<SubjectRow>> {
        let rows = self.store.personal_data();
        Ok(match owner {
            DraftOwner::Session(id) => {
                rows.subject_by_session_index(&session_index(&self.index_key, id))
                    .await?
            }
            DraftOwner::Account(subject) => rows.subject_by_id(&subject.id).await?,
        })
    }

    /// What a draft of `form` holds, by field: the person's own answers
    /// shown back to them, so not a staff read.
    pub async fn draft(&self, owner: DraftOwner<'_>, form: &str) -> Result<Vec<(String, String)>> {
        let Some(subject) = self.draft_holder(owner).await? else {
            return Ok(Vec::new());
        };
        let records = self
            .store
            .personal_data()
            .records_from(&subject.id, &draft_source(form))
            .await?;
        self.open_records(&subject, records)
    }

    /// Throw a draft away (it was sent, or the person started again).
    pub async fn discard_draft(&self, owner: DraftOwner<'_>, form: &str) -> Result<()> {
        if let Some(subject) = self.draft_holder(owner).await? {
            self.store
                .personal_data()
                .delete_source(&subject.id, &draft_source(form))
                .await?;
        }
        Ok(())
    }

    /// Decrypt records of one subject, failing loudly on any that will not.
    pub(crate) fn open_records(
        &self,
        subject: &SubjectRow,
        records: Vec<RecordRow>,
    ) -> Result<Vec<(String, String)>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let key =
            self.keys
                .unwrap_key(&subject.wrapped_key, &subject.master_key_id, &subject.id)?;
        records
            .into_iter()
            .map(|r| {
                let plain = crypto::open(
                    key.as_bytes(),
                    &r.ciphertext,
                    record_aad(&r.id, &r.field, &subject.id).as_bytes(),
                )
                .and_then(|p| String::from_utf8(p).ok())
                .ok_or_else(|| VaultError::CorruptRecord {
                    record_id: r.id.clone(),
                })?;
                Ok((r.field, plain))
            })
            .collect()
    }

    /// Open a case from a submission: the person (found by their address,
    /// or new and anonymous), every answer and the case row, committed
    /// together. Durable on return.
    pub async fn open_case(&self, new: &NewCase<'_>, now: i64) -> Result<CaseRef> {
        // Checked against the policy before anything is written.
        let probe_source = RecordSource::Case("probe").stored();
        let probe = as_records(new.answers, &probe_source);
        let rules = probe
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let permissions = new.permissions.join(" ");
        for _ in 0..4 {
            let id = new_id("c");
            let source = case_source(&id);
            let records = as_records(new.answers, &source);
            let (fresh, subject_id, key, sealed_under) =
                self.submitter(new.account, new.email, now).await?;
            let mut rows = crate::vault::seal_records(&key, &subject_id, &records, &rules, now);
            let mut guardian = None;
            let mut receipts = Vec::new();
            if let Some(hold) = new.hold {
                let until = now.saturating_add(hold.wait_seconds);
                for r in &mut rows {
                    r.delete_after = Some(r.delete_after.map_or(until, |d| d.min(until)));
                }
                let (token, token_hash) = crate::guardians::new_link();
                guardian = Some((
                    GuardianRequestRow {
                        id: new_id("g"),
                        case_id: id.clone(),
                        token_hash,
                        expires_at: until,
                        created_at: now,
                    },
                    token,
                ));
                receipts.push(crate::guardians::receipt(
                    &subject_id,
                    &id,
                    new.form,
                    hold.purpose,
                    false,
                    hold.words,
                    new.policy_version,
                    "waiting for a parent or guardian",
                    now,
                ));
            }
            let case = CaseRow {
                id: id.clone(),
                reference: new_reference(new.reference_prefix),
                form: new.form.to_owned(),
                team: new.team.map(str::to_owned),
                subject_id: subject_id.clone(),
                status: if guardian.is_some() {
                    CaseStatus::AwaitingGuardian
                } else {
                    CaseStatus::New
                },
                assigned_to: None,
                permissions: permissions.clone(),
                created_at: now,
                updated_at: now,
            };
            receipts.extend(new.consents.iter().map(|c| ConsentReceiptRow {
                id: new_id("k"),
                subject_id: Some(subject_id.clone()),
                visitor: None,
                scope: format!("case:{id}:{}", c.question),
                purpose: c.purpose.to_owned(),
                given: c.given,
                policy_version: new.policy_version,
                words: c.words.to_owned(),
                method: format!("form {}", new.form),
                at: now,
            }));
            match self
                .store
                .personal_data()
                .insert_case(
                    fresh.as_ref(),
                    &subject_id,
                    &sealed_under,
                    &CaseRows {
                        case: &case,
                        records: &rows,
                        receipts: &receipts,
                        guardian: guardian.as_ref().map(|(g, _)| g),
                    },
                )
                .await?
            {
                CaseInsert::Inserted => {
                    return Ok(CaseRef {
                        id,
                        reference: case.reference,
                        subject: SubjectRef { id: subject_id },
                        guardian_link: guardian.map(|(g, token)| (token, g.expires_at)),
                    });
                }
                CaseInsert::SubjectChanged | CaseInsert::DuplicateReference => continue,
            }
        }
        Err(VaultError::Rotation(
            "could not open the case: the person's record kept changing; try again".into(),
        ))
    }

    /// Who a submission belongs to: the person with this address (new if
    /// unknown), or, with no address, a new person no one can look up.
    /// Returns the row to create (if new), their id, key, and wrapped key.
    async fn submitter(
        &self,
        account: Option<&SubjectRef>,
        email: Option<&str>,
        now: i64,
    ) -> Result<(Option<SubjectRow>, String, DataKey, Vec<u8>)> {
        if let Some(account) = account {
            let found = self.subject_row(account).await?;
            let key = self.subject_key(&found).await?;
            return Ok((None, found.id.clone(), key, found.wrapped_key));
        }
        let index = email.map(|e| email_index(&self.index_key, e));
        if let Some(index) = &index
            && let Some(found) = self
                .store
                .personal_data()
                .subject_by_email_index(index)
                .await?
        {
            let key = self.subject_key(&found).await?;
            return Ok((None, found.id.clone(), key, found.wrapped_key));
        }
        let id = new_id("s");
        let key = DataKey::generate();
        let (wrapped_key, master_key_id) = self.keys.wrap(&key, &id)?;
        let row = SubjectRow {
            id: id.clone(),
            email_index: index,
            session_index: None,
            verified: false,
            wrapped_key: wrapped_key.clone(),
            master_key_id,
            created_at: now,
        };
        Ok((Some(row), id, key, wrapped_key))
    }

    /// A respondent takes back what they sent (a consultation response,
    /// proven theirs by the browser session that sent it): the case and
    /// its answers go at once, and a person who was held for it alone goes
    /// with them. False if it was already gone, is being worked on, or has
    /// been passed on and so must stay.
    pub async fn withdraw_response(&self, case_id: &str, now: i64) -> Result<bool> {
        let rows = self.store.personal_data();
        let Some(case) = rows.case_by_id(case_id).await? else {
            return Ok(false);
        };
        let audit = custodian_store::audit::Audit {
            at: now,
            actor: "respondent",
            action: "response withdrawn",
            subject: Some(&case.subject_id),
        };
        if !rows.withdraw_case(&case, &audit).await? {
            return Ok(false);
        }
        let person = SubjectRef {
            id: case.subject_id.clone(),
        };
        self.erase_if_nothing_left(&person, "respondent", now)
            .await?;
        Ok(true)
    }

    /// One person's cases, newest first, for their own account page: no
    /// personal values, so not audited.
    pub async fn cases_of(&self, subject: &SubjectRef) -> Result<Vec<CaseRow>> {
        Ok(self
            .store
            .personal_data()
            .cases(&CaseFilter {
                subject: Some(&subject.id),
                include_held: true,
                limit: 200,
                ..CaseFilter::default()
            })
            .await?)
    }

    /// Cases for an inbox; no personal values, so not audited.
    pub async fn cases(&self, filter: &CaseFilter<'_>) -> Result<Vec<CaseRow>> {
        Ok(self.store.personal_data().cases(filter).await?)
    }

    /// A page of a caseworker's inbox; rows only, nothing personal, so not
    /// audited.
    pub async fn inbox(&self, query: &InboxQuery<'_>) -> Result<InboxPage> {
        Ok(self.store.personal_data().inbox(query).await?)
    }

    /// How many cases each of the inbox's tabs holds.
    pub async fn inbox_counts(&self, teams: &[String], me: &str) -> Result<Vec<(InboxTab, i64)>> {
        Ok(self.store.personal_data().inbox_counts(teams, me).await?)
    }

    /// The cases of the person with this address, in `teams`, for a member
    /// of staff searching the inbox: found through the keyed index (the
    /// address is never stored or searched as text), and the search is
    /// recorded in the audit log as a read, whether or not it finds anyone.
    pub async fn inbox_search_by_email(
        &self,
        query: &InboxQuery<'_>,
        email: &str,
        actor: &str,
        now: i64,
    ) -> Result<InboxPage> {
        let found = self.find_by_email(email).await?;
        let page = match &found {
            Some(subject) => {
                let query = InboxQuery {
                    filter: InboxFilter::Subject(&subject.id),
                    ..*query
                };
                self.inbox(&query).await?
            }
            None => InboxPage {
                cases: Vec::new(),
                total: 0,
            },
        };
        let detail = format!("inbox search by email address: {} cases", page.total);
        self.store
            .audit(
                now,
                actor,
                "find",
                found.as_ref().map(|s| s.id.as_str()),
                &detail,
            )
            .await?;
        Ok(page)
    }

    /// A case's row: what it is and where it stands, nothing personal.
    /// A case held for a parent's or guardian's permission is not there yet.
    pub async fn case_row(&self, case_id: &str) -> Result<Option<CaseRow>> {
        Ok(self
            .store
            .personal_data()
            .case_by_id(case_id)
            .await?
            .filter(|c| c.status != CaseStatus::AwaitingGuardian))
    }

    /// One case, decrypted, for a member of staff: recorded in the audit log.
    pub async fn read_case(&self, case_id: &str, actor: &str, now: i64) -> Result<OpenedCase> {
        let rows = self.store.personal_data();
        let case = rows
            .case_by_id(case_id)
            .await?
            .filter(|c| c.status != CaseStatus::AwaitingGuardian)
            .ok_or(VaultError::NoSuchSubject)?;
        let subject = rows
            .subject_by_id(&case.subject_id)
            .await?
            .ok_or(VaultError::NoSuchSubject)?;
        let records = rows
            .records_from(&subject.id, &case_source(&case.id))
            .await?;
        let answers = self.open_records(&subject, records)?;
        self.store
            .audit(
                now,
                actor,
                "read case",
                Some(&subject.id),
                &format!("case {}", case.reference),
            )
            .await?;
        Ok(OpenedCase { case, answers })
    }

    /// Every response to a form, decrypted, for analysis. One audit entry
    /// records the whole read (by whom, which form, how many responses);
    /// a response whose person was erased meanwhile is skipped.
    pub async fn responses(&self, form: &str, actor: &str, now: i64) -> Result<Vec<OpenedCase>> {
        let rows = self.store.personal_data();
        let cases = rows
            .cases(&CaseFilter {
                form: Some(form),
                limit: 1_000_000,
                ..CaseFilter::default()
            })
            .await?;
        let mut opened = Vec::with_capacity(cases.len());
        for case in cases {
            let Some(subject) = rows.subject_by_id(&case.subject_id).await? else {
                continue;
            };
            let records = rows
                .records_from(&subject.id, &case_source(&case.id))
                .await?;
            let answers = self.open_records(&subject, records)?;
            opened.push(OpenedCase { case, answers });
        }
        self.store
            .audit(
                now,
                actor,
                "analyse responses",
                None,
                &format!("form {form}: {} responses", opened.len()),
            )
            .await?;
        Ok(opened)
    }

    /// Something happened to a case (assigned, replied, closed): its
    /// records' deadlines that hang on the event are set, its row says so,
    /// and the audit log records `action` by `actor`, all in one
    /// transaction.
    pub async fn case_event(
        &self,
        case: &CaseRow,
        change: CaseChange<'_>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let deadlines = match change.event {
            Some(event) => {
                self.deadlines_after(&case_source(&case.id), event, now)
                    .await?
            }
            None => Vec::new(),
        };
        let detail = format!("case {}", case.reference);
        let event = CaseEvent {
            case_id: &case.id,
            status: change.status,
            assigned_to: change.assigned_to,
            deadlines: &deadlines,
            detail: &detail,
        };
        let audit = Audit {
            at: now,
            actor,
            action: change.action,
            subject: Some(&case.subject_id),
        };
        self.store
            .personal_data()
            .record_case_event(&event, &audit)
            .await?;
        Ok(())
    }

    /// The subject a case belongs to, as a reference for other vault calls.
    pub fn case_subject(case: &CaseRow) -> SubjectRef {
        SubjectRef {
            id: case.subject_id.clone(),
        }
    }
}

/// What a member of staff did to a case.
#[derive(Debug, Clone, Copy)]
pub struct CaseChange<'a> {
    pub status: CaseStatus,
    pub assigned_to: Option<&'a str>,
    /// The retention event it is, if any ("1 year after we reply").
    pub event: Option<Event>,
    /// How the audit log names it: "assign case", "reply to case".
    pub action: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_readable_and_carry_the_prefix() {
        let r = new_reference("HAH");
        assert_eq!(r.len(), "HAH-ABCD-EFGH".len());
        assert!(r.starts_with("HAH-"));
        assert!(
            r.bytes()
                .filter(|b| *b != b'-')
                .skip(3)
                .all(|b| REFERENCE_ALPHABET.contains(&b))
        );
        assert_ne!(new_reference("X"), new_reference("X"));
    }
}
