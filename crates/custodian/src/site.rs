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

pub fn create_private_dir(dir: &Path) -> CliResult {
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

/// Everything the vault commands need: the checked site, the migrated store,
/// the master keys and the vault on top.
pub struct Opened {
    pub store: custodian_store::Store,
    pub keys: std::sync::Arc<custodian_vault::LocalKeys>,
    pub vault: custodian_vault::Vault,
}

/// Where the master key ring lives.
pub fn key_file(global: &Global) -> PathBuf {
    global.data_dir.join("master.key")
}

pub async fn open_vault(global: &Global, now: i64) -> CliResult<Opened> {
    let checked = load(global)?;
    let url = database_url(global)?;
    let store = custodian_store::Store::connect(&url).await?;
    store.migrate(now).await?;
    create_private_dir(&global.data_dir)?;
    let env_key = std::env::var("CUSTODIAN_MASTER_KEY").ok();
    let keys = custodian_vault::load_keys(&store, &key_file(global), env_key.as_deref())
        .await
        .map_err(|e| CliError::Runtime(e.into()))?;
    let vault = custodian_vault::Vault::open(
        store.clone(),
        keys.clone(),
        std::sync::Arc::new(checked),
        now,
    )
    .await
    .map_err(|e| CliError::Runtime(e.into()))?;
    Ok(Opened { store, keys, vault })
}

/// Who the audit log names for commands run by the operator.
pub fn operator() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    format!("operator:{user}")
}

/// The mailer for this site: SMTP as `[mail]` says, or `.eml` files in
/// `DATA_DIR/outbox`.
pub fn mailer(
    global: &Global,
    store: custodian_store::Store,
    vault: std::sync::Arc<custodian_vault::Vault>,
) -> CliResult<custodian_mail::Mailer> {
    let config = vault.policy().config.mail.clone();
    let secrets = custodian_mail::MailSecrets {
        smtp_password: std::env::var("CUSTODIAN_SMTP_PASSWORD").ok(),
        notify_api_key: std::env::var("CUSTODIAN_NOTIFY_API_KEY").ok(),
    };
    let demo = global.config.is_none();
    let transport = custodian_mail::Transport::from_config(
        config.as_ref(),
        global.data_dir.join("outbox"),
        secrets,
        demo,
    )
    .map_err(|e| CliError::Invalid(e.to_string()))?;
    let site = &vault.policy().config.site;
    let from = config.as_ref().map_or_else(
        || {
            format!(
                "{} <noreply@localhost>",
                site.name.replace(['<', '>', '"'], "")
            )
        },
        |m| m.from.get_ref().clone(),
    );
    let reply_to = config.as_ref().and_then(|m| m.reply_to.clone());
    custodian_mail::Mailer::new(store, vault, transport, &from, reply_to.as_deref())
        .map_err(|e| CliError::Invalid(e.to_string()))
}
