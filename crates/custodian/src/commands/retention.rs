//! `custodian retention [--dry-run] [--at TIME]`.

use time::OffsetDateTime;

use crate::cli::Global;
use crate::commands::subject::vault_error;
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, dry_run: bool, at: Option<i64>) -> CliResult {
    let now = at.unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp());
    let opened = site::open_vault(global, now).await?;
    if dry_run {
        let due = opened.vault.retention_due(now).await.map_err(vault_error)?;
        say!(
            "{}",
            serde_json::to_string_pretty(&due).map_err(|e| CliError::Runtime(e.into()))?
        );
    } else {
        let run = opened
            .vault
            .enforce_retention(now)
            .await
            .map_err(vault_error)?;
        say!(
            "deleted {} records and {} people with nothing left",
            run.records_deleted,
            run.subjects_deleted
        );
    }
    opened.store.close().await;
    Ok(())
}
