//! Finding the site config and the database from the global options.

use std::path::{Path, PathBuf};

use anyhow::Context;
use custodian_policy::{CheckedConfig, ServerCookies};

use crate::cli::Global;
use crate::error::{CliError, CliResult};

/// The built-in demo: the Children's Commissioner example.
const DEMO_NAME: &str = "examples/childrens-commissioner.toml (built-in demo)";
const DEMO_SOURCE: &str = include_str!("../../../examples/childrens-commissioner.toml");

/// Read and check a config file; every problem is reported, exit code 2.
pub fn load_file(path: &Path) -> CliResult<CheckedConfig> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        CliError::Invalid(format!(
            "{}: cannot read the config file: {e}",
            path.display()
        ))
    })?;
    load_source(&path.display().to_string(), &source)
}

fn load_source(name: &str, source: &str) -> CliResult<CheckedConfig> {
    custodian_policy::load(name, source, &ServerCookies::current())
        .map_err(|d| CliError::Invalid(d.to_string()))
}

/// The configured site, or the demo when no config is given.
pub fn load(global: &Global) -> CliResult<CheckedConfig> {
    match &global.config {
        Some(path) => load_file(path),
        None => load_source(DEMO_NAME, DEMO_SOURCE),
    }
}

/// The database URL: as given, or a SQLite file in the data dir (created,
/// with the directory readable by its owner only).
pub fn database_url(global: &Global) -> CliResult<String> {
    if let Some(url) = &global.database_url {
        return Ok(url.clone());
    }
    create_private_dir(&global.data_dir)?;
    let file: PathBuf = global.data_dir.join("custodian.db");
    Ok(format!("sqlite://{}", file.display()))
}

fn create_private_dir(dir: &Path) -> CliResult {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict the data directory {}", dir.display()))?;
    }
    Ok(())
}
