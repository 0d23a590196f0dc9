//! Notes and replies kept in the case, under the form's purpose and the
//! category its messages are.

use custodian_policy::CheckedConfig;
use custodian_policy::forms::QuestionKind;
use custodian_store::audit::{Audit, staff_actor};
use custodian_store::personal::cases::CaseRow;
use custodian_vault::cases::case_source;
use custodian_vault::{NewRecord, Vault};

/// Where notes and replies are kept: the purpose the form serves, and the
/// category its messages are (its long-text question's). `None` when the
/// form is gone from the policy or asks for no message.
pub fn casework_stamp(checked: &CheckedConfig, case: &CaseRow) -> Option<(String, String)> {
    let form = checked.config.forms.get(&case.form)?;
    let category = form
        .questions()
        .find(|q| q.kind == QuestionKind::LongText)
        .and_then(|q| q.category.as_ref())
        .map(|c| c.get_ref().clone())?;
    Some((form.purpose.get_ref().clone(), category))
}

/// Keeps `text` written by `username` in the case as `field` ("note",
/// "reply"). With `action`, the audit entry that records it ("note on
/// case") is written in the same transaction. `false` when the form gives
/// no place to keep it.
#[allow(clippy::too_many_arguments)]
pub async fn keep_written(
    vault: &Vault,
    checked: &CheckedConfig,
    case: &CaseRow,
    field: &str,
    username: &str,
    text: &str,
    action: Option<&str>,
    now: i64,
) -> custodian_vault::Result<bool> {
    let Some((purpose, category)) = casework_stamp(checked, case) else {
        return Ok(false);
    };
    let value = serde_json::json!({ "by": username, "at": now, "text": text }).to_string();
    let source = case_source(&case.id);
    let record = NewRecord {
        category: &category,
        purpose: &purpose,
        source: &source,
        field,
        value: &value,
    };
    let actor = staff_actor(username);
    let detail = format!("case {}", case.reference);
    let audit = action.map(|action| Audit {
        at: now,
        actor: &actor,
        action,
        subject: Some(&case.subject_id),
    });
    let audited = audit.as_ref().map(|a| (a, detail.as_str()));
    vault
        .put_all_audited(&Vault::case_subject(case), &[record], audited, now)
        .await?;
    Ok(true)
}
