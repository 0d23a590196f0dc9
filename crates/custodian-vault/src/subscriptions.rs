//! Subscriptions to email updates, through the vault. A subscriber's
//! address (once for each purpose the chosen topics serve), which topics
//! they chose, and a postal address where the site offers post, are records
//! under `subscriber:<id>`.
//!
//! Double opt-in: a subscription is held, on a subject nothing can find by
//! address, no longer than its confirmation link lives; nothing but the
//! confirmation is sent to it. Following the link confirms it, and the
//! subject then takes the address (with whatever else the vault holds under
//! it). Unsubscribing deletes the subscription at once.

use custodian_store::personal::record_source::RecordSource;
use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custodian_policy::updates::Updates;
use custodian_store::personal::consents::ConsentReceiptRow;
use custodian_store::personal::subscriptions::{SubscriberInsert, SubscriberRow};
use sha2::{Digest, Sha256};

use crate::accounts::AccountRef;
use crate::blind_index::email_index;
use crate::error::{Result, VaultError};
use crate::vault::{NewRecord, SubjectRef, Vault, new_id, seal_records};

/// A subscription as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub subject: SubjectRef,
    pub email: String,
    pub topics: Vec<String>,
    /// (name, address) for information by post.
    pub postal: Option<(String, String)>,
    pub weekly: bool,
    pub confirmed: bool,
    /// Someone under the policy's age gave their parent's or guardian's
    /// address: it is kept only until they decide.
    pub guardian_email: Option<String>,
    /// While a parent's or guardian's permission is awaited: when their
    /// link stops working and the subscription is deleted.
    pub awaiting_guardian_until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribed {
    /// Held until the link with `token` is followed.
    Pending {
        subscription: String,
        subject: SubjectRef,
        token: String,
    },
    /// The address has a confirmed subscription already: nothing changed;
    /// its owner is sent a link to manage it.
    AlreadySubscribed {
        subscription: String,
        subject: SubjectRef,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    Done(Subscription),
    /// The address is theirs, and they are under the policy's age: the
    /// subscription now waits for the parent or guardian at
    /// `subscription.guardian_email`, who is sent the link with `token`.
    AwaitingGuardian {
        subscription: Subscription,
        token: String,
    },
    /// Expired, used, or never valid: nothing was kept.
    NotValid,
}

/// What a parent's or guardian's answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionDecision {
    /// The subscription is confirmed; their address is deleted.
    Given(Subscription),
    /// The subscription and everything it held are deleted.
    Refused,
    /// The link is wrong, used, or past its time: nothing changed.
    NotValid,
}

/// Who is subscribing: an address, and, for someone under the policy's
/// age, their parent's or guardian's address.
#[derive(Debug, Clone, Copy)]
pub struct NewSubscriber<'a> {
    pub email: &'a str,
    pub guardian_email: Option<&'a str>,
}

/// One message to send: to whom, and the subscription it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub subscription: String,
    pub subject: SubjectRef,
    pub email: String,
}

pub fn subscriber_source(id: &str) -> String {
    RecordSource::Subscriber(id).stored()
}

fn confirm_hash(token: &str) -> Vec<u8> {
    Sha256::digest(format!("custodian subscription link|{token}").as_bytes()).to_vec()
}

