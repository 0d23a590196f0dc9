//! What the form templates are given: each question with what the person
//! entered and any error, ready for the Design System's components.

use custodian_forms::answers::display;
use custodian_forms::{Entered, FieldError};
use custodian_policy::forms::{Form, FormPage, Question, QuestionKind};
use serde::Serialize;

#[derive(Serialize)]
pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
    pub checked: bool,
}

#[derive(Serialize)]
pub struct QuestionView {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub autocomplete: Option<String>,
    pub options: Vec<ChoiceView>,
    pub entered: Entered,
    pub error: Option<String>,
    /// The question is the page's heading (the only one on its page).
    pub heading: bool,
    /// Digits only: a numeric keyboard on phones.
    pub numeric: bool,
    /// Date inputs: which of day, month and year the error is about.
    pub error_parts: Vec<&'static str>,
}

fn kind_name(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Text => "text",
        QuestionKind::LongText => "long_text",
        QuestionKind::Email => "email",
        QuestionKind::Phone => "phone",
        QuestionKind::Date => "date",
        QuestionKind::Radios => "radios",
        QuestionKind::Checkboxes => "checkboxes",
        QuestionKind::YesNo | QuestionKind::Consent => "yes_no",
        QuestionKind::Publication => "radios",
    }
}

fn choices(q: &Question, entered: &Entered, asks_identity: bool) -> Vec<ChoiceView> {
    let checked = |v: &str| entered.choices.iter().any(|c| c == v);
    match q.kind {
        QuestionKind::Publication => custodian_forms::answers::PUBLICATION_CHOICES
            .into_iter()
            // With a name only where the form asks for one.
            .filter(|(v, _)| asks_identity || *v != "named")
            .map(|(v, l)| ChoiceView {
                value: v.to_owned(),
                label: l.to_owned(),
                hint: None,
                checked: checked(v),
            })
            .collect(),
        QuestionKind::YesNo | QuestionKind::Consent => [("yes", "Yes"), ("no", "No")]
            .into_iter()
            .map(|(v, l)| ChoiceView {
                value: v.to_owned(),
                label: l.to_owned(),
                hint: None,
                checked: checked(v),
            })
            .collect(),
        _ => q
            .options
            .iter()
            .map(|c| ChoiceView {
                value: c.value.get_ref().clone(),
                label: c.label.clone(),
                hint: c.hint.clone(),
                checked: checked(c.value.get_ref()),
            })
            .collect(),
    }
}

pub fn questions(
    form: &Form,
    page: &FormPage,
    entered: &std::collections::BTreeMap<String, Entered>,
    errors: &[FieldError],
) -> Vec<QuestionView> {
    let heading = page.questions.len() == 1;
    page.questions
        .iter()
        .map(|q| {
            let id = q.id.get_ref().clone();
            let entered = entered.get(&id).cloned().unwrap_or_default();
            let error = errors.iter().find(|e| e.question == id);
            let error_parts = match error {
                Some(e) if q.kind == QuestionKind::Date => {
                    let part = e.field.rsplit('-').next().unwrap_or("day");
                    // A missing part is marked alone; anything else is the
                    // whole date.
                    if e.text.contains("must include") {
                        ["day", "month", "year"]
                            .into_iter()
                            .filter(|p| *p == part || e.text.contains(p))
                            .collect()
                    } else {
                        vec!["day", "month", "year"]
                    }
                }
                _ => Vec::new(),
            };
            QuestionView {
                kind: kind_name(q.kind),
                label: q.label.clone(),
                hint: q.hint.clone(),
                autocomplete: q.autocomplete().map(str::to_owned),
                options: choices(q, &entered, form.asks_identity()),
                error: error.map(|e| e.text.clone()),
                heading,
                numeric: q.format == Some(custodian_policy::forms::TextFormat::WholeNumber),
                error_parts,
                entered,
                id,
            }
        })
        .collect()
}

/// One row of the check-answers page.
#[derive(Serialize)]
pub struct SummaryRow {
    pub key: String,
    /// Lines of the answer as it reads.
    pub lines: Vec<String>,
    pub change: String,
    /// What the Change link changes, for screen readers.
    pub change_name: String,
}

pub fn summary(
    form_id: &str,
    form: &Form,
    draft: &[(String, String)],
    progress: &custodian_forms::Progress,
) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for page in form
        .pages
        .iter()
        .filter(|p| !progress.is_skipped(p.id.get_ref()))
    {
        for q in &page.questions {
            let id = q.id.get_ref();
            let value = if q.kind.is_permission() {
                progress.permission(id).map(str::to_owned)
            } else {
                draft.iter().find(|(f, _)| f == id).map(|(_, v)| v.clone())
            };
            let shown = value.map_or_else(|| "Not given".to_owned(), |v| display(q, &v));
            rows.push(SummaryRow {
                key: q.label.clone(),
                lines: shown.lines().map(str::to_owned).collect(),
                change: format!("/forms/{form_id}/{}?return=check", page.id.get_ref()),
                change_name: q.error_name(),
            });
        }
    }
    rows
}
