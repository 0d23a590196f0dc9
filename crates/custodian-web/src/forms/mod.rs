//! The public journey through a form, as the GOV.UK Design System lays it
//! out: a start page, question pages (one question each where the form says
//! so) with back links and the error summary, check your answers with
//! Change links, and a confirmation page with a reference number.
//!
//! Answers in progress are held in the vault against the anonymous session
//! for at most [`DRAFT_SECONDS`]; the session itself keeps only which pages
//! are done and the consent answers. Sending opens a case through the vault
//! in one transaction, and only then says so.

pub mod abuse;
pub mod guardian;
mod refusals;
mod view;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_app::forms::Submitted;
use custodian_forms::answers::{entered_from_stored, long_date};
use custodian_forms::{Next, read_page};
use custodian_policy::children::GUARDIAN_PAGE;
use custodian_policy::forms::{Form as FormSpec, FormKind, QuestionKind};
use custodian_vault::{CaseRef, DraftOwner, SubjectRef};
use minijinja::context;
use serde::Deserialize;
use time::Date;

use crate::error::AppResult;
use crate::middleware::session::SentForm;
use crate::page::Page;
use crate::state::AppState;

/// Answers not sent within a day are deleted, whatever the form's purpose
/// keeps once sent: the notice says so.
pub const DRAFT_SECONDS: i64 = 24 * 60 * 60;

#[derive(Deserialize, Default)]
pub struct ReturnTo {
    #[serde(default, rename = "return")]
    return_to: Option<String>,
}

impl ReturnTo {
    fn to_check(&self) -> bool {
        self.return_to.as_deref() == Some("check")
    }
}

/// Whose draft this is: the account's once someone has signed in (what
/// they entered before signing in moved there), else the session's.
fn draft_owner<'a>(page: &'a Page, session_id: &'a str) -> DraftOwner<'a> {
    match page.account() {
        Some(account) => DraftOwner::Account(&account.subject),
        None => DraftOwner::Session(session_id),
    }
}

fn form_spec<'a>(app: &'a AppState, id: &str) -> Option<&'a FormSpec> {
    app.checked.config.forms.get(id)
}

/// A page that explains a problem, with the status that names it.
fn problem(
    page: &Page,
    status: StatusCode,
    title: &str,
    paragraphs: Vec<String>,
) -> AppResult<Response> {
    problem_with_link(page, status, title, paragraphs, None)
}

/// The same, with a link to where the person should go next.
fn problem_with_link(
    page: &Page,
    status: StatusCode,
    title: &str,
    paragraphs: Vec<String>,
    link: Option<(String, &str)>,
) -> AppResult<Response> {
    let link = link.map(|(href, text)| context! { href, text });
    let mut response = page
        .render("error.html", title, context! { paragraphs, link })?
        .into_response();
    *response.status_mut() = status;
    Ok(response)
}

fn not_found(page: &Page) -> AppResult<Response> {
    problem(
        page,
        StatusCode::NOT_FOUND,
        "Page not found",
        vec![
            "There is no form at this address. If you typed it, check it is correct.".into(),
            "Nothing has been saved.".into(),
        ],
    )
}

/// Whether a consultation takes responses today; a page saying when it
/// opens or closed if not.
fn closed_page(
    app: &AppState,
    page: &Page,
    form_id: &str,
    form: &FormSpec,
) -> Option<AppResult<Response>> {
    if form.kind != FormKind::Consultation {
        return None;
    }
    let dates = app.checked.forms.get(form_id)?;
    let today = app.clock.now().date();
    if let Some(opens) = dates.opens
        && today < opens
    {
        return Some(problem(
            page,
            StatusCode::FORBIDDEN,
            &format!("{} is not open yet", form.title),
            vec![format!(
                "This consultation opens on {}. Come back then to respond. Nothing has been saved.",
                long_date(opens)
            )],
        ));
    }
    if let Some(closes) = dates.closes
        && today > closes
    {
        return Some(problem(
            page,
            StatusCode::FORBIDDEN,
            &format!("{} has closed", form.title),
            vec![format!(
                "This consultation closed on {}. We are no longer accepting responses, so nothing has been saved.",
                long_date(closes)
            )],
        ));
    }
    None
}

