//! The record of processing activities (UK GDPR Article 30(1)), written from
//! the policy: one row per purpose, with the controller and data protection
//! officer, the people and data concerned, recipients, transfers, retention
//! and the security measures this server applies. `custodian policy render
//! --format ropa` writes it as CSV (for the register a DPO keeps) and HTML.

use serde::Serialize;

use crate::check::CheckedConfig;
use crate::model::RecipientKind;

/// What Custodian itself does to protect the data, whatever the site
/// (Article 30(1)(g)). Each is a behaviour of this server with a test.
pub const SECURITY_MEASURES: &[&str] = &[
    "Personal data is encrypted at rest under a key for each person (XChaCha20-Poly1305); erasing a person destroys their key, so copies and backups of their records cannot be read",
    "Every read of personal data by staff is recorded in an append-only, hash-chained audit log",
    "Staff sign in with a password and a one-time code, and see only what their role allows",
    "Retention periods in this record are enforced automatically: records are deleted when their period ends",
    "The application stores no IP addresses or browser details; its cookies hold random identifiers only",
    "Pages are sent with a strict Content-Security-Policy, no referrer and no third-party scripts",
];

/// One processing activity: a purpose and everything Article 30 asks of it.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub purpose_id: String,
    pub purpose: String,
    pub description: String,
    pub lawful_basis: String,
    pub special_condition: Option<String>,
    pub legitimate_interest: Option<String>,
    pub people: String,
    pub categories: Vec<String>,
    pub sources: Vec<String>,
    pub recipients: Vec<String>,
    pub transfers: String,
    pub retention: String,
    pub kept_on_erasure: Option<String>,
}

/// The whole record: who is responsible, and each activity.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub controller: String,
    pub controller_contact: String,
    pub data_protection_officer: String,
    pub activities: Vec<Activity>,
    pub security_measures: Vec<String>,
}

/// What the record says where the policy does not say whose data a purpose
/// concerns; `policy check` notes each such purpose.
pub const PEOPLE_NOT_STATED: &str = "Not stated in the policy (add `people` to this purpose)";

pub fn record(checked: &CheckedConfig) -> Record {
    let policy = &checked.config.policy;
    let controller = &policy.controller;
    let mut contact = vec![controller.email.clone()];
    contact.extend(controller.phone.iter().cloned());
    contact.extend(controller.address.iter().cloned());
    let dpo = controller.data_protection_officer.as_ref().map_or_else(
        || "None appointed".to_owned(),
        |d| {
            let mut parts: Vec<String> = d.name.iter().cloned().collect();
            parts.push(d.email.clone());
            parts.extend(d.address.iter().cloned());
            parts.join(", ")
        },
    );
    let activities = policy
        .purposes
        .iter()
        .map(|(id, p)| {
            let categories = p
                .categories
                .iter()
                .filter_map(|c| policy.categories.get(c.get_ref()))
                .map(|c| {
                    if c.special {
                        format!("{} (special category)", c.name)
                    } else {
                        c.name.clone()
                    }
                })
                .collect();
            let mut sources: Vec<String> = p
                .categories
                .iter()
                .filter_map(|c| policy.categories.get(c.get_ref()))
                .map(|c| {
                    c.source
                        .clone()
                        .unwrap_or_else(|| "The person themselves".to_owned())
                })
                .collect();
            sources.sort();
            sources.dedup();
            let recipients = p
                .recipients
                .iter()
                .filter_map(|r| {
                    let declared = policy.recipients.get(r.recipient.get_ref())?;
                    let kind = match declared.kind {
                        RecipientKind::Processor => "processor",
                        RecipientKind::Controller => "controller",
                        RecipientKind::PublicAuthority => "public authority",
                    };
                    let place = declared
                        .location
                        .as_ref()
                        .map(|l| format!(", in {l}"))
                        .unwrap_or_default();
                    Some(format!("{} ({kind}{place}): {}", declared.name, r.when))
                })
                .collect();
            Activity {
                purpose_id: id.clone(),
                purpose: p.name.clone(),
                description: p.description.clone(),
                lawful_basis: format!("{}: {}", p.lawful_basis.article(), p.lawful_basis.label()),
                special_condition: p.special_condition.as_ref().map(|c| {
                    let c = *c.get_ref();
                    format!("{}: {}", c.article(), c.explanation())
                }),
                legitimate_interest: p.legitimate_interest.clone(),
                people: p
                    .people
                    .clone()
                    .unwrap_or_else(|| PEOPLE_NOT_STATED.to_owned()),
                categories,
                sources,
                recipients,
                transfers: policy.international_transfers.clone(),
                retention: checked
                    .retention
                    .get(id)
                    .map_or_else(|| p.retention.get_ref().clone(), ToString::to_string),
                kept_on_erasure: p.keep_on_erasure.clone(),
            }
        })
        .collect();
    Record {
        controller: controller.name.clone(),
        controller_contact: contact.join(", "),
        data_protection_officer: dpo,
        activities,
        security_measures: SECURITY_MEASURES.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// The CSV columns, in the order of Article 30(1).
const COLUMNS: &[&str] = &[
    "Controller",
    "Controller contact",
    "Data protection officer",
    "Purpose id",
    "Purpose of processing",
    "Description",
    "Lawful basis (Article 6)",
    "Special category condition (Article 9)",
    "Legitimate interest",
    "Categories of people",
    "Categories of personal data",
    "Sources",
    "Recipients",
    "International transfers",
    "Retention",
    "Kept on erasure",
    "Security measures",
];

/// The record as CSV: one row per activity, every row self-contained (the
/// controller and measures repeat) so that a spreadsheet filter keeps sense.
pub fn to_csv(record: &Record) -> Result<String, csv::Error> {
    let measures = record.security_measures.join("; ");
    let header = COLUMNS.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let rows = record.activities.iter().map(|a| {
        vec![
            record.controller.clone(),
            record.controller_contact.clone(),
            record.data_protection_officer.clone(),
            a.purpose_id.clone(),
            a.purpose.clone(),
            a.description.clone(),
            a.lawful_basis.clone(),
            a.special_condition.clone().unwrap_or_default(),
            a.legitimate_interest.clone().unwrap_or_default(),
            a.people.clone(),
            a.categories.join("; "),
            a.sources.join("; "),
            a.recipients.join("; "),
            a.transfers.clone(),
            a.retention.clone(),
            a.kept_on_erasure.clone().unwrap_or_default(),
            measures.clone(),
        ]
    });
    let bytes = crate::spreadsheet::write_csv(std::iter::once(header).chain(rows))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
