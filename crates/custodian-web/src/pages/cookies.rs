//! `/cookies`: every cookie the policy declares, and one yes/no question per
//! non-essential category (defaulting to no). The cookie banner's buttons
//! post here too. The choice lives in the essential consent cookie.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use custodian_policy::check::{CONSENT_COOKIE_PERIOD, CookieLifetime};
use custodian_policy::notice::{label_case, phrase_case};
use minijinja::context;
use serde::Serialize;

use crate::consent::ConsentChoice;
use crate::error::AppResult;
use crate::middleware::security_headers::is_https;
use crate::middleware::session::{Flash, append_cookie, read_cookie};
use crate::page::Page;
use crate::state::AppState;

#[derive(Serialize)]
struct CookieRow {
    name: String,
    purpose: String,
    holds: String,
    expires: String,
}

#[derive(Serialize)]
struct Question {
    id: String,
    name: String,
    name_in_sentence: String,
    description: String,
    cookies: Vec<CookieRow>,
    /// The answer to show: what was submitted, else what was saved, else no.
    yes: bool,
    error: Option<String>,
}

fn rows(app: &AppState, category: Option<&str>) -> Vec<CookieRow> {
    let policy = &app.checked.config.policy;
    policy
        .cookies
        .iter()
        .zip(&app.checked.cookie_lifetimes)
        .filter(|(c, _)| c.consent_category.as_ref().map(|x| x.get_ref().as_str()) == category)
        .map(|(c, lifetime)| CookieRow {
            name: c.name.get_ref().clone(),
            purpose: c.purpose.trim().to_owned(),
            holds: phrase_case(&c.holds),
            expires: match lifetime {
                CookieLifetime::Session => "When you close your browser".to_owned(),
                CookieLifetime::For(p) => format!("After {p}"),
            },
        })
        .collect()
}

fn questions(
    app: &AppState,
    choice: &ConsentChoice,
    submitted: Option<&[(String, String)]>,
) -> Vec<Question> {
    app.checked
        .config
        .policy
        .cookie_categories
        .iter()
        .map(|(id, category)| {
            let answer =
                submitted.and_then(|s| s.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str()));
            let error = match (submitted.is_some(), answer) {
                (true, None) => Some(format!(
                    "Select yes if you want to accept {}",
                    label_case(&category.name)
                )),
                (true, Some(v)) if v != "yes" && v != "no" => Some(format!(
                    "Select yes or no for {}",
                    label_case(&category.name)
                )),
                _ => None,
            };
            Question {
                id: id.clone(),
                name: category.name.clone(),
                name_in_sentence: label_case(&category.name),
                description: category.description.trim().to_owned(),
                cookies: rows(app, Some(id)),
                yes: answer.map_or_else(|| choice.allows(&app.checked, id), |v| v == "yes"),
                error,
            }
        })
        .collect()
}

