//! Backups: `custodian backup` copies the SQLite database while the server
//! runs; the copy holds ciphertext only, never the master key; restored
//! into a fresh data dir with the key backup (the key file and the list of
//! erasures beside it) it serves the same data; and a restore of an older
//! backup, there or over the live data, erases again the people erased
//! since, so their keys are gone from the restored copy. PostgreSQL: a `pg_dump` taken while serving,
//! restored with `pg_restore` into a new database, serves.

use std::path::Path;

use crate::crash::send_one;
use crate::support::{FIXTURE, Server, Site, TestDb, binary, contains, stderr, stdout};

const ARGS: &[&str] = &["--min-fill-seconds", "0"];

async fn send(site: &Site, name: &str, email: &str) -> String {
    let mut b = site.browser();
    match send_one(&mut b, name, email).await {
        Ok(Some(reference)) => reference,
        other => panic!("the form was not sent: {other:?}"),
    }
}

/// `custodian ARGS` on another data dir (and database) with the site's config.
fn cli_on(
    site: &Site,
    data_dir: &Path,
    database_url: Option<&str>,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(binary());
    cmd.args(args)
        .arg("--config")
        .arg(site.config_path())
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("CUSTODIAN_MASTER_KEY")
        .env_remove("CUSTODIAN_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run custodian: {e}"),
    }
}

