//! Error responses that carry no page of their own (a missing route, a body
//! too large, a refused form token, a failure) get one in the site's layout,
//! saying what happened and what to do. Nothing about the request is echoed.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use crate::consent::ConsentChoice;
use crate::middleware::csrf::CsrfNonce;
use crate::middleware::session::{Session, read_cookie};
use crate::page::Page;
use crate::state::AppState;

/// A 403 from a page the staff member's role does not admit: the error
/// page says so, rather than blaming a form token.
#[derive(Debug, Clone, Copy)]
pub struct NotYourPage;

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let consent = read_cookie(request.headers(), &app.checked.cookie_names.consent)
        .map(ConsentChoice::parse)
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;

    let status = response.status();
    let has_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if has_page || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let not_your_page = response.extensions().get::<NotYourPage>().is_some();
    let (title, paragraphs) = explain(status, not_your_page, app.options.body_limit);
    // The session layer inside hands over its session and form token; if it
    // failed before it had them, the page shows without the banner's form.
    let session = response
        .extensions()
        .get::<Session>()
        .cloned()
        .unwrap_or_else(Session::detached);
    let nonce = response.extensions().get::<CsrfNonce>().cloned();
    let page = Page::for_error(app.clone(), session, nonce, path, consent);
    let mut rendered = match page.render("error.html", title, context! { paragraphs }) {
        Ok(html) => html.into_response(),
        Err(_) => return response,
    };
    *rendered.status_mut() = status;
    // Cookies the inner layers set (a new session) still apply.
    for value in response.headers().get_all(header::SET_COOKIE) {
        rendered
            .headers_mut()
            .append(header::SET_COOKIE, value.clone());
    }
    rendered
}

/// The error page's title and paragraphs for a status: what happened and
/// what to do, never the cause inside the server.
fn explain(
    status: StatusCode,
    not_your_page: bool,
    body_limit: usize,
) -> (&'static str, Vec<String>) {
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => (
            "Page not found",
            vec![
                "If you typed the web address, check it is correct.".into(),
                "If you pasted the web address, check you copied the entire address.".into(),
            ],
        ),
        StatusCode::FORBIDDEN if not_your_page => (
            "You cannot see this page",
            vec!["Your staff role does not include this page. If you need it for your work, ask an administrator.".into()],
        ),
        StatusCode::FORBIDDEN => (
            "Your form could not be sent",
            vec![
                "We could not confirm that the form came from this website, so we did not accept it. This protects you from other websites sending forms in your name.".into(),
                "This can happen if the page was open for a long time, if you opened it in another browser, or if your browser blocks cookies.".into(),
                "Nothing you entered has been saved. Go back to the page, reload it, and try again.".into(),
            ],
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "What you sent is too large",
            vec![
                format!("We accept up to {} KB from one form. Nothing you sent has been saved.", body_limit / 1024),
                "Go back, shorten your answer, and send it again.".into(),
            ],
        ),
        s if s.is_client_error() => (
            "There is a problem with what was sent",
            vec!["We could not read the form that was sent, so nothing has been saved. Go back and try again.".into()],
        ),
        _ => (
            "Sorry, there is a problem with the service",
            vec!["Try again later.".into(), "If you were sending a form, it may not have been sent.".into()],
        ),
    }
}
