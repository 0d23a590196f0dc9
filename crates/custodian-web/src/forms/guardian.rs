//! Parental consent, from both sides. The sender under the policy's age is
//! told what will happen; their form is held, their parent or guardian is
//! emailed a link, and `/permission/{token}` explains plainly what they are
//! asked to allow (what kind of information, why, who may receive it, how
//! long it is kept, but never what the child wrote) and takes a yes or no.
//! The words on that page are the words the ledger's receipts record.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custodian_forms::answers::long_date;
use custodian_policy::children::{AGE_QUESTION, GUARDIAN_QUESTION};
use custodian_policy::forms::Form as FormSpec;
use custodian_vault::{CaseRef, Deciding, GuardianDecision, HeldForm};
use minijinja::context;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::accounts::{link, link_problem};
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

/// What a parent or guardian reads before deciding.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub intro: String,
    /// The kinds of information the form collects: (name, description).
    pub collects: Vec<(String, String)>,
    pub why: String,
    pub recipients: Vec<String>,
    pub kept: String,
    pub question: String,
}

impl Explanation {
    /// What `purpose` says: why, who may receive it, how long it is kept.
    pub fn for_purpose(
        app: &AppState,
        purpose: &str,
        intro: String,
        collects: Vec<(String, String)>,
        question: &str,
    ) -> Self {
        let policy = &app.checked.config.policy;
        let purpose = policy.purposes.get(purpose);
        Explanation {
            intro,
            collects,
            why: purpose.map_or_else(String::new, |p| p.description.trim().to_owned()),
            recipients: purpose
                .map(|p| {
                    p.recipients
                        .iter()
                        .filter_map(|r| policy.recipients.get(r.recipient.get_ref()))
                        .map(|r| r.name.clone())
                        .collect()
                })
                .unwrap_or_default(),
            kept: purpose.map_or_else(String::new, |p| p.retention.get_ref().clone()),
            question: question.to_owned(),
        }
    }

    /// The same words as one text, for the ledger.
    pub fn words(&self) -> String {
        let mut out = vec![self.intro.clone(), "What they sent us:".to_owned()];
        out.extend(self.collects.iter().map(|(n, d)| format!("- {n}: {d}")));
        out.push(format!("What we will do with it: {}", self.why));
        if !self.recipients.is_empty() {
            out.push(format!(
                "Who may receive it: {}",
                self.recipients.join("; ")
            ));
        }
        out.push(format!("How long we keep it: {}", self.kept));
        out.push(NOT_SHOWN.to_owned());
        out.push(self.question.clone());
        out.join("\n")
    }
}

const NOT_SHOWN: &str = "We will not show you what they wrote: it is theirs to share with you if they want to. They can see, correct or delete it at any time.";

/// A unix time as the day people read: "1 December 2026".
pub(crate) fn date_of(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map_or_else(|_| String::new(), |t| long_date(t.date()))
}

/// The explanation for one form, sent on `sent_at`.
pub fn explain(app: &AppState, form: &FormSpec, sent_at: i64) -> Explanation {
    let policy = &app.checked.config.policy;
    let age = app.checked.children.map_or(0, |c| c.age);
    let mut collects: Vec<(String, String)> = Vec::new();
    for q in form.questions() {
        if [AGE_QUESTION, GUARDIAN_QUESTION].contains(&q.id.get_ref().as_str()) {
            continue;
        }
        if let Some(category) = q
            .category
            .as_ref()
            .and_then(|c| policy.categories.get(c.get_ref()))
            && !collects.iter().any(|(n, _)| *n == category.name)
        {
            collects.push((
                category.name.clone(),
                category.description.trim().to_owned(),
            ));
        }
    }
    Explanation::for_purpose(
        app,
        form.purpose.get_ref(),
        format!(
            "Someone who gave your email address as their parent's or guardian's filled in \"{}\" on the {} website on {}. They told us they are under {age}, so we need the permission of a parent or guardian before we read it.",
            form.title,
            app.checked.config.site.name,
            date_of(sent_at)
        ),
        collects,
        "Do you give permission for us to use what they sent?",
    )
}

