//! The "your data" portal over HTTP: proving an address with a code from a
//! real SMTP server on loopback, seeing and downloading everything held,
//! asking for a correction, and erasure that keeps only what the policy
//! keeps, confirmed by email.

use crate::support::{Browser, Site, SmtpServer, fixture_with_smtp, mail_text};

async fn site(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &fixture_with_smtp(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

async fn send_contact_form(b: &mut Browser, name: &str, email: &str, message: &str) {
    for (path, fields) in [
        ("/forms/contact/name", vec![("name", name)]),
        ("/forms/contact/email", vec![("email", email)]),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", message)],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
    ] {
        let p = b.submit(path, path, &fields).await;
        assert_eq!(p.status, 303, "{path}: {}", p.body);
    }
    let p = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(p.status, 303);
}

/// The six-digit code in the newest code message to `to`.
async fn code_sent_to(smtp: &SmtpServer, to: &str, nth: usize) -> String {
    for _ in 0..300 {
        let codes: Vec<String> = smtp
            .messages()
            .iter()
            .filter(|m| m.contains(&format!("To: {to}")) && m.contains("Your code is"))
            .filter_map(|m| {
                let text = mail_text(m);
                let at = text.find("Your code is ")? + "Your code is ".len();
                text.get(at..at + 6).map(str::to_owned)
            })
            .collect();
        if codes.len() > nth {
            return codes[nth].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no code {nth} sent to {to}");
}

/// A page's main content with `address` and the form token taken out, to
/// compare two replies that must say the same thing.
fn main_without(body: &str, address: &str) -> String {
    let main = body
        .split("<main")
        .nth(1)
        .and_then(|m| m.split("</main>").next())
        .unwrap_or_default()
        .replace(address, "ADDRESS");
    main.split("name=\"")
        .filter(|part| !part.starts_with("request_token"))
        .collect()
}

/// Prove `email` in a new browser and return it, on the held page.
pub(crate) async fn proven(site: &Site, smtp: &SmtpServer, email: &str, nth: usize) -> Browser {
    let mut b = site.browser();
    let asked = b
        .submit("/your-data", "/your-data", &[("email", email)])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    // The code page names the address it went to.
    assert!(
        asked.body.contains(&format!(
            "<strong class=\"app-break-words\">{email}</strong>"
        )),
        "{}",
        asked.body
    );
    let code = code_sent_to(smtp, email, nth).await;
    let done = b
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location().as_deref(), Some("/your-data/held"));
    b
}

#[tokio::test]
async fn a_person_proves_their_address_then_sees_downloads_and_asks_to_correct_their_data() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut person = site.browser();
    send_contact_form(
        &mut person,
        "Ada Lovelace",
        "ada@example.com",
        "Can you help me?",
    )
    .await;

    // Nothing is shown without a proof.
    let mut b = site.browser();
    assert_eq!(
        b.get("/your-data/held").await.location().as_deref(),
        Some("/your-data")
    );
    let start = b.get("/your-data").await;
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Send me a code"));
    let bad = b
        .submit("/your-data", "/your-data", &[("email", "not an address")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("There is a problem"));
    assert!(
        bad.body
            .contains("Enter an email address in the correct format"),
        "{}",
        bad.body
    );

    // Asking looks the same whether or not anything is held.
    let asked = b
        .submit("/your-data", "/your-data", &[("email", "ada@example.com")])
        .await;
    let mut stranger = site.browser();
    let other = stranger
        .submit(
            "/your-data",
            "/your-data",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!((asked.status, other.status), (200, 200));
    // The same page but for the address each gave.
    assert_eq!(
        main_without(&asked.body, "ada@example.com"),
        main_without(&other.body, "nobody@example.com")
    );

    // A wrong code says how many tries are left; the right one proves it.
    let code = code_sent_to(&smtp, "ada@example.com", 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = b
        .submit("/your-data/code", "/your-data/code", &[("code", wrong)])
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("you have 4 tries left"),
        "{}",
        refused.body
    );
    let not_digits = b
        .submit("/your-data/code", "/your-data/code", &[("code", "12ab")])
        .await;
    assert!(not_digits.body.contains("Enter the 6-digit code"));
    let proven = b
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(proven.status, 303);
    assert!(
        proven.cookie("custodian_session").is_some(),
        "a proven address is a privilege: the session gets a new identifier"
    );
    // The code works once: the code page is gone, and so is the code.
    assert_eq!(
        b.get("/your-data/code").await.location().as_deref(),
        Some("/your-data")
    );
    let again = b
        .submit("/your-data/held", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(again.location().as_deref(), Some("/your-data"));

    let held = b.get("/your-data/held").await;
    assert_eq!(held.status, 200);
    for expected in [
        "Ada Lovelace",
        "Can you help me?",
        "Why we hold it",
        "Contact us, reference",
    ] {
        assert!(held.body.contains(expected), "{expected}: {}", held.body);
    }
    let download = b.get("/your-data/download").await;
    assert_eq!(download.status, 200);
    assert!(
        download
            .header("content-disposition")
            .unwrap_or_default()
            .starts_with("attachment")
    );
    let json: serde_json::Value = serde_json::from_str(&download.body).unwrap_or_default();
    let items = json["items"].as_array().cloned().unwrap_or_default();
    let name = items
        .iter()
        .find(|i| i["value"] == "Ada Lovelace")
        .cloned()
        .unwrap_or_default();
    assert_eq!(name["purpose"]["id"], "answer_enquiries");
    assert!(
        name["deletion"]["rule"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );

    // The stranger proves their address too, and learns only that nothing
    // is held for it.
    let stranger_code = code_sent_to(&smtp, "nobody@example.com", 0).await;
    stranger
        .submit(
            "/your-data/code",
            "/your-data/code",
            &[("code", &stranger_code)],
        )
        .await;
    let nothing = stranger.get("/your-data/held").await;
    assert!(nothing.body.contains("We hold no information about you"));
    assert!(!nothing.body.contains("Ada"));

    // A correction: the item and the change are both required.
    let form = b.get("/your-data/correct").await;
    assert!(form.body.contains("Which information is wrong?"));
    let empty = b
        .submit("/your-data/correct", "/your-data/correct", &[])
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Select the information that is wrong"));
    assert!(empty.body.contains("Enter what it should say"));
    let item = name["id"].as_str().unwrap_or_default().to_owned();
    let sent = b
        .submit(
            "/your-data/correct",
            "/your-data/correct",
            &[("item", &item), ("proposed", "Augusta Ada King")],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Request sent"));
    assert!(sent.body.contains("DPR-"));
    let mail = smtp
        .message_to("ada@example.com", "We have your request")
        .await;
    assert!(mail_text(&mail).contains("correct your information"));

    let (store, vault) = site.vault().await;
    let requests = vault.requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, "correction");
    assert_eq!(requests[0].channel, "portal");
    assert_eq!(requests[0].status.as_str(), "open");
    let details = vault
        .read_request(&requests[0], "test", crate::support::now())
        .await
        .unwrap_or_default();
    let get = |f: &str| details.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone());
    assert_eq!(get("proposed").as_deref(), Some("Augusta Ada King"));
    assert_eq!(get("record").as_deref(), Some(item.as_str()));
    assert!(get("disputed").is_some_and(|d| d.contains("Ada Lovelace")));
    assert_eq!(get("email").as_deref(), Some("ada@example.com"));
    // The DPO puts it right: the record itself changes, stamps and all kept.
    let secret = site.add_staff("dee", "dpo");
    let mut dpo = site.browser();
    assert_eq!(dpo.sign_in("dee", &secret).await.status, 303);
    let request_page = format!("/staff/requests/{}", requests[0].id);
    let shown = dpo.get(&request_page).await;
    assert!(shown.body.contains("Augusta Ada King"));
    assert!(shown.body.contains("Change the record"));
    let applied = dpo
        .submit(
            &request_page,
            &request_page,
            &[("action", "apply_correction")],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let closed = dpo
        .submit(
            &request_page,
            &request_page,
            &[
                ("action", "done"),
                ("outcome", "We changed your name as you asked."),
            ],
        )
        .await;
    assert_eq!(closed.status, 303);
    let after = b.get("/your-data/download").await;
    let json: serde_json::Value = serde_json::from_str(&after.body).unwrap_or_default();
    let corrected = json["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == name["id"]).cloned())
        .unwrap_or_default();
    assert_eq!(corrected["value"], "Augusta Ada King");
    assert_eq!(corrected["purpose"], name["purpose"]);
    assert_eq!(corrected["deletion"], name["deletion"]);
    // The person sees what was done.
    let held = b.get("/your-data/held").await;
    assert!(held.body.contains("We changed your name as you asked."));
    assert!(!held.body.contains(">Ada Lovelace<"));

    // The person's own reads are in the audit log, as the portal's.
    let audit = store
        .audit_recent(Some("portal"), 50)
        .await
        .unwrap_or_default();
    assert!(audit.iter().any(|e| e.action == "export"));
    assert!(audit.iter().any(|e| e.action == "proof"));
    let staff = store
        .audit_recent(Some("staff:dee"), 50)
        .await
        .unwrap_or_default();
    assert!(staff.iter().any(|e| e.action == "correct"));
}

#[tokio::test]
async fn codes_are_limited_expire_and_never_say_whether_data_is_held() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    for _ in 0..3 {
        let p = b
            .submit(
                "/your-data",
                "/your-data",
                &[("email", "grace@example.com")],
            )
            .await;
        assert_eq!(p.status, 200);
    }
    let fourth = b
        .submit(
            "/your-data",
            "/your-data",
            &[("email", "grace@example.com")],
        )
        .await;
    assert_eq!(fourth.status, 400);
    assert!(
        fourth
            .body
            .contains("We have sent 3 codes to this address in the last hour")
    );

    // Five wrong tries use a code up, even the right code after them.
    let code = code_sent_to(&smtp, "grace@example.com", 2).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        b.submit("/your-data/code", "/your-data/code", &[("code", wrong)])
            .await;
    }
    let used_up = b
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(used_up.status, 400);
    assert!(
        used_up.body.contains("cannot be used any more"),
        "{}",
        used_up.body
    );

    // An expired code says so.
    let mut late = site.browser();
    late.submit("/your-data", "/your-data", &[("email", "late@example.com")])
        .await;
    let code = code_sent_to(&smtp, "late@example.com", 0).await;
    site.sabotage("UPDATE identity_codes SET expires_at = 0")
        .await;
    let expired = late
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(expired.status, 400);
    assert!(expired.body.contains("That code has expired"));

    // A code works only in the browser that asked for it.
    let mut asker = site.browser();
    asker
        .submit(
            "/your-data",
            "/your-data",
            &[("email", "asker@example.com")],
        )
        .await;
    let code = code_sent_to(&smtp, "asker@example.com", 0).await;
    let mut thief = site.browser();
    let stolen = thief
        .submit("/your-data", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(stolen.location().as_deref(), Some("/your-data"));
    assert_eq!(
        thief.get("/your-data/held").await.location().as_deref(),
        Some("/your-data")
    );
    // The code still works where it was asked for.
    let own = asker
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(own.location().as_deref(), Some("/your-data/held"));

    // Codes are kept a day, then retention removes them.
    assert!(site.count_rows("identity_codes").await > 0);
    let (_, vault) = site.vault().await;
    let now = crate::support::now();
    let run = vault.enforce_retention(now).await.map(|r| r.codes_deleted);
    assert_eq!(run.ok(), Some(0), "not before their day is out");
    let later = vault
        .enforce_retention(now + 24 * 60 * 60 + 60)
        .await
        .map(|r| r.codes_deleted)
        .unwrap_or(0);
    assert!(later > 0);
    assert_eq!(site.count_rows("identity_codes").await, 0);
    assert_eq!(site.count_rows("rights_requests").await, 0);
}

#[tokio::test]
async fn erasure_from_the_portal_keeps_only_what_the_policy_keeps_and_is_confirmed_by_email() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut person = site.browser();
    send_contact_form(
        &mut person,
        "Alan Turing",
        "alan@example.com",
        "Please delete me",
    )
    .await;

    let mut b = proven(&site, &smtp, "alan@example.com", 0).await;
    let confirm = b.get("/your-data/delete").await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("Are you sure you want us to delete your data?")
    );
    assert!(confirm.body.contains("We will delete"));
    let done = b
        .submit(
            "/your-data/delete",
            "/your-data/delete",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your data has been deleted"));
    assert!(done.body.contains("DPR-"));
    // The visit is over: nothing more can be read with it.
    assert_eq!(
        b.get("/your-data/held").await.location().as_deref(),
        Some("/your-data")
    );

    let mail = smtp
        .message_to("alan@example.com", "We have deleted your data")
        .await;
    assert!(mail_text(&mail).contains("We keep a record that you asked"));

    let (_, vault) = site.vault().await;
    // The address still finds what the policy keeps (and only that), so a
    // later request to see it can reach it.
    assert!(
        vault
            .find_by_email("alan@example.com")
            .await
            .ok()
            .flatten()
            .is_some(),
        "the address finds what is kept"
    );
    let requests = vault.requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, "erasure");
    assert_eq!(requests[0].status.as_str(), "done");
    assert!(requests[0].closed_at.is_some());
    // What is left of the person is the record of their request, which the
    // policy keeps (and says why), and nothing from the form.
    let subject = custodian_vault::SubjectRef {
        id: requests[0].subject_id.clone(),
    };
    let left = vault
        .export(&subject, "test", crate::support::now())
        .await
        .map(|e| e.items)
        .unwrap_or_default();
    assert!(!left.is_empty());
    assert!(
        left.iter().all(|i| i.purpose.id == "your_rights"),
        "{left:?}"
    );
    assert!(left.iter().all(|i| i.source.starts_with("request:")));

    // Proving the address again shows exactly that: what is kept, why, and
    // until when; nothing of the form.
    let mut later = site.browser();
    let asked = later
        .submit("/your-data", "/your-data", &[("email", "alan@example.com")])
        .await;
    assert_eq!(asked.status, 200);
    // The mail server's messages are not in the order sent: the new code
    // is whichever of the two works.
    code_sent_to(&smtp, "alan@example.com", 1).await;
    let mut proven = false;
    for nth in 0..2 {
        let code = code_sent_to(&smtp, "alan@example.com", nth).await;
        let tried = later
            .submit("/your-data/code", "/your-data/code", &[("code", &code)])
            .await;
        proven |= tried.location().as_deref() == Some("/your-data/held");
    }
    assert!(proven, "the address is proven again");
    let held = later.get("/your-data/held").await;
    assert!(
        !held.body.contains("We hold no information"),
        "{}",
        held.body
    );
    assert!(held.body.contains("Why we hold it"), "{}", held.body);
    assert!(!held.body.contains("Can you help me?"), "{}", held.body);
    assert!(!left.iter().any(|i| i.value.contains("Alan Turing")));
}

/// Issue 18, item 12: a subject shows on a locked phone's screen, so the
/// code is only ever in the body.
#[tokio::test]
async fn the_code_is_in_the_body_only_never_the_subject() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut b = site.browser();
    let asked = b
        .submit("/your-data", "/your-data", &[("email", "lock@example.com")])
        .await;
    assert_eq!(asked.status, 200);
    let code = code_sent_to(&smtp, "lock@example.com", 0).await;
    let message = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("To: lock@example.com"))
        .unwrap_or_default();
    let subject = message
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .unwrap_or_default();
    assert!(subject.contains("Your code to see your data"), "{subject}");
    assert!(!subject.contains(&code), "{subject}");
    assert!(mail_text(&message).contains(&format!("Your code is {code}")));
}

/// Issue 18, item 12: the DPO erases a person while their "your data"
/// visit is open. Their next page says calmly that their data was
/// deleted, never a 500, and the visit ends.
#[tokio::test]
async fn a_visit_open_while_the_dpo_erases_the_person_gets_a_calm_page() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut sender = site.browser();
    send_contact_form(&mut sender, "Gone Soon", "gone@example.com", "Please help").await;
    let mut b = proven(&site, &smtp, "gone@example.com", 0).await;
    assert!(b.get("/your-data/held").await.body.contains("Gone Soon"));

    let (store, vault) = site.vault().await;
    let Ok(Some(person)) = vault.find_by_email("gone@example.com").await else {
        panic!("the person is held")
    };
    vault
        .erase(&person, "staff:dpo", crate::support::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store.close().await;

    let calm = b.get("/your-data/held").await;
    assert_eq!(calm.status, 200, "{}", site.server.log());
    assert!(
        calm.body.contains("Your data has been deleted"),
        "{}",
        calm.body
    );
    assert!(!calm.body.contains("Gone Soon"));
    // Said once: the visit has ended, so every page starts again.
    for path in crate::support::PORTAL_PAGES {
        let page = b.get(path).await;
        assert_eq!(page.location().as_deref(), Some("/your-data"), "{path}");
    }
    assert!(
        !site.server.log().contains("request failed"),
        "{}",
        site.server.log()
    );
}

/// Issue 18, item 6: wrong codes are budgeted per connection as well as
/// per code and address, so spreading guesses over many addresses does
/// not multiply them: after two codes' worth, the connection waits, and a
/// right code for its own address does not buy more.
#[tokio::test]
async fn wrong_codes_from_one_connection_are_budgeted_across_addresses() {
    let smtp = SmtpServer::start().await;
    let config = crate::support::behind_a_proxy(&fixture_with_smtp(smtp.port));
    let site = Site::start_with_args(
        &config,
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut b = site.browser();
    b.extra_headers
        .push(("x-forwarded-for".into(), "203.0.113.1".into()));
    let mut last = String::new();
    for target in ["t1@example.com", "t2@example.com", "t3@example.com"] {
        let asked = b
            .submit("/your-data", "/your-data", &[("email", target)])
            .await;
        assert_eq!(asked.status, 200);
        let code = code_sent_to(&smtp, target, 0).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..4 {
            last = b
                .submit("/your-data/code", "/your-data/code", &[("code", wrong)])
                .await
                .body;
        }
    }
    assert!(
        last.contains("too many wrong codes from your connection"),
        "{last}"
    );
    // Another connection is not held back.
    let mut other = site.browser();
    other
        .extra_headers
        .push(("x-forwarded-for".into(), "198.51.100.1".into()));
    let asked = other
        .submit("/your-data", "/your-data", &[("email", "t4@example.com")])
        .await;
    assert_eq!(asked.status, 200);
    let code = code_sent_to(&smtp, "t4@example.com", 0).await;
    let done = other
        .submit("/your-data/code", "/your-data/code", &[("code", &code)])
        .await;
    assert_eq!(done.location().as_deref(), Some("/your-data/held"));
}

/// Issue 18, item 8: what the portal shows and the download it gives carry
/// personal data, so no cache may keep them, JSON included.
#[tokio::test]
async fn the_portal_and_its_download_are_never_stored_by_a_cache() {
    let smtp = SmtpServer::start().await;
    let site = site(&smtp).await;
    let mut sender = site.browser();
    send_contact_form(&mut sender, "Cache Less", "nocache@example.com", "Private").await;
    let mut b = proven(&site, &smtp, "nocache@example.com", 0).await;
    for path in crate::support::PORTAL_PAGES {
        let page = b.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
}
