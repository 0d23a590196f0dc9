//! `[policy.children]`: below an age, a parent or guardian must agree before
//! anything a person sends through a form is used.
//!
//! Where the policy sets the age, every form that collects personal data
//! for a purpose resting on consent (UK GDPR Article 8) asks the person's
//! age band first, and, under the age, their parent's or guardian's email
//! address. A form on any other basis (advice, casework, safeguarding) is
//! never held for a parent: a child asking for help is not made to wait. Those two pages are not written in the form's
//! table: they are added here, once the policy is known to declare what
//! they collect, so that every form asks them the same way, the notice
//! lists them with the form's other questions, and the vault checks them
//! like any other answer.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::Checker;
use crate::forms::{Choice, Form, FormPage, Question, QuestionKind};
use crate::law::LawfulBasis;
use crate::model::SiteConfig;
use crate::period::{Period, Unit};

/// The age page's id in every form's address: `/forms/<form>/age`.
pub const AGE_PAGE: &str = "age";
/// The age band question; its answer is [`UNDER`] or [`OVER`].
pub const AGE_QUESTION: &str = "age_band";
pub const UNDER: &str = "under";
pub const OVER: &str = "over";
/// The page asking under-age people for a parent's or guardian's address.
pub const GUARDIAN_PAGE: &str = "guardian";
pub const GUARDIAN_QUESTION: &str = "guardian_email";

/// How long answers wait for a parent or guardian unless the policy says.
const DEFAULT_WAIT: &str = "7 days";
/// The longest wait the policy may set: a child's answers are held unread
/// meanwhile, so the wait is counted in days, not months.
const LONGEST_WAIT_DAYS: u32 = 30;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Children {
    /// Below this age a parent or guardian must agree (UK default 13).
    pub parental_consent_age: Spanned<u8>,
    /// The category the age band answer is (forms ask it first).
    #[serde(default)]
    pub age_category: Option<Spanned<String>>,
    /// The category of the parent's or guardian's email address.
    #[serde(default)]
    pub guardian_email_category: Option<Spanned<String>>,
    /// How long an under-age person's answers wait for their parent or
    /// guardian before they are deleted: "7 days" unless given.
    #[serde(default)]
    pub guardian_wait: Option<Spanned<String>>,
}

/// `[policy.children]` once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedChildren {
    pub age: u8,
    /// How long answers wait for a parent or guardian.
    pub wait: Period,
    pub wait_seconds: i64,
}

/// Whether a form collects personal data: any answer with a category.
pub fn collects_personal_data(form: &Form) -> bool {
    form.questions()
        .any(|q| !q.kind.is_permission() && q.category.is_some())
}

/// Whether a form asks the age first and holds a child's answers for a
/// parent: it collects personal data for a purpose that asks a parent.
pub fn asks_parent(config: &SiteConfig, form: &Form) -> bool {
    collects_personal_data(form)
        && config
            .policy
            .purposes
            .get(form.purpose.get_ref())
            .is_some_and(crate::model::Purpose::asks_parent)
}

/// A parent's permission is asked only where consent is the lawful basis
/// (UK GDPR Article 8). A purpose on any other basis that asks for it
/// would hold a child's request for help until a parent agrees, so it is
/// refused, as is asking with no age set to ask it below.
fn check_purposes(c: &mut Checker<'_>, config: &SiteConfig) -> bool {
    let mut ok = true;
    for (id, purpose) in &config.policy.purposes {
        let Some(asks) = purpose.parental_consent.as_ref() else {
            continue;
        };
        if !*asks.get_ref() {
            continue;
        }
        if purpose.lawful_basis != LawfulBasis::Consent {
            c.error(
                asks.span(),
                format!(
                    "purpose `{id}` asks a parent's permission, but its lawful basis is {}",
                    purpose.lawful_basis.label().to_lowercase()
                ),
                "UK GDPR Article 8 needs a parent's permission only where consent is the lawful basis. A child asking for advice or help must never wait for a parent: remove parental_consent here",
            );
            ok = false;
        } else if config.policy.children.is_none() {
            c.error(
                asks.span(),
                format!("purpose `{id}` asks a parent's permission, but no age is set"),
                "add [policy.children] with parental_consent_age, or remove parental_consent",
            );
            ok = false;
        }
    }
    ok
}

