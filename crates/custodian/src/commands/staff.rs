//! `custodian staff add --username NAME --role ROLE --password-stdin
//! [--team TEAM ...]`, `staff remove --username NAME`, `staff role
//! --username NAME --role ROLE` and `staff teams --username NAME --team
//! TEAM ...`.

use custodian_store::staff::StaffRow;
use custodian_web::staff::Role;
use custodian_web::staff::credentials::{
    check_password, check_username, hash_password, new_account_id, new_totp,
};
use time::OffsetDateTime;

use crate::cli::{Global, StaffCommand};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, command: &StaffCommand) -> CliResult {
    match command {
        StaffCommand::Add {
            username,
            role,
            teams,
            ..
        } => add(global, username, role, teams).await,
        StaffCommand::Teams { username, teams } => change_teams(global, username, teams).await,
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
    if role == Role::Caseworker && opened.store.staff_teams(username).await?.is_empty() {
        match teams_for(opened.vault.policy(), role, &[]) {
            Ok(teams) => {
                opened.store.set_staff_teams(username, &teams).await?;
                if !teams.is_empty() {
                    say!("{username} answers for: {}", teams.join(", "));
                }
            }
            Err(_) => say!(
                "{username} belongs to no team yet, so sees no cases: give them teams with `custodian staff teams --username {username} --team TEAM`"
            ),
        }
    }
    opened.store.close().await;
    Ok(())
}

fn teams_for(
    policy: &custodian_policy::CheckedConfig,
    role: Role,
    given: &[String],
) -> Result<Vec<String>, CliError> {
    custodian_web::staff::teams::teams_for(policy, role, given)
        .map_err(|e| CliError::Invalid(e.replace("name the teams", "name the teams with --team")))
}

async fn change_teams(global: &Global, username: &str, teams: &[String]) -> CliResult {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    let role = opened
        .store
        .staff(username)
        .await?
        .and_then(|s| s.role.parse::<Role>().ok())
        .ok_or_else(|| {
            CliError::Invalid(format!("there is no staff account named `{username}`"))
        })?;
    let teams = teams_for(opened.vault.policy(), role, teams)?;
    opened.store.set_staff_teams(username, &teams).await?;
    opened
        .store
        .audit(
            now,
            &site::operator(),
            "staff teams",
            None,
            &format!("{username}: {}", teams.join(" ")),
        )
        .await?;
    say!("{username} answers for: {}", teams.join(", "));
    opened.store.close().await;
    Ok(())
}

async fn add(global: &Global, username: &str, role: &str, teams: &[String]) -> CliResult {
    check_username(username).map_err(CliError::Invalid)?;
    let role: Role = role.parse().map_err(CliError::Invalid)?;
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|e| {
        CliError::Invalid(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = password.trim_end_matches(['\r', '\n']);
    check_password(password, username).map_err(CliError::Invalid)?;

    let now = OffsetDateTime::now_utc().unix_timestamp();
    let opened = site::open_vault(global, now).await?;
    let teams = teams_for(opened.vault.policy(), role, teams)?;
    let site_name = opened.vault.policy().config.site.name.clone();
    let totp = new_totp(&site_name, username).map_err(|e| CliError::Runtime(anyhow::anyhow!(e)))?;
    let password_hash =
        hash_password(password).map_err(|e| CliError::Runtime(anyhow::anyhow!(e)))?;
    let row = StaffRow {
        id: new_account_id(),
        credential_version: 1,
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
    opened.store.set_staff_teams(username, &teams).await?;
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
    if !teams.is_empty() {
        say!("answers for: {}", teams.join(", "));
    }
    say!("authenticator secret: {}", totp.base32);
    say!("authenticator address: {}", totp.uri);
    say!("add it to an authenticator app now: it is not shown again");
    opened.store.close().await;
    Ok(())
}
