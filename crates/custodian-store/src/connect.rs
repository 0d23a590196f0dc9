//! Opening a pool on each backend, with the settings each needs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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

/// PostgreSQL without parallel workers inside a query: Custodian's queries
/// are small, and its largest (the statistics dashboard's) already run side
/// by side on their own connections, where each query's workers only
/// crowded the same cores and took milliseconds to start. Set when each
/// connection opens, so it costs no round trip.
pub(crate) async fn postgres(url: &str) -> Result<PgPool> {
    let options =
        PgConnectOptions::from_str(url)?.options([("max_parallel_workers_per_gather", "0")]);
    Ok(PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
}
