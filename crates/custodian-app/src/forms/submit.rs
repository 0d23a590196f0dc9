//! Sending a form: the draft becomes a case inside the vault, held for a
//! parent's permission when the sender is under the policy's age.

use custodian_forms::Progress;
use custodian_policy::CheckedConfig;
use custodian_policy::children::{AGE_QUESTION, GUARDIAN_QUESTION, UNDER};
use custodian_policy::forms::Form;
use custodian_vault::{
    Asked, CaseConsent, CaseRef, DraftOwner, DraftToSend, Hold, SentDraft, SubjectRef, Vault,
};

/// A form someone has finished and sends.
pub struct Submit<'a> {
    pub form_id: &'a str,
    pub form: &'a Form,
    pub progress: &'a Progress,
    pub owner: DraftOwner<'a>,
    /// The person it belongs to: signed in, or proven in this browser.
    pub sender: Option<&'a SubjectRef>,
    pub policy_version: i64,
    /// Whether this site can send email (a parent is asked by email).
    pub can_email: bool,
}

/// What sending came to.
pub enum Submitted {
    /// Opened and committed.
    Sent {
        case: CaseRef,
        /// Where the confirmation goes, if the form asked for an address.
        reply_to: Option<String>,
        /// The parent's or guardian's address, when the case waits for them.
        guardian: Option<String>,
    },
    /// A required answer passed its day in the draft: nothing was sent.
    Expired,
    /// Under the policy's age, and no parent's address has been given yet.
    NeedsGuardianAddress,
    /// Under the policy's age, and this site cannot email a parent.
    CannotAskGuardian { age: u8 },
}

/// Sends the form. `guardian_words` gives the words the parent will read,
/// for the ledger's receipt that they have not agreed yet; it is asked for
/// only when the form waits for them.
pub async fn submit(
    vault: &Vault,
    checked: &CheckedConfig,
    send: &Submit<'_>,
    guardian_words: impl FnOnce() -> String,
    now: i64,
) -> custodian_vault::Result<Submitted> {
    let form = send.form;
    let asked = asked(form, send.progress);
    // A draft past its day is said first, before the parent's checks would
    // ask for an address it no longer holds. Without those checks,
    // `send_draft` says it itself, and the draft is not read twice.
    if checked.children.is_some() {
        let held = vault.draft_fields(send.owner, send.form_id).await?;
        if asked
            .iter()
            .any(|a| a.required && !held.iter().any(|f| f == a.field))
        {
            return Ok(Submitted::Expired);
        }
    }
    let children = match checked.children {
        Some(children) => {
            let steering = vault
                .draft_answers(send.owner, send.form_id, &[AGE_QUESTION, GUARDIAN_QUESTION])
                .await?;
            let answer = |id: &str| steering.iter().find(|(f, _)| f == id).map(|(_, v)| v);
            if answer(AGE_QUESTION).map(String::as_str) == Some(UNDER) {
                let Some(address) = answer(GUARDIAN_QUESTION) else {
                    return Ok(Submitted::NeedsGuardianAddress);
                };
                if !send.can_email {
                    return Ok(Submitted::CannotAskGuardian { age: children.age });
                }
                Some((children, address.clone()))
            } else {
                None
            }
        }
        None => None,
    };
    let words = children
        .as_ref()
        .map(|_| guardian_words())
        .unwrap_or_default();
    let granted = send.progress.granted(form);
    let permissions: Vec<&str> = granted.iter().map(String::as_str).collect();
    let shown = consent_words(form);
    let consents: Vec<CaseConsent<'_>> = shown
        .iter()
        .map(|(question, purpose, words)| CaseConsent {
            question,
            purpose,
            given: permissions.contains(question),
            words,
        })
        .collect();
    let sent = vault
        .send_draft(
            &DraftToSend {
                owner: send.owner,
                form: send.form_id,
                asked: &asked,
                reply_field: form.reply_question().map(|q| q.id.get_ref().as_str()),
                team: form.team.as_ref().map(|t| t.get_ref().as_str()),
                reference_prefix: form
                    .reference_prefix
                    .as_ref()
                    .map_or("REF", |p| p.get_ref().as_str()),
                account: send.sender,
                permissions: &permissions,
                consents: &consents,
                policy_version: send.policy_version,
                hold: children.as_ref().map(|(c, _)| Hold {
                    wait_seconds: c.wait_seconds,
                    purpose: form.purpose.get_ref(),
                    words: &words,
                }),
            },
            now,
        )
        .await?;
    Ok(match sent {
        SentDraft::Expired => Submitted::Expired,
        SentDraft::Opened { case, reply_to } => Submitted::Sent {
            case,
            reply_to,
            guardian: children.map(|(_, address)| address),
        },
    })
}

/// The questions on the pages the person went through; consent questions
/// go in the ledger instead.
fn asked<'a>(form: &'a Form, progress: &Progress) -> Vec<Asked<'a>> {
    form.pages
        .iter()
        .filter(|p| !progress.is_skipped(p.id.get_ref()))
        .flat_map(|p| p.questions.iter())
        .filter(|q| !q.kind.is_permission())
        .map(|q| Asked {
            field: q.id.get_ref(),
            category: q.category.as_ref().map(|c| c.get_ref().as_str()),
            purpose: form.purpose_of(q),
            required: q.required,
        })
        .collect()
}

/// Every consent question the form asks, with the purpose a yes allows and
/// the words it showed: each goes in the ledger, yes or no.
fn consent_words(form: &Form) -> Vec<(&str, &str, String)> {
    form.questions()
        .filter(|q| q.kind.is_permission())
        .map(|q| {
            let purpose = q
                .purpose
                .as_ref()
                .map_or(form.purpose.get_ref().as_str(), |p| p.get_ref().as_str());
            let shown = match &q.hint {
                Some(hint) => format!("{} {}", q.label, hint),
                None => q.label.clone(),
            };
            (q.id.get_ref().as_str(), purpose, shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback() -> CheckedConfig {
        crate::example::civil_service_jobs()
    }

    #[test]
    fn consent_questions_go_to_the_ledger_not_the_answers() {
        let checked = feedback();
        let Some(form) = checked.config.forms.get("feedback") else {
            panic!("the example has a feedback form")
        };
        let kept: Vec<&str> = asked(form, &Progress::default())
            .iter()
            .map(|a| a.field)
            .collect();
        assert_eq!(kept, ["message", "email"]);
        let ledger = consent_words(form);
        let questions: Vec<&str> = ledger.iter().map(|(q, _, _)| *q).collect();
        assert_eq!(
            questions,
            ["share_with_departments", "share_with_suppliers"]
        );
        // The words the person saw, hint and all, and the purpose a yes allows.
        let (_, purpose, words) = &ledger[0];
        assert_eq!(*purpose, "feedback");
        assert!(words.starts_with("If another government department holds the answer"));
        assert!(words.ends_with("and reply to you ourselves."), "{words}");
    }

    #[test]
    fn a_skipped_page_asks_nothing() {
        let checked = feedback();
        let Some(form) = checked.config.forms.get("feedback") else {
            panic!("the example has a feedback form")
        };
        let mut progress = Progress::default();
        progress.skip("email");
        let kept: Vec<&str> = asked(form, &progress).iter().map(|a| a.field).collect();
        assert_eq!(kept, ["message"]);
    }
}
