//! Everything held about a person, decrypted, in one document: what
//! `custodian subject export --including-untold` prints for the operator,
//! and, leaving out what the person may not be told, what the "your data"
//! portal, an access request and a plain `custodian subject export` give.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::Result;
use crate::vault::{SubjectRef, Vault};

#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub subject: String,
    pub verified: bool,
    pub known_since: String,
    pub items: Vec<ExportItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportItem {
    /// The record's opaque id: what a correction request names.
    pub id: String,
    pub field: String,
    pub value: String,
    pub category: Named,
    pub purpose: Named,
    pub source: String,
    pub collected_at: String,
    pub deletion: Deletion,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deletion {
    /// The rule, in the notice's words.
    pub rule: String,
    /// When it will be deleted, or null while it waits for an event.
    pub date: Option<String>,
}

pub(crate) fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl Vault {
    /// Everything held about `subject`, decrypted. Recorded in the audit log
    /// under `actor`.
    pub async fn export(&self, subject: &SubjectRef, actor: &str, now: i64) -> Result<Export> {
        self.export_as(subject, actor, now, "export", &[]).await
    }

    /// What the person is given of what is held about them: the portal's
    /// view and the answer to an access request. Everything, except a
    /// disclosure they have not been told about and what was recorded about
    /// it (a safeguarding referral, where telling them could put someone at
    /// risk: the law allows it, and the DPO has recorded why). Recorded in
    /// the audit log under `actor`.
    pub async fn copy_for_the_person(
        &self,
        subject: &SubjectRef,
        actor: &str,
        now: i64,
    ) -> Result<Export> {
        let untold: Vec<String> = self
            .disclosures(subject)
            .await?
            .iter()
            .filter(|d| crate::disclosures::hidden_from_the_person(d))
            .map(|d| crate::disclosures::disclosure_source(&d.id))
            .collect();
        self.export_as(subject, actor, now, "export", &untold).await
    }

    /// The same, for a member of staff reading it on screen: every staff
    /// read of personal data is in the audit log.
    pub async fn read_for_staff(
        &self,
        subject: &SubjectRef,
        actor: &str,
        now: i64,
    ) -> Result<Export> {
        self.export_as(subject, actor, now, "read", &[]).await
    }

    async fn export_as(
        &self,
        subject: &SubjectRef,
        actor: &str,
        now: i64,
        action: &str,
        leave_out: &[String],
    ) -> Result<Export> {
        let (row, mut items) = self.decrypt_all(subject).await?;
        let held = items.len();
        items.retain(|(record, _)| !leave_out.contains(&record.source));
        // The audit log says when a copy left something out, and how much.
        let detail = match held - items.len() {
            0 => format!("{} items", items.len()),
            withheld => format!("{} items, {withheld} withheld", items.len()),
        };
        self.store
            .audit(now, actor, action, Some(&row.id), &detail)
            .await?;
        let policy = &self.policy.config.policy;
        let items = items
            .into_iter()
            .map(|(record, value)| ExportItem {
                id: record.id.clone(),
                category: Named {
                    name: policy
                        .categories
                        .get(&record.category)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    id: record.category,
                },
                purpose: Named {
                    name: policy
                        .purposes
                        .get(&record.purpose)
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    id: record.purpose.clone(),
                },
                deletion: Deletion {
                    rule: self
                        .policy
                        .retention
                        .get(&record.purpose)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    date: record.delete_after.map(rfc3339),
                },
                field: record.field,
                value,
                source: record.source,
                collected_at: rfc3339(record.collected_at),
            })
            .collect();
        Ok(Export {
            subject: row.id,
            verified: row.verified,
            known_since: rfc3339(row.created_at),
            items,
        })
    }
}
