//! Errors in a policy file, each pointing at the file, line and column, and
//! saying what to do about it.

use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the problem has no single place (a missing table).
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The offending line, for context under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A problem at `span` in `source`. An empty span at the very start means
    /// the value was defaulted or has no single place, so no position is shown.
    pub fn at(file: &str, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column, source_line) = if span == (0..0) {
            (0, 0, None)
        } else {
            locate(source, span.start)
        };
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
            help: None,
            source_line,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Line and column (1-based, in characters) of a byte offset. Spans of
/// defaulted values are empty at offset 0 and report no position.
fn locate(source: &str, offset: usize) -> (usize, usize, Option<String>) {
    if source.is_empty() {
        return (0, 0, None);
    }
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    let text = source.lines().nth(line - 1).map(str::to_owned);
    (line, column, text)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.file, self.line, self.column, self.message
            )?;
        } else {
            write!(f, "{}: error: {}", self.file, self.message)?;
        }
        if let Some(text) = &self.source_line {
            let pad = " ".repeat(self.column.saturating_sub(1));
            write!(f, "\n  | {text}\n  | {pad}^")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// One or more problems found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn one(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_and_column() {
        let src = "a = 1\nbee = 2\n";
        let d = Diagnostic::at("x.toml", src, 6..9, "unknown field `bee`").help("check spelling");
        assert_eq!((d.line, d.column), (2, 1));
        assert_eq!(
            d.to_string(),
            "x.toml:2:1: error: unknown field `bee`\n  | bee = 2\n  | ^\n  = help: check spelling"
        );
    }
}
