//! A subscription from someone under the policy's age, to topics whose
//! purpose rests on consent, waits for a parent or guardian once its owner
//! has confirmed their address. `/permission/updates/{token}` tells the
//! parent what they are asked to allow (what we keep, why, for how long,
//! who may receive it) and takes a yes or no. The email that brings them
//! there names only the organisation, the kind of service and the link.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use custodian_vault::{Subscription, SubscriptionDecision};
use minijinja::context;

use crate::accounts::link;
use crate::error::AppResult;
use crate::forms::guardian::{
    Asking, CHOOSE, Decision, Explanation, date_of, permission, render_question,
};
use crate::page::Page;
use crate::state::AppState;

/// What the parent or guardian reads before deciding, for these topics.
fn explain(app: &AppState, subscription: &Subscription) -> Explanation {
    let config = &app.checked.config;
    let policy = &config.policy;
    let age = app.checked.children.map_or(0, |c| c.age);
    let topics: Vec<&str> = subscription
        .topics
        .iter()
        .filter_map(|t| config.topics.get(t))
        .map(|t| t.name.as_str())
        .collect();
    let purpose = subscription
        .topics
        .first()
        .and_then(|t| config.topics.get(t))
        .map_or("", |t| t.purpose.get_ref().as_str());
    let collects = config
        .updates
        .as_ref()
        .and_then(|u| policy.categories.get(u.email_category.get_ref()))
        .map(|c| vec![(c.name.clone(), c.description.trim().to_owned())])
        .unwrap_or_default();
    Explanation::for_purpose(
        app,
        parent_purpose(app, subscription).unwrap_or(purpose),
        format!(
            "Someone who gave your email address as their parent's or guardian's asked for email updates from the {} website: {}. They told us they are under {age}, so we need the permission of a parent or guardian before we send them anything.",
            config.site.name,
            topics.join(", ")
        ),
        collects,
        "Do you give permission for us to send them these emails?",
    )
}

/// The purpose that asks a parent, of the topics a subscription covers.
fn parent_purpose<'a>(app: &'a AppState, subscription: &Subscription) -> Option<&'a str> {
    custodian_policy::updates::parent_purpose(
        &app.checked.config,
        subscription.topics.iter().map(String::as_str),
    )
}

/// Email the parent or guardian their link. The subscription is already
/// waiting, durably: a failure to queue is an error page, and the child
/// can ask again.
pub async fn ask(
    app: &AppState,
    subscription: &Subscription,
    token: &str,
    until: i64,
) -> AppResult<()> {
    let (Some(to), Some(children)) = (
        subscription.guardian_email.as_deref(),
        app.checked.config.policy.children.as_ref(),
    ) else {
        return Ok(());
    };
    let Some(category) = children.guardian_email_category.as_ref() else {
        return Ok(());
    };
    let config = &app.checked.config;
    let purpose = parent_purpose(app, subscription).unwrap_or_default();
    let service = config
        .policy
        .purposes
        .get(purpose)
        .map_or_else(|| "email updates".to_owned(), |p| p.name.clone());
    crate::mail::queue(
        app,
        crate::mail::Recipient {
            subject: &subscription.subject,
            to,
            purpose,
            category: category.get_ref(),
        },
        "guardian_request",
        serde_json::json!({
            "site_name": config.site.name,
            "service": service,
            "age": app.checked.children.map_or(0, |c| c.age),
            "until": date_of(until),
            "link": link(app, &format!("/permission/updates/{token}")),
        }),
    )
    .await?;
    Ok(())
}

fn expired(page: &Page, app: &AppState) -> AppResult<Response> {
    crate::forms::guardian::expired_link(
        page,
        app,
        "we deleted their request for email updates",
        "Requests from people under the age we need permission for wait {wait} for a parent or guardian. If they still want the updates, they can ask again and give your address.",
    )
}

fn asking(token: &str) -> Asking<'static> {
    Asking {
        name: "their email updates",
        action: format!("/permission/updates/{token}"),
        refuse_label: "No, delete their request",
        not_shown: false,
    }
}

/// `/permission/updates/{token}`: what the parent or guardian is asked.
pub async fn show(
    State(app): State<AppState>,
    Path(token): Path<String>,
    page: Page,
) -> AppResult<Response> {
    let Some(held) = app
        .vault
        .held_subscription(&token, app.clock.unix())
        .await?
    else {
        return expired(&page, &app);
    };
    let until = held.awaiting_guardian_until.unwrap_or_default();
    render_question(&page, &asking(&token), &explain(&app, &held), until, None)
}

/// Their answer: the updates start, or the request is deleted.
pub async fn decide(
    State(app): State<AppState>,
    Path(token): Path<String>,
    page: Page,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let Some(held) = app.vault.held_subscription(&token, now).await? else {
        return expired(&page, &app);
    };
    let explanation = explain(&app, &held);
    let Some(given) = permission(&decision) else {
        let until = held.awaiting_guardian_until.unwrap_or_default();
        return render_question(&page, &asking(&token), &explanation, until, Some(CHOOSE));
    };
    let decided = app
        .vault
        .decide_held_subscription(
            &token,
            given,
            &explanation.words(),
            app.published.sequence,
            now,
        )
        .await?;
    let (title, given) = match decided {
        SubscriptionDecision::NotValid => return expired(&page, &app),
        SubscriptionDecision::Refused => ("You did not give permission", false),
        SubscriptionDecision::Given(subscription) => {
            let topics: Vec<(&str, bool)> = subscription
                .topics
                .iter()
                .map(|t| (t.as_str(), true))
                .collect();
            let how = "subscription form, confirmed by the emailed link, with a parent's or guardian's permission";
            super::record_topic_consents(&app, &subscription.subject, &topics, how).await?;
            ("Thank you for giving permission", true)
        }
    };
    Ok(page
        .render(
            "forms/guardian_decided.html",
            title,
            context! {
                given,
                given_text => "We will now send them the email updates they asked for. Every email has a link to change their topics or unsubscribe. We have kept a record that you gave permission, and when.",
                refused_text => "We have deleted their request for email updates, with their email address and yours. We will not send them anything.",
            },
        )?
        .into_response())
}
