//! `custodian keys rotate`.

use time::OffsetDateTime;

use crate::cli::{Global, KeysCommand};
use crate::commands::subject::vault_error;
use crate::error::CliResult;
use crate::site;

pub async fn run(global: &Global, command: &KeysCommand) -> CliResult {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    match command {
        KeysCommand::Rotate => {
            let report = opened
                .vault
                .rotate_master_key(&opened.keys, &site::operator(), now)
                .await
                .map_err(vault_error)?;
            say!(
                "new master key {} is current; {} subject keys re-wrapped",
                report.new_key,
                report.subjects_rewrapped
            );
            for old in report.retired_keys {
                say!("retired master key {old}: nothing is wrapped under it any more");
            }
            say!(
                "back up {} now: the old backup of it cannot read data wrapped from today",
                site::key_file(global).display()
            );
        }
    }
    opened.store.close().await;
    Ok(())
}
