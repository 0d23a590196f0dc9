use crate::support::{Site, SmtpServer, fixture_with_smtp, now, stderr, stdout};

fn queue_test_mail(site: &Site, to: &str, note: &str) -> String {
    let out = site.cli(&[
        "mail",
        "test",
        "--to",
        to,
        "--purpose",
        "answer_enquiries",
        "--category",
        "contact_details",
        "--note",
        note,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).trim().trim_start_matches("queued ").to_owned()
}

#[tokio::test]
async fn mail_reaches_a_real_smtp_server_in_plain_text_and_html() {
    let smtp = SmtpServer::start().await;
    // No jobs: the command below, not the server's own delivery loop,
    // must be the one that sends it.
    let site = Site::start_with_args(&fixture_with_smtp(smtp.port), &["--no-jobs"]).await;
    let id = queue_test_mail(&site, "alice@example.com", "Hello Alice, this is the note.");
    let delivered = site.cli(&["mail", "deliver"]);
    assert_eq!(delivered.status.code(), Some(0), "{}", stderr(&delivered));
    assert!(
        stdout(&delivered).contains("sent 1"),
        "{}",
        stdout(&delivered)
    );

    let messages = smtp.wait_for(1).await;
    let message = &messages[0];
    assert!(message.contains("To: alice@example.com"), "{message}");
    assert!(
        message.contains("From: \"Test Site\" <noreply@test.example>")
            || message.contains("From: Test Site <noreply@test.example>"),
        "{message}"
    );
    assert!(message.contains("Subject: A test message from Test Site"));
    assert!(message.contains("multipart/alternative"));
    assert!(message.contains("text/plain") && message.contains("text/html"));
    assert!(message.contains("Hello Alice, this is the note."));

    let (store, vault) = site.vault().await;
    let row = store.mail(&id).await.unwrap().unwrap();
    assert_eq!(row.status, "sent");
    assert_eq!(
        store.mail_attempts(&id).await.unwrap(),
        vec![(1, "sent".to_owned(), String::new())]
    );
    // The vault's copy of the address and note is gone once sent.
    let alice = vault
        .find_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        vault
            .export(&alice, "test", now())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    site.server.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_backoff_and_then_given_up() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    // Only `mail deliver` sends here: the server's own delivery would race it.
    let site = Site::start_with_args(&fixture_with_smtp(port), &["--no-jobs"]).await;
    let id = queue_test_mail(&site, "bob@example.com", "");
    let first = site.cli(&["mail", "deliver"]);
    assert!(stdout(&first).contains("retrying 1"), "{}", stdout(&first));
    let (store, vault) = site.vault().await;
    let row = store.mail(&id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(
        row.next_attempt_at >= now() + 25,
        "waits before trying again"
    );
    let attempts = store.mail_attempts(&id).await.unwrap();
    assert_eq!(attempts[0].1, "retry");
    assert!(!attempts[0].2.is_empty(), "the error is recorded");
    assert!(!attempts[0].2.contains("bob@"), "without the address");

    // Not due yet: nothing happens.
    assert!(stdout(&site.cli(&["mail", "deliver"])).contains("sent 0, retrying 0, failed 0"));

    // The last allowed attempt fails: the message is given up, and the
    // vault's copy of it deleted.
    site.sabotage(&format!(
        "UPDATE outbox SET attempts = 7, next_attempt_at = 0 WHERE id = '{id}'"
    ))
    .await;
    let last = site.cli(&["mail", "deliver"]);
    assert!(stdout(&last).contains("failed 1"), "{}", stdout(&last));
    assert_eq!(store.mail(&id).await.unwrap().unwrap().status, "failed");
    let bob = vault
        .find_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        vault
            .export(&bob, "test", now())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    site.server.stop().await;
}

#[tokio::test]
async fn mail_is_written_as_files_only_when_asked_and_waits_without_settings() {
    // Without [mail], a real site's mail waits: files would hold addresses
    // in plaintext.
    let site = Site::start().await;
    let waiting = queue_test_mail(&site, "carol@example.com", "Wait for me.");
    // Whichever worker tries it (the server's or this command), it waits.
    assert!(stdout(&site.cli(&["mail", "deliver"])).contains("sent 0"));
    let (store, _) = site.vault().await;
    assert_eq!(
        store.mail(&waiting).await.unwrap().unwrap().status,
        "queued"
    );
    assert!(!site.data_dir().join("outbox").exists(), "nothing written");
    site.server.stop().await;

    let config = format!(
        "{}\n[mail]\nfrom = \"Test <noreply@test.example>\"\ntransport = \"file\"\n",
        crate::support::FIXTURE
    );
    // No jobs: the command below, not the server's own delivery loop,
    // must be the one that sends it.
    let site = Site::start_with_args(&config, &["--no-jobs"]).await;
    let id = queue_test_mail(&site, "carol@example.com", "File me.");
    assert!(stdout(&site.cli(&["mail", "deliver"])).contains("sent 1"));
    let eml =
        std::fs::read_to_string(site.data_dir().join("outbox").join(format!("{id}.eml"))).unwrap();
    assert!(eml.contains("To: carol@example.com"));
    assert!(eml.contains("File me."));
    site.server.stop().await;
}

#[tokio::test]
async fn mail_for_an_undeclared_purpose_is_refused() {
    let site = Site::start().await;
    let out = site.cli(&[
        "mail",
        "test",
        "--to",
        "dan@example.com",
        "--purpose",
        "marketing",
        "--category",
        "contact_details",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not declare a purpose `marketing`"),
        "{}",
        stderr(&out)
    );
    site.server.stop().await;
}
