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
    fn from(e: custodian_store::StoreError) -> Self {
        CliError::Runtime(e.into())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
