//! Requests about a person's data: to see it (access), put it right
//! (correction), delete it (erasure) or stop a use of it (objection), made
//! in the portal or received by post, phone or email and entered by staff.
//!
//! The `rights_requests` row holds the clock ([`deadline`]) and status;
//! what was asked, the address to answer, an extension's reason and what
//! staff did are records under `request:<id>`, stamped with the purpose the
//! policy's `[rights]` table names, and kept when the person is erased (the
//! policy says why) until the request has been closed for as long as the
//! retention rule says.

pub mod deadline;
pub mod proof;

use custodian_policy::retention::Event;
use custodian_store::audit::Audit;
use custodian_store::personal::record_source::RecordSource;
use custodian_store::personal::requests::{RequestRow, RequestStatus};
use time::Date;

use crate::cases::new_reference;
use crate::crypto;
use crate::error::{Result, VaultError};
use crate::vault::{NewRecord, SubjectRef, Vault, new_id, record_aad, seal_records};
use deadline::{Clock, ExtensionRefused};

/// What a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Access,
    Correction,
    Erasure,
    Objection,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [
        RequestKind::Access,
        RequestKind::Correction,
        RequestKind::Erasure,
        RequestKind::Objection,
    ];

    pub fn id(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Correction => "correction",
            RequestKind::Erasure => "erasure",
            RequestKind::Objection => "objection",
        }
    }

    pub fn parse(text: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.id() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Access => "See the data held (access)",
            RequestKind::Correction => "Correct the data held (rectification)",
            RequestKind::Erasure => "Delete the data held (erasure)",
            RequestKind::Objection => "Stop a use of the data (objection)",
        }
    }
}

/// How a request reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Portal,
    Email,
    Post,
    Phone,
    InPerson,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Portal,
        Channel::Email,
        Channel::Post,
        Channel::Phone,
        Channel::InPerson,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Email => "email",
            Channel::Post => "post",
            Channel::Phone => "phone",
            Channel::InPerson => "in_person",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.id() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Portal => "The \"your data\" pages",
            Channel::Email => "Email",
            Channel::Post => "Post",
            Channel::Phone => "Phone",
            Channel::InPerson => "In person",
        }
    }
}

/// A request to record.
pub struct NewRequest<'a> {
    pub subject: &'a SubjectRef,
    pub kind: RequestKind,
    pub channel: Channel,
    pub received_on: Date,
    /// What was asked, by field: `details`, `email`, `item`, `proposed`...
    pub details: &'a [(&'a str, &'a str)],
    /// "portal", or the member of staff entering it.
    pub entered_by: &'a str,
}

/// What staff do to a request.
pub enum RequestChange<'a> {
    /// Stop the clock: we have asked for proof of identity.
    AwaitIdentity { today: Date },
    /// Start it again: the proof arrived.
    IdentityProven { today: Date },
    /// Extend the deadline, told to the person on `told_on`.
    Extend {
        months: u8,
        reason: &'a str,
        told_on: Date,
    },
    /// Close it: answered, or refused, with what was done and why.
    Close { refused: bool, outcome: &'a str },
}

/// Why a change could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeRefused {
    #[error(transparent)]
    Extension(#[from] ExtensionRefused),
    #[error("the request is closed")]
    Closed,
    #[error("say what was done, or why the request is refused")]
    NoOutcome,
    #[error("the clock is stopped already")]
    AlreadyPaused,
    #[error("the clock is not stopped")]
    NotPaused,
    #[error("someone else changed this request meanwhile: look at it again")]
    Changed,
    #[error("only a correction request names a record to change")]
    NotACorrection,
    #[error("the record this request names is no longer held: it may have been deleted since")]
    RecordGone,
}

pub fn request_source(id: &str) -> String {
    RecordSource::Request(id).stored()
}

fn iso(date: Date) -> String {
    date.to_string()
}

/// A stored day ("YYYY-MM-DD"), as the policy's dates are read.
pub fn parse_day(text: &str) -> Option<Date> {
    custodian_policy::forms::parse_day(text).ok()
}

/// The clock a stored request runs on.
pub fn clock_of(row: &RequestRow) -> Clock {
    let received = parse_day(&row.received_on).unwrap_or(Date::MIN);
    Clock {
        received,
        paused_days: row.paused_days,
        paused_since: row.paused_since.as_deref().and_then(parse_day),
        extended_months: u8::try_from(row.extended_months)
            .unwrap_or(deadline::MAX_EXTENSION_MONTHS),
    }
}

