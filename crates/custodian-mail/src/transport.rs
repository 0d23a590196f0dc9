//! Where messages go: an SMTP server (STARTTLS, TLS or, for a local relay,
//! plain; with authentication), GOV.UK Notify, or `.eml` files in a
//! directory for the demo.

use std::path::PathBuf;

use custodian_policy::model::{MailConfig, MailTransport, SmtpSecurity};
use lettre::Message;
use lettre::transport::smtp::authentication::Credentials;

use crate::smtp_pool::SmtpPool;
use crate::{MailError, Result};

/// Connections kept open to the SMTP server: as many as messages in flight.
const SMTP_CONNECTIONS: usize = 64;

pub enum Transport {
    Smtp(Box<SmtpPool>),
    Notify(Box<crate::notify::Notify>),
    /// Plaintext `.eml` files: the demo, and tests.
    Files(PathBuf),
    /// No mail settings: messages wait in the outbox (and are retried)
    /// until an operator configures mail.
    Unconfigured,
}

/// A message ready to go, with what a transport that takes fields rather
/// than a whole message (Notify) needs.
pub struct Outgoing {
    pub message: Message,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub unsubscribe: Option<String>,
}

/// Secrets that never go in the config file, from the environment.
#[derive(Default)]
pub struct MailSecrets {
    /// `CUSTODIAN_SMTP_PASSWORD`
    pub smtp_password: Option<String>,
    /// `CUSTODIAN_NOTIFY_API_KEY`
    pub notify_api_key: Option<String>,
}

/// How a send failed: a temporary failure is tried again later.
pub struct SendFailure {
    pub permanent: bool,
    pub reason: String,
}

impl Transport {
    /// From the site's `[mail]` settings; `files` is where the file
    /// transport writes. The SMTP password comes from the environment.
    /// Without settings, mail is written to `files` only for the built-in
    /// demo (`demo`); a real site's mail waits until it is configured,
    /// because files would hold people's addresses in plaintext.
    pub fn from_config(
        config: Option<&MailConfig>,
        files: PathBuf,
        secrets: MailSecrets,
        demo: bool,
    ) -> Result<Transport> {
        let Some(config) = config else {
            if demo {
                return Ok(Transport::Files(files));
            }
            tracing::warn!(
                "no [mail] settings: messages will wait in the outbox until mail is configured"
            );
            return Ok(Transport::Unconfigured);
        };
        if config.transport == MailTransport::File {
            tracing::warn!(dir = %files.display(), "mail is written to files in plaintext: for testing only");
            return Ok(Transport::Files(files));
        }
        if config.transport == MailTransport::Notify {
            let key = secrets.notify_api_key.ok_or_else(|| {
                MailError::Config(
                    "mail.transport is \"notify\" but CUSTODIAN_NOTIFY_API_KEY is not set".into(),
                )
            })?;
            let template = config.notify_template_id.clone().unwrap_or_default();
            return Ok(Transport::Notify(Box::new(crate::notify::Notify::new(
                &key,
                &template,
                config.notify_base_url.as_deref(),
            )?)));
        }
        let host = config.smtp_host.clone().unwrap_or_default();
        if host.is_empty() {
            return Err(MailError::Config("mail.smtp_host is not set".into()));
        }
        let port = config.smtp_port.unwrap_or(match config.smtp_security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::None => 25,
        });
        let credentials = match &config.smtp_username {
            Some(user) => {
                let password = secrets.smtp_password.ok_or_else(|| {
                    MailError::Config(
                        "smtp_username is set but CUSTODIAN_SMTP_PASSWORD is not".to_owned(),
                    )
                })?;
                Some(Credentials::new(user.clone(), password))
            }
            None => None,
        };
        Ok(Transport::Smtp(Box::new(SmtpPool::new(
            host,
            port,
            config.smtp_security,
            credentials,
            SMTP_CONNECTIONS,
        ))))
    }

    pub async fn send(&self, id: &str, outgoing: &Outgoing, now: i64) -> Result<(), SendFailure> {
        let message = &outgoing.message;
        match self {
            Transport::Notify(notify) => {
                notify
                    .send(
                        &crate::notify::NotifyMessage {
                            to: &outgoing.to,
                            subject: &outgoing.subject,
                            body: &outgoing.text,
                            reference: id,
                            unsubscribe: outgoing.unsubscribe.as_deref(),
                        },
                        now,
                    )
                    .await
            }
            Transport::Smtp(pool) => pool
                .send(message.envelope(), &message.formatted())
                .await
                .map_err(|e| SendFailure {
                    permanent: e.is_permanent(),
                    reason: e.to_string(),
                }),
            Transport::Unconfigured => Err(SendFailure {
                permanent: false,
                reason: "no [mail] settings yet".into(),
            }),
            Transport::Files(dir) => {
                let failure = |e: std::io::Error| SendFailure {
                    permanent: false,
                    reason: format!("cannot write to {}: {e}", dir.display()),
                };
                tokio::fs::create_dir_all(dir).await.map_err(failure)?;
                tokio::fs::write(dir.join(format!("{id}.eml")), message.formatted())
                    .await
                    .map_err(failure)
            }
        }
    }
}
