//! The one data-access boundary. Everything Custodian stores goes through a
//! [`Store`], which runs the same queries on SQLite (embedded, the default)
//! and PostgreSQL (for several instances), chosen by the database URL.
//!
//! Queries are written once with `$1` placeholders, which both drivers
//! accept, and dispatched to the right pool by [`with_pool!`]; where the two
//! databases differ (connection set-up, locking, migrations) each has its own
//! module. Time is always a parameter, so tests control it.

pub mod audit;
pub mod backup;
pub mod campaigns;
mod connect;
mod limits;
mod migrate;
pub mod outbox;
pub mod personal;
pub mod policy_versions;
pub mod secrets;
pub mod sends;
pub mod sessions;
pub mod staff;
pub mod stats;

use sqlx::{PgPool, SqlitePool};

pub use limits::Attempts;
pub use migrate::{MigrationReport, schema_fingerprint};
pub use policy_versions::PublishedVersion;
pub use sessions::SessionRecord;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database URL must start with sqlite: or postgres:, not `{0}`")]
    UnsupportedUrl(String),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error(
        "migration {version} ({name}) was changed after it was applied; migrations are append-only"
    )]
    MigrationChanged { version: i64, name: &'static str },
    #[error("could not publish the policy after several attempts: another instance kept winning")]
    Contention,
    #[error(
        "the database's write-ahead log stayed busy, so erased data may remain in it until the next checkpoint"
    )]
    CheckpointBusy,
    #[error("a query running beside others stopped: {0}")]
    Task(String),
    #[error("`{0}` is for SQLite; back PostgreSQL up with pg_dump (docs/operating.md)")]
    NotOnPostgres(&'static str),
}

impl StoreError {
    /// A row that would break a unique rule: something was there first.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// The database URL itself is wrong (scheme, syntax, options), as
    /// opposed to a database that failed while in use.
    pub fn is_bad_url(&self) -> bool {
        matches!(
            self,
            StoreError::UnsupportedUrl(_) | StoreError::Database(sqlx::Error::Configuration(_))
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Run `$body` with `$p` bound to whichever pool the store has. The body is
/// compiled once per backend, so each query is checked against both drivers.
macro_rules! with_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Run `$body` in a write transaction and commit it: on SQLite behind this
/// process's writer queue with the write lock taken at BEGIN.
macro_rules! in_write_tx {
    // The body gives (what to return, the audit entry's detail if the
    // action happened): the entry is written in the same transaction.
    ($store:expr, $tx:ident, audited($audit:expr) => $body:expr) => {
        match &$store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = $store.writer.lock().await;
                let mut $tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let (out, detail): (_, Option<String>) = $body;
                if let Some(detail) = &detail {
                    crate::audit::append_audit_in!(sqlite, $tx, $audit, detail);
                }
                $tx.commit().await?;
                out
            }
            crate::Pool::Postgres(p) => {
                let mut $tx = p.begin().await?;
                let (out, detail): (_, Option<String>) = $body;
                if let Some(detail) = &detail {
                    crate::audit::append_audit_in!(postgres, $tx, $audit, detail);
                }
                $tx.commit().await?;
                out
            }
        }
    };
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.pool {
            crate::Pool::Sqlite(p) => {
                let _turn = $store.writer.lock().await;
                let mut $tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            crate::Pool::Postgres(p) => {
                let mut $tx = p.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use in_write_tx;

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// SQLite has one write lock, and writers that find it taken sleep in
    /// its busy handler with growing back-off (up to 100 ms a try), which
    /// makes a few requests wait far longer than the rest. This process's
    /// write transactions queue here in turn instead, first come first
    /// served; other processes still meet at SQLite's own lock.
    pub(crate) writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Connect to `url` (`sqlite://path` or `postgres://...`). A SQLite file
    /// is created if missing.
    pub async fn connect(url: &str) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(connect::sqlite(url).await?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Pool::Postgres(connect::postgres(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        Ok(Store {
            pool,
            writer: std::sync::Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply every migration not yet applied.
    pub async fn migrate(&self, now: i64) -> Result<MigrationReport> {
        migrate::run(&self.pool, now).await
    }

    /// How many migrations this build knows that the database lacks.
    pub async fn pending_migrations(&self) -> Result<usize> {
        migrate::pending(&self.pool).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(&self.pool, p => p.close().await);
    }
}

/// A URL with any credentials removed, safe to print: the user and password
/// before `@`, and a `password=` option in the query.
pub fn redact_url(url: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &base[..scheme_end], &base[at + 1..])
        }
        _ => base.to_owned(),
    };
    match query {
        None => base,
        Some(q) => {
            let options: Vec<String> = q
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _))
                        if k.eq_ignore_ascii_case("password")
                            || k.eq_ignore_ascii_case("sslpassword") =>
                    {
                        format!("{k}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", options.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_credentials() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://***@h/db"
        );
        assert_eq!(
            super::redact_url("sqlite://data/c.db"),
            "sqlite://data/c.db"
        );
    }
}
