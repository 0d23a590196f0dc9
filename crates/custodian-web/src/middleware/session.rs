//! Anonymous sessions: the cookie holds only a random identifier; state
//! lives in the database (keyed by the identifier's hash) so that any
//! instance can serve the next request.
//!
//! A row is written only when a session has something to keep, so a visitor
//! who only reads pages costs no database write. Identifiers carry a MAC
//! under a server key, so only one this server made is accepted: an
//! identifier a client invents is replaced, never adopted. One the server
//! made with no row yet is a new anonymous session: it carries no
//! privilege, because privilege exists only in a stored row, and rows
//! expire.
//!
//! This layer also issues the `request_token` nonce (see [`csrf`]), so that
//! both browser cookies are settled before anything else runs, and it hands
//! both to the error-page layer outside it through the response.
//!
//! [`csrf`]: crate::middleware::csrf

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::middleware::csrf::CsrfNonce;
use crate::middleware::security_headers::is_https;
use crate::state::AppState;

/// What a session keeps between requests. Never personal data: that goes
/// through the vault, keyed by the session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionData {
    /// A one-time message for the next page, such as "cookies saved".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<Flash>,
    /// The staff member signed in on this session, by account id and
    /// credential version; their role is read from the database on every
    /// request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffSignIn>,
    /// Progress through each form being filled in, by form id: pages done
    /// and consent answers. The answers themselves are in the vault.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub forms: std::collections::BTreeMap<String, custodian_forms::Progress>,
    /// The form just sent and its reference, for the confirmation page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<SentForm>,
    /// The public account signed in on this session; checked against the
    /// account and the login-status cookie on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<SignedInAccount>,
    /// A visit to the "your data" pages: the code sent, then who the proven
    /// address belongs to. The address itself waits in the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<PortalVisit>,
}

/// Where a visit to `/your-data` has got to, by opaque ids only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct PortalVisit {
    /// The code sent to the address, while it waits to be typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_id: Option<String>,
    /// Who holds the address while the visit lasts (an opaque id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// Unix seconds until which the proof counts; none until proven.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proven_until: Option<i64>,
    /// The person the proven address belongs to, if anything is held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// Who is signed in, by opaque ids only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedInAccount {
    pub id: String,
    /// The account's credential version at sign-in: a password or address
    /// changed since then ends this sign-in.
    pub version: i64,
    /// SHA-256 of the login-status cookie's random value, hex.
    pub status: String,
    /// Unix seconds of the sign-in: it ends after the absolute lifetime
    /// however busy the session is.
    #[serde(default)]
    pub since: i64,
}

/// The staff account signed in, by its id (never the username, which can
/// be given again to someone new) and credential version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaffSignIn {
    pub id: String,
    /// A changed role or password raises the account's version and ends
    /// this sign-in.
    pub version: i64,
    /// Unix seconds of the sign-in, for the absolute lifetime.
    pub since: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SentForm {
    pub form: String,
    pub reference: String,
    /// The case sent, so that this browser (and only it) can take back a
    /// consultation response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Unix seconds it was sent: it can be taken back for an hour.
    #[serde(default)]
    pub sent_at: i64,
    /// Held for a parent's or guardian's permission until this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_until: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Flash {
    CookiesAccepted,
    CookiesRejected,
    CookieSettingsSaved,
    SignedOut,
    AccountSignedOut,
    PasswordChanged,
    EmailChangeSent,
}

#[derive(Debug)]
struct Inner {
    id: String,
    /// Signs the identifiers this session is given (`AppState::session_key`).
    key: Vec<u8>,
    data: SessionData,
    /// The browser does not have this id yet: set the cookie.
    issue_cookie: bool,
    /// Data changed: write it before replying.
    dirty: bool,
    /// A row exists for this id.
    stored: bool,
    /// An id this session replaced, whose row must go.
    retired: Option<String>,
}

/// The current request's session, shared between middleware and handler.
#[derive(Clone, Debug)]
pub struct Session(Arc<Mutex<Inner>>);

