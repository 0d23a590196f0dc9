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

use custodian_app::usage::{self, Followed};
use custodian_logs::read::{self, Line};
use custodian_logs::{LogFormat, Options, Tally, parse_line};
use custodian_store::Store;
use custodian_store::stats::FileProgress;
use time::OffsetDateTime;

use crate::cli::{Global, IngestArgs};
use crate::error::{CliError, CliResult};
use crate::site;

/// Failures below the CLI are runtime failures (exit code 1).
fn app_error(e: custodian_app::Error) -> CliError {
    CliError::Runtime(e.into())
}

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
    let terminal = std::io::stderr().is_terminal();
    for path in &args.files {
        if path.as_os_str() == "-" {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            usage::read_all(&mut lock, &format, &mut tally, 0, true, None)
                .map_err(|e| CliError::Runtime(e.into()))?;
            continue;
        }
        match usage::ingest_file(&store, &args.site, path, &format, &mut tally, terminal).await {
            Ok(Some(progress)) => files.push(progress),
            Ok(None) => {}
            Err(e) => missing.push(format!("{}: {e}", path.display())),
        }
    }
    let reading = clock.elapsed().as_secs_f64();
    let days = usage::record_run(&store, &args.site, &mut tally, &files, started, now())
        .await
        .map_err(app_error)?;
    store.close().await;
    let seconds = clock.elapsed().as_secs_f64();
    say!(
        "read {} lines ({} malformed) in {:.2} s: {:.0} lines/s; saved {} days of statistics for site {} in {:.2} s",
        tally.lines,
        tally.malformed_count(),
        reading,
        tally.lines as f64 / reading.max(1e-9),
        days,
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
            f.poll(format, &mut tally)
                .map_err(|e| CliError::Runtime(e.into()))?;
            if f.rotated() {
                // The old file is read to its end above; start the new one.
                f.poll(format, &mut tally)
                    .map_err(|e| CliError::Runtime(e.into()))?;
                let fresh =
                    Followed::open(&f.path, 0, 0).map_err(|e| CliError::Runtime(e.into()))?;
                usage::save(store, &args.site, &mut tally, &[f.progress()], now())
                    .await
                    .map_err(app_error)?;
                *f = fresh;
            }
        }
        let stopping = tokio::select! {
            () = &mut stop => true,
            () = tokio::time::sleep(std::time::Duration::from_millis(500)) => false,
        };
        if stopping || last_save.elapsed() >= save_every {
            let progress: Vec<FileProgress> = followed.iter().map(Followed::progress).collect();
            usage::save(store, &args.site, &mut tally, &progress, now())
                .await
                .map_err(app_error)?;
            tally.forget_old_days(2);
            last_save = Instant::now();
        }
        if stopping {
            say!("stopped; everything read is saved");
            return Ok(());
        }
    }
}

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