/// The key backup: the key file, and the list of erasures beside it.
fn copy_key(site: &Site, data_dir: &Path) {
    assert!(std::fs::create_dir_all(data_dir).is_ok());
    for file in ["master.key", "erased-subjects"] {
        let from = site.data_dir().join(file);
        if from.exists() {
            let copied = std::fs::copy(&from, data_dir.join(file));
            assert!(copied.is_ok(), "{copied:?}");
        }
    }
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_and_an_erasure_since_is_kept() {
    let mut site = Site::start_with_args(FIXTURE, ARGS).await;
    if site.db.url.is_some() {
        return postgres_dump_restores_and_serves(site).await;
    }
    let ada = send(&site, "Ada Backup", "ada.backup@example.com").await;
    let _bea = send(&site, "Bea Erased", "bea.erased@example.com").await;

    let file = site.dir.path().join("backup.db");
    let file_arg = file.display().to_string();
    let made = site.cli(&["backup", "--to", &file_arg]);
    assert!(made.status.success(), "{}{}", stdout(&made), stderr(&made));
    assert!(
        stdout(&made).contains("integrity check ok"),
        "{}",
        stdout(&made)
    );
    // Ciphertext only, and no master key.
    let bytes = std::fs::read(&file).unwrap_or_default();
    assert!(bytes.len() > 4096);
    let key = std::fs::read_to_string(site.data_dir().join("master.key")).unwrap_or_default();
    for secret in [
        "Ada Backup",
        "ada.backup@example.com",
        "Bea Erased",
        key.trim(),
    ] {
        assert!(
            !secret.is_empty() && !contains(&bytes, secret.as_bytes()),
            "{secret} in the backup"
        );
    }
    // A second backup to the same file is refused, and changes nothing.
    let again = site.cli(&["backup", "--to", &file_arg]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert_eq!(std::fs::read(&file).unwrap_or_default(), bytes);

    let erased = site.cli(&["subject", "erase", "--email", "bea.erased@example.com"]);
    assert!(erased.status.success(), "{}", stderr(&erased));

    // Disaster: a fresh machine, the backup and the key file.
    let fresh = site.dir.path().join("fresh");
    let no_key = cli_on(&site, &fresh, None, &["restore", "--from", &file_arg]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(
        stderr(&no_key).contains("no master key"),
        "{}",
        stderr(&no_key)
    );
    assert!(!fresh.join("custodian.db").exists());
    copy_key(&site, &fresh);
    let restored = cli_on(&site, &fresh, None, &["restore", "--from", &file_arg]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    // Bea was erased after the backup: the list that came with the key file
    // has her, so she is erased again and her key is gone from this copy.
    assert!(
        stdout(&restored).contains("erased again 1 people erased since the backup was taken"),
        "{}",
        stdout(&restored)
    );
    let bea = cli_on(
        &site,
        &fresh,
        None,
        &["subject", "export", "--email", "bea.erased@example.com"],
    );
    assert!(
        !bea.status.success() && !stdout(&bea).contains("Bea Erased"),
        "{}",
        stdout(&bea)
    );
    let list = std::fs::read_to_string(site.data_dir().join("erased-subjects")).unwrap_or_default();
    assert_eq!(list.lines().count(), 1, "one opaque id: {list}");
    assert!(!list.contains('@') && !list.contains("Bea"));
    let server =
        Server::start_with_args(&site.config_path(), &fresh, &TestDb::new().await, ARGS).await;
    let export = cli_on(
        &site,
        &fresh,
        None,
        &["subject", "export", "--email", "ada.backup@example.com"],
    );
    assert!(
        stdout(&export).contains("Ada Backup"),
        "{}",
        stderr(&export)
    );
    let mut b = crate::support::Browser::new(&server.base);
    assert_eq!(b.get("/").await.status, 200);
    server.stop().await;

    // The same backup put back over the live data: Bea was erased after it
    // was taken, and is erased again, so her key is gone from it too.
    site.server.terminate();
    assert!(
        site.server
            .exit_within(std::time::Duration::from_secs(10))
            .await
            .is_some()
    );
    let refused = site.cli(&["restore", "--from", &file_arg]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let replaced = site.cli(&["restore", "--from", &file_arg, "--replace"]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(
        stdout(&replaced).contains("erased again 1 people erased since the backup was taken"),
        "{}",
        stdout(&replaced)
    );
    let bea = site.cli(&["subject", "export", "--email", "bea.erased@example.com"]);
    assert!(
        !bea.status.success() && !stdout(&bea).contains("Bea Erased"),
        "{}",
        stdout(&bea)
    );
    let ada_export = site.cli(&["subject", "export", "--email", "ada.backup@example.com"]);
    assert!(
        stdout(&ada_export).contains("Ada Backup"),
        "{}",
        stderr(&ada_export)
    );
    site.server =
        Server::start_with_args(&site.config_path(), &site.data_dir(), &site.db, ARGS).await;
    let (_, vault) = site.vault().await;
    let cases = vault
        .cases(&custodian_store::personal::cases::CaseFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap_or_default();
    assert!(cases.iter().any(|c| c.reference == ada), "{cases:?}");
}

async fn postgres_dump_restores_and_serves(site: Site) {
    let ada = send(&site, "Ada Dumped", "ada.dumped@example.com").await;
    let file = site.dir.path().join("backup.dump");
    let url = site.database_url();
    // `custodian backup` points PostgreSQL to its own tools.
    let refused = site.cli(&["backup", "--to", &file.display().to_string()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("pg_dump"), "{}", stderr(&refused));

    let dump = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&file)
        .arg(&url)
        .output();
    let Ok(dump) = dump else {
        panic!("pg_dump is needed: {dump:?}")
    };
    assert!(dump.status.success(), "{}", stderr(&dump));
    let bytes = std::fs::read(&file).unwrap_or_default();
    assert!(!contains(&bytes, b"Ada Dumped") && !contains(&bytes, b"ada.dumped@example.com"));

    let target = TestDb::empty().await;
    let Some(target_url) = target.url.clone() else {
        panic!("no database")
    };
    let restore = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&target_url)
        .arg(&file)
        .output();
    let Ok(restore) = restore else {
        panic!("pg_restore is needed: {restore:?}")
    };
    assert!(restore.status.success(), "{}", stderr(&restore));

    let fresh = site.dir.path().join("fresh");
    copy_key(&site, &fresh);
    let server = Server::start_with_args(&site.config_path(), &fresh, &target, ARGS).await;
    let mut b = crate::support::Browser::new(&server.base);
    assert_eq!(b.get("/readyz").await.status, 200);
    let export = cli_on(
        &site,
        &fresh,
        Some(&target_url),
        &["subject", "export", "--email", "ada.dumped@example.com"],
    );
    assert!(
        stdout(&export).contains("Ada Dumped"),
        "{}",
        stderr(&export)
    );
    assert!(!ada.is_empty());
    server.stop().await;
}
