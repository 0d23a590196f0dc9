//! One line of a log, read against its layout without copying. Any input
//! gives a [`Hit`] or a [`Malformed`] naming what was wrong and where:
//! never a panic (the fuzz target holds this).

use crate::format::{Field, LogFormat, Segment};
use crate::time::{iso8601, time_local};

/// Longer lines are refused rather than read: no real request line is.
pub const MAX_LINE: usize = 32 * 1024;

/// A request, as the log recorded it. Borrowed from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    /// The client field: an address or a host name.
    pub client: &'a str,
    /// Unix seconds.
    pub at: i64,
    pub method: &'a str,
    /// The request target without its query string or fragment.
    pub path: &'a str,
    pub status: u16,
    pub bytes: u64,
    /// `None` for `-` or an empty field.
    pub referer: Option<&'a str>,
    /// `None` when the layout has no user agent; empty when the log
    /// wrote `-`.
    pub user_agent: Option<&'a str>,
}

/// Why a line was not read. [`Malformed::kind`] groups them for the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("the line is empty")]
    Empty,
    #[error("the line is {0} bytes long, more than {MAX_LINE}")]
    TooLong(usize),
    #[error("the line is not UTF-8 text")]
    NotUtf8,
    #[error("the line ends early, at column {0}, before the layout does")]
    Truncated(usize),
    #[error("expected {expected:?} at column {column}")]
    Mismatch { column: usize, expected: String },
    #[error("the client field {0:?} is not an address or host name")]
    BadClient(String),
    #[error("the time {0:?} cannot be read")]
    BadTime(String),
    #[error("the request {0:?} is not a method and a path")]
    BadRequest(String),
    #[error("the status {0:?} is not three digits")]
    BadStatus(String),
    #[error("the size {0:?} is not a number")]
    BadBytes(String),
}

impl Malformed {
    /// A stable name for the kind of problem.
    pub fn kind(&self) -> &'static str {
        match self {
            Malformed::Empty => "empty",
            Malformed::TooLong(_) => "too_long",
            Malformed::NotUtf8 => "not_utf8",
            Malformed::Truncated(_) => "truncated",
            Malformed::Mismatch { .. } => "wrong_layout",
            Malformed::BadClient(_) => "bad_client",
            Malformed::BadTime(_) => "bad_time",
            Malformed::BadRequest(_) => "bad_request",
            Malformed::BadStatus(_) => "bad_status",
            Malformed::BadBytes(_) => "bad_size",
        }
    }
}

/// Read one line (without its line ending) against `format`.
pub fn parse_line<'a>(format: &LogFormat, raw: &'a [u8]) -> Result<Hit<'a>, Malformed> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.is_empty() {
        return Err(Malformed::Empty);
    }
    if raw.len() > MAX_LINE {
        return Err(Malformed::TooLong(raw.len()));
    }
    let line = std::str::from_utf8(raw).map_err(|_| Malformed::NotUtf8)?;
    let mut hit = Hit {
        client: "",
        at: 0,
        method: "",
        path: "",
        status: 0,
        bytes: 0,
        referer: None,
        user_agent: None,
    };
    let (mut have_time, mut have_request) = (false, false);
    let mut pos = 0;
    let segments = &format.segments;
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Literal(text) => {
                if !begins_with(&line.as_bytes()[pos..], text) {
                    if pos >= line.len() {
                        return Err(Malformed::Truncated(pos + 1));
                    }
                    return Err(Malformed::Mismatch {
                        column: pos + 1,
                        expected: String::from_utf8_lossy(text).into_owned(),
                    });
                }
                pos += text.len();
            }
            Segment::Field(field) => {
                let quoted = i > 0
                    && matches!(segments.get(i - 1), Some(Segment::Literal(l)) if l.ends_with(b"\""));
                let end = match segments.get(i + 1) {
                    None => line.len(),
                    Some(Segment::Literal(next)) => {
                        let last = i + 2 == segments.len();
                        match field_end(line.as_bytes(), pos, next, quoted, last) {
                            Some(end) => end,
                            // Past the request, a line that stops short was
                            // cut off; before it, it is another layout.
                            None if have_request => {
                                return Err(Malformed::Truncated(line.len() + 1));
                            }
                            None => {
                                return Err(Malformed::Mismatch {
                                    column: pos + 1,
                                    expected: format!(
                                        "a field followed by {:?}",
                                        String::from_utf8_lossy(next)
                                    ),
                                });
                            }
                        }
                    }
                    // The layout's own check refuses two fields in a row.
                    Some(Segment::Field(_)) => line.len(),
                };
                let value = line.get(pos..end).unwrap_or_default();
                read_field(*field, value, &mut hit)?;
                have_time |= matches!(field, Field::TimeLocal | Field::TimeIso8601);
                have_request |= *field == Field::Request;
                pos = end;
            }
        }
    }
    if pos < line.len() && !matches!(segments.last(), Some(Segment::Field(_))) {
        // Trailing text beyond the layout: nginx formats often gain fields
        // at the end, which is no reason to lose the line.
    }
    if !have_time || !have_request {
        return Err(Malformed::Truncated(pos + 1));
    }
    Ok(hit)
}

