//! The pages that say why a form was not saved or sent, each with the
//! status that names it and where to go next. Nothing was saved or sent.

use axum::http::StatusCode;
use axum::response::Response;
use custodian_forms::Progress;
use custodian_policy::forms::Form as FormSpec;

use super::{problem, problem_with_link};
use crate::error::AppResult;
use crate::page::Page;

/// A question page sent before the pages it follows.
pub(super) fn earlier_questions_first(
    page: &Page,
    form_id: &str,
    form: &FormSpec,
    progress: &Progress,
) -> AppResult<Response> {
    let first = progress
        .first_incomplete(form)
        .map(|p| p.id.get_ref().clone())
        .unwrap_or_default();
    problem_with_link(
        page,
        StatusCode::CONFLICT,
        "Answer the earlier questions first",
        vec![format!(
            "This page comes later in {}. We have not saved what was sent.",
            form.title
        )],
        Some((
            format!("/forms/{form_id}/{first}"),
            "Go to the first question you have not answered",
        )),
    )
}

/// Sending a form this browser never started, or whose answers are gone.
pub(super) fn nothing_to_send(page: &Page, form_id: &str, form: &FormSpec) -> AppResult<Response> {
    problem_with_link(
        page,
        StatusCode::CONFLICT,
        "There is nothing to send",
        vec![format!(
            "You have not started {} in this browser, or your answers were deleted because a day passed without them being sent. Nothing has been saved.",
            form.title
        )],
        Some((format!("/forms/{form_id}"), "Start the form")),
    )
}

/// Sending a form with a question not yet answered.
pub(super) fn unanswered(page: &Page, form_id: &str, first: &str) -> AppResult<Response> {
    problem_with_link(
        page,
        StatusCode::CONFLICT,
        "Some questions have not been answered",
        vec![
            "Your form has not been sent, because there are questions you have not answered yet."
                .into(),
        ],
        Some((format!("/forms/{form_id}/{first}"), "Continue the form")),
    )
}

/// Sent faster than a person could fill it in.
pub(super) fn too_quick(page: &Page) -> AppResult<Response> {
    problem(
        page,
        StatusCode::TOO_MANY_REQUESTS,
        "Your form was sent too quickly",
        vec![
            "It arrived faster than a person could fill it in, so we have not sent it yet. Your answers are still here.".into(),
            "Wait a few seconds, go back to check your answers, and send it again.".into(),
        ],
    )
}

/// Over the limit of forms per connection per minute.
pub(super) fn too_many(page: &Page) -> AppResult<Response> {
    problem(
        page,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many forms have been sent from your connection",
        vec![
            "We limit how many forms can be sent from one internet connection each minute, to keep out automated messages. Your form has not been sent yet, and your answers are still here.".into(),
            "Wait a minute, then go back to check your answers and send it again.".into(),
        ],
    )
}

/// The draft passed its day before it was sent.
pub(super) fn answers_deleted(page: &Page, form_id: &str) -> AppResult<Response> {
    problem_with_link(
        page,
        StatusCode::CONFLICT,
        "Your answers have been deleted",
        vec!["We delete answers that have not been sent within a day, and yours reached that limit, so the form has not been sent.".into()],
        Some((format!("/forms/{form_id}"), "Start again")),
    )
}

/// Under the policy's age, on a site that cannot send email.
pub(super) fn cannot_ask_guardian(page: &Page, age: u8) -> AppResult<Response> {
    problem(
        page,
        StatusCode::SERVICE_UNAVAILABLE,
        "We cannot ask your parent or guardian at the moment",
        vec![
            format!(
                "Because you are under {age}, we need your parent's or guardian's permission, and we ask for it by email. This website cannot send email at the moment, so your form has not been sent. Your answers are still here until tomorrow."
            ),
            "You could ask your parent or guardian to contact us instead.".into(),
        ],
    )
}
