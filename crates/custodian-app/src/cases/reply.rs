//! A reply by email, through the outbox; the reply is kept in the case and
//! the case becomes replied, the event "1 year after we reply" waits for.

use custodian_mail::{Mailer, NewMail};
use custodian_policy::CheckedConfig;
use custodian_policy::forms::Form;
use custodian_policy::retention::Event;
use custodian_store::personal::cases::{CaseRow, CaseStatus};
use custodian_vault::{CaseChange, Vault};

use custodian_store::audit::staff_actor;

use super::keep_written;
use crate::Result;

/// A reply a member of staff wrote.
pub struct Reply<'a> {
    pub case: &'a CaseRow,
    pub username: &'a str,
    /// The text, trimmed and not empty.
    pub text: &'a str,
    /// How the reply is signed: "Youth team".
    pub signature: String,
    /// What every email to the public carries besides (the site's name,
    /// where to get help now, the your-data link).
    pub public_values: serde_json::Map<String, serde_json::Value>,
}

/// What replying came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Replied {
    /// Queued in the outbox, kept in the case, and the case is replied.
    Sent,
    /// The person gave no email address (or the site sends no mail):
    /// nothing was sent or kept.
    NoAddress,
}

/// The address replies go to: the form's confirmation question, or its
/// first email question.
pub fn reply_address<'a>(form: &Form, answers: &'a [(String, String)]) -> Option<&'a str> {
    let question = form.reply_question()?.id.get_ref();
    answers
        .iter()
        .find(|(f, _)| f == question)
        .map(|(_, v)| v.as_str())
}

/// Sends the reply. The case is read (and the read audited) only to find
/// the address; the text is kept in the case once the mail is queued.
pub async fn reply(
    vault: &Vault,
    mailer: Option<&Mailer>,
    checked: &CheckedConfig,
    reply: Reply<'_>,
    now: i64,
) -> Result<Replied> {
    let case = reply.case;
    let actor = staff_actor(reply.username);
    let Some(form) = checked.config.forms.get(&case.form) else {
        return Ok(Replied::NoAddress);
    };
    let opened = vault.read_case(&case.id, &actor, now).await?;
    let to = reply_address(form, &opened.answers);
    let (Some(to), Some(mailer), Some((purpose, _))) =
        (to, mailer, super::casework_stamp(checked, case))
    else {
        return Ok(Replied::NoAddress);
    };
    let category = form.reply_question().and_then(|q| q.category.as_ref());
    let category = category.map_or("", |c| c.get_ref().as_str());
    let mut values = reply.public_values;
    values.insert("reference".into(), case.reference.clone().into());
    values.insert("reply".into(), reply.text.into());
    values.insert("staff_signature".into(), reply.signature.into());
    mailer
        .enqueue(
            NewMail {
                subject: &Vault::case_subject(case),
                to,
                purpose: &purpose,
                category,
                template: "case_reply",
                values: serde_json::Value::Object(values),
            },
            now,
        )
        .await?;
    keep_written(
        vault,
        checked,
        case,
        "reply",
        reply.username,
        reply.text,
        // The reply's entry is the case's change to replied, below.
        None,
        now,
    )
    .await?;
    let change = CaseChange {
        status: CaseStatus::Replied,
        assigned_to: case.assigned_to.as_deref().or(Some(reply.username)),
        event: Some(Event::Replied),
        action: "reply to case",
    };
    vault.case_event(case, change, &actor, now).await?;
    Ok(Replied::Sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_go_to_the_confirmation_address_only() {
        let checked = crate::example::civil_service_jobs();
        let Some(form) = checked.config.forms.get("feedback") else {
            panic!("the example has a feedback form")
        };
        let answers = [
            (
                "message".to_owned(),
                "me@example.com is my address".to_owned(),
            ),
            ("email".to_owned(), "reply@example.com".to_owned()),
        ];
        assert_eq!(reply_address(form, &answers), Some("reply@example.com"));
        assert_eq!(reply_address(form, &answers[..1]), None);
    }
}
