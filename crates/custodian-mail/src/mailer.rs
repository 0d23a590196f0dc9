//! Queueing and delivering messages.

use std::sync::Arc;

use custodian_store::Store;
use custodian_store::outbox::{MailAttempt, OutboxRow};
use custodian_store::personal::mail::QueuedMessage;
use custodian_vault::{NewRecord, SubjectRef, Vault};
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use minijinja::Value;
use serde_json::json;

use crate::templates::Templates;
use crate::transport::{Outgoing, SendFailure, Transport};
use crate::{MailError, Result};

/// After this many attempts a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// A worker holds a claimed message this long before others may take it
/// (if the worker died mid-send).
const LEASE_SECONDS: i64 = 300;
/// A worker stops sending from a batch this long before its lease ends,
/// so that no message is sent after another instance may have taken it.
const LEASE_MARGIN: i64 = 60;
/// Messages claimed, and their outcomes committed, together.
const BATCH: i64 = 200;
/// Messages in flight at once: SMTP connections are pooled and reused.
const IN_FLIGHT: usize = 64;

/// The delay before attempt `attempt + 1`: 30 s, 1 min, 2 min, ... up to 6 h.
pub fn backoff(attempt: i64) -> i64 {
    let shift = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    (30_i64 << shift).min(6 * 60 * 60)
}

/// A message to queue.
pub struct NewMail<'a> {
    /// Who it is about and to.
    pub subject: &'a SubjectRef,
    pub to: &'a str,
    /// The purpose it serves and the category of the address, from the
    /// policy, which the vault stamps on its copy.
    pub purpose: &'a str,
    pub category: &'a str,
    pub template: &'a str,
    /// Values for the template. Personal ones are fine: they are kept in
    /// the vault until the message has gone.
    pub values: serde_json::Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
}

pub struct Mailer {
    store: Store,
    vault: Arc<Vault>,
    transport: Transport,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    templates: Templates,
    /// This instance's name in leases.
    owner: String,
    /// Told when this instance queues mail, so that its delivery loop
    /// starts at once instead of at its next interval.
    queued: tokio::sync::Notify,
}

fn source(id: &str) -> String {
    custodian_store::personal::record_source::RecordSource::Outbox(id).stored()
}

/// The vault's copy of a message: its recipient and values, held until it
/// has gone, stamped with the purpose it serves.
fn vault_copy<'a>(mail: &NewMail<'a>, source: &'a str, body: &'a str) -> NewRecord<'a> {
    NewRecord {
        category: mail.category,
        purpose: mail.purpose,
        source,
        field: "message",
        value: body,
    }
}

