//! `custodian`: one binary that serves a site from its policy file. The
//! library holds the commands and the composition root (`app.rs`): the
//! site is built in one place, by `App::build`, whoever starts it.

/// `println!` that tolerates a closed standard output; see [`error::say`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::error::say(format_args!($($arg)*))
    };
}

pub mod app;
mod audit_anchor;
pub mod cli;
mod commands;
mod connections;
mod demo;
mod error;
mod jobs;
mod page_stats;
mod site;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, PolicyCommand};
use crate::error::CliResult;

/// The config `policy check` or `policy render` reads: the file given, or
/// the one `--config` (or `CUSTODIAN_CONFIG`) names.
fn policy_file(
    file: Option<&std::path::Path>,
    global: &cli::Global,
) -> CliResult<std::path::PathBuf> {
    file.or(global.config.as_deref())
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| {
            error::CliError::Invalid(
                "give the site config: custodian policy check FILE, or --config FILE".into(),
            )
        })
}

/// The binary's `main`: parse the command line, set up logging, run.
pub fn main() -> ExitCode {
    // `custodian help --help` asks for help about help: the top-level help,
    // as `custodian help` prints, not a usage error.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == "help" && (args[2] == "--help" || args[2] == "-h") {
        use clap::CommandFactory;
        return match Cli::command().print_long_help() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        };
    }
    // clap exits with code 2 on usage errors, as promised.
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CUSTODIAN_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false);
    if cli.global.log_format == "json" {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

fn run(cli: Cli) -> CliResult {
    match &cli.command {
        Command::Policy(PolicyCommand::Check { file }) => {
            commands::policy::check(&policy_file(file.as_deref(), &cli.global)?)
        }
        Command::Policy(PolicyCommand::Render { file, format, out }) => commands::policy::render(
            &policy_file(file.as_deref(), &cli.global)?,
            *format,
            out.as_deref(),
        ),
        Command::Migrate => runtime()?.block_on(commands::migrate::run(&cli.global)),
        Command::Serve(args) => runtime()?.block_on(commands::serve::run(&cli.global, args)),
        Command::Subject(command) => {
            runtime()?.block_on(commands::subject::run(&cli.global, command))
        }
        Command::Keys(command) => runtime()?.block_on(commands::keys::run(&cli.global, command)),
        Command::Retention { dry_run, at } => {
            runtime()?.block_on(commands::retention::run(&cli.global, *dry_run, *at))
        }
        Command::Logs(cli::LogsCommand::Ingest(args)) => {
            runtime()?.block_on(commands::logs::ingest(&cli.global, args))
        }
        Command::Logs(cli::LogsCommand::Generate {
            lines,
            days,
            seed,
            start,
            out,
        }) => commands::logs::generate(*lines, *days, *seed, start, out.as_ref()),
        Command::Logs(cli::LogsCommand::Redact { format, out, file }) => {
            commands::logs::redact(format, file, out.as_ref())
        }
        Command::Stats(cli::StatsCommand::Summary(args)) => {
            runtime()?.block_on(commands::stats::summary(&cli.global, args))
        }
        Command::Campaigns(cli::CampaignsCommand::Fetch) => {
            runtime()?.block_on(commands::campaigns::fetch(&cli.global))
        }
        Command::Backup { to } => runtime()?.block_on(commands::backup::backup(&cli.global, to)),
        Command::Restore { from, replace } => {
            runtime()?.block_on(commands::backup::restore(&cli.global, from, *replace))
        }
        Command::Audit(command) => runtime()?.block_on(commands::audit::run(&cli.global, command)),
        Command::Staff(command) => runtime()?.block_on(commands::staff::run(&cli.global, command)),
        Command::Mail(command) => runtime()?.block_on(commands::mail::run(&cli.global, command)),
    }
}

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| error::CliError::Runtime(e.into()))
}
