//! The consent ledger: every consent given, refused or withdrawn, as a
//! receipt (who, the scope and purpose, the policy version, the exact words
//! shown, when and how), and the receipts as the Kantara Initiative Consent
//! Receipt Specification v1.1 describes them.
//!
//! Scopes: `cookies:<category>` (the banner and the cookies page),
//! `topic:<id>` (email updates), `case:<case id>:<question>` (a form's
//! consent question, such as permission to publish what someone said).
//! Withdrawing is done where consent was given: the cookies page, the
//! updates' manage page and unsubscribe links, and for a form's question the
//! "your data" pages, which withdraw it from the case itself.

use custodian_store::personal::consents::ConsentReceiptRow;
use serde_json::{Value, json};

use crate::error::{Result, VaultError};
use crate::vault::{SubjectRef, Vault, new_id};

/// A consent to record.
#[derive(Debug, Clone)]
pub struct Consent<'a> {
    pub scope: String,
    pub purpose: &'a str,
    pub given: bool,
    /// The words the person was shown.
    pub words: String,
    /// Where: "cookie banner", "cookies page", "subscription", ...
    pub method: &'a str,
}

/// Who a receipt is about: a person the vault knows, or a visitor known
/// only by the random id in their consent cookie.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    Subject(&'a SubjectRef),
    Visitor(&'a str),
}

/// The latest receipt for each scope: what the person's answer is now.
pub fn current(receipts: &[ConsentReceiptRow]) -> Vec<&ConsentReceiptRow> {
    let mut latest: Vec<&ConsentReceiptRow> = Vec::new();
    for r in receipts {
        match latest.iter_mut().find(|l| l.scope == r.scope) {
            Some(slot) => *slot = r,
            None => latest.push(r),
        }
    }
    latest
}

impl Vault {
    /// Add receipts for `principal`, all or none.
    pub async fn record_consents(
        &self,
        principal: Principal<'_>,
        consents: &[Consent<'_>],
        policy_version: i64,
        now: i64,
    ) -> Result<()> {
        let (subject_id, visitor) = match principal {
            Principal::Subject(s) => (Some(s.id.clone()), None),
            Principal::Visitor(v) => (None, Some(v.to_owned())),
        };
        let rows: Vec<ConsentReceiptRow> = consents
            .iter()
            .map(|c| ConsentReceiptRow {
                id: new_id("k"),
                subject_id: subject_id.clone(),
                visitor: visitor.clone(),
                scope: c.scope.clone(),
                purpose: c.purpose.to_owned(),
                given: c.given,
                policy_version,
                words: c.words.clone(),
                method: c.method.to_owned(),
                at: now,
            })
            .collect();
        Ok(self.store.personal_data().insert_receipts(&rows).await?)
    }

    /// Every receipt of a principal, oldest first.
    pub async fn consents_of(&self, principal: Principal<'_>) -> Result<Vec<ConsentReceiptRow>> {
        let rows = self.store.personal_data();
        Ok(match principal {
            Principal::Subject(s) => rows.receipts_of(&s.id).await?,
            Principal::Visitor(v) => rows.receipts_of_visitor(v).await?,
        })
    }

    /// Withdraw a form's consent question from a person's case: the case no
    /// longer carries the permission (so nothing more is published or
    /// passed on under it), and the ledger has the withdrawal.
    pub async fn withdraw_case_consent(
        &self,
        subject: &SubjectRef,
        scope: &str,
        method: &str,
        policy_version: i64,
        now: i64,
    ) -> Result<bool> {
        let Some((case_id, question)) = scope
            .strip_prefix("case:")
            .and_then(|rest| rest.split_once(':'))
        else {
            return Ok(false);
        };
        let receipts = self.consents_of(Principal::Subject(subject)).await?;
        let Some(given) = current(&receipts)
            .into_iter()
            .find(|r| r.scope == scope && r.given)
            .cloned()
        else {
            return Ok(false);
        };
        let Some(case) = self.case_row(case_id).await? else {
            return Err(VaultError::NoSuchSubject);
        };
        if case.subject_id != subject.id {
            return Ok(false);
        }
        let permissions: Vec<&str> = case
            .permissions
            .split_whitespace()
            .filter(|p| *p != question)
            .collect();
        self.store
            .personal_data()
            .set_case_permissions(case_id, &permissions.join(" "), now)
            .await?;
        self.record_consents(
            Principal::Subject(subject),
            &[Consent {
                scope: scope.to_owned(),
                purpose: &given.purpose,
                given: false,
                words: given.words.clone(),
                method,
            }],
            policy_version,
            now,
        )
        .await?;
        self.store
            .audit(now, "portal", "withdraw", Some(&subject.id), scope)
            .await?;
        Ok(true)
    }

    /// Receipts in the shape of the Kantara Initiative Consent Receipt
    /// Specification v1.1: one receipt per record in the ledger, each naming
    /// the controller, the policy, the purpose (with its DPV term) and the
    /// categories of data it covers.
    pub fn kantara_receipts(
        &self,
        receipts: &[ConsentReceiptRow],
        principal: &str,
        policy_url: &str,
    ) -> Value {
        let policy = &self.policy.config.policy;
        let controller = &policy.controller;
        let list: Vec<Value> = receipts
            .iter()
            .map(|r| {
                let purpose = policy.purposes.get(&r.purpose);
                let categories: Vec<String> = purpose
                    .map(|p| {
                        p.categories
                            .iter()
                            .filter_map(|c| policy.categories.get(c.get_ref()))
                            .map(|c| c.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let sensitive: Vec<String> = purpose
                    .map(|p| {
                        p.categories
                            .iter()
                            .filter_map(|c| policy.categories.get(c.get_ref()))
                            .filter(|c| c.special)
                            .map(|c| c.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let recipients: Vec<String> = purpose
                    .map(|p| {
                        p.recipients
                            .iter()
                            .filter_map(|x| policy.recipients.get(x.recipient.get_ref()))
                            .map(|x| x.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "version": "KI-CR-v1.1.0",
                    "jurisdiction": "GB",
                    "consentTimestamp": r.at,
                    "collectionMethod": r.method,
                    "consentReceiptID": r.id,
                    "language": "en",
                    "piiPrincipalId": principal,
                    "piiControllers": [{
                        "piiController": controller.name,
                        "onBehalf": false,
                        "contact": controller.email,
                        "address": { "streetAddress": controller.address.join(", "), "addressCountry": "GB" },
                        "email": controller.email,
                        "phone": controller.phone,
                    }],
                    "policyUrl": policy_url,
                    "services": [{
                        "service": self.policy.config.site.name,
                        "purposes": [{
                            "purpose": purpose.map_or(r.purpose.as_str(), |p| p.name.as_str()),
                            "purposeCategory": purpose.and_then(|p| p.dpv.as_ref()).map(|d| vec![d.get_ref().clone()]).unwrap_or_default(),
                            "consentType": "EXPLICIT",
                            "piiCategory": categories,
                            "primaryPurpose": false,
                            "termination": self.policy.retention.get(&r.purpose).map(ToString::to_string).unwrap_or_default(),
                            "thirdPartyDisclosure": !recipients.is_empty(),
                            "thirdPartyName": recipients.join(", "),
                        }],
                    }],
                    "sensitive": !sensitive.is_empty(),
                    "spiCat": sensitive,
                    // What the specification leaves to each receipt: the
                    // scope, the answer and the exact words.
                    "custodian": {
                        "scope": r.scope,
                        "given": r.given,
                        "words": r.words,
                        "policyVersion": r.policy_version,
                    },
                })
            })
            .collect();
        Value::Array(list)
    }
}
