//! `custodian mail test --to ADDR --purpose P --category C` and
//! `custodian mail deliver`.

use std::sync::Arc;

use custodian_mail::NewMail;
use time::OffsetDateTime;

use crate::cli::{Global, MailCommand};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, command: &MailCommand) -> CliResult {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    let store = opened.store.clone();
    let vault = Arc::new(opened.vault);
    let mailer = std::sync::Arc::new(site::mailer(global, store.clone(), vault.clone())?);
    match command {
        MailCommand::Test {
            to,
            purpose,
            category,
            note,
        } => {
            let subject = vault
                .subject_for_email(to, false, now)
                .await
                .map_err(|e| CliError::Runtime(e.into()))?;
            let mail = NewMail {
                subject: &subject,
                to,
                purpose,
                category,
                template: "test",
                values: serde_json::json!({ "note": note }),
            };
            let id = mailer
                .enqueue(mail, now)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?;
            say!("queued {id}");
        }
        MailCommand::Deliver => {
            let run = mailer
                .deliver_due(&|| OffsetDateTime::now_utc().unix_timestamp())
                .await
                .map_err(|e| CliError::Runtime(e.into()))?;
            say!(
                "sent {}, retrying {}, failed {}",
                run.sent,
                run.retrying,
                run.failed
            );
        }
    }
    store.close().await;
    Ok(())
}
