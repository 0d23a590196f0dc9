use crate::support::{FIXTURE, Site};

#[tokio::test]
async fn a_changed_policy_is_published_as_a_new_version_with_a_diff() {
    let site = Site::start().await;
    let mut browser = site.browser();
    assert!(
        browser
            .get("/privacy")
            .await
            .body
            .contains("Version 1, published")
    );

    // Restarting on the same content publishes nothing new, even reformatted.
    let reformatted = format!("# a comment changes nothing\n{FIXTURE}");
    let site = site.restart_with(&reformatted).await;
    let mut browser = site.browser();
    assert!(
        browser
            .get("/privacy")
            .await
            .body
            .contains("Version 1, published")
    );

    let changed = FIXTURE.replace(
        "We use your message to answer it.",
        "We use your message to answer it and to improve our guidance.",
    );
    let site = site.restart_with(&changed).await;
    let mut browser = site.browser();
    let privacy = browser.get("/privacy").await;
    assert!(
        privacy.body.contains("Version 2, published"),
        "{}",
        privacy.body
    );
    assert!(privacy.body.contains("to improve our guidance"));

    let versions = browser.get("/privacy/versions").await;
    assert_eq!(versions.status, 200);
    assert!(versions.body.contains("Version 2 (current)"));
    assert!(versions.body.contains("Version 1"));
    assert!(versions.body.contains("This was the first version."));
    assert!(
        versions.body.contains(
            "Added:</span> We use your message to answer it and to improve our guidance."
        ),
        "{}",
        versions.body
    );
    assert!(
        versions
            .body
            .contains("Removed:</span> We use your message to answer it.")
    );

    let old = browser.get("/privacy/versions/1").await;
    assert_eq!(old.status, 200);
    assert!(old.body.contains("This is an earlier version"));
    assert!(!old.body.contains("to improve our guidance"));
    assert_eq!(browser.get("/privacy/versions/3").await.status, 404);
    assert_eq!(browser.get("/privacy/versions/x").await.status, 404);

    let json: serde_json::Value =
        serde_json::from_str(&browser.get("/privacy.json").await.body).unwrap_or_default();
    assert_eq!(json["version"]["sequence"], 2);
    site.server.stop().await;
}
