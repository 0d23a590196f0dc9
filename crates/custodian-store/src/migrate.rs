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

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "vault",
        sqlite: include_str!("../migrations/sqlite/0002_vault.sql"),
        postgres: include_str!("../migrations/postgres/0002_vault.sql"),
    },
    Migration {
        version: 3,
        name: "audit",
        sqlite: include_str!("../migrations/sqlite/0003_audit.sql"),
        postgres: include_str!("../migrations/postgres/0003_audit.sql"),
    },
    Migration {
        version: 4,
        name: "staff",
        sqlite: include_str!("../migrations/sqlite/0004_staff.sql"),
        postgres: include_str!("../migrations/postgres/0004_staff.sql"),
    },
    Migration {
        version: 5,
        name: "outbox and jobs",
        sqlite: include_str!("../migrations/sqlite/0005_outbox_and_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0005_outbox_and_jobs.sql"),
    },
    Migration {
        version: 6,
        name: "records restrict",
        sqlite: include_str!("../migrations/sqlite/0006_records_restrict.sql"),
        postgres: include_str!("../migrations/postgres/0006_records_restrict.sql"),
    },
    Migration {
        version: 7,
        name: "cases",
        sqlite: include_str!("../migrations/sqlite/0007_cases.sql"),
        postgres: include_str!("../migrations/postgres/0007_cases.sql"),
    },
    Migration {
        version: 8,
        name: "disclosures",
        sqlite: include_str!("../migrations/sqlite/0008_disclosures.sql"),
        postgres: include_str!("../migrations/postgres/0008_disclosures.sql"),
    },
    Migration {
        version: 9,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0009_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0009_accounts.sql"),
    },
    Migration {
        version: 10,
        name: "staff teams",
        sqlite: include_str!("../migrations/sqlite/0010_staff_teams.sql"),
        postgres: include_str!("../migrations/postgres/0010_staff_teams.sql"),
    },
    Migration {
        version: 11,
        name: "subscriptions",
        sqlite: include_str!("../migrations/sqlite/0011_subscriptions.sql"),
        postgres: include_str!("../migrations/postgres/0011_subscriptions.sql"),
    },
    Migration {
        version: 12,
        name: "send audience",
        sqlite: include_str!("../migrations/sqlite/0012_send_audience.sql"),
        postgres: include_str!("../migrations/postgres/0012_send_audience.sql"),
    },
    Migration {
        version: 13,
        name: "rights requests",
        sqlite: include_str!("../migrations/sqlite/0013_rights_requests.sql"),
        postgres: include_str!("../migrations/postgres/0013_rights_requests.sql"),
    },
    Migration {
        version: 14,
        name: "disclosure log",
        sqlite: include_str!("../migrations/sqlite/0014_disclosure_log.sql"),
        postgres: include_str!("../migrations/postgres/0014_disclosure_log.sql"),
    },
    Migration {
        version: 15,
        name: "consent ledger",
        sqlite: include_str!("../migrations/sqlite/0015_consent_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0015_consent_ledger.sql"),
    },
    Migration {
        version: 16,
        name: "parental consent",
        sqlite: include_str!("../migrations/sqlite/0016_guardian_consent.sql"),
        postgres: include_str!("../migrations/postgres/0016_guardian_consent.sql"),
    },
    Migration {
        version: 17,
        name: "site statistics",
        sqlite: include_str!("../migrations/sqlite/0017_site_statistics.sql"),
        postgres: include_str!("../migrations/postgres/0017_site_statistics.sql"),
    },
    Migration {
        version: 18,
        name: "campaigns",
        sqlite: include_str!("../migrations/sqlite/0018_campaigns.sql"),
        postgres: include_str!("../migrations/postgres/0018_campaigns.sql"),
    },
    Migration {
        version: 19,
        name: "page days",
        sqlite: include_str!("../migrations/sqlite/0019_page_days.sql"),
        postgres: include_str!("../migrations/postgres/0019_page_days.sql"),
    },
    Migration {
        version: 20,
        name: "statistics by week",
        sqlite: include_str!("../migrations/sqlite/0020_stats_weeks.sql"),
        postgres: include_str!("../migrations/postgres/0020_stats_weeks.sql"),
    },
    Migration {
        version: 21,
        name: "rate limits shared by instances",
        sqlite: include_str!("../migrations/sqlite/0021_rate_limits.sql"),
        postgres: include_str!("../migrations/postgres/0021_rate_limits.sql"),
    },
    Migration {
        version: 22,
        name: "statistics by four weeks",
        sqlite: include_str!("../migrations/sqlite/0022_stats_blocks.sql"),
        postgres: include_str!("../migrations/postgres/0022_stats_blocks.sql"),
    },
    Migration {
        version: 23,
        name: "keyed sign-in throttle",
        sqlite: include_str!("../migrations/sqlite/0023_keyed_sign_in_throttle.sql"),
        postgres: include_str!("../migrations/postgres/0023_keyed_sign_in_throttle.sql"),
    },
    Migration {
        version: 24,
        name: "sessions bound to accounts",
        sqlite: include_str!("../migrations/sqlite/0024_sessions_bound_to_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0024_sessions_bound_to_accounts.sql"),
    },
    Migration {
        version: 25,
        name: "staff enrolment",
        sqlite: include_str!("../migrations/sqlite/0025_staff_enrolment.sql"),
        postgres: include_str!("../migrations/postgres/0025_staff_enrolment.sql"),
    },
    Migration {
        version: 26,
        name: "subscriptions wait for a parent",
        sqlite: include_str!("../migrations/sqlite/0026_subscriptions_wait_for_a_parent.sql"),
        postgres: include_str!("../migrations/postgres/0026_subscriptions_wait_for_a_parent.sql"),
    },
    Migration {
        version: 27,
        name: "measured browsers",
        sqlite: include_str!("../migrations/sqlite/0027_measured_browsers.sql"),
        postgres: include_str!("../migrations/postgres/0027_measured_browsers.sql"),
    },
    Migration {
        version: 28,
        name: "inbox indexes",
        sqlite: include_str!("../migrations/sqlite/0028_inbox_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0028_inbox_indexes.sql"),
    },
];

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

