//! Which page comes next. A person's progress through a form (which pages
//! they have completed, when they started, their answers to consent
//! questions) is kept with their session; their answers are in the vault.

use std::collections::BTreeMap;

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
    /// Answers to permission questions, by question id: "yes" or "no" to
    /// consent; "named", "anonymous" or "no" to publication.
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
    /// Pages an earlier answer made unnecessary (the parent's or guardian's
    /// address, for someone old enough): done, and left out of the answers.
    #[serde(default)]
    pub skipped: Vec<String>,
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

    /// A page that does not apply: counted as done, shown nowhere.
    pub fn skip(&mut self, page: &str) {
        self.mark_done(page);
        if !self.is_skipped(page) {
            self.skipped.push(page.to_owned());
        }
    }

    /// A page that applies after all (an earlier answer changed): to be
    /// answered again.
    pub fn unskip(&mut self, page: &str) {
        if self.is_skipped(page) {
            self.skipped.retain(|p| p != page);
            self.done.retain(|p| p != page);
        }
    }

    pub fn is_skipped(&self, page: &str) -> bool {
        self.skipped.iter().any(|p| p == page)
    }

    /// Record the answer to a permission question, replacing any before.
    pub fn set_permission(&mut self, question: &str, answer: Option<&str>) {
        match answer {
            Some(a) => self.permissions.insert(question.to_owned(), a.to_owned()),
            None => self.permissions.remove(question),
        };
    }

    pub fn permission(&self, question: &str) -> Option<&str> {
        self.permissions.get(question).map(String::as_str)
    }

    /// What the case keeps of these answers: each consent question answered
    /// yes, as its id, and each publication choice other than no, as
    /// `id=named` or `id=anonymous`.
    pub fn granted(&self, form: &Form) -> Vec<String> {
        form.questions()
            .filter_map(|q| {
                let id = q.id.get_ref();
                match (q.kind, self.permission(id)) {
                    (QuestionKind::Consent, Some("yes")) => Some(id.clone()),
                    (QuestionKind::Publication, Some(choice @ ("named" | "anonymous"))) => {
                        Some(format!("{id}={choice}"))
                    }
                    _ => None,
                }
            })
            .collect()
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

/// Whether a case's permissions allow publishing it, and how.
pub fn publication(permissions: &str) -> Option<&str> {
    permissions
        .split_whitespace()
        .find_map(|p| p.split_once('=').map(|(_, choice)| choice))
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
    fn permission_answers_replace_earlier_ones() {
        let mut p = Progress::default();
        p.set_permission("forward", Some("yes"));
        p.set_permission("forward", Some("no"));
        assert_eq!(p.permission("forward"), Some("no"));
        assert_eq!(publication("forward publish=anonymous"), Some("anonymous"));
        assert_eq!(publication("forward"), None);
    }

    #[test]
    fn a_skipped_page_is_done_until_it_applies_again() {
        let form = form();
        let mut p = Progress::default();
        p.mark_done("name");
        p.skip("message");
        assert!(p.first_incomplete(&form).is_none());
        assert!(p.is_skipped("message"));
        p.unskip("message");
        assert_eq!(
            p.first_incomplete(&form)
                .map(|page| page.id.get_ref().as_str()),
            Some("message")
        );
        // A page answered normally is not undone by unskip.
        p.mark_done("message");
        p.unskip("message");
        assert!(p.is_done("message"));
    }
}
