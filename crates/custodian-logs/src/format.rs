//! How a log's lines are laid out: the combined and common formats that
//! nginx and Apache write by default, or a layout in the style of nginx's
//! `log_format` (`$remote_addr - $remote_user [$time_local] "$request" ...`).
//!
//! A layout is a sequence of literal text and fields. Parsing a line walks
//! it in order: a field runs until the literal that follows it.

use std::fmt;

/// What a field of a layout holds. Anything the statistics do not use is
/// [`Field::Skip`]: it is matched and thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `$remote_addr`: an IPv4 or IPv6 address, or a host name.
    Client,
    /// `$time_local`: `10/Oct/2000:13:55:36 -0700`.
    TimeLocal,
    /// `$time_iso8601`: `2000-10-10T13:55:36-07:00`.
    TimeIso8601,
    /// `$request`: `GET /path HTTP/1.1`.
    Request,
    /// `$status`: three digits.
    Status,
    /// `$body_bytes_sent` or `$bytes_sent`: digits, or `-` for none.
    Bytes,
    /// `$http_referer`.
    Referer,
    /// `$http_user_agent`.
    UserAgent,
    /// Any other variable.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(Vec<u8>),
    Field(Field),
}

/// A parsed layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    pub name: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error(
        "unknown log format `{0}`: use combined, common, or a format string such as '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent'"
    )]
    Unknown(String),
    #[error("the format string has no $remote_addr, so visitors cannot be told apart")]
    NoClient,
    #[error("the format string has no $time_local or $time_iso8601, so hits cannot be dated")]
    NoTime,
    #[error("the format string has no $request, so pages cannot be counted")]
    NoRequest,
    #[error("the format string has no $status")]
    NoStatus,
    #[error(
        "in the format string, ${0} follows ${1} with nothing between them, so where one ends cannot be known"
    )]
    Adjacent(String, String),
    #[error("the format string has a `$` with no variable name after it")]
    EmptyVariable,
}

/// nginx's `combined`, which Apache's `combined` matches (Apache writes the
/// identity field nginx leaves as `-`; it is skipped either way).
const COMBINED: &str = "$remote_addr $remote_ident $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
/// The Common Log Format: combined without referrer and user agent.
const COMMON: &str =
    "$remote_addr $remote_ident $remote_user [$time_local] \"$request\" $status $body_bytes_sent";

fn field_of(variable: &str) -> Field {
    match variable {
        "remote_addr" | "http_x_forwarded_for" | "realip_remote_addr" => Field::Client,
        "time_local" => Field::TimeLocal,
        "time_iso8601" => Field::TimeIso8601,
        "request" => Field::Request,
        "status" => Field::Status,
        "body_bytes_sent" | "bytes_sent" => Field::Bytes,
        "http_referer" => Field::Referer,
        "http_user_agent" => Field::UserAgent,
        _ => Field::Skip,
    }
}

impl LogFormat {
    /// `combined`, `common`, or a format string (anything with a `$`).
    pub fn parse(spec: &str) -> Result<LogFormat, FormatError> {
        let (name, text) = match spec.trim() {
            "combined" | "COMBINED" => ("combined", COMBINED),
            "common" | "COMMON" | "clf" => ("common", COMMON),
            s if s.contains('$') => ("custom", s),
            other => return Err(FormatError::Unknown(other.to_owned())),
        };
        let segments = segments(text)?;
        let has = |f: Field| segments.contains(&Segment::Field(f));
        if !has(Field::Client) {
            return Err(FormatError::NoClient);
        }
        if !has(Field::TimeLocal) && !has(Field::TimeIso8601) {
            return Err(FormatError::NoTime);
        }
        if !has(Field::Request) {
            return Err(FormatError::NoRequest);
        }
        if !has(Field::Status) {
            return Err(FormatError::NoStatus);
        }
        Ok(LogFormat {
            name: name.to_owned(),
            segments,
        })
    }

    pub fn combined() -> LogFormat {
        LogFormat {
            name: "combined".into(),
            segments: segments(COMBINED).unwrap_or_default(),
        }
    }
}

fn segments(text: &str) -> Result<Vec<Segment>, FormatError> {
    let mut out: Vec<Segment> = Vec::new();
    let mut last_variable = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('$') {
            // nginx allows `${name}` to end a name before letters.
            let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
                match braced.split_once('}') {
                    Some((n, t)) => (n, t),
                    None => (braced, ""),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                after.split_at(end)
            };
            if name.is_empty() {
                return Err(FormatError::EmptyVariable);
            }
            if matches!(out.last(), Some(Segment::Field(_))) {
                return Err(FormatError::Adjacent(name.to_owned(), last_variable));
            }
            out.push(Segment::Field(field_of(name)));
            last_variable = name.to_owned();
            rest = tail;
        } else {
            let end = rest.find('$').unwrap_or(rest.len());
            let (literal, tail) = rest.split_at(end);
            out.push(Segment::Literal(literal.as_bytes().to_vec()));
            rest = tail;
        }
    }
    Ok(out)
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_formats_and_a_format_string_parse() {
        for spec in ["combined", "common"] {
            assert!(LogFormat::parse(spec).is_ok(), "{spec}");
        }
        let custom = LogFormat::parse(
            "$remote_addr [$time_local] \"$request\" $status $request_time \"$http_user_agent\"",
        );
        let Ok(custom) = custom else {
            panic!("{custom:?}")
        };
        assert!(custom.segments.contains(&Segment::Field(Field::Skip)));
    }

    #[test]
    fn a_bad_format_says_why() {
        assert_eq!(
            LogFormat::parse("apache"),
            Err(FormatError::Unknown("apache".into()))
        );
        assert_eq!(
            LogFormat::parse("$remote_addr [$time_local] \"$request\""),
            Err(FormatError::NoStatus)
        );
        assert_eq!(
            LogFormat::parse("$remote_addr$remote_user [$time_local] \"$request\" $status"),
            Err(FormatError::Adjacent(
                "remote_user".into(),
                "remote_addr".into()
            ))
        );
        assert_eq!(
            LogFormat::parse("$ [$time_local]"),
            Err(FormatError::EmptyVariable)
        );
    }
}
