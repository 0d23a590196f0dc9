//! Saving one question page: its answers go to the draft in the vault, its
//! consent answers to the journey, and the age question decides whether the
//! parent's page is asked.

use custodian_forms::{Next, Progress};
use custodian_policy::CheckedConfig;
use custodian_policy::children::{AGE_PAGE, AGE_QUESTION, GUARDIAN_PAGE, GUARDIAN_QUESTION, UNDER};
use custodian_policy::forms::Form;
use custodian_vault::{Answer, DraftOwner, Vault};

/// A page of answers that passed its checks.
pub struct SavePage<'a> {
    pub form_id: &'a str,
    pub form: &'a Form,
    /// The page's position in the form.
    pub index: usize,
    /// (question id, answer) for each question on the page, in order.
    pub answers: &'a [(String, Option<String>)],
    pub owner: DraftOwner<'a>,
    /// How long a draft is kept at most.
    pub keep_seconds: i64,
    /// Back to "check your answers" once nothing is missing.
    pub back_to_check: bool,
}

/// Saves the page and moves `progress` on; says where the person goes
/// next.
pub async fn save_page(
    vault: &Vault,
    checked: &CheckedConfig,
    page: &SavePage<'_>,
    progress: &mut Progress,
    now: i64,
) -> custodian_vault::Result<Next> {
    let form = page.form;
    let Some(form_page) = form.pages.get(page.index) else {
        return Err(custodian_vault::VaultError::Undeclared(format!(
            "page {} of form {}",
            page.index, page.form_id
        )));
    };
    let page_id = form_page.id.get_ref().as_str();
    let mut fields = Vec::new();
    let mut answers = Vec::new();
    for (q, (id, value)) in form_page.questions.iter().zip(page.answers) {
        if q.kind.is_permission() {
            progress.set_permission(id, value.as_deref());
            continue;
        }
        fields.push(id.as_str());
        if let (Some(value), Some(category)) = (value, &q.category) {
            answers.push(Answer {
                category: category.get_ref(),
                purpose: form.purpose_of(q),
                field: id,
                value,
            });
        }
    }
    if page_id == AGE_PAGE && checked.children.is_some() {
        let under = page
            .answers
            .iter()
            .any(|(id, v)| id == AGE_QUESTION && v.as_deref() == Some(UNDER));
        if under {
            progress.unskip(GUARDIAN_PAGE);
        } else {
            // Old enough: no parent's address is asked for, and one given
            // before the age was changed goes.
            progress.skip(GUARDIAN_PAGE);
            fields.push(GUARDIAN_QUESTION);
        }
    }
    if !fields.is_empty() {
        vault
            .save_draft(
                page.owner,
                page.form_id,
                &fields,
                &answers,
                page.keep_seconds,
                now,
            )
            .await?;
    }
    if progress.started_at == 0 {
        progress.started_at = now;
    }
    progress.mark_done(page_id);
    if page.back_to_check && progress.first_incomplete(form).is_none() {
        return Ok(Next::Check);
    }
    Ok(progress.next_after(form, page.index))
}
