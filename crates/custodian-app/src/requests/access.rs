//! The answer to an access request in one document: the request, the
//! controller, the person's cases and everything held about them, as the
//! person may be told it (a disclosure they may not be told about stays
//! out, as in the portal).

use custodian_policy::CheckedConfig;
use custodian_store::personal::requests::RequestRow;
use custodian_vault::export::ExportItem;
use custodian_vault::{SubjectRef, Vault};
use serde::Serialize;

use crate::Result;

#[derive(Debug, Serialize)]
pub struct AccessAnswer {
    pub request: AnsweredRequest,
    pub controller: String,
    pub cases: Vec<AnsweredCase>,
    pub items: Vec<ExportItem>,
}

#[derive(Debug, Serialize)]
pub struct AnsweredRequest {
    pub reference: String,
    pub kind: String,
    pub received_on: String,
}

#[derive(Debug, Serialize)]
pub struct AnsweredCase {
    pub reference: String,
    pub form: String,
    pub status: &'static str,
}

/// Everything held about the request's person, read (and audited) under
/// `actor`.
pub async fn answer_access(
    vault: &Vault,
    checked: &CheckedConfig,
    request: &RequestRow,
    actor: &str,
    now: i64,
) -> Result<AccessAnswer> {
    let subject = SubjectRef {
        id: request.subject_id.clone(),
    };
    let copy = vault.copy_for_the_person(&subject, actor, now).await?;
    let cases = vault.cases_of(&subject).await?;
    Ok(AccessAnswer {
        request: AnsweredRequest {
            reference: request.reference.clone(),
            kind: request.kind.clone(),
            received_on: request.received_on.clone(),
        },
        controller: checked.config.policy.controller.name.clone(),
        cases: cases
            .iter()
            .map(|c| AnsweredCase {
                reference: c.reference.clone(),
                form: c.form.clone(),
                status: c.status.as_str(),
            })
            .collect(),
        items: copy.items,
    })
}
