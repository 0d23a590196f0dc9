//! `/updates`: choose topics and give an address (or, signed in, use the
//! account's). The reply is the same whether or not the address gets
//! updates already; its owner learns which by email.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use custodian_policy::children::{AGE_QUESTION, GUARDIAN_QUESTION, OVER, UNDER};
use custodian_vault::{NewSubscriber, Subscribed};
use minijinja::context;
use serde_json::json;

use super::{CONFIRM_SECONDS, chosen_topics, field, links, topic_options};
use crate::accounts::link;
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::fields::email_error;
use crate::fields::{FieldError, invalid};
use crate::page::Page;
use crate::state::AppState;

/// The age below which a subscriber needs a parent's or guardian's
/// permission, where a topic's purpose asks for it (consent, UK GDPR
/// Article 8) and the policy sets an age.
pub fn parental_age(app: &AppState) -> Option<u8> {
    let config = &app.checked.config;
    let asks =
        custodian_policy::updates::parent_purpose(config, config.topics.keys().map(String::as_str))
            .is_some();
    app.checked.children.filter(|_| asks).map(|c| c.age)
}

/// Whether any of `topics` needs a parent's permission for a child.
fn topics_ask_parent(app: &AppState, topics: &[String]) -> bool {
    custodian_policy::updates::parent_purpose(
        &app.checked.config,
        topics.iter().map(String::as_str),
    )
    .is_some()
}

pub async fn show(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let account_email = match page.account() {
        Some(account) => Some(app.vault.account_details(account).await?.email),
        None => None,
    };
    let requires_account = app
        .checked
        .config
        .updates
        .as_ref()
        .is_some_and(|u| u.requires_account);
    Ok(page
        .render(
            "updates/subscribe.html",
            "Get email updates",
            context! {
                topics => topic_options(&app, &[]),
                account_email,
                must_sign_in => requires_account && page.account().is_none(),
                email => "",
                age => parental_age(&app),
            },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    client: ClientAddress,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let updates = app.checked.config.updates.as_ref();
    if updates.is_some_and(|u| u.requires_account) && page.account().is_none() {
        return Ok(Redirect::to("/account/sign-in?return=/updates").into_response());
    }
    let email = address(&app, &page, &fields).await?;
    let topics = asked_topics(&app, &fields);
    let age = parental_age(&app);
    let band = field(&fields, AGE_QUESTION);
    let guardian = field(&fields, GUARDIAN_QUESTION).trim().to_owned();
    let mut errors = answer_errors(&app, &page, &topics, &email, band, &guardian);
    if errors.is_empty() {
        errors.extend(crate::accounts::over_limit(&app, &client, "topic").await);
    }
    let asks_parent = age.is_some() && band == UNDER && topics_ask_parent(&app, &topics);
    if !errors.is_empty() {
        let account_email = page.account().map(|_| email.clone());
        let typed = if page.account().is_some() { "" } else { &email };
        let context = context! {
            errors, account_email, email => typed, age, band, guardian_email => guardian,
            topics => topic_options(&app, &topics),
        };
        let title = "Get email updates";
        return invalid(&page, "updates/subscribe.html", title, context);
    }
    let chosen: Vec<&str> = topics.iter().map(String::as_str).collect();
    let new = NewSubscriber {
        email: &email,
        guardian_email: asks_parent.then_some(guardian.as_str()),
    };
    let (account, now) = (page.account(), app.clock.unix());
    let subscribed = app
        .vault
        .subscribe(new, &chosen, account, CONFIRM_SECONDS, now)
        .await?;
    if let Some(answered) = answer(&app, &page, subscribed, &email, &topics).await? {
        return Ok(answered);
    }
    // The page names the address and can send the email again: it is
    // rendered here, not after a redirect, so the address is in this
    // response alone and never in a URL or the session.
    let context = context! {
        days => CONFIRM_SECONDS / 86_400,
        email,
        signed_in => page.account().is_some(),
        topics,
        band => if age.is_some() { band } else { "" },
        guardian_email => if asks_parent { guardian } else { String::new() },
    };
    Ok(page
        .render("updates/check_email.html", "Check your email", context)?
        .into_response())
}

/// The address updates go to: the account's when signed in, or as typed.
async fn address(app: &AppState, page: &Page, fields: &[(String, String)]) -> AppResult<String> {
    Ok(match page.account() {
        Some(account) => app.vault.account_details(account).await?.email,
        None => field(fields, "email").trim().to_owned(),
    })
}

/// The topics ticked; with one topic there is nothing to choose, so it is
/// what they asked for.
fn asked_topics(app: &AppState, fields: &[(String, String)]) -> Vec<String> {
    let topics = chosen_topics(app, fields);
    if topics.is_empty() && app.checked.config.topics.len() == 1 {
        return app.checked.config.topics.keys().cloned().collect();
    }
    topics
}

/// What the person is told about their subscription: a page at once when
/// signed in (there is nothing to hide from them); otherwise an email to
/// the address, whichever way it went, and `None` for the page that says
/// to check it.
async fn answer(
    app: &AppState,
    page: &Page,
    subscribed: Subscribed,
    email: &str,
    topics: &[String],
) -> AppResult<Option<Response>> {
    if page.account().is_some() {
        return answer_signed_in(app, page, subscribed).await.map(Some);
    }
    let (subject, template, values) = match subscribed {
        Subscribed::Pending { subject, token, .. } => {
            let names: Vec<&str> = topics
                .iter()
                .filter_map(|t| app.checked.config.topics.get(t))
                .map(|t| t.name.as_str())
                .collect();
            let values = json!({
                "topics": names,
                "link": link(app, &format!("/updates/confirm/{token}")),
                "days": CONFIRM_SECONDS / 86_400,
            });
            (subject, "subscription_confirm", values)
        }
        Subscribed::AlreadySubscribed {
            subscription,
            subject,
        } => {
            let (manage, _) = links(app, &subscription);
            (subject, "subscription_exists", json!({ "manage": manage }))
        }
    };
    let to = recipient(app, &subject, email, topics);
    crate::mail::queue(app, to, template, values).await?;
    Ok(None)
}

/// Signed in, the address is the account's, which the person has already
/// confirmed: asking again would prove nothing, and there is nothing to
/// hide from them.
async fn answer_signed_in(
    app: &AppState,
    page: &Page,
    subscribed: Subscribed,
) -> AppResult<Response> {
    match subscribed {
        Subscribed::Pending { token, .. } => {
            let how = "subscription form, signed in with the account's confirmed address";
            super::confirm::confirm(app, page, &token, how).await
        }
        Subscribed::AlreadySubscribed { subscription, .. } => {
            // Say so, and offer to change what they get.
            let manage = format!("/updates/manage/{}", super::signed(app, &subscription));
            let said =
                "Your account's address already gets email updates from us. Nothing has changed.";
            let next = (manage.as_str(), "Change your topics or unsubscribe");
            let title = "You already get email updates";
            crate::accounts::link_problem(page, title, vec![said.into()], next)
        }
    }
}

/// What is wrong with the answers, each against its field.
fn answer_errors(
    app: &AppState,
    page: &Page,
    topics: &[String],
    email: &str,
    band: &str,
    guardian: &str,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if topics.is_empty() {
        errors.push(FieldError::new("topic", "Select at least one topic"));
    }
    if page.account().is_none() {
        errors.extend(email_error(email));
    }
    // A parent's address is asked only for topics that need their
    // permission: none is needed, none is taken.
    let for_parent = topics.is_empty() || topics_ask_parent(app, topics);
    if let Some(age) = parental_age(app) {
        errors.extend(age_error(age, band, guardian, email, for_parent));
    }
    errors
}

/// What is wrong with the age question and the parent's address, when the
/// policy sets an age: a parent's address is asked only for topics that
/// need their permission (`for_parent`), and must be theirs.
fn age_error(
    age: u8,
    band: &str,
    guardian: &str,
    email: &str,
    for_parent: bool,
) -> Option<FieldError> {
    let guardian_error = |text: &str| Some(FieldError::new(GUARDIAN_QUESTION, text));
    match band {
        UNDER if !for_parent => None,
        UNDER => match email_error(guardian) {
            Some(_) if guardian.is_empty() => {
                guardian_error("Enter your parent's or guardian's email address")
            }
            Some(_) => guardian_error(
                "Enter your parent's or guardian's email address in the correct format, like name@example.com",
            ),
            None if guardian.eq_ignore_ascii_case(email) => {
                guardian_error("Enter your parent's or guardian's own email address, not yours")
            }
            None => None,
        },
        OVER => None,
        _ => Some(FieldError::new(
            AGE_QUESTION,
            format!("Select whether you are under {age} or {age} or over"),
        )),
    }
}

pub async fn check_email(page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            "updates/check_email.html",
            "Check your email",
            context! { days => CONFIRM_SECONDS / 86_400 },
        )?
        .into_response())
}

