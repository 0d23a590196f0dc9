//! The caseworker's inbox over HTTP: tabs with counts that follow the
//! cases as they are assigned, answered and closed; open cases oldest
//! first; pages of 25; sorting by a column; and finding a person's cases by
//! their email address, sent by POST (never in a URL) and audited.

use custodian_vault::{Answer, NewCase, Vault};

use custodian_store::personal::inbox::{InboxFilter, InboxQuery, InboxSort};

use crate::support::{FIXTURE, Site};

/// Opens `n` contact cases for the enquiries team, a second apart, the
/// first from `first@example.com`; their references, oldest first.
async fn open_cases(vault: &Vault, n: usize, start: i64) -> Vec<String> {
    let mut references = Vec::new();
    for i in 0..n {
        let email = if i == 0 {
            "first@example.com".to_owned()
        } else {
            format!("person{i}@example.com")
        };
        let answers = [
            Answer {
                category: "contact_details",
                purpose: "answer_enquiries",
                field: "name",
                value: "Someone",
            },
            Answer {
                category: "contact_details",
                purpose: "answer_enquiries",
                field: "email",
                value: &email,
            },
            Answer {
                category: "message",
                purpose: "answer_enquiries",
                field: "message",
                value: "Help",
            },
        ];
        let case = vault
            .open_case(
                &NewCase {
                    form: "contact",
                    team: Some("enquiries"),
                    reference_prefix: "TS",
                    email: Some(&email),
                    account: None,
                    answers: &answers,
                    permissions: &[],
                    consents: &[],
                    policy_version: 1,
                    hold: None,
                },
                start + i64::try_from(i).unwrap_or(0),
            )
            .await
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        references.push(case.reference);
    }
    references
}

