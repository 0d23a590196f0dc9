//! Weekly summaries, for subscribers who chose "a summary once a week":
//! for each topic that had updates in the week, one send holding all of
//! them, queued to that topic's weekly subscribers. The week is fixed by
//! the clock (the job's slot), and the summary's id names it, so however
//! often the job runs for a week, each summary is made and queued once.

use custodian_store::sends::SendRow;

use super::{Updates, carry_on};
use crate::Result;

pub const WEEK_SECONDS: i64 = 7 * 24 * 60 * 60;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The summary of `these` for one topic and week, not yet stored.
fn summary(id: String, topic_id: &str, topic_name: &str, these: &[&SendRow], now: i64) -> SendRow {
    let html = these
        .iter()
        .map(|s| format!("<h2>{}</h2>\n{}", escape(&s.subject), s.html))
        .collect::<Vec<_>>()
        .join("\n");
    let text = these
        .iter()
        .map(|s| format!("{}\n\n{}", s.subject, s.text))
        .collect::<Vec<_>>()
        .join("\n\n---\n\n");
    SendRow {
        id,
        subject: format!("{topic_name}: this week's updates"),
        markdown: String::new(),
        html,
        text,
        topics: topic_id.to_owned(),
        created_by: "weekly summary".to_owned(),
        created_at: now,
        cursor: String::new(),
        queued: 0,
        queued_all: false,
        audience: "weekly".to_owned(),
    }
}

/// Compose and queue the summaries of the last whole week before `now`.
/// Returns how many summaries were made.
pub async fn weekly(updates: &Updates<'_>, now: i64) -> Result<usize> {
    let week = now / WEEK_SECONDS;
    let (from, to) = ((week - 1) * WEEK_SECONDS, week * WEEK_SECONDS);
    let sends = updates.store.sends_between(from, to).await?;
    let mut made = 0;
    for (topic_id, topic) in &updates.checked.config.topics {
        let these: Vec<&SendRow> = sends
            .iter()
            .filter(|s| s.topics.split_whitespace().any(|t| t == topic_id))
            .collect();
        if these.is_empty() {
            continue;
        }
        let id = format!("w_{topic_id}_{}", week - 1);
        if updates.store.send(&id).await?.is_none() {
            let summary = summary(id.clone(), topic_id, &topic.name, &these, now);
            match updates.store.insert_send(&summary).await {
                Ok(()) => made += 1,
                // Another instance made it a moment ago: it queues it.
                Err(e) if e.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        carry_on(updates, &id).await?;
    }
    Ok(made)
}
