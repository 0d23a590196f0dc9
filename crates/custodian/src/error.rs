//! How a command fails, and the exit code each failure gets.

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input is wrong (a config that fails its check, a missing file):
    /// exit code 2, like a usage error.
    #[error("{0}")]
    Invalid(String),
    /// Something failed while running: exit code 1.
    #[error("{0:#}")]
    Runtime(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Invalid(_) => ExitCode::from(2),
            CliError::Runtime(_) => ExitCode::from(1),
        }
    }
}

impl From<custodian_store::StoreError> for CliError {
    /// A database URL that cannot be used is the operator's input, not a
    /// failure while running.
    fn from(e: custodian_store::StoreError) -> Self {
        if e.is_bad_url() {
            CliError::Invalid(e.to_string())
        } else {
            CliError::Runtime(e.into())
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Print to standard output. A reader that went away (`| head`) is not a
/// failure of ours, so a broken pipe is ignored rather than a panic.
pub fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
