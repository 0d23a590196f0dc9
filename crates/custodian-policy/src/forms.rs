//! Forms as a site declares them: `[forms.<id>]` with its pages and
//! questions, and `[teams.<id>]`, the staff teams that handle them.
//!
//! Every answer a form collects is personal data, so every question names
//! the category it is and the purpose it serves; the checks in
//! [`check_forms`] refuse a form that would collect anything the policy does
//! not declare.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

use crate::check::Checker;
use crate::model::SiteConfig;
use crate::response_target::ResponseTarget;
use crate::retention::RetentionRule;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Shown to staff: "Enquiries", "Help at Hand".
    pub name: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// A message that staff answer: contact us, feedback, advice requests.
    #[default]
    Enquiry,
    /// Responses used only to analyse them, open between two dates.
    Consultation,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// The form's name as a heading: "Contact us".
    pub title: String,
    #[serde(default)]
    pub kind: FormKind,
    /// Markdown, on the start page.
    #[serde(default)]
    pub introduction: Option<String>,
    /// The purpose answers serve unless a question names its own.
    pub purpose: Spanned<String>,
    /// The staff team whose inbox receives it (enquiries).
    #[serde(default)]
    pub team: Option<Spanned<String>>,
    /// Letters before the reference number people are given, e.g. "HAH".
    #[serde(default)]
    pub reference_prefix: Option<Spanned<String>>,
    /// The id of an email question: a confirmation with the reference is
    /// sent there. Absent: no email is sent.
    #[serde(default)]
    pub confirmation_email: Option<Spanned<String>>,
    /// Consultations: the first and last day responses are accepted,
    /// as "YYYY-MM-DD".
    #[serde(default)]
    pub opens: Option<Spanned<String>>,
    #[serde(default)]
    pub closes: Option<Spanned<String>>,
    /// What the person sees after sending, in Markdown ("We will read
    /// your message and reply by email").
    #[serde(default)]
    pub what_happens_next: Option<String>,
    /// How soon messages are answered: "2 working days". The start page,
    /// the confirmation and the notice say it, and each case is due then.
    #[serde(default)]
    pub response_target: Option<Spanned<String>>,
    pub pages: Vec<FormPage>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormPage {
    /// Part of the page's address: `/forms/<form>/<page>`.
    pub id: Spanned<String>,
    /// The page heading when it holds several questions; a page with one
    /// question uses the question as its heading, as the Design System does.
    #[serde(default)]
    pub title: Option<String>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    LongText,
    Email,
    Phone,
    Date,
    Radios,
    Checkboxes,
    YesNo,
    /// "May we pass your message to ...?": a yes or no that permits a
    /// purpose or a recipient. Kept with the case as a permission, not as
    /// a personal value.
    Consent,
    /// Consultations: may we publish your response, with your name,
    /// without it, or not at all. A permission, like consent.
    Publication,
}

impl Form {
    /// How soon its messages are answered, if it says (checked when the
    /// policy is loaded).
    pub fn target(&self) -> Option<ResponseTarget> {
        self.response_target
            .as_ref()
            .and_then(|t| ResponseTarget::parse(t.get_ref()).ok())
    }
}

impl QuestionKind {
    /// Permission questions: their answers are kept with the case as what
    /// the person allowed, not as personal values, so they have no category.
    pub fn is_permission(self) -> bool {
        matches!(self, QuestionKind::Consent | QuestionKind::Publication)
    }

