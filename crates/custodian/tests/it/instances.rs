//! Two `serve` processes on one database, as behind a load balancer: a
//! person signed in on one carries on on the other; each periodic job slot
//! runs once between them; a rate limit counts attempts made on both. Runs
//! on PostgreSQL (the deployment with several instances) and on SQLite (two
//! processes on one file in WAL mode) alike.

use std::time::Duration;

use crate::crash::send_one;
use crate::support::{Browser, FIXTURE, Server, Site, metric};

const ARGS: &[&str] = &[
    "--min-fill-seconds",
    "0",
    "--submissions-per-minute",
    "2",
    "--job-interval",
    "1",
];

fn runs_of(scrape: &str, job: &str) -> f64 {
    metric(
        scrape,
        &format!("custodian_job_runs_total{{job=\"{job}\"}}"),
    )
    .unwrap_or(0.0)
}

#[tokio::test]
async fn two_instances_share_sign_in_jobs_and_rate_limits() {
    let site = Site::start_with_args(FIXTURE, ARGS).await;
    let other =
        Server::start_with_args(&site.config_path(), &site.data_dir(), &site.db, ARGS).await;
    let secret = site.add_staff("casey", "caseworker");

    // Signed in on one, carrying on on the other.
    let mut on_a = site.browser();
    let signed_in = on_a.sign_in("casey", &secret).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let mut on_b = Browser::new(&other.base);
    on_b.jar = on_a.jar.clone();
    let home = on_b.get("/staff").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body.contains("You are signed in as casey"),
        "{}",
        home.body
    );
    // A form posted on B with the token A's page gave is accepted.
    let out = on_a.get("/staff").await;
    let token = out.hidden("request_token").unwrap_or_default();
    let signed_out = on_b
        .post("/staff/sign-out", &[("request_token", &token)])
        .await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.body);
    assert_eq!(
        on_a.get("/staff").await.location().as_deref(),
        Some("/staff/sign-in"),
        "signed out on B is signed out on A"
    );

    // Rate limit: 2 a minute between both, over a sliding window, so it
    // holds even when the three straddle a minute's end.
    let mut person = site.browser();
    for n in 0..2 {
        let sent = send_one(&mut person, &format!("Person {n}"), "limit@example.com").await;
        assert!(matches!(sent, Ok(Some(_))), "submission {n} on A: {sent:?}");
    }
    let mut same_person_on_b = Browser::new(&other.base);
    let third = send_one(&mut same_person_on_b, "Person 2", "limit@example.com").await;
    assert!(
        matches!(third, Ok(None)),
        "a third on B within the minute: {third:?}"
    );
    let refused = same_person_on_b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("Too many forms"), "{}", refused.body);

    // Jobs: every slot claimed once, by one of the two, and every run was
    // a claimed slot.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let metrics_a = site.browser().get("/metrics").await.body;
    let metrics_b = Browser::new(&other.base).get("/metrics").await.body;
    let runs = runs_of(&metrics_a, "session sweep") + runs_of(&metrics_b, "session sweep");
    let slots = site
        .count_rows("job_runs WHERE name = 'session sweep'")
        .await;
    assert!(slots >= 3, "{slots} slots in 3 s at one a second");
    // A slot claimed while the metrics were read may not have counted yet;
    // a job run by both would double the runs.
    assert!(
        runs as i64 <= slots && runs as i64 >= slots - 2,
        "runs on A and B together ({runs}) one per slot ({slots})"
    );
    assert!(
        runs_of(&metrics_a, "session sweep") > 0.0 || runs_of(&metrics_b, "session sweep") > 0.0
    );
    other.stop().await;
}
