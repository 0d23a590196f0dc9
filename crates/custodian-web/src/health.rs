//! `/healthz` and `/readyz`, for load balancers and orchestrators. Neither
//! sets a cookie or says anything about anyone.
//!
//! - `/healthz`: the process is alive and answering (always 200).
//! - `/readyz`: the database answers and every migration this build knows
//!   is applied; otherwise 503, with the reason, so that a balancer sends
//!   no traffic to an instance that cannot serve it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

fn uncached(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn healthz() -> Response {
    uncached((StatusCode::OK, "ok\n").into_response())
}

pub async fn readyz(State(app): State<AppState>) -> Response {
    let verdict = match app.store.ping().await {
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            Err("the database does not answer".to_owned())
        }
        Ok(()) => match app.store.pending_migrations().await {
            Ok(0) => Ok(()),
            Ok(n) => Err(format!(
                "{n} database migration{} not applied: run `custodian migrate`",
                if n == 1 { " is" } else { "s are" }
            )),
            Err(e) => {
                tracing::warn!(error = %e, "not ready: cannot read the migrations");
                Err("the database's migrations cannot be read".to_owned())
            }
        },
    };
    let response = match verdict {
        Ok(()) => (StatusCode::OK, Json(json!({ "ready": true }))).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "reason": reason })),
        )
            .into_response(),
    };
    uncached(response)
}
