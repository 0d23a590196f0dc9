//! Schema migrations, one SQL file per step and per backend, embedded in the
//! binary. Applied migrations are recorded with a checksum so an edited
//! migration is caught instead of silently diverging between sites.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Pool, Result, StoreError, with_pool};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "foundation",
    sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
    postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
}];

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS custodian_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT   NOT NULL,
    checksum   TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Any fixed number: instances migrating the same PostgreSQL database at
/// once queue on this advisory lock instead of racing.
const PG_MIGRATION_LOCK: i64 = 0x0C05_7001;

#[derive(Debug, Default)]
pub struct MigrationReport {
    pub applied: Vec<(i64, &'static str)>,
}

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn run(pool: &Pool, now: i64) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    match pool {
        Pool::Sqlite(p) => {
            let mut conn = p.acquire().await?;
            sqlx::raw_sql(CREATE_LEDGER).execute(&mut *conn).await?;
            for m in MIGRATIONS {
                // BEGIN IMMEDIATE takes the write lock before reading the
                // ledger, so two processes cannot both apply a step.
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let outcome = apply_sqlite(&mut conn, m, now).await;
                let end = if outcome.is_ok() {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                sqlx::raw_sql(end).execute(&mut *conn).await?;
                if outcome? {
                    report.applied.push((m.version, m.name));
                }
            }
        }
        Pool::Postgres(p) => {
            let mut conn = p.acquire().await?;
            sqlx::raw_sql(CREATE_LEDGER)
                .execute(&mut *conn)
                .await
                .or_else(ignore_concurrent_create)?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            let outcome = apply_all_postgres(&mut conn, now, &mut report).await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            outcome?;
        }
    }
    Ok(report)
}

/// Two instances starting together may both run CREATE TABLE IF NOT EXISTS;
/// PostgreSQL can report the loser as a unique violation on its catalogue.
fn ignore_concurrent_create(e: sqlx::Error) -> Result<sqlx::postgres::PgQueryResult, sqlx::Error> {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Ok(Default::default())
        }
        _ => Err(e),
    }
}

/// The checksum recorded for an applied migration, on either connection type.
macro_rules! applied_checksum {
    ($conn:expr, $version:expr) => {
        sqlx::query("SELECT checksum FROM custodian_migrations WHERE version = $1")
            .bind($version)
            .fetch_optional($conn)
            .await?
            .map(|row| row.try_get::<String, _>("checksum"))
            .transpose()?
    };
}

macro_rules! record {
    ($conn:expr, $m:expr, $sum:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO custodian_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        )
        .bind($m.version)
        .bind($m.name)
        .bind($sum)
        .bind($now)
        .execute($conn)
        .await?
    };
}

/// Returns whether the migration was applied now (false: already applied).
async fn apply_sqlite(conn: &mut sqlx::SqliteConnection, m: &Migration, now: i64) -> Result<bool> {
    let sum = checksum(m.sqlite);
    match applied_checksum!(&mut *conn, m.version) {
        Some(existing) if existing == sum => return Ok(false),
        Some(_) => {
            return Err(StoreError::MigrationChanged {
                version: m.version,
                name: m.name,
            });
        }
        None => {}
    }
    sqlx::raw_sql(m.sqlite)
        .execute(&mut *conn)
        .await
        .map_err(|source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source,
        })?;
    record!(&mut *conn, m, &sum, now);
    Ok(true)
}

async fn apply_all_postgres(
    conn: &mut sqlx::PgConnection,
    now: i64,
    report: &mut MigrationReport,
) -> Result<()> {
    use sqlx::Connection;
    for m in MIGRATIONS {
        let sum = checksum(m.postgres);
        match applied_checksum!(&mut *conn, m.version) {
            Some(existing) if existing == sum => continue,
            Some(_) => {
                return Err(StoreError::MigrationChanged {
                    version: m.version,
                    name: m.name,
                });
            }
            None => {}
        }
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(m.postgres)
            .execute(&mut *tx)
            .await
            .map_err(|source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            })?;
        record!(&mut *tx, m, &sum, now);
        tx.commit().await?;
        report.applied.push((m.version, m.name));
    }
    Ok(())
}

pub(crate) async fn pending(pool: &Pool) -> Result<usize> {
    let applied: Result<Vec<i64>, sqlx::Error> = with_pool!(pool, p => {
        sqlx::query("SELECT version FROM custodian_migrations")
            .fetch_all(p)
            .await
            .and_then(|rows| rows.iter().map(|r| r.try_get::<i64, _>("version")).collect())
    });
    // No ledger table yet means nothing has been applied.
    let applied = applied.unwrap_or_default();
    Ok(MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count())
}
