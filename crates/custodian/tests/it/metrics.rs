//! `/metrics` for Prometheus: requests by route pattern and status, latency,
//! job runs, the outbox and ingested log lines; open to loopback or with
//! the token, closed to relayed requests and other addresses, and free of
//! anything a person sent. And the logs, as text or JSON, with a request id.

use std::time::Duration;

use crate::support::{Site, metric};

#[tokio::test]
async fn loopback_reads_the_metrics_and_they_hold_nothing_personal() {
    let site = Site::start_with_args(crate::support::FIXTURE, &["--job-interval", "1"]).await;
    let mut b = site.browser();
    assert_eq!(
        b.get("/privacy?email=someone%40example.com").await.status,
        200
    );
    assert_eq!(b.get("/privacy").await.status, 200);
    assert_eq!(b.get("/no/such/page/someone@example.com").await.status, 404);

    // Jobs run in their first slot at start; wait for the retention run.
    let mut text = String::new();
    for _ in 0..50 {
        let page = b.get("/metrics").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("application/openmetrics-text"))
        );
        assert!(page.set_cookies.is_empty(), "{:?}", page.set_cookies);
        text = page.body;
        if text.contains(r#"custodian_job_runs_total{job="retention"}"#) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let privacy = metric(
        &text,
        r#"custodian_http_requests_total{method="GET",route="/privacy",status="200"}"#,
    );
    assert_eq!(privacy, Some(2.0), "{text}");
    assert!(
        text.contains(
            r#"custodian_http_requests_total{method="GET",route="(unmatched)",status="404"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"custodian_http_request_duration_seconds_bucket{le="0.001",route="/privacy"}"#
        ) || text.contains(
            r#"custodian_http_request_duration_seconds_bucket{route="/privacy",le="0.001"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"custodian_job_runs_total{job="retention"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"custodian_outbox_messages{status="queued"} 0"#),
        "{text}"
    );
    assert!(text.contains("custodian_log_lines_ingested "), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    for personal in ["someone", "example.com", "127.0.0.1", "email"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }

    // Through a proxy on the same machine the request is not local.
    b.extra_headers = vec![("x-forwarded-for".into(), "203.0.113.9".into())];
    let relayed = b.get("/metrics").await;
    assert_eq!(relayed.status, 403, "{}", relayed.body);
    assert!(!relayed.body.contains("custodian_"));
}

#[tokio::test]
async fn other_addresses_need_the_token() {
    let site = Site::start_with_env(
        crate::support::FIXTURE,
        &["--metrics-allow", "10.0.0.0/8"],
        &[("CUSTODIAN_METRICS_TOKEN", "a-long-random-scrape-token")],
    )
    .await;
    let mut b = site.browser();
    let refused = b.get("/metrics").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!refused.body.contains("custodian_http_requests_total"));

    b.extra_headers = vec![("authorization".into(), "Bearer not-the-token".into())];
    assert_eq!(b.get("/metrics").await.status, 403);

    b.extra_headers = vec![(
        "authorization".into(),
        "Bearer a-long-random-scrape-token".into(),
    )];
    let opened = b.get("/metrics").await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(
        opened.body.contains("custodian_http_requests_total"),
        "{}",
        opened.body
    );
    // The token is never logged.
    assert!(!site.server.log().contains("a-long-random-scrape-token"));
}

#[tokio::test]
async fn json_logs_give_one_object_a_line_with_the_request_id() {
    let site = Site::start_with_args(crate::support::FIXTURE, &["--log-format", "json"]).await;
    let mut b = site.browser();
    let page = b.get("/privacy?email=someone%40example.com").await;
    assert_eq!(page.status, 200);
    let Some(id) = page.header("x-request-id") else {
        panic!("no request id")
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = site.server.log();
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = entries
        .iter()
        .find(|e| e["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no entry for request {id} in {log}"));
    assert_eq!(request["route"], "/privacy");
    assert_eq!(request["status"], 200);
    assert_eq!(request["level"], "INFO");
    assert!(!log.contains("someone"), "{log}");
}
