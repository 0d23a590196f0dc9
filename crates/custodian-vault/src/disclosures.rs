//! The disclosure log: every time a person's data is passed outside the
//! organisation. The system records the disclosures it makes (a case
//! forwarded to another body); the DPO records the rest (a safeguarding
//! referral, a partner on a project): to whom, why, on what basis or
//! exemption, which data, who authorised it, and whether and when the person
//! was told, or the reason not to tell them. A recipient the policy does not
//! name for the purpose is refused: the notice lists everyone data may go to.
//!
//! The reasons, and everything else in words, are records under
//! `disclosure:<id>`, stamped with the purpose the policy's `[rights]` table
//! names (the organisation's record of what it did with a person's data),
//! kept through an erasure and for that purpose's period from the day the
//! disclosure was recorded.

use custodian_policy::retention::Event;
use custodian_store::audit::Audit;
use custodian_store::personal::cases::CaseRow;
use custodian_store::personal::disclosures::DisclosureRow;
use custodian_store::personal::record_source::RecordSource;

use crate::cases::case_source;
use crate::error::{Result, VaultError};
use crate::vault::{NewRecord, SubjectRef, Vault, new_id, seal_records};

pub fn disclosure_source(id: &str) -> String {
    RecordSource::Disclosure(id).stored()
}

/// A disclosure the person has not been told about, made outside any case
/// of theirs: kept from what they are shown (see
/// [`Vault::copy_for_the_person`]).
pub fn hidden_from_the_person(row: &DisclosureRow) -> bool {
    row.told_at.is_none() && row.case_id.is_none()
}

/// A disclosure the DPO records.
pub struct NewDisclosure<'a> {
    pub subject: &'a SubjectRef,
    /// The purpose the data was held for.
    pub purpose: &'a str,
    /// A recipient id the policy names for that purpose.
    pub recipient: &'a str,
    /// A lawful basis id (`vital_interests`, ...) or `exemption`.
    pub basis: &'a str,
    /// In words, by field: `why`, `data`, `authorised_by`, `exemption`,
    /// `not_told_reason`, `told_how`.
    pub details: &'a [(&'a str, &'a str)],
    /// When the person was told; none if not (yet).
    pub told_at: Option<i64>,
    /// A reason not to tell them is among the details.
    pub not_told: bool,
}

impl Vault {
    /// Whether the policy names `recipient` for `purpose`.
    fn check_recipient(&self, purpose: &str, recipient: &str) -> Result<()> {
        let named = self
            .policy
            .config
            .policy
            .purposes
            .get(purpose)
            .is_some_and(|p| p.names_recipient(recipient));
        if named {
            Ok(())
        } else {
            Err(VaultError::Undeclared(format!(
                "`{recipient}` as a recipient of purpose `{purpose}`"
            )))
        }
    }

