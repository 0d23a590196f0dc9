//! Queueing a message from a page: the address and the values are held in
//! the vault, stamped with the purpose the message serves and the category
//! of the address, until the message has gone.

use custodian_vault::SubjectRef;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Who a message is about and to, and what the policy says the address is.
pub struct Recipient<'a> {
    pub subject: &'a SubjectRef,
    pub to: &'a str,
    pub purpose: &'a str,
    pub category: &'a str,
}

/// Templates for staff or other organisations, not the public: they end
/// without the your-data link or the help inset.
const NOT_TO_THE_PUBLIC: &[&str] = &["staff_enrol", "case_forward", "test"];

/// What every message to the public ends with: the site's name, the link
/// to see, correct or delete what we hold, and where to get help now (not
/// in the message to a parent, which is not the child's).
pub fn add_public_values(app: &AppState, template: &str, values: &mut serde_json::Value) {
    let Some(map) = values.as_object_mut() else {
        return;
    };
    let config = &app.checked.config;
    map.insert("site_name".into(), config.site.name.clone().into());
    if NOT_TO_THE_PUBLIC.contains(&template) {
        return;
    }
    // A parent's email is not about them: the portal would find nothing.
    if config.rights.is_some() && template != "guardian_request" {
        map.insert(
            "your_data".into(),
            crate::accounts::link(app, "/your-data").into(),
        );
    }
    if template != "guardian_request"
        && let Some(help) = config.site.help_now.as_deref()
    {
        map.insert(
            "help_now".into(),
            crate::render::markdown_to_plain_text(help).into(),
        );
    }
}

/// [`add_public_values`] on their own, for a use case that builds the rest.
pub fn public_values(app: &AppState, template: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut values = serde_json::Value::Object(serde_json::Map::new());
    add_public_values(app, template, &mut values);
    match values {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// Queue `template` to `recipient`, with [`add_public_values`].
pub async fn queue(
    app: &AppState,
    recipient: Recipient<'_>,
    template: &str,
    mut values: serde_json::Value,
) -> AppResult<()> {
    let Some(mailer) = &app.mailer else {
        tracing::warn!(template, "no mailer: a message was not queued");
        return Ok(());
    };
    add_public_values(app, template, &mut values);
    mailer
        .enqueue(
            custodian_mail::NewMail {
                subject: recipient.subject,
                to: recipient.to,
                purpose: recipient.purpose,
                category: recipient.category,
                template,
                values,
            },
            app.clock.unix(),
        )
        .await
        .map(|_| ())
        .map_err(|e| AppError::Mail(e.to_string()))
}