/// Where a field that starts at `from` ends: at the next literal. In a
/// quoted field a quote escaped with a backslash does not end it; the last
/// field of a line ends where the line's final literal begins.
fn field_end(line: &[u8], from: usize, next: &[u8], quoted: bool, last: bool) -> Option<usize> {
    if next.is_empty() {
        return Some(line.len());
    }
    if last && quoted {
        return line
            .ends_with(next)
            .then(|| line.len() - next.len())
            .filter(|end| *end >= from);
    }
    let mut search = from;
    loop {
        let offset = find_literal(line.get(search..)?, next)?;
        let at = search + offset;
        if quoted && escaped(line, from, at) {
            search = at + 1;
            continue;
        }
        return Some(at);
    }
}

/// Where `needle` first starts in `hay`: memchr finds its first byte, and
/// the rest is compared in place. The literals between fields are one to
/// three bytes, and building a general substring searcher for each, once a
/// field, cost more than the search itself.
fn find_literal(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (first, rest) = needle.split_first()?;
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(*first, hay.get(from..)?)?;
        if begins_with(hay.get(at + 1..)?, rest) {
            return Some(at);
        }
        from = at + 1;
    }
}

/// `starts_with` for the one to three bytes between fields: compared in
/// place, where the slice method calls out to `memcmp` for each.
fn begins_with(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text.iter().zip(prefix).all(|(a, b)| a == b)
}

/// Whether the byte at `at` is preceded by an odd number of backslashes.
fn escaped(line: &[u8], from: usize, at: usize) -> bool {
    let slashes = line[from..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count();
    slashes % 2 == 1
}

fn dash_or_empty(value: &str) -> bool {
    value.is_empty() || value == "-"
}

fn read_field<'a>(field: Field, value: &'a str, hit: &mut Hit<'a>) -> Result<(), Malformed> {
    match field {
        Field::Client => {
            let ok = !value.is_empty()
                && value.len() <= 255
                && value.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'.' | b':' | b'-' | b'_' | b'[' | b']' | b'%')
                });
            if !ok {
                return Err(Malformed::BadClient(shorten(value)));
            }
            hit.client = value;
        }
        Field::TimeLocal => {
            hit.at = time_local(value).ok_or_else(|| Malformed::BadTime(shorten(value)))?;
        }
        Field::TimeIso8601 => {
            hit.at = iso8601(value).ok_or_else(|| Malformed::BadTime(shorten(value)))?;
        }
        Field::Request => {
            // memchr rather than `splitn(' ')`: this runs once a line.
            let (method, rest) = match memchr::memchr(b' ', value.as_bytes()) {
                Some(i) => (&value[..i], &value[i + 1..]),
                None => (value, ""),
            };
            let target = match memchr::memchr(b' ', rest.as_bytes()) {
                Some(i) => &rest[..i],
                None => rest,
            };
            let method_ok = !method.is_empty()
                && method.len() <= 16
                && method.bytes().all(|b| b.is_ascii_uppercase());
            if !method_ok || target.is_empty() {
                return Err(Malformed::BadRequest(shorten(value)));
            }
            hit.method = method;
            let end = memchr::memchr2(b'?', b'#', target.as_bytes()).unwrap_or(target.len());
            hit.path = &target[..end];
        }
        Field::Status => {
            hit.status = value
                .parse::<u16>()
                .ok()
                .filter(|s| value.len() == 3 && (100..=599).contains(s))
                .ok_or_else(|| Malformed::BadStatus(shorten(value)))?;
        }
        Field::Bytes => {
            hit.bytes = if dash_or_empty(value) {
                0
            } else {
                value
                    .parse()
                    .map_err(|_| Malformed::BadBytes(shorten(value)))?
            };
        }
        Field::Referer => hit.referer = (!dash_or_empty(value)).then_some(value),
        Field::UserAgent => hit.user_agent = Some(if value == "-" { "" } else { value }),
        Field::Skip => {}
    }
    Ok(())
}

