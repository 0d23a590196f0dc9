//! `/updates/manage/{link}` and `/updates/unsubscribe/{link}`, reached from
//! every message by a signed link that needs no password. Unsubscribing
//! deletes the subscription at once; a mail program may do it with a bare
//! POST (RFC 8058), which the form-token check lets through for these
//! paths only.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::{chosen_topics, field, topic_options, verify};
use crate::error::AppResult;
use crate::fields::{FieldError, invalid};
use crate::page::Page;
use crate::state::AppState;

/// The calm answer for a link whose subscription no longer exists.
fn nothing_to_manage(page: &Page) -> AppResult<Response> {
    Ok(page
        .render(
            "updates/unsubscribed.html",
            "You are not subscribed",
            context! { already => true },
        )?
        .into_response())
}

/// What the manage page shows, as entered or as stored.
struct Shown<'a> {
    email: &'a str,
    topics: &'a [String],
    weekly: bool,
    postal_name: &'a str,
    postal_address: &'a str,
}

fn manage_page(
    app: &AppState,
    page: &Page,
    link: &str,
    shown: Shown<'_>,
    errors: Vec<FieldError>,
    saved: bool,
) -> AppResult<Response> {
    let failed = !errors.is_empty();
    let content = context! {
        errors,
        email => shown.email,
        topics => topic_options(app, shown.topics),
        postal => app.checked.config.updates.as_ref().is_some_and(|u| u.postal.is_some()),
        frequency => offers_frequency(app),
        weekly => shown.weekly,
        postal_name => shown.postal_name,
        postal_address => shown.postal_address,
        action => format!("/updates/manage/{link}"),
        unsubscribe => format!("/updates/unsubscribe/{link}"),
        saved,
    };
    if failed {
        return invalid(page, "updates/manage.html", "Your email updates", content);
    }
    Ok(page
        .render("updates/manage.html", "Your email updates", content)?
        .into_response())
}

/// How often is a choice only where the choices are stored at all.
fn offers_frequency(app: &AppState) -> bool {
    app.checked
        .config
        .updates
        .as_ref()
        .is_some_and(|u| u.choices_category.is_some())
}

fn stored<'a>(subscription: &'a custodian_vault::Subscription) -> Shown<'a> {
    let (name, address) = subscription
        .postal
        .as_ref()
        .map_or(("", ""), |(n, a)| (n.as_str(), a.as_str()));
    Shown {
        email: &subscription.email,
        topics: &subscription.topics,
        weekly: subscription.weekly,
        postal_name: name,
        postal_address: address,
    }
}

pub async fn show(
    State(app): State<AppState>,
    page: Page,
    Path(link): Path<String>,
) -> AppResult<Response> {
    let Some(id) = verify(&app, &link) else {
        return nothing_to_manage(&page);
    };
    let Some(subscription) = app.vault.subscription(&id).await? else {
        return nothing_to_manage(&page);
    };
    manage_page(&app, &page, &link, stored(&subscription), Vec::new(), false)
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    Path(link): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Some(id) = verify(&app, &link) else {
        return nothing_to_manage(&page);
    };
    let Some(subscription) = app.vault.subscription(&id).await? else {
        return nothing_to_manage(&page);
    };
    let topics = chosen_topics(&app, &fields);
    let weekly = offers_frequency(&app) && field(&fields, "frequency") == "weekly";
    let name = field(&fields, "postal_name").trim().to_owned();
    let address = field(&fields, "postal_address").trim().to_owned();
    let offers_post = app
        .checked
        .config
        .updates
        .as_ref()
        .is_some_and(|u| u.postal.is_some());
    let waiting = subscription.awaiting_guardian_until.is_some();
    let errors = change_errors(offers_post, &name, &address, waiting && !topics.is_empty());
    if !errors.is_empty() {
        let shown = Shown {
            email: &subscription.email,
            topics: &topics,
            weekly,
            postal_name: &name,
            postal_address: &address,
        };
        return manage_page(&app, &page, &link, shown, errors, false);
    }
    let now = app.clock.unix();
    let postal = (offers_post && !name.is_empty()).then_some((name.as_str(), address.as_str()));
    let chosen: Vec<&str> = topics.iter().map(String::as_str).collect();
    app.vault
        .change_subscription(&id, &chosen, postal, weekly, now)
        .await?;
    let changes = topic_changes(&subscription.topics, &chosen);
    super::record_topic_consents(&app, &subscription.subject, &changes, "manage page").await?;
    if topics.is_empty() {
        return Ok(page
            .render(
                "updates/unsubscribed.html",
                "You have unsubscribed",
                context! { already => false },
            )?
            .into_response());
    }
    let Some(updated) = app.vault.subscription(&id).await? else {
        return nothing_to_manage(&page);
    };
    manage_page(&app, &page, &link, stored(&updated), Vec::new(), true)
}

