//! What every page needs besides its own content: the site's name and phase,
//! the form token, and the cookie banner's state.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::{Value, context};
use serde::Serialize;

use crate::consent::ConsentChoice;
use crate::error::AppResult;
use crate::middleware::csrf::{self, CsrfNonce};
use crate::middleware::session::{Flash, Session, read_cookie};
use crate::state::AppState;

pub struct Page {
    app: AppState,
    session: Session,
    staff: Option<crate::staff::StaffUser>,
    account: Option<custodian_vault::AccountRef>,
    nonce: Option<CsrfNonce>,
    pub path: String,
    pub consent: ConsentChoice,
    pub flash: Option<Flash>,
}

#[derive(Serialize)]
struct CategorySummary {
    id: String,
    /// As it reads inside a sentence ("cookies that measure website use").
    name: String,
    /// Why the site wants them, for the banner.
    description: String,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The session layer always runs first; a missing one (only possible
        // in a misassembled router) behaves like a brand-new session.
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .unwrap_or_else(Session::detached);
        let consent = read_cookie(&parts.headers, &app.checked.cookie_names.consent)
            .map(ConsentChoice::parse)
            .unwrap_or_default();
        let flash = session.take_flash();
        Ok(Page {
            app: app.clone(),
            staff: parts.extensions.get::<crate::staff::StaffUser>().cloned(),
            account: parts
                .extensions
                .get::<crate::accounts::signed_in::SignedIn>()
                .map(|s| s.0.clone()),
            nonce: parts.extensions.get::<CsrfNonce>().cloned(),
            session,
            path: parts.uri.path().to_owned(),
            consent,
            flash,
        })
    }
}

impl Page {
    /// A page for a response that a handler did not render (an error page),
    /// from what the layers saw before the handler ran.
    pub fn for_error(
        app: AppState,
        session: Session,
        nonce: Option<CsrfNonce>,
        path: String,
        consent: ConsentChoice,
    ) -> Self {
        Page {
            staff: None,
            account: None,
            app,
            session,
            nonce,
            path,
            consent,
            flash: None,
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The public account signed in, if any.
    pub fn account(&self) -> Option<&custodian_vault::AccountRef> {
        self.account.as_ref()
    }

    fn csrf_token(&self) -> String {
        self.nonce
            .as_ref()
            .map(|n| csrf::token(&self.app.csrf_key, &self.session.id(), &n.nonce))
            .unwrap_or_default()
    }

    /// "ask", "accepted", "rejected", or nothing.
    fn banner(&self) -> Option<&'static str> {
        // Without a form token the banner's buttons could not work.
        self.nonce.as_ref()?;
        match self.flash {
            Some(Flash::CookiesAccepted) => return Some("accepted"),
            Some(Flash::CookiesRejected) => return Some("rejected"),
            _ => {}
        }
        // The cookies page is where the choice is made; the Design System
        // does not repeat the banner there.
        let on_cookies_page = self.path == "/cookies";
        (!on_cookies_page && self.consent.unanswered(&self.app.checked)).then_some("ask")
    }

    pub fn render(&self, template: &str, title: &str, content: Value) -> AppResult<Html<String>> {
        let site = &self.app.checked.config.site;
        let categories: Vec<CategorySummary> = self
            .app
            .checked
            .config
            .policy
            .cookie_categories
            .iter()
            .map(|(id, c)| CategorySummary {
                id: id.clone(),
                name: custodian_policy::notice::label_case(&c.name),
                description: c.description.trim().to_owned(),
            })
            .collect();
        let chrome = context! {
            title,
            site_name => site.name,
            phase => site.phase.as_ref().map(|p| p.get_ref().clone()),
            phase_message => site.phase_message,
            path => self.path,
            csrf_field => self.app.checked.cookie_names.request_token,
            csrf_token => self.csrf_token(),
            banner => self.banner(),
            staff_user => self.staff.as_ref().map(|s| context! { username => s.username, role => s.role.label(), dpo => s.role == crate::staff::Role::Dpo, caseworker => s.role == crate::staff::Role::Caseworker, analyst => s.role == crate::staff::Role::Analyst, editor => s.role == crate::staff::Role::Editor }),
            cookie_categories => categories,
            accounts => self.app.checked.config.accounts.is_some(),
            signed_in => self.account.is_some(),
            your_data => self.app.checked.config.rights.is_some(),
            help_now => site.help_now.as_deref().map(crate::render::written_markdown_to_html),
        };
        let html = self
            .app
            .templates
            .render(template, context! { ..chrome, ..content })?;
        Ok(Html(html))
    }
}