impl Mailer {
    pub fn new(
        store: Store,
        vault: Arc<Vault>,
        transport: Transport,
        from: &str,
        reply_to: Option<&str>,
    ) -> Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("mail.from `{from}`: {e}")))?;
        let reply_to = reply_to
            .map(|r| {
                r.parse::<Mailbox>()
                    .map_err(|e| MailError::Config(format!("mail.reply_to `{r}`: {e}")))
            })
            .transpose()?;
        let owner = format!("{:016x}", rand::random::<u64>());
        Ok(Mailer {
            store,
            vault,
            transport,
            from,
            reply_to,
            templates: Templates::new()?,
            owner,
            queued: tokio::sync::Notify::new(),
        })
    }

    /// Wait until this instance queues mail, or `interval` passes: what the
    /// delivery loop does between runs. Mail queued by another instance
    /// waits for the interval.
    /// Give back this mailer's leases on unsent mail (on shutdown).
    pub async fn release_leases(&self) -> Result<u64> {
        Ok(self.store.release_mail_leases(&self.owner).await?)
    }

    pub async fn wait_for_mail(&self, interval: std::time::Duration) {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = self.queued.notified() => {}
        }
    }

    /// Queue a message. Durable when this returns: the vault's copy and the
    /// outbox row are both committed.
    pub async fn enqueue(&self, mail: NewMail<'_>, now: i64) -> Result<String> {
        let (id, source, body) = self.prepare(&mail)?;
        let record = vault_copy(&mail, &source, &body);
        self.vault.put(mail.subject, record, now).await?;
        if let Err(e) = self
            .store
            .enqueue_mail(&id, &mail.subject.id, mail.template, now)
            .await
        {
            // Do not leave the vault's copy behind a message that will never go.
            let _ = self.vault.forget_source(mail.subject, &source).await;
            return Err(e.into());
        }
        self.queued.notify_one();
        Ok(id)
    }

    /// A new message's id, its vault source and the copy's contents; the
    /// template must exist.
    fn prepare(&self, mail: &NewMail<'_>) -> Result<(String, String, String)> {
        if !self.templates.exists(mail.template) {
            return Err(MailError::UnknownTemplate(mail.template.to_owned()));
        }
        let id = format!("m_{:032x}", rand::random::<u128>());
        let body = json!({ "to": mail.to, "values": mail.values }).to_string();
        let source = source(&id);
        Ok((id, source, body))
    }

    /// Queue many messages of one send at once, in one transaction: how an
    /// update's recipients are queued, a page at a time. Returns how many
    /// were queued (one already queued for the same person is skipped).
    pub async fn enqueue_many(
        &self,
        mails: &[NewMail<'_>],
        send_id: Option<&str>,
        now: i64,
    ) -> Result<usize> {
        let prepared = mails
            .iter()
            .map(|mail| self.prepare(mail))
            .collect::<Result<Vec<_>>>()?;
        let copies: Vec<(&SubjectRef, NewRecord<'_>)> = mails
            .iter()
            .zip(&prepared)
            .map(|(mail, (_, source, body))| (mail.subject, vault_copy(mail, source, body)))
            .collect();
        // Every recipient's key in one read, not a query each.
        let sealed = self.vault.seal_for_many(&copies, now).await?;
        let mut messages = Vec::with_capacity(mails.len());
        for ((mail, (id, _, _)), sealed) in mails.iter().zip(prepared).zip(sealed) {
            match sealed {
                Ok((record, sealed_under)) => messages.push(QueuedMessage {
                    outbox_id: id,
                    subject_id: mail.subject.id.clone(),
                    template: mail.template.to_owned(),
                    send_id: send_id.map(str::to_owned),
                    sealed_under,
                    record,
                }),
                // Erased since the page was read: nothing to send them.
                Err(custodian_vault::VaultError::NoSuchSubject) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let written = self.vault.queue_messages(&messages, now).await?;
        self.queued.notify_one();
        Ok(written.into_iter().filter(|w| *w).count())
    }

    /// Send what is due. Safe to run on several instances at once: each
    /// batch is leased by one instance, nothing from it is sent once the
    /// lease is close to running out, and only the lease holder records
    /// outcomes. A batch's messages go out several at a time over pooled
    /// connections, and their outcomes are committed together, so a large
    /// update costs a few commits per hundred messages rather than three
    /// each. `clock` gives the time in unix seconds, read afresh as it goes.
    pub async fn deliver_due(
        self: &Arc<Self>,
        clock: &(dyn Fn() -> i64 + Send + Sync),
    ) -> Result<DeliveryRun> {
        use futures_util::StreamExt;
        let mut run = DeliveryRun::default();
        loop {
            let now = clock();
            let started = std::time::Instant::now();
            let lease_until = now + LEASE_SECONDS;
            let batch = self
                .store
                .claim_mail(&self.owner, now, lease_until, BATCH)
                .await?;
            let mut sends = std::collections::HashMap::new();
            for id in batch.iter().filter_map(|r| r.send_id.as_ref()) {
                if !sends.contains_key(id)
                    && let Some(send) = self.store.send(id).await?
                {
                    sends.insert(id.clone(), send);
                }
            }
            let sends = Arc::new(sends);
            // Every message's vault copy in one read, not two queries each.
            let sources: Vec<String> = batch.iter().map(|r| source(&r.id)).collect();
            let held = Arc::new(self.vault.values_from_sources(&sources).await?);
            let claimed = started.elapsed();
            // Each message is its own task, so that building and sending
            // them spreads over every worker thread instead of one. Nothing
            // starts once the lease is near its end (read as each starts).
            let results: Vec<(OutboxRow, Option<Result<(), SendFailure>>)> =
                futures_util::stream::iter(batch.iter().cloned())
                    .map(|row| {
                        let now = clock();
                        let task = (now < lease_until - LEASE_MARGIN).then(|| {
                            let mailer = Arc::clone(self);
                            let (sends, held) = (Arc::clone(&sends), Arc::clone(&held));
                            let row = row.clone();
                            tokio::spawn(
                                async move { mailer.attempt(&row, &sends, &held, now).await },
                            )
                        });
                        async move {
                            match task {
                                // A task that panicked sent nothing we know
                                // of: the message waits for its lease to end.
                                Some(task) => (row, task.await.ok()),
                                None => (row, None),
                            }
                        }
                    })
                    .buffer_unordered(IN_FLIGHT)
                    .collect()
                    .await;
            let sent_in = started.elapsed();
            let now = clock();
            let mut attempts = Vec::with_capacity(results.len());
            let mut outcomes = Vec::with_capacity(results.len());
            for (row, result) in results {
                let Some(result) = result else { continue };
                let attempt = row.attempts + 1;
                let outcome = match &result {
                    Ok(()) => Outcome::Sent,
                    Err(f) if f.permanent || attempt >= MAX_ATTEMPTS => Outcome::Failed,
                    Err(_) => Outcome::Retry,
                };
                let (word, next) = match outcome {
                    Outcome::Sent => ("sent", None),
                    Outcome::Failed => ("failed", None),
                    Outcome::Retry => ("retry", Some(now + backoff(attempt))),
                };
                // Server replies can echo the address: keep only the first
                // line, without anything that looks like one.
                let error = result.err().map(|f| redact(&f.reason)).unwrap_or_default();
                attempts.push(MailAttempt {
                    id: row.id.clone(),
                    attempt,
                    outcome: word,
                    error,
                    next_attempt_at: next,
                });
                outcomes.push((row, outcome));
            }
            let recorded = self
                .store
                .record_mail_attempts(&self.owner, now, &attempts)
                .await?;
            // Sent or given up: the vault's copies have done their job.
            let mut finished = Vec::new();
            for ((row, outcome), kept) in outcomes.iter().zip(&recorded) {
                if !kept {
                    continue;
                }
                match outcome {
                    Outcome::Sent => run.sent += 1,
                    Outcome::Retry => run.retrying += 1,
                    Outcome::Failed => {
                        run.failed += 1;
                        tracing::warn!(message = %row.id, attempt = row.attempts + 1, "gave up on a message");
                    }
                }
                if *outcome != Outcome::Retry {
                    finished.push((
                        SubjectRef {
                            id: row.subject_id.clone(),
                        },
                        source(&row.id),
                    ));
                }
            }
            self.vault.forget_sources(&finished).await?;
            tracing::debug!(
                messages = batch.len(),
                claim_ms = claimed.as_millis(),
                send_ms = (sent_in - claimed).as_millis(),
                record_ms = (started.elapsed() - sent_in).as_millis(),
                "delivered a batch"
            );
            if batch.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                return Ok(run);
            }
        }
    }

    /// Build and send one message of a leased batch.
    async fn attempt(
        &self,
        row: &OutboxRow,
        sends: &std::collections::HashMap<String, custodian_store::sends::SendRow>,
        held: &Held,
        now: i64,
    ) -> Result<(), SendFailure> {
        match self.build(row, sends, held) {
            Ok(outgoing) => self.transport.send(&row.id, &outgoing, now).await,
            Err(e) => Err(SendFailure {
                permanent: is_permanent(&e),
                reason: e.to_string(),
            }),
        }
    }

    fn build(
        &self,
        row: &OutboxRow,
        sends: &std::collections::HashMap<String, custodian_store::sends::SendRow>,
        held: &Held,
    ) -> Result<Outgoing> {
        // Nothing held: the person was erased after the message was queued
        // (their records went with them), which no retry can mend.
        let values = match held.get(&source(&row.id)) {
            Some((subject, values)) if subject.id == row.subject_id => values,
            _ => return Err(MailError::Vault(custodian_vault::VaultError::NoSuchSubject)),
        };
        let body = values
            .iter()
            .find(|(field, _)| field == "message")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                MailError::Config(format!("message {} has nothing in the vault", row.id))
            })?;
        let body: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| MailError::Config(e.to_string()))?;
        let to_address = body["to"].as_str().unwrap_or_default().to_owned();
        let to: Mailbox = to_address
            .parse()
            .map_err(|_| MailError::Config("the recipient address is not valid".into()))?;
        let mut context = body["values"].clone();
        let send = match &row.send_id {
            Some(id) => Some(sends.get(id).ok_or_else(|| {
                MailError::Config(format!("message {} belongs to a send that is gone", row.id))
            })?),
            None => None,
        };
        if let Some(map) = context.as_object_mut() {
            map.insert(
                "site_name".into(),
                json!(self.vault.policy().config.site.name),
            );
            if let Some(send) = &send {
                map.insert("update_subject".into(), json!(send.subject));
                map.insert("update_html".into(), json!(send.html));
                map.insert("update_text".into(), json!(send.text));
            }
        }
        let unsubscribe = context["unsubscribe_url"].as_str().map(str::to_owned);
        let rendered = self
            .templates
            .render(&row.template, &Value::from_serialize(&context))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone());
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        // One-click unsubscribe (RFC 8058): a mail program may POST to the
        // address with `List-Unsubscribe=One-Click`, and nothing else.
        if let Some(url) = &unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text.clone(),
                rendered.html,
            ))
            .map_err(|e| MailError::Config(e.to_string()))?;
        Ok(Outgoing {
            message,
            to: to_address,
            subject: rendered.subject,
            text: rendered.text,
            unsubscribe,
        })
    }
}

/// The vault's copies of a batch's messages, by source.
type Held = std::collections::HashMap<String, (SubjectRef, Vec<(String, String)>)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retry,
    Failed,
}

/// Failures that trying again cannot mend: the person was erased, the
/// message has nothing to send, or cannot be built. Anything else (the
/// database, a key not loaded yet) may pass, so the message waits.
fn is_permanent(e: &MailError) -> bool {
    match e {
        MailError::Vault(custodian_vault::VaultError::NoSuchSubject) => true,
        MailError::Vault(_) | MailError::Store(_) => false,
        MailError::Config(_) | MailError::UnknownTemplate(_) => true,
    }
}

fn redact(reason: &str) -> String {
    reason
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(|w| if w.contains('@') { "[address]" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(5), 480);
        assert_eq!(backoff(30), 6 * 60 * 60);
    }

    #[test]
    fn failure_reasons_lose_addresses() {
        assert_eq!(
            redact("550 5.1.1 <ann@example.com> no such user\nmore"),
            "550 5.1.1 [address] no such user"
        );
    }
}
