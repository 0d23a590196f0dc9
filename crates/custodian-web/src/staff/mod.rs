//! The staff area. [`routes`] is the one table of every staff route and the
//! roles it admits; the router is built from it, and a test walks it with
//! every role and with none.

mod admin;
mod cases;
mod consultations;
pub mod credentials;
mod disclosure_form;
mod disclosures;
mod enrol;
mod inbox;
mod pages;
mod requests;
pub mod roles;
mod sign_in;
mod statistics;
pub mod teams;
mod updates;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use crate::middleware::session::Session;
use crate::state::AppState;
pub use roles::Role;

/// Everyone with a staff account.
const ANYONE: &[Role] = &Role::ALL;
const DPO: &[Role] = &[Role::Dpo];
const DPO_OR_ADMIN: &[Role] = &[Role::Dpo, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];
const CASEWORKER: &[Role] = &[Role::Caseworker];
const ANALYST: &[Role] = &[Role::Analyst];
const EDITOR: &[Role] = &[Role::Editor];

/// A staff route, the roles it admits, and its handler.
pub struct StaffRoute {
    pub method: Method,
    pub path: &'static str,
    pub roles: &'static [Role],
    handler: MethodRouter<AppState>,
}

fn on<H, T>(method: Method, path: &'static str, roles: &'static [Role], handler: H) -> StaffRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let handler = if method == Method::POST {
        post(handler)
    } else {
        get(handler)
    };
    StaffRoute {
        method,
        path,
        roles,
        handler,
    }
}

/// A page to read.
fn page<H, T>(path: &'static str, roles: &'static [Role], handler: H) -> StaffRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    on(Method::GET, path, roles, handler)
}

/// A form to send.
fn action<H, T>(path: &'static str, roles: &'static [Role], handler: H) -> StaffRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    on(Method::POST, path, roles, handler)
}

/// Every staff route. Add a route here, or it does not exist.
pub fn routes() -> Vec<StaffRoute> {
    let mut all = vec![
        page("/staff", ANYONE, pages::home),
        action("/staff/sign-out", ANYONE, sign_in::sign_out),
        page("/staff/audit", ANYONE, pages::audit),
        page("/staff/retention", DPO_OR_ADMIN, pages::retention),
    ];
    all.extend(data_protection_routes());
    all.extend(administration_routes());
    all.extend(casework_routes());
    all.extend(editing_routes());
    all.extend(analysis_routes());
    all
}

/// The data protection officer's: people, disclosures, requests.
fn data_protection_routes() -> Vec<StaffRoute> {
    vec![
        page("/staff/people", DPO, pages::people_search),
        action("/staff/people/find", DPO, pages::people_find),
        action("/staff/people/export", DPO, pages::people_export),
        action("/staff/people/erase", DPO, pages::people_erase),
        page("/staff/disclosures", DPO, disclosures::list),
        page("/staff/disclosures/new", DPO, disclosures::new),
        action("/staff/disclosures/new", DPO, disclosures::create),
        page("/staff/disclosures/{id}", DPO, disclosures::show),
        page("/staff/requests", DPO, requests::list),
        page("/staff/requests/new", DPO, requests::new),
        action("/staff/requests/new", DPO, requests::create),
        page("/staff/requests/{id}", DPO, requests::show),
        action("/staff/requests/{id}", DPO, requests::change),
        action("/staff/requests/{id}/export", DPO, requests::export),
    ]
}

fn administration_routes() -> Vec<StaffRoute> {
    vec![
        page("/staff/accounts", ADMIN, admin::accounts),
        action("/staff/accounts", ADMIN, admin::add_account),
        page("/staff/keys", ADMIN, admin::keys),
        action("/staff/keys/rotate", ADMIN, admin::rotate_keys),
        page("/staff/mail", ADMIN, admin::mail),
    ]
}