    /// Whether answers of this kind identify the person by themselves.
    fn identifies_by_default(self) -> bool {
        matches!(self, QuestionKind::Email | QuestionKind::Phone)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// A UK postcode, such as SW1A 1AA.
    UkPostcode,
    /// Digits only, such as an age.
    WholeNumber,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What is stored: an id.
    pub value: Spanned<String>,
    pub label: String,
    #[serde(default)]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The field name, stored with the answer: lower_snake_case.
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: QuestionKind,
    /// The question as people read it: "What is your name?"
    pub label: String,
    #[serde(default)]
    pub hint: Option<String>,
    /// How errors name the answer: "Enter {your name}". Default: the label.
    #[serde(default)]
    pub error_name: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub min_length: Option<usize>,
    #[serde(default)]
    pub max_length: Option<usize>,
    #[serde(default)]
    pub format: Option<TextFormat>,
    /// Whole numbers: the smallest and largest accepted.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// Dates: the earliest and latest accepted, "YYYY-MM-DD" or "today".
    #[serde(default)]
    pub earliest: Option<Spanned<String>>,
    #[serde(default)]
    pub latest: Option<Spanned<String>>,
    /// Radios and checkboxes.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// The HTML autocomplete token ("name", "email", "tel", "postal-code"),
    /// so browsers and assistive technology can fill it in (WCAG 1.3.5).
    #[serde(default)]
    pub autocomplete: Option<String>,
    /// A policy category: what kind of information the answer is.
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// The purpose the answer serves (default: the form's); for a consent
    /// question, the purpose a yes allows.
    #[serde(default)]
    pub purpose: Option<Spanned<String>>,
    /// A consent question: the recipient a yes allows passing it to.
    #[serde(default)]
    pub recipient: Option<Spanned<String>>,
    /// The answer identifies the person (a name, an address): it is left
    /// out of anything shared without their permission and of analysis
    /// exports. Email and phone answers always identify.
    #[serde(default)]
    pub identifies: bool,
}

fn yes() -> bool {
    true
}

impl Question {
    pub fn identifies(&self) -> bool {
        self.identifies || self.kind.identifies_by_default()
    }

    /// How errors name the answer.
    pub fn error_name(&self) -> String {
        self.error_name.clone().unwrap_or_else(|| {
            let label = self.label.trim().trim_end_matches('?');
            let mut chars = label.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        })
    }

    /// The autocomplete token, with defaults for the kinds that have one.
    pub fn autocomplete(&self) -> Option<&str> {
        self.autocomplete.as_deref().or(match self.kind {
            QuestionKind::Email => Some("email"),
            QuestionKind::Phone => Some("tel"),
            _ => None,
        })
    }
}

impl Form {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.pages.iter().flat_map(|p| p.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id.get_ref() == id)
    }

    /// The question whose answer is the person's own address: the one the
    /// confirmation goes to, else the form's first email question. Never
    /// the parent's or guardian's address, which is only for asking them.
    pub fn reply_question(&self) -> Option<&Question> {
        self.confirmation_email
            .as_ref()
            .and_then(|e| self.question(e.get_ref()))
            .or_else(|| {
                self.questions().find(|q| {
                    q.kind == QuestionKind::Email
                        && q.id.get_ref() != crate::children::GUARDIAN_QUESTION
                })
            })
    }

    pub fn page(&self, id: &str) -> Option<(usize, &FormPage)> {
        self.pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.id.get_ref() == id)
    }

    /// Whether a question's answer identifies the person, so the form can
    /// offer to publish a response with the person's name.
    pub fn asks_identity(&self) -> bool {
        self.questions()
            .any(|q| q.identifies() && q.kind == QuestionKind::Text)
    }

    /// The purpose an answer to `question` is stored for.
    pub fn purpose_of<'a>(&'a self, question: &'a Question) -> &'a str {
        match (question.kind, &question.purpose) {
            (QuestionKind::Consent | QuestionKind::Publication, _) | (_, None) => {
                self.purpose.get_ref()
            }
            (_, Some(p)) => p.get_ref(),
        }
    }
}

/// A date bound in a form: a fixed day, or the day the answer is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    Today,
    On(Date),
}

impl DateBound {
    pub fn parse(text: &str) -> Result<DateBound, String> {
        if text.trim() == "today" {
            return Ok(DateBound::Today);
        }
        parse_day(text).map(DateBound::On)
    }

    pub fn resolve(self, today: Date) -> Date {
        match self {
            DateBound::Today => today,
            DateBound::On(d) => d,
        }
    }
}

/// "YYYY-MM-DD".
pub fn parse_day(text: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| format!("`{text}` is not a date: write it as YYYY-MM-DD, e.g. 2027-01-31"))
}

/// A form that passed its checks, with its dates and rules read once.
#[derive(Debug, Clone, Default)]
pub struct CheckedForm {
    pub opens: Option<Date>,
    pub closes: Option<Date>,
}