/// A name for the schema the migrations build: the same for the same
/// migrations, on either database. Tests keep one migrated PostgreSQL
/// database per fingerprint as a template and copy it, rather than migrate
/// afresh for each test.
pub fn schema_fingerprint() -> String {
    let mut hash = Sha256::new();
    for m in MIGRATIONS {
        hash.update(m.sqlite.as_bytes());
        hash.update(m.postgres.as_bytes());
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn run(pool: &Pool, now: i64) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    for m in MIGRATIONS {
        // Each step runs in its own transaction that first takes the
        // database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
        // transaction-scoped advisory lock), so two instances starting
        // together apply it once, and a failure releases everything.
        let applied = match pool {
            Pool::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::raw_sql(CREATE_LEDGER).execute(&mut *tx).await?;
                let applied = apply(&mut tx, m, m.sqlite, now).await?;
                tx.commit().await?;
                applied
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut *tx)
                    .await?;
                sqlx::raw_sql(CREATE_LEDGER).execute(&mut *tx).await?;
                let applied = apply(&mut tx, m, m.postgres, now).await?;
                tx.commit().await?;
                applied
            }
        };
        if applied {
            report.applied.push((m.version, m.name));
        }
    }
    Ok(report)
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

/// Apply one migration inside `tx` unless the ledger says it was; returns
/// whether it was applied now.
async fn apply<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    m: &Migration,
    sql: &'static str,
    now: i64,
) -> Result<bool>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    &'static str: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    let sum = checksum(sql);
    match applied_checksum!(&mut **tx, m.version) {
        Some(existing) if existing == sum => return Ok(false),
        Some(_) => {
            return Err(StoreError::MigrationChanged {
                version: m.version,
                name: m.name,
            });
        }
        None => {}
    }
    sqlx::raw_sql(sql)
        .execute(&mut **tx)
        .await
        .map_err(|source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source,
        })?;
    record!(&mut **tx, m, sum, now);
    Ok(true)
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
