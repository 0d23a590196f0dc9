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
mod pages;
mod requests;
pub mod roles;
mod sign_in;
mod statistics;
pub mod teams;
mod updates;

use axum::Router;
use axum::extract::{Request, State};
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

fn route(
    method: Method,
    path: &'static str,
    roles: &'static [Role],
    handler: MethodRouter<AppState>,
) -> StaffRoute {
    StaffRoute {
        method,
        path,
        roles,
        handler,
    }
}

/// Every staff route. Add a route here, or it does not exist.
pub fn routes() -> Vec<StaffRoute> {
    vec![
        route(Method::GET, "/staff", ANYONE, get(pages::home)),
        route(
            Method::POST,
            "/staff/sign-out",
            ANYONE,
            post(sign_in::sign_out),
        ),
        route(Method::GET, "/staff/audit", ANYONE, get(pages::audit)),
        route(Method::GET, "/staff/people", DPO, get(pages::people_search)),
        route(
            Method::POST,
            "/staff/people/find",
            DPO,
            post(pages::people_find),
        ),
        route(
            Method::POST,
            "/staff/people/export",
            DPO,
            post(pages::people_export),
        ),
        route(
            Method::POST,
            "/staff/people/erase",
            DPO,
            post(pages::people_erase),
        ),
        route(
            Method::GET,
            "/staff/disclosures",
            DPO,
            get(disclosures::list),
        ),
        route(
            Method::GET,
            "/staff/disclosures/new",
            DPO,
            get(disclosures::new),
        ),
        route(
            Method::POST,
            "/staff/disclosures/new",
            DPO,
            post(disclosures::create),
        ),
        route(
            Method::GET,
            "/staff/disclosures/{id}",
            DPO,
            get(disclosures::show),
        ),
        route(Method::GET, "/staff/requests", DPO, get(requests::list)),
        route(Method::GET, "/staff/requests/new", DPO, get(requests::new)),
        route(
            Method::POST,
            "/staff/requests/new",
            DPO,
            post(requests::create),
        ),
        route(
            Method::GET,
            "/staff/requests/{id}",
            DPO,
            get(requests::show),
        ),
        route(
            Method::POST,
            "/staff/requests/{id}",
            DPO,
            post(requests::change),
        ),
        route(
            Method::POST,
            "/staff/requests/{id}/export",
            DPO,
            post(requests::export),
        ),
        route(
            Method::GET,
            "/staff/retention",
            DPO_OR_ADMIN,
            get(pages::retention),
        ),
        route(Method::GET, "/staff/accounts", ADMIN, get(admin::accounts)),
        route(
            Method::POST,
            "/staff/accounts",
            ADMIN,
            post(admin::add_account),
        ),
        route(Method::GET, "/staff/keys", ADMIN, get(admin::keys)),
        route(
            Method::POST,
            "/staff/keys/rotate",
            ADMIN,
            post(admin::rotate_keys),
        ),
        route(Method::GET, "/staff/mail", ADMIN, get(admin::mail)),
        route(Method::GET, "/staff/cases", CASEWORKER, get(cases::inbox)),
        route(
            Method::GET,
            "/staff/cases/{id}",
            CASEWORKER,
            get(cases::show),
        ),
        route(
            Method::POST,
            "/staff/cases/{id}/assign",
            CASEWORKER,
            post(cases::assign),
        ),
        route(
            Method::POST,
            "/staff/cases/{id}/note",
            CASEWORKER,
            post(cases::note),
        ),
        route(
            Method::POST,
            "/staff/cases/{id}/reply",
            CASEWORKER,
            post(cases::reply),
        ),
        route(
            Method::POST,
            "/staff/cases/{id}/forward",
            CASEWORKER,
            post(cases::forward),
        ),
        route(
            Method::POST,
            "/staff/cases/{id}/close",
            CASEWORKER,
            post(cases::close),
        ),
        route(Method::GET, "/staff/updates", EDITOR, get(updates::list)),
        route(Method::GET, "/staff/updates/new", EDITOR, get(updates::new)),
        route(
            Method::POST,
            "/staff/updates/new",
            EDITOR,
            post(updates::submit),
        ),
        route(
            Method::POST,
            "/staff/updates/preview",
            EDITOR,
            post(updates::preview),
        ),
        route(
            Method::GET,
            "/staff/updates/{id}",
            EDITOR,
            get(updates::show),
        ),
        route(
            Method::GET,
            "/staff/consultations",
            ANALYST,
            get(consultations::list),
        ),
        route(
            Method::GET,
            "/staff/consultations/{id}",
            ANALYST,
            get(consultations::show),
        ),
        route(
            Method::GET,
            "/staff/consultations/{id}/responses.csv",
            ANALYST,
            get(consultations::csv_all),
        ),
        route(
            Method::GET,
            "/staff/consultations/{id}/publishable.csv",
            ANALYST,
            get(consultations::csv_publishable),
        ),
        route(
            Method::GET,
            "/staff/statistics",
            ANALYST,
            get(statistics::show),
        ),
        route(
            Method::GET,
            "/staff/statistics.json",
            ANALYST,
            get(statistics::json),
        ),
        route(
            Method::GET,
            "/staff/statistics/{file}",
            ANALYST,
            get(statistics::csv),
        ),
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
