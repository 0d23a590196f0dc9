//! The administrator's pages: staff accounts, the master key, the outbox.

use axum::Form;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custodian_store::staff::StaffRow;
use minijinja::context;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::fields::FieldError;
use crate::fields::email_error;
use crate::page::Page;
use crate::staff::credentials::{check_username, new_account_id, new_totp};
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
            "staff/accounts.html",
            "Staff accounts",
            context! {
                staff, roles => role_options(), teams => team_options(&app), username => "", role => "",
                email => "", can_add => app.checked.config.staff.is_some(),
            },
        )?
        .into_response())
}

/// The add-account form, from its fields (teams are checkboxes, so a
/// field that repeats).
#[derive(Default)]
pub struct NewAccount {
    username: String,
    role: String,
    email: String,
    teams: Vec<String>,
}

impl NewAccount {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut form = NewAccount::default();
        for (key, value) in fields {
            match key.as_str() {
                "username" => form.username = value,
                "role" => form.role = value,
                "email" => form.email = value.trim().to_owned(),
                "team" => form.teams.push(value),
                _ => {}
            }
        }
        form
    }
}

/// How long an enrolment link works.
pub const ENROL_SECONDS: i64 = 24 * 60 * 60;

/// Add an account for someone else: they are emailed a link, once, where
/// they choose their own password and add their own authenticator. The
/// administrator sees neither, so cannot use the account themselves.
pub async fn add_account(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Some(staff) = app.checked.config.staff.as_ref() else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let form = NewAccount::from_fields(fields);
    let username = form.username.trim().to_lowercase();
    let (role, teams) = match checked_account(&app, &form, &username) {
        Ok(checked) => checked,
        Err(errors) => return refuse(&app, &page, errors, &form, &username).await,
    };
    let Ok(totp) = new_totp(&app.checked.config.site.name, &username) else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let now = app.clock.unix();
    let row = StaffRow {
        id: new_account_id(),
        credential_version: 1,
        username: username.clone(),
        role: role.id().to_owned(),
        // No password until its person chooses one: it cannot sign in.
        password_hash: String::new(),
        totp_sealed: app.vault.seal_staff_secret(&username, &totp.secret),
        totp_last_step: 0,
        created_at: now,
    };
    if !app.store.insert_staff(&row).await? {
        let text = format!("There is already a staff account called {username}");
        let errors = vec![FieldError::new("username", text)];
        return refuse(&app, &page, errors, &form, &username).await;
    }
    // The account is no use without its link: if the link cannot be
    // recorded and queued, the account goes again and the error shows.
    let enrolment = Enrolment {
        staff,
        row: &row,
        email: &form.email,
        teams: &teams,
        role,
        added_by: &user,
    };
    if let Err(e) = send_enrolment(&app, &enrolment, now).await {
        app.store.delete_staff(&username).await?;
        return Err(e);
    }
    let added = context! { username, role => role.label(), hours => ENROL_SECONDS / 3600 };
    Ok(page
        .render("staff/account_added.html", "Staff account created", added)?
        .into_response())
}

/// The role and teams the form asks for, or every error in it.
fn checked_account(
    app: &AppState,
    form: &NewAccount,
    username: &str,
) -> Result<(Role, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(text) = check_username(username) {
        errors.push(FieldError::new(
            "username",
            format!("Enter a username: {text}"),
        ));
    }
    let role = form
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| GIVABLE.contains(r));
    if role.is_none() {
        errors.push(FieldError::new("role", "Select the role this person needs"));
    }
    if form.email.is_empty() {
        errors.push(FieldError::new(
            "email",
            "Enter their work email address: we send the link to set up the account there",
        ));
    } else if email_error(&form.email).is_some() {
        errors.push(FieldError::new(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ));
    }
    let teams = match role {
        // Boxes ticked for another role mean nothing: only caseworkers
        // belong to teams.
        Some(Role::Caseworker) => {
            crate::staff::teams::teams_for(&app.checked, Role::Caseworker, &form.teams)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "team",
                        "Select the teams whose messages this caseworker answers",
                    ))
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    match role {
        Some(role) if errors.is_empty() => Ok((role, teams)),
        _ => Err(errors),
    }
}

/// A new account and where its link goes.
#[derive(Clone, Copy)]
struct Enrolment<'a> {
    staff: &'a custodian_policy::staff::Staff,
    row: &'a StaffRow,
    email: &'a str,
    teams: &'a [String],
    role: Role,
    added_by: &'a StaffUser,
}

/// Give the new account its teams and its one link, emailed to `email`,
/// and record who added it and which domain the link went to (never the
/// address): whoever adds an account chooses where its link goes, so an
/// investigation must be able to see it.
async fn send_enrolment(app: &AppState, e: &Enrolment<'_>, now: i64) -> AppResult<()> {
    let Enrolment {
        staff,
        row,
        email,
        teams,
        role,
        added_by,
    } = *e;
    app.store.set_staff_teams(&row.username, teams).await?;
    let token_bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(token_bytes);
    app.store
        .insert_enrolment(&enrolment_hash(&token), &row.id, now + ENROL_SECONDS)
        .await?;
    // The address is held only until the message has gone, by a person
    // nobody can look up.
    let holder = app.vault.transient_subject(now).await?;
    crate::mail::queue(
        app,
        crate::mail::Recipient {
            subject: &holder,
            to: email,
            purpose: staff.purpose.get_ref(),
            category: staff.email_category.get_ref(),
        },
        "staff_enrol",
        json!({
            "username": row.username,
            "role": role.label(),
            "link": crate::accounts::link(app, &format!("/staff/enrol/{token}")),
            "hours": ENROL_SECONDS / 3600,
        }),
    )
    .await?;
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d).to_lowercase();
    app.store
        .audit(
            now,
            &added_by.actor(),
            "staff add",
            None,
            &format!(
                "{} as {role} {}; enrolment link emailed to an address at {domain}",
                row.username,
                teams.join(" ")
            ),
        )
        .await?;
    Ok(())
}

/// Only the SHA-256 of an enrolment link is stored.
pub fn enrolment_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn refuse(
    app: &AppState,
    page: &Page,
    errors: Vec<FieldError>,
    form: &NewAccount,
    username: &str,
) -> AppResult<Response> {
    let staff: Vec<(String, String)> = app
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .map(|s| (s.username, s.role))
        .collect();
    let html = page.render(
        "staff/accounts.html",
        "Error: Staff accounts",
        context! {
            staff, roles => role_options(), teams => team_options(app), errors, username,
            role => form.role, email => form.email, can_add => app.checked.config.staff.is_some(),
        },
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
            "staff/keys.html",
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
        .rotate_master_key(&ring, &user.actor(), app.clock.unix())
        .await?;
    Ok(page
        .render(
            "staff/keys.html",
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
            "staff/mail.html",
            "Outbox",
            context! { queued => counts.queued, sent => counts.sent, failed => counts.failed },
        )?
        .into_response())
}
