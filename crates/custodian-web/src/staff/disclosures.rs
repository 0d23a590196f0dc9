//! The disclosure log, for the data protection officer: every disclosure,
//! whether the system made it (a forwarded case) or the DPO records it
//! here: to whom and under which purpose (only the pairs the policy
//! declares are offered, and the vault refuses any other), why, on what
//! basis or exemption, which data, who authorised it, and whether the
//! person is told. Telling them by email sends who and why at once; not
//! telling them needs a recorded reason.

use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_store::personal::disclosures::DisclosureRow;
use custodian_vault::VaultError;
use custodian_vault::disclosures::NewDisclosure;
use minijinja::context;
use serde::Serialize;
use serde_json::json;

use crate::error::AppResult;
use crate::fields::FieldError;
use crate::page::Page;
use crate::render::format_date;
use crate::staff::StaffUser;
use crate::state::AppState;

use super::disclosure_form::DisclosureForm;

/// The bases a disclosure can rest on, and `exemption`.
/// Said when the policy does not name the recipient for the purpose.
const NOT_NAMED: &str = "The policy does not name that recipient for that purpose: the notice must say who information may go to before it goes";

pub(super) const BASES: &[(&str, &str)] = &[
    (
        "vital_interests",
        "Vital interests: to protect someone's life or safety (safeguarding)",
    ),
    ("legal_obligation", "Legal obligation: the law requires it"),
    ("public_task", "Public task: part of our official functions"),
    ("consent", "Consent: the person agreed"),
    ("legitimate_interests", "Legitimate interests"),
    ("exemption", "An exemption in the Data Protection Act 2018"),
];

#[derive(Serialize)]
struct Route {
    value: String,
    label: String,
    hint: String,
}

/// Every (purpose, recipient) pair the policy declares.
fn routes(app: &AppState) -> Vec<Route> {
    let policy = &app.checked.config.policy;
    policy
        .purposes
        .iter()
        .flat_map(|(pid, purpose)| {
            purpose.recipients.iter().filter_map(move |r| {
                let recipient = policy.recipients.get(r.recipient.get_ref())?;
                Some(Route {
                    value: format!("{pid}/{}", r.recipient.get_ref()),
                    label: format!("{}, from {}", recipient.name, purpose.name.to_lowercase()),
                    hint: format!("The notice says: {}", r.when),
                })
            })
        })
        .collect()
}

fn recipient_name(app: &AppState, id: &str) -> String {
    app.checked.config.policy.recipient_name(id).to_owned()
}

fn basis_label(basis: &str) -> String {
    match basis {
        "permission" => "The person gave permission".into(),
        "none" => "Nothing identifying was passed on".into(),
        other => BASES
            .iter()
            .find(|(id, _)| *id == other)
            .map_or_else(|| other.to_owned(), |(_, label)| (*label).to_owned()),
    }
}

#[derive(Serialize)]
struct LogRow {
    id: String,
    at: String,
    recipient: String,
    purpose: String,
    basis: String,
    origin: &'static str,
    told: String,
}

fn log_row(app: &AppState, d: &DisclosureRow) -> LogRow {
    let purpose = app
        .checked
        .config
        .policy
        .purposes
        .get(&d.purpose)
        .map_or_else(|| d.purpose.clone(), |p| p.name.clone());
    LogRow {
        id: d.id.clone(),
        at: format_date(d.at),
        recipient: recipient_name(app, &d.recipient),
        purpose,
        basis: basis_label(&d.basis),
        origin: if d.origin == "staff" {
            "Recorded by staff"
        } else {
            "Made by the system"
        },
        told: match (d.told_at, d.not_told) {
            (Some(at), _) => format!("Told on {}", format_date(at)),
            (None, true) => "Not told: reason recorded".into(),
            (None, false) => "Not told".into(),
        },
    }
}

