//! Opening a pool on each backend, with the settings each needs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::Result;

pub(crate) const SQLITE_CONNECTIONS: u32 = 8;
pub(crate) const POSTGRES_CONNECTIONS: u32 = 16;

/// SQLite in WAL mode so readers never block the writer, with foreign keys
/// enforced, a busy timeout so concurrent writers wait instead of failing,
/// `secure_delete` so erased rows leave nothing behind in the file,
/// and `synchronous = FULL` because a reply of success promises the data is
/// on disk, even if the machine loses power right after.
pub(crate) async fn sqlite(url: &str) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Deleted content is overwritten, not left in free pages: erasure
        // must leave no trace of a person's ciphertext or wrapped key.
        .pragma("secure_delete", "ON")
        // 64 MiB of page cache per connection (the default is 2 MiB), so
        // indexes of millions of rows stay mostly in memory.
        .pragma("cache_size", "-65536")
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(SQLITE_CONNECTIONS)
        .connect_with(options)
        .await?)
}

pub(crate) async fn postgres(url: &str) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?)
}
