//! The vault against a plain table, in the same run, on the same database.
//!
//! For each backend: fill the vault with SUBJECTS people of RECORDS records
//! each (stored a person at a time, as a form submission would be: encrypt,
//! then one committed transaction), and a plain table with the same rows
//! unencrypted; then time, for random people, an export (find by email,
//! decrypt everything) against a plain indexed SELECT, and an erasure
//! against a plain DELETE. Ratios are vault / plain.
//!
//!   cargo bench -p custodian-vault --bench vault
//!   BENCH_SUBJECTS=1000000 BENCH_RECORDS=10 cargo bench -p custodian-vault --bench vault
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ... (a scratch database is created)
//!
//! Filling 10,000,000 records takes half an hour, so on PostgreSQL a filled
//! database can be kept and measured again on a quiet machine:
//!   BENCH_KEEP_DATABASE=1 ...           keep the scratch database (its name is printed)
//!   BENCH_REUSE_DATABASE=NAME BENCH_MASTER_KEY=KEY BENCH_OFFSET=400 ...
//!                                       skip filling; measure NAME again (kept too)
//!   BENCH_FILL_ONLY=1 ...               fill, then stop before measuring

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use custodian_policy::ServerCookies;
use custodian_store::Store;
use custodian_vault::{LocalKeys, MasterKey, NewRecord, Vault};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, PgPool, Row, SqlitePool};

const POLICY: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");

/// The peer: the same rows in a plain table, through sqlx directly, with
/// the store's connection settings (WAL and synchronous = FULL on SQLite).
enum Plain {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

macro_rules! on {
    ($plain:expr, $p:ident => $body:expr) => {
        match $plain {
            Plain::Sqlite($p) => $body,
            Plain::Postgres($p) => $body,
        }
    };
}

impl Plain {
    async fn connect(url: &str) -> Plain {
        if url.starts_with("sqlite") {
            let options = url
                .parse::<SqliteConnectOptions>()
                .unwrap()
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            Plain::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .unwrap(),
            )
        } else {
            Plain::Postgres(
                PgPoolOptions::new()
                    .max_connections(4)
                    .connect(url)
                    .await
                    .unwrap(),
            )
        }
    }

    async fn raw(&self, sql: &str) {
        on!(self, p => { sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(p).await.unwrap(); });
    }

