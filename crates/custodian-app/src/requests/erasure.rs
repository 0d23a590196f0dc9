//! Erasure at the person's own request (the portal's "delete my data"):
//! the request is opened first, so it is kept (the policy says why) and the
//! erasure has a record whatever happens next; then the person's key is
//! destroyed; then the request is closed with what was deleted and kept.

use custodian_vault::requests::{Channel, NewRequest, RequestChange, RequestKind};
use custodian_vault::{ErasureReport, SubjectRef, Vault};
use time::Date;

use crate::Result;

/// Who asked, and how.
pub struct ErasureAsked<'a> {
    pub subject: &'a SubjectRef,
    /// The address they proved, kept with the request; empty if none.
    pub address: &'a str,
    pub channel: Channel,
    pub received_on: Date,
    /// "portal", or the member of staff entering it.
    pub actor: &'a str,
}

/// Opens the request, erases, and closes the request. Returns its
/// reference and what the erasure did.
pub async fn erase_at_their_request(
    vault: &Vault,
    asked: &ErasureAsked<'_>,
    now: i64,
) -> Result<(String, ErasureReport)> {
    let request = vault
        .open_request(
            &NewRequest {
                subject: asked.subject,
                kind: RequestKind::Erasure,
                channel: asked.channel,
                received_on: asked.received_on,
                details: &[("email", asked.address)],
                entered_by: asked.actor,
            },
            now,
        )
        .await?;
    let report = vault.erase(asked.subject, asked.actor, now).await?;
    let outcome = format!(
        "Erased through the portal: {} items deleted, {} kept until their deadline.",
        report.deleted,
        report.kept.len()
    );
    let close = RequestChange::Close {
        refused: false,
        outcome: &outcome,
    };
    vault
        .change_request(&request, close, asked.actor, now)
        .await??;
    Ok((request.reference, report))
}
