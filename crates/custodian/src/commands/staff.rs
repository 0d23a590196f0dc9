//! `custodian staff add --username NAME --role ROLE --password-stdin`,
//! `staff remove --username NAME` and `staff role --username NAME --role ROLE`.

use custodian_store::staff::StaffRow;
use custodian_web::staff::Role;
use custodian_web::staff::credentials::{check_password, check_username, hash_password, new_totp};
use time::OffsetDateTime;

use crate::cli::{Global, StaffCommand};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, command: &StaffCommand) -> CliResult {
    match command {
        StaffCommand::Add { username, role, .. } => add(global, username, role).await,
        StaffCommand::Remove { username } => remove(global, username).await,
        StaffCommand::Role { username, role } => change_role(global, username, role).await,
    }
}

async fn remove(global: &Global, username: &str) -> CliResult {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    if !opened.store.delete_staff(username).await? {
        return Err(CliError::Invalid(format!(
            "there is no staff account named `{username}`"
        )));
    }
    opened
        .store
        .audit(now, &site::operator(), "staff remove", None, username)
        .await?;
    say!("removed {username}; their sessions no longer work");
    opened.store.close().await;
    Ok(())
}

async fn change_role(global: &Global, username: &str, role: &str) -> CliResult {
    let role: Role = role.parse().map_err(CliError::Invalid)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    if !opened.store.set_staff_role(username, role.id()).await? {
        return Err(CliError::Invalid(format!(
            "there is no staff account named `{username}`"
        )));
    }
    opened
        .store
        .audit(
            now,
            &site::operator(),
            "staff role",
            None,
            &format!("{username} as {role}"),
        )
        .await?;
    say!("{username} is now {}", role.label());
    opened.store.close().await;
    Ok(())
}

async fn add(global: &Global, username: &str, role: &str) -> CliResult {
    check_username(username).map_err(CliError::Invalid)?;
    let role: Role = role.parse().map_err(CliError::Invalid)?;
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|e| {
        CliError::Invalid(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = password.trim_end_matches(['\r', '\n']);
    check_password(password).map_err(CliError::Invalid)?;

    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    let site_name = opened.vault.policy().config.site.name.clone();
    let totp = new_totp(&site_name, username).map_err(|e| CliError::Runtime(anyhow::anyhow!(e)))?;
    let password_hash =
        hash_password(password).map_err(|e| CliError::Runtime(anyhow::anyhow!(e)))?;
    let row = StaffRow {
        username: username.to_owned(),
        role: role.id().to_owned(),
        password_hash,
        totp_sealed: opened.vault.seal_staff_secret(username, &totp.secret),
        totp_last_step: 0,
        created_at: now,
    };
    if !opened.store.insert_staff(&row).await? {
        return Err(CliError::Invalid(format!(
            "a staff account named `{username}` already exists"
        )));
    }
    opened
        .store
        .audit(
            now,
            &site::operator(),
            "staff add",
            None,
            &format!("{username} as {role}"),
        )
        .await?;
    say!("created {username} ({})", role.label());
    say!("authenticator secret: {}", totp.base32);
    say!("authenticator address: {}", totp.uri);
    say!("add it to an authenticator app now: it is not shown again");
    opened.store.close().await;
    Ok(())
}
