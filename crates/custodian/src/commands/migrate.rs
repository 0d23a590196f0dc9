//! `custodian migrate`: bring the database schema up to date.

use custodian_store::{Store, redact_url};
use time::OffsetDateTime;

use crate::cli::Global;
use crate::error::CliResult;
use crate::site;

pub async fn run(global: &Global) -> CliResult {
    let url = site::database_url(global)?;
    let store = Store::connect(&url).await?;
    let report = store
        .migrate(OffsetDateTime::now_utc().unix_timestamp())
        .await?;
    if report.applied.is_empty() {
        say!("{}: up to date", redact_url(&url));
    }
    for (version, name) in report.applied {
        say!("{}: applied migration {version} ({name})", redact_url(&url));
    }
    store.close().await;
    Ok(())
}