/// After a held form is committed: the parent or guardian gets the link,
/// and the sender, if they gave an address, is told what happens now.
pub async fn ask(
    app: &AppState,
    form_id: &str,
    form: &FormSpec,
    case: &CaseRef,
    guardian_address: &str,
    reply_to: Option<&str>,
    now: i64,
) {
    let Some(mailer) = &app.mailer else {
        return;
    };
    let Some((token, until)) = &case.guardian_link else {
        return;
    };
    let age = app.checked.children.map_or(0, |c| c.age);
    // The email names the organisation, the kind of service and the link:
    // never the form's own words, what the child wrote, or the kinds of
    // information they gave (a parent need not learn from an email that
    // their child wrote about their health or safety).
    let service = app
        .checked
        .config
        .policy
        .purposes
        .get(form.purpose.get_ref())
        .map_or_else(|| form.title.clone(), |p| p.name.clone());
    let values = serde_json::json!({
        "site_name": app.checked.config.site.name,
        "service": service,
        "form_title": form.title,
        "age": age,
        "until": date_of(*until),
        "link": link(app, &format!("/permission/{token}")),
        "reference": case.reference,
    });
    let mails = held_form_mails(form, guardian_address, reply_to);
    for (to, category, template) in mails {
        let mut values = values.clone();
        crate::mail::add_public_values(app, template, &mut values);
        let mail = custodian_mail::NewMail {
            subject: &case.subject,
            to,
            purpose: form.purpose.get_ref(),
            category,
            template,
            values,
        };
        if let Err(e) = mailer.enqueue(mail, now).await {
            tracing::error!(error = %e, form = form_id, template, "could not queue a parental consent email");
        }
    }
}

/// Who is told about a held form, under which category and with which
/// template: the parent or guardian, and the sender if the form confirms by
/// email.
fn held_form_mails<'a>(
    form: &'a FormSpec,
    guardian_address: &'a str,
    reply_to: Option<&'a str>,
) -> Vec<(&'a str, &'a str, &'static str)> {
    let mut mails = Vec::new();
    let guardian_category = form
        .question(GUARDIAN_QUESTION)
        .and_then(|q| q.category.as_ref());
    if let Some(category) = guardian_category {
        mails.push((
            guardian_address,
            category.get_ref().as_str(),
            "guardian_request",
        ));
    }
    if let (Some(to), Some(q), true) = (
        reply_to,
        form.reply_question(),
        form.confirmation_email.is_some(),
    ) && let Some(category) = q.category.as_ref()
    {
        mails.push((to, category.get_ref().as_str(), "form_held"));
    }
    mails
}

fn expired(page: &Page, app: &AppState) -> AppResult<Response> {
    expired_link(
        page,
        app,
        "the form was deleted, with everything in it",
        "Forms from people under the age we need permission for wait {wait} for a parent or guardian. If they still want to send it, they can fill it in again and give your address.",
    )
}

/// A parent's link that no longer works: `deleted` says what went when the
/// time ran out; `again` how the child can ask again (`{wait}` is the wait).
pub(crate) fn expired_link(
    page: &Page,
    app: &AppState,
    deleted: &str,
    again: &str,
) -> AppResult<Response> {
    let wait = app
        .checked
        .children
        .map_or_else(String::new, |c| c.wait.to_string());
    let mut response = link_problem(
        page,
        "This link has expired or has already been used",
        vec![
            format!(
                "You may already have answered. If you did not answer, {deleted} once the time to answer ran out."
            ),
            again.replace("{wait}", &wait),
        ],
        ("/", "Go to the home page"),
    )?;
    *response.status_mut() = StatusCode::GONE;
    Ok(response)
}

/// The page that asks a parent or guardian: what it is for, the link's
/// own address, and how refusing is worded.
pub(crate) struct Asking<'a> {
    /// "Contact us", "their email updates".
    pub name: &'a str,
    pub action: String,
    pub refuse_label: &'a str,
    /// Whether to say that what the child wrote will not be shown.
    pub not_shown: bool,
}

