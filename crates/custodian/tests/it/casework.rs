//! Casework over HTTP: a caseworker signs in with a one-time code, finds a
//! message in their team's inbox, reads it (audited), assigns it, writes a
//! note, replies by email to a real SMTP server on loopback, and closes it,
//! which starts the retention period the policy gives.

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, Site, SmtpServer, fixture_with_smtp};

async fn send_contact_form(b: &mut Browser) {
    send_as(
        b,
        "Ada Lovelace",
        "ada@example.com",
        "Can you help me?",
        "no",
    )
    .await;
}

async fn send_as(b: &mut Browser, name: &str, email: &str, message: &str, forward: &str) {
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", name)]),
        ("/forms/contact/email", vec![("email", email)]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", message)],
        ),
        ("/forms/contact/permission", vec![("forward", forward)]),
    ] {
        let p = b.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303);
}

#[tokio::test]
async fn a_caseworker_reads_assigns_notes_replies_and_closes_a_case() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with_args(
        &fixture_with_smtp(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut person = site.browser();
    send_contact_form(&mut person).await;
    // The confirmation email.
    smtp.wait_for(1).await;

    let secret = site.add_staff("casey", "caseworker");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("casey", &secret).await.status, 303);
    let inbox = staff.get("/staff/cases?team=enquiries&status=new").await;
    assert_eq!(inbox.status, 200);
    let (_, vault) = site.vault().await;
    let all = vault
        .cases(&CaseFilter {
            limit: 10,
            ..CaseFilter::default()
        })
        .await
        .unwrap();
    let case = &all[0];
    assert!(inbox.body.contains(&case.reference), "{}", inbox.body);
    // Search by reference, in lower case as people type it.
    let found = staff
        .get(&format!(
            "/staff/cases?reference={}",
            case.reference.to_lowercase()
        ))
        .await;
    assert!(found.body.contains(&case.reference));
    let none = staff.get("/staff/cases?status=closed").await;
    assert!(!none.body.contains(&case.reference));

    let path = format!("/staff/cases/{}", case.id);
    let page = staff.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ada Lovelace") && page.body.contains("Can you help me?"));
    let p = staff.submit(&path, &format!("{path}/assign"), &[]).await;
    assert_eq!(p.status, 303);
    let p = staff
        .submit(&path, &format!("{path}/note"), &[("text", "")])
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Enter a note"));
    let p = staff
        .submit(
            &path,
            &format!("{path}/note"),
            &[("text", "Checked with the rights team.")],
        )
        .await;
    assert_eq!(p.status, 303);
    let p = staff
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("text", "Dear Ada,\n\nYes, we can help.")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let messages = smtp.wait_for(2).await;
    let reply = messages
        .iter()
        .find(|m| m.contains("Our reply about"))
        .unwrap_or_else(|| panic!("no reply among {messages:?}"));
    assert!(reply.contains("To: ada@example.com"));
    assert!(reply.contains("Yes, we can help."));
    assert!(reply.contains(&case.reference));

    let page = staff.get(&path).await;
    assert!(page.body.contains("Checked with the rights team."));
    assert!(page.body.contains("Reply sent"));
    assert!(page.body.contains("Replied"));
    let p = staff.submit(&path, &format!("{path}/close"), &[]).await;
    assert_eq!(p.status, 303);
    let row = vault.case_row(&case.id).await.unwrap().unwrap();
    assert_eq!(row.status, "closed");
    assert_eq!(row.assigned_to.as_deref(), Some("casey"));

    // "1 year after the case is closed": every record of the case now has
    // a deadline a year from now, and the reply is kept in the case.
    let subject = vault
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let export = vault
        .export(&subject, "test", crate::support::now())
        .await
        .unwrap();
    let case_items: Vec<_> = export
        .items
        .iter()
        .filter(|i| i.source == format!("case:{}", case.id))
        .collect();
    assert!(case_items.iter().any(|i| i.field == "reply"));
    assert!(
        case_items.iter().all(|i| i.deletion.date.is_some()),
        "{case_items:?}"
    );

    // Each read of the case is in the audit log, under the caseworker.
    let audit = site.cli(&["audit", "verify"]);
    assert_eq!(audit.status.code(), Some(0));
    let (store, _) = site.vault().await;
    let entries = store.audit_recent(Some("staff:casey"), 50).await.unwrap();
    for action in [
        "read case",
        "assign case",
        "note on case",
        "reply to case",
        "close case",
    ] {
        assert!(
            entries.iter().any(|e| e.action == action),
            "{action} audited"
        );
    }
    assert!(entries.iter().all(|e| !e.detail.contains("Ada")));
}

