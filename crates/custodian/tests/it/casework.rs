//! Casework over HTTP: a caseworker signs in with a one-time code, finds a
//! message in their team's inbox, reads it (audited), assigns it, writes a
//! note, replies by email to a real SMTP server on loopback, and closes it,
//! which starts the retention period the policy gives.

use custodian_store::personal::cases::CaseFilter;

use crate::support::{Browser, Site, SmtpServer, fixture_with_smtp};

/// The newest case in a team's inbox, read as the server would.
async fn newest_case(
    vault: &custodian_vault::Vault,
    team: &str,
) -> custodian_store::personal::cases::CaseRow {
    vault
        .cases(&CaseFilter {
            teams: Some(&[team.to_owned()]),
            limit: 1,
            ..CaseFilter::default()
        })
        .await
        .unwrap_or_default()
        .pop()
        .unwrap_or_else(|| panic!("no case for {team}"))
}

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
    assert_eq!(row.status.as_str(), "closed");
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

#[tokio::test]
async fn a_caseworker_sees_and_acts_on_their_own_teams_cases_only() {
    let config = format!(
        "{}\n[teams.complaints]\nname = \"Complaints\"\n",
        crate::support::FIXTURE
    );
    let site = Site::start_with_args(&config, &["--min-fill-seconds", "0"]).await;
    let mut person = site.browser();
    send_contact_form(&mut person).await;

    // With two teams, a caseworker must be given theirs.
    let refused = site.cli_with_input(
        &[
            "staff",
            "add",
            "--username",
            "nobody",
            "--role",
            "caseworker",
            "--password-stdin",
        ],
        crate::support::STAFF_PASSWORD,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(crate::support::stderr(&refused).contains("--team"));

    let add = |name: &str, team: &str| {
        let out = site.cli_with_input(
            &[
                "staff",
                "add",
                "--username",
                name,
                "--role",
                "caseworker",
                "--team",
                team,
                "--password-stdin",
            ],
            crate::support::STAFF_PASSWORD,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            crate::support::stderr(&out)
        );
        crate::support::stdout(&out)
            .lines()
            .find_map(|l| l.strip_prefix("authenticator secret: "))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let enquiries = add("enid", "enquiries");
    let complaints = add("cora", "complaints");
    let (_, vault) = site.vault().await;
    let case = newest_case(&vault, "enquiries").await;

    let mut enid = site.browser();
    assert_eq!(enid.sign_in("enid", &enquiries).await.status, 303);
    assert!(
        enid.get("/staff/cases")
            .await
            .body
            .contains(&case.reference)
    );
    assert_eq!(
        enid.get(&format!("/staff/cases/{}", case.id)).await.status,
        200
    );

    let mut cora = site.browser();
    assert_eq!(cora.sign_in("cora", &complaints).await.status, 303);
    let inbox = cora.get("/staff/cases").await;
    assert_eq!(inbox.status, 200);
    assert!(!inbox.body.contains(&format!("/staff/cases/{}", case.id)));
    let searched = cora
        .get(&format!(
            "/staff/cases?team=enquiries&reference={}",
            case.reference
        ))
        .await;
    assert!(
        !searched.body.contains(&format!("/staff/cases/{}", case.id)),
        "another team's case is not found"
    );
    assert_eq!(
        cora.get(&format!("/staff/cases/{}", case.id)).await.status,
        404
    );
    let note = cora
        .submit(
            "/staff/cases",
            &format!("/staff/cases/{}/note", case.id),
            &[("note", "not mine")],
        )
        .await;
    assert_eq!(note.status, 404);

    // Moved to the other team, from the next request on.
    let moved = site.cli(&[
        "staff",
        "teams",
        "--username",
        "cora",
        "--team",
        "enquiries",
    ]);
    assert_eq!(
        moved.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&moved)
    );
    assert_eq!(
        cora.get(&format!("/staff/cases/{}", case.id)).await.status,
        200
    );
}

#[tokio::test]
async fn an_administrator_gives_a_new_caseworker_their_teams() {
    let config = format!(
        "{}\n[teams.complaints]\nname = \"Complaints\"\n",
        crate::support::fixture_with_mail_files()
    );
    let site = Site::start_with_args(&config, &["--min-fill-seconds", "0"]).await;
    let mut person = site.browser();
    send_contact_form(&mut person).await;
    let secret = site.add_staff("ada", "admin");
    let mut admin = site.browser();
    assert_eq!(admin.sign_in("ada", &secret).await.status, 303);
    let page = admin.get("/staff/accounts").await;
    assert!(page.body.contains("Complaints") && page.body.contains("Enquiries"));
    let fields = [
        ("username", "quill"),
        ("role", "caseworker"),
        ("email", "quill@test.example"),
    ];
    let untold = admin
        .submit("/staff/accounts", "/staff/accounts", &fields)
        .await;
    assert_eq!(untold.status, 400);
    assert!(
        untold
            .body
            .contains("Select the teams whose messages this caseworker answers")
    );
    let mut with_team = fields.to_vec();
    with_team.push(("team", "complaints"));
    let added = admin
        .submit("/staff/accounts", "/staff/accounts", &with_team)
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let link = crate::support::enrolment_link(&site, "quill").await;
    let mut quill = site.browser();
    let quill_secret = crate::support::enrol(&mut quill, &link, "another long passphrase").await;
    let code = crate::support::totp_code_at(&quill_secret, 30);
    let signed = quill
        .submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", "quill"),
                ("password", "another long passphrase"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    // The enquiry is not the complaints team's.
    let inbox = quill.get("/staff/cases").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("No cases match."), "{}", inbox.body);
    assert!(!inbox.body.contains("TS-"));
}

/// Civil Service Jobs: "Once we have replied to you, we keep a record of
/// your message for audit purposes": 2 years after the reply, through an
/// erasure request, then deleted by retention.
#[tokio::test]
async fn a_replied_feedback_message_is_kept_for_audit_for_two_years_then_deleted() {
    let smtp = SmtpServer::start().await;
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/civil-service-jobs.toml"
    ))
    .unwrap_or_default();
    let config = format!(
        "{example}\n[mail]\nfrom = \"Civil Service Jobs <noreply@test.example>\"\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\n",
        smtp.port
    );
    let site = Site::start_with_args(
        &config,
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut person = site.browser();
    for (path, fields) in [
        (
            "/forms/feedback/message",
            vec![("message", "The search page is slow")],
        ),
        (
            "/forms/feedback/email",
            vec![("email", "audit.me@example.com")],
        ),
        (
            "/forms/feedback/permission",
            vec![
                ("share_with_departments", "no"),
                ("share_with_suppliers", "no"),
            ],
        ),
    ] {
        let p = person.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let sent = person
        .submit("/forms/feedback/check", "/forms/feedback/check", &[])
        .await;
    assert_eq!(sent.status, 303);

    let secret = site.add_staff("desk", "caseworker");
    let mut staff = site.browser();
    assert_eq!(staff.sign_in("desk", &secret).await.status, 303);
    let (_, vault) = site.vault().await;
    let case = newest_case(&vault, "service_desk").await;
    let path = format!("/staff/cases/{}", case.id);
    let replied = staff
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("text", "Thank you: we are fixing it.")],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);
    let replied_at = crate::support::now();

    // An erasure request before then keeps the message, and says why.
    let subject = vault
        .find_by_email("audit.me@example.com")
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no subject"));
    let report = vault
        .erase(&subject, "test", replied_at)
        .await
        .unwrap_or_else(|e| panic!("erase: {e}"));
    assert!(!report.kept.is_empty());
    assert!(
        report
            .kept
            .iter()
            .all(|k| k.reason.contains("for audit purposes"))
    );
    assert!(report.kept.iter().any(|k| k.field == "message"));

    let day = 24 * 60 * 60;
    let two_years = 730 * day;
    let not_yet = vault
        .retention_due(replied_at + two_years - 2 * day)
        .await
        .unwrap_or_default();
    assert!(
        not_yet
            .iter()
            .all(|d| d.source != format!("case:{}", case.id)),
        "{not_yet:?}"
    );
    let due = vault
        .retention_due(replied_at + two_years + 2 * day)
        .await
        .unwrap_or_default();
    assert!(
        due.iter()
            .any(|d| d.source == format!("case:{}", case.id) && d.field == "message")
    );
    let run = vault
        .enforce_retention(replied_at + two_years + 2 * day)
        .await
        .unwrap_or_else(|e| panic!("retention: {e}"));
    assert!(run.records_deleted >= 1);
    assert!(
        vault.case_row(&case.id).await.ok().flatten().is_none(),
        "the case went with its records"
    );
}
