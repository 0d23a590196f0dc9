//! The cookie consent choice, kept in an essential cookie for a year:
//! `version=3&campaigns=yes&usage=no`. It records the policy version the
//! choice was made under and an answer per non-essential category, so a
//! category added later is asked about again.

use custodian_policy::CheckedConfig;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentChoice {
    /// The policy version the choice was made under.
    pub version: Option<i64>,
    /// Answers per category id, in the order given.
    pub answers: Vec<(String, bool)>,
}

impl ConsentChoice {
    pub fn parse(value: &str) -> Self {
        let mut choice = ConsentChoice::default();
        for pair in value.split('&') {
            let Some((key, answer)) = pair.split_once('=') else {
                continue;
            };
            match (key, answer) {
                ("version", v) => choice.version = v.parse().ok(),
                (id, "yes") if is_id(id) => choice.answers.push((id.to_owned(), true)),
                (id, "no") if is_id(id) => choice.answers.push((id.to_owned(), false)),
                _ => {}
            }
        }
        choice
    }

    pub fn encode(&self) -> String {
        let mut out = format!("version={}", self.version.unwrap_or(0));
        for (id, yes) in &self.answers {
            out.push('&');
            out.push_str(id);
            out.push_str(if *yes { "=yes" } else { "=no" });
        }
        out
    }

    pub fn answer(&self, category: &str) -> Option<bool> {
        self.answers
            .iter()
            .find(|(id, _)| id == category)
            .map(|(_, yes)| *yes)
    }

    /// Whether the person has agreed to this category's cookies.
    pub fn allows(&self, category: &str) -> bool {
        self.answer(category) == Some(true)
    }

    /// A category the person has not answered: a reason to ask again.
    pub fn unanswered(&self, checked: &CheckedConfig) -> bool {
        checked
            .config
            .policy
            .cookie_categories
            .keys()
            .any(|id| self.answer(id).is_none())
    }

    /// The same answer for every category in the policy.
    pub fn all(checked: &CheckedConfig, version: i64, yes: bool) -> Self {
        ConsentChoice {
            version: Some(version),
            answers: checked
                .config
                .policy
                .cookie_categories
                .keys()
                .map(|id| (id.clone(), yes))
                .collect(),
        }
    }
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
        let c = ConsentChoice::parse("version=3&campaigns=yes&usage=no&<script>=yes&junk");
        assert_eq!(c.version, Some(3));
        assert_eq!(
            c.answers,
            vec![("campaigns".into(), true), ("usage".into(), false)]
        );
        assert_eq!(c.encode(), "version=3&campaigns=yes&usage=no");
        assert!(c.allows("campaigns") && !c.allows("usage") && !c.allows("other"));
    }
}
