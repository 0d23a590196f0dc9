//! Crash durability: under a load of form submissions the server is killed
//! with SIGKILL (no chance to tidy up), started again, and every submission
//! that was given a reference number must be there, the database must pass
//! its integrity check and the audit chain must verify. Acknowledged means
//! durable (invariant 6).
//!
//! `CUSTODIAN_CRASH_ROUNDS` sets the rounds (3 by default, as in CI);
//! `scripts/crash-test` runs 20.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, FIXTURE, Server, Site};

const WORKERS: usize = 6;
const SERVE_ARGS: &[&str] = &[
    "--min-fill-seconds",
    "0",
    "--submissions-per-minute",
    "1000000",
];

/// The reference on a confirmation page: `TS-XXXX-XXXX`.
fn reference(body: &str) -> Option<String> {
    body.match_indices("TS-").find_map(|(at, _)| {
        let candidate = body.get(at..at + 12)?;
        let b = candidate.as_bytes();
        let ok = b[7] == b'-'
            && b[3..7]
                .iter()
                .chain(&b[8..12])
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        ok.then(|| candidate.to_owned())
    })
}

/// One person sending the contact form; the reference once it is shown.
pub async fn send_one(
    b: &mut Browser,
    name: &str,
    email: &str,
) -> Result<Option<String>, reqwest::Error> {
    let steps: [(&str, Vec<(&str, &str)>); 4] = [
        ("/forms/contact/name", vec![("name", name)]),
        ("/forms/contact/email", vec![("email", email)]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", "Is this kept?")],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
    ];
    b.try_get("/forms/contact").await?;
    for (path, fields) in &steps {
        b.try_submit(path, path, fields).await?;
    }
    let sent = b
        .try_submit("/forms/contact/check", "/forms/contact/check", &[])
        .await?;
    if sent.status != 303 {
        return Ok(None);
    }
    let confirmation = b.try_get("/forms/contact/sent").await?;
    Ok(reference(&confirmation.body))
}

async fn integrity_ok(site: &Site) {
    if site.db.url.is_none() {
        use sqlx::{Connection, Row};
        let url = format!(
            "sqlite://{}",
            site.data_dir().join("custodian.db").display()
        );
        let Ok(mut c) = sqlx::SqliteConnection::connect(&url).await else {
            panic!("cannot open the database file")
        };
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&mut c)
            .await;
        let verdict: String = row.and_then(|r| r.try_get(0)).unwrap_or_default();
        assert_eq!(verdict, "ok");
    }
    let verify = site.cli(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}{}",
        crate::support::stdout(&verify),
        crate::support::stderr(&verify)
    );
}

#[tokio::test]
async fn every_acknowledged_submission_survives_sigkill() {
    let rounds: usize = std::env::var("CUSTODIAN_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut site = Site::start_with_args(FIXTURE, SERVE_ARGS).await;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    for round in 0..rounds {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (base, acknowledged) = (site.server.base.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    let mut b = Browser::new(&base);
                    for n in 0.. {
                        b.jar.clear();
                        let name = format!("Person {}", w * 100_000 + n);
                        match send_one(&mut b, &name, "crash@example.com").await {
                            Ok(Some(r)) => {
                                if let Ok(mut a) = acknowledged.lock() {
                                    a.push(r);
                                }
                            }
                            Ok(None) => {}
                            Err(_) => break, // the server is gone
                        }
                    }
                })
            })
            .collect();
        // Kill at a different moment each round, mid-load.
        let before = acknowledged.lock().map(|a| a.len()).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(1200 + 250 * (round as u64 % 4))).await;
        site.server.kill_now();
        for w in workers {
            let _ = w.await;
        }
        let after = acknowledged.lock().map(|a| a.len()).unwrap_or(0);
        assert!(
            after > before,
            "round {round}: no submission was acknowledged before the kill"
        );
        let _ = site.server.exit_within(Duration::from_secs(10)).await;

        site.server =
            Server::start_with_args(&site.config_path(), &site.data_dir(), &site.db, SERVE_ARGS)
                .await;
        integrity_ok(&site).await;
        let (_, vault) = site.vault().await;
        let stored: std::collections::HashSet<String> = vault
            .cases(&CaseFilter {
                limit: 1_000_000,
                ..CaseFilter::default()
            })
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.reference)
            .collect();
        let acknowledged = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
        let missing: Vec<&String> = acknowledged
            .iter()
            .filter(|r| !stored.contains(*r))
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} of {} acknowledged submissions lost: {missing:?}",
            missing.len(),
            acknowledged.len()
        );
        eprintln!(
            "round {round}: {} acknowledged so far, all present ({} cases stored)",
            acknowledged.len(),
            stored.len()
        );
    }
}

#[test]
fn a_reference_is_found_on_the_confirmation_page() {
    assert_eq!(
        reference("<p>Your reference is <strong>TS-7K3M-Q9XD</strong></p>").as_deref(),
        Some("TS-7K3M-Q9XD")
    );
    assert_eq!(reference("TS-lower-case"), None);
}
