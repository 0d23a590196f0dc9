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
            // The head recorded beside the key, if any: without it, a log
            // whose newest entries were cut off still verifies.
            let anchor = crate::audit_anchor::read(&crate::audit_anchor::path(&global.data_dir))
                .map_err(CliError::Runtime)?;
            let outcome = store.verify_audit_against(anchor.as_ref()).await?;
            store.close().await;
            match outcome {
                None => {
                    match anchor {
                        Some(head) => say!(
                            "the audit log is intact and reaches entry {}, recorded outside the database",
                            head.seq
                        ),
                        None => say!(
                            "the audit log is intact (no head recorded outside the database yet, so a cut-off end would not show)"
                        ),
                    }
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