impl Vault {
    fn rights(&self) -> Result<&custodian_policy::rights::Rights> {
        self.policy.config.rights.as_ref().ok_or_else(|| {
            VaultError::Undeclared("how requests about data are handled ([rights])".into())
        })
    }

    /// The days on which no one works, from the policy.
    pub fn holidays(&self) -> Vec<Date> {
        self.policy
            .config
            .rights
            .as_ref()
            .map(|r| r.holiday_dates())
            .unwrap_or_default()
    }

    fn request_records<'a>(
        &'a self,
        source: &'a str,
        fields: &'a [(&'a str, &'a str)],
    ) -> Result<Vec<NewRecord<'a>>> {
        let rights = self.rights()?;
        let purpose = rights.purpose.get_ref().as_str();
        let email_category = rights.email_category.get_ref().as_str();
        let request_category = rights.request_category.get_ref().as_str();
        Ok(fields
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(field, value)| NewRecord {
                category: if *field == "email" {
                    email_category
                } else {
                    request_category
                },
                purpose,
                source,
                field,
                value,
            })
            .collect())
    }

    /// Record a request and what was asked, together. Durable on return.
    pub async fn open_request(&self, new: &NewRequest<'_>, now: i64) -> Result<RequestRow> {
        let id = new_id("q");
        let source = request_source(&id);
        let records = self.request_records(&source, new.details)?;
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let row = RequestRow {
            id: id.clone(),
            reference: new_reference("DPR"),
            subject_id: new.subject.id.clone(),
            kind: new.kind.id().to_owned(),
            channel: new.channel.id().to_owned(),
            received_on: iso(new.received_on),
            status: RequestStatus::Open,
            paused_days: 0,
            paused_since: None,
            extended_months: 0,
            extension_told_on: None,
            entered_by: new.entered_by.to_owned(),
            created_at: now,
            closed_at: None,
        };
        for _ in 0..2 {
            let subject = self.subject_row(new.subject).await?;
            let key = self.subject_key(&subject).await?;
            let sealed = seal_records(&key, &subject.id, &records, &rules, now);
            let audit = Audit {
                at: now,
                actor: new.entered_by,
                action: "request",
                subject: Some(&subject.id),
            };
            let detail = format!("{} {} by {}", row.reference, row.kind, row.channel);
            if self
                .store
                .personal_data()
                .insert_request(&row, &subject.wrapped_key, &sealed, &audit, &detail)
                .await?
            {
                return Ok(row);
            }
        }
        Err(VaultError::NoSuchSubject)
    }

    /// Every request, open ones first.
    pub async fn requests(&self) -> Result<Vec<RequestRow>> {
        Ok(self.store.personal_data().requests().await?)
    }

    pub async fn request(&self, id: &str) -> Result<Option<RequestRow>> {
        Ok(self.store.personal_data().request_by_id(id).await?)
    }

    /// A person's requests, for their portal.
    pub async fn requests_of(&self, subject: &SubjectRef) -> Result<Vec<RequestRow>> {
        Ok(self.store.personal_data().requests_of(&subject.id).await?)
    }

    /// What a request holds (what was asked, notes), for a member of staff:
    /// a read of personal data, so audited.
    pub async fn read_request(
        &self,
        row: &RequestRow,
        actor: &str,
        now: i64,
    ) -> Result<Vec<(String, String)>> {
        self.read_source_for_staff(
            &row.subject_id,
            &request_source(&row.id),
            &format!("request {}", row.reference),
            actor,
            now,
        )
        .await
    }

    /// Apply a member of staff's change to a request, recording why with it.
    pub async fn change_request(
        &self,
        row: &RequestRow,
        change: RequestChange<'_>,
        actor: &str,
        now: i64,
    ) -> Result<std::result::Result<RequestRow, ChangeRefused>> {
        if row.closed_at.is_some() {
            return Ok(Err(ChangeRefused::Closed));
        }
        let holidays = self.holidays();
        let mut clock = clock_of(row);
        let mut next = row.clone();
        let source = request_source(&row.id);
        let mut fields: Vec<(&str, String)> = Vec::new();
        let summary;
        match change {
            RequestChange::AwaitIdentity { today } => {
                if clock.paused_since.is_some() {
                    return Ok(Err(ChangeRefused::AlreadyPaused));
                }
                clock.pause(today);
                next.status = RequestStatus::WaitingForIdentity;
                summary = "waiting for proof of identity".to_owned();
            }
            RequestChange::IdentityProven { today } => {
                if clock.paused_since.is_none() {
                    return Ok(Err(ChangeRefused::NotPaused));
                }
                clock.resume(today);
                next.status = RequestStatus::Open;
                summary = "identity proven".to_owned();
            }
            RequestChange::Extend {
                months,
                reason,
                told_on,
            } => {
                if let Err(refused) = clock.extend(months, reason, told_on, &holidays) {
                    return Ok(Err(refused.into()));
                }
                next.extension_told_on = Some(iso(told_on));
                fields.push(("extension_reason", reason.trim().to_owned()));
                summary = format!("extended by {months} months");
            }
            RequestChange::Close { refused, outcome } => {
                if outcome.trim().is_empty() {
                    return Ok(Err(ChangeRefused::NoOutcome));
                }
                next.status = if refused {
                    RequestStatus::Refused
                } else {
                    RequestStatus::Done
                };
                next.closed_at = Some(now);
                fields.push(("outcome", outcome.trim().to_owned()));
                summary = next.status.as_str().to_owned();
            }
        }
        next.paused_days = clock.paused_days;
        next.paused_since = clock.paused_since.map(iso);
        next.extended_months = i64::from(clock.extended_months);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(f, v)| (*f, v.as_str())).collect();
        let records = self.request_records(&source, &pairs)?;
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let subject = self
            .subject_row(&SubjectRef {
                id: row.subject_id.clone(),
            })
            .await?;
        let key = self.subject_key(&subject).await?;
        let sealed = seal_records(&key, &subject.id, &records, &rules, now);
        let audit = Audit {
            at: now,
            actor,
            action: "request",
            subject: Some(&row.subject_id),
        };
        let detail = format!("{}: {summary}", row.reference);
        if !self
            .store
            .personal_data()
            .update_request(&next, row.status, &sealed, &audit, &detail)
            .await?
        {
            return Ok(Err(ChangeRefused::Changed));
        }
        if next.closed_at.is_some() {
            // The retention clock of everything the request holds starts now.
            self.event_happened(&source, Event::CaseClosed, now).await?;
        }
        Ok(Ok(next))
    }

    /// Put right the record a correction request names: its value becomes
    /// the proposed one, sealed again under the person's key, with its
    /// category, purpose and deadline unchanged; the request notes what was
    /// changed, and the audit log has it.
    pub async fn apply_correction(
        &self,
        row: &RequestRow,
        actor: &str,
        now: i64,
    ) -> Result<std::result::Result<(), ChangeRefused>> {
        if row.kind != RequestKind::Correction.id() {
            return Ok(Err(ChangeRefused::NotACorrection));
        }
        if row.closed_at.is_some() {
            return Ok(Err(ChangeRefused::Closed));
        }
        let subject = SubjectRef {
            id: row.subject_id.clone(),
        };
        let source = request_source(&row.id);
        let asked = self.values_from(&subject, &source).await?;
        let field = |name: &str| {
            asked
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, v)| v.clone())
        };
        let (Some(record_id), Some(proposed)) = (field("record"), field("proposed")) else {
            return Ok(Err(ChangeRefused::RecordGone));
        };
        let (subject_row, items) = self.decrypt_all(&subject).await?;
        let Some((record, _)) = items.iter().find(|(r, _)| r.id == record_id) else {
            return Ok(Err(ChangeRefused::RecordGone));
        };
        let key = self.subject_key(&subject_row).await?;
        let ciphertext = crypto::seal(
            key.as_bytes(),
            proposed.as_bytes(),
            record_aad(&record.id, &record.field, &subject_row.id).as_bytes(),
        );
        self.store
            .personal_data()
            .reassign_record(&record.id, &subject_row.id, &subject_row.id, &ciphertext)
            .await?;
        let note = format!(
            "Changed {} to what the person proposed.",
            record.field.replace('_', " ")
        );
        let fields = [("applied", note.as_str())];
        let records = self.request_records(&source, &fields)?;
        self.put_all(&subject, &records, now).await?;
        self.store
            .audit(
                now,
                actor,
                "correct",
                Some(&subject_row.id),
                &format!("{}: record {}", row.reference, record.id),
            )
            .await?;
        Ok(Ok(()))
    }
}
