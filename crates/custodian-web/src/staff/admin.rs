//! The administrator's pages: staff accounts, the master key, the outbox.

use axum::Form;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custodian_store::staff::StaffRow;
use minijinja::context;
use serde::Serialize;

use crate::error::AppResult;
use crate::page::Page;
use crate::staff::credentials::{
    check_password, check_username, hash_password, new_account_id, new_totp,
};
use crate::staff::{Role, StaffUser};
use crate::state::AppState;

#[derive(Serialize)]
struct RoleOption {
    id: &'static str,
    label: &'static str,
}

/// The roles an administrator may give. Administrators and data protection
/// officers can see or control everyone's data, so they are added from the
/// command line by whoever runs the server, not by another administrator.
const GIVABLE: [Role; 3] = [Role::Caseworker, Role::Analyst, Role::Editor];

fn role_options() -> Vec<RoleOption> {
    GIVABLE
        .iter()
        .map(|r| RoleOption {
            id: r.id(),
            label: r.label(),
        })
        .collect()
}

/// The site's teams, for the caseworker's checkboxes.
fn team_options(app: &AppState) -> Vec<(String, String)> {
    app.checked
        .config
        .teams
        .iter()
        .map(|(id, t)| (id.clone(), t.name.clone()))
        .collect()
}

pub async fn accounts(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let staff: Vec<(String, String)> = app
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .map(|s| {
            (
                s.username,
                s.role
                    .parse::<Role>()
                    .map_or(s.role.clone(), |r| r.label().to_owned()),
            )
        })
        .collect();
    Ok(page
        .render(
            "staff_accounts.html",
            "Staff accounts",
            context! { staff, roles => role_options(), teams => team_options(&app), username => "", role => "" },
        )?
        .into_response())
}

/// The add-account form, from its fields (teams are checkboxes, so a
/// field that repeats).
#[derive(Default)]
pub struct NewAccount {
    username: String,
    role: String,
    password: String,
    teams: Vec<String>,
}

impl NewAccount {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut form = NewAccount::default();
        for (key, value) in fields {
            match key.as_str() {
                "username" => form.username = value,
                "role" => form.role = value,
                "password" => form.password = value,
                "team" => form.teams.push(value),
                _ => {}
            }
        }
        form
    }
}

#[derive(Serialize)]
struct FieldError {
    field: &'static str,
    text: String,
}

pub async fn add_account(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = NewAccount::from_fields(fields);
    let username = form.username.trim().to_lowercase();
    let mut errors = Vec::new();
    if let Err(text) = check_username(&username) {
        errors.push(FieldError {
            field: "username",
            text: format!("Enter a username: {text}"),
        });
    }
    let role = form
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| GIVABLE.contains(r))
        .ok_or(());
    if role.is_err() {
        errors.push(FieldError {
            field: "role",
            text: "Select the role this person needs".into(),
        });
    }
    if let Err(text) = check_password(&form.password, &username) {
        errors.push(FieldError {
            field: "password",
            text: format!("Enter a password: {text}"),
        });
    }
    let teams = match role {
        // Boxes ticked for another role mean nothing: only caseworkers
        // belong to teams.
        Ok(role) if role != Role::Caseworker => Vec::new(),
        Ok(role) => crate::staff::teams::teams_for(&app.checked, role, &form.teams)
            .map_err(|_| {
                errors.push(FieldError {
                    field: "team",
                    text: "Select the teams whose messages this caseworker answers".into(),
                })
            })
            .unwrap_or_default(),
        Err(()) => Vec::new(),
    };
    let (Ok(role), true) = (role, errors.is_empty()) else {
        return refuse(&app, &page, errors, &username, &form.role).await;
    };
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let (Ok(hash), Ok(totp)) = (hash, new_totp(&app.checked.config.site.name, &username)) else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let now = app.clock.unix();
    let row = StaffRow {
        id: new_account_id(),
        credential_version: 1,
        username: username.clone(),
        role: role.id().to_owned(),
        password_hash: hash,
        totp_sealed: app.vault.seal_staff_secret(&username, &totp.secret),
        totp_last_step: 0,
        created_at: now,
    };
    let inserted = app.store.insert_staff(&row).await?;
    if inserted {
        app.store.set_staff_teams(&username, &teams).await?;
    }
    if !inserted {
        let text = format!("There is already a staff account called {username}");
        return refuse(
            &app,
            &page,
            vec![FieldError {
                field: "username",
                text,
            }],
            &username,
            role.id(),
        )
        .await;
    }
    app.store
        .audit(
            now,
            &format!("staff:{}", user.username),
            "staff add",
            None,
            &format!("{username} as {role} {}", teams.join(" ")),
        )
        .await?;
    Ok(page
        .render(
            "staff_account_added.html",
            "Staff account created",
            context! { username, role => role.label(), secret => totp.base32, uri => totp.uri },
        )?
        .into_response())
}

async fn refuse(
    app: &AppState,
    page: &Page,
    errors: Vec<FieldError>,
    username: &str,
    role: &str,
) -> AppResult<Response> {
    let staff: Vec<(String, String)> = app
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .map(|s| (s.username, s.role))
        .collect();
    let html = page.render(
        "staff_accounts.html",
        "Error: Staff accounts",
        context! { staff, roles => role_options(), teams => team_options(app), errors, username, role },
    )?;
    Ok((StatusCode::BAD_REQUEST, html).into_response())
}

pub async fn keys(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let current = app
        .vault_keys
        .as_ref()
        .map(|k| custodian_vault::MasterKeys::current_id(k.as_ref()));
    Ok(page
        .render(
            "staff_keys.html",
            "Master key",
            context! { current, rotatable => app.vault_keys.is_some() },
        )?
        .into_response())
}

pub async fn rotate_keys(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
) -> AppResult<Response> {
    let Some(ring) = app.vault_keys.clone() else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let report = app
        .vault
        .rotate_master_key(&ring, &format!("staff:{}", user.username), app.clock.unix())
        .await?;
    Ok(page
        .render(
            "staff_keys.html",
            "Master key",
            context! { current => report.new_key.clone(), rotatable => true, rotated => context! {
                new_key => report.new_key, rewrapped => report.subjects_rewrapped, retired => report.retired_keys,
            } },
        )?
        .into_response())
}

pub async fn mail(State(app): State<AppState>, page: Page) -> AppResult<Response> {
    let counts = app.store.outbox_counts().await?;
    Ok(page
        .render(
            "staff_mail.html",
            "Outbox",
            context! { queued => counts.queued, sent => counts.sent, failed => counts.failed },
        )?
        .into_response())
}
