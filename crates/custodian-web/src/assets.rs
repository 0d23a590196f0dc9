//! The stylesheet and scripts built by `frontend/` (GOV.UK Frontend compiled
//! with Sass). Release builds embed them; debug builds read the folder, so a
//! rebuilt stylesheet shows without recompiling.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend/dist/"]
#[allow_missing = true]
struct Assets;

pub async fn serve(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                file.data,
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Whether the stylesheet is present: without it pages still work, but the
/// operator should know to run the frontend build.
pub fn stylesheet_present() -> bool {
    Assets::get("app.css").is_some()
}
