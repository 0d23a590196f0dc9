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

/// Queue `template` to `recipient`; `site_name` is added to the values.
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
    if let Some(map) = values.as_object_mut() {
        map.insert(
            "site_name".into(),
            app.checked.config.site.name.clone().into(),
        );
    }
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
