//! Reading log files into a tally: each file from where the last run
//! stopped (or its start, if it was rotated or replaced since), a large one
//! in two halves at once, and a followed file as lines are added.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use custodian_logs::read::{self, Line};
use custodian_logs::{LogFormat, Malformed, Tally, parse_line};
use custodian_store::Store;
use custodian_store::stats::FileProgress;

use crate::Result;

/// One file, from where the last run stopped (or the start, if it was
/// rotated or replaced since). `None`: nothing new.
pub async fn ingest_file(
    store: &Store,
    site: &str,
    path: &Path,
    format: &LogFormat,
    tally: &mut Tally,
    show_progress: bool,
) -> Result<Option<FileProgress>> {
    let key = std::fs::canonicalize(path)?.display().to_string();
    let identity = read::identify(path)?;
    let before = store.log_file(site, &key).await?;
    let (offset, lines_before) = match &before {
        Some(p) if p.identity == identity.file && p.first_line == identity.first_line => {
            (u64::try_from(p.offset).unwrap_or(0), p.lines)
        }
        _ => (0, 0),
    };
    let size = std::fs::metadata(path)?.len();
    let progress = (show_progress && size > 8 << 20).then_some(size);
    let read_lines_before = tally.lines;
    let halves = if !identity.gzip && size.saturating_sub(offset) > SIDE_BY_SIDE_BYTES {
        read::halves(path, offset)?
    } else {
        None
    };
    let consumed = match halves {
        Some((first, second, _)) => {
            read_side_by_side(first, second, format, tally, lines_before, progress)?
        }
        None => {
            let (mut reader, _) = read::open(path, offset)?;
            // A gzip file is finished: its last line counts even without a newline.
            read_all(
                &mut *reader,
                format,
                tally,
                lines_before,
                identity.gzip,
                progress,
            )?
        }
    };
    let new_lines = tally.lines - read_lines_before;
    if new_lines == 0 && before.is_some() {
        return Ok(None);
    }
    Ok(Some(FileProgress {
        path: key,
        identity: identity.file,
        first_line: identity.first_line,
        offset: i64::try_from(offset + consumed).unwrap_or(i64::MAX),
        lines: lines_before + i64::try_from(new_lines).unwrap_or(0),
    }))
}

/// A plain file with more than this left to read is read in two halves
/// at once, one on each of two cores.
const SIDE_BY_SIDE_BYTES: u64 = 32 << 20;

/// Count two halves of a file at once, into `tally` and a sibling sharing
/// its day salts, then merge them: the same counts as reading in turn.
/// Returns the bytes consumed by both.
fn read_side_by_side(
    mut first: Box<dyn std::io::BufRead + Send>,
    mut second: Box<dyn std::io::BufRead + Send>,
    format: &LogFormat,
    tally: &mut Tally,
    lines_before: i64,
    progress: Option<u64>,
) -> std::io::Result<u64> {
    let mut later = tally.sibling();
    let first_lines = tally.lines;
    let consumed: std::io::Result<u64> = std::thread::scope(|scope| {
        let worker = scope.spawn(|| read_all(&mut *second, format, &mut later, 0, false, None));
        let mine = read_all(
            &mut *first,
            format,
            tally,
            lines_before,
            false,
            progress.map(|p| p / 2),
        );
        let theirs = worker
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the second half's reader stopped")));
        Ok(mine? + theirs?)
    });
    let consumed = consumed?;
    let in_first = tally.lines - first_lines;
    tally.merge(later, u64::try_from(lines_before).unwrap_or(0) + in_first);
    Ok(consumed)
}

/// Count every whole line of `reader` into `tally`; the bytes consumed.
pub fn read_all(
    reader: &mut dyn std::io::BufRead,
    format: &LogFormat,
    tally: &mut Tally,
    first_line_number: i64,
    all: bool,
    progress: Option<u64>,
) -> std::io::Result<u64> {
    let mut number = u64::try_from(first_line_number).unwrap_or(0);
    let mut shown = Instant::now();
    let consumed = read::lines(reader, all, |line, at| {
        number += 1;
        match line {
            Line::Whole(raw) => match parse_line(format, raw) {
                Ok(hit) => tally.count(&hit),
                Err(why) => tally.reject(number, raw, &why),
            },
            Line::TooLong(n) => tally.reject(number, b"", &Malformed::TooLong(n)),
        }
        if let Some(size) = progress
            && number % 65_536 == 0
            && shown.elapsed().as_millis() > 200
        {
            shown = Instant::now();
            let percent = at.saturating_mul(100) / size.max(1);
            let _ = write!(std::io::stderr(), "\r{} MB read, {percent}%  ", at >> 20);
        }
    })?;
    if progress.is_some() {
        let _ = writeln!(std::io::stderr(), "\rdone{:24}", "");
    }
    Ok(consumed)
}

/// A file being followed: the handle stays open, so a rotated file is
/// read to its end before the new one at the same path is started.
pub struct Followed {
    pub path: PathBuf,
    key: String,
    file: std::fs::File,
    pub identity: read::Identity,
    offset: u64,
    lines: i64,
}

impl Followed {
    pub fn open(path: &Path, offset: u64, lines: i64) -> std::io::Result<Followed> {
        Ok(Followed {
            path: path.to_owned(),
            key: std::fs::canonicalize(path)?.display().to_string(),
            file: std::fs::File::open(path)?,
            identity: read::identify(path)?,
            offset,
            lines,
        })
    }

    /// Read the whole lines added since the last call.
    pub fn poll(&mut self, format: &LogFormat, tally: &mut Tally) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        self.file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, &self.file);
        let before = tally.lines;
        let consumed = read_all(&mut reader, format, tally, self.lines, false, None)?;
        self.offset += consumed;
        self.lines += i64::try_from(tally.lines - before).unwrap_or(0);
        Ok(())
    }

    pub fn progress(&self) -> FileProgress {
        FileProgress {
            path: self.key.clone(),
            identity: self.identity.file.clone(),
            first_line: self.identity.first_line.clone(),
            offset: i64::try_from(self.offset).unwrap_or(i64::MAX),
            lines: self.lines,
        }
    }

    /// Whether another file now has this path (the log was rotated).
    pub fn rotated(&self) -> bool {
        read::identify(&self.path).is_ok_and(|now| now.file != self.identity.file)
    }
}
