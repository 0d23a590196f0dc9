//! Requests about data in the staff area: the DPO records one that came by
//! post, sees it overdue, stops the clock for proof of identity, is refused
//! a late extension, closes it with what was done, and downloads everything
//! held about the person in one click.

use crate::support::{Browser, Site};

async fn dpo(site: &Site) -> Browser {
    let secret = site.add_staff("dee", "dpo");
    let mut b = site.browser();
    assert_eq!(b.sign_in("dee", &secret).await.status, 303);
    b
}

const NEW: &str = "/staff/requests/new";

#[tokio::test]
async fn a_dpo_records_a_postal_request_and_works_it_to_a_close_against_its_deadline() {
    let site = Site::start().await;
    let mut b = dpo(&site).await;
    let empty = b.get("/staff/requests").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("There are no requests yet"));

    // Bad input: each problem named, nothing stored.
    let bad = b
        .submit(
            NEW,
            NEW,
            &[
                ("received-day", "1"),
                ("received-month", "1"),
                ("received-year", "2999"),
                ("email", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    for expected in [
        "Select what the person asked for",
        "Select how the request reached us",
        "must be today or in the past",
        "Enter an email address in the correct format",
        "Enter what the person asked for",
    ] {
        assert!(bad.body.contains(expected), "{expected}: {}", bad.body);
    }
    let impossible = b
        .submit(
            NEW,
            NEW,
            &[
                ("kind", "access"),
                ("channel", "post"),
                ("received-day", "30"),
                ("received-month", "2"),
                ("received-year", "2026"),
                ("contact", "Ann Example, 1 High Street"),
                ("details", "Please send me what you hold."),
            ],
        )
        .await;
    assert!(impossible.body.contains("must be a real date"));
    assert_eq!(site.count_rows("rights_requests").await, 0);

    // A letter that arrived on 31 January 2026: one month ends on Saturday
    // 28 February, so the answer was due on Monday 2 March.
    let created = b
        .submit(
            NEW,
            NEW,
            &[
                ("kind", "access"),
                ("channel", "post"),
                ("received-day", "31"),
                ("received-month", "1"),
                ("received-year", "2026"),
                ("email", "ann@example.com"),
                ("contact", "Ann Example, 1 High Street, Testtown"),
                ("details", "Please send me everything you hold about me."),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page_path = created.location().unwrap_or_default();
    let page = b.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Answer by</dt><dd class=\"govuk-summary-list__value\">2 March 2026"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Overdue"));
    assert!(
        page.body
            .contains("Please send me everything you hold about me.")
    );
    assert!(page.body.contains("Ann Example, 1 High Street, Testtown"));
    let list = b.get("/staff/requests").await;
    assert!(list.body.contains("1 request is past the deadline"));
    assert!(list.body.contains("govuk-tag--red"));

    // Waiting for proof of identity stops the clock: not overdue meanwhile.
    let action = |a: &'static str| vec![("action", a)];
    assert_eq!(
        b.submit(&page_path, &page_path, &action("await_identity"))
            .await
            .status,
        303
    );
    let paused = b.get("/staff/requests").await;
    assert!(paused.body.contains("Clock stopped"));
    assert!(!paused.body.contains("past the deadline"));
    assert_eq!(
        b.submit(&page_path, &page_path, &action("identity_proven"))
            .await
            .status,
        303
    );

    // Too late to extend: the person had to be told within the first month.
    let today = time::OffsetDateTime::now_utc().date();
    let (d, m, y) = (
        today.day().to_string(),
        u8::from(today.month()).to_string(),
        today.year().to_string(),
    );
    let late = b
        .submit(
            &page_path,
            &page_path,
            &[
                ("action", "extend"),
                ("months", "2"),
                ("reason", "It is complex"),
                ("told-day", &d),
                ("told-month", &m),
                ("told-year", &y),
            ],
        )
        .await;
    assert_eq!(late.status, 400);
    assert!(
        late.body
            .contains("within the first month, which ended on 2 March 2026"),
        "{}",
        late.body
    );

    // Closing needs what was done.
    let no_outcome = b.submit(&page_path, &page_path, &action("done")).await;
    assert_eq!(no_outcome.status, 400);
    assert!(no_outcome.body.contains("Say what was done"));

    // One click: everything held about the person, with the request.
    let export = b
        .submit(&page_path, &format!("{page_path}/export"), &[])
        .await;
    assert_eq!(export.status, 200);
    let json: serde_json::Value = serde_json::from_str(&export.body).unwrap_or_default();
    assert!(
        json["request"]["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("DPR-"))
    );
    assert!(
        json["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["value"] == "ann@example.com"))
    );

    let closed = b
        .submit(
            &page_path,
            &page_path,
            &[
                ("action", "done"),
                (
                    "outcome",
                    "Sent a copy of everything by post on 1 December.",
                ),
            ],
        )
        .await;
    assert_eq!(closed.status, 303);
    let after = b.get(&page_path).await;
    assert!(after.body.contains("Done"));
    assert!(after.body.contains("Sent a copy of everything by post"));
    assert!(!after.body.contains("Close the request"));
    let list = b.get("/staff/requests").await;
    assert!(!list.body.contains("past the deadline"));

    // Every read and change is in the audit log.
    let (store, _) = site.vault().await;
    let audit = store
        .audit_recent(Some("staff:dee"), 50)
        .await
        .unwrap_or_default();
    for action in ["request", "read", "export"] {
        assert!(
            audit.iter().any(|e| e.action == action),
            "{action}: {audit:?}"
        );
    }
}

#[tokio::test]
async fn an_extension_told_in_time_moves_the_deadline_by_the_months_given() {
    let site = Site::start().await;
    let mut b = dpo(&site).await;
    // Received today: the first month has not ended, so it can be extended.
    let now = time::OffsetDateTime::now_utc().date();
    let (d, m, y) = (
        now.day().to_string(),
        u8::from(now.month()).to_string(),
        now.year().to_string(),
    );
    let created = b
        .submit(
            NEW,
            NEW,
            &[
                ("kind", "erasure"),
                ("channel", "phone"),
                ("received-day", &d),
                ("received-month", &m),
                ("received-year", &y),
                ("contact", "Phoned: Bob, 01234 567890"),
                ("details", "Delete everything."),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page_path = created.location().unwrap_or_default();
    let no_reason = b
        .submit(
            &page_path,
            &page_path,
            &[
                ("action", "extend"),
                ("months", "1"),
                ("told-day", &d),
                ("told-month", &m),
                ("told-year", &y),
            ],
        )
        .await;
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.body.contains("Give the reason for the extension"));
    let extended = b
        .submit(
            &page_path,
            &page_path,
            &[
                ("action", "extend"),
                ("months", "2"),
                ("reason", "We hold records in several systems."),
                ("told-day", &d),
                ("told-month", &m),
                ("told-year", &y),
            ],
        )
        .await;
    assert_eq!(extended.status, 303, "{}", extended.body);
    let page = b.get(&page_path).await;
    assert!(
        page.body.contains("(extended by 2 months)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("We hold records in several systems."));
    assert!(
        !page.body.contains("Extend the deadline"),
        "two months is the most"
    );
}