/// At most 80 characters of a bad value, for the report.
fn shorten(value: &str) -> String {
    value.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combined(line: &str) -> Result<Hit<'_>, Malformed> {
        parse_line(&LogFormat::combined(), line.as_bytes())
    }

    #[test]
    fn a_literal_is_found_where_it_first_starts_whole() {
        assert_eq!(find_literal(b"ab\" \"c", b"\" "), Some(2));
        assert_eq!(find_literal(b"a\"b\" c", b"\" "), Some(3));
        assert_eq!(find_literal(b"abc\"", b"\" "), None);
        assert_eq!(find_literal(b"", b" "), None);
        assert_eq!(find_literal(b"abc", b""), None);
    }

    #[test]
    fn a_combined_line_is_read() {
        let hit = combined(
            r#"2001:db8::1 - - [10/Oct/2000:13:55:36 -0700] "GET /a/b?q=1 HTTP/1.1" 200 2326 "https://www.example.com/start" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" Firefox/120.0""#,
        );
        let Ok(hit) = hit else { panic!("{hit:?}") };
        assert_eq!(hit.client, "2001:db8::1");
        assert_eq!(hit.at, 971_211_336);
        assert_eq!(
            (hit.method, hit.path, hit.status, hit.bytes),
            ("GET", "/a/b", 200, 2326)
        );
        assert_eq!(hit.referer, Some("https://www.example.com/start"));
        assert!(
            hit.user_agent
                .is_some_and(|ua| ua.ends_with("Firefox/120.0"))
        );
    }

    #[test]
    fn a_common_line_from_the_nasa_log_is_read() {
        let common = LogFormat::parse("common").unwrap_or_else(|_| LogFormat::combined());
        let hit = parse_line(
            &common,
            b"uplherc.upl.com - - [01/Aug/1995:00:00:07 -0400] \"GET / HTTP/1.0\" 304 -",
        );
        let Ok(hit) = hit else { panic!("{hit:?}") };
        assert_eq!(
            (hit.client, hit.path, hit.status, hit.bytes),
            ("uplherc.upl.com", "/", 304, 0)
        );
        assert_eq!(hit.user_agent, None);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let cases = [
            ("", "empty"),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200",
                "truncated",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 2x0 1 \"-\" \"-\"",
                "bad_status",
            ),
            (
                "1.2.3.4 - - [99/Foo/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
                "bad_time",
            ),
            (
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"\\x16\\x03\" 400 1 \"-\" \"-\"",
                "bad_request",
            ),
            (
                "<script> - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
                "bad_client",
            ),
            ("just some words", "wrong_layout"),
        ];
        for (line, kind) in cases {
            let got = combined(line);
            assert_eq!(
                got.as_ref().map_err(Malformed::kind).err(),
                Some(kind),
                "{line}: {got:?}"
            );
        }
        assert_eq!(
            parse_line(&LogFormat::combined(), b"\xff\xfe").err(),
            Some(Malformed::NotUtf8)
        );
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(
            parse_line(&LogFormat::combined(), &long)
                .map_err(|e| e.kind())
                .err(),
            Some("too_long")
        );
    }

    /// Mutations of real lines (bytes flipped, cut, repeated, spliced with
    /// other lines), fed to every layout: each gives a hit or a reason,
    /// never a panic. A stand-in until the fuzz target runs in CI.
    #[test]
    fn no_mangled_line_makes_it_panic() {
        let mut plan = Vec::new();
        let wrote = crate::generate::write_log(
            crate::generate::Plan {
                lines: 300,
                days: 1,
                seed: 11,
                start: 1_764_547_200,
            },
            &mut plan,
        );
        assert!(wrote.is_ok());
        let lines: Vec<&[u8]> = plan
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let formats = [
            LogFormat::combined(),
            LogFormat::parse("common").unwrap_or_else(|_| LogFormat::combined()),
            LogFormat::parse("$remote_addr [$time_iso8601] \"$request\" $status $body_bytes_sent \"$http_user_agent\" $request_time")
                .unwrap_or_else(|_| LogFormat::combined()),
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut read, mut refused) = (0, 0);
        for round in 0..20_000u64 {
            let base = lines[(next() % lines.len() as u64) as usize];
            let mut line = base.to_vec();
            for _ in 0..(1 + round % 4) {
                let at = (next() as usize) % (line.len() + 1);
                match next() % 5 {
                    0 if !line.is_empty() => {
                        let i = at.min(line.len() - 1);
                        line[i] = next() as u8;
                    }
                    1 => line.truncate(at),
                    2 => line.insert(
                        at,
                        [b'"', b'\\', b' ', b'[', b']', 0xff][(next() % 6) as usize],
                    ),
                    3 => {
                        let other = lines[(next() % lines.len() as u64) as usize];
                        line.extend_from_slice(&other[(next() as usize) % other.len()..]);
                    }
                    _ => line.drain(..at.min(line.len())).for_each(drop),
                }
            }
            for format in &formats {
                match parse_line(format, &line) {
                    Ok(hit) => {
                        read += 1;
                        assert!((100..=599).contains(&hit.status));
                    }
                    Err(why) => {
                        refused += 1;
                        assert!(!why.to_string().is_empty());
                    }
                }
            }
        }
        assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
    }
}
