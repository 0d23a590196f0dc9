//! The "your data" portal at `/your-data`, where the config has `[rights]`:
//! a person proves control of an email address with a one-time code (no
//! account needed), then sees everything held under it, downloads it, asks
//! for a correction, or has it erased.
//!
//! Nothing is said about whether anything is held for an address until the
//! code sent to it comes back. A proof counts for 30 minutes, in the
//! browser session that asked, which gets a new identifier once proven.
//! Every value comes through the vault; requests are recorded with their
//! statutory deadline (`custodian_vault::requests`) for the DPO.

mod consents;
mod correct;
mod erase;
mod held;
mod prove;

pub(crate) use held::request_status;

use axum::Router;
use axum::routing::{get, post};
use custodian_vault::SubjectRef;

use crate::middleware::session::Session;
use crate::state::AppState;

/// How long a proven address counts.
pub const PROVEN_SECONDS: i64 = 30 * 60;

pub fn router(state: &AppState) -> Router<AppState> {
    if state.checked.config.rights.is_none() {
        return Router::new();
    }
    Router::new()
        .route(
            "/your-data",
            get(prove::show_start).post(prove::submit_start),
        )
        .route(
            "/your-data/code",
            get(prove::show_code).post(prove::submit_code),
        )
        .route("/your-data/finish", post(prove::finish))
        .route("/your-data/account", post(prove::signed_in))
        .route("/your-data/held", get(held::show))
        .route("/your-data/download", get(held::download))
        .route(
            "/your-data/correct",
            get(correct::show).post(correct::submit),
        )
        .route("/your-data/delete", get(erase::show).post(erase::submit))
        .route("/your-data/consents/withdraw", post(consents::withdraw))
}

/// A visit whose address is proven: who holds the address meanwhile, and
/// the person it belongs to, if anything is held.
pub struct Proven {
    pub holder: SubjectRef,
    pub subject: Option<SubjectRef>,
}

/// The proven visit of this session, while the proof counts.
pub fn proven(session: &Session, now: i64) -> Option<Proven> {
    let visit = session.portal()?;
    let until = visit.proven_until?;
    if until <= now {
        return None;
    }
    Some(Proven {
        holder: SubjectRef { id: visit.holder? },
        subject: visit.subject.map(|id| SubjectRef { id }),
    })
}

/// A proven visit whose address finds someone: what the correction,
/// erasure and consent pages need. Any other visit goes back to the start.
pub struct ProvenPerson {
    pub subject: SubjectRef,
    pub holder: SubjectRef,
}

impl axum::extract::FromRequestParts<AppState> for ProvenPerson {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let visit = parts
            .extensions
            .get::<Session>()
            .and_then(|session| proven(session, app.clock.unix()));
        match visit {
            Some(Proven {
                subject: Some(subject),
                holder,
            }) => match app.vault.holds(&subject).await {
                Ok(true) => Ok(ProvenPerson { subject, holder }),
                // Erased while the visit was open: the held page says so.
                Ok(false) => Err(axum::response::IntoResponse::into_response(
                    axum::response::Redirect::to("/your-data/held"),
                )),
                Err(e) => Err(axum::response::IntoResponse::into_response(
                    crate::error::AppError::from(e),
                )),
            },
            _ => Err(start_again()),
        }
    }
}

/// The person was erased while their visit was open (by the DPO, say):
/// a calm page that says so, never an error, and the visit ends.
pub fn erased_meanwhile(
    page: &crate::page::Page,
) -> crate::error::AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    page.session().set_portal(None);
    let paragraphs = vec![
        "The information we held about this email address has been deleted, so there is nothing more to show you here.".to_owned(),
        "If the law asks us to keep something for a while, such as a record of a request you made, you can ask to see it: start again with your email address.".to_owned(),
    ];
    let link = minijinja::context! { href => "/your-data", text => "Start again" };
    Ok(page
        .render(
            "error.html",
            "Your data has been deleted",
            minijinja::context! { paragraphs, link },
        )?
        .into_response())
}

/// Where a visit without a proof goes instead.
pub fn start_again() -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Redirect::to("/your-data").into_response()
}

/// Queue `template` to the person at `to` about `subject`, stamped with
/// the purpose that handling requests serves.
pub async fn write_to(
    app: &AppState,
    subject: &SubjectRef,
    to: &str,
    template: &str,
    values: serde_json::Value,
) -> crate::error::AppResult<()> {
    let rights = app.checked.config.rights.as_ref();
    crate::mail::queue(
        app,
        crate::mail::Recipient {
            subject,
            to,
            purpose: rights.map_or("", |r| r.purpose.get_ref()),
            category: rights.map_or("", |r| r.email_category.get_ref()),
        },
        template,
        values,
    )
    .await
}

/// Today, as the law counts days for a request's deadline.
pub fn today(app: &AppState) -> time::Date {
    app.clock.now().date()
}