fn today(app: &AppState) -> Date {
    app.clock.now().date()
}

/// `/forms`: every form the site offers.
pub async fn index(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let forms: Vec<_> = app
        .checked
        .config
        .forms
        .iter()
        .map(|(id, f)| context! { id, title => f.title, consultation => f.kind == FormKind::Consultation })
        .collect();
    Ok(page
        .render(
            "forms/index.html",
            "Contact us and have your say",
            context! { forms },
        )?
        .into_response())
}

/// `/forms/{form}`: what the form is for and what happens to the answers.
pub async fn start(
    State(app): State<AppState>,
    Path(form_id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(form) = form_spec(&app, &form_id) else {
        return not_found(&page);
    };
    let policy = &app.checked.config.policy;
    let purpose = policy.purposes.get(form.purpose.get_ref());
    let dates = app.checked.forms.get(&form_id);
    let first = form.pages.first().map(|p| p.id.get_ref().clone());
    let open = closed_page(&app, &page, &form_id, form).is_none();
    Ok(page
        .render(
            "forms/start.html",
            &form.title,
            context! {
                form_id,
                form_title => form.title,
                introduction => form.introduction.as_deref().map(crate::render::written_markdown_to_html),
                target => form.target().map(|t| t.to_string()),
                purpose_name => purpose.map(|p| p.name.clone()),
                purpose_description => purpose.map(|p| p.description.trim().to_owned()),
                retention => purpose.map(|p| p.retention.get_ref().clone()),
                opens => dates.and_then(|d| d.opens).map(long_date),
                closes => dates.and_then(|d| d.closes).map(long_date),
                consultation => form.kind == FormKind::Consultation,
                open,
                first,
            },
        )?
        .into_response())
}

/// The form and page an address names, if both exist and the form takes
/// answers today; otherwise the page that says why not.
fn locate<'a>(
    app: &'a AppState,
    page: &Page,
    form_id: &str,
    page_id: &str,
) -> Result<(&'a FormSpec, usize, &'a custodian_policy::forms::FormPage), Box<Response>> {
    let settle = |r: AppResult<Response>| Box::new(r.unwrap_or_else(IntoResponse::into_response));
    let Some(form) = form_spec(app, form_id) else {
        return Err(settle(not_found(page)));
    };
    let Some((index, form_page)) = form.page(page_id) else {
        return Err(settle(not_found(page)));
    };
    if let Some(closed) = closed_page(app, page, form_id, form) {
        return Err(settle(closed));
    }
    Ok((form, index, form_page))
}

/// A question page.
pub async fn show_page(
    State(app): State<AppState>,
    Path((form_id, page_id)): Path<(String, String)>,
    Query(ret): Query<ReturnTo>,
    page: Page,
) -> AppResult<Response> {
    let (form, index, form_page) = match locate(&app, &page, &form_id, &page_id) {
        Ok(found) => found,
        Err(refusal) => return Ok(*refusal),
    };
    let session = page.session();
    let session_id = session.id();
    let mut progress = session.form_progress(&form_id).unwrap_or_default();
    if !progress.may_answer(form, index) {
        // Straight to a later page: start where they need to.
        let to = progress.first_incomplete(form).map_or_else(
            || format!("/forms/{form_id}/check"),
            |p| format!("/forms/{form_id}/{}", p.id.get_ref()),
        );
        return Ok(Redirect::to(&to).into_response());
    }
    if progress.started_at == 0 {
        progress.started_at = app.clock.unix();
        session.set_form_progress(&form_id, Some(progress.clone()));
    }
    let draft = app
        .vault
        .draft(draft_owner(&page, &session_id), &form_id)
        .await?;
    let mut entered = std::collections::BTreeMap::new();
    for q in &form_page.questions {
        let id = q.id.get_ref();
        let stored = if q.kind.is_permission() {
            progress.permission(id).map(str::to_owned)
        } else {
            draft.iter().find(|(f, _)| f == id).map(|(_, v)| v.clone())
        };
        if let Some(v) = stored {
            entered.insert(id.clone(), entered_from_stored(q, &v));
        }
    }
    render_page(
        &page,
        &form_id,
        form,
        index,
        &ret,
        &entered,
        &[],
        StatusCode::OK,
    )
}

