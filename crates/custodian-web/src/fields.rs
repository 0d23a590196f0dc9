//! What every form page shares: a problem with one field, for the error
//! summary and the field itself; the check every email address field
//! makes; and the page that shows them.

use custodian_forms::answers::looks_like_email;

pub use custodian_forms::FieldError;

use crate::error::AppResult;

pub fn email_error(email: &str) -> Option<FieldError> {
    if email.is_empty() {
        Some(FieldError::new("email", "Enter your email address"))
    } else if !looks_like_email(email) {
        Some(FieldError::new(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ))
    } else {
        None
    }
}

/// A form page shown again with its errors: "Error: " before the title, as
/// the Design System asks, and 400, because nothing was done.
pub fn invalid(
    page: &crate::page::Page,
    template: &str,
    title: &str,
    content: minijinja::Value,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let html = page.render(template, &format!("Error: {title}"), content)?;
    Ok((axum::http::StatusCode::BAD_REQUEST, html).into_response())
}