/// Check every form against the policy, reporting every problem at once.
pub(crate) fn check_forms(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
) -> IndexMap<String, CheckedForm> {
    let policy = &config.policy;
    let team_ids: Vec<&String> = config.teams.keys().collect();
    let purpose_ids: Vec<&String> = policy.purposes.keys().collect();
    let category_ids: Vec<&String> = policy.categories.keys().collect();
    let recipient_ids: Vec<&String> = policy.recipients.keys().collect();
    let mut checked = IndexMap::new();

    for id in config.teams.keys() {
        if !crate::check::is_identifier(id) {
            c.error(
                c.find(&format!("[teams.{id}]")),
                format!("`{id}` is not a usable team id"),
                "ids are lower case letters, digits and underscores, starting with a letter",
            );
        }
    }
    for (form_id, form) in &config.forms {
        let table = format!("[forms.{form_id}]");
        if !crate::check::is_identifier(form_id) || form_id.len() > 40 {
            c.error(c.find(&table), format!("`{form_id}` is not a usable form id"), "ids are lower case letters, digits and underscores, starting with a letter, at most 40 long: the form's address is /forms/<id>");
        }
        if form.title.trim().is_empty() {
            c.error(
                c.find(&table),
                format!("form `{form_id}` has no title"),
                "give title = \"Contact us\": it heads every page of the form",
            );
        }
        if c.reference("purpose", &purpose_ids, &form.purpose, "policy.purposes")
            && !retention.contains_key(form.purpose.get_ref())
        {
            c.error(
                form.purpose.span(),
                format!(
                    "form `{form_id}` serves purpose `{}`, which has no readable retention rule",
                    form.purpose.get_ref()
                ),
                "give the purpose a retention rule: the form cannot keep answers without one",
            );
        }
        match (&form.team, form.kind) {
            (Some(team), _) => {
                c.reference("team", &team_ids, team, "teams");
            }
            (None, FormKind::Enquiry) => c.error(
                c.find(&table),
                format!("form `{form_id}` has no team to answer it"),
                "add team = \"<id>\" naming a [teams.<id>] table: its caseworkers see the messages",
            ),
            (None, FormKind::Consultation) => {}
        }
        if let Some(target) = &form.response_target
            && let Err(why) = ResponseTarget::parse(target.get_ref())
        {
            c.error(
                target.span(),
                format!("form `{form_id}`: {why}"),
                "write how soon messages are answered, like \"2 working days\" (weekends and the [rights] holidays do not count) or \"5 days\"",
            );
        }
        if let Some(prefix) = &form.reference_prefix {
            let p = prefix.get_ref();
            if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_uppercase()) {
                c.error(
                    prefix.span(),
                    format!("reference prefix `{p}` must be 1 to 6 capital letters"),
                    "people read and type their reference: keep it short, e.g. \"HAH\"",
                );
            }
        }
        let opens = day(c, &form.opens);
        let closes = day(c, &form.closes);
        match form.kind {
            FormKind::Consultation => {
                if form.opens.is_none() || form.closes.is_none() {
                    c.error(
                        c.find(&table),
                        format!("consultation `{form_id}` needs opens and closes dates"),
                        "add opens = \"YYYY-MM-DD\" and closes = \"YYYY-MM-DD\"",
                    );
                }
                if let (Some(o), Some(cl), Some(span)) = (opens, closes, &form.closes)
                    && cl < o
                {
                    c.error(
                        span.span(),
                        format!("consultation `{form_id}` closes before it opens"),
                        "make closes the same day as opens or later",
                    );
                }
            }
            FormKind::Enquiry => {
                for span in [&form.opens, &form.closes].into_iter().flatten() {
                    c.error(
                        span.span(),
                        format!("form `{form_id}` is not a consultation, so it has no dates"),
                        "remove opens and closes, or set kind = \"consultation\"",
                    );
                }
            }
        }
        if form.pages.is_empty() {
            c.error(
                c.find(&table),
                format!("form `{form_id}` has no pages"),
                "add [[forms.<id>.pages]] with questions",
            );
        }
        let mut page_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        for page in &form.pages {
            let pid = page.id.get_ref();
            if !crate::check::is_identifier(pid) || matches!(pid.as_str(), "check" | "sent") {
                c.error(page.id.span(), format!("`{pid}` is not a usable page id"), "page ids are lower case letters, digits and underscores; `check` and `sent` are the form's own pages");
            }
            if !page_ids.insert(pid.clone()) {
                c.error(
                    page.id.span(),
                    format!("page `{pid}` appears twice in form `{form_id}`"),
                    "give each page its own id",
                );
            }
            if page.questions.is_empty() {
                c.error(
                    page.id.span(),
                    format!("page `{pid}` asks no questions"),
                    "add [[forms.<id>.pages.questions]]",
                );
            }
            if page.questions.len() > 1 && page.title.is_none() {
                c.error(
                    page.id.span(),
                    format!("page `{pid}` asks several questions but has no title"),
                    "add title = \"...\": it becomes the page's heading",
                );
            }
            for q in &page.questions {
                check_question(
                    c,
                    policy,
                    form,
                    q,
                    &mut question_ids,
                    &Known {
                        categories: &category_ids,
                        purposes: &purpose_ids,
                        recipients: &recipient_ids,
                    },
                );
            }
        }
        if let Some(email) = &form.confirmation_email {
            let is_email_question = form
                .question(email.get_ref())
                .is_some_and(|q| q.kind == QuestionKind::Email);
            if !is_email_question {
                c.error(
                    email.span(),
                    format!(
                        "confirmation_email `{}` is not an email question of form `{form_id}`",
                        email.get_ref()
                    ),
                    "name the id of a question with type = \"email\"",
                );
            }
        }
        checked.insert(form_id.clone(), CheckedForm { opens, closes });
    }
    checked
}

