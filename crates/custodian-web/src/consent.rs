//! The cookie consent choice, kept in an essential cookie for a year:
//! `version=3&campaigns=yes.1a2b3c4d&usage=no.5e6f7a8b`. It records the policy
//! version the choice was made under and, per non-essential category, the
//! answer and a fingerprint of what the category covered then. A category
//! added later, or one whose cookies or purpose changed, is asked again.

use custodian_policy::CheckedConfig;
use custodian_policy::version::consent_fingerprint;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentChoice {
    /// The policy version the choice was made under.
    pub version: Option<i64>,
    /// Answers per category id, in the order given.
    pub answers: Vec<Answer>,
    /// A random id that the consent ledger's receipts for this browser
    /// carry (hex), so that they can be told apart; nothing else.
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub category: String,
    pub yes: bool,
    /// What the category covered when the person answered.
    pub fingerprint: String,
}

impl ConsentChoice {
    pub fn parse(value: &str) -> Self {
        let mut choice = ConsentChoice::default();
        for pair in value.split('&') {
            let Some((key, answer)) = pair.split_once('=') else {
                continue;
            };
            if key == "version" {
                choice.version = answer.parse().ok();
                continue;
            }
            if key == "receipt" {
                if (16..=64).contains(&answer.len())
                    && answer.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    choice.receipt = Some(answer.to_owned());
                }
                continue;
            }
            let (word, fingerprint) = answer.split_once('.').unwrap_or((answer, ""));
            let yes = match word {
                "yes" => true,
                "no" => false,
                _ => continue,
            };
            if is_id(key) && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
                choice.answers.push(Answer {
                    category: key.to_owned(),
                    yes,
                    fingerprint: fingerprint.to_owned(),
                });
            }
        }
        choice
    }

    pub fn encode(&self) -> String {
        let mut out = format!("version={}", self.version.unwrap_or(0));
        for a in &self.answers {
            let word = if a.yes { "yes" } else { "no" };
            out.push_str(&format!("&{}={word}.{}", a.category, a.fingerprint));
        }
        if let Some(receipt) = &self.receipt {
            out.push_str(&format!("&receipt={receipt}"));
        }
        out
    }

    /// The person's answer for this category, if it still covers what the
    /// category is today.
    pub fn answer(&self, checked: &CheckedConfig, category: &str) -> Option<bool> {
        let current = consent_fingerprint(&checked.config.policy, category);
        self.answers
            .iter()
            .find(|a| a.category == category && a.fingerprint == current)
            .map(|a| a.yes)
    }

    /// Whether the person has agreed to this category's cookies as they are.
    pub fn allows(&self, checked: &CheckedConfig, category: &str) -> bool {
        self.answer(checked, category) == Some(true)
    }

    /// A category without a current answer: a reason to ask again.
    pub fn unanswered(&self, checked: &CheckedConfig) -> bool {
        checked
            .config
            .policy
            .cookie_categories
            .keys()
            .any(|id| self.answer(checked, id).is_none())
    }

    /// One answer per category in the policy, fingerprinted as it is now.
    pub fn from_answers(
        checked: &CheckedConfig,
        version: i64,
        answer: impl Fn(&str) -> bool,
    ) -> Self {
        ConsentChoice {
            version: Some(version),
            receipt: None,
            answers: checked
                .config
                .policy
                .cookie_categories
                .keys()
                .map(|id| Answer {
                    category: id.clone(),
                    yes: answer(id),
                    fingerprint: consent_fingerprint(&checked.config.policy, id),
                })
                .collect(),
        }
    }
}

/// A new random receipt id for a browser's consent choices.
pub fn new_receipt() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_anything_else() {
        let c = ConsentChoice::parse(
            "version=3&campaigns=yes.0a1b2c3d&usage=no.ffff0000&<script>=yes&junk&x=yes.zz",
        );
        assert_eq!(c.version, Some(3));
        assert_eq!(
            c.answers,
            vec![
                Answer {
                    category: "campaigns".into(),
                    yes: true,
                    fingerprint: "0a1b2c3d".into()
                },
                Answer {
                    category: "usage".into(),
                    yes: false,
                    fingerprint: "ffff0000".into()
                },
            ]
        );
        assert_eq!(
            c.encode(),
            "version=3&campaigns=yes.0a1b2c3d&usage=no.ffff0000"
        );
    }
}
