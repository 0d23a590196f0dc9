//! `/metrics`: what an operator's Prometheus scrapes. Requests by route and
//! status, latency by route, job runs, retention deletions, the outbox and
//! log lines ingested. Labels are route patterns, job names and status
//! codes only: nothing a person typed or is, so nothing personal.
//!
//! Who may read it is [`MetricsAccess`]: a client on an allowed network
//! (loopback by default), connecting directly, or anyone presenting the
//! bearer token. A request relayed by a proxy carries a forwarding header
//! and is not taken as local, since the proxy itself connects from loopback.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use subtle::ConstantTimeEq;

use crate::state::AppState;

/// Who may scrape `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    /// Networks whose direct connections may read the metrics.
    pub allow: Vec<ipnet::IpNet>,
    /// A bearer token that opens it from anywhere.
    pub token: Option<String>,
}

impl Default for MetricsAccess {
    fn default() -> Self {
        MetricsAccess {
            allow: ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
            token: None,
        }
    }
}

impl MetricsAccess {
    /// `client` is the connecting address, or with `trust_proxy` the one
    /// the proxy forwarded.
    fn admits(&self, client: Option<IpAddr>, headers: &HeaderMap, trust_proxy: bool) -> bool {
        if let Some(token) = &self.token
            && let Some(given) = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        {
            return bool::from(given.as_bytes().ct_eq(token.as_bytes()));
        }
        let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|h| headers.contains_key(*h));
        (trust_proxy || !relayed)
            && client.is_some_and(|ip| self.allow.iter().any(|net| net.contains(&ip)))
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

/// From a millisecond to about 16 seconds, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The metrics one process keeps. Counters live in memory; the outbox and
/// ingestion figures are read from the database at each scrape, so every
/// instance reports the same shared numbers for them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    job_runs: Family<JobLabels, Counter>,
    retention_deleted: Family<KindLabels, Counter>,
    outbox: Family<StatusLabels, Gauge>,
    log_lines: Gauge,
    log_malformed: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("custodian");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route pattern",
            latency.clone(),
        );
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register(
            "job_runs",
            "Background job runs by this instance",
            job_runs.clone(),
        );
        let retention_deleted = Family::<KindLabels, Counter>::default();
        registry.register(
            "retention_deleted",
            "Records and people deleted by retention in this instance",
            retention_deleted.clone(),
        );
        let outbox = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "outbox_messages",
            "Messages in the outbox, by status (shared by every instance)",
            outbox.clone(),
        );
        let log_lines = Gauge::default();
        registry.register(
            "log_lines_ingested",
            "Log lines read by every ingestion run (shared by every instance)",
            log_lines.clone(),
        );
        let log_malformed = Gauge::default();
        registry.register(
            "log_lines_malformed",
            "Malformed log lines counted and skipped by every ingestion run",
            log_malformed.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            job_runs,
            retention_deleted,
            outbox,
            log_lines,
            log_malformed,
        }
    }
}

impl Metrics {
    /// One answered request. `route` is the route pattern, never the path.
    pub fn request(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    pub fn job_ran(&self, job: &'static str) {
        self.job_runs.get_or_create(&JobLabels { job }).inc();
    }

    pub fn retention_deleted(&self, records: u64, subjects: u64) {
        for (kind, n) in [("records", records), ("people", subjects)] {
            self.retention_deleted
                .get_or_create(&KindLabels { kind })
                .inc_by(n);
        }
    }

    /// The text a scrape gets, after reading the shared figures.
    async fn render(&self, app: &AppState) -> Result<String, String> {
        let outbox = app
            .store
            .outbox_counts()
            .await
            .map_err(|e| format!("cannot read the outbox: {e}"))?;
        for (status, n) in [
            ("queued", outbox.queued),
            ("sent", outbox.sent),
            ("failed", outbox.failed),
        ] {
            self.outbox.get_or_create(&StatusLabels { status }).set(n);
        }
        let (lines, malformed) = app
            .store
            .log_lines_total()
            .await
            .map_err(|e| format!("cannot read the ingestion runs: {e}"))?;
        self.log_lines.set(lines);
        self.log_malformed.set(malformed);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| format!("cannot encode the metrics: {e}"))?;
        Ok(text)
    }
}

pub async fn metrics(State(app): State<AppState>, request: Request) -> Response {
    let trust_proxy = app.checked.config.site.trust_proxy;
    let client = crate::client::client_address(
        request.headers(),
        request.extensions().get::<ConnectInfo<SocketAddr>>(),
        trust_proxy,
    );
    if !app
        .options
        .metrics
        .admits(client, request.headers(), trust_proxy)
    {
        return (
            StatusCode::FORBIDDEN,
            "The metrics are open only to the addresses the operator allows, or with the metrics token.\n",
        )
            .into_response();
    }
    let mut response = match app.metrics.render(&app).await {
        Ok(text) => (StatusCode::OK, text).into_response(),
        Err(reason) => {
            tracing::warn!(reason, "metrics unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The metrics cannot be read now.\n",
            )
                .into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_let_in_directly_but_not_through_a_proxy() {
        let access = MetricsAccess::default();
        let local: IpAddr = [127, 0, 0, 1].into();
        assert!(access.admits(Some(local), &HeaderMap::new(), false));
        let mut relayed = HeaderMap::new();
        relayed.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert!(!access.admits(Some(local), &relayed, false));
        // Behind a trusted proxy the forwarded address is the client's.
        assert!(!access.admits(Some([203, 0, 113, 9].into()), &relayed, true));
        assert!(access.admits(Some(local), &relayed, true));
        assert!(!access.admits(Some([203, 0, 113, 9].into()), &HeaderMap::new(), false));
        assert!(!access.admits(None, &HeaderMap::new(), false));
    }

    #[test]
    fn the_token_opens_it_from_anywhere_and_a_wrong_one_does_not() {
        let access = MetricsAccess {
            allow: Vec::new(),
            token: Some("s3cret-token".to_owned()),
        };
        let mut right = HeaderMap::new();
        right.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret-token"),
        );
        assert!(access.admits(Some([203, 0, 113, 9].into()), &right, false));
        let mut wrong = HeaderMap::new();
        wrong.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer nope"),
        );
        assert!(!access.admits(Some([127, 0, 0, 1].into()), &wrong, false));
    }
}
