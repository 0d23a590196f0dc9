//! Email updates by topic, where the site's config has `[updates]` and
//! `[topics.<id>]`: subscribe (with or without an account, unless the site
//! requires one), confirm by the emailed link (double opt-in), manage topics
//! and the postal address from a signed link in every message, and
//! unsubscribe in one click (RFC 8058). Editors' sending is in
//! `staff::updates`; queueing an update's recipients in `custodian_app::updates`.

mod confirm;
pub mod guardian;
mod manage;
mod subscribe;

use axum::Router;
use axum::routing::get;
use serde::Serialize;

use crate::state::AppState;

/// Unconfirmed subscriptions are deleted after this long.
pub const CONFIRM_SECONDS: i64 = 3 * 24 * 60 * 60;

pub fn router(state: &AppState) -> Router<AppState> {
    if state.checked.config.updates.is_none() {
        return Router::new();
    }
    Router::new()
        .route("/updates", get(subscribe::show).post(subscribe::submit))
        .route("/updates/check-your-email", get(subscribe::check_email))
        .route(
            "/updates/confirm/{token}",
            get(confirm::show).post(confirm::submit),
        )
        .route(
            "/updates/manage/{link}",
            get(manage::show).post(manage::submit),
        )
        .route(
            "/permission/updates/{token}",
            get(guardian::show).post(guardian::decide),
        )
}

/// The routes a mail program may POST to without a form token: the signed
/// link in the path is the authority (RFC 8058 one-click). The route table
/// merges them outside the token check.
pub fn without_form_token(state: &AppState) -> Router<AppState> {
    if state.checked.config.updates.is_none() {
        return Router::new();
    }
    Router::new().route(
        "/updates/unsubscribe/{link}",
        get(manage::show_unsubscribe).post(manage::unsubscribe),
    )
}

/// `<subscription>.<signature>`: a link that manages one subscription
/// without a password (`custodian_app::updates::SubscriptionLinks`).
pub fn signed(app: &AppState, subscription: &str) -> String {
    app.update_links.signed(subscription)
}

/// The subscription a signed link names, if the signature is right.
pub fn verify(app: &AppState, link: &str) -> Option<String> {
    app.update_links.verify(link)
}

/// The absolute links a message about `subscription` carries.
pub fn links(app: &AppState, subscription: &str) -> (String, String) {
    app.update_links.manage_and_unsubscribe(subscription)
}

#[derive(Serialize)]
pub struct TopicOption {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub checked: bool,
}

pub fn topic_options(app: &AppState, chosen: &[String]) -> Vec<TopicOption> {
    app.checked
        .config
        .topics
        .iter()
        .map(|(id, t)| TopicOption {
            id: id.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            checked: chosen.contains(id),
        })
        .collect()
}

/// Topic ids from a form's repeated `topic` fields, keeping declared ones.
pub fn chosen_topics(app: &AppState, fields: &[(String, String)]) -> Vec<String> {
    let mut topics: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "topic")
        .map(|(_, v)| v.clone())
        .filter(|t| app.checked.config.topics.contains_key(t))
        .collect();
    topics.sort();
    topics.dedup();
    topics
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Receipts in the consent ledger for topics given (`true`) or withdrawn,
/// with the words the subscription form shows for each.
pub async fn record_topic_consents(
    app: &AppState,
    subject: &custodian_vault::SubjectRef,
    changes: &[(&str, bool)],
    method: &str,
) -> crate::error::AppResult<()> {
    let consents: Vec<custodian_vault::consents::Consent<'_>> = changes
        .iter()
        .filter_map(|(id, given)| {
            let topic = app.checked.config.topics.get(*id)?;
            Some(custodian_vault::consents::Consent {
                scope: format!("topic:{id}"),
                purpose: topic.purpose.get_ref(),
                given: *given,
                words: match &topic.description {
                    Some(d) => format!("{}: {}", topic.name, d.trim()),
                    None => topic.name.clone(),
                },
                method,
            })
        })
        .collect();
    app.vault
        .record_consents(
            custodian_vault::consents::Principal::Subject(subject),
            &consents,
            app.published.sequence,
            app.clock.unix(),
        )
        .await?;
    Ok(())
}
