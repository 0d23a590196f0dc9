//! Asking for a correction: choose the item that is wrong and say what it
//! should be. It becomes a request for the DPO, with its deadline, holding
//! the disputed item (and which record it is), the proposed change and the
//! address to answer; the person gets the reference by email.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use custodian_vault::requests::deadline::Due;
use custodian_vault::requests::{Channel, NewRequest, RequestKind, clock_of};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::held::{PORTAL_ACTOR, gather};
use super::{ProvenPerson, today};
use crate::error::AppResult;
use crate::fields::{FieldError, invalid};
use crate::page::Page;
use crate::state::AppState;
use custodian_forms::answers::long_date;

const TEMPLATE: &str = "your_data/correct.html";
const TITLE: &str = "Ask us to correct your information";
/// Longer than any answer a form takes, short enough to read.
const MAX_PROPOSED: usize = 2000;

#[derive(Deserialize, Default)]
pub struct CorrectForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    proposed: String,
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    ProvenPerson { subject, .. }: ProvenPerson,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let held = gather(&app, &subject, now).await?;
    Ok(page
        .render(
            TEMPLATE,
            TITLE,
            context! { groups => held.groups, item => "", proposed => "" },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    ProvenPerson { subject, holder }: ProvenPerson,
    Form(form): Form<CorrectForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let held = gather(&app, &subject, now).await?;
    let chosen = held
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(move |i| (g, i)))
        .find(|(_, i)| i.id == form.item);
    let proposed = form.proposed.trim();
    let mut errors = Vec::new();
    if chosen.is_none() {
        errors.push(FieldError::new(
            "item",
            "Select the information that is wrong",
        ));
    }
    if proposed.is_empty() {
        errors.push(FieldError::new("proposed", "Enter what it should say"));
    } else if proposed.chars().count() > MAX_PROPOSED {
        errors.push(FieldError::new(
            "proposed",
            format!("What it should say must be {MAX_PROPOSED} characters or fewer"),
        ));
    }
    let (Some((group, item)), true) = (chosen, errors.is_empty()) else {
        return invalid(
            &page,
            TEMPLATE,
            TITLE,
            context! { errors, groups => held.groups, item => form.item, proposed },
        );
    };
    let address = app.vault.proof_address(&holder).await?.unwrap_or_default();
    let disputed = format!("{} ({}): {}", item.label, group.label, item.value);
    let request = app
        .vault
        .open_request(
            &NewRequest {
                subject: &subject,
                kind: RequestKind::Correction,
                channel: Channel::Portal,
                received_on: today(&app),
                details: &[
                    ("email", address.as_str()),
                    ("record", item.id.as_str()),
                    ("disputed", disputed.as_str()),
                    ("proposed", proposed),
                ],
                entered_by: PORTAL_ACTOR,
            },
            now,
        )
        .await?;
    let due = match clock_of(&request).due(&app.vault.holidays()) {
        Due::By(date) => long_date(date),
        Due::Paused => String::new(),
    };
    if !address.is_empty() {
        super::write_to(
            &app,
            &subject,
            &address,
            "request_received",
            json!({
                "reference": request.reference,
                "asked": "correct your information",
                "due": due,
            }),
        )
        .await?;
    }
    Ok(page
        .render(
            "your_data/requested.html",
            "Request sent",
            context! { reference => request.reference, due, asked => "correct your information" },
        )?
        .into_response())
}
