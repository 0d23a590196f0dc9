//! `custodian audit verify`.

use custodian_store::Store;

use crate::cli::{AuditCommand, Global};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, command: &AuditCommand) -> CliResult {
    let url = site::database_url(global)?;
    let store = Store::connect(&url).await?;
    match command {
        AuditCommand::Verify => {
            let outcome = store.verify_audit().await?;
            store.close().await;
            match outcome {
                None => {
                    say!("the audit log is intact");
                    Ok(())
                }
                Some(broken) => Err(CliError::Runtime(anyhow::anyhow!(
                    "the audit log is broken at entry {}: {}",
                    broken.seq,
                    broken.reason
                ))),
            }
        }
    }
}
