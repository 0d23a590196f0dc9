//! `custodian campaigns fetch`: read every feed the config imports now, as
//! the `campaign feeds` job does every quarter of an hour in `serve`.

use custodian_app::campaigns::fetch_all;
use custodian_store::Store;

use crate::cli::Global;
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn fetch(global: &Global) -> CliResult {
    let checked = site::load(global)?;
    if checked.campaigns.imports.is_empty() {
        return Err(CliError::Invalid(
            "the config imports no campaign feeds: add [[campaign_slot.import]] tables".to_owned(),
        ));
    }
    let url = site::database_url(global)?;
    let store = Store::connect(&url).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    store.migrate(now).await?;
    let results = fetch_all(&checked, &store, now).await;
    store.close().await;
    let mut failed = 0;
    for r in &results {
        match &r.outcome {
            Ok((n, refused)) => {
                say!("{}: {n} campaigns", r.url);
                for reason in refused {
                    say!("  left out {reason}");
                }
            }
            Err(e) => {
                failed += 1;
                say!("{}: {e}; its last good copy is kept", r.url);
            }
        }
    }
    if failed > 0 {
        return Err(CliError::Runtime(anyhow::anyhow!(
            "{failed} feeds could not be read"
        )));
    }
    Ok(())
}