/// What is wrong with a change: a postal name without an address or the
/// other way round, either too long, or topics chosen while a parent's
/// permission is awaited.
fn change_errors(
    offers_post: bool,
    name: &str,
    address: &str,
    topics_while_waiting: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if offers_post && name.is_empty() != address.is_empty() {
        errors.push(if name.is_empty() {
            FieldError::new(
                "postal_name",
                "Enter your name, or clear the address, to stop information by post",
            )
        } else {
            FieldError::new(
                "postal_address",
                "Enter your postal address, or clear your name, to stop information by post",
            )
        });
    }
    if name.chars().count() > 200 || address.chars().count() > 500 {
        errors.push(FieldError::new(
            "postal_address",
            "Your name must be 200 characters or fewer, and your address 500 or fewer",
        ));
    }
    if errors.is_empty() && topics_while_waiting {
        // Waiting for a parent: nothing may change but unsubscribing, and
        // no topic is consented to until they agree.
        errors.push(FieldError::new(
            "topic",
            "We are waiting for your parent's or guardian's permission. Until they agree you can only unsubscribe",
        ));
    }
    errors
}

/// The topics newly chosen (true) and given up (false), for the ledger.
fn topic_changes<'a>(before: &'a [String], chosen: &[&'a str]) -> Vec<(&'a str, bool)> {
    let mut changes: Vec<(&str, bool)> = chosen
        .iter()
        .filter(|t| !before.iter().any(|old| old == *t))
        .map(|t| (*t, true))
        .collect();
    changes.extend(
        before
            .iter()
            .filter(|old| !chosen.contains(&old.as_str()))
            .map(|old| (old.as_str(), false)),
    );
    changes
}

pub async fn show_unsubscribe(
    State(app): State<AppState>,
    page: Page,
    Path(link): Path<String>,
) -> AppResult<Response> {
    let subscription = match verify(&app, &link) {
        Some(id) => app.vault.subscription(&id).await?,
        None => None,
    };
    let Some(subscription) = subscription else {
        return nothing_to_manage(&page);
    };
    Ok(page
        .render(
            "updates/unsubscribe.html",
            "Unsubscribe",
            context! { email => subscription.email, action => format!("/updates/unsubscribe/{link}") },
        )?
        .into_response())
}

/// The button on the page, or a mail program's one-click POST.
pub async fn unsubscribe(
    State(app): State<AppState>,
    page: Page,
    Path(link): Path<String>,
) -> AppResult<Response> {
    let Some(id) = verify(&app, &link) else {
        return nothing_to_manage(&page);
    };
    let Some(subscription) = app.vault.subscription(&id).await? else {
        return nothing_to_manage(&page);
    };
    if !app.vault.unsubscribe(&id, app.clock.unix()).await? {
        return nothing_to_manage(&page);
    }
    let withdrawn: Vec<(&str, bool)> = subscription
        .topics
        .iter()
        .map(|t| (t.as_str(), false))
        .collect();
    super::record_topic_consents(&app, &subscription.subject, &withdrawn, "unsubscribe link")
        .await?;
    Ok(page
        .render(
            "updates/unsubscribed.html",
            "You have unsubscribed",
            context! { already => false },
        )?
        .into_response())
}
