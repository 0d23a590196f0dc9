//! Health and readiness for load balancers: `/healthz` answers while the
//! process runs; `/readyz` only while the database answers and every
//! migration is applied. Neither sets a cookie.

use crate::support::Site;

#[tokio::test]
async fn alive_and_ready_and_not_ready_without_every_migration() {
    let site = Site::start().await;
    let mut b = site.browser();
    let alive = b.get("/healthz").await;
    assert_eq!((alive.status, alive.body.as_str()), (200, "ok\n"));
    assert!(alive.set_cookies.is_empty(), "{:?}", alive.set_cookies);
    assert_eq!(alive.header("cache-control").as_deref(), Some("no-store"));

    let ready = b.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    let json: serde_json::Value = serde_json::from_str(&ready.body).unwrap_or_default();
    assert_eq!(json["ready"], true);
    assert!(ready.set_cookies.is_empty());

    // As if a newer build's migration had been rolled back under it.
    site.sabotage("DELETE FROM custodian_migrations WHERE version = (SELECT MAX(version) FROM custodian_migrations)")
        .await;
    let not_ready = b.get("/readyz").await;
    assert_eq!(not_ready.status, 503, "{}", not_ready.body);
    let json: serde_json::Value = serde_json::from_str(&not_ready.body).unwrap_or_default();
    assert_eq!(json["ready"], false);
    assert_eq!(
        json["reason"],
        "1 database migration is not applied: run `custodian migrate`"
    );
    // Alive all the same: the process answers.
    assert_eq!(b.get("/healthz").await.status, 200);
}
