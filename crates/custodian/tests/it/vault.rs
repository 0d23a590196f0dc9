use custodian_policy::retention::Event;
use custodian_vault::{NewRecord, VaultError};

use crate::support::{Site, contains, database_bytes, now, stderr, stdout};

const DAY: i64 = 24 * 60 * 60;

fn record<'a>(
    category: &'a str,
    purpose: &'a str,
    source: &'a str,
    field: &'a str,
    value: &'a str,
) -> NewRecord<'a> {
    NewRecord {
        category,
        purpose,
        source,
        field,
        value,
    }
}

/// Alice and Bob each write to the site.
async fn two_people(vault: &custodian_vault::Vault, at: i64) {
    for (email, name, message) in [
        (
            "alice.liddell@example.com",
            "Alice Liddell",
            "My brother Robert is being bullied at Wonderland Academy",
        ),
        (
            "bob.builder@example.com",
            "Bob Builder",
            "Question about the Fixit Road consultation",
        ),
    ] {
        let subject = vault.subject_for_email(email, true, at).await.unwrap();
        let source = format!("form:contact:{}", &email[..3]);
        vault
            .put(
                &subject,
                record(
                    "contact_details",
                    "answer_enquiries",
                    &source,
                    "email",
                    email,
                ),
                at,
            )
            .await
            .unwrap();
        vault
            .put(
                &subject,
                record("contact_details", "answer_enquiries", &source, "name", name),
                at,
            )
            .await
            .unwrap();
        vault
            .put(
                &subject,
                record("message", "answer_enquiries", &source, "message", message),
                at,
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn export_shows_everything_decrypted_with_its_stamps() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    two_people(&vault, now()).await;
    let out = site.cli(&["subject", "export", "--email", "Alice.Liddell@example.com"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = json["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3);
    let message = items.iter().find(|i| i["field"] == "message").unwrap();
    assert_eq!(
        message["value"],
        "My brother Robert is being bullied at Wonderland Academy"
    );
    assert_eq!(message["category"]["id"], "message");
    assert_eq!(message["purpose"]["name"], "Answering your questions");
    assert_eq!(
        message["deletion"]["rule"],
        "1 year after the case is closed"
    );
    assert!(
        message["deletion"]["date"].is_null(),
        "waits for the case to close"
    );
    assert!(
        message["collected_at"]
            .as_str()
            .is_some_and(|t| t.contains('T'))
    );
    assert!(!stdout(&out).contains("Bob"), "only Alice's data");

    let nobody = site.cli(&["subject", "export", "--email", "nobody@example.com"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(stderr(&nobody).contains("no data held for that address"));
    site.server.stop().await;
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_the_person_in_the_database_file() {
    let site = Site::start().await;
    if site.db.url.is_some() {
        // The file scan is for the embedded database; on PostgreSQL the
        // erasure itself is covered by the other tests.
        site.server.stop().await;
        return;
    }
    let (store, vault) = site.vault().await;
    two_people(&vault, now()).await;
    let alice_values = [
        "alice.liddell@example.com",
        "Alice Liddell",
        "My brother Robert is being bullied",
        "Wonderland Academy",
    ];
    store.personal_data().checkpoint().await.unwrap();
    let before = database_bytes(&site.data_dir());
    for value in alice_values {
        assert!(
            !contains(&before, value.as_bytes()),
            "stored encrypted, never as plaintext: {value}"
        );
    }
    let alice = vault
        .find_by_email("alice.liddell@example.com")
        .await
        .unwrap()
        .unwrap();
    let alice_key = store
        .personal_data()
        .subject_by_id(&alice.id)
        .await
        .unwrap()
        .unwrap()
        .wrapped_key;
    let alice_ciphertexts: Vec<Vec<u8>> = store
        .personal_data()
        .records_of(&alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.ciphertext)
        .collect();
    assert!(
        contains(&before, &alice_key),
        "the wrapped key is in the file before erasure"
    );

    let out = site.cli(&["subject", "erase", "--email", "alice.liddell@example.com"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["deleted"], 3);
    assert_eq!(report["kept"].as_array().map(Vec::len), Some(0));

    let after = database_bytes(&site.data_dir());
    for value in alice_values {
        assert!(!contains(&after, value.as_bytes()), "{value} is gone");
    }
    assert!(
        !contains(&after, &alice_key),
        "her key is destroyed, not just unlinked"
    );
    for ciphertext in &alice_ciphertexts {
        assert!(
            !contains(&after, ciphertext),
            "her ciphertexts are overwritten"
        );
    }
    assert!(
        store
            .personal_data()
            .tombstone(&alice.id)
            .await
            .unwrap()
            .is_some(),
        "a tombstone remains"
    );
    let again = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("no data held for that address"));
    let bob = site.cli(&["subject", "export", "--email", "bob.builder@example.com"]);
    assert!(stdout(&bob).contains("Fixit Road"), "Bob is untouched");
    site.server.stop().await;
}

#[tokio::test]
async fn erasure_keeps_what_the_policy_says_must_be_kept_and_says_why() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let alice = vault
        .subject_for_email("alice@example.com", true, at)
        .await
        .unwrap();
    vault
        .put(
            &alice,
            record(
                "message",
                "answer_enquiries",
                "case:1",
                "message",
                "Please help",
            ),
            at,
        )
        .await
        .unwrap();
    vault
        .put(
            &alice,
            record(
                "message",
                "reply_audit",
                "case:1",
                "reply",
                "Our answer to Alice",
            ),
            at,
        )
        .await
        .unwrap();
    vault
        .event_happened("case:1", Event::Replied, at)
        .await
        .unwrap();

    let out = site.cli(&["subject", "erase", "--email", "alice@example.com"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["deleted"], 1);
    let kept = &report["kept"][0];
    assert_eq!(kept["purpose"], "reply_audit");
    assert_eq!(
        kept["reason"],
        "We must be able to show how we answered you."
    );
    assert!(
        kept["delete_after"]
            .as_i64()
            .is_some_and(|d| d > at + 700 * DAY),
        "until 2 years after the reply"
    );

    // What is kept stays readable to the vault under a fresh key, and
    // goes when its deadline comes; her address still finds it (and only
    // it), so a later request to see it can reach it.
    assert_eq!(
        vault.find_by_email("alice@example.com").await.unwrap(),
        Some(alice.clone())
    );
    let export = vault.export(&alice, "test", at).await.unwrap();
    assert_eq!(export.items.len(), 1);
    assert_eq!(export.items[0].value, "Our answer to Alice");
    site.server.stop().await;
}

#[tokio::test]
async fn retention_deletes_what_is_due_and_the_dry_run_says_why() {
    // The server's own retention job would race this test for the records
    // it makes due: this instance runs none, and the CLI does the work.
    let site = Site::start_with_args(crate::support::FIXTURE, &["--no-jobs"]).await;
    let (_, vault) = site.vault().await;
    let long_ago = now() - 40 * DAY;
    let carol = vault
        .subject_for_email("carol@example.com", true, long_ago)
        .await
        .unwrap();
    vault
        .put(
            &carol,
            record(
                "message",
                "usage_statistics",
                "logs",
                "visit",
                "carol-visit-record",
            ),
            long_ago,
        )
        .await
        .unwrap();
    vault
        .put(
            &carol,
            record(
                "message",
                "answer_enquiries",
                "case:7",
                "message",
                "carol-case-message",
            ),
            long_ago,
        )
        .await
        .unwrap();

    let dry = site.cli(&["retention", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let due: serde_json::Value = serde_json::from_str(&stdout(&dry)).unwrap();
    assert_eq!(
        due.as_array().map(Vec::len),
        Some(1),
        "only the 30-day record: the case is still open"
    );
    assert_eq!(due[0]["rule"], "30 days after we receive it");
    assert_eq!(due[0]["purpose"], "usage_statistics");
    assert!(
        !stdout(&dry).contains("carol-visit-record"),
        "the dry run lists records, not their contents"
    );

    // The case closed over a year ago: now its message is due too.
    vault
        .event_happened("case:7", Event::CaseClosed, long_ago - 400 * DAY)
        .await
        .unwrap();
    let due = site.cli(&["retention", "--dry-run"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout(&due))
            .unwrap()
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let run = site.cli(&["retention"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("deleted 2 records and 1 people"),
        "{}",
        stdout(&run)
    );
    assert!(
        vault
            .find_by_email("carol@example.com")
            .await
            .unwrap()
            .is_none(),
        "nothing left, so she is gone"
    );
    site.server.stop().await;
}

#[tokio::test]
async fn a_provisional_person_merges_into_a_verified_one_without_loss() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let anonymous = vault.subject_for_session("session-abc", at).await.unwrap();
    vault
        .put(
            &anonymous,
            record(
                "message",
                "answer_enquiries",
                "form:contact",
                "message",
                "Draft written before signing in",
            ),
            at,
        )
        .await
        .unwrap();
    let dana = vault
        .subject_for_email("dana@example.com", true, at)
        .await
        .unwrap();
    vault
        .put(
            &dana,
            record(
                "contact_details",
                "answer_enquiries",
                "account",
                "email",
                "dana@example.com",
            ),
            at,
        )
        .await
        .unwrap();
    assert_eq!(vault.merge(&anonymous, &dana, "test", at).await.unwrap(), 1);
    let export = vault.export(&dana, "test", at).await.unwrap();
    let mut values: Vec<&str> = export.items.iter().map(|i| i.value.as_str()).collect();
    values.sort_unstable();
    assert_eq!(
        values,
        ["Draft written before signing in", "dana@example.com"]
    );
    assert!(matches!(
        vault.export(&anonymous, "test", at).await,
        Err(VaultError::NoSuchSubject)
    ));
    site.server.stop().await;
}

#[tokio::test]
async fn the_vault_refuses_what_the_policy_does_not_declare() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let erin = vault
        .subject_for_email("erin@example.com", true, at)
        .await
        .unwrap();
    let undeclared = vault
        .put(
            &erin,
            record("health", "answer_enquiries", "form:x", "note", "x"),
            at,
        )
        .await;
    assert!(matches!(undeclared, Err(VaultError::Undeclared(ref what)) if what.contains("health")));
    let unused = vault
        .put(
            &erin,
            record(
                "contact_details",
                "usage_statistics",
                "form:x",
                "email",
                "x",
            ),
            at,
        )
        .await;
    assert!(matches!(unused, Err(VaultError::PurposeDoesNotUse { .. })));
    // A source names a form, topic or account, in plaintext: never a person.
    for source in [
        "form:contact:Erin Smith",
        "form:erin@example.com",
        "",
        "Form",
    ] {
        let leaky = vault
            .put(
                &erin,
                record("message", "answer_enquiries", source, "message", "x"),
                at,
            )
            .await;
        assert!(matches!(leaky, Err(VaultError::BadSource(_))), "{source:?}");
    }
    site.server.stop().await;
}

#[tokio::test]
async fn key_problems_are_named_never_silent() {
    let site = Site::start().await;
    let (store, vault) = site.vault().await;
    two_people(&vault, now()).await;
    let key_file = site.data_dir().join("master.key");
    let original = std::fs::read_to_string(&key_file).unwrap();
    assert!(original.contains("Back this file up"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is readable by its owner only");
    }

    std::fs::remove_file(&key_file).unwrap();
    let missing = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("master key file") && stderr(&missing).contains("is missing"),
        "{}",
        stderr(&missing)
    );
    assert!(!key_file.exists(), "a missing key is not silently replaced");

    std::fs::write(
        &key_file,
        "# wrong\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        // A key file others can read is refused, with how to mend it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let shared = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
        assert_eq!(shared.status.code(), Some(1));
        assert!(
            stderr(&shared).contains("can be read by other users")
                && stderr(&shared).contains("chmod 600"),
            "{}",
            stderr(&shared)
        );
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let wrong = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("is not in the key ring"),
        "{}",
        stderr(&wrong)
    );

    std::fs::write(&key_file, &original).unwrap();
    let alice = vault
        .find_by_email("alice.liddell@example.com")
        .await
        .unwrap()
        .unwrap();
    let first = store
        .personal_data()
        .records_of(&alice.id)
        .await
        .unwrap()
        .remove(0);
    site.sabotage(&format!(
        "UPDATE records SET ciphertext = {} WHERE id = '{}'",
        hex_literal(&site, &[7u8; 60]),
        first.id
    ))
    .await;
    let corrupt = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
    assert_eq!(corrupt.status.code(), Some(1));
    assert!(
        stderr(&corrupt).contains(&format!("record {} cannot be decrypted", first.id)),
        "{}",
        stderr(&corrupt)
    );
    site.server.stop().await;
}

fn hex_literal(site: &Site, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if site.db.url.is_some() {
        format!("'\\x{hex}'::bytea")
    } else {
        format!("X'{hex}'")
    }
}

#[tokio::test]
async fn rotation_rewraps_every_key_while_a_running_instance_keeps_reading() {
    let site = Site::start().await;
    let (store, vault) = site.vault().await;
    two_people(&vault, now()).await;
    let before = store.personal_data().master_key_ids_in_use().await.unwrap();
    assert_eq!(before.len(), 1);

    let out = site.cli(&["keys", "rotate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 subject keys re-wrapped"),
        "{}",
        stdout(&out)
    );
    let after = store.personal_data().master_key_ids_in_use().await.unwrap();
    assert_eq!(after.len(), 1);
    assert_ne!(after, before, "everything is under the new key");
    let ring = std::fs::read_to_string(site.data_dir().join("master.key")).unwrap();
    assert_eq!(
        ring.lines().filter(|l| !l.starts_with('#')).count(),
        1,
        "the old key is retired"
    );

    // This process loaded the old ring and keeps working: it reads the new
    // key from the file when it meets it.
    let bob = vault
        .find_by_email("bob.builder@example.com")
        .await
        .unwrap()
        .unwrap();
    let export = vault.export(&bob, "test", now()).await.unwrap();
    assert!(export.items.iter().any(|i| i.value.contains("Fixit Road")));
    let exported = site.cli(&["subject", "export", "--email", "alice.liddell@example.com"]);
    assert!(stdout(&exported).contains("Wonderland Academy"));
    site.server.stop().await;
}

#[tokio::test]
async fn audit_verify_catches_an_altered_or_removed_entry() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    two_people(&vault, now()).await;
    for email in [
        "alice.liddell@example.com",
        "bob.builder@example.com",
        "alice.liddell@example.com",
    ] {
        assert_eq!(
            site.cli(&["subject", "export", "--email", email])
                .status
                .code(),
            Some(0)
        );
    }
    let ok = site.cli(&["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("intact"));

    site.sabotage("UPDATE audit_log SET detail = '0 items' WHERE seq = 2")
        .await;
    let altered = site.cli(&["audit", "verify"]);
    assert_eq!(altered.status.code(), Some(1));
    assert!(
        stderr(&altered).contains("broken at entry 2: its contents were altered"),
        "{}",
        stderr(&altered)
    );

    site.sabotage("DELETE FROM audit_log WHERE seq = 2").await;
    let removed = site.cli(&["audit", "verify"]);
    assert_eq!(removed.status.code(), Some(1));
    assert!(
        stderr(&removed).contains("entry 2 is missing"),
        "{}",
        stderr(&removed)
    );
    site.server.stop().await;
}

#[tokio::test]
async fn a_new_persons_submission_is_stored_in_one_go_and_a_known_person_is_found() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let answers = [
        record(
            "contact_details",
            "answer_enquiries",
            "form:contact",
            "email",
            "gail@example.com",
        ),
        record(
            "message",
            "answer_enquiries",
            "form:contact",
            "message",
            "First question",
        ),
    ];
    let (gail, ids) = vault
        .store_for_email("gail@example.com", false, &answers, at)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let again = [record(
        "message",
        "answer_enquiries",
        "form:contact",
        "message",
        "Second question",
    )];
    let (same, _) = vault
        .store_for_email("GAIL@example.com", false, &again, at)
        .await
        .unwrap();
    assert_eq!(same, gail, "the same person, found by their address");
    assert_eq!(
        vault.export(&gail, "test", at).await.unwrap().items.len(),
        3
    );

    // One undeclared answer and nothing of the submission is kept.
    let bad = [
        record(
            "message",
            "answer_enquiries",
            "form:contact",
            "message",
            "kept?",
        ),
        record("health", "answer_enquiries", "form:contact", "note", "x"),
    ];
    assert!(
        vault
            .store_for_email("hal@example.com", false, &bad, at)
            .await
            .is_err()
    );
    assert!(
        vault
            .find_by_email("hal@example.com")
            .await
            .unwrap()
            .is_none()
    );
    site.server.stop().await;
}

#[tokio::test]
async fn a_rotation_under_way_refuses_a_second_one() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    two_people(&vault, now()).await;
    let lock = site.data_dir().join("master.lock");
    std::fs::write(&lock, "").unwrap();
    let second = site.cli(&["keys", "rotate"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("another rotation is under way"),
        "{}",
        stderr(&second)
    );
    std::fs::remove_file(&lock).unwrap();
    assert_eq!(site.cli(&["keys", "rotate"]).status.code(), Some(0));
    site.server.stop().await;
}

#[tokio::test]
async fn storing_after_an_erasure_changed_the_key_still_works() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let jo = vault
        .subject_for_email("jo@example.com", true, at)
        .await
        .unwrap();
    vault
        .put(
            &jo,
            record(
                "message",
                "reply_audit",
                "case:9",
                "reply",
                "Our reply to Jo",
            ),
            at,
        )
        .await
        .unwrap();
    vault
        .event_happened("case:9", Event::Replied, at)
        .await
        .unwrap();
    // Erasure keeps the audit copy under a fresh key...
    let report = vault.erase(&jo, "test", at).await.unwrap();
    assert_eq!(report.kept.len(), 1);
    // ...and a value stored for the same person afterwards is sealed under
    // the new key, not the destroyed one, so everything stays readable.
    vault
        .put(
            &jo,
            record("message", "reply_audit", "case:9", "note", "A later note"),
            at,
        )
        .await
        .unwrap();
    let export = vault.export(&jo, "test", at).await.unwrap();
    assert_eq!(export.items.len(), 2);
    site.server.stop().await;
}
