//! Consultations: each respondent chooses whether their response may be
//! published; analysts see counts, percentages and free text without
//! identity, and CSV exports hold no identifying answer, the publishable
//! one only what its authors agreed to.

use crate::support::{Browser, FIXTURE, Site};

async fn respond(b: &mut Browser, name: &str, happy: &str, thoughts: &str, publish: &str) {
    answer(b, name, happy, thoughts, publish).await;
    let p = b
        .submit("/forms/views/check", "/forms/views/check", &[])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
}

/// Every page answered, up to checking the answers.
async fn answer(b: &mut Browser, name: &str, happy: &str, thoughts: &str, publish: &str) {
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

/// Issue 18, item 12: a response given in a browser is not lost to its
/// author. They can withdraw it from its confirmation page, and then it is
/// gone with everything in it, the person held for it included; one given
/// while a "your data" visit has proven who is sending belongs to that
/// person, so their export and erasure reach it.
#[tokio::test]
async fn a_respondent_can_withdraw_a_response_and_a_proven_one_is_theirs() {
    let smtp = crate::support::SmtpServer::start().await;
    let site = Site::start_with_args(
        &crate::support::fixture_with_smtp(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut b = site.browser();
    respond(&mut b, "Wendy Withdraw", "no", "Changed my mind.", "named").await;
    let sent = b.get("/forms/views/sent").await;
    assert!(sent.body.contains("Withdraw my response"), "{}", sent.body);
    assert_eq!(site.count_rows("cases").await, 1);
    let subjects_before = site.count_rows("subjects").await;
    let withdrawn = b
        .submit("/forms/views/sent", "/forms/views/withdraw", &[])
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert!(withdrawn.body.contains("Your response has been withdrawn"));
    assert_eq!(site.count_rows("cases").await, 0);
    assert_eq!(site.count_rows("records").await, 0, "every answer went");
    assert_eq!(
        site.count_rows("subjects").await,
        subjects_before - 1,
        "and the person held for it"
    );
    // Recorded in the audit log, whose chain still holds.
    let (store, _) = site.vault().await;
    let entries = match store.audit_entries(Some("respondent"), 0, 10).await {
        Ok(entries) => entries,
        Err(e) => panic!("cannot read the audit log: {e}"),
    };
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"response withdrawn"), "{actions:?}");
    assert!(actions.contains(&"erase"), "{actions:?}");
    assert!(matches!(store.verify_audit().await, Ok(None)));
    store.close().await;
    // Another browser, without the session, cannot withdraw anything.
    let mut other = site.browser();
    respond(&mut other, "Kept Response", "yes", "Good.", "no").await;
    let mut stranger = site.browser();
    let refused = stranger
        .submit("/forms/views", "/forms/views/withdraw", &[])
        .await;
    assert_eq!(refused.status, 303);
    assert_eq!(site.count_rows("cases").await, 1);

    // Proven first, then responding: the response is that person's.
    let mut proven = site.browser();
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", "Pat Proven")]),
        ("/forms/contact/email", vec![("email", "pat@example.com")]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", "A question")],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
        ("/forms/contact/check", vec![]),
    ] {
        let action = path.to_owned();
        let p = proven.submit(path, &action, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let asked = proven
        .submit("/your-data", "/your-data", &[("email", "pat@example.com")])
        .await;
    assert_eq!(asked.status, 200);
    let mut code = String::new();
    for _ in 0..100 {
        let found = smtp
            .messages()
            .iter()
            .map(|m| crate::support::mail_text(m))
            .find_map(|t| {
                let at = t.find("Your code is ")? + "Your code is ".len();
                t.get(at..at + 6).map(str::to_owned)
            });
        if let Some(found) = found {
            code = found;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let done = proven
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(done.location().as_deref(), Some("/your-data/held"));
    answer(&mut proven, "Pat Proven", "yes", "Mine, proven.", "no").await;
    let check = proven.get("/forms/views/check").await;
    assert!(
        check.body.contains(
            "we will keep what you send here with the other information we hold about you"
        ),
        "{}",
        check.body
    );
    let sent = proven
        .submit("/forms/views/check", "/forms/views/check", &[])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let (store, vault) = site.vault().await;
    let Ok(Some(pat)) = vault.find_by_email("pat@example.com").await else {
        panic!("pat is held")
    };
    let export = vault
        .export(&pat, "test", crate::support::now())
        .await
        .map(|e| e.items)
        .unwrap_or_default();
    assert!(
        export.iter().any(|i| i.value == "Mine, proven."),
        "the response is in the person's export: {export:?}"
    );
    // Erasing the person reaches it.
    vault
        .erase(&pat, "staff:dpo", crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes_left = store
        .personal_data()
        .records_of(&pat.id)
        .await
        .unwrap_or_default();
    assert!(bytes_left.is_empty(), "nothing of the response is left");
    store.close().await;
}