/// Check `[policy.children]` against the forms it will change, and add the
/// age and guardian pages to each form that collects personal data. The
/// pages are added only when nothing is wrong, so every problem is reported
/// against the lines that cause it.
pub(crate) fn check_and_add_pages(
    c: &mut Checker<'_>,
    config: &mut SiteConfig,
) -> Option<CheckedChildren> {
    let purposes_ok = check_purposes(c, config);
    let children = config.policy.children.clone()?;
    let age = *children.parental_consent_age.get_ref();
    let mut ok = purposes_ok;
    if !(13..=18).contains(&age) {
        c.error(
            children.parental_consent_age.span(),
            format!("parental consent age {age} is outside 13 to 18"),
            "UK law sets 13 for online services; a site may choose an older age such as 16",
        );
        ok = false;
    }
    let wait = match &children.guardian_wait {
        None => Period::parse(DEFAULT_WAIT).ok(),
        Some(text) => match Period::parse(text.get_ref()) {
            Ok(p) if days(p).is_some_and(|d| d <= LONGEST_WAIT_DAYS) => Some(p),
            Ok(_) => {
                c.error(
                    text.span(),
                    format!("a guardian wait of {} is too long", text.get_ref()),
                    format!("a child's answers are held unread while they wait: give days or weeks, at most {LONGEST_WAIT_DAYS} days"),
                );
                None
            }
            Err(e) => {
                c.error(text.span(), e.to_string(), "write it like \"7 days\"");
                None
            }
        },
    };
    let forms: Vec<String> = config
        .forms
        .iter()
        .filter(|(_, f)| asks_parent(config, f))
        .map(|(id, _)| id.clone())
        .collect();
    // Everything that asks the age: the forms, and email updates on a
    // topic whose purpose asks a parent.
    let mut askers: Vec<(String, &str)> = forms
        .iter()
        .filter_map(|id| {
            Some((
                format!("form `{id}`"),
                config.forms.get(id)?.purpose.get_ref().as_str(),
            ))
        })
        .collect();
    if config.updates.is_some() {
        for (id, topic) in &config.topics {
            let purpose = topic.purpose.get_ref().as_str();
            if config
                .policy
                .purposes
                .get(purpose)
                .is_some_and(crate::model::Purpose::asks_parent)
            {
                askers.push((format!("email updates on topic `{id}`"), purpose));
            }
        }
    }
    let categories = [
        ("age_category", &children.age_category, "age"),
        (
            "guardian_email_category",
            &children.guardian_email_category,
            "parent_email",
        ),
    ];
    for (key, category, example) in categories {
        let Some(category) = category else {
            if !askers.is_empty() {
                c.error(
                    c.find("[policy.children]"),
                    format!("[policy.children] has no {key}, but {} asks the age", askers[0].0),
                    format!("forms ask people's age first and, under {age}, a parent's or guardian's address: name the category each is, e.g. {key} = \"{example}\""),
                );
                ok = false;
            }
            continue;
        };
        if !config.policy.categories.contains_key(category.get_ref()) {
            let known: Vec<&String> = config.policy.categories.keys().collect();
            c.reference("category", &known, category, "policy.categories");
            ok = false;
            continue;
        }
        for (asker, purpose) in &askers {
            let listed = config.policy.purposes.get(*purpose).is_some_and(|p| {
                p.categories
                    .iter()
                    .any(|x| x.get_ref() == category.get_ref())
            });
            if !listed {
                c.error(
                    category.span(),
                    format!(
                        "{asker} will ask for `{}` ({key}), but its purpose `{purpose}` does not list that category",
                        category.get_ref()
                    ),
                    format!("add \"{}\" to the categories of [policy.purposes.{purpose}]", category.get_ref()),
                );
                ok = false;
            }
        }
    }
    for form_id in &forms {
        let Some(form) = config.forms.get(form_id) else {
            continue;
        };
        for page in &form.pages {
            if [AGE_PAGE, GUARDIAN_PAGE].contains(&page.id.get_ref().as_str()) {
                c.error(
                    page.id.span(),
                    format!("page id `{}` is the one the age questions use", page.id.get_ref()),
                    "[policy.children] adds the `age` and `guardian` pages to every form that collects personal data: rename this page",
                );
                ok = false;
            }
            for q in &page.questions {
                if [AGE_QUESTION, GUARDIAN_QUESTION].contains(&q.id.get_ref().as_str()) {
                    c.error(
                        q.id.span(),
                        format!(
                            "question id `{}` is the one the age questions use",
                            q.id.get_ref()
                        ),
                        "rename this question",
                    );
                    ok = false;
                }
            }
        }
    }
    let (Some(wait), true) = (wait, ok) else {
        return None;
    };
    if let (Some(age_category), Some(guardian_category)) =
        (&children.age_category, &children.guardian_email_category)
    {
        for form_id in &forms {
            if let Some(form) = config.forms.get_mut(form_id) {
                let pages = pages(age, wait, age_category, guardian_category);
                form.pages.splice(0..0, pages);
            }
        }
    }
    Some(CheckedChildren {
        age,
        wait,
        wait_seconds: i64::from(days(wait).unwrap_or(LONGEST_WAIT_DAYS)) * 24 * 60 * 60,
    })
}