    async fn insert(&self, rows: &[(String, String, String, String)]) {
        on!(self, p => {
            let mut tx = p.begin().await.unwrap();
            for (id, owner, field, value) in rows {
                sqlx::query("INSERT INTO plain_records (id, owner, field, value) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(owner).bind(field).bind(value).execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        });
    }

    async fn select(&self, owner: &str) -> usize {
        on!(self, p => {
            sqlx::query("SELECT field, value FROM plain_records WHERE owner = $1").bind(owner).fetch_all(p).await.unwrap()
                .iter().map(|r| r.get::<String, _>("value").len()).filter(|n| *n > 0).count()
        })
    }

    async fn delete(&self, owner: &str) {
        on!(self, p => { sqlx::query("DELETE FROM plain_records WHERE owner = $1").bind(owner).execute(p).await.unwrap(); });
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let subjects = env("BENCH_SUBJECTS", 20_000);
    let per_subject = env("BENCH_RECORDS", 10);
    let samples = env("BENCH_SAMPLES", 200).min(subjects / 2).max(1);
    let dir = tempfile::tempdir().unwrap();
    let reuse = std::env::var("BENCH_REUSE_DATABASE").ok();
    let keep = reuse.is_some() || std::env::var("BENCH_KEEP_DATABASE").is_ok();
    let scratch = reuse
        .clone()
        .unwrap_or_else(|| format!("custodian_bench_{}", std::process::id()));
    let admin = std::env::var("BENCH_DATABASE_URL").ok();
    let url = match &admin {
        Some(admin) => {
            if reuse.is_none() {
                Plain::connect(admin)
                    .await
                    .raw(&format!("CREATE DATABASE {scratch}"))
                    .await;
            }
            format!("{}/{scratch}", admin.rsplit_once('/').unwrap().0)
        }
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        ),
    };
    let store = Store::connect(&url).await.unwrap();
    store.migrate(0).await.unwrap();
    let plain = Plain::connect(&url).await;
    if reuse.is_none() {
        plain.raw("CREATE TABLE plain_records (id TEXT PRIMARY KEY, owner TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL)").await;
        plain
            .raw("CREATE INDEX plain_by_owner ON plain_records (owner)")
            .await;
    }

    let checked = custodian_policy::load("site.toml", POLICY, &ServerCookies::current()).unwrap();
    // A kept database is measured again under the same master key.
    let master = match &reuse {
        Some(_) => std::env::var("BENCH_MASTER_KEY")
            .expect("BENCH_MASTER_KEY, printed by the run that kept the database"),
        None => MasterKey::generate().to_base64(),
    };
    if keep && reuse.is_none() {
        println!(
            "keeping database {scratch}; measure it again with BENCH_REUSE_DATABASE={scratch} BENCH_MASTER_KEY={master}"
        );
    }
    let keys = Arc::new(LocalKeys::from_env_value(&master).unwrap());
    let vault = Vault::open(store.clone(), keys, Arc::new(checked), 0)
        .await
        .unwrap();
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "{backend}: {subjects} people x {per_subject} records ({} records)",
        subjects * per_subject
    );

    let value = "A message of about the length people write in a contact form, with a name and a question in it.";
    let fields: Arc<Vec<String>> =
        Arc::new((0..per_subject).map(|i| format!("field{i}")).collect());
    // Submissions arrive from many people at once: fill with `tasks`
    // concurrent writers, each a slice of the people, on both sides.
    let tasks = env("BENCH_TASKS", 4).max(1);
    let vault = Arc::new(vault);
    let plain = Arc::new(plain);
    if reuse.is_some() {
        println!("store: not measured (reusing a filled database)");
    } else {
        println!("{tasks} concurrent writers");
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let (vault, fields) = (vault.clone(), fields.clone());
            handles.push(tokio::spawn(async move {
                for s in (t..subjects).step_by(tasks) {
                    let records: Vec<NewRecord> = fields
                        .iter()
                        .map(|f| NewRecord {
                            category: "message",
                            purpose: "answer_enquiries",
                            source: "form:contact",
                            field: f,
                            value,
                        })
                        .collect();
                    vault
                        .store_for_email(&format!("person{s}@example.com"), true, &records, 1)
                        .await
                        .unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let vault_secs = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let (plain, fields) = (plain.clone(), fields.clone());
            handles.push(tokio::spawn(async move {
                for s in (t..subjects).step_by(tasks) {
                    let rows: Vec<(String, String, String, String)> = fields
                        .iter()
                        .map(|f| {
                            (
                                format!("p{s}-{f}"),
                                format!("person{s}"),
                                f.clone(),
                                value.to_owned(),
                            )
                        })
                        .collect();
                    plain.insert(&rows).await;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let plain_secs = started.elapsed().as_secs_f64();
        let total = (subjects * per_subject) as f64;
        println!(
            "store: vault {:.0} records/s, plain {:.0} records/s, ratio {:.2}",
            total / vault_secs,
            total / plain_secs,
            (total / vault_secs) / (total / plain_secs)
        );
    }
    if std::env::var("BENCH_FILL_ONLY").is_ok() {
        return;
    }

    // Each measuring run of a kept database takes other people (an erased
    // person cannot be erased again): set BENCH_OFFSET for the next run.
    let offset = env("BENCH_OFFSET", 0);
    let pick = |i: usize| ((i + offset) * 7919) % subjects;
    let (mut vault_export, mut plain_select) = (Vec::new(), Vec::new());
    for i in 0..samples {
        let s = pick(i);
        let t = Instant::now();
        let subject = vault
            .find_by_email(&format!("person{s}@example.com"))
            .await
            .unwrap()
            .unwrap();
        let export = vault.export(&subject, "bench", 2).await.unwrap();
        assert_eq!(export.items.len(), per_subject);
        vault_export.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(plain.select(&format!("person{s}")).await, per_subject);
        plain_select.push(t.elapsed());
    }
    let (ve, ps) = (median(vault_export), median(plain_select));
    println!(
        "export one person: vault {:.2} ms median, plain select {:.2} ms, ratio {:.1}",
        ms(ve),
        ms(ps),
        ms(ve) / ms(ps)
    );

    let (mut vault_erase, mut plain_delete) = (Vec::new(), Vec::new());
    for i in 0..samples {
        let s = pick(i + samples);
        let t = Instant::now();
        let subject = vault
            .find_by_email(&format!("person{s}@example.com"))
            .await
            .unwrap();
        if let Some(subject) = subject {
            vault.erase(&subject, "bench", 2).await.unwrap();
            vault_erase.push(t.elapsed());
        }
        let t = Instant::now();
        plain.delete(&format!("person{s}")).await;
        plain_delete.push(t.elapsed());
    }
    let (vd, pd) = (median(vault_erase), median(plain_delete));
    println!(
        "erase one person: vault {:.2} ms median, plain delete {:.2} ms, ratio {:.1}",
        ms(vd),
        ms(pd),
        ms(vd) / ms(pd)
    );

    store.close().await;
    if let Plain::Postgres(p) = plain.as_ref() {
        p.close().await;
    }
    if let Some(admin) = admin.filter(|_| !keep) {
        Plain::connect(&admin)
            .await
            .raw(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
            .await;
    }
}
