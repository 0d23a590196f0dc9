//! Fictional people for the built-in demo site, so that a newcomer sees the
//! staff area with something in it. Only the demo (no `--config`) is ever
//! seeded, and only once.

use custodian_vault::{NewRecord, Vault};

/// (category, purpose, source, field, value) in the demo policy's terms.
type DemoRecord = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PEOPLE: &[(&str, &[DemoRecord])] = &[
    (
        "sam.example@example.com",
        &[
            (
                "contact_details",
                "contact_us",
                "form:contact",
                "name",
                "Sam Example",
            ),
            (
                "contact_details",
                "contact_us",
                "form:contact",
                "email",
                "sam.example@example.com",
            ),
            (
                "messages",
                "contact_us",
                "form:contact",
                "message",
                "Who can I talk to about changing schools?",
            ),
        ],
    ),
    (
        "riley.sample@example.com",
        &[
            (
                "newsletter_email",
                "newsletter",
                "topic:newsletter",
                "email",
                "riley.sample@example.com",
            ),
            ("age", "newsletter", "topic:newsletter", "age", "16 or over"),
        ],
    ),
];

pub async fn seed(vault: &Vault, now: i64) -> custodian_vault::Result<()> {
    if vault.find_by_email(PEOPLE[0].0).await?.is_some() {
        return Ok(());
    }
    for (email, records) in PEOPLE {
        let subject = vault.subject_for_email(email, true, now).await?;
        for (category, purpose, source, field, value) in *records {
            vault
                .put(
                    &subject,
                    NewRecord {
                        category,
                        purpose,
                        source,
                        field,
                        value,
                    },
                    now,
                )
                .await?;
        }
    }
    tracing::info!("the demo site holds two fictional people; find them in the staff area");
    Ok(())
}
