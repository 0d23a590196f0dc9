//! Consultations: each respondent chooses whether their response may be
//! published; analysts see counts, percentages and free text without
//! identity, and CSV exports hold no identifying answer, the publishable
//! one only what its authors agreed to.

use crate::support::{Browser, FIXTURE, Site};

async fn respond(b: &mut Browser, name: &str, happy: &str, thoughts: &str, publish: &str) {
    for (path, fields) in [
        ("/forms/views/about", vec![("name", name), ("email", "")]),
        (
            "/forms/views/views",
            vec![("happy", happy), ("thoughts", thoughts)],
        ),
        ("/forms/views/publish", vec![("publish", publish)]),
    ] {
        let p = b.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let p = b
        .submit("/forms/views/check", "/forms/views/check", &[])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
}

#[tokio::test]
async fn analysts_see_results_and_exports_without_identity() {
    let site = Site::start_with_args(FIXTURE, &["--min-fill-seconds", "0"]).await;
    respond(
        &mut site.browser(),
        "Ada Lovelace",
        "yes",
        "Quick and kind.",
        "named",
    )
    .await;
    respond(
        &mut site.browser(),
        "Bob Babbage",
        "yes",
        "Fine really.",
        "no",
    )
    .await;
    respond(
        &mut site.browser(),
        "Cy Coder",
        "no",
        "Too slow.",
        "anonymous",
    )
    .await;

    // Responses are for analysis, not casework: no inbox shows them.
    let secret = site.add_staff("cass", "caseworker");
    let mut caseworker = site.browser();
    assert_eq!(caseworker.sign_in("cass", &secret).await.status, 303);
    let inbox = caseworker.get("/staff/cases").await;
    assert!(!inbox.body.contains("HYS-"), "{}", inbox.body);

    let secret = site.add_staff("annie", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    let list = analyst.get("/staff/consultations").await;
    assert!(list.body.contains("Have your say"));
    let page = analyst.get("/staff/consultations/views").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("3 responses; 2 may be published"), "{body}");
    assert!(body.contains("Happy: 67% (2)"), "{body}");
    assert!(body.contains("Not happy: 33% (1)"));
    for text in ["Quick and kind.", "Fine really.", "Too slow."] {
        assert!(body.contains(text));
    }
    // Whole names: a fragment such as "Ada" can turn up by chance in the
    // page's random form tokens.
    for name in ["Ada Lovelace", "Bob Babbage", "Cy Coder"] {
        assert!(!body.contains(name), "{name} shown to the analyst");
    }

    let all = analyst
        .get("/staff/consultations/views/responses.csv")
        .await;
    assert_eq!(all.status, 200);
    assert!(
        all.header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = all.body.lines().collect();
    assert_eq!(
        lines[0],
        "\"Are you happy with the service?\",\"What do you think?\""
    );
    assert_eq!(lines.len(), 4, "{}", all.body);
    let publishable = analyst
        .get("/staff/consultations/views/publishable.csv")
        .await;
    let published: Vec<&str> = publishable.body.lines().collect();
    assert_eq!(published.len(), 3, "{}", publishable.body);
    assert!(!publishable.body.contains("Fine really."), "Bob said no");
    // No personal field in either export.
    for csv in [&all.body, &publishable.body] {
        for personal in ["Ada", "Lovelace", "Bob", "Babbage", "Cy Coder", "@"] {
            assert!(!csv.contains(personal), "{personal} in {csv}");
        }
    }
    // Reading the responses is in the audit log.
    let (store, _) = site.vault().await;
    let entries = store.audit_recent(Some("staff:annie"), 20).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "analyse responses" && e.detail.contains("3 responses"))
    );
}
