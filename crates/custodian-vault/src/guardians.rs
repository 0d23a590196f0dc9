//! Parental consent: a form sent by someone under the policy's age is
//! opened as a held case (see [`crate::cases::Hold`]) that no member of
//! staff can see, and its answers are capped to the wait. The parent or
//! guardian follows the emailed link and decides. Given: the case goes to
//! its inbox with the deadlines its purpose sets, and their address, used
//! only to ask them, is deleted. Refused: everything is deleted at once.
//! Neither: retention deletes it all when the wait runs out. The ledger
//! holds a receipt that permission was not yet given when the form was
//! held, and one for the decision.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custodian_policy::retention::Event;
use custodian_store::personal::cases::{CaseRow, CaseStatus};
use custodian_store::personal::consents::ConsentReceiptRow;
use custodian_store::personal::guardians::{GuardianOutcome, GuardianRequestRow};
use sha2::{Digest, Sha256};

use crate::cases::case_source;
use crate::error::Result;
use crate::retention::deadline;
use crate::vault::{SubjectRef, Vault, new_id};

/// A held form as its link finds it: nothing personal.
#[derive(Debug, Clone)]
pub struct HeldForm {
    pub case: CaseRow,
    /// When the link stops working and the answers are deleted.
    pub expires_at: i64,
}

/// What following the link and deciding did.
#[derive(Debug, Clone)]
pub enum GuardianDecision {
    /// The case is in its inbox now.
    Given {
        case: Box<CaseRow>,
        subject: SubjectRef,
        /// The sender's own address, for the confirmation they were promised.
        reply_to: Option<String>,
    },
    /// Everything the form held is deleted.
    Refused,
    /// The link is wrong, used, or past its time: nothing changed.
    NotValid,
}

/// A link's secret (43 URL-safe characters) and the hash that is stored.
pub(crate) fn new_link() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = link_hash(&token);
    (token, hash)
}

fn link_hash(token: &str) -> Vec<u8> {
    Sha256::digest(format!("custodian guardian link|{token}").as_bytes()).to_vec()
}

/// The ledger's receipt for a parent's or guardian's permission to one case.
#[allow(clippy::too_many_arguments)]
pub(crate) fn receipt(
    subject_id: &str,
    case_id: &str,
    form: &str,
    purpose: &str,
    given: bool,
    words: &str,
    policy_version: i64,
    how: &str,
    now: i64,
) -> ConsentReceiptRow {
    ConsentReceiptRow {
        id: new_id("k"),
        subject_id: Some(subject_id.to_owned()),
        visitor: None,
        scope: format!("case:{case_id}:guardian"),
        purpose: purpose.to_owned(),
        given,
        policy_version,
        words: words.to_owned(),
        method: format!("form {form}: {how}"),
        at: now,
    }
}

/// What a decision needs besides the link.
#[derive(Debug, Clone, Copy)]
pub struct Deciding<'a> {
    pub given: bool,
    /// The form's purpose, which the permission is for.
    pub purpose: &'a str,
    /// The words the parent or guardian read.
    pub words: &'a str,
    pub policy_version: i64,
    /// The field that holds their address, deleted once they decide.
    pub guardian_field: &'a str,
    /// The field that holds the sender's own address, if the form has one.
    pub reply_field: Option<&'a str>,
}

impl Vault {
    /// The held form a link belongs to, while the link still works.
    pub async fn held_form(&self, token: &str, now: i64) -> Result<Option<HeldForm>> {
        Ok(self
            .live_request(token, now)
            .await?
            .map(|(request, case)| HeldForm {
                case,
                expires_at: request.expires_at,
            }))
    }

    async fn live_request(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<(GuardianRequestRow, CaseRow)>> {
        if token.len() != 43 {
            return Ok(None);
        }
        let rows = self.store.personal_data();
        let Some(request) = rows.guardian_request(&link_hash(token)).await? else {
            return Ok(None);
        };
        if request.expires_at <= now {
            return Ok(None);
        }
        Ok(rows
            .case_by_id(&request.case_id)
            .await?
            .filter(|c| c.status == CaseStatus::AwaitingGuardian)
            .map(|case| (request, case)))
    }

    /// A parent's or guardian's decision, carried out in one transaction
    /// with its receipt: durable on return.
    pub async fn decide_held_form(
        &self,
        token: &str,
        deciding: &Deciding<'_>,
        now: i64,
    ) -> Result<GuardianDecision> {
        let Some((request, case)) = self.live_request(token, now).await? else {
            return Ok(GuardianDecision::NotValid);
        };
        let rows = self.store.personal_data();
        let source = case_source(&case.id);
        let records = rows.records_from(&case.subject_id, &source).await?;
        let mut reply_to = None;
        let mut deadlines = Vec::new();
        if deciding.given {
            for record in &records {
                let Some(rule) = self.policy.retention.get(&record.purpose).copied() else {
                    continue;
                };
                let event_at = (rule.after == Event::LastActivity).then_some(now);
                deadlines.push((
                    record.id.clone(),
                    event_at,
                    deadline(rule, record.collected_at, event_at),
                ));
            }
            if let Some(field) = deciding.reply_field
                && let Some(subject) = rows.subject_by_id(&case.subject_id).await?
            {
                let wanted: Vec<_> = records
                    .iter()
                    .filter(|r| r.field == field)
                    .cloned()
                    .collect();
                reply_to = self
                    .open_records(&subject, wanted)?
                    .into_iter()
                    .next()
                    .map(|(_, v)| v);
            }
        }
        let outcome = if deciding.given {
            GuardianOutcome::Given {
                deadlines: &deadlines,
                drop_field: deciding.guardian_field,
            }
        } else {
            GuardianOutcome::Refused
        };
        let how = if deciding.given {
            "a parent or guardian gave permission, by the emailed link"
        } else {
            "a parent or guardian refused permission, by the emailed link"
        };
        let receipt = receipt(
            &case.subject_id,
            &case.id,
            &case.form,
            deciding.purpose,
            deciding.given,
            deciding.words,
            deciding.policy_version,
            how,
            now,
        );
        let audit = custodian_store::audit::Audit {
            at: now,
            actor: "parent or guardian",
            action: if deciding.given {
                "parental permission given"
            } else {
                "parental permission refused: case deleted"
            },
            subject: Some(&case.subject_id),
        };
        let detail = format!("case {}", case.reference);
        if !rows
            .decide_guardian_request(&request, &outcome, &receipt, &audit, &detail, now)
            .await?
        {
            return Ok(GuardianDecision::NotValid);
        }
        if !deciding.given {
            // Nothing that identifies the child may survive a refusal: a
            // person held for this form alone (their keyed address
            // included) is erased, so a later search finds nobody. The
            // ledger's receipt stays, under an id that no longer leads to
            // anyone.
            let child = SubjectRef {
                id: case.subject_id.clone(),
            };
            self.erase_if_nothing_left(&child, "parent or guardian", now)
                .await?;
            return Ok(GuardianDecision::Refused);
        }
        let subject = SubjectRef {
            id: case.subject_id.clone(),
        };
        let case = rows.case_by_id(&case.id).await?.unwrap_or(case);
        Ok(GuardianDecision::Given {
            case: Box::new(case),
            subject,
            reply_to,
        })
    }
}