pub async fn list(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let rows: Vec<LogRow> = app
        .vault
        .disclosure_log(500)
        .await?
        .iter()
        .map(|d| log_row(&app, d))
        .collect();
    Ok(page
        .render(
            "staff/disclosures.html",
            "Disclosure log",
            context! { rows },
        )?
        .into_response())
}

pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let Some(found) = app.vault.disclosure(&id).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let found = &found;
    let details = app
        .vault
        .read_disclosure(found, &user.actor(), app.clock.unix())
        .await?;
    let label = |field: &str| match field {
        "why" => "Why",
        "data" => "Which data",
        "authorised_by" => "Authorised by",
        "exemption" => "Exemption",
        "not_told_reason" => "Why the person is not told",
        "told_how" => "How the person was told",
        "email" => "Their email address",
        "disclosure" => "What was passed on",
        _ => "Note",
    };
    let details: Vec<(&str, String)> = details.into_iter().map(|(f, v)| (label(&f), v)).collect();
    Ok(page
        .render(
            "staff/disclosure.html",
            "Disclosure",
            context! { d => log_row(&app, found), details, by => found.actor },
        )?
        .into_response())
}

fn render_form(
    app: &AppState,
    page: &Page,
    form: &DisclosureForm,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let failed = !errors.is_empty();
    let title = if failed {
        "Error: Record a disclosure"
    } else {
        "Record a disclosure"
    };
    let html = page.render(
        "staff/disclosure_new.html",
        title,
        context! {
            errors,
            routes => routes(app),
            bases => BASES,
            email => form.email, route => form.route, why => form.why, data => form.data,
            basis => form.basis, exemption => form.exemption, authorised_by => form.authorised_by,
            tell => form.tell, told_how => form.told_how, not_told_reason => form.not_told_reason,
        },
    )?;
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

pub async fn new(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    render_form(&app, &page, &DisclosureForm::default(), Vec::new())
}

pub async fn create(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(form): Form<DisclosureForm>,
) -> AppResult<Response> {
    let mut errors = form.errors();
    let email = form.email.trim();
    let route = form.route.split_once('/');
    let now = app.clock.unix();
    let subject = held_under(&app, email, &mut errors).await?;
    let (Some(subject), Some((purpose, recipient)), true) = (subject, route, errors.is_empty())
    else {
        return render_form(&app, &page, &form, errors);
    };
    let telling = form.tell == "email";
    let told_at = (form.tell == "told").then_some(now);
    let details = form.details();
    let recorded = app
        .vault
        .record_staff_disclosure(
            &NewDisclosure {
                subject: &subject,
                purpose,
                recipient,
                basis: &form.basis,
                details: &details,
                told_at,
                not_told: form.tell == "not_told",
            },
            &user.actor(),
            now,
        )
        .await;
    let row = match recorded {
        Ok(row) => row,
        Err(VaultError::Undeclared(_)) => {
            let error = FieldError::new("route", NOT_NAMED);
            return render_form(&app, &page, &form, vec![error]);
        }
        Err(e) => return Err(e.into()),
    };
    if telling {
        crate::your_data::write_to(
            &app,
            &subject,
            email,
            "disclosure_notice",
            json!({
                "recipient": recipient_name(&app, recipient),
                "why": form.why.trim(),
                "data": form.data.trim(),
            }),
        )
        .await?;
        app.vault.disclosure_told(&row, now).await?;
    }
    Ok(Redirect::to(&format!("/staff/disclosures/{}", row.id)).into_response())
}

/// The person held under a well-formed address; none, with the error
/// said against the field, when nobody is: a disclosure is recorded
/// against what we hold.
async fn held_under(
    app: &AppState,
    email: &str,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<custodian_vault::SubjectRef>> {
    if errors.iter().any(|e| e.field == "email") {
        return Ok(None);
    }
    let subject = app.vault.find_by_email(email).await?;
    if subject.is_none() {
        errors.push(FieldError::new(
            "email",
            "We hold nothing under that address: a disclosure is recorded against what we hold about the person",
        ));
    }
    Ok(subject)
}
