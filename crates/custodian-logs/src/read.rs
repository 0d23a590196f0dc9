//! Reading a log's lines from a plain or gzip file, or standard input,
//! from where the last run stopped. Only whole lines are read: a last line
//! still being written is left for the next run. A line longer than
//! [`MAX_LINE`] is skipped without being held in memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::line::MAX_LINE;

/// What a source is, for knowing it again next time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Device and inode.
    pub file: String,
    /// SHA-256 of the first line: a rotated file that reuses an inode
    /// still differs here.
    pub first_line: Vec<u8>,
    pub gzip: bool,
}

/// One line, or one that was too long to read.
pub enum Line<'a> {
    Whole(&'a [u8]),
    TooLong(usize),
}

/// Open a file and say what it is, without reading past its first line.
pub fn identify(path: &Path) -> io::Result<Identity> {
    let metadata = std::fs::metadata(path)?;
    let file = file_identity(&metadata);
    let mut reader = open(path, 0)?.0;
    let mut first = Vec::new();
    let mut limited = (&mut reader).take(MAX_LINE as u64 + 1);
    limited.read_until(b'\n', &mut first)?;
    Ok(Identity {
        file,
        first_line: Sha256::digest(&first).to_vec(),
        gzip: is_gzip(path)?,
    })
}

#[cfg(unix)]
fn file_identity(metadata: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{}:{}", metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn file_identity(_metadata: &std::fs::Metadata) -> String {
    String::new()
}

fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = File::open(path)?;
    let n = f.read(&mut magic)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// A reader positioned `offset` bytes into the file's (uncompressed) text,
/// and the file's size on disk for progress.
pub fn open(path: &Path, offset: u64) -> io::Result<(Box<dyn BufRead + Send>, u64)> {
    let size = std::fs::metadata(path)?.len();
    if is_gzip(path)? {
        let decoder = flate2::read::MultiGzDecoder::new(File::open(path)?);
        let mut reader: Box<dyn BufRead + Send> =
            Box::new(BufReader::with_capacity(1 << 20, decoder));
        io::copy(&mut (&mut reader).take(offset), &mut io::sink())?;
        Ok((reader, size))
    } else {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(offset.min(size)))?;
        Ok((Box::new(BufReader::with_capacity(1 << 20, file)), size))
    }
}

/// A reader of some of a log's text.
pub type Reader = Box<dyn BufRead + Send>;

/// A plain file's text from `offset` in two halves that meet at a line's
/// end, for reading side by side: the first half's reader, the second's,
/// and where the second starts. `None` when no line ends in the second half.
pub fn halves(path: &Path, offset: u64) -> io::Result<Option<(Reader, Reader, u64)>> {
    let size = std::fs::metadata(path)?.len();
    let middle = offset + size.saturating_sub(offset) / 2;
    let mut probe = BufReader::new(File::open(path)?);
    probe.seek(SeekFrom::Start(middle))?;
    let mut skipped = Vec::new();
    let n = probe.read_until(b'\n', &mut skipped)?;
    if n == 0 || skipped.last() != Some(&b'\n') {
        return Ok(None);
    }
    let split = middle + u64::try_from(n).unwrap_or(0);
    let mut first = File::open(path)?;
    first.seek(SeekFrom::Start(offset))?;
    let mut second = File::open(path)?;
    second.seek(SeekFrom::Start(split))?;
    Ok(Some((
        Box::new(BufReader::with_capacity(
            1 << 20,
            first.take(split - offset),
        )),
        Box::new(BufReader::with_capacity(1 << 20, second)),
        split,
    )))
}

/// Read whole lines from `reader`, calling `each` with each and the bytes
/// read so far; returns the bytes consumed, which end at a line's end.
/// With `all`, a last line without its newline is read too (standard input,
/// a finished gzip file).
pub fn lines(
    reader: &mut dyn BufRead,
    all: bool,
    mut each: impl FnMut(Line<'_>, u64),
) -> io::Result<u64> {
    let mut consumed: u64 = 0;
    let mut pending: Vec<u8> = Vec::new();
    // Bytes of an overlong line skipped so far, while looking for its end.
    let mut skipping: Option<usize> = None;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        while start < len {
            match memchr::memchr(b'\n', &buf[start..]) {
                Some(i) => {
                    let end = start + i;
                    let piece = &buf[start..end];
                    if let Some(skipped) = skipping.take() {
                        each(
                            Line::TooLong(skipped + piece.len()),
                            consumed + end as u64 + 1,
                        );
                    } else if pending.is_empty() {
                        each(Line::Whole(piece), consumed + end as u64 + 1);
                    } else {
                        pending.extend_from_slice(piece);
                        if pending.len() > MAX_LINE {
                            each(Line::TooLong(pending.len()), consumed + end as u64 + 1);
                        } else {
                            each(Line::Whole(&pending), consumed + end as u64 + 1);
                        }
                        pending.clear();
                    }
                    start = end + 1;
                }
                None => {
                    let piece = &buf[start..];
                    match &mut skipping {
                        Some(skipped) => *skipped += piece.len(),
                        None if pending.len() + piece.len() > MAX_LINE => {
                            skipping = Some(pending.len() + piece.len());
                            pending.clear();
                        }
                        None => pending.extend_from_slice(piece),
                    }
                    start = len;
                }
            }
        }
        reader.consume(len);
        consumed += len as u64;
    }
    // What is left has no newline yet.
    let unfinished = pending.len() + skipping.unwrap_or(0);
    if all && unfinished > 0 {
        match skipping {
            Some(skipped) => each(Line::TooLong(skipped), consumed),
            None => each(Line::Whole(&pending), consumed),
        }
        return Ok(consumed);
    }
    Ok(consumed - unfinished as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &[u8], all: bool) -> (Vec<String>, u64) {
        let mut got = Vec::new();
        let mut reader = BufReader::with_capacity(7, text);
        let consumed = lines(&mut reader, all, |line, _| {
            got.push(match line {
                Line::Whole(l) => String::from_utf8_lossy(l).into_owned(),
                Line::TooLong(n) => format!("<{n} bytes>"),
            });
        });
        (got, consumed.unwrap_or(0))
    }

    #[test]
    fn whole_lines_only_and_overlong_ones_skipped() {
        let (got, consumed) = collect(b"one\ntwo\nthr", false);
        assert_eq!(got, ["one", "two"]);
        assert_eq!(consumed, 8, "the unfinished line is left for next time");
        let (got, consumed) = collect(b"one\ntwo\nthr", true);
        assert_eq!(got, ["one", "two", "thr"]);
        assert_eq!(consumed, 11);
        let mut long = vec![b'x'; MAX_LINE + 10];
        long.extend_from_slice(b"\nafter\n");
        let (got, _) = collect(&long, false);
        assert_eq!(
            got,
            [format!("<{} bytes>", MAX_LINE + 10), "after".to_owned()]
        );
    }
}
