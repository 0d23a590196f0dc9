//! Sending a draft: its answers become the case's inside the vault, so the
//! caller never holds the plaintext only to hand it back to be sealed
//! again. What leaves is only what must be sent: the reply address.

use crate::cases::{Answer, CaseConsent, CaseRef, DraftOwner, Hold, NewCase};
use crate::error::Result;
use crate::vault::{SubjectRef, Vault};

/// A question the person was asked, and what the policy says its answer is.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub field: &'a str,
    /// None: the answer is not kept (a question that only steers the form).
    pub category: Option<&'a str>,
    pub purpose: &'a str,
    pub required: bool,
}

/// A draft to send as a case: everything [`NewCase`] holds, with the
/// answers read from the draft rather than given.
#[derive(Debug, Clone, Copy)]
pub struct DraftToSend<'a> {
    pub owner: DraftOwner<'a>,
    pub form: &'a str,
    /// The questions on the pages the person went through, in order.
    pub asked: &'a [Asked<'a>],
    /// The question whose answer is the person's address, if any.
    pub reply_field: Option<&'a str>,
    pub team: Option<&'a str>,
    pub reference_prefix: &'a str,
    pub account: Option<&'a SubjectRef>,
    pub permissions: &'a [&'a str],
    pub consents: &'a [CaseConsent<'a>],
    pub policy_version: i64,
    pub hold: Option<Hold<'a>>,
}

/// What sending a draft came to.
pub enum SentDraft {
    /// The case is open and committed; the draft is gone.
    Opened {
        case: CaseRef,
        /// The address the form asked for, to send the confirmation to.
        reply_to: Option<String>,
    },
    /// A required answer is no longer in the draft: it passed its day.
    Expired,
}

impl Vault {
    /// Opens the case from the draft (the case, its answers and the
    /// person in one transaction), then discards the draft (a failure
    /// there leaves it to its deadline, and is logged).
    pub async fn send_draft(&self, send: &DraftToSend<'_>, now: i64) -> Result<SentDraft> {
        let draft = self.draft(send.owner, send.form).await?;
        let value = |field: &str| {
            draft
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, v)| v.as_str())
        };
        let mut answers = Vec::new();
        for asked in send.asked {
            match (value(asked.field), asked.category) {
                (Some(value), Some(category)) => answers.push(Answer {
                    category,
                    purpose: asked.purpose,
                    field: asked.field,
                    value,
                }),
                (None, _) if asked.required => return Ok(SentDraft::Expired),
                _ => {}
            }
        }
        let reply_to = send.reply_field.and_then(value);
        let case = self
            .open_case(
                &NewCase {
                    form: send.form,
                    team: send.team,
                    reference_prefix: send.reference_prefix,
                    email: reply_to,
                    account: send.account,
                    answers: &answers,
                    permissions: send.permissions,
                    consents: send.consents,
                    policy_version: send.policy_version,
                    hold: send.hold,
                },
                now,
            )
            .await?;
        // The case is committed: tidying up must not undo that.
        if let Err(e) = self.discard_draft(send.owner, send.form).await {
            tracing::warn!(error = %e, "a sent form's draft stays until its deadline");
        }
        Ok(SentDraft::Opened {
            case,
            reply_to: reply_to.map(str::to_owned),
        })
    }

    /// Which questions a draft still holds an answer to, without opening
    /// any: a draft past its day holds none.
    pub async fn draft_fields(&self, owner: DraftOwner<'_>, form: &str) -> Result<Vec<String>> {
        let Some(subject) = self.draft_holder(owner).await? else {
            return Ok(Vec::new());
        };
        let records = self
            .store
            .personal_data()
            .records_from(&subject.id, &crate::cases::draft_source(form))
            .await?;
        Ok(records.into_iter().map(|r| r.field).collect())
    }

    /// The answers to these questions in a draft: what decides the way
    /// through a form (the age question) or must be sent (the parent's
    /// address), never to be stored again.
    pub async fn draft_answers(
        &self,
        owner: DraftOwner<'_>,
        form: &str,
        fields: &[&str],
    ) -> Result<Vec<(String, String)>> {
        let mut draft = self.draft(owner, form).await?;
        draft.retain(|(field, _)| fields.contains(&field.as_str()));
        Ok(draft)
    }
}