fn guardian_hash(token: &str) -> Vec<u8> {
    Sha256::digest(format!("custodian subscription guardian link|{token}").as_bytes()).to_vec()
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Vault {
    fn updates_config(&self) -> Result<&Updates> {
        self.policy
            .config
            .updates
            .as_ref()
            .ok_or_else(|| VaultError::Undeclared("email updates ([updates] in the config)".into()))
    }

    /// What a subscription stores: the address once for each purpose its
    /// topics serve, the choice of topics, and the postal address.
    // Each argument is one part of what a subscription holds; a struct for
    // this one private function would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn subscription_records<'a>(
        &'a self,
        source: &'a str,
        email: &'a str,
        topics: &[&str],
        choices: &'a str,
        postal: Option<(&'a str, &'a str)>,
        weekly: bool,
        guardian_email: Option<&'a str>,
    ) -> Result<Vec<NewRecord<'a>>> {
        let updates = self.updates_config()?;
        let config = &self.policy.config;
        let mut purposes = BTreeSet::new();
        for topic in topics {
            let t = config
                .topics
                .get(*topic)
                .ok_or_else(|| VaultError::Undeclared(format!("a topic `{topic}`")))?;
            purposes.insert(t.purpose.get_ref().as_str());
        }
        let mut records: Vec<NewRecord<'a>> = purposes
            .iter()
            .map(|purpose| NewRecord {
                category: updates.email_category.get_ref(),
                purpose: self.purpose_name(purpose),
                source,
                field: "email",
                value: email,
            })
            .collect();
        if let (Some(category), Some(first)) = (&updates.choices_category, purposes.first()) {
            records.push(NewRecord {
                category: category.get_ref(),
                purpose: self.purpose_name(first),
                source,
                field: "topics",
                value: choices,
            });
            if weekly {
                records.push(NewRecord {
                    category: category.get_ref(),
                    purpose: self.purpose_name(first),
                    source,
                    field: "frequency",
                    value: "weekly",
                });
            }
        }
        if let Some(guardian) = guardian_email {
            records.extend(self.guardian_records(source, topics, guardian)?);
        }
        if let (Some(post), Some((name, address))) = (&updates.postal, postal) {
            for (field, category, value) in [
                ("postal_name", &post.name_category, name),
                ("postal_address", &post.address_category, address),
            ] {
                records.push(NewRecord {
                    category: category.get_ref(),
                    purpose: post.purpose.get_ref(),
                    source,
                    field,
                    value,
                });
            }
        }
        Ok(records)
    }

    /// An under-age subscriber's age band and their parent's or guardian's
    /// address, for the first chosen topic whose purpose asks a parent.
    fn guardian_records<'a>(
        &'a self,
        source: &'a str,
        topics: &[&str],
        guardian: &'a str,
    ) -> Result<Vec<NewRecord<'a>>> {
        let config = &self.policy.config;
        let children = config.policy.children.as_ref().ok_or_else(|| {
            VaultError::Undeclared("a parental consent age ([policy.children])".into())
        })?;
        let (Some(age), Some(parent)) = (
            children.age_category.as_ref(),
            children.guardian_email_category.as_ref(),
        ) else {
            return Err(VaultError::Undeclared(
                "the categories of [policy.children]".into(),
            ));
        };
        let purpose = custodian_policy::updates::parent_purpose(config, topics.iter().copied())
            .ok_or_else(|| VaultError::Undeclared("a topic whose purpose asks a parent".into()))?;
        let purpose = self.purpose_name(purpose);
        Ok(vec![
            NewRecord {
                category: age.get_ref(),
                purpose,
                source,
                field: custodian_policy::children::AGE_QUESTION,
                value: custodian_policy::children::UNDER,
            },
            NewRecord {
                category: parent.get_ref(),
                purpose,
                source,
                field: custodian_policy::children::GUARDIAN_QUESTION,
                value: guardian,
            },
        ])
    }

    /// The policy's own copy of a purpose id, which lives as long as the
    /// vault (records borrow their strings).
    fn purpose_name(&self, purpose: &str) -> &str {
        self.policy
            .config
            .policy
            .purposes
            .get_key_value(purpose)
            .map_or("", |(k, _)| k.as_str())
    }

    /// Subscribe an address to topics, pending its confirmation within
    /// `link_seconds`. Signed in, the subscription is the account's.
    pub async fn subscribe(
        &self,
        who: NewSubscriber<'_>,
        topics: &[&str],
        account: Option<&AccountRef>,
        link_seconds: i64,
        now: i64,
    ) -> Result<Subscribed> {
        let rows = self.store.personal_data();
        let email = who.email;
        let index = email_index(&self.index_key, email);
        if let Some(existing) = rows.confirmed_subscriber_by_email(&index).await? {
            return Ok(Subscribed::AlreadySubscribed {
                subscription: existing.id,
                subject: SubjectRef {
                    id: existing.subject_id,
                },
            });
        }
        let id = new_id("u");
        let source = subscriber_source(&id);
        let choices = topics.join(" ");
        let guardian = who.guardian_email.map(str::trim);
        let records = self.subscription_records(
            &source,
            email.trim(),
            topics,
            &choices,
            None,
            false,
            guardian,
        )?;
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let (new_subject, subject_id, key) = match account {
            Some(account) => {
                let row = self.subject_row(&account.subject).await?;
                let key = self.subject_key(&row).await?;
                (None, row.id, key)
            }
            None => {
                let (row, key) = self.unlinked_subject(now)?;
                let id = row.id.clone();
                (Some(row), id, key)
            }
        };
        let expires = now.saturating_add(link_seconds);
        let mut sealed = seal_records(&key, &subject_id, &records, &rules, now);
        for r in &mut sealed {
            r.delete_after = Some(r.delete_after.map_or(expires, |d| d.min(expires)));
        }
        let token = new_token();
        let subscriber = SubscriberRow {
            id: id.clone(),
            subject_id: subject_id.clone(),
            email_index: index,
            confirm_expires_at: expires,
            confirmed_at: None,
            created_at: now,
            guardian_expires_at: None,
        };
        rows.insert_subscriber(&SubscriberInsert {
            new_subject: new_subject.as_ref(),
            records: &sealed,
            subscriber: &subscriber,
            confirm_hash: &confirm_hash(&token),
        })
        .await?;
        Ok(Subscribed::Pending {
            subscription: id,
            subject: SubjectRef { id: subject_id },
            token,
        })
    }

    /// Follow a confirmation link. The address is then theirs; someone
    /// under the policy's age waits, for `guardian_seconds`, for a parent
    /// or guardian, and is told which address the link went to.
    pub async fn confirm_subscription(
        &self,
        token: &str,
        guardian_seconds: i64,
        now: i64,
    ) -> Result<Confirmation> {
        let rows = self.store.personal_data();
        if token.len() != 43 {
            return Ok(Confirmation::NotValid);
        }
        let Some(found) = rows
            .subscriber_by_confirm_hash(&confirm_hash(token))
            .await?
        else {
            return Ok(Confirmation::NotValid);
        };
        if found.confirm_expires_at <= now {
            return Ok(Confirmation::NotValid);
        }
        let pending = self.subscription_of(found.clone()).await?;
        if let Some(subscription) = pending.filter(|s| s.guardian_email.is_some()) {
            let token = new_token();
            let until = now.saturating_add(guardian_seconds);
            if !rows
                .await_guardian(&found.id, &guardian_hash(&token), until)
                .await?
            {
                return Ok(Confirmation::NotValid);
            }
            // The link proved the address is theirs: the your-data portal
            // finds the held request by it, to see or delete it meanwhile.
            self.claim_address(&found.subject_id, &found.email_index, now)
                .await?;
            self.store
                .audit(
                    now,
                    "subscriber",
                    "address confirmed: waiting for a parent or guardian",
                    Some(&found.subject_id),
                    &found.id,
                )
                .await?;
            return Ok(Confirmation::AwaitingGuardian {
                subscription: Subscription {
                    awaiting_guardian_until: Some(until),
                    ..subscription
                },
                token,
            });
        }
        if !rows.confirm_subscriber(&found.id, now).await? {
            return Ok(Confirmation::NotValid);
        }
        self.claim_address(&found.subject_id, &found.email_index, now)
            .await?;
        self.restamp(&found.subject_id, &subscriber_source(&found.id), now)
            .await?;
        self.store
            .audit(
                now,
                "subscriber",
                "subscription confirmed",
                Some(&found.subject_id),
                &found.id,
            )
            .await?;
        self.subscription(&found.id)
            .await?
            .map_or(Ok(Confirmation::NotValid), |s| Ok(Confirmation::Done(s)))
    }

    /// A subscription, decrypted, for its owner's page or a message to
    /// them; not a staff read.
    pub async fn subscription(&self, id: &str) -> Result<Option<Subscription>> {
        match self.store.personal_data().subscriber_by_id(id).await? {
            Some(found) => self.subscription_of(found).await,
            None => Ok(None),
        }
    }

    async fn subscription_of(&self, found: SubscriberRow) -> Result<Option<Subscription>> {
        let rows = self.store.personal_data();
        let Some(subject) = rows.subject_by_id(&found.subject_id).await? else {
            return Ok(None);
        };
        let records = rows
            .records_from(&subject.id, &subscriber_source(&found.id))
            .await?;
        let values = self.open_records(&subject, records)?;
        Ok(Some(self.subscription_from(&found, subject.id, &values)))
    }

    /// A subscription from its row and its decrypted values.
    fn subscription_from(
        &self,
        found: &SubscriberRow,
        subject_id: String,
        values: &[(String, String)],
    ) -> Subscription {
        let value = |field: &str| {
            values
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, v)| v.clone())
        };
        let topics = match value("topics") {
            Some(chosen) => chosen.split_whitespace().map(str::to_owned).collect(),
            // Without a choices category the site has one topic.
            None => self.policy.config.topics.keys().take(1).cloned().collect(),
        };
        Subscription {
            id: found.id.clone(),
            subject: SubjectRef { id: subject_id },
            email: value("email").unwrap_or_default(),
            topics,
            postal: value("postal_name").zip(value("postal_address")),
            weekly: value("frequency").as_deref() == Some("weekly"),
            confirmed: found.confirmed_at.is_some(),
            guardian_email: value(custodian_policy::children::GUARDIAN_QUESTION),
            awaiting_guardian_until: found.guardian_expires_at,
        }
    }

    /// The subscription a parent's or guardian's link belongs to, while
    /// the link still works.
    pub async fn held_subscription(&self, token: &str, now: i64) -> Result<Option<Subscription>> {
        if token.len() != 43 {
            return Ok(None);
        }
        let rows = self.store.personal_data();
        let Some(found) = rows
            .subscriber_by_guardian_hash(&guardian_hash(token))
            .await?
        else {
            return Ok(None);
        };
        if found.guardian_expires_at.is_none_or(|until| until <= now) {
            return Ok(None);
        }
        self.subscription_of(found).await
    }

    /// A parent's or guardian's answer, with its receipt in the ledger,
    /// durable on return. `words` are what they read; `policy_version` the
    /// notice they read it under.
    pub async fn decide_held_subscription(
        &self,
        token: &str,
        given: bool,
        words: &str,
        policy_version: i64,
        now: i64,
    ) -> Result<SubscriptionDecision> {
        let Some(held) = self.held_subscription(token, now).await? else {
            return Ok(SubscriptionDecision::NotValid);
        };
        let rows = self.store.personal_data();
        let Some(found) = rows.subscriber_by_id(&held.id).await? else {
            return Ok(SubscriptionDecision::NotValid);
        };
        if given
            && rows
                .confirmed_subscriber_by_email(&found.email_index)
                .await?
                .is_some()
        {
            // The address was confirmed by another subscription meanwhile:
            // that one stands, and this one, with the parent's address, goes.
            self.unsubscribe(&found.id, now).await?;
            return Ok(SubscriptionDecision::NotValid);
        }
        let purpose = held
            .topics
            .iter()
            .filter_map(|t| self.policy.config.topics.get(t))
            .map(|t| t.purpose.get_ref().clone())
            .next()
            .unwrap_or_default();
        let how = if given {
            "a parent or guardian gave permission, by the emailed link"
        } else {
            "a parent or guardian refused permission, by the emailed link"
        };
        let receipt = ConsentReceiptRow {
            id: new_id("k"),
            subject_id: Some(found.subject_id.clone()),
            visitor: None,
            scope: format!("{}:guardian", subscriber_source(&found.id)),
            purpose,
            given,
            policy_version,
            words: words.to_owned(),
            method: format!("email updates: {how}"),
            at: now,
        };
        if !rows
            .decide_subscriber_guardian(
                &found.id,
                given,
                custodian_policy::children::GUARDIAN_QUESTION,
                &receipt,
                now,
            )
            .await?
        {
            return Ok(SubscriptionDecision::NotValid);
        }
        let what = if given {
            "parental permission given: subscription confirmed"
        } else {
            "parental permission refused: subscription deleted"
        };
        self.store
            .audit(
                now,
                "parent or guardian",
                what,
                Some(&found.subject_id),
                &found.id,
            )
            .await?;
        let subject = SubjectRef {
            id: found.subject_id.clone(),
        };
        if !given {
            // A subject made for this subscription alone goes with it.
            self.erase_if_nothing_left(&subject, "parent or guardian", now)
                .await?;
            return Ok(SubscriptionDecision::Refused);
        }
        self.claim_address(&found.subject_id, &found.email_index, now)
            .await?;
        self.restamp(&found.subject_id, &subscriber_source(&found.id), now)
            .await?;
        Ok(self
            .subscription(&found.id)
            .await?
            .map_or(SubscriptionDecision::NotValid, SubscriptionDecision::Given))
    }

    /// The subscriptions a person holds (their account page).
    pub async fn subscriptions_of(&self, subject: &SubjectRef) -> Result<Vec<Subscription>> {
        let mut found = Vec::new();
        for row in self
            .store
            .personal_data()
            .subscribers_of(&subject.id)
            .await?
        {
            if let Some(s) = self.subscription(&row.id).await? {
                found.push(s);
            }
        }
        Ok(found)
    }

    /// Change which topics a subscription covers, and the postal address.
    /// With no topics left, it is deleted: that is unsubscribing.
    pub async fn change_subscription(
        &self,
        id: &str,
        topics: &[&str],
        postal: Option<(&str, &str)>,
        weekly: bool,
        now: i64,
    ) -> Result<bool> {
        if topics.is_empty() {
            return self.unsubscribe(id, now).await;
        }
        let Some(current) = self.subscription(id).await? else {
            return Ok(false);
        };
        if current.awaiting_guardian_until.is_some() {
            // Its records are capped to the parent's link: rewriting them
            // would keep a child's request past it. Only unsubscribing.
            return Ok(false);
        }
        let source = subscriber_source(id);
        let choices = topics.join(" ");
        let records = self.subscription_records(
            &source,
            &current.email,
            topics,
            &choices,
            postal,
            weekly,
            current.guardian_email.as_deref(),
        )?;
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let subject = self.subject_row(&current.subject).await?;
        let key = self.subject_key(&subject).await?;
        let sealed = seal_records(&key, &subject.id, &records, &rules, now);
        self.store
            .personal_data()
            .replace_source(&subject.id, &source, &sealed)
            .await?;
        Ok(true)
    }

    /// Unsubscribe from everything: the subscription and what it holds are
    /// deleted at once. False: there was nothing to delete.
    pub async fn unsubscribe(&self, id: &str, now: i64) -> Result<bool> {
        let rows = self.store.personal_data();
        let subject = rows.subscriber_by_id(id).await?.map(|s| s.subject_id);
        let deleted = rows.delete_subscriber(id).await?;
        if deleted {
            self.store
                .audit(now, "subscriber", "unsubscribed", subject.as_deref(), id)
                .await?;
        }
        Ok(deleted)
    }

    /// Confirmed subscribers to any of `topics` who want each update (or,
    /// with `weekly`, a weekly summary), after `after` in id order,
    /// up to `limit` looked at: the next page of an update's recipients,
    /// and where to carry on (none when done).
    pub async fn recipients(
        &self,
        topics: &[String],
        weekly: bool,
        after: &str,
        limit: i64,
    ) -> Result<(Vec<Recipient>, Option<String>)> {
        let rows = self
            .store
            .personal_data()
            .confirmed_subscribers(after, limit)
            .await?;
        let next = (i64::try_from(rows.len()).unwrap_or(0) == limit)
            .then(|| rows.last().map(|r| r.id.clone()))
            .flatten();
        // The whole page's values in one read, not two queries a person.
        let sources: Vec<String> = rows.iter().map(|r| subscriber_source(&r.id)).collect();
        let held = self.values_from_sources(&sources).await?;
        let mut found = Vec::new();
        for (row, source) in rows.iter().zip(&sources) {
            let Some((subject, values)) = held.get(source) else {
                continue;
            };
            if subject.id != row.subject_id {
                continue;
            }
            let s = self.subscription_from(row, subject.id.clone(), values);
            if s.weekly == weekly && s.topics.iter().any(|t| topics.contains(t)) {
                found.push(Recipient {
                    subscription: s.id,
                    subject: s.subject,
                    email: s.email,
                });
            }
        }
        Ok((found, next))
    }
}
