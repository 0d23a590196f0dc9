//! Which page comes next. A person's progress through a form (which pages
//! they have completed, when they started, their answers to consent
//! questions) is kept with their session; their answers are in the vault.

use custodian_policy::forms::{Form, FormPage, QuestionKind};
use serde::{Deserialize, Serialize};

/// Where someone is in a form. Holds no personal value: page ids, a time,
/// and yes or no to each consent question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// When the first page was shown (unix seconds): a form sent back much
    /// faster than a person could fill it in is refused.
    pub started_at: i64,
    /// Pages completed, in any order.
    #[serde(default)]
    pub done: Vec<String>,
    /// Consent question ids answered yes.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Consent question ids answered at all (yes or no).
    #[serde(default)]
    pub consent_answered: Vec<String>,
}

/// Where to go after a page is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Page(String),
    Check,
}

impl Progress {
    pub fn is_done(&self, page: &str) -> bool {
        self.done.iter().any(|p| p == page)
    }

    pub fn mark_done(&mut self, page: &str) {
        if !self.is_done(page) {
            self.done.push(page.to_owned());
        }
    }

    /// Record the consent answers of a page: replaces what it said before.
    pub fn set_consent(&mut self, question: &str, yes: Option<bool>) {
        self.permissions.retain(|q| q != question);
        self.consent_answered.retain(|q| q != question);
        if let Some(yes) = yes {
            self.consent_answered.push(question.to_owned());
            if yes {
                self.permissions.push(question.to_owned());
            }
        }
    }

    /// The first page not yet completed, if any.
    pub fn first_incomplete<'a>(&self, form: &'a Form) -> Option<&'a FormPage> {
        form.pages.iter().find(|p| !self.is_done(p.id.get_ref()))
    }

    /// Whether every page before `index` is complete, so the page at
    /// `index` may be answered now.
    pub fn may_answer(&self, form: &Form, index: usize) -> bool {
        form.pages
            .iter()
            .take(index)
            .all(|p| self.is_done(p.id.get_ref()))
    }

    /// After completing the page at `index`: the next incomplete page, or
    /// the check-answers page once all are complete.
    pub fn next_after(&self, form: &Form, index: usize) -> Next {
        form.pages
            .iter()
            .skip(index + 1)
            .chain(form.pages.iter().take(index))
            .find(|p| !self.is_done(p.id.get_ref()))
            .map_or(Next::Check, |p| Next::Page(p.id.get_ref().clone()))
    }
}

/// Whether a page's questions are consent questions only.
pub fn is_consent(kind: QuestionKind) -> bool {
    kind == QuestionKind::Consent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        let text = r#"
title = "Contact us"
purpose = "p"
[[pages]]
id = "name"
[[pages.questions]]
id = "name"
type = "text"
label = "Name"
category = "c"
[[pages]]
id = "message"
[[pages.questions]]
id = "message"
type = "long_text"
label = "Message"
category = "c"
"#;
        match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn pages_are_answered_in_order_then_checked() {
        let form = form();
        let mut p = Progress::default();
        assert!(p.may_answer(&form, 0));
        assert!(!p.may_answer(&form, 1));
        p.mark_done("name");
        assert!(p.may_answer(&form, 1));
        assert_eq!(p.next_after(&form, 0), Next::Page("message".into()));
        p.mark_done("message");
        assert_eq!(p.next_after(&form, 1), Next::Check);
        assert!(p.first_incomplete(&form).is_none());
    }

    #[test]
    fn consent_answers_replace_earlier_ones() {
        let mut p = Progress::default();
        p.set_consent("forward", Some(true));
        p.set_consent("forward", Some(false));
        assert!(p.permissions.is_empty());
        assert_eq!(p.consent_answered, vec!["forward".to_owned()]);
    }
}