#[tokio::test]
async fn other_roles_cannot_open_the_inbox() {
    let site = Site::start().await;
    let secret = site.add_staff("dana", "dpo");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("dana", &secret).await.status, 303);
    assert_eq!(staff.get("/staff/cases").await.status, 403);
}

#[tokio::test]
async fn passing_a_case_on_sends_personal_details_only_with_permission_and_is_recorded() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with_args(
        &fixture_with_smtp(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    send_as(
        &mut site.browser(),
        "Nell Nope",
        "nell@example.com",
        "Who runs schools?",
        "no",
    )
    .await;
    send_as(
        &mut site.browser(),
        "Yan Yes",
        "yan@example.com",
        "Who runs hospitals?",
        "yes",
    )
    .await;
    smtp.wait_for(2).await;
    let (_, vault) = site.vault().await;
    let all = vault
        .cases(&CaseFilter {
            limit: 10,
            ..CaseFilter::default()
        })
        .await
        .unwrap();
    let secret = site.add_staff("casey", "caseworker");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("casey", &secret).await.status, 303);
    for case in &all {
        let path = format!("/staff/cases/{}", case.id);
        // Refused: a recipient the policy does not name, and no reason.
        let p = staff
            .submit(
                &path,
                &format!("{path}/forward"),
                &[
                    ("recipient", "the_press"),
                    ("to", "desk@dept.example"),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        let p = staff
            .submit(
                &path,
                &format!("{path}/forward"),
                &[
                    ("recipient", "other_departments"),
                    ("to", "desk@dept.example"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains("Enter why you are passing the case on"));
        let p = staff
            .submit(
                &path,
                &format!("{path}/forward"),
                &[
                    ("recipient", "other_departments"),
                    ("to", "desk@dept.example"),
                    ("reason", "They run it"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = staff.get(&path).await;
        assert!(page.body.contains("Passed on"));
    }
    let messages = smtp.wait_for(4).await;
    let forwarded: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("passed to you"))
        .collect();
    assert_eq!(forwarded.len(), 2);
    let to_nell = forwarded
        .iter()
        .find(|m| m.contains("Who runs schools?"))
        .unwrap();
    assert!(
        !to_nell.contains("Nell") && !to_nell.contains("nell@example.com"),
        "{to_nell}"
    );
    assert!(to_nell.contains("have been removed"));
    let to_yan = forwarded
        .iter()
        .find(|m| m.contains("Who runs hospitals?"))
        .unwrap();
    assert!(
        to_yan.contains("Yan Yes") && to_yan.contains("yan@example.com"),
        "{to_yan}"
    );

    // Each is in the disclosure record, on the basis it had.
    for (email, version) in [
        ("nell@example.com", "redacted"),
        ("yan@example.com", "full"),
    ] {
        let person = vault.find_by_email(email).await.unwrap().unwrap();
        let disclosures = vault.disclosures(&person).await.unwrap();
        assert_eq!(disclosures.len(), 1);
        assert_eq!(disclosures[0].recipient, "other_departments");
        assert_eq!(disclosures[0].version, version);
        assert_eq!(disclosures[0].actor, "staff:casey");
    }
}