    /// Record that a case was passed to `recipient` (a policy recipient id):
    /// the full message only when the person gave permission
    /// (`with_permission`), otherwise a version with identifying answers
    /// removed. The row says what went to whom and on what basis; the
    /// details (why, and where it was sent) are kept with the case; and the
    /// audit log has it. Refused for a recipient the policy does not name
    /// for the case's purpose. A person who gave permission knew: the
    /// disclosure counts as told.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_disclosure(
        &self,
        case: &CaseRow,
        purpose: &str,
        category: &str,
        recipient: &str,
        with_permission: bool,
        details: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        self.check_recipient(purpose, recipient)?;
        let source = case_source(&case.id);
        self.put(
            &Vault::case_subject(case),
            NewRecord {
                category,
                purpose,
                source: &source,
                field: "disclosure",
                value: details,
            },
            now,
        )
        .await?;
        let version = if with_permission { "full" } else { "redacted" };
        self.store
            .personal_data()
            .insert_disclosure(
                &DisclosureRow {
                    id: new_id("d"),
                    subject_id: case.subject_id.clone(),
                    case_id: Some(case.id.clone()),
                    recipient: recipient.to_owned(),
                    version: version.to_owned(),
                    basis: if with_permission {
                        "permission"
                    } else {
                        "none"
                    }
                    .to_owned(),
                    actor: actor.to_owned(),
                    at: now,
                    purpose: purpose.to_owned(),
                    origin: "system".to_owned(),
                    told_at: with_permission.then_some(now),
                    not_told: false,
                },
                &[],
                &Audit {
                    at: now,
                    actor,
                    action: "disclose",
                    subject: Some(&case.subject_id),
                },
                &format!("case {} to {recipient}: {version}", case.reference),
            )
            .await?;
        Ok(())
    }

    /// Record a disclosure the DPO made, with its reasons, in one
    /// transaction. Refused for a recipient the policy does not name for
    /// the purpose, and without `[rights]` to stamp the reasons with.
    pub async fn record_staff_disclosure(
        &self,
        new: &NewDisclosure<'_>,
        actor: &str,
        now: i64,
    ) -> Result<DisclosureRow> {
        self.check_recipient(new.purpose, new.recipient)?;
        let rights = self.policy.config.rights.as_ref().ok_or_else(|| {
            VaultError::Undeclared("how records about people's data are kept ([rights])".into())
        })?;
        let id = new_id("d");
        let source = disclosure_source(&id);
        let records: Vec<NewRecord<'_>> = new
            .details
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(field, value)| NewRecord {
                category: rights.request_category.get_ref(),
                purpose: rights.purpose.get_ref(),
                source: &source,
                field,
                value,
            })
            .collect();
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let subject = self.subject_row(new.subject).await?;
        let key = self.subject_key(&subject).await?;
        let sealed = seal_records(&key, &subject.id, &records, &rules, now);
        let row = DisclosureRow {
            id,
            subject_id: subject.id.clone(),
            case_id: None,
            recipient: new.recipient.to_owned(),
            version: "full".to_owned(),
            basis: new.basis.to_owned(),
            actor: actor.to_owned(),
            at: now,
            purpose: new.purpose.to_owned(),
            origin: "staff".to_owned(),
            told_at: new.told_at,
            not_told: new.not_told,
        };
        self.store
            .personal_data()
            .insert_disclosure(
                &row,
                &sealed,
                &Audit {
                    at: now,
                    actor,
                    action: "disclose",
                    subject: Some(&subject.id),
                },
                &format!("to {} under {} ({})", new.recipient, new.purpose, new.basis),
            )
            .await?;
        // The record of a disclosure is kept for the purpose's period from
        // the day it was made.
        self.event_happened(&source, Event::CaseClosed, now).await?;
        Ok(row)
    }

    /// The person has now been told of a disclosure.
    pub async fn disclosure_told(&self, row: &DisclosureRow, now: i64) -> Result<()> {
        Ok(self
            .store
            .personal_data()
            .mark_disclosure_told(&row.id, now)
            .await?)
    }

    /// Who a person's data has been passed to.
    pub async fn disclosures(&self, subject: &SubjectRef) -> Result<Vec<DisclosureRow>> {
        Ok(self
            .store
            .personal_data()
            .disclosures_of(&subject.id)
            .await?)
    }

    /// One disclosure, by its id.
    pub async fn disclosure(&self, id: &str) -> Result<Option<DisclosureRow>> {
        Ok(self.store.personal_data().disclosure_by_id(id).await?)
    }

    /// The log, newest first.
    pub async fn disclosure_log(&self, limit: i64) -> Result<Vec<DisclosureRow>> {
        Ok(self.store.personal_data().disclosures(limit).await?)
    }

    /// The words recorded with a disclosure (why, which data...), for the
    /// DPO: a read of personal data, so audited.
    pub async fn read_disclosure(
        &self,
        row: &DisclosureRow,
        actor: &str,
        now: i64,
    ) -> Result<Vec<(String, String)>> {
        let source = match &row.case_id {
            Some(case) => case_source(case),
            None => disclosure_source(&row.id),
        };
        let what = format!("disclosure {}", row.id);
        let mut values = self
            .read_source_for_staff(&row.subject_id, &source, &what, actor, now)
            .await?;
        if row.case_id.is_some() {
            values.retain(|(field, _)| field == "disclosure");
        }
        Ok(values)
    }
}
