//! The route table: every URL the server answers, and the layers around them.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

use crate::middleware::{csrf, error_pages, page_stats, request_log, security_headers, session};
use crate::pages::{accessibility, cookies, home, privacy, versions};
use crate::state::AppState;
use crate::{assets, forms, pages};

pub fn router(state: AppState) -> Router {
    if !assets::stylesheet_present() {
        tracing::warn!(
            "frontend/dist/app.css is missing: pages will be unstyled; run `npm run build` in frontend/"
        );
    }
    let pages = public_pages()
        .merge(crate::staff::router(&state))
        .merge(crate::accounts::router(&state))
        .merge(crate::updates::router(&state))
        .merge(crate::your_data::router(&state))
        .merge(crate::campaigns::router(&state))
        .fallback(not_found)
        // Innermost first: the token is checked before any handler runs
        // (except on the routes merged after it, whose signed link is
        // their authority); a panic becomes a 500 (logged without its
        // message, which could hold input); a public sign-in is checked
        // against its account; the session is saved before the reply;
        // error pages wrap everything, including the session layer's own
        // failures.
        .layer(from_fn_with_state(state.clone(), csrf::layer))
        .merge(crate::updates::without_form_token(&state))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(
            state.clone(),
            crate::accounts::signed_in::layer,
        ))
        .layer(from_fn_with_state(state.clone(), session::layer))
        .layer(from_fn_with_state(state.clone(), error_pages::layer));

    // Outside the page layers: no session, no cookie, no error page.
    Router::new()
        .route("/assets/{*path}", get(assets::serve))
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::metrics::metrics))
        .merge(pages)
        .layer(from_fn_with_state(state.clone(), security_headers::layer))
        .layer(from_fn_with_state(state.clone(), page_stats::layer))
        .layer(from_fn_with_state(state.clone(), request_log::layer))
        .with_state(state)
}

/// The notice, cookies and forms: the pages every site has.
fn public_pages() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/privacy", get(privacy::show))
        .route("/privacy.json", get(privacy::json))
        .route("/privacy/versions", get(versions::list))
        .route("/privacy/versions/{sequence}", get(versions::show))
        .route("/cookies", get(cookies::show).post(cookies::save))
        .route("/cookies/banner", post(cookies::banner))
        .route("/cookies/hide-message", post(pages::cookies::hide_message))
        .route("/accessibility", get(accessibility::show))
        .route("/forms", get(forms::index))
        .route("/forms/{form}", get(forms::start))
        .route(
            "/forms/{form}/check",
            get(forms::show_check).post(forms::send),
        )
        .route("/forms/{form}/sent", get(forms::sent))
        .route("/forms/{form}/withdraw", post(forms::withdraw))
        .route(
            "/permission/{token}",
            get(forms::guardian::show).post(forms::guardian::decide),
        )
        .route(
            "/forms/{form}/{page}",
            get(forms::show_page).post(forms::save_page),
        )
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    axum::response::IntoResponse::into_response(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}

async fn not_found() -> axum::http::StatusCode {
    axum::http::StatusCode::NOT_FOUND
}