impl Session {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another task panicked mid-update; the
        // data is still a valid SessionData.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A session outside the session layer; nothing it holds is kept.
    pub fn detached() -> Self {
        let key: [u8; 32] = rand::random();
        Session(Arc::new(Mutex::new(Inner {
            id: new_id(&key),
            key: key.to_vec(),
            data: SessionData::default(),
            issue_cookie: false,
            dirty: false,
            stored: false,
            retired: None,
        })))
    }

    pub fn id(&self) -> String {
        self.lock().id.clone()
    }

    pub fn set_flash(&self, flash: Flash) {
        let mut inner = self.lock();
        inner.data.flash = Some(flash);
        inner.dirty = true;
    }

    /// The one-time message, removed as it is read.
    pub fn take_flash(&self) -> Option<Flash> {
        let mut inner = self.lock();
        let flash = inner.data.flash.take();
        if flash.is_some() {
            inner.dirty = true;
        }
        flash
    }

    /// Progress through `form`, if started.
    pub fn form_progress(&self, form: &str) -> Option<custodian_forms::Progress> {
        self.lock().data.forms.get(form).cloned()
    }

    /// Only a change is written: saving a page again costs no session write.
    pub fn set_form_progress(&self, form: &str, progress: Option<custodian_forms::Progress>) {
        let mut inner = self.lock();
        if inner.data.forms.get(form) == progress.as_ref() {
            return;
        }
        match progress {
            Some(p) => inner.data.forms.insert(form.to_owned(), p),
            None => inner.data.forms.remove(form),
        };
        inner.dirty = true;
    }

    pub fn sent_form(&self) -> Option<SentForm> {
        self.lock().data.sent.clone()
    }

    pub fn set_sent_form(&self, sent: Option<SentForm>) {
        let mut inner = self.lock();
        inner.data.sent = sent;
        inner.dirty = true;
    }

    pub fn staff(&self) -> Option<StaffSignIn> {
        self.lock().data.staff.clone()
    }

    /// Privilege changes: a new identifier, so one planted or seen before
    /// sign-in is worth nothing after it.
    pub fn sign_in_staff(&self, staff: StaffSignIn) {
        self.rotate();
        let mut inner = self.lock();
        inner.data.staff = Some(staff);
        inner.dirty = true;
    }

    pub fn account(&self) -> Option<SignedInAccount> {
        self.lock().data.account.clone()
    }

    /// A new identifier, as for staff; what the session held anonymously
    /// (which forms are under way) stays with it.
    pub fn sign_in_account(&self, account: SignedInAccount) {
        self.rotate();
        let mut inner = self.lock();
        inner.data.account = Some(account);
        inner.dirty = true;
    }

    /// Every privilege the session held ends and its data is cleared, under
    /// a new identifier: for signing out (staff or account), and for any
    /// change of password, address or role. Nothing carries over: not the
    /// account, nor a "your data" proof made through it, nor forms whose
    /// drafts were the account's.
    pub fn end_privileges(&self) {
        self.rotate();
        let mut inner = self.lock();
        inner.data = SessionData::default();
        inner.dirty = true;
    }

    /// The account a signed-in session belongs to, so that every session of
    /// an account can be ended at once.
    fn owner(data: &SessionData) -> Option<String> {
        match (&data.staff, &data.account) {
            (Some(staff), _) => Some(custodian_store::staff::staff_owner(&staff.id)),
            (None, Some(account)) => Some(format!("account:{}", account.id)),
            (None, None) => None,
        }
    }

    pub fn portal(&self) -> Option<PortalVisit> {
        self.lock().data.portal.clone()
    }

    /// A proven address is a privilege like a sign-in: a new identifier.
    pub fn set_portal(&self, visit: Option<PortalVisit>) {
        if visit.as_ref().is_some_and(|v| v.proven_until.is_some()) {
            self.rotate();
        }
        let mut inner = self.lock();
        inner.data.portal = visit;
        inner.dirty = true;
    }

