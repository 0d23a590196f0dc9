//! Queueing an update's recipients: a page of confirmed subscribers at a
//! time, each page's messages through the outbox, then the send's cursor
//! moved past it. A server that stops part way carries on from the cursor
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
        let mut added = 0;
        for r in &page {
            let (manage, unsubscribe) = links(app, &r.subscription);
            let to = recipient(app, &r.subject, &r.email, &topics);
            let queued = mailer
                .enqueue_in_send(
                    custodian_mail::NewMail {
                        subject: to.subject,
                        to: to.to,
                        purpose: to.purpose,
                        category: to.category,
                        template: "update",
                        values: json!({ "manage_url": manage, "unsubscribe_url": unsubscribe }),
                    },
                    Some(send_id),
                    now,
                )
                .await;
            match queued {
                Ok(_) => added += 1,
                Err(custodian_mail::MailError::Store(e)) if e.is_unique_violation() => {}
                Err(e) => return Err(AppError::Mail(e.to_string())),
            }
        }
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
