//! `custodian subject export|erase --email ADDR`: the person's copy (or,
//! with `--including-untold`, everything held), or their erasure.

use custodian_vault::VaultError;
use time::OffsetDateTime;

use crate::cli::{Global, SubjectCommand};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, command: &SubjectCommand) -> CliResult {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    let vault = &opened.vault;
    let email = match command {
        SubjectCommand::Export { email, .. } | SubjectCommand::Erase { email } => email,
    };
    let subject = vault
        .find_by_email(email)
        .await
        .map_err(vault_error)?
        .ok_or_else(|| vault_error(VaultError::NoSuchSubject))?;
    let json = match command {
        SubjectCommand::Export {
            including_untold, ..
        } => {
            let operator = site::operator();
            let export = if *including_untold {
                vault.export(&subject, &operator, now).await
            } else {
                vault.copy_for_the_person(&subject, &operator, now).await
            }
            .map_err(vault_error)?;
            serde_json::to_string_pretty(&export)
        }
        SubjectCommand::Erase { .. } => {
            let report = vault
                .erase(&subject, &site::operator(), now)
                .await
                .map_err(vault_error)?;
            serde_json::to_string_pretty(&serde_json::json!({
                "subject": report.subject.id,
                "deleted": report.deleted,
                "kept": report.kept,
            }))
        }
    };
    say!("{}", json.map_err(|e| CliError::Runtime(e.into()))?);
    opened.store.close().await;
    Ok(())
}

/// Vault failures are runtime failures (exit code 1) whose message names
/// the cause: "no data held for that address", a missing key file, ...
pub fn vault_error(e: VaultError) -> CliError {
    CliError::Runtime(anyhow::Error::new(e))
}
