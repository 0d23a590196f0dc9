//! Deadlines from the policy's retention rules, and deleting what is due.

use custodian_policy::retention::{Event, RetentionRule};
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::Result;
use crate::vault::Vault;

/// How the event is stored beside each record.
pub(crate) fn event_id(event: Event) -> &'static str {
    match event {
        Event::Collected => "collected",
        Event::Replied => "replied",
        Event::CaseClosed => "case_closed",
        Event::Unsubscribed => "unsubscribed",
        Event::AccountClosed => "account_closed",
        Event::ConsentWithdrawn => "consent_withdrawn",
        Event::LastActivity => "last_activity",
    }
}

/// When a record must go: the rule's period after the event, or `None`
/// while the event has not happened. Collection is an event that has always
/// happened by the time a record exists.
pub(crate) fn deadline(
    rule: RetentionRule,
    collected_at: i64,
    event_at: Option<i64>,
) -> Option<i64> {
    let base = if rule.after == Event::Collected {
        Some(collected_at)
    } else {
        event_at
    }?;
    match rule.period {
        None => Some(base),
        Some(period) => {
            let start = OffsetDateTime::from_unix_timestamp(base).ok()?;
            Some(period.after(start).unix_timestamp())
        }
    }
}

/// A record whose deadline has passed, and why it is going.
#[derive(Debug, Clone, Serialize)]
pub struct DueRecord {
    pub record: String,
    pub subject: String,
    pub category: String,
    pub purpose: String,
    pub source: String,
    pub field: String,
    pub collected_at: i64,
    pub delete_after: i64,
    /// The rule, in the notice's words: "1 year after the case is closed".
    pub rule: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionRun {
    pub records_deleted: u64,
    pub subjects_deleted: u64,
    /// One-time codes for the "your data" pages past their day.
    pub codes_deleted: u64,
}

/// Subjects with nothing left are removed only once they have been empty
/// this long, so one created a moment ago can still receive its first record.
const EMPTY_SUBJECT_GRACE: i64 = 60 * 60;
const BATCH: i64 = 500;

impl Vault {
    /// What retention would delete now, and why.
    pub async fn retention_due(&self, now: i64) -> Result<Vec<DueRecord>> {
        let rows = self
            .store
            .personal_data()
            .records_due(now, i64::MAX)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DueRecord {
                rule: self
                    .policy
                    .retention
                    .get(&r.purpose)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                record: r.id,
                subject: r.subject_id,
                category: r.category,
                purpose: r.purpose,
                source: r.source,
                field: r.field,
                collected_at: r.collected_at,
                delete_after: r.delete_after.unwrap_or(now),
            })
            .collect())
    }

    /// Delete every record past its deadline, in batches, and every subject
    /// left with nothing.
    pub async fn enforce_retention(&self, now: i64) -> Result<RetentionRun> {
        let rows = self.store.personal_data();
        let mut run = RetentionRun::default();
        loop {
            let due = rows.records_due(now, BATCH).await?;
            let ids: Vec<String> = due.into_iter().map(|r| r.id).collect();
            let (records, subjects) = rows
                .delete_records_and_empty_subjects(&ids, now - EMPTY_SUBJECT_GRACE)
                .await?;
            run.records_deleted += records;
            run.subjects_deleted += subjects;
            if ids.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                break;
            }
        }
        // Portal codes are kept a day: long after they expire and after the
        // hourly limit that counts them, and no longer.
        run.codes_deleted = rows
            .delete_identity_codes_before(now - crate::requests::proof::CODES_KEPT_SECONDS)
            .await?;
        if run.records_deleted > 0 || run.subjects_deleted > 0 {
            rows.checkpoint().await?;
            let detail = format!(
                "deleted {} records and {} subjects past their deadline",
                run.records_deleted, run.subjects_deleted
            );
            self.store
                .audit(now, "retention", "retention", None, &detail)
                .await?;
        }
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rule(text: &str) -> RetentionRule {
        RetentionRule::parse(text).unwrap_or(RetentionRule {
            period: None,
            after: Event::Collected,
        })
    }

    #[test]
    fn deadlines_wait_for_their_event() {
        let collected = datetime!(2026-01-31 10:00 UTC).unix_timestamp();
        let closed = datetime!(2026-03-15 09:00 UTC).unix_timestamp();
        assert_eq!(
            deadline(rule("30 days"), collected, None),
            Some(datetime!(2026-03-02 10:00 UTC).unix_timestamp())
        );
        assert_eq!(
            deadline(rule("1 year after the case is closed"), collected, None),
            None,
            "waits for the case to close"
        );
        assert_eq!(
            deadline(
                rule("1 year after the case is closed"),
                collected,
                Some(closed)
            ),
            Some(datetime!(2027-03-15 09:00 UTC).unix_timestamp())
        );
        assert_eq!(
            deadline(rule("until you unsubscribe"), collected, Some(closed)),
            Some(closed)
        );
    }
}