/// The count a tab shows: "Unassigned (29".
fn count(body: &str, label: &str) -> i64 {
    let at = body
        .find(&format!(
            "{label} <span class=\"app-sub-navigation__count\">("
        ))
        .unwrap_or_else(|| panic!("no tab {label} in {body}"));
    let rest = &body[at..];
    let open = rest.find('(').unwrap_or(0) + 1;
    rest[open..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(-1)
}

#[tokio::test]
async fn a_caseworker_works_the_inbox_by_tabs_pages_sorting_and_search() {
    let site = Site::start_with_args(FIXTURE, &["--min-fill-seconds", "0"]).await;
    let (store, vault) = site.vault().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let references = open_cases(&vault, 30, now - 3_600).await;

    let secret = site.add_staff("casey", "caseworker");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("casey", &secret).await.status, 303);

    // Unassigned, oldest first, 25 to a page.
    let inbox = staff.get("/staff/cases").await;
    assert_eq!(inbox.status, 200);
    assert_eq!(count(&inbox.body, "Unassigned"), 30);
    assert_eq!(count(&inbox.body, "Assigned to me"), 0);
    assert!(inbox.body.contains("showing 1 to 25"), "{}", inbox.body);
    let (oldest, newest) = (&references[0], &references[29]);
    assert!(inbox.body.contains(oldest.as_str()));
    assert!(
        !inbox.body.contains(newest.as_str()),
        "the newest is on page 2"
    );
    let second = staff.get("/staff/cases?tab=unassigned&page=2").await;
    assert!(second.body.contains(newest.as_str()));
    assert!(second.body.contains("showing 26 to 30"));
    // Sorted the other way, the newest comes first.
    let newest_first = staff
        .get("/staff/cases?tab=unassigned&sort=received&order=descending")
        .await;
    assert!(newest_first.body.contains(newest.as_str()));
    assert!(newest_first.body.contains(r#"aria-sort="descending""#));
    // Anything unrecognised is the default view, not an error.
    let odd = staff.get("/staff/cases?tab=x&sort=id;drop&page=-3").await;
    assert_eq!(odd.status, 200);
    assert!(odd.body.contains(oldest.as_str()));

    // Taking the oldest moves it to "Assigned to me"; closing it, to "Closed".
    let teams = ["enquiries".to_owned()];
    let cases = vault
        .inbox(&InboxQuery {
            teams: &teams,
            me: "casey",
            filter: InboxFilter::Reference(oldest),
            sort: InboxSort::Received,
            descending: false,
            page: 0,
            per_page: 1,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let case = &cases.cases[0];
    let path = format!("/staff/cases/{}", case.id);
    assert_eq!(
        staff
            .submit(&path, &format!("{path}/assign"), &[])
            .await
            .status,
        303
    );
    let inbox = staff.get("/staff/cases?tab=mine").await;
    assert_eq!(count(&inbox.body, "Unassigned"), 29);
    assert_eq!(count(&inbox.body, "Assigned to me"), 1);
    assert!(inbox.body.contains(oldest.as_str()));
    assert_eq!(
        staff
            .submit(&path, &format!("{path}/close"), &[])
            .await
            .status,
        303
    );
    let closed = staff.get("/staff/cases?tab=closed").await;
    assert_eq!(count(&closed.body, "Assigned to me"), 0);
    assert_eq!(count(&closed.body, "Closed"), 1);
    assert!(closed.body.contains(oldest.as_str()));

    // Finding a person's cases by address: by POST, exact, audited.
    let found = staff
        .submit(
            "/staff/cases",
            "/staff/cases/search",
            &[("q", "first@example.com")],
        )
        .await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains(oldest.as_str()), "{}", found.body);
    assert!(
        found
            .body
            .contains("1 case found by the email address you entered")
    );
    assert!(
        !found.body.contains("first@example.com"),
        "the address is not shown back"
    );
    let nobody = staff
        .submit(
            "/staff/cases",
            "/staff/cases/search",
            &[("q", "nobody@example.com")],
        )
        .await;
    assert!(nobody.body.contains("No cases in your teams were found"));
    let bad = staff
        .submit("/staff/cases", "/staff/cases/search", &[("q", "someone@")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("Enter an email address in the correct format")
    );
    let searches = store
        .audit_entries(Some("staff:casey"), 0, 100)
        .await
        .unwrap_or_default();
    let finds: Vec<_> = searches.iter().filter(|e| e.action == "find").collect();
    assert_eq!(
        finds.len(),
        2,
        "both searches by address are audited; the refused ones and the reference are not"
    );
    assert!(finds.iter().all(|e| !e.detail.contains('@')));
    assert_eq!(finds[0].subject.as_deref(), Some(case.subject_id.as_str()));
}

#[tokio::test]
async fn the_response_target_dates_each_case_and_is_the_promise_the_site_makes() {
    let site = Site::start_with_args(FIXTURE, &["--min-fill-seconds", "0"]).await;
    let (_, vault) = site.vault().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Ten days ago is more than two working days ago, whatever today is;
    // a minute ago is less.
    let old = open_cases(&vault, 1, now - 10 * 86_400).await;
    let fresh = open_cases(&vault, 1, now - 60).await;

    let secret = site.add_staff("casey", "caseworker");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("casey", &secret).await.status, 303);
    let inbox = staff.get("/staff/cases").await;
    let row = |reference: &str| {
        let at = inbox
            .body
            .find(reference)
            .unwrap_or_else(|| panic!("{reference} listed"));
        let end = inbox.body[at..]
            .find("</tr>")
            .map_or(inbox.body.len(), |e| at + e);
        inbox.body[at..end].to_owned()
    };
    assert!(row(&old[0]).contains("Overdue"), "{}", row(&old[0]));
    let fresh_row = row(&fresh[0]);
    assert!(
        !fresh_row.contains("Overdue") && !fresh_row.contains("Due today"),
        "{fresh_row}"
    );

    // The same setting is the promise on the start page and in the notice.
    let mut visitor = site.browser();
    let start = visitor.get("/forms/contact").await;
    assert!(
        start
            .body
            .contains("We aim to reply within 2 working days."),
        "{}",
        start.body
    );
    let notice = visitor.get("/privacy").await;
    assert!(
        notice
            .body
            .contains("We aim to reply within 2 working days.")
    );
}