fn casework_routes() -> Vec<StaffRoute> {
    vec![
        page("/staff/cases", CASEWORKER, inbox::show),
        action("/staff/cases/search", CASEWORKER, inbox::search),
        page("/staff/cases/{id}", CASEWORKER, cases::show),
        action("/staff/cases/{id}/assign", CASEWORKER, cases::assign),
        action("/staff/cases/{id}/note", CASEWORKER, cases::note),
        action("/staff/cases/{id}/reply", CASEWORKER, cases::reply),
        action("/staff/cases/{id}/forward", CASEWORKER, cases::forward),
        action("/staff/cases/{id}/close", CASEWORKER, cases::close),
    ]
}

fn editing_routes() -> Vec<StaffRoute> {
    vec![
        page("/staff/updates", EDITOR, updates::list),
        page("/staff/updates/new", EDITOR, updates::new),
        action("/staff/updates/new", EDITOR, updates::submit),
        action("/staff/updates/preview", EDITOR, updates::preview),
        page("/staff/updates/{id}", EDITOR, updates::show),
    ]
}

fn analysis_routes() -> Vec<StaffRoute> {
    vec![
        page("/staff/consultations", ANALYST, consultations::list),
        page("/staff/consultations/{id}", ANALYST, consultations::show),
        page(
            "/staff/consultations/{id}/responses.csv",
            ANALYST,
            consultations::csv_all,
        ),
        page(
            "/staff/consultations/{id}/publishable.csv",
            ANALYST,
            consultations::csv_publishable,
        ),
        page("/staff/statistics", ANALYST, statistics::show),
        page("/staff/statistics.json", ANALYST, statistics::json),
        page("/staff/statistics/{file}", ANALYST, statistics::csv),
    ]
}

/// The signed-in staff member, put in the request by [`require`].
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub username: String,
    pub role: Role,
    /// The teams whose cases they answer (caseworkers).
    pub teams: Vec<String>,
}

impl StaffUser {
    /// How they appear in the audit log and on what they record.
    pub fn actor(&self) -> String {
        custodian_store::audit::staff_actor(&self.username)
    }
}

pub fn router(state: &AppState) -> Router<AppState> {
    let mut router =
        Router::new().route("/staff/sign-in", get(sign_in::show).post(sign_in::submit));
    if state.checked.config.staff.is_some() {
        // Open to whoever holds an emailed link, as the sign-in page is.
        router = router.route("/staff/enrol/{token}", get(enrol::show).post(enrol::submit));
    }
    for r in routes() {
        let guarded = r
            .handler
            .layer(from_fn_with_state((state.clone(), r.roles), require));
        router = router.route(r.path, guarded);
    }
    router
}

/// Admit the request if the session belongs to a staff member whose current
/// role (read from the database, so a changed role takes effect at once) is
/// one the route admits.
async fn require(
    State((app, roles)): State<(AppState, &'static [Role])>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return Redirect::to("/staff/sign-in").into_response();
    };
    let Some(signed_in) = session.staff() else {
        return Redirect::to("/staff/sign-in").into_response();
    };
    let account = match app.store.staff_by_id(&signed_in.id).await {
        Ok(account) => account,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let now = app.clock.unix();
    let current = account.filter(|a| {
        a.credential_version == signed_in.version
            && now - signed_in.since < app.options.staff_session_seconds
    });
    let Some((account, role)) = current.and_then(|a| {
        let role = a.role.parse::<Role>().ok()?;
        Some((a, role))
    }) else {
        // The account is gone, its role or password changed, or the
        // sign-in is too old: the session ends here, so the sign-in page
        // shows its form rather than sending the browser back.
        session.end_privileges();
        return Redirect::to("/staff/sign-in").into_response();
    };
    let username = account.username;
    if !roles.contains(&role) {
        let mut refused = StatusCode::FORBIDDEN.into_response();
        refused
            .extensions_mut()
            .insert(crate::middleware::error_pages::NotYourPage);
        return refused;
    }
    let teams = match app.store.staff_teams(&username).await {
        Ok(teams) => teams,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    request.extensions_mut().insert(StaffUser {
        username,
        role,
        teams,
    });
    next.run(request).await
}
