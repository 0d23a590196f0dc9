//! Email updates by topic, where the site's config has `[updates]` and
//! `[topics.<id>]`: subscribe (with or without an account, unless the site
//! requires one), confirm by the emailed link (double opt-in), manage topics
//! and the postal address from a signed link in every message, and
//! unsubscribe in one click (RFC 8058). Editors' sending is in
//! `staff::updates`; queueing an update's recipients in [`queue`].

mod confirm;
pub mod digest;
pub mod guardian;
mod manage;
pub mod queue;
mod subscribe;

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
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

/// A link that manages one subscription without a password: its id and an
/// HMAC of it under a key every instance shares. It cannot be made for
/// another subscription, and it stops working when the subscription goes.
pub fn signed(app: &AppState, subscription: &str) -> String {
    format!(
        "{subscription}.{}",
        signature(&app.update_link_key, subscription)
    )
}

fn mac(key: &[u8], subscription: &str) -> Option<hmac::Hmac<sha2::Sha256>> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(b"custodian subscription|");
    mac.update(subscription.as_bytes());
    Some(mac)
}

fn signature(key: &[u8], subscription: &str) -> String {
    mac(key, subscription)
        .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// The subscription a signed link names, if the signature is right (the
/// comparison takes the same time however much of it matches).
pub fn verify(app: &AppState, link: &str) -> Option<String> {
    let (id, sig) = link.split_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    mac(&app.update_link_key, id)?.verify_slice(&sig).ok()?;
    Some(id.to_owned())
}

/// The absolute links a message about `subscription` carries.
pub fn links(app: &AppState, subscription: &str) -> (String, String) {
    let token = signed(app, subscription);
    (
        crate::accounts::link(app, &format!("/updates/manage/{token}")),
        crate::accounts::link(app, &format!("/updates/unsubscribe/{token}")),
    )
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
