//! The disclosure log on the Children's Commissioner example, whose notice
//! promises "if we're worried about your safety ... we may have to pass on
//! your details without your permission" and, for a partner on a project,
//! "we will let you know who and why". The DPO records a safeguarding
//! disclosure with a reason not to tell, and a partner disclosure that
//! emails the person; a recipient the policy does not name is refused; the
//! person's portal shows only the disclosure they were told about.

use crate::support::{Browser, Site, SmtpServer, mail_text};

fn config(smtp: &SmtpServer) -> String {
    let example = include_str!("../../../../examples/childrens-commissioner.toml");
    format!(
        "{example}\n[mail]\nfrom = \"Test <noreply@test.example>\"\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_security = \"none\"\n",
        smtp.port
    )
}

async fn send_message(b: &mut Browser, email: &str) {
    for (path, fields) in [
        ("/forms/contact_us/name", vec![("name", "Sam")]),
        ("/forms/contact_us/email", vec![("email", email)]),
        (
            "/forms/contact_us/message",
            vec![("message", "Things are hard at home.")],
        ),
    ] {
        let p = b.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let sent = b
        .submit("/forms/contact_us/check", "/forms/contact_us/check", &[])
        .await;
    assert_eq!(sent.status, 303);
}

const NEW: &str = "/staff/disclosures/new";

#[tokio::test]
async fn a_safeguarding_disclosure_is_not_shown_and_a_partner_one_is_emailed_and_shown() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with_args(
        &config(&smtp),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut person = site.browser();
    send_message(&mut person, "sam@example.com").await;

    let secret = site.add_staff("dee", "dpo");
    let mut dpo = site.browser();
    assert_eq!(dpo.sign_in("dee", &secret).await.status, 303);
    let form = dpo.get(NEW).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("Children&#x27;s services or the police")
            || form.body.contains("Children's services or the police")
    );

    // Every missing answer is named; nothing is recorded.
    let empty = dpo.submit(NEW, NEW, &[]).await;
    assert_eq!(empty.status, 400);
    for expected in [
        "Enter their email address",
        "Select who the information went to",
        "Enter why the information was passed on",
        "Enter which information was passed on",
        "Select the lawful basis or exemption",
        "Enter who authorised it",
        "Select whether the person is told",
    ] {
        assert!(empty.body.contains(expected), "{expected}: {}", empty.body);
    }
    // A recipient the policy does not name for the purpose is refused.
    let undeclared = dpo
        .submit(
            NEW,
            NEW,
            &[
                ("email", "sam@example.com"),
                ("route", "contact_us/project_partners"),
                ("why", "A project"),
                ("data", "Name"),
                ("basis", "public_task"),
                ("authorised_by", "Someone"),
                ("tell", "email"),
            ],
        )
        .await;
    assert_eq!(undeclared.status, 400);
    assert!(
        undeclared
            .body
            .contains("The policy does not name that recipient for that purpose")
    );
    let nobody = dpo
        .submit(
            NEW,
            NEW,
            &[
                ("email", "unknown@example.com"),
                ("route", "help_at_hand/safeguarding_services"),
                ("why", "x"),
                ("data", "x"),
                ("basis", "vital_interests"),
                ("authorised_by", "x"),
                ("tell", "email"),
            ],
        )
        .await;
    assert!(nobody.body.contains("We hold nothing under that address"));
    let not_told_without_reason = dpo
        .submit(
            NEW,
            NEW,
            &[
                ("email", "sam@example.com"),
                ("route", "help_at_hand/safeguarding_services"),
                ("why", "x"),
                ("data", "x"),
                ("basis", "vital_interests"),
                ("authorised_by", "x"),
                ("tell", "not_told"),
            ],
        )
        .await;
    assert!(
        not_told_without_reason
            .body
            .contains("Enter the reason for not telling the person")
    );
    assert_eq!(site.count_rows("disclosures").await, 0);

    // Safeguarding: vital interests, and a recorded reason not to tell.
    let safeguarding = dpo
        .submit(
            NEW,
            NEW,
            &[
                ("email", "sam@example.com"),
                ("route", "help_at_hand/safeguarding_services"),
                ("why", "We are worried about Sam's safety at home."),
                ("data", "Sam's name, email address and message"),
                ("basis", "vital_interests"),
                ("authorised_by", "Head of safeguarding"),
                ("tell", "not_told"),
                ("not_told_reason", "Telling Sam now could put Sam at risk."),
            ],
        )
        .await;
    assert_eq!(safeguarding.status, 303, "{}", safeguarding.body);
    let shown = dpo.get(&safeguarding.location().unwrap_or_default()).await;
    assert!(
        shown
            .body
            .contains("Telling Sam now could put Sam at risk.")
    );
    assert!(shown.body.contains("Not told: reason recorded"));

    // A partner on a project: Sam is emailed who and why.
    let partner = dpo
        .submit(
            NEW,
            NEW,
            &[
                ("email", "sam@example.com"),
                ("route", "listen_to_children/project_partners"),
                ("why", "To invite Sam to the Care Review project."),
                ("data", "Sam's name and email address"),
                ("basis", "public_task"),
                ("authorised_by", "Project lead"),
                ("tell", "email"),
            ],
        )
        .await;
    assert_eq!(partner.status, 303, "{}", partner.body);
    let mail = smtp
        .message_to("sam@example.com", "We have shared your information")
        .await;
    let text = mail_text(&mail);
    assert!(text.contains("A partner working on a specific project"));
    assert!(text.contains("To invite Sam to the Care Review project."));
    assert!(!text.contains("safety"));

    let log = dpo.get("/staff/disclosures").await;
    assert!(log.body.contains("Not told: reason recorded"));
    assert!(log.body.contains("Told on"));
    assert_eq!(site.count_rows("disclosures").await, 2);

    // Sam's portal: the partner disclosure, and nothing of the other.
    let mut sam = site.browser();
    sam.submit("/your-data", "/your-data", &[("email", "sam@example.com")])
        .await;
    let code_mail = smtp.message_to("sam@example.com", "Your code is").await;
    let code_text = mail_text(&code_mail);
    let at = code_text.find("Your code is ").unwrap_or(0) + "Your code is ".len();
    let code = code_text.get(at..at + 6).unwrap_or_default().to_owned();
    let proven = sam
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(proven.location().as_deref(), Some("/your-data/held"));
    let held = sam.get("/your-data/held").await;
    assert!(
        held.body
            .contains("Who we have shared your information with")
    );
    assert!(
        held.body
            .contains("A partner working on a specific project")
    );
    assert!(
        held.body
            .contains("To invite Sam to the Care Review project.")
    );
    for hidden in [
        "police",
        "worried about Sam",
        "put Sam at risk",
        "Head of safeguarding",
    ] {
        assert!(!held.body.contains(hidden), "{hidden} shown: {}", held.body);
    }
    let download = sam.get("/your-data/download").await;
    assert!(download.body.contains("Care Review"));
    assert!(!download.body.contains("worried about Sam"));
    assert!(!download.body.contains("safeguarding_services"));

    // Sam asks by letter for a copy: the DPO's one-click answer leaves out
    // the same, while the DPO's own view of Sam still shows it.
    let today = time::OffsetDateTime::now_utc().date();
    let (d, m, y) = (
        today.day().to_string(),
        u8::from(today.month()).to_string(),
        today.year().to_string(),
    );
    let request = dpo
        .submit(
            "/staff/requests/new",
            "/staff/requests/new",
            &[
                ("kind", "access"),
                ("channel", "post"),
                ("received-day", &d),
                ("received-month", &m),
                ("received-year", &y),
                ("email", "sam@example.com"),
                ("contact", "Sam, by post"),
                ("details", "Please send me everything you hold about me."),
            ],
        )
        .await;
    assert_eq!(request.status, 303, "{}", request.body);
    let request_path = request.location().unwrap_or_default();
    let answer = dpo
        .submit(&request_path, &format!("{request_path}/export"), &[])
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("Care Review"), "{}", answer.body);
    for hidden in [
        "worried about Sam",
        "put Sam at risk",
        "Head of safeguarding",
        "safeguarding_services",
    ] {
        assert!(!answer.body.contains(hidden), "{hidden} in the answer");
    }
    let log = dpo.get("/staff/disclosures").await;
    assert!(
        log.body.contains("Not told: reason recorded"),
        "the DPO still sees it"
    );

    // The operator's export is the person's copy too, unless they ask for
    // everything by name.
    let copy = site.cli(&["subject", "export", "--email", "sam@example.com"]);
    assert!(copy.status.success(), "{copy:?}");
    let copy = String::from_utf8_lossy(&copy.stdout);
    assert!(copy.contains("Care Review"), "{copy}");
    for hidden in [
        "worried about Sam",
        "put Sam at risk",
        "safeguarding_services",
    ] {
        assert!(!copy.contains(hidden), "{hidden} in the CLI export");
    }
    let all = site.cli(&[
        "subject",
        "export",
        "--email",
        "sam@example.com",
        "--including-untold",
    ]);
    assert!(all.status.success(), "{all:?}");
    assert!(String::from_utf8_lossy(&all.stdout).contains("worried about Sam"));
}
