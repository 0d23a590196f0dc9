use custodian_mail::{Mailer, NewMail, Transport};
use custodian_vault::NewRecord;

use crate::support::{Server, Site, SmtpServer, fixture_with_smtp, now};

const DAY: i64 = 24 * 60 * 60;

#[tokio::test]
async fn two_instances_send_each_message_exactly_once() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with(&fixture_with_smtp(smtp.port)).await;
    let (store, vault) = site.vault().await;
    let (config, data_dir) = (site.config_path(), site.data_dir());
    let Site {
        dir: _dir,
        db,
        server,
    } = site;
    server.stop().await;
    let vault = std::sync::Arc::new(vault);
    let queue = Mailer::new(
        store.clone(),
        vault.clone(),
        Transport::Files(data_dir.clone()),
        "Test <t@test.example>",
        None,
    )
    .unwrap();
    let at = now();
    for i in 0..40 {
        let to = format!("person{i}@example.com");
        let subject = vault.subject_for_email(&to, false, at).await.unwrap();
        let mail = NewMail {
            subject: &subject,
            to: &to,
            purpose: "answer_enquiries",
            category: "contact_details",
            template: "test",
            values: serde_json::json!({ "note": format!("note {i}") }),
        };
        queue.enqueue(mail, at).await.unwrap();
    }
    // Two instances, one database, both delivering every second.
    let args = ["--mail-interval", "1"];
    let a = Server::start_with_args(&config, &data_dir, &db, &args).await;
    let b = Server::start_with_args(&config, &data_dir, &db, &args).await;
    let received = smtp.wait_for(40).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let received_after = smtp.messages();
    assert_eq!(received_after.len(), 40, "no message was sent twice");
    let mut recipients: Vec<String> = received
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_owned))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 40, "every person got their own message");
    assert_eq!(store.outbox_counts().await.unwrap().sent, 40);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn two_instances_run_each_periodic_job_once() {
    let site = Site::start().await;
    let (store, vault) = site.vault().await;
    let (config, data_dir) = (site.config_path(), site.data_dir());
    let Site {
        dir: _dir,
        db,
        server,
    } = site;
    server.stop().await;
    let long_ago = now() - 40 * DAY;
    for i in 0..5 {
        let subject = vault
            .subject_for_email(&format!("old{i}@example.com"), true, long_ago)
            .await
            .unwrap();
        let record = NewRecord {
            category: "message",
            purpose: "usage_statistics",
            source: "logs",
            field: "visit",
            value: "old",
        };
        vault.put(&subject, record, long_ago).await.unwrap();
    }
    let args = ["--job-interval", "1"];
    let a = Server::start_with_args(&config, &data_dir, &db, &args).await;
    let b = Server::start_with_args(&config, &data_dir, &db, &args).await;
    for _ in 0..100 {
        if vault.retention_due(now()).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        vault.retention_due(now()).await.unwrap().is_empty(),
        "retention ran"
    );
    let runs = store.job_runs("retention").await.unwrap();
    assert!(runs.len() >= 3, "a run every second: {runs:?}");
    let mut slots: Vec<i64> = runs.iter().map(|(slot, _)| *slot).collect();
    slots.dedup();
    assert_eq!(
        slots.len(),
        runs.len(),
        "each slot ran once, by one instance"
    );
    let deletions = store
        .audit_entries(Some("retention"), 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail.starts_with("deleted"))
        .count();
    assert_eq!(deletions, 1, "the records were deleted by one run, not two");
    a.stop().await;
    b.stop().await;
}
