//! `custodian backup --to FILE` and `custodian restore --from FILE`, for
//! SQLite. PostgreSQL has `pg_dump` and `pg_restore` (docs/operating.md).
//!
//! A backup holds what the database holds: ciphertext, keys wrapped under
//! the master key, aggregates. The master key file is never in it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use custodian_store::Store;
use time::OffsetDateTime;

use crate::cli::Global;
use crate::error::{CliError, CliResult};
use crate::site;

const PG_BACKUP: &str = "this database is PostgreSQL: back it up with \
    `pg_dump --format=custom --file=FILE DATABASE_URL` and restore with \
    `pg_restore --dbname=NEW_DATABASE_URL FILE` (docs/operating.md, Backups)";

fn sqlite_path(global: &Global) -> CliResult<PathBuf> {
    let url = site::database_url(global)?;
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(rest) => Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest))),
        None => Err(CliError::Invalid(PG_BACKUP.to_owned())),
    }
}

pub async fn backup(global: &Global, to: &Path) -> CliResult {
    let source = sqlite_path(global)?;
    if to.exists() {
        return Err(CliError::Invalid(format!(
            "{} already exists: choose a new file for each backup",
            to.display()
        )));
    }
    if !source.exists() {
        return Err(CliError::Invalid(format!(
            "there is no database at {} to back up",
            source.display()
        )));
    }
    let store = Store::connect(&site::database_url(global)?).await?;
    store.backup_into(to).await?;
    store.close().await;
    // Read the copy back: a backup nobody has opened is a hope.
    checked(to).await?;
    private(to)?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    say!(
        "Backed up {} to {} ({bytes} bytes; integrity check ok). The master key is not in it: \
         back up {} apart from it.",
        source.display(),
        to.display(),
        site::key_file(global).display()
    );
    Ok(())
}

/// Check a backup is a whole Custodian database, without writing to it.
async fn checked(file: &Path) -> CliResult {
    let found = custodian_store::backup::inspect_backup(file)
        .await
        .map_err(|e| {
            CliError::Invalid(format!(
                "{} is not a Custodian database: {e}",
                file.display()
            ))
        })?;
    if found.integrity != "ok" {
        return Err(CliError::Invalid(format!(
            "{} fails its integrity check: {}",
            file.display(),
            found.integrity
        )));
    }
    if found.migrations == 0 {
        return Err(CliError::Invalid(format!(
            "{} holds no Custodian migrations",
            file.display()
        )));
    }
    Ok(())
}

fn private(file: &Path) -> CliResult {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", file.display()))?;
    }
    Ok(())
}

pub async fn restore(global: &Global, from: &Path, replace: bool) -> CliResult {
    let target = sqlite_path(global)?;
    checked(from).await?;
    if !site::key_file(global).exists() && std::env::var_os("CUSTODIAN_MASTER_KEY").is_none() {
        return Err(CliError::Invalid(format!(
            "no master key: put the key file from your key backup at {} (or set CUSTODIAN_MASTER_KEY) before restoring",
            site::key_file(global).display()
        )));
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    // Erasures the database being replaced knows of and the backup may not.
    let mut erased = Vec::new();
    if target.exists() {
        if !replace {
            return Err(CliError::Invalid(format!(
                "a database is already at {}: stop the server, then pass --replace to put the backup in its place",
                target.display()
            )));
        }
        let current = Store::connect(&site::database_url(global)?).await?;
        erased = custodian_vault::erased_subjects(&current)
            .await
            .map_err(crate::commands::subject::vault_error)?;
        current.close().await;
        let kept = target.with_extension(format!("db.replaced-{now}"));
        std::fs::rename(&target, &kept)
            .with_context(|| format!("cannot move {} aside", target.display()))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            let _ = std::fs::remove_file(side);
        }
        say!("The database that was there is kept as {}", kept.display());
    }
    site::create_private_dir(&global.data_dir)?;
    let partial = target.with_extension("db.restoring");
    std::fs::copy(from, &partial)
        .with_context(|| format!("cannot copy {} into place", from.display()))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", partial.display()))?;
    private(&partial)?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("cannot move the backup to {}", target.display()))?;

    // Opening migrates a backup from an older release forward.
    let opened = site::open_vault(global, now).await?;
    // And everyone the list beside the key file names: it travels with the
    // key backup, so a restore into an empty data dir knows them too.
    let listed = {
        use custodian_vault::keys::MasterKeys;
        opened
            .keys
            .erased_subjects()
            .map_err(crate::commands::subject::vault_error)?
    };
    let ids: std::collections::BTreeSet<String> =
        erased.into_iter().map(|s| s.id).chain(listed).collect();
    let mut again = 0;
    for id in ids {
        let subject = custodian_vault::SubjectRef { id };
        match opened.vault.erase(&subject, "operator:restore", now).await {
            Ok(_) => again += 1,
            Err(custodian_vault::VaultError::NoSuchSubject) => {}
            Err(e) => return Err(crate::commands::subject::vault_error(e)),
        }
    }
    opened.store.close().await;
    say!(
        "Restored {} to {}{}",
        from.display(),
        target.display(),
        if again > 0 {
            format!("; erased again {again} people erased since the backup was taken")
        } else {
            String::new()
        }
    );
    Ok(())
}
