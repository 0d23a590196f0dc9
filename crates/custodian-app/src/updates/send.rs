//! An editor's update to topics: recorded with its audit entry in one
//! transaction; its recipients are queued afterwards by [`super::carry_on`],
//! which a restarted server resumes.

use custodian_store::Store;
use custodian_store::audit::{Audit, staff_actor};
use custodian_store::sends::SendRow;

use crate::Result;

/// What an editor wrote, checked.
pub struct Update<'a> {
    pub subject: &'a str,
    /// The Markdown as written; also the plain-text part.
    pub body: &'a str,
    /// The body rendered for the HTML part.
    pub html: &'a str,
    pub topics: &'a [String],
    pub username: &'a str,
}

/// Records the update for every subscriber of its topics who wants each
/// one. Returns the send, to be queued.
pub async fn record_update(store: &Store, update: &Update<'_>, now: i64) -> Result<SendRow> {
    let send = SendRow {
        id: format!("d_{:032x}", rand::random::<u128>()),
        subject: update.subject.to_owned(),
        markdown: update.body.to_owned(),
        html: update.html.to_owned(),
        text: update.body.to_owned(),
        topics: update.topics.join(" "),
        created_by: update.username.to_owned(),
        created_at: now,
        cursor: String::new(),
        queued: 0,
        queued_all: false,
        audience: "each".to_owned(),
    };
    let actor = staff_actor(update.username);
    let audit = Audit {
        at: now,
        actor: &actor,
        action: "send update",
        subject: None,
    };
    store.insert_send_audited(&send, &audit).await?;
    Ok(send)
}
