//! The command line. Global options work before or after the subcommand,
//! and each can come from a `CUSTODIAN_*` environment variable instead.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "custodian",
    version,
    about = "Runs a site whose privacy notice is a policy file the server enforces"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The site config (with its [policy]). Without it, `serve` runs the built-in demo site.
    #[arg(long, global = true, env = "CUSTODIAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the SQLite database (and later keys and the outbox) live.
    #[arg(
        long,
        global = true,
        env = "CUSTODIAN_DATA_DIR",
        value_name = "DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// `sqlite://PATH` or `postgres://...`; defaults to SQLite in the data dir.
    #[arg(
        long,
        global = true,
        env = "CUSTODIAN_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site.
    Serve(ServeArgs),
    /// Apply database migrations, then exit.
    Migrate,
    /// Check or render a policy file.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        env = "CUSTODIAN_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a site config: strict keys, resolved references, readable
    /// retention rules, every cookie declared. Exit code 2 on any problem.
    Check {
        /// The site config file.
        file: PathBuf,
    },
    /// Print the privacy notice generated from a site config.
    Render {
        /// The site config file.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Json,
    Markdown,
}
