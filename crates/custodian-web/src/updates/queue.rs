//! Queueing an update's recipients: a page of confirmed subscribers at a
//! time, each page's messages written to the outbox in one transaction,
//! then the send's cursor moved past it. A server that stops part way carries on from the cursor
//! when it starts again; a recipient queued twice is refused by the
//! outbox's one-message-per-person rule, so nobody gets an update twice.

use serde_json::json;

use super::links;
use super::subscribe::recipient;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Subscribers looked at per page.
const PAGE: i64 = 500;

/// Queue what is left of a send. Returns how many messages were queued.
pub async fn carry_on(app: &AppState, send_id: &str) -> AppResult<i64> {
    let Some(mailer) = &app.mailer else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let Some(send) = app.store.send(send_id).await? else {
            return Ok(total);
        };
        if send.queued_all {
            return Ok(total);
        }
        let topics: Vec<String> = send.topics.split_whitespace().map(str::to_owned).collect();
        let weekly = send.audience == "weekly";
        let (page, next) = app
            .vault
            .recipients(&topics, weekly, &send.cursor, PAGE)
            .await?;
        let now = app.clock.unix();
        let prepared: Vec<(crate::mail::Recipient<'_>, serde_json::Value)> = page
            .iter()
            .map(|r| {
                let (manage, unsubscribe) = links(app, &r.subscription);
                let mut values = json!({ "manage_url": manage, "unsubscribe_url": unsubscribe });
                crate::mail::add_public_values(app, "update", &mut values);
                (recipient(app, &r.subject, &r.email, &topics), values)
            })
            .collect();
        let mails: Vec<custodian_mail::NewMail<'_>> = prepared
            .iter()
            .map(|(to, values)| custodian_mail::NewMail {
                subject: to.subject,
                to: to.to,
                purpose: to.purpose,
                category: to.category,
                template: "update",
                values: values.clone(),
            })
            .collect();
        // One transaction for the page; a message already queued for
        // someone (before a restart) is skipped, not sent twice.
        let added = mailer
            .enqueue_many(&mails, Some(send_id), now)
            .await
            .map_err(|e| AppError::Mail(e.to_string()))?;
        let added = i64::try_from(added).unwrap_or(i64::MAX);
        let cursor = next.clone().unwrap_or_else(|| send.cursor.clone());
        app.store
            .advance_send(send_id, &send.cursor, &cursor, added, next.is_none())
            .await?;
        total += added;
        if next.is_none() {
            return Ok(total);
        }
    }
}

/// Carry on every send a stopped server left part-queued.
pub async fn resume_all(app: &AppState) -> AppResult<()> {
    for send in app.store.unfinished_sends().await? {
        let queued = carry_on(app, &send.id).await?;
        tracing::info!(send = %send.id, queued, "carried on queueing an update");
    }
    Ok(())
}