    /// Give the session a new identifier, keeping its data: done whenever
    /// privilege changes, so an identifier planted before sign-in is useless
    /// after it.
    pub fn rotate(&self) {
        let mut inner = self.lock();
        let fresh = new_id(&inner.key);
        let old = std::mem::replace(&mut inner.id, fresh);
        if inner.stored {
            inner.retired = Some(old);
        }
        inner.issue_cookie = true;
        inner.dirty = true;
        inner.stored = false;
    }
}

/// A new identifier: 32 random bytes and a MAC of them under the server's
/// session key, both base64url. Only identifiers the server made verify,
/// so one a client invents is replaced, never adopted.
fn new_id(key: &[u8]) -> String {
    let bytes: [u8; 32] = rand::random();
    let random = URL_SAFE_NO_PAD.encode(bytes);
    let tag = URL_SAFE_NO_PAD.encode(id_tag(key, &random));
    format!("{random}.{tag}")
}

fn id_tag(key: &[u8], random: &str) -> [u8; 16] {
    let mut tag = [0u8; 16];
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        mac.update(b"session id|");
        mac.update(random.as_bytes());
        tag.copy_from_slice(&mac.finalize().into_bytes()[..16]);
    }
    tag
}

/// Only the hash of an identifier is stored.
pub fn id_hash(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

/// An identifier this server made: the random part's MAC verifies, in
/// constant time. Anything else is ignored and replaced, so the cookie can
/// never carry other data in, nor an identifier chosen by someone else.
fn valid_id(key: &[u8], value: &str) -> bool {
    let Some((random, tag)) = value.split_once('.') else {
        return false;
    };
    let well_formed = random.len() == 43
        && random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    well_formed && bool::from(tag.as_slice().ct_eq(&id_tag(key, random)))
}

pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub async fn layer(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let names = &app.checked.cookie_names;
    let now = app.clock.unix();
    let secure = is_https(&app, request.headers());
    let session_cookie = host_only(&names.session, secure);
    let existing = read_cookie(request.headers(), &session_cookie)
        .filter(|v| valid_id(&app.session_key, v))
        .map(str::to_owned);
    let inner = match load(&app, existing, now).await {
        Ok(inner) => inner,
        Err(e) => return e.into_response(),
    };
    let session = Session(Arc::new(Mutex::new(inner)));
    let token_cookie = host_only(&names.request_token, secure);
    let nonce = CsrfNonce::for_request(request.headers(), &token_cookie);
    request.extensions_mut().insert(session.clone());
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;

    // Persist before replying: a reply promises what it says was kept.
    let (id, issue_cookie) = match persist(&app, &session, now).await {
        Ok(saved) => saved,
        Err(e) => return e.into_response(),
    };
    let server_cookie = |name: String, value: String, same_site| {
        cookie::Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(secure)
            .build()
    };
    if issue_cookie {
        let cookie = server_cookie(session_cookie, id, cookie::SameSite::Lax);
        append_cookie(&mut response, &cookie);
    }
    if nonce.fresh {
        let cookie = server_cookie(token_cookie, nonce.nonce.clone(), cookie::SameSite::Strict);
        append_cookie(&mut response, &cookie);
    }
    // The error-page layer outside renders with the same session and token.
    response.extensions_mut().insert(session);
    response.extensions_mut().insert(nonce);
    response
}

/// The session a request arrives with: its stored data under a valid
/// identifier, or a fresh one to be issued.
async fn load(app: &AppState, existing: Option<String>, now: i64) -> Result<Inner, AppError> {
    let key = &app.session_key;
    let Some(id) = existing else {
        return Ok(Inner {
            id: new_id(key),
            key: key.clone(),
            data: SessionData::default(),
            issue_cookie: true,
            dirty: false,
            stored: false,
            retired: None,
        });
    };
    Ok(match app.store.load_session(&id_hash(&id), now).await? {
        Some(record) => Inner {
            key: key.clone(),
            data: serde_json::from_str(&record.data).unwrap_or_default(),
            // Slide the expiry forward once an hour of it is used up, so
            // an active session lives on without a write per request.
            dirty: record.expires_at - now < app.options.session_idle_seconds - 3600,
            id,
            issue_cookie: false,
            stored: true,
            retired: None,
        },
        // Made by this server (its MAC verified) but holding nothing
        // yet: still the same anonymous visitor. An identifier a client
        // invented never gets this far. (One the server made can still
        // be planted in another browser over plain HTTP; what protects
        // a sign-in is the new identifier it is given.)
        None => Inner {
            id,
            key: key.clone(),
            data: SessionData::default(),
            issue_cookie: false,
            dirty: false,
            stored: false,
            retired: None,
        },
    })
}

/// Writes what the request changed: the retired identifier's row goes, and
/// the data is inserted, updated or (when empty) deleted. Returns the
/// identifier and whether its cookie must be issued.
async fn persist(app: &AppState, session: &Session, now: i64) -> Result<(String, bool), AppError> {
    let (id, data, dirty, issue_cookie, retired, stored) = {
        let inner = session.lock();
        (
            inner.id.clone(),
            inner.data.clone(),
            inner.dirty,
            inner.issue_cookie,
            inner.retired.clone(),
            inner.stored,
        )
    };
    if let Some(old) = retired {
        app.store.delete_session(&id_hash(&old)).await?;
    }
    if !dirty {
        return Ok((id, issue_cookie));
    }
    let hash = id_hash(&id);
    if data == SessionData::default() {
        if stored {
            app.store.delete_session(&hash).await?;
        }
        return Ok((id, issue_cookie));
    }
    let json = serde_json::to_string(&data).unwrap_or_default();
    let owner = Session::owner(&data);
    let expires = now + app.options.session_idle_seconds;
    if stored {
        // Only a row that still exists changes: one deleted by a sign-out
        // in another request stays deleted.
        app.store
            .update_session(&hash, &json, owner.as_deref(), expires)
            .await?;
    } else {
        app.store
            .insert_session(&hash, &json, owner.as_deref(), now, expires)
            .await?;
    }
    Ok((id, issue_cookie))
}

/// The name a cookie of the session's kind goes by: over HTTPS with the
/// `__Host-` prefix, which browsers accept only from a secure origin, for
/// the path `/` and without a domain, so a sibling subdomain or a plain
/// HTTP page cannot plant or overwrite it.
pub fn host_only(name: &str, https: bool) -> String {
    if https {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// Add a Set-Cookie header. Values are our own random identifiers or the
/// consent record, all cookie-safe ASCII, so they are written as they are.
pub fn append_cookie(response: &mut Response, cookie: &cookie::Cookie<'_>) {
    if let Ok(value) = cookie.to_string().parse() {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_random_and_well_formed() {
        let key = b"a session key of thirty-two bytes";
        let (a, b) = (new_id(key), new_id(key));
        assert_ne!(a, b);
        assert!(valid_id(key, &a) && valid_id(key, &b));
        assert!(!valid_id(key, "alice@example.com"));
        // One the client made up, well formed but not signed by the
        // server, or signed under another key, is not an identifier.
        let (random, _) = a.split_once('.').unwrap_or_default();
        assert!(!valid_id(key, &format!("{random}.AAAAAAAAAAAAAAAAAAAAAA")));
        assert!(!valid_id(b"another key", &a));
        assert!(!valid_id(key, random));
    }

    #[test]
    fn rotation_issues_a_new_identifier_and_retires_the_stored_one() {
        let key = b"a session key of thirty-two bytes".to_vec();
        let session = Session(Arc::new(Mutex::new(Inner {
            id: new_id(&key),
            key,
            data: SessionData::default(),
            issue_cookie: false,
            dirty: false,
            stored: true,
            retired: None,
        })));
        let before = session.id();
        session.rotate();
        let inner = session.lock();
        assert_ne!(inner.id, before);
        assert_eq!(inner.retired.as_deref(), Some(before.as_str()));
        assert!(inner.issue_cookie && inner.dirty);
    }
}