fn render(
    app: &AppState,
    page: &Page,
    questions: Vec<Question>,
    saved: bool,
) -> AppResult<Response> {
    let has_errors = questions.iter().any(|q| q.error.is_some());
    let title = if has_errors {
        "Error: Cookies"
    } else {
        "Cookies"
    };
    let html = page.render(
        "pages/cookies.html",
        title,
        context! {
            essential => rows(app, None),
            questions,
            has_errors,
            saved,
        },
    )?;
    let status = if has_errors {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let saved = page.flash == Some(Flash::CookieSettingsSaved);
    let questions = questions(&app, &page.consent, None);
    render(&app, &page, questions, saved)
}

pub async fn save(
    State(app): State<AppState>,
    headers: HeaderMap,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let questions = questions(&app, &page.consent, Some(&fields));
    if questions.iter().any(|q| q.error.is_some()) {
        return render(&app, &page, questions, false);
    }
    let mut choice = ConsentChoice::from_answers(&app.checked, app.published.sequence, |id| {
        questions.iter().any(|q| q.id == id && q.yes)
    });
    ledger(&app, &page, &mut choice, "cookies page").await?;
    page.session().set_flash(Flash::CookieSettingsSaved);
    Ok(remember(
        &app,
        &headers,
        &choice,
        Redirect::to("/cookies").into_response(),
    ))
}

#[derive(serde::Deserialize)]
pub struct BannerForm {
    cookies: String,
    #[serde(default)]
    return_to: String,
}

pub async fn banner(
    State(app): State<AppState>,
    headers: HeaderMap,
    page: Page,
    Form(form): Form<BannerForm>,
) -> AppResult<Response> {
    let (yes, flash) = match form.cookies.as_str() {
        "accept" => (true, Flash::CookiesAccepted),
        "reject" => (false, Flash::CookiesRejected),
        _ => return Ok(StatusCode::BAD_REQUEST.into_response()),
    };
    let mut choice = ConsentChoice::from_answers(&app.checked, app.published.sequence, |_| yes);
    ledger(&app, &page, &mut choice, "cookie banner").await?;
    page.session().set_flash(flash);
    let back = Redirect::to(&local_path(&form.return_to)).into_response();
    Ok(remember(&app, &headers, &choice, back))
}

/// A receipt in the consent ledger for each category's answer, carrying
/// the browser's receipt id (kept from before, or new), or the signed-in
/// person, before the choice is stored in the cookie.
async fn ledger(
    app: &AppState,
    page: &Page,
    choice: &mut ConsentChoice,
    method: &str,
) -> AppResult<()> {
    let receipt = page
        .consent
        .receipt
        .clone()
        .unwrap_or_else(crate::consent::new_receipt);
    let policy = &app.checked.config.policy;
    let consents: Vec<custodian_vault::consents::Consent<'_>> = choice
        .answers
        .iter()
        .filter_map(|a| {
            let category = policy.cookie_categories.get(&a.category)?;
            Some(custodian_vault::consents::Consent {
                scope: format!("cookies:{}", a.category),
                purpose: category.purpose.get_ref(),
                given: a.yes,
                words: format!("{}: {}", category.name, category.description.trim()),
                method,
            })
        })
        .collect();
    let principal = match page.account() {
        Some(account) => custodian_vault::consents::Principal::Subject(&account.subject),
        None => custodian_vault::consents::Principal::Visitor(&receipt),
    };
    app.vault
        .record_consents(
            principal,
            &consents,
            app.published.sequence,
            app.clock.unix(),
        )
        .await?;
    choice.receipt = Some(receipt);
    Ok(())
}

#[derive(serde::Deserialize)]
pub struct HideForm {
    #[serde(default)]
    return_to: String,
}

/// "Hide cookie message": the message was shown once and is already gone;
/// this just returns to the page, for browsers without JavaScript.
pub async fn hide_message(Form(form): Form<HideForm>) -> Redirect {
    Redirect::to(&local_path(&form.return_to))
}

/// Store the choice in the consent cookie, and remove any non-essential
/// cookie of ours the person has now said no to.
fn remember(
    app: &AppState,
    headers: &HeaderMap,
    choice: &ConsentChoice,
    mut response: Response,
) -> Response {
    let secure = is_https(app, headers);
    let max_age = time::Duration::days(i64::from(CONSENT_COOKIE_PERIOD.approx_days().min(365)));
    let cookie = cookie::Cookie::build((app.checked.cookie_names.consent.clone(), choice.encode()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure)
        .max_age(max_age)
        .build();
    append_cookie(&mut response, &cookie);
    for declared in &app.checked.config.policy.cookies {
        let refused = declared
            .consent_category
            .as_ref()
            .is_some_and(|c| !choice.allows(&app.checked, c.get_ref()));
        let ours = declared.set_by.is_none();
        let name = declared.name.get_ref();
        if refused && ours && read_cookie(headers, name).is_some() {
            append_cookie(&mut response, &crate::cookie_numbers::removal(name));
        }
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Only a path on this site: never another host, so the form cannot be used
/// to send people elsewhere. The query is dropped.
fn local_path(candidate: &str) -> String {
    let path = candidate.split(['?', '#']).next().unwrap_or("/");
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.bytes().all(|b| b.is_ascii_graphic());
    if safe {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(local_path("/privacy?x=1"), "/privacy");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
    }
}
