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

    /// Where the SQLite database, the master key file, the audit log's head
    /// and the outbox of mail written to files live.
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

    /// How log lines are written to standard error: `text`, or `json` (one
    /// object a line, for a log collector).
    #[arg(
        long,
        global = true,
        env = "CUSTODIAN_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "text",
        value_parser = ["text", "json"]
    )]
    pub log_format: String,
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
    /// See or erase everything held about one person.
    #[command(subcommand)]
    Subject(SubjectCommand),
    /// Manage the master key that protects every person's data key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Delete what the policy says must go by now.
    Retention {
        /// List what would be deleted, and why, without deleting it.
        #[arg(long)]
        dry_run: bool,
        /// Act as if it were this time (RFC 3339, e.g. 2027-01-31T00:00:00Z)
        /// instead of now: with --dry-run, to see what will go by then;
        /// without, in tests, to let a deadline pass.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<i64>,
    },
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Send mail: a test message, or whatever is due now.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Read web server access logs into site usage statistics.
    #[command(subcommand)]
    Logs(LogsCommand),
    /// Site usage statistics.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Shared campaign material.
    #[command(subcommand)]
    Campaigns(CampaignsCommand),
    /// Write a consistent copy of the SQLite database while it serves.
    /// Ciphertext only: back the master key up apart from it.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup in place of the SQLite database (stop the server
    /// first). People erased since the backup was taken are erased again.
    Restore {
        /// A file written by `custodian backup`.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Replace a database that is already there (kept beside it as
        /// `custodian.db.replaced-TIME`).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// Read every campaign feed the config imports now (`serve` does so
    /// every 15 minutes); a feed that fails keeps its last good copy.
    Fetch,
}

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Count access logs (plain or gzip; `-` for standard input) into the
    /// statistics. Each file is read from where the last run stopped.
    Ingest(IngestArgs),
    /// Write a copy of a log with every client address removed.
    Redact {
        #[arg(long, default_value = "combined")]
        format: String,
        /// Where to write (default: FILE.redacted).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write a realistic combined log, the same for the same seed.
    Generate {
        #[arg(long, default_value_t = 100_000)]
        lines: u64,
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The first day, YYYY-MM-DD.
        #[arg(long, default_value = "2026-11-01")]
        start: String,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// `combined`, `common`, or an nginx log_format string such as
    /// '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'.
    #[arg(long, default_value = "combined")]
    pub format: String,
    /// Which site the logs are of, when one database counts several.
    #[arg(long, default_value = "default")]
    pub site: String,
    /// Count bots as visitors, and their requests as pageviews.
    #[arg(long)]
    pub include_bots: bool,
    /// Count requests for static assets (styles, scripts, images, fonts) as pageviews.
    #[arg(long)]
    pub include_assets: bool,
    /// The file endings that mark a static asset, comma-separated, instead
    /// of the built-in list (css, js, images, fonts, media, txt, xml).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub asset_extensions: Option<Vec<String>>,
    /// Keep reading what is added to the files, and start again on a new
    /// file when one is rotated, until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// With --follow, how often to save what was read.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub save_seconds: u64,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// The totals for a range of days.
    Summary(SummaryArgs),
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The first day, YYYY-MM-DD (UTC).
    #[arg(long)]
    pub from: String,
    /// The last day, YYYY-MM-DD (UTC), included.
    #[arg(long)]
    pub to: String,
    #[arg(long, default_value = "default")]
    pub site: String,
    /// `json` or `text`.
    #[arg(long, default_value = "json", value_parser = ["json", "text"])]
    pub format: String,
    /// Count as GoAccess does, to compare with it: a visitor is one
    /// address, day and user agent; bots and assets included; responses
    /// 400 to 499 not counted as visitors.
    #[arg(long)]
    pub goaccess_compatible: bool,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Queue a test message to ADDR. The address is personal data like any
    /// other, so name the purpose and category it is held for until sent.
    Test {
        #[arg(long, value_name = "ADDR")]
        to: String,
        /// A purpose id from the policy.
        #[arg(long)]
        purpose: String,
        /// The category id of the address in the policy.
        #[arg(long)]
        category: String,
        /// A line of text to include.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Deliver every message that is due, once, and report.
    Deliver,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account. The password is read from standard input (so
    /// it never appears in the process list or shell history); the sign-in
    /// secret for an authenticator app is printed, as text and as an
    /// otpauth:// address.
    Add {
        /// The name they sign in with: letters, digits, dots, hyphens and
        /// underscores.
        #[arg(long, value_name = "NAME")]
        username: String,
        /// admin, dpo, caseworker, analyst or editor.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// Read the password from standard input: the only way to give it.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// For a caseworker: a team (from the config's [teams]) whose
        /// cases they answer; repeat for several. Required when the site
        /// has more than one team.
        #[arg(long = "team", value_name = "TEAM")]
        teams: Vec<String>,
    },
    /// Remove a staff account (someone who has left): their sessions stop
    /// working at once. Their entries in the audit log stay.
    Remove {
        /// The account's username.
        #[arg(long, value_name = "NAME")]
        username: String,
    },
    /// Set the teams whose cases a caseworker answers, from their next
    /// request on: exactly the teams given.
    Teams {
        /// The caseworker's username.
        #[arg(long, value_name = "NAME")]
        username: String,
        #[arg(long = "team", value_name = "TEAM", required = true)]
        teams: Vec<String>,
    },
    /// Give a staff account another role, from its next request on.
    Role {
        /// The account's username.
        #[arg(long, value_name = "NAME")]
        username: String,
        /// admin, dpo, caseworker, analyst or editor.
        #[arg(long, value_name = "ROLE")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubjectCommand {
    /// Print, as JSON, what the person with this email address is given
    /// when they ask for a copy: each item decrypted, with its category,
    /// purpose, source, when it was collected and when it will be deleted.
    /// A disclosure they were not told about is left out (with what was
    /// recorded about it), as in the portal and the DPO's answer to an
    /// access request.
    Export {
        #[arg(long, value_name = "ADDR")]
        email: String,
        /// Everything held, including disclosures the person was not told
        /// about: for the operator's own use, never to be sent to them.
        #[arg(long)]
        including_untold: bool,
    },
    /// Erase the person with this email address: delete everything except
    /// what the policy says must be kept (printed, with the reason), and
    /// destroy their key so no copy in the database can be read again.
    /// Older backups stay readable until the master key is rotated.
    Erase {
        #[arg(long, value_name = "ADDR")]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new master key current and re-wrap every key under it, while
    /// servers keep running. The key file keeps the old key until nothing
    /// uses it.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit code 1, naming the first bad entry, if any
    /// entry was altered, removed or reordered.
    Verify,
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
    /// Where people reach the site, for links in emails (a confirmation or
    /// password-reset link). Default: the config's site.base_url, or for
    /// the built-in demo, the listening address.
    #[arg(long, env = "CUSTODIAN_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds between mail deliveries.
    #[arg(
        long,
        env = "CUSTODIAN_MAIL_INTERVAL",
        value_name = "SECONDS",
        default_value_t = 5
    )]
    pub mail_interval: u64,
    /// Seconds between runs of retention and the session sweep.
    #[arg(
        long,
        env = "CUSTODIAN_JOB_INTERVAL",
        value_name = "SECONDS",
        default_value_t = 3600
    )]
    pub job_interval: u64,
    /// A form sent back sooner than this many seconds after its first
    /// page was shown is refused as automated.
    #[arg(
        long,
        env = "CUSTODIAN_MIN_FILL_SECONDS",
        value_name = "SECONDS",
        default_value_t = 3
    )]
    pub min_fill_seconds: i64,
    /// Forms accepted per minute from one client address (hashed in
    /// memory, never stored).
    #[arg(
        long,
        env = "CUSTODIAN_SUBMISSIONS_PER_MINUTE",
        value_name = "N",
        default_value_t = 30
    )]
    pub submissions_per_minute: u32,
    /// Seconds between writes of the audit log's head to `audit-head`
    /// beside the key file, so `audit verify` can tell when the newest
    /// entries were cut off.
    #[arg(
        long,
        env = "CUSTODIAN_AUDIT_ANCHOR_SECONDS",
        value_name = "SECONDS",
        default_value_t = 60
    )]
    pub audit_anchor_seconds: u64,
    /// Also print the audit log's head to the server log as it moves, for
    /// a collector that keeps it off this machine.
    #[arg(long, env = "CUSTODIAN_AUDIT_HEAD_TO_LOG")]
    pub audit_head_to_log: bool,
    /// Connections served at once, HTTP or HTTPS; one more is closed as
    /// soon as it is accepted.
    #[arg(
        long,
        env = "CUSTODIAN_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 4096
    )]
    pub max_connections: usize,
    /// Seconds a connection may pass with nothing read or written (a
    /// kept-alive connection between requests, a stalled client) before it
    /// is closed.
    #[arg(
        long,
        env = "CUSTODIAN_IDLE_SECONDS",
        value_name = "SECONDS",
        default_value_t = 60
    )]
    pub idle_seconds: u64,
    /// Seconds a client has to send a request's headers whole (and to
    /// finish a TLS handshake).
    #[arg(
        long,
        env = "CUSTODIAN_HEADER_READ_SECONDS",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    pub header_read_seconds: u64,
    /// Seconds a client has to send a request's body whole.
    #[arg(
        long,
        env = "CUSTODIAN_BODY_READ_SECONDS",
        value_name = "SECONDS",
        default_value_t = 20
    )]
    pub body_read_seconds: u64,
    /// How long a staff sign-in lasts, however busy, before the person
    /// signs in again (ASVS 3.3.2).
    #[arg(
        long,
        env = "CUSTODIAN_STAFF_SESSION_SECONDS",
        value_name = "SECONDS",
        default_value_t = 12 * 60 * 60
    )]
    pub staff_session_seconds: i64,
    /// How long a sign-in to a public account lasts, however busy.
    #[arg(
        long,
        env = "CUSTODIAN_ACCOUNT_SESSION_SECONDS",
        value_name = "SECONDS",
        default_value_t = 7 * 24 * 60 * 60
    )]
    pub account_session_seconds: i64,
    /// Serve requests only, running no background jobs (retention, the
    /// session sweep, mail delivery): for instances beside one that runs
    /// them. Mail queued here waits until an instance with jobs sends it.
    #[arg(long, env = "CUSTODIAN_NO_JOBS")]
    pub no_jobs: bool,
    /// The statistics site name this server's own pages are counted under
    /// (see docs/statistics.md): keep it apart from the name given to
    /// `logs ingest` for a proxy's log of the same pages.
    #[arg(
        long,
        env = "CUSTODIAN_PAGE_STATS_SITE",
        value_name = "NAME",
        default_value = "custodian"
    )]
    pub page_stats_site: String,
    /// Count nothing of this server's own pages.
    #[arg(long, env = "CUSTODIAN_NO_PAGE_STATS")]
    pub no_page_stats: bool,
    /// How often the counts of this server's pages are saved, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub page_stats_seconds: u64,
    /// Networks whose direct connections may read `/metrics`.
    #[arg(
        long,
        env = "CUSTODIAN_METRICS_ALLOW",
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "127.0.0.0/8,::1/128"
    )]
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// A bearer token that opens `/metrics` from any address.
    #[arg(
        long,
        env = "CUSTODIAN_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Serve HTTPS (rustls) with this certificate chain, in PEM; with
    /// `--tls-key`. Without them, plain HTTP, for a reverse proxy.
    #[arg(
        long,
        env = "CUSTODIAN_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key, in PEM (PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long,
        env = "CUSTODIAN_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// On SIGTERM or Ctrl-C: stop accepting, then wait at most this long
    /// for requests in flight before exiting.
    #[arg(
        long,
        env = "CUSTODIAN_SHUTDOWN_SECONDS",
        value_name = "SECONDS",
        default_value_t = 30
    )]
    pub shutdown_seconds: u64,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a site config: strict keys, resolved references, readable
    /// retention rules, every cookie declared. Exit code 2 on any problem.
    Check {
        /// The site config file (default: the one `--config` names).
        file: Option<PathBuf>,
    },
    /// Print the privacy notice generated from a site config, or write the
    /// record of processing activities (`--format ropa --out DIR`).
    Render {
        /// The site config file (default: the one `--config` names).
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// With `--format ropa`: the directory to write `ropa.csv` and
        /// `ropa.html` into (created if missing).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Json,
    Markdown,
    /// The UK GDPR Article 30 record of processing activities, as CSV and HTML.
    Ropa,
}

/// A time on the command line, as unix seconds.
fn parse_time(text: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(time::OffsetDateTime::unix_timestamp)
        .map_err(|e| format!("`{text}` is not an RFC 3339 time such as 2027-01-31T00:00:00Z: {e}"))
}
