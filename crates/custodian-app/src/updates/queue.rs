//! Queueing an update's recipients: a page of confirmed subscribers at a
//! time, each page's messages written to the outbox in one transaction,
//! then the send's cursor moved past it. A server that stops part way
//! carries on from the cursor when it starts again; a recipient queued
//! twice is refused by the outbox's one-message-per-person rule, so nobody
//! gets an update twice.

use custodian_mail::NewMail;

use super::{Updates, stamp};
use crate::Result;

/// Subscribers looked at per page.
const PAGE: i64 = 500;

/// Queue what is left of a send. Returns how many messages were queued.
pub async fn carry_on(updates: &Updates<'_>, send_id: &str) -> Result<i64> {
    let Some(mailer) = updates.mailer else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let Some(send) = updates.store.send(send_id).await? else {
            return Ok(total);
        };
        if send.queued_all {
            return Ok(total);
        }
        let topics: Vec<String> = send.topics.split_whitespace().map(str::to_owned).collect();
        let weekly = send.audience == "weekly";
        let (page, next) = updates
            .vault
            .recipients(&topics, weekly, &send.cursor, PAGE)
            .await?;
        let (purpose, category) = stamp(updates.checked, &topics);
        let mails: Vec<NewMail<'_>> = page
            .iter()
            .map(|r| {
                let (manage, unsubscribe) = updates.links.manage_and_unsubscribe(&r.subscription);
                let mut values = updates.public_values.clone();
                values.insert("manage_url".into(), manage.into());
                values.insert("unsubscribe_url".into(), unsubscribe.into());
                NewMail {
                    subject: &r.subject,
                    to: &r.email,
                    purpose,
                    category,
                    template: "update",
                    values: serde_json::Value::Object(values),
                }
            })
            .collect();
        // One transaction for the page; a message already queued for
        // someone (before a restart) is skipped, not sent twice.
        let added = mailer
            .enqueue_many(&mails, Some(send_id), updates.clock.unix())
            .await?;
        let added = i64::try_from(added).unwrap_or(i64::MAX);
        let cursor = next.clone().unwrap_or_else(|| send.cursor.clone());
        updates
            .store
            .advance_send(send_id, &send.cursor, &cursor, added, next.is_none())
            .await?;
        total += added;
        if next.is_none() {
            return Ok(total);
        }
    }
}

/// Carry on every send a stopped server left part-queued.
pub async fn resume_all(updates: &Updates<'_>) -> Result<()> {
    for send in updates.store.unfinished_sends().await? {
        let queued = carry_on(updates, &send.id).await?;
        tracing::info!(send = %send.id, queued, "carried on queueing an update");
    }
    Ok(())
}