fn days(p: Period) -> Option<u32> {
    match p.unit {
        Unit::Day => Some(p.count),
        Unit::Week => p.count.checked_mul(7),
        Unit::Month | Unit::Year => None,
    }
}

fn spanned(text: &str) -> Spanned<String> {
    Spanned::new(0..0, text.to_owned())
}

fn question(id: &str, kind: QuestionKind, label: String) -> Question {
    Question {
        id: spanned(id),
        kind,
        label,
        hint: None,
        error_name: None,
        required: true,
        min_length: None,
        max_length: None,
        format: None,
        min: None,
        max: None,
        earliest: None,
        latest: None,
        options: Vec::new(),
        autocomplete: None,
        category: None,
        purpose: None,
        recipient: None,
        identifies: false,
    }
}

/// The two pages, in the words a child reads.
fn pages(
    age: u8,
    wait: Period,
    age_category: &Spanned<String>,
    guardian_category: &Spanned<String>,
) -> [FormPage; 2] {
    let mut band = question(
        AGE_QUESTION,
        QuestionKind::Radios,
        "How old are you?".into(),
    );
    band.hint = Some(format!(
        "We ask so that we know whether we need a parent's or guardian's permission before we read what you send us. If you are under {age}, we do."
    ));
    band.error_name = Some("how old you are".into());
    band.category = Some(age_category.clone());
    band.options = vec![
        Choice {
            value: spanned(UNDER),
            label: format!("Under {age}"),
            hint: None,
        },
        Choice {
            value: spanned(OVER),
            label: format!("{age} or over"),
            hint: None,
        },
    ];
    let mut guardian = question(
        GUARDIAN_QUESTION,
        QuestionKind::Email,
        "What is your parent's or guardian's email address?".into(),
    );
    guardian.hint = Some(format!(
        "Because you are under {age}, we need their permission before we can read what you send us. We will email them to say what kind of information you are sending and why, and ask them to agree. We will not show them what you write. If they have not agreed within {wait}, we delete your answers."
    ));
    guardian.error_name = Some("your parent's or guardian's email address".into());
    guardian.category = Some(guardian_category.clone());
    guardian.identifies = true;
    guardian.max_length = Some(254);
    [
        FormPage {
            id: spanned(AGE_PAGE),
            title: None,
            questions: vec![band],
        },
        FormPage {
            id: spanned(GUARDIAN_PAGE),
            title: None,
            questions: vec![guardian],
        },
    ]
}
