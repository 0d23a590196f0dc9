//! `custodian logs ingest|generate`: web server logs into site usage
//! statistics, and a realistic log to try it on.
//!
//! Ingesting reads each file from where the last run stopped, counts its
//! lines into a [`Tally`] in memory (visitor keys and their daily salts
//! never leave it), then writes the day aggregates, every file's new
//! position and a record of the run in one transaction.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use custodian_logs::read::{self, Line};
use custodian_logs::sketch::Sketch;
use custodian_logs::{DayTally, LogFormat, Malformed, Options, Tally, parse_line};
use custodian_store::Store;
use custodian_store::stats::{DayCounts, FileProgress, RunRecord};
use time::OffsetDateTime;

use crate::cli::{Global, IngestArgs};
use crate::error::{CliError, CliResult};
use crate::site;

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub async fn ingest(global: &Global, args: &IngestArgs) -> CliResult {
    let format = LogFormat::parse(&args.format).map_err(|e| CliError::Invalid(e.to_string()))?;
    let url = site::database_url(global)?;
    let store = Store::connect(&url).await?;
    store.migrate(now()).await?;
    if args.follow {
        let result = follow(&store, args, &format).await;
        store.close().await;
        return result;
    }
    let started = now();
    let mut tally = Tally::new(counting(args));
    let mut files = Vec::new();
    let mut missing = Vec::new();
    let clock = Instant::now();
    for path in &args.files {
        if path.as_os_str() == "-" {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            read_all(&mut lock, &format, &mut tally, 0, true, None)
                .map_err(|e| CliError::Runtime(e.into()))?;
            continue;
        }
        match ingest_file(&store, &args.site, path, &format, &mut tally).await {
            Ok(Some(progress)) => files.push(progress),
            Ok(None) => {}
            Err(e) => missing.push(format!("{}: {e}", path.display())),
        }
    }
    let run = RunRecord {
        id: format!("run-{}-{}", started, std::process::id()),
        started_at: started,
        finished_at: now(),
        lines: i64::try_from(tally.lines).unwrap_or(i64::MAX),
        malformed: i64::try_from(tally.malformed_count()).unwrap_or(i64::MAX),
        // Kinds, counts and line numbers only: the lines themselves hold
        // addresses and user agents, which are never written to disk.
        report: serde_json::Value::Object(
            tally
                .malformed
                .iter()
                .map(|(kind, e)| {
                    (
                        (*kind).to_owned(),
                        serde_json::json!({ "count": e.count, "first_line_number": e.line_number }),
                    )
                })
                .collect(),
        )
        .to_string(),
    };
    let reading = clock.elapsed().as_secs_f64();
    let days: Vec<DayCounts> = tally
        .settled_days()
        .iter()
        .map(|(d, t)| day_counts(*d, t))
        .collect();
    store
        .record_ingest(
            &args.site,
            &days,
            &files,
            Some(&run),
            &merge_sketches,
            now(),
        )
        .await?;
    store.close().await;
    let seconds = clock.elapsed().as_secs_f64();
    say!(
        "read {} lines ({} malformed) in {:.2} s: {:.0} lines/s; saved {} days of statistics for site {} in {:.2} s",
        tally.lines,
        tally.malformed_count(),
        reading,
        tally.lines as f64 / reading.max(1e-9),
        days.len(),
        args.site,
        seconds - reading
    );
    for (kind, example) in &tally.malformed {
        say!(
            "  {} {kind} lines; the first, line {}: {}\n    {}",
            example.count,
            example.line_number,
            example.message,
            example.line
        );
    }
    if !missing.is_empty() {
        for m in &missing {
            eprintln!("could not read {m}");
        }
        return Err(CliError::Invalid(format!(
            "{} of the files could not be read; the others were counted",
            missing.len()
        )));
    }
    Ok(())
}