fn day(c: &mut Checker<'_>, text: &Option<Spanned<String>>) -> Option<Date> {
    let text = text.as_ref()?;
    match parse_day(text.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            c.error(text.span(), e, "write the date as YYYY-MM-DD");
            None
        }
    }
}

/// The ids a question may refer to.
struct Known<'a> {
    categories: &'a [&'a String],
    purposes: &'a [&'a String],
    recipients: &'a [&'a String],
}

fn check_question(
    c: &mut Checker<'_>,
    policy: &crate::model::Policy,
    form: &Form,
    q: &Question,
    seen: &mut HashSet<String>,
    known: &Known<'_>,
) {
    let (category_ids, purpose_ids, recipient_ids) =
        (known.categories, known.purposes, known.recipients);
    let qid = q.id.get_ref();
    if !crate::check::is_identifier(qid) || qid.len() > 50 {
        c.error(q.id.span(), format!("`{qid}` is not a usable question id"), "question ids are lower case letters, digits and underscores, at most 50 long: the answer is stored under it");
    }
    if !seen.insert(qid.clone()) {
        c.error(
            q.id.span(),
            format!("question `{qid}` appears twice in one form"),
            "give each question its own id",
        );
    }
    if q.label.trim().is_empty() {
        c.error(
            q.id.span(),
            format!("question `{qid}` has no label"),
            "write the question people will read",
        );
    }
    if q.kind == QuestionKind::Publication {
        if form.kind != FormKind::Consultation {
            c.error(q.id.span(), format!("question `{qid}` asks to publish a response, but the form is not a consultation"), "use type = \"publication\" only in forms with kind = \"consultation\"");
        }
        if let Some(p) = &q.purpose
            && policy
                .purposes
                .get(p.get_ref())
                .is_some_and(|purpose| purpose.lawful_basis != crate::law::LawfulBasis::Consent)
        {
            c.error(p.span(), format!("publication question `{qid}` permits purpose `{}`, which does not rest on consent", p.get_ref()), "publishing what someone said needs their consent: name a purpose with lawful_basis = \"consent\"");
        }
    }
    if q.kind.is_permission() {
        match &q.purpose {
            None => c.error(
                q.id.span(),
                format!("{} question `{qid}` does not say what a yes allows", if q.kind == QuestionKind::Consent { "consent" } else { "publication" }),
                "add purpose = \"<id>\": the purpose a yes permits (and recipient = \"<id>\" if it permits passing it on)",
            ),
            Some(p) => {
                c.reference("purpose", purpose_ids, p, "policy.purposes");
            }
        }
        if let Some(category) = &q.category {
            c.error(
                category.span(),
                format!(
                    "consent question `{qid}` stores a permission, not a category of information"
                ),
                "remove category from the consent question",
            );
        }
        if let Some(r) = &q.recipient
            && c.reference("recipient", recipient_ids, r, "policy.recipients")
            && let Some(p) = &q.purpose
            && !policy
                .purposes
                .get(p.get_ref())
                .is_none_or(|purpose| purpose.names_recipient(r.get_ref()))
        {
            c.error(
                r.span(),
                format!(
                    "consent question `{qid}` permits passing it to `{}`, but purpose `{}` does not list that recipient",
                    r.get_ref(),
                    p.get_ref()
                ),
                "add the recipient to the purpose's recipients, saying when it receives anything",
            );
        }
    } else {
        if let Some(r) = &q.recipient {
            c.error(
                r.span(),
                format!("question `{qid}` names a recipient but is not a consent question"),
                "remove recipient, or set type = \"consent\"",
            );
        }
        let purpose = q.purpose.as_ref().unwrap_or(&form.purpose);
        match &q.category {
            None => c.error(
                q.id.span(),
                format!("question `{qid}` does not say what category of information its answer is"),
                "add category = \"<id>\" naming a [policy.categories] table: the server stores nothing the policy does not declare",
            ),
            Some(category) => {
                if c.reference("category", category_ids, category, "policy.categories")
                    && q.purpose.as_ref().is_none_or(|p| purpose_ids.contains(&p.get_ref()))
                    && policy.purposes.get(purpose.get_ref()).is_some_and(|p| {
                        !p.categories.iter().any(|k| k.get_ref() == category.get_ref())
                    })
                {
                    c.error(
                        category.span(),
                        format!(
                            "question `{qid}` collects `{}` for purpose `{}`, which does not use that category",
                            category.get_ref(),
                            purpose.get_ref()
                        ),
                        "add the category to the purpose's categories, or choose the purpose that uses it",
                    );
                }
            }
        }
        if let Some(p) = &q.purpose {
            c.reference("purpose", purpose_ids, p, "policy.purposes");
        }
    }
    let choices = matches!(q.kind, QuestionKind::Radios | QuestionKind::Checkboxes);
    if choices && q.options.len() < 2 {
        c.error(
            q.id.span(),
            format!("question `{qid}` offers fewer than two options"),
            "add options = [{ value = \"...\", label = \"...\" }, ...]",
        );
    }
    if !choices && !q.options.is_empty() {
        c.error(
            q.id.span(),
            format!("question `{qid}` has options but is not radios or checkboxes"),
            "remove options, or set type = \"radios\" or \"checkboxes\"",
        );
    }
    let mut values = HashSet::new();
    for choice in &q.options {
        let v = choice.value.get_ref();
        if !crate::check::is_identifier(v) {
            c.error(
                choice.value.span(),
                format!("option value `{v}` is not an id"),
                "option values are lower case letters, digits and underscores",
            );
        }
        if !values.insert(v.clone()) {
            c.error(
                choice.value.span(),
                format!("option `{v}` appears twice"),
                "give each option its own value",
            );
        }
    }
    if let (Some(min), Some(max)) = (q.min_length, q.max_length)
        && min > max
    {
        c.error(
            q.id.span(),
            format!("question `{qid}` has min_length above max_length"),
            "make min_length no larger than max_length",
        );
    }
    if let (Some(min), Some(max)) = (q.min, q.max)
        && min > max
    {
        c.error(
            q.id.span(),
            format!("question `{qid}` has min above max"),
            "make min no larger than max",
        );
    }
    let is_text = matches!(q.kind, QuestionKind::Text);
    if (q.format.is_some() && !is_text)
        || ((q.min.is_some() || q.max.is_some()) && q.format != Some(TextFormat::WholeNumber))
    {
        c.error(
            q.id.span(),
            format!("question `{qid}` sets a format, min or max that does not apply to it"),
            "format applies to text questions; min and max to format = \"whole_number\"",
        );
    }
    for bound in [&q.earliest, &q.latest].into_iter().flatten() {
        if q.kind != QuestionKind::Date {
            c.error(
                bound.span(),
                format!("question `{qid}` is not a date, so it has no earliest or latest"),
                "remove earliest and latest, or set type = \"date\"",
            );
        } else if let Err(e) = DateBound::parse(bound.get_ref()) {
            c.error(
                bound.span(),
                e,
                "write YYYY-MM-DD or \"today\" (for a date that cannot be in the future, latest = \"today\")",
            );
        }
    }
}
