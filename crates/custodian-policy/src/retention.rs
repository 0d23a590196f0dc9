//! Retention rules in plain English: "1 year after the case is closed",
//! "until you unsubscribe", "30 days" (after collection).
//!
//! A rule is a period measured from an event. Later issues compute deadlines
//! from it and move them when the event happens (a case closing, say), so the
//! set of events is closed and each has a stable id.

use std::fmt;

use serde::Serialize;

use crate::period::{Period, PeriodError};

/// The events a retention period can be measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// When we received the information.
    Collected,
    /// When we sent our reply.
    Replied,
    /// When the case was closed.
    CaseClosed,
    /// When the person unsubscribed from updates.
    Unsubscribed,
    /// When the person closed their account.
    AccountClosed,
    /// When the person withdrew consent.
    ConsentWithdrawn,
    /// The person's last visit or sign-in.
    LastActivity,
}

impl Event {
    /// Phrases people write for each event. The first is the canonical one
    /// used when the rule is shown back to them.
    fn phrases(self) -> &'static [&'static str] {
        match self {
            Event::Collected => &[
                "we receive it",
                "collection",
                "it is collected",
                "we collect it",
                "it is received",
                "submission",
                "it is submitted",
            ],
            Event::Replied => &[
                "we reply",
                "we have replied",
                "we reply to you",
                "our reply",
            ],
            Event::CaseClosed => &[
                "the case is closed",
                "the case closes",
                "we close the case",
                "the request is closed",
                "we close the request",
            ],
            Event::Unsubscribed => &["you unsubscribe", "unsubscribing"],
            Event::AccountClosed => &[
                "you close your account",
                "the account is closed",
                "the account is deleted",
                "you delete your account",
            ],
            Event::ConsentWithdrawn => &[
                "you withdraw your consent",
                "you withdraw consent",
                "consent is withdrawn",
            ],
            Event::LastActivity => &["your last visit", "your last sign-in", "last activity"],
        }
    }

    pub const ALL: [Event; 7] = [
        Event::Collected,
        Event::Replied,
        Event::CaseClosed,
        Event::Unsubscribed,
        Event::AccountClosed,
        Event::ConsentWithdrawn,
        Event::LastActivity,
    ];

    fn from_phrase(text: &str) -> Option<Event> {
        let wanted = normalise(text);
        Event::ALL
            .into_iter()
            .find(|event| event.phrases().iter().any(|p| *p == wanted))
    }

    pub fn phrase(self) -> &'static str {
        self.phrases().first().copied().unwrap_or("we receive it")
    }
}

/// How long a purpose keeps what it collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    /// `None` means "until the event": nothing is kept once it happens.
    pub period: Option<Period>,
    pub after: Event,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("{0}")]
    Period(#[from] PeriodError),
    #[error("\"{0}\" is not an event this server can see happen; use one of: {events}", events = known_events())]
    UnknownEvent(String),
    #[error("a retention rule cannot be empty: write e.g. \"1 year after the case is closed\"")]
    Empty,
    #[error(
        "\"until we receive it\" would delete everything as it arrives: say how long after receiving it"
    )]
    KeepsNothing,
}

fn known_events() -> String {
    Event::ALL
        .iter()
        .map(|e| format!("\"{}\"", e.phrase()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches('.')
        .to_owned()
}

impl RetentionRule {
    pub fn parse(text: &str) -> Result<Self, RetentionError> {
        let text = normalise(text);
        if text.is_empty() {
            return Err(RetentionError::Empty);
        }
        if let Some(event) = text.strip_prefix("until ") {
            let after = Event::from_phrase(event)
                .ok_or_else(|| RetentionError::UnknownEvent(event.to_owned()))?;
            if after == Event::Collected {
                return Err(RetentionError::KeepsNothing);
            }
            return Ok(RetentionRule {
                period: None,
                after,
            });
        }
        let (period, after) = match text.split_once(" after ") {
            Some((period, event)) => (
                period,
                Event::from_phrase(event)
                    .ok_or_else(|| RetentionError::UnknownEvent(event.to_owned()))?,
            ),
            None => (text.as_str(), Event::Collected),
        };
        Ok(RetentionRule {
            period: Some(Period::parse(period)?),
            after,
        })
    }
}

impl fmt::Display for RetentionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.period {
            None => write!(f, "until {}", self.after.phrase()),
            Some(period) => write!(f, "{period} after {}", self.after.phrase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Unit;

    #[test]
    fn parses_the_shapes_notices_use() {
        let rule = RetentionRule::parse("1 year after the case is closed");
        assert_eq!(
            rule,
            Ok(RetentionRule {
                period: Some(Period {
                    count: 1,
                    unit: Unit::Year
                }),
                after: Event::CaseClosed
            })
        );
        assert_eq!(
            RetentionRule::parse("Until you unsubscribe."),
            Ok(RetentionRule {
                period: None,
                after: Event::Unsubscribed
            })
        );
        assert_eq!(
            RetentionRule::parse("30 days"),
            Ok(RetentionRule {
                period: Some(Period {
                    count: 30,
                    unit: Unit::Day
                }),
                after: Event::Collected
            })
        );
    }

    #[test]
    fn round_trips_through_its_canonical_wording() {
        for text in [
            "2 years after we reply",
            "until you withdraw your consent",
            "6 months after we receive it",
        ] {
            let rule = RetentionRule::parse(text).map(|r| r.to_string());
            assert_eq!(rule.as_deref(), Ok(text));
        }
    }

    #[test]
    fn rejects_events_it_cannot_observe() {
        let err = RetentionRule::parse("1 year after the heat death of the universe");
        assert!(
            matches!(err, Err(RetentionError::UnknownEvent(e)) if e == "the heat death of the universe")
        );
        assert_eq!(RetentionRule::parse("  "), Err(RetentionError::Empty));
        assert_eq!(
            RetentionRule::parse("until we receive it"),
            Err(RetentionError::KeepsNothing)
        );
    }
}