/// One file, from where the last run stopped (or the start, if it was
/// rotated or replaced since). `None`: nothing new.
async fn ingest_file(
    store: &Store,
    site: &str,
    path: &Path,
    format: &LogFormat,
    tally: &mut Tally,
) -> anyhow::Result<Option<FileProgress>> {
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
    let progress = (std::io::stderr().is_terminal() && size > 8 << 20).then_some(size);
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
fn read_all(
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
struct Followed {
    path: PathBuf,
    key: String,
    file: std::fs::File,
    identity: read::Identity,
    offset: u64,
    lines: i64,
}

impl Followed {
    fn open(path: &Path, offset: u64, lines: i64) -> anyhow::Result<Followed> {
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
    fn poll(&mut self, format: &LogFormat, tally: &mut Tally) -> anyhow::Result<()> {
        use std::io::{Seek, SeekFrom};
        self.file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, &self.file);
        let before = tally.lines;
        let consumed = read_all(&mut reader, format, tally, self.lines, false, None)?;
        self.offset += consumed;
        self.lines += i64::try_from(tally.lines - before).unwrap_or(0);
        Ok(())
    }

    fn progress(&self) -> FileProgress {
        FileProgress {
            path: self.key.clone(),
            identity: self.identity.file.clone(),
            first_line: self.identity.first_line.clone(),
            offset: i64::try_from(self.offset).unwrap_or(i64::MAX),
            lines: self.lines,
        }
    }

    /// Whether another file now has this path (the log was rotated).
    fn rotated(&self) -> bool {
        read::identify(&self.path).is_ok_and(|now| now.file != self.identity.file)
    }
}

/// `--follow`: read what the files hold, then keep reading what is added,
/// saving every `--save-seconds`, until interrupted (Ctrl-C or SIGTERM),
/// when what was read is saved before exiting.
async fn follow(store: &Store, args: &IngestArgs, format: &LogFormat) -> CliResult {
    let mut followed = Vec::new();
    for path in &args.files {
        let start = match store
            .log_file(
                &args.site,
                &std::fs::canonicalize(path)
                    .map_or_else(|_| String::new(), |p| p.display().to_string()),
            )
            .await?
        {
            Some(p) => {
                let identity = read::identify(path).map_err(|e| {
                    CliError::Invalid(format!("cannot follow {}: {e}", path.display()))
                })?;
                if p.identity == identity.file && p.first_line == identity.first_line {
                    (u64::try_from(p.offset).unwrap_or(0), p.lines)
                } else {
                    (0, 0)
                }
            }
            None => (0, 0),
        };
        let f = Followed::open(path, start.0, start.1)
            .map_err(|e| CliError::Invalid(format!("cannot follow {}: {e}", path.display())))?;
        if f.identity.gzip {
            return Err(CliError::Invalid(format!(
                "{} is compressed, so it is finished: ingest it without --follow",
                path.display()
            )));
        }
        followed.push(f);
    }
    let mut tally = Tally::new(counting(args));
    let mut stop = std::pin::pin!(stopped());
    let mut last_save = Instant::now();
    let save_every = std::time::Duration::from_secs(args.save_seconds.max(1));
    say!(
        "following {} files; saving every {} s",
        followed.len(),
        save_every.as_secs()
    );
    loop {
        for f in &mut followed {
            f.poll(format, &mut tally).map_err(CliError::Runtime)?;
            if f.rotated() {
                // The old file is read to its end above; start the new one.
                f.poll(format, &mut tally).map_err(CliError::Runtime)?;
                let fresh = Followed::open(&f.path, 0, 0).map_err(CliError::Runtime)?;
                save(store, &args.site, &mut tally, &[f.progress()]).await?;
                *f = fresh;
            }
        }
        let stopping = tokio::select! {
            () = &mut stop => true,
            () = tokio::time::sleep(std::time::Duration::from_millis(500)) => false,
        };
        if stopping || last_save.elapsed() >= save_every {
            let progress: Vec<FileProgress> = followed.iter().map(Followed::progress).collect();
            save(store, &args.site, &mut tally, &progress).await?;
            tally.forget_old_days(2);
            last_save = Instant::now();
        }
        if stopping {
            say!("stopped; everything read is saved");
            return Ok(());
        }
    }
}

/// Save what was counted since the last save, with the files' positions.
async fn save(store: &Store, site: &str, tally: &mut Tally, files: &[FileProgress]) -> CliResult {
    let taken = tally.take();
    let at = now();
    let run = RunRecord {
        id: format!(
            "run-{at}-{}-{}",
            std::process::id(),
            SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
        started_at: at,
        finished_at: at,
        lines: i64::try_from(taken.lines).unwrap_or(i64::MAX),
        malformed: i64::try_from(taken.malformed_count()).unwrap_or(i64::MAX),
        report: "{}".into(),
    };
    let days: Vec<DayCounts> = taken.days.iter().map(|(d, t)| day_counts(*d, t)).collect();
    store
        .record_ingest(site, &days, files, Some(&run), &merge_sketches, at)
        .await?;
    Ok(())
}

/// Saves made by this process, so each run record has its own id.
static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

async fn stopped() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub(crate) fn merge_sketches(old: &[u8], new: &[u8]) -> Option<(Vec<u8>, i64)> {
    let mut merged = Sketch::from_bytes(old)?;
    merged.merge(&Sketch::from_bytes(new)?);
    let estimate = i64::try_from(merged.estimate()).unwrap_or(i64::MAX);
    Some((merged.as_bytes().to_vec(), estimate))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A day's tally as the store keeps it.
pub(crate) fn day_counts(day: i64, t: &DayTally) -> DayCounts {
    let mut counts: Vec<(&'static str, String, i64)> = Vec::new();
    let dims: [(&'static str, &custodian_logs::tally::HashMap<String, u64>); 4] = [
        ("referrer", &t.referrers),
        ("browser", &t.browsers),
        ("os", &t.systems),
        ("not_found", &t.not_found),
    ];
    for (dimension, map) in dims {
        counts.extend(map.iter().map(|(v, n)| (dimension, v.clone(), count(*n))));
    }
    counts.extend(
        t.devices
            .iter()
            .map(|(v, n)| ("device", (*v).to_owned(), count(*n))),
    );
    counts.extend(
        t.statuses
            .iter()
            .map(|(v, n)| ("status", v.to_string(), count(*n))),
    );
    counts.extend(
        t.bots
            .iter()
            .map(|((family, kind), n)| ("bot", format!("{}/{family}", kind.id()), count(*n))),
    );
    DayCounts {
        day,
        requests: count(t.requests),
        pageviews: count(t.pageviews.values().flatten().sum()),
        visitors: count(t.visitors),
        goaccess_visitors: count(t.goaccess_visitors),
        goaccess_invalid: count(t.goaccess_invalid),
        bot_requests: count(t.bots.values().sum()),
        sketch: t.sketch.as_bytes().to_vec(),
        goaccess_sketch: t.goaccess_sketch.as_bytes().to_vec(),
        page_hours: t
            .pageviews
            .iter()
            .map(|(path, hours)| (path.clone(), hours.map(count)))
            .collect(),
        counts,
    }
}

/// `custodian logs generate`: a realistic combined log on standard output
/// or into a file.
pub fn generate(lines: u64, days: u32, seed: u64, start: &str, out: Option<&PathBuf>) -> CliResult {
    let start = custodian_policy::forms::parse_day(start)
        .map_err(CliError::Invalid)?
        .midnight()
        .assume_utc()
        .unix_timestamp();
    let plan = custodian_logs::generate::Plan {
        lines,
        days,
        seed,
        start,
    };
    let written = match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::Invalid(format!("cannot write {}: {e}", path.display())))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            custodian_logs::generate::write_log(plan, &mut w).and_then(|()| w.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            custodian_logs::generate::write_log(plan, &mut w).and_then(|()| w.flush())
        }
    };
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Runtime(e.into())),
    }
}

/// `custodian logs redact FILE`: a copy of a log with every client address
/// replaced by `-`, for a site that must keep logs longer than the policy
/// keeps addresses. A line that cannot be read is left out, since where its
/// address is cannot be known; the count is reported.
pub fn redact(format: &str, input: &Path, out: Option<&PathBuf>) -> CliResult {
    let format = LogFormat::parse(format).map_err(|e| CliError::Invalid(e.to_string()))?;
    let (mut reader, _) = read::open(input, 0)
        .map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", input.display())))?;
    let target = out.cloned().unwrap_or_else(|| {
        let mut name = input.as_os_str().to_owned();
        name.push(".redacted");
        PathBuf::from(name)
    });
    if target == input {
        return Err(CliError::Invalid("--out must not be the log itself".into()));
    }
    let file = std::fs::File::create(&target)
        .map_err(|e| CliError::Invalid(format!("cannot write {}: {e}", target.display())))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let (mut kept, mut dropped) = (0u64, 0u64);
    let mut failure = None;
    read::lines(&mut *reader, true, |line, _| {
        let Line::Whole(raw) = line else {
            dropped += 1;
            return;
        };
        let Ok(hit) = parse_line(&format, raw) else {
            dropped += 1;
            return;
        };
        // Where the client field sits in the line: its slice's offset.
        let start = hit.client.as_ptr() as usize - raw.as_ptr() as usize;
        let end = start + hit.client.len();
        let written = w
            .write_all(&raw[..start])
            .and_then(|()| w.write_all(b"-"))
            .and_then(|()| w.write_all(&raw[end..]))
            .and_then(|()| w.write_all(b"\n"));
        if let Err(e) = written {
            failure.get_or_insert(e);
        } else {
            kept += 1;
        }
    })
    .map_err(|e| CliError::Runtime(e.into()))?;
    if let Some(e) = failure {
        return Err(CliError::Runtime(e.into()));
    }
    w.flush().map_err(|e| CliError::Runtime(e.into()))?;
    say!(
        "wrote {} with {kept} lines, addresses removed; left out {dropped} lines that could not be read",
        target.display()
    );
    Ok(())
}

/// What counts as a pageview, from the command line.
fn counting(args: &IngestArgs) -> Options {
    let defaults = Options::default();
    Options {
        include_bots: args.include_bots,
        include_assets: args.include_assets,
        asset_extensions: args.asset_extensions.as_ref().map_or(
            defaults.asset_extensions,
            |list| {
                list.iter()
                    .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
                    .filter(|e| !e.is_empty())
                    .collect()
            },
        ),
    }
}