/// Where "Back" goes from a question page: the check page when changing an
/// answer, else the page before, or the start page from the first.
fn back_link(form_id: &str, form: &FormSpec, index: usize, ret: &ReturnTo) -> String {
    if ret.to_check() {
        return format!("/forms/{form_id}/check");
    }
    index
        .checked_sub(1)
        .and_then(|before| form.pages.get(before))
        .map_or_else(
            || format!("/forms/{form_id}"),
            |p| format!("/forms/{form_id}/{}", p.id.get_ref()),
        )
}

#[allow(clippy::too_many_arguments)]
fn render_page(
    page: &Page,
    form_id: &str,
    form: &FormSpec,
    index: usize,
    ret: &ReturnTo,
    entered: &std::collections::BTreeMap<String, custodian_forms::Entered>,
    errors: &[custodian_forms::FieldError],
    status: StatusCode,
) -> AppResult<Response> {
    let Some(form_page) = form.pages.get(index) else {
        return not_found(page);
    };
    let back = back_link(form_id, form, index, ret);
    let questions = view::questions(form, form_page, entered, errors);
    let single = form_page.questions.len() == 1;
    let heading = if single {
        form_page
            .questions
            .first()
            .map(|q| q.label.clone())
            .unwrap_or_default()
    } else {
        form_page.title.clone().unwrap_or_default()
    };
    let failed = if errors.is_empty() { "" } else { "Error: " };
    let title = format!("{failed}{heading} – {}", form.title);
    let action = if ret.to_check() {
        format!("/forms/{form_id}/{}?return=check", form_page.id.get_ref())
    } else {
        format!("/forms/{form_id}/{}", form_page.id.get_ref())
    };
    let summary: Vec<_> = errors
        .iter()
        .map(|e| context! { field => e.field, text => e.text })
        .collect();
    let mut response = page
        .render(
            "forms/page.html",
            &title,
            context! {
                form_title => form.title,
                heading,
                single,
                questions,
                errors => summary,
                back,
                action,
                honeypot => abuse::HONEYPOT,
            },
        )?
        .into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// The field names a page's form may send; anything else means the form
/// was tampered with.
fn expected_field(
    app: &AppState,
    form_page: &custodian_policy::forms::FormPage,
    name: &str,
) -> bool {
    if name == app.checked.cookie_names.request_token || name == abuse::HONEYPOT {
        return true;
    }
    form_page.questions.iter().any(|q| {
        let id = q.id.get_ref();
        name == id
            || (q.kind == QuestionKind::Date
                && ["day", "month", "year"]
                    .iter()
                    .any(|p| name == format!("{id}-{p}")))
    })
}

fn tampered(page: &Page) -> AppResult<Response> {
    problem(
        page,
        StatusCode::BAD_REQUEST,
        "There is a problem with what was sent",
        vec![
            "The form that was sent does not match the page we showed, so we have not saved anything from it.".into(),
            "Go back, reload the page, and answer the question again.".into(),
        ],
    )
}

fn honeypot_refusal(page: &Page) -> AppResult<Response> {
    problem(
        page,
        StatusCode::BAD_REQUEST,
        "Your form could not be sent",
        vec![
            "A field that people do not see was filled in, which usually means a program filled in the form rather than a person. We have not saved anything from it.".into(),
            "If you are a person and your browser fills in forms for you, turn that off for this page, go back and try again, or write to us instead.".into(),
        ],
    )
}

/// Saving a question page.
pub async fn save_page(
    State(app): State<AppState>,
    Path((form_id, page_id)): Path<(String, String)>,
    Query(ret): Query<ReturnTo>,
    page: Page,
    Form(raw): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (form, index, form_page) = match locate(&app, &page, &form_id, &page_id) {
        Ok(found) => found,
        Err(refusal) => return Ok(*refusal),
    };
    let session = page.session();
    let session_id = session.id();
    let mut progress = session.form_progress(&form_id).unwrap_or_default();
    if !progress.may_answer(form, index) {
        return refusals::earlier_questions_first(&page, &form_id, form, &progress);
    }
    if raw.iter().any(|(k, _)| !expected_field(&app, form_page, k)) {
        return tampered(&page);
    }
    if abuse::honeypot_filled(&raw) {
        return honeypot_refusal(&page);
    }
    let input = read_page(form_page, &raw, today(&app));
    if !input.is_valid() {
        let (entered, errors) = (&input.entered, &input.errors);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_page(&page, &form_id, form, index, &ret, entered, errors, status);
    }
    let save = custodian_app::forms::SavePage {
        form_id: &form_id,
        form,
        index,
        answers: &input.answers,
        owner: draft_owner(&page, &session_id),
        keep_seconds: DRAFT_SECONDS,
        back_to_check: ret.to_check(),
    };
    let now = app.clock.unix();
    let next = custodian_app::forms::save_page(&app.vault, &app.checked, &save, &mut progress, now)
        .await?;
    session.set_form_progress(&form_id, Some(progress));
    let to = match next {
        Next::Check => format!("/forms/{form_id}/check"),
        Next::Page(p) => format!("/forms/{form_id}/{p}"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// Check your answers.
pub async fn show_check(
    State(app): State<AppState>,
    Path(form_id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(form) = form_spec(&app, &form_id) else {
        return not_found(&page);
    };
    if let Some(closed) = closed_page(&app, &page, &form_id, form) {
        return closed;
    }
    let session = page.session();
    let session_id = session.id();
    let progress = session.form_progress(&form_id).unwrap_or_default();
    if let Some(first) = progress.first_incomplete(form) {
        return Ok(
            Redirect::to(&format!("/forms/{form_id}/{}", first.id.get_ref())).into_response(),
        );
    }
    let draft = app
        .vault
        .draft(draft_owner(&page, &session_id), &form_id)
        .await?;
    let rows = view::summary(&form_id, form, &draft, &progress);
    let back = form.pages.last().map_or_else(
        || format!("/forms/{form_id}"),
        |p| format!("/forms/{form_id}/{}", p.id.get_ref()),
    );
    Ok(page
        .render(
            "forms/check.html",
            &format!("Check your answers – {}", form.title),
            context! {
                form_title => form.title,
                rows,
                back,
                action => format!("/forms/{form_id}/check"),
                honeypot => abuse::HONEYPOT,
                emails => form.confirmation_email.is_some(),
                kept_with_you => kept_with_sender(&page, app.clock.unix()),
            },
        )?
        .into_response())
}

/// Who a form sent now will belong to: the signed-in account, or the
/// person a "your data" visit in this browser has proven. Said on the check
/// page, so nobody is surprised that a response is kept with their data.
fn sender(page: &Page, now: i64) -> Option<SubjectRef> {
    page.account()
        .map(|a| a.subject.clone())
        .or_else(|| crate::your_data::proven(page.session(), now).and_then(|p| p.subject))
}

fn kept_with_sender(page: &Page, now: i64) -> bool {
    page.account().is_none() && sender(page, now).is_some()
}

/// Sending the form: the case is opened, committed, and only then confirmed.
pub async fn send(
    State(app): State<AppState>,
    Path(form_id): Path<String>,
    crate::client::ClientAddress(address): crate::client::ClientAddress,
    page: Page,
    Form(raw): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Some(form) = form_spec(&app, &form_id) else {
        return not_found(&page);
    };
    if let Some(closed) = closed_page(&app, &page, &form_id, form) {
        return closed;
    }
    let session = page.session();
    let session_id = session.id();
    let progress = match ready_to_send(&app, &page, &form_id, form, &raw, address).await {
        Ok(progress) => progress,
        Err(refusal) => return refusal,
    };
    let now = app.clock.unix();
    let sender = sender(&page, now);
    let submit = custodian_app::forms::Submit {
        form_id: &form_id,
        form,
        progress: &progress,
        owner: draft_owner(&page, &session_id),
        sender: sender.as_ref(),
        policy_version: app.published.sequence,
        can_email: app.mailer.is_some(),
    };
    let guardian_words = || guardian::explain(&app, form, now).words();
    let submitted =
        custodian_app::forms::submit(&app.vault, &app.checked, &submit, guardian_words, now)
            .await?;
    let (case, reply_to, guardian) = match submitted {
        Submitted::Sent {
            case,
            reply_to,
            guardian,
        } => (case, reply_to, guardian),
        Submitted::Expired => {
            // The draft expired under them: start again, honestly.
            session.set_form_progress(&form_id, None);
            return refusals::answers_deleted(&page, &form_id);
        }
        Submitted::NeedsGuardianAddress => {
            let to = format!("/forms/{form_id}/{GUARDIAN_PAGE}");
            return Ok(Redirect::to(&to).into_response());
        }
        Submitted::CannotAskGuardian { age } => return refusals::cannot_ask_guardian(&page, age),
    };
    let email = reply_to.as_deref();
    match guardian.as_deref() {
        Some(address) => {
            guardian::ask(&app, &form_id, form, &case, address, email, now).await;
        }
        None => confirm_by_email(&app, form, &case.subject, email, &case.reference, now).await,
    }
    Ok(journey_ends(&page, &form_id, case, now))
}

/// The journey ends: the session remembers only the reference, for the
/// page that gives it, and the browser goes there.
fn journey_ends(page: &Page, form_id: &str, case: CaseRef, now: i64) -> Response {
    let session = page.session();
    session.set_form_progress(form_id, None);
    session.set_sent_form(Some(SentForm {
        form: form_id.to_owned(),
        held_until: case.guardian_link.as_ref().map(|(_, until)| *until),
        reference: case.reference,
        case_id: Some(case.id),
        sent_at: now,
    }));
    Redirect::to(&format!("/forms/{form_id}/sent")).into_response()
}

/// The form's journey as the session holds it, if the form may be sent
/// now; else the page that says why not. Only the rate limiter counts the
/// attempt; nothing else changes.
async fn ready_to_send(
    app: &AppState,
    page: &Page,
    form_id: &str,
    form: &FormSpec,
    raw: &[(String, String)],
    address: Option<std::net::IpAddr>,
) -> Result<custodian_forms::Progress, AppResult<Response>> {
    if raw
        .iter()
        .any(|(k, _)| k != &app.checked.cookie_names.request_token && k != abuse::HONEYPOT)
    {
        return Err(tampered(page));
    }
    if abuse::honeypot_filled(raw) {
        return Err(honeypot_refusal(page));
    }
    let Some(progress) = page.session().form_progress(form_id) else {
        return Err(refusals::nothing_to_send(page, form_id, form));
    };
    if let Some(first) = progress.first_incomplete(form) {
        return Err(refusals::unanswered(page, form_id, first.id.get_ref()));
    }
    if app.clock.unix() - progress.started_at < app.options.min_fill_seconds {
        return Err(refusals::too_quick(page));
    }
    if !app.submission_limiter.allow(app, address).await {
        return Err(refusals::too_many(page));
    }
    Ok(progress)
}

/// The confirmation with the reference, where the form promises one. A
/// courtesy after the commit: a failure is logged, not shown.
pub(crate) async fn confirm_by_email(
    app: &AppState,
    form: &FormSpec,
    subject: &SubjectRef,
    to: Option<&str>,
    reference: &str,
    now: i64,
) {
    let (Some(mailer), Some(q), Some(to), true) = (
        &app.mailer,
        form.reply_question(),
        to,
        form.confirmation_email.is_some(),
    ) else {
        return;
    };
    let Some(category) = &q.category else {
        return;
    };
    let mut values = serde_json::json!({
        "form_title": form.title,
        "reference": reference,
        "what_happens_next": form.what_happens_next.as_deref().map(str::trim),
        "response_target": form.target().map(|t| t.to_string()),
    });
    crate::mail::add_public_values(app, "form_received", &mut values);
    let mail = custodian_mail::NewMail {
        subject,
        to,
        purpose: form.purpose_of(q),
        category: category.get_ref(),
        template: "form_received",
        values,
    };
    if let Err(e) = mailer.enqueue(mail, now).await {
        tracing::error!(error = %e, "could not queue a form's confirmation email");
    }
}

/// How long after sending a consultation response its browser can take
/// it back: long enough to change one's mind, short enough that the next
/// person at a shared computer is unlikely to find it.
const WITHDRAW_SECONDS: i64 = 60 * 60;

fn withdrawable(form: &FormSpec, sent: &SentForm, form_id: &str, now: i64) -> bool {
    form.kind == FormKind::Consultation
        && sent.form == form_id
        && sent.case_id.is_some()
        && now - sent.sent_at < WITHDRAW_SECONDS
}

/// A consultation response taken back by the browser that sent it, from
/// its confirmation page: the response and its answers go at once.
pub async fn withdraw(
    State(app): State<AppState>,
    Path(form_id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(form) = form_spec(&app, &form_id) else {
        return not_found(&page);
    };
    let sent = page
        .session()
        .sent_form()
        .filter(|s| withdrawable(form, s, &form_id, app.clock.unix()));
    let Some((reference, case_id)) = sent.and_then(|s| Some((s.reference, s.case_id?))) else {
        return Ok(Redirect::to(&format!("/forms/{form_id}")).into_response());
    };
    let withdrawn = app
        .vault
        .withdraw_response(&case_id, app.clock.unix())
        .await?;
    page.session().set_sent_form(None);
    let paragraphs = if withdrawn {
        vec![
            format!("We have deleted your response {reference} and everything you gave in it."),
            "It will not be counted in the results. You can respond again while the consultation is open.".to_owned(),
        ]
    } else {
        vec![format!(
            "Your response {reference} could not be withdrawn here: it has already been deleted, or passed on. Contact us, quoting the reference."
        )]
    };
    let title = if withdrawn {
        "Your response has been withdrawn"
    } else {
        "Your response could not be withdrawn"
    };
    let link = context! { href => "/privacy", text => "How we look after your information" };
    Ok(page
        .render("error.html", title, context! { paragraphs, link })?
        .into_response())
}

/// The confirmation page.
pub async fn sent(
    State(app): State<AppState>,
    Path(form_id): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(form) = form_spec(&app, &form_id) else {
        return not_found(&page);
    };
    let Some(sent) = page.session().sent_form().filter(|s| s.form == form_id) else {
        return Ok(Redirect::to(&format!("/forms/{form_id}")).into_response());
    };
    if let Some(until) = sent.held_until {
        let children = app.checked.children;
        return Ok(page
            .render(
                "forms/held.html",
                &format!("{}: waiting for permission", form.title),
                context! {
                    form_title => form.title,
                    reference => sent.reference,
                    age => children.map(|c| c.age),
                    until => guardian::date_of(until),
                    emailed => form.confirmation_email.is_some(),
                },
            )?
            .into_response());
    }
    Ok(page
        .render(
            "forms/sent.html",
            "Form sent",
            context! {
                form_id,
                form_title => form.title,
                reference => sent.reference,
                emailed => form.confirmation_email.is_some() && app.mailer.is_some(),
                next => form.what_happens_next.as_deref().map(crate::render::written_markdown_to_html),
                target => form.target().map(|t| t.to_string()),
                withdrawable => withdrawable(form, &sent, &form_id, app.clock.unix()),
            },
        )?
        .into_response())
}
