//! Passing a case to another organisation the policy names: the full
//! message only with the person's recorded permission, otherwise without
//! any answer that identifies them; either way recorded as a disclosure.

use custodian_forms::answers::{display, looks_like_email};
use custodian_mail::{Mailer, NewMail};
use custodian_policy::CheckedConfig;
use custodian_policy::forms::{Form, QuestionKind};
use custodian_store::personal::cases::CaseRow;
use custodian_vault::Vault;

use custodian_store::audit::staff_actor;

use super::casework_stamp;
use crate::{Error, Result};

/// What a member of staff asked for.
pub struct Forward<'a> {
    pub case: &'a CaseRow,
    pub username: &'a str,
    /// The recipient's id in the policy.
    pub recipient: &'a str,
    /// The address it goes to, as typed.
    pub to: &'a str,
    /// Why it is passed on, as typed.
    pub reason: &'a str,
}

/// What forwarding came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Forwarded {
    /// Queued and recorded in the disclosure log; `full` when the person
    /// had given permission for this recipient.
    Sent { full: bool },
    /// The policy does not name this recipient for the form's purpose.
    NotARecipient,
    /// The address is not an email address.
    BadAddress,
    /// No reason was given.
    NoReason,
}

/// Whether the person said yes to a consent question that permits passing
/// their message to `recipient`.
pub fn permits(form: &Form, case: &CaseRow, recipient: &str) -> bool {
    form.questions().any(|q| {
        q.kind == QuestionKind::Consent
            && q.recipient
                .as_ref()
                .is_some_and(|r| r.get_ref() == recipient)
            && case
                .permissions
                .split_whitespace()
                .any(|p| p == q.id.get_ref())
    })
}

/// The form, its purpose, the address and the reason, once the policy names
/// the recipient for the form's purpose and the address and reason are
/// given; else what is wrong.
fn checked_request<'a>(
    checked: &'a CheckedConfig,
    request: &Forward<'a>,
) -> Result<(&'a Form, &'a str, &'a str, &'a str), Forwarded> {
    let config = &checked.config;
    let form = config.forms.get(&request.case.form);
    let purpose = form.map(|f| f.purpose.get_ref().as_str());
    let named = purpose
        .and_then(|p| config.policy.purposes.get(p))
        .is_some_and(|p| p.names_recipient(request.recipient));
    let (Some(form), Some(purpose), true) = (form, purpose, named) else {
        return Err(Forwarded::NotARecipient);
    };
    let (to, reason) = (request.to.trim(), request.reason.trim());
    if !looks_like_email(to) {
        return Err(Forwarded::BadAddress);
    }
    if reason.is_empty() {
        return Err(Forwarded::NoReason);
    }
    Ok((form, purpose, to, reason))
}

/// The answers that go: all of them with permission, else only those that
/// do not identify the person.
fn passed_answers(form: &Form, answers: &[(String, String)], full: bool) -> Vec<serde_json::Value> {
    answers
        .iter()
        .filter_map(|(field, value)| {
            let q = form.question(field)?;
            (full || !q.identifies())
                .then(|| serde_json::json!({ "question": q.label, "value": display(q, value) }))
        })
        .collect()
}

/// Checks the request, then sends the case and records the disclosure.
/// Nothing is read, sent or written when a check fails.
pub async fn forward(
    vault: &Vault,
    mailer: Option<&Mailer>,
    checked: &CheckedConfig,
    request: Forward<'_>,
    now: i64,
) -> Result<Forwarded> {
    let case = request.case;
    let (form, purpose, to, reason) = match checked_request(checked, &request) {
        Ok(checked) => checked,
        Err(refused) => return Ok(refused),
    };
    let (Some(mailer), Some((_, category))) = (mailer, casework_stamp(checked, case)) else {
        return Err(Error::MailNotSetUp);
    };
    let actor = staff_actor(request.username);
    let opened = vault.read_case(&case.id, &actor, now).await?;
    let full = permits(form, case, request.recipient);
    let answers = passed_answers(form, &opened.answers, full);
    let config = &checked.config;
    let recipient_name = config.policy.recipient_name(request.recipient);
    mailer
        .enqueue(
            NewMail {
                subject: &Vault::case_subject(case),
                to,
                purpose,
                category: &category,
                template: "case_forward",
                values: serde_json::json!({
                    "site_name": config.site.name,
                    "reference": case.reference,
                    "recipient_name": recipient_name,
                    "answers": answers,
                    "redacted": !full,
                }),
            },
            now,
        )
        .await?;
    // What the case's timeline shows of the disclosure.
    let version = if full { "full" } else { "redacted" };
    let (recipient, by) = (request.recipient, request.username);
    let details = serde_json::json!({
        "recipient": recipient, "to": to, "reason": reason, "version": version, "by": by, "at": now,
    })
    .to_string();
    vault
        .record_disclosure(
            case,
            purpose,
            &category,
            request.recipient,
            full,
            &details,
            &actor,
            now,
        )
        .await?;
    Ok(Forwarded::Sent { full })
}

#[cfg(test)]
mod tests {
    use custodian_store::personal::cases::CaseStatus;

    use super::*;

    fn case(permissions: &str) -> CaseRow {
        CaseRow {
            id: "c_1".into(),
            reference: "CSJ-1".into(),
            form: "feedback".into(),
            team: None,
            subject_id: "s_1".into(),
            status: CaseStatus::New,
            assigned_to: None,
            permissions: permissions.into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn only_a_yes_to_that_recipients_question_permits_the_full_message() {
        let checked = crate::example::civil_service_jobs();
        let Some(form) = checked.config.forms.get("feedback") else {
            panic!("the example has a feedback form")
        };
        let departments = "other_government_departments";
        assert!(permits(form, &case("share_with_departments"), departments));
        // A yes to another recipient's question, or none, permits nothing.
        assert!(!permits(form, &case("share_with_suppliers"), departments));
        assert!(!permits(form, &case(""), departments));
        // The question's id is not a recipient.
        assert!(!permits(
            form,
            &case("share_with_departments"),
            "share_with_departments"
        ));
    }
}