pub(crate) fn render_question(
    page: &Page,
    asking: &Asking<'_>,
    explanation: &Explanation,
    until: i64,
    error: Option<&str>,
) -> AppResult<Response> {
    let title = if error.is_some() {
        format!("Error: Your permission for {}", asking.name)
    } else {
        format!("Your permission for {}", asking.name)
    };
    let errors: Vec<_> = error
        .iter()
        .map(|text| context! { field => "permission", text })
        .collect();
    let mut response = page
        .render(
            "forms/guardian_permission.html",
            &title,
            context! {
                form_title => asking.name,
                explanation,
                not_shown => asking.not_shown.then_some(NOT_SHOWN),
                until => date_of(until),
                action => asking.action,
                refuse_label => asking.refuse_label,
                errors,
                error,
            },
        )?
        .into_response();
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// A parent's or guardian's answer: yes, no, or neither (an error page).
pub(crate) fn permission(decision: &Decision) -> Option<bool> {
    match decision.permission.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
}

pub(crate) const CHOOSE: &str = "Select yes if you give permission, or no if you do not";

fn asking<'a>(form: &'a FormSpec, token: &str) -> Asking<'a> {
    Asking {
        name: &form.title,
        action: format!("/permission/{token}"),
        refuse_label: "No, delete what they sent",
        not_shown: true,
    }
}

/// The held form a link names, its spec and what its parent or guardian
/// reads; `None` when the link no longer works.
async fn find<'a>(
    app: &'a AppState,
    token: &str,
    now: i64,
) -> AppResult<Option<(HeldForm, &'a FormSpec, Explanation)>> {
    let Some(held) = app.vault.held_form(token, now).await? else {
        return Ok(None);
    };
    let Some(form) = app.checked.config.forms.get(&held.case.form) else {
        return Ok(None);
    };
    let explanation = explain(app, form, held.case.created_at);
    Ok(Some((held, form, explanation)))
}

/// `/permission/{token}`: what the parent or guardian is asked to allow.
pub async fn show(
    State(app): State<AppState>,
    Path(token): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some((held, form, explanation)) = find(&app, &token, now).await? else {
        return expired(&page, &app);
    };
    render_question(
        &page,
        &asking(form, &token),
        &explanation,
        held.expires_at,
        None,
    )
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    permission: Option<String>,
}

/// Their answer: the form goes through, or everything in it is deleted.
pub async fn decide(
    State(app): State<AppState>,
    Path(token): Path<String>,
    page: Page,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some((held, form, explanation)) = find(&app, &token, now).await? else {
        return expired(&page, &app);
    };
    let Some(given) = permission(&decision) else {
        let asked = asking(form, &token);
        return render_question(&page, &asked, &explanation, held.expires_at, Some(CHOOSE));
    };
    let words = explanation.words();
    let deciding = Deciding {
        given,
        purpose: form.purpose.get_ref(),
        words: &words,
        policy_version: app.published.sequence,
        guardian_field: GUARDIAN_QUESTION,
        reply_field: form.reply_question().map(|q| q.id.get_ref().as_str()),
    };
    let decided = app.vault.decide_held_form(&token, &deciding, now).await?;
    let decided_page = |given: bool, title: &str| -> AppResult<Response> {
        Ok(page
            .render(
                "forms/guardian_decided.html",
                title,
                context! { given, form_title => form.title },
            )?
            .into_response())
    };
    match decided {
        GuardianDecision::NotValid => expired(&page, &app),
        GuardianDecision::Refused => decided_page(false, "You did not give permission"),
        GuardianDecision::Given {
            case,
            subject,
            reply_to,
        } => {
            // Committed. The confirmation the sender was promised is a
            // courtesy: failing to queue it must not undo the permission.
            let reply_to = reply_to.as_deref();
            super::confirm_by_email(&app, form, &subject, reply_to, &case.reference, now).await;
            decided_page(true, "Thank you for giving permission")
        }
    }
}
