//! From what someone typed to the answer that is stored, or to an error
//! message that says exactly what to fix, in the Design System's words.
//! What they typed is always kept, so the page can show it back.

use std::collections::BTreeMap;

use custodian_policy::forms::{DateBound, FormPage, Question, QuestionKind, TextFormat};
use serde::Serialize;
use time::{Date, Month};

/// Longest answers accepted when a question sets no limit of its own.
const TEXT_LIMIT: usize = 500;
const LONG_TEXT_LIMIT: usize = 10_000;

/// What the person entered for one question, to show back to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entered {
    pub text: String,
    pub day: String,
    pub month: String,
    pub year: String,
    pub choices: Vec<String>,
}

/// One problem with a page, linked from the error summary to `field`
/// (the id of the input to fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub question: String,
    pub field: String,
    pub text: String,
}

impl FieldError {
    /// A problem with a field that is not a form's question (an account's
    /// email address, a staff sign-in): the field is its own question.
    pub fn new(field: &str, text: impl Into<String>) -> FieldError {
        FieldError {
            question: field.to_owned(),
            field: field.to_owned(),
            text: text.into(),
        }
    }
}

/// A page's answers as read from a submission.
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    /// Each question on the page and its answer, `None` when left empty.
    pub answers: Vec<(String, Option<String>)>,
    pub entered: BTreeMap<String, Entered>,
    pub errors: Vec<FieldError>,
}