/// A message about a subscription serves the purpose of the first topic
/// it covers, and the address is of the updates' address category.
pub fn recipient<'a>(
    app: &'a AppState,
    subject: &'a custodian_vault::SubjectRef,
    to: &'a str,
    topics: &[String],
) -> crate::mail::Recipient<'a> {
    let (purpose, category) = custodian_app::updates::stamp(&app.checked, topics);
    crate::mail::Recipient {
        subject,
        to,
        purpose,
        category,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(error: Option<FieldError>) -> Option<(String, String)> {
        error.map(|e| (e.field, e.text))
    }

    #[test]
    fn a_parents_address_is_asked_only_where_their_permission_is() {
        let me = "kid@example.com";
        // Over the age, or under it for topics that need no permission:
        // nothing is asked, so nothing is wrong.
        assert_eq!(said(age_error(13, OVER, "", me, true)), None);
        assert_eq!(said(age_error(13, UNDER, "", me, false)), None);
        // Under it, for a topic that needs permission: their own address.
        for (guardian, expected) in [
            ("", "Enter your parent's or guardian's email address"),
            ("not an address", "in the correct format"),
            ("KID@example.com", "own email address, not yours"),
        ] {
            let Some((field, text)) = said(age_error(13, UNDER, guardian, me, true)) else {
                panic!("{guardian:?} was accepted");
            };
            assert_eq!(field, GUARDIAN_QUESTION);
            assert!(text.contains(expected), "{guardian:?}: {text}");
        }
        assert_eq!(
            said(age_error(13, UNDER, "parent@example.com", me, true)),
            None
        );
        // No answer to the age question names the age.
        let Some((field, text)) = said(age_error(13, "", "", me, true)) else {
            panic!("no age was accepted");
        };
        assert_eq!(field, AGE_QUESTION);
        assert_eq!(text, "Select whether you are under 13 or 13 or over");
    }
}
