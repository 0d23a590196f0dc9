//! Online backups of a SQLite database, and what a restore needs to know.
//! PostgreSQL is backed up with its own tools (`pg_dump`); see
//! docs/operating.md.
//!
//! A backup is the database file alone: ciphertext, wrapped keys and
//! aggregates. The master key is not in it and is backed up apart.

use std::path::Path;

use sqlx::Row;

use crate::{Pool, Result, Store, StoreError};

impl Store {
    /// Write a consistent snapshot of the whole database to `to`, while it
    /// serves: `VACUUM INTO` reads one transaction's view and writes a
    /// compact copy, with nothing of deleted rows in it. SQLite only.
    pub async fn backup_into(&self, to: &Path) -> Result<()> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::NotOnPostgres("backup"));
        };
        let target = to.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(p)
            .await?;
        Ok(())
    }

    /// SQLite's own check of every page and index: `ok`, or what is wrong.
    pub async fn integrity_check(&self) -> Result<String> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::NotOnPostgres("integrity_check"));
        };
        let mut c = p.acquire().await?;
        check(&mut c).await
    }
}

/// What a backup file is, read without writing a byte to it.
#[derive(Debug)]
pub struct BackupFile {
    /// `ok`, or what SQLite's integrity check found wrong.
    pub integrity: String,
    /// Migrations applied in it.
    pub migrations: i64,
}

/// Open `file` read-only and check it is a whole Custodian database.
pub async fn inspect_backup(file: &Path) -> Result<BackupFile> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .create_if_missing(false);
    let mut c = sqlx::SqliteConnection::connect_with(&options).await?;
    let integrity = check(&mut c).await?;
    let migrations: i64 = sqlx::query("SELECT COUNT(*) FROM custodian_migrations")
        .fetch_one(&mut c)
        .await?
        .try_get(0)?;
    c.close().await?;
    Ok(BackupFile {
        integrity,
        migrations,
    })
}

async fn check(c: &mut sqlx::SqliteConnection) -> Result<String> {
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut *c)
        .await?;
    let lines: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<_, _>>()?;
    Ok(lines.join("\n"))
}

impl Store {}
