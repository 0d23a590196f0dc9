//! Erasure from the portal: the page shows what will be deleted and what
//! must be kept and why; confirming records an erasure request, carries it
//! out through the vault, closes the request with what was done, and
//! confirms by email. What the policy keeps (such as a case under audit
//! retention, or the record of this request) stays until its own deadline,
//! and the person is told so.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use custodian_app::requests::{ErasureAsked, erase_at_their_request};
use custodian_vault::KeptItem;
use custodian_vault::requests::Channel;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::held::PORTAL_ACTOR;
use super::{ProvenPerson, today};
use crate::error::AppResult;
use crate::page::Page;
use crate::render::format_date;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    confirm: String,
}

/// A kept item in the person's words.
#[derive(Debug, Clone, Serialize)]
struct KeptView {
    what: String,
    reason: String,
    until: String,
}

fn kept_views(app: &AppState, kept: &[KeptItem]) -> Vec<KeptView> {
    let policy = &app.checked.config.policy;
    let mut views: Vec<KeptView> = Vec::new();
    for k in kept {
        let purpose = policy
            .purposes
            .get(&k.purpose)
            .map_or(k.purpose.as_str(), |p| p.name.as_str());
        let category = policy
            .categories
            .get(&k.category)
            .map_or(k.category.as_str(), |c| c.name.as_str());
        let view = KeptView {
            what: format!("{category}, for {}", purpose.to_lowercase()),
            reason: k.reason.clone(),
            until: match k.delete_after {
                Some(at) => format!("on {}", format_date(at)),
                None => app
                    .checked
                    .retention
                    .get(&k.purpose)
                    .map_or_else(String::new, |r| r.to_string()),
            },
        };
        // One line per kind of thing kept, not one per field.
        if !views
            .iter()
            .any(|v| v.what == view.what && v.until == view.until)
        {
            views.push(view);
        }
    }
    views
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    ProvenPerson { subject, .. }: ProvenPerson,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let (deleted, kept) = app.vault.erasure_preview(&subject, now).await?;
    Ok(page
        .render(
            "your_data/delete.html",
            "Are you sure you want us to delete your data?",
            context! { deleted, kept => kept_views(&app, &kept) },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    ProvenPerson { subject, holder }: ProvenPerson,
    Form(form): Form<EraseForm>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    if form.confirm != "yes" {
        return Ok(axum::response::Redirect::to("/your-data/delete").into_response());
    }
    let address = app.vault.proof_address(&holder).await?.unwrap_or_default();
    let asked = ErasureAsked {
        subject: &subject,
        address: &address,
        channel: Channel::Portal,
        received_on: today(&app),
        actor: PORTAL_ACTOR,
    };
    let (reference, report) = erase_at_their_request(&app.vault, &asked, now).await?;
    let kept = kept_views(&app, &report.kept);
    if !address.is_empty() {
        // To the visit's holder, not the erased person: the message and its
        // address go once it is sent.
        super::write_to(
            &app,
            &holder,
            &address,
            "erasure_done",
            json!({ "reference": reference, "deleted": report.deleted, "kept": kept }),
        )
        .await?;
        app.vault.forget_proof(&holder).await?;
    }
    page.session().set_portal(None);
    Ok(page
        .render(
            "your_data/deleted.html",
            "Your data has been deleted",
            context! { reference => reference, deleted => report.deleted, kept, emailed => !address.is_empty() },
        )?
        .into_response())
}