impl PageInput {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

fn values<'a>(raw: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    raw.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn one<'a>(raw: &'a [(String, String)], name: &str) -> &'a str {
    values(raw, name).first().copied().unwrap_or("")
}

/// Read every question of `page` from a form submission.
pub fn read_page(page: &FormPage, raw: &[(String, String)], today: Date) -> PageInput {
    let mut input = PageInput::default();
    for q in &page.questions {
        let id = q.id.get_ref().clone();
        let (entered, outcome) = read_question(q, raw, today);
        match outcome {
            Ok(value) => input.answers.push((id.clone(), value)),
            Err((field, text)) => input.errors.push(FieldError {
                question: id.clone(),
                field,
                text,
            }),
        }
        input.entered.insert(id, entered);
    }
    input
}

type Outcome = Result<Option<String>, (String, String)>;

fn read_question(q: &Question, raw: &[(String, String)], today: Date) -> (Entered, Outcome) {
    let id = q.id.get_ref();
    match q.kind {
        QuestionKind::Date => read_date(q, raw, today),
        QuestionKind::Checkboxes => {
            let chosen: Vec<String> = values(raw, id)
                .into_iter()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            let entered = Entered {
                choices: chosen.clone(),
                ..Entered::default()
            };
            let outcome = if chosen.is_empty() {
                if q.required {
                    Err((id.clone(), format!("Select {}", q.error_name())))
                } else {
                    Ok(None)
                }
            } else if chosen.iter().all(|c| offers(q, c)) {
                Ok(Some(chosen.join("\n")))
            } else {
                Err((id.clone(), "Select from the options shown".to_owned()))
            };
            (entered, outcome)
        }
        QuestionKind::Radios
        | QuestionKind::YesNo
        | QuestionKind::Consent
        | QuestionKind::Publication => {
            let chosen = one(raw, id).to_owned();
            let entered = Entered {
                choices: vec![chosen.clone()],
                ..Entered::default()
            };
            let outcome = if chosen.is_empty() {
                if q.required {
                    Err((id.clone(), select_message(q)))
                } else {
                    Ok(None)
                }
            } else if offers(q, &chosen) {
                Ok(Some(chosen))
            } else {
                Err((id.clone(), "Select one of the options shown".to_owned()))
            };
            (entered, outcome)
        }
        QuestionKind::Text | QuestionKind::LongText | QuestionKind::Email | QuestionKind::Phone => {
            let typed = one(raw, id);
            let entered = Entered {
                text: typed.to_owned(),
                ..Entered::default()
            };
            (entered, read_text(q, typed).map_err(|e| (id.clone(), e)))
        }
    }
}

fn select_message(q: &Question) -> String {
    match q.kind {
        QuestionKind::YesNo | QuestionKind::Consent => {
            format!("Select yes if {}", q.error_name())
        }
        QuestionKind::Publication => format!("Select whether {}", q.error_name()),
        _ => format!("Select {}", q.error_name()),
    }
}

/// A publication question's choices, as stored and as people read them.
pub const PUBLICATION_CHOICES: [(&str, &str); 3] = [
    ("named", "Yes, with my name"),
    ("anonymous", "Yes, but without my name"),
    ("no", "No, do not publish it"),
];

/// Whether `value` is one of the question's choices.
pub fn offers(q: &Question, value: &str) -> bool {
    match q.kind {
        QuestionKind::YesNo | QuestionKind::Consent => matches!(value, "yes" | "no"),
        QuestionKind::Publication => PUBLICATION_CHOICES.iter().any(|(v, _)| *v == value),
        _ => q.options.iter().any(|c| c.value.get_ref() == value),
    }
}

/// "your name" at the start of a sentence: "Your name".
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn read_text(q: &Question, typed: &str) -> Result<Option<String>, String> {
    // Line endings are normalised so that a length means what people see.
    let value = typed.replace("\r\n", "\n").trim().to_owned();
    let name = q.error_name();
    if value.is_empty() {
        return if q.required {
            Err(format!("Enter {name}"))
        } else {
            Ok(None)
        };
    }
    let length = value.chars().count();
    let limit = q.max_length.unwrap_or(match q.kind {
        QuestionKind::LongText => LONG_TEXT_LIMIT,
        _ => TEXT_LIMIT,
    });
    if length > limit {
        return Err(format!(
            "{} must be {limit} characters or fewer",
            sentence(&name)
        ));
    }
    if let Some(min) = q.min_length
        && length < min
    {
        return Err(format!(
            "{} must be {min} characters or more",
            sentence(&name)
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!(
            "{} must not contain control characters",
            sentence(&name)
        ));
    }
    match q.kind {
        QuestionKind::Email => {
            if !looks_like_email(&value) {
                return Err(
                    "Enter an email address in the correct format, like name@example.com".into(),
                );
            }
            Ok(Some(value))
        }
        QuestionKind::Phone => {
            let digits = value.chars().filter(char::is_ascii_digit).count();
            let allowed = value
                .chars()
                .all(|c| c.is_ascii_digit() || " +()-".contains(c));
            if !allowed || !(10..=15).contains(&digits) {
                return Err("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192".into());
            }
            Ok(Some(value))
        }
        _ => match q.format {
            Some(TextFormat::UkPostcode) => normalise_postcode(&value)
                .map(Some)
                .ok_or_else(|| "Enter a full UK postcode, like AA3 1AB".to_owned()),
            Some(TextFormat::WholeNumber) => read_number(q, &value, &name).map(Some),
            None => Ok(Some(value)),
        },
    }
}

fn read_number(q: &Question, value: &str, name: &str) -> Result<String, String> {
    let number: i64 = value
        .parse()
        .map_err(|_| format!("{} must be a whole number, like 15", sentence(name)))?;
    match (q.min, q.max) {
        (Some(min), Some(max)) if number < min || number > max => Err(format!(
            "{} must be between {min} and {max}",
            sentence(name)
        )),
        (Some(min), None) if number < min => {
            Err(format!("{} must be {min} or more", sentence(name)))
        }
        (None, Some(max)) if number > max => {
            Err(format!("{} must be {max} or less", sentence(name)))
        }
        _ => Ok(number.to_string()),
    }
}

/// The one check of an email address's form (see
/// [`custodian_policy::email`]).
pub use custodian_policy::email::looks_like_email;

/// "sw1a1aa" to "SW1A 1AA", or nothing if it is not a UK postcode.
fn normalise_postcode(value: &str) -> Option<String> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = compact.as_bytes();
    if !(5..=7).contains(&b.len()) {
        return None;
    }
    let (outward, inward) = compact.split_at(b.len() - 3);
    let inward_ok = inward.as_bytes()[0].is_ascii_digit()
        && inward.as_bytes()[1..].iter().all(u8::is_ascii_alphabetic);
    let o = outward.as_bytes();
    let outward_ok = o[0].is_ascii_alphabetic()
        && o.iter().any(u8::is_ascii_digit)
        && o.iter().all(u8::is_ascii_alphanumeric);
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

fn read_date(q: &Question, raw: &[(String, String)], today: Date) -> (Entered, Outcome) {
    let id = q.id.get_ref();
    let part = |p: &str| one(raw, &format!("{id}-{p}")).trim().to_owned();
    let entered = Entered {
        day: part("day"),
        month: part("month"),
        year: part("year"),
        ..Entered::default()
    };
    let name = q.error_name();
    let outcome = (|| {
        let parts = [
            ("day", &entered.day),
            ("month", &entered.month),
            ("year", &entered.year),
        ];
        let missing: Vec<&str> = parts
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if missing.len() == 3 {
            return if q.required {
                Err((format!("{id}-day"), format!("Enter {name}")))
            } else {
                Ok(None)
            };
        }
        if let Some(first) = missing.first() {
            let what = match missing.as_slice() {
                [one] => format!("a {one}"),
                [a, b] => format!("a {a} and {b}"),
                _ => "a day, month and year".to_owned(),
            };
            return Err((
                format!("{id}-{first}"),
                format!("{} must include {what}", sentence(&name)),
            ));
        }
        let real = (|| {
            let day: u8 = entered.day.parse().ok()?;
            let month: u8 = entered.month.parse().ok()?;
            let year: i32 = entered.year.parse().ok()?;
            if entered.year.len() != 4 {
                return None;
            }
            Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
        })();
        let Some(date) = real else {
            return Err((
                format!("{id}-day"),
                format!("{} must be a real date", sentence(&name)),
            ));
        };
        let bound = |b: &Option<toml::Spanned<String>>| {
            b.as_ref()
                .and_then(|t| DateBound::parse(t.get_ref()).ok())
                .map(|d| (d, d.resolve(today)))
        };
        if let Some((kind, latest)) = bound(&q.latest)
            && date > latest
        {
            let text = match kind {
                DateBound::Today => format!("{} must be today or in the past", sentence(&name)),
                DateBound::On(d) => format!(
                    "{} must be the same as or before {}",
                    sentence(&name),
                    long_date(d)
                ),
            };
            return Err((format!("{id}-day"), text));
        }
        if let Some((kind, earliest)) = bound(&q.earliest)
            && date < earliest
        {
            let text = match kind {
                DateBound::Today => format!("{} must be today or in the future", sentence(&name)),
                DateBound::On(d) => format!(
                    "{} must be the same as or after {}",
                    sentence(&name),
                    long_date(d)
                ),
            };
            return Err((format!("{id}-day"), text));
        }
        Ok(Some(iso(date)))
    })();
    (entered, outcome)
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// "31 January 2027", as the Design System writes dates.
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// A stored answer shown back in its question's inputs.
pub fn entered_from_stored(q: &Question, value: &str) -> Entered {
    match q.kind {
        QuestionKind::Date => {
            let mut parts = value.split('-');
            let (year, month, day) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            Entered {
                day: day.trim_start_matches('0').to_owned(),
                month: month.trim_start_matches('0').to_owned(),
                year: year.to_owned(),
                ..Entered::default()
            }
        }
        QuestionKind::Checkboxes
        | QuestionKind::Radios
        | QuestionKind::YesNo
        | QuestionKind::Consent
        | QuestionKind::Publication => Entered {
            choices: value.split('\n').map(str::to_owned).collect(),
            ..Entered::default()
        },
        _ => Entered {
            text: value.to_owned(),
            ..Entered::default()
        },
    }
}

/// A stored answer as it reads on the check-answers page.
pub fn display(q: &Question, value: &str) -> String {
    match q.kind {
        QuestionKind::Date => custodian_policy::forms::parse_day(value)
            .map(long_date)
            .unwrap_or_else(|_| value.to_owned()),
        QuestionKind::YesNo | QuestionKind::Consent => match value {
            "yes" => "Yes".to_owned(),
            "no" => "No".to_owned(),
            other => other.to_owned(),
        },
        QuestionKind::Publication => PUBLICATION_CHOICES
            .iter()
            .find(|(v, _)| *v == value)
            .map_or_else(|| value.to_owned(), |(_, label)| (*label).to_owned()),
        QuestionKind::Radios | QuestionKind::Checkboxes => value
            .split('\n')
            .map(|v| {
                q.options
                    .iter()
                    .find(|c| c.value.get_ref() == v)
                    .map_or_else(|| v.to_owned(), |c| c.label.clone())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(toml_text: &str) -> Question {
        match toml::from_str(toml_text) {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        }
    }

    fn raw(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::December, 1).unwrap_or(Date::MIN)
    }

    #[test]
    fn required_text_says_what_to_enter() {
        let q = question("id = \"name\"\ntype = \"text\"\nlabel = \"Your name\"\ncategory = \"c\"");
        let (_, out) = read_question(&q, &raw(&[("name", "  ")]), today());
        assert_eq!(out, Err(("name".into(), "Enter your name".into())));
        let (entered, out) = read_question(&q, &raw(&[("name", " Ada ")]), today());
        assert_eq!(out, Ok(Some("Ada".into())));
        assert_eq!(entered.text, " Ada ");
    }

    #[test]
    fn lengths_and_formats_have_specific_messages() {
        let q = question(
            "id = \"name\"\ntype = \"text\"\nlabel = \"Your name\"\nmax_length = 5\ncategory = \"c\"",
        );
        let (_, out) = read_question(&q, &raw(&[("name", "Adelaide")]), today());
        assert_eq!(
            out,
            Err((
                "name".into(),
                "Your name must be 5 characters or fewer".into()
            ))
        );
        let email = question(
            "id = \"email\"\ntype = \"email\"\nlabel = \"Email address\"\ncategory = \"c\"",
        );
        let (_, out) = read_question(&email, &raw(&[("email", "not an address")]), today());
        assert!(out.is_err_and(|(_, t)| t.contains("correct format")));
        let postcode = question(
            "id = \"pc\"\ntype = \"text\"\nlabel = \"Postcode\"\nformat = \"uk_postcode\"\ncategory = \"c\"",
        );
        let (_, out) = read_question(&postcode, &raw(&[("pc", "sw1a1aa")]), today());
        assert_eq!(out, Ok(Some("SW1A 1AA".into())));
        let age = question(
            "id = \"age\"\ntype = \"text\"\nlabel = \"Your age\"\nformat = \"whole_number\"\nmin = 5\nmax = 120\ncategory = \"c\"",
        );
        let (_, out) = read_question(&age, &raw(&[("age", "3")]), today());
        assert_eq!(
            out,
            Err(("age".into(), "Your age must be between 5 and 120".into()))
        );
    }

    #[test]
    fn dates_name_the_missing_part_and_respect_bounds() {
        let q = question(
            "id = \"born\"\ntype = \"date\"\nlabel = \"Date of birth\"\nlatest = \"today\"\ncategory = \"c\"",
        );
        let (_, out) = read_question(
            &q,
            &raw(&[("born-day", "1"), ("born-year", "2000")]),
            today(),
        );
        assert_eq!(
            out,
            Err((
                "born-month".into(),
                "Date of birth must include a month".into()
            ))
        );
        let (_, out) = read_question(
            &q,
            &raw(&[
                ("born-day", "31"),
                ("born-month", "2"),
                ("born-year", "2000"),
            ]),
            today(),
        );
        assert_eq!(
            out,
            Err((
                "born-day".into(),
                "Date of birth must be a real date".into()
            ))
        );
        let (_, out) = read_question(
            &q,
            &raw(&[
                ("born-day", "2"),
                ("born-month", "12"),
                ("born-year", "2026"),
            ]),
            today(),
        );
        assert_eq!(
            out,
            Err((
                "born-day".into(),
                "Date of birth must be today or in the past".into()
            ))
        );
        let (_, out) = read_question(
            &q,
            &raw(&[
                ("born-day", "9"),
                ("born-month", "3"),
                ("born-year", "2010"),
            ]),
            today(),
        );
        assert_eq!(out, Ok(Some("2010-03-09".into())));
    }

    #[test]
    fn choices_must_be_offered() {
        let q = question(
            "id = \"topic\"\ntype = \"checkboxes\"\nlabel = \"Topics\"\ncategory = \"c\"\noptions = [{ value = \"a\", label = \"A\" }, { value = \"b\", label = \"B\" }]",
        );
        let (_, out) = read_question(&q, &raw(&[("topic", "a"), ("topic", "b")]), today());
        assert_eq!(out, Ok(Some("a\nb".into())));
        let (_, out) = read_question(&q, &raw(&[("topic", "zzz")]), today());
        assert!(out.is_err());
        let (_, out) = read_question(&q, &raw(&[]), today());
        assert_eq!(out, Err(("topic".into(), "Select topics".into())));
    }
}
