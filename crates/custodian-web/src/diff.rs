//! A readable, line-by-line diff between two versions of the notice.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DiffLine {
    /// "added" or "removed"; unchanged lines are left out.
    pub change: &'static str,
    pub text: String,
}

/// The lines that changed from `before` to `after`, blank lines skipped.
pub fn changed_lines(before: &str, after: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(before, after)
        .iter_all_changes()
        .filter_map(|change| {
            let change_kind = match change.tag() {
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
                ChangeTag::Equal => return None,
            };
            let text = change.value().trim_end().to_owned();
            (!text.trim().is_empty()).then_some(DiffLine {
                change: change_kind,
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_what_changed() {
        let lines = changed_lines("a\nb\n\nc\n", "a\nB\n\nc\nd\n");
        assert_eq!(
            lines,
            vec![
                DiffLine {
                    change: "removed",
                    text: "b".into()
                },
                DiffLine {
                    change: "added",
                    text: "B".into()
                },
                DiffLine {
                    change: "added",
                    text: "d".into()
                },
            ]
        );
    }
}
