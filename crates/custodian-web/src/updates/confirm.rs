//! `/updates/confirm/{token}`: the link in the confirmation email. Opening
//! it shows a button; pressing it confirms, so a mail scanner fetching the
//! link cannot subscribe anyone.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use custodian_vault::Confirmation;
use minijinja::context;

use super::signed;
use crate::accounts::link_problem;
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

pub async fn show(page: Page, Path(token): Path<String>) -> AppResult<Response> {
    Ok(page
        .render(
            "updates/confirm.html",
            "Confirm your email updates",
            context! { action => format!("/updates/confirm/{token}") },
        )?
        .into_response())
}

pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    confirm(
        &app,
        &page,
        &token,
        "subscription form, confirmed by the emailed link",
    )
    .await
}

/// Confirm a subscription by its link's token and show what that did:
/// subscribed, or waiting for a parent. `how` is what the consent ledger
/// records of how it was confirmed.
pub(super) async fn confirm(
    app: &AppState,
    page: &Page,
    token: &str,
    how: &str,
) -> AppResult<Response> {
    let now = app.clock.unix();
    let wait = app.checked.children.map_or(0, |c| c.wait_seconds);
    match app.vault.confirm_subscription(token, wait, now).await? {
        Confirmation::AwaitingGuardian {
            subscription,
            token,
        } => {
            let until = subscription.awaiting_guardian_until.unwrap_or(now);
            super::guardian::ask(app, &subscription, &token, until).await?;
            Ok(page
                .render(
                    "updates/held.html",
                    "Waiting for your parent's or guardian's permission",
                    context! {
                        age => app.checked.children.map(|c| c.age),
                        until => crate::forms::guardian::date_of(until),
                    },
                )?
                .into_response())
        }
        Confirmation::Done(subscription) => {
            let given: Vec<(&str, bool)> =
                subscription.topics.iter().map(|t| (t.as_str(), true)).collect();
            super::record_topic_consents(app, &subscription.subject, &given, how).await?;
            let names: Vec<String> = subscription
                .topics
                .iter()
                .filter_map(|t| app.checked.config.topics.get(t))
                .map(|t| t.name.clone())
                .collect();
            Ok(page
                .render(
                    "updates/confirmed.html",
                    "You are subscribed",
                    context! {
                        topics => names,
                        manage => format!("/updates/manage/{}", signed(app, &subscription.id)),
                    },
                )?
                .into_response())
        }
        Confirmation::NotValid => link_problem(
            page,
            "This link has expired",
            vec![
                "Links to confirm email updates work once, for 3 days. If you did not confirm in time, we have deleted your address and will send you nothing.".into(),
                "You can ask for updates again.".into(),
            ],
            ("/updates", "Get email updates"),
        ),
    }
}
