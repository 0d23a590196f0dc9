//! A consultation's responses, analysed: counts and percentages for every
//! closed question, free-text answers without identity, and the rows of an
//! export from which every answer that identifies someone is removed.

use custodian_policy::forms::{Form, Question, QuestionKind};
use serde::Serialize;

use crate::answers::display;

/// One response: its answers by question id, and whether it may be
/// published ("named", "anonymous") or not (none).
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub answers: Vec<(String, String)>,
    pub publication: Option<String>,
}

impl Response {
    fn answer(&self, id: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OptionCount {
    pub label: String,
    pub count: usize,
    /// Of the responses that answered the question, rounded to a whole number.
    pub percent: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClosedQuestion {
    pub label: String,
    /// Responses that answered it.
    pub answered: usize,
    /// Checkboxes: percentages can add up to more than 100.
    pub several: bool,
    pub options: Vec<OptionCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenQuestion {
    pub label: String,
    pub answers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub responses: usize,
    pub closed: Vec<ClosedQuestion>,
    pub open: Vec<OpenQuestion>,
}

fn choices(q: &Question) -> Vec<(String, String)> {
    match q.kind {
        QuestionKind::YesNo => vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
        _ => q
            .options
            .iter()
            .map(|c| (c.value.get_ref().clone(), c.label.clone()))
            .collect(),
    }
}

fn percent(count: usize, of: usize) -> u32 {
    if of == 0 {
        return 0;
    }
    let p = (count * 100 + of / 2) / of;
    u32::try_from(p).unwrap_or(100)
}

/// Questions whose answers may appear in an analysis or an export: not
/// permissions, and nothing that identifies the person.
fn analysable(q: &Question) -> bool {
    !q.kind.is_permission() && !q.identifies()
}

pub fn analyse(form: &Form, responses: &[Response]) -> Analysis {
    let mut closed = Vec::new();
    let mut open = Vec::new();
    for q in form.questions().filter(|q| analysable(q)) {
        let id = q.id.get_ref();
        match q.kind {
            QuestionKind::Radios | QuestionKind::Checkboxes | QuestionKind::YesNo => {
                let given: Vec<Vec<&str>> = responses
                    .iter()
                    .filter_map(|r| r.answer(id))
                    .map(|v| v.split('\n').collect())
                    .collect();
                let options = choices(q)
                    .into_iter()
                    .map(|(value, label)| {
                        let count = given.iter().filter(|g| g.contains(&value.as_str())).count();
                        OptionCount {
                            label,
                            count,
                            percent: percent(count, given.len()),
                        }
                    })
                    .collect();
                closed.push(ClosedQuestion {
                    label: q.label.clone(),
                    answered: given.len(),
                    several: q.kind == QuestionKind::Checkboxes,
                    options,
                });
            }
            _ => open.push(OpenQuestion {
                label: q.label.clone(),
                answers: responses
                    .iter()
                    .filter_map(|r| r.answer(id))
                    .map(|v| display(q, v))
                    .collect(),
            }),
        }
    }
    Analysis {
        responses: responses.len(),
        closed,
        open,
    }
}

/// A cell a spreadsheet will not run: text from the public that starts
/// like a formula ("=HYPERLINK(...)") is prefixed with an apostrophe, as
/// OWASP advises against CSV injection.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The header and rows of an export: one column per analysable question,
/// answers as they read. `publishable`: only responses whose authors
/// agreed to publication.
pub fn export_rows(
    form: &Form,
    responses: &[Response],
    publishable: bool,
) -> (Vec<String>, Vec<Vec<String>>) {
    let questions: Vec<&Question> = form.questions().filter(|q| analysable(q)).collect();
    let header = questions.iter().map(|q| q.label.clone()).collect();
    let rows = responses
        .iter()
        .filter(|r| !publishable || r.publication.is_some())
        .map(|r| {
            questions
                .iter()
                .map(|q| {
                    r.answer(q.id.get_ref())
                        .map(|v| inert(&display(q, v).replace('\n', "; ")))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        let text = r#"
title = "Have your say"
kind = "consultation"
purpose = "p"
[[pages]]
id = "a"
[[pages.questions]]
id = "name"
type = "text"
label = "Name"
identifies = true
category = "c"
[[pages.questions]]
id = "happy"
type = "radios"
label = "Happy?"
category = "c"
options = [{ value = "yes", label = "Yes" }, { value = "no", label = "No" }]
[[pages.questions]]
id = "views"
type = "long_text"
label = "Views"
category = "c"
"#;
        match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    fn response(name: &str, happy: &str, views: &str, publication: Option<&str>) -> Response {
        Response {
            answers: vec![
                ("name".into(), name.into()),
                ("happy".into(), happy.into()),
                ("views".into(), views.into()),
            ],
            publication: publication.map(str::to_owned),
        }
    }

    #[test]
    fn counts_percentages_and_no_identity() {
        let f = form();
        let all = [
            response("Ada", "yes", "Good", Some("anonymous")),
            response("Bob", "yes", "Fine", None),
            response("Cy", "no", "Bad", None),
        ];
        let a = analyse(&f, &all);
        assert_eq!(a.responses, 3);
        assert_eq!(a.closed[0].options[0].count, 2);
        assert_eq!(a.closed[0].options[0].percent, 67);
        assert_eq!(a.open[0].answers, vec!["Good", "Fine", "Bad"]);
        let (header, rows) = export_rows(&f, &all, false);
        assert_eq!(header, vec!["Happy?", "Views"]);
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter()
                .flatten()
                .all(|cell| !["Ada", "Bob", "Cy"].contains(&cell.as_str()))
        );
        let (_, publishable) = export_rows(&f, &all, true);
        assert_eq!(publishable, vec![vec!["Yes".to_owned(), "Good".to_owned()]]);
        let formula = [response("Eve", "no", "=HYPERLINK(\"http://x\")", None)];
        let (_, rows) = export_rows(&f, &formula, false);
        assert_eq!(rows[0][1], "'=HYPERLINK(\"http://x\")");
    }
}
