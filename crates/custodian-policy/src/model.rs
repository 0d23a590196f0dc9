//! The site config file as written: `[site]` for the server and `[policy]`
//! for what the privacy notice promises.
//!
//! Every table denies unknown keys, so a misspelt key is an error rather than
//! a promise silently dropped. Things that other parts point at (categories,
//! purposes, recipients, consent categories) live in maps keyed by a short id;
//! later features (forms, topics, campaigns) refer to them by that id.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::law::{LawfulBasis, SpecialCondition};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub site: Site,
    pub policy: Policy,
    /// How mail is sent. Absent: mail waits in the outbox (the built-in
    /// demo alone writes it to files).
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// The staff teams that answer forms, by id.
    #[serde(default)]
    pub teams: IndexMap<String, crate::forms::Team>,
    /// The forms the site offers, by id: `/forms/<id>`.
    #[serde(default)]
    pub forms: IndexMap<String, crate::forms::Form>,
    /// How new staff are enrolled from the staff area. Absent: staff are
    /// added from the command line only.
    #[serde(default)]
    pub staff: Option<crate::staff::Staff>,
    /// Accounts for the public. Absent: the site offers none.
    #[serde(default)]
    pub accounts: Option<crate::accounts::Accounts>,
    /// Email updates: what a subscription holds.
    #[serde(default)]
    pub updates: Option<crate::updates::Updates>,
    /// What people may subscribe to, by id.
    #[serde(default)]
    pub topics: IndexMap<String, crate::updates::Topic>,
    /// How requests to see, correct or delete data are handled. Absent:
    /// no `/your-data` portal.
    #[serde(default)]
    pub rights: Option<crate::rights::Rights>,
    /// How campaigns are capped and shared. Absent: no campaign cookie,
    /// no feed published, none imported.
    #[serde(default)]
    pub campaign_slot: Option<crate::campaigns::CampaignSlot>,
    /// Campaign material, by id, for the slots pages include.
    #[serde(default)]
    pub campaigns: IndexMap<String, crate::campaigns::Campaign>,
    /// The optional cookie that counts different people, for those who
    /// say yes to it. Absent: no measurement cookie.
    #[serde(default)]
    pub measurement: Option<crate::measurement::Measurement>,
}

/// Outbound mail. The SMTP password never goes in this file: it comes from
/// the `CUSTODIAN_SMTP_PASSWORD` environment variable.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The From address, e.g. "Children's Commissioner <noreply@example.gov.uk>".
    pub from: Spanned<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    #[serde(default)]
    pub transport: MailTransport,
    #[serde(default)]
    pub smtp_host: Option<String>,
    #[serde(default)]
    pub smtp_port: Option<u16>,
    #[serde(default)]
    pub smtp_security: SmtpSecurity,
    #[serde(default)]
    pub smtp_username: Option<String>,
    /// GOV.UK Notify: the id of an email template whose subject is
    /// `((subject))` and whose body is `((body))`. The API key never goes
    /// in this file: it comes from `CUSTODIAN_NOTIFY_API_KEY`.
    #[serde(default)]
    pub notify_template_id: Option<String>,
    /// GOV.UK Notify's address; the default is the real service.
    #[serde(default)]
    pub notify_base_url: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// `.eml` files in `DATA_DIR/outbox`, in plaintext: for testing only.
    File,
    #[default]
    Smtp,
    /// GOV.UK Notify's API, which public-sector sites often must use.
    Notify,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Shown in the header and page titles.
    pub name: String,
    /// The public address, used in links the site sends out.
    #[serde(default)]
    pub base_url: Option<String>,
    /// "alpha" or "beta" shows a phase banner; absent shows none.
    #[serde(default)]
    pub phase: Option<Spanned<String>>,
    /// Text of the phase banner after the tag.
    #[serde(default)]
    pub phase_message: Option<String>,
    /// The accessibility statement, in Markdown.
    #[serde(default)]
    pub accessibility_statement: Option<String>,
    /// Where to get help at once, for someone in trouble ("Call Childline
    /// free on 0800 1111. If you are in danger now, call 999."): shown as an
    /// "If you need help now" inset on every page of a form and of the
    /// email updates sign-up, and at the end of every email to the public.
    /// Plain text or Markdown links.
    #[serde(default)]
    pub help_now: Option<String>,
    /// Names of the cookies the server sets; each must be declared in
    /// `[[policy.cookies]]`.
    #[serde(default)]
    pub cookie_names: CookieNames,
    /// Take the client's scheme from `X-Forwarded-Proto`: set only when a
    /// reverse proxy you control sits in front.
    #[serde(default)]
    pub trust_proxy: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CookieNames {
    #[serde(default = "default_session_cookie")]
    pub session: Spanned<String>,
    #[serde(default = "default_csrf_cookie")]
    pub request_token: Spanned<String>,
    #[serde(default = "default_consent_cookie")]
    pub consent: Spanned<String>,
    /// Set while someone is signed in to an account: a random identifier
    /// that says a page is personal (so no cache keeps it) and that must
    /// match the session's own copy for the sign-in to count.
    #[serde(default = "default_status_cookie")]
    pub status: Spanned<String>,
}

impl Default for CookieNames {
    fn default() -> Self {
        CookieNames {
            session: default_session_cookie(),
            request_token: default_csrf_cookie(),
            consent: default_consent_cookie(),
            status: default_status_cookie(),
        }
    }
}

fn default_session_cookie() -> Spanned<String> {
    Spanned::new(0..0, "custodian_session".to_owned())
}
fn default_csrf_cookie() -> Spanned<String> {
    Spanned::new(0..0, "request_token".to_owned())
}
fn default_consent_cookie() -> Spanned<String> {
    Spanned::new(0..0, "cookie_preferences".to_owned())
}
fn default_status_cookie() -> Spanned<String> {
    Spanned::new(0..0, "custodian_status".to_owned())
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A short introduction, in Markdown, shown before everything else.
    #[serde(default)]
    pub introduction: Option<String>,
    pub controller: Controller,
    pub scope: Scope,
    pub categories: IndexMap<String, Category>,
    pub purposes: IndexMap<String, Purpose>,
    #[serde(default)]
    pub recipients: IndexMap<String, Recipient>,
    /// Non-essential cookie categories, each asked about separately.
    #[serde(default)]
    pub cookie_categories: IndexMap<String, CookieCategory>,
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    #[serde(default)]
    pub children: Option<crate::children::Children>,
    pub server_logs: ServerLogs,
    /// Whether any decision about people is made by automated means alone,
    /// or they are profiled (UK GDPR Article 13(2)(f)); say so even if not.
    pub automated_decisions: String,
    /// Where the information is kept, and the safeguards for any transfer
    /// outside the UK (Article 13(1)(f)); say so even if there are none.
    pub international_transfers: String,
    /// Free-text sections, in Markdown, in the order given.
    #[serde(default)]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    pub name: String,
    pub email: String,
    /// Postal address, one line per entry.
    pub address: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub data_protection_officer: Option<DataProtectionOfficer>,
    /// The ICO register entry, e.g. "Z1234567".
    #[serde(default)]
    pub ico_registration: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataProtectionOfficer {
    #[serde(default)]
    pub name: Option<String>,
    pub email: String,
    #[serde(default)]
    pub address: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Domains the notice covers, e.g. "example.gov.uk" or "*.example.gov.uk".
    pub domains: Vec<String>,
    /// What the notice does not cover, in Markdown.
    #[serde(default)]
    pub exclusions: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    pub description: String,
    /// Special category data (UK GDPR Article 9): health, ethnicity, etc.
    #[serde(default)]
    pub special: bool,
    /// Where the information comes from when not from the person
    /// (Article 14(2)(f)); absent means they give it to us.
    #[serde(default)]
    pub source: Option<String>,
    /// A DPV personal-data term, e.g. "pd:EmailAddress".
    #[serde(default)]
    pub dpv: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub name: String,
    /// What we do with the information, in plain English.
    pub description: String,
    /// The same in a few plain words a 13-year-old can read, for the short
    /// version at the top of the notice ("We send our newsletter to people
    /// who ask for it"). Without it, the short version uses `name`.
    #[serde(default)]
    pub summary: Option<String>,
    pub lawful_basis: LawfulBasis,
    /// Required when the purpose uses special category data.
    #[serde(default)]
    pub special_condition: Option<Spanned<SpecialCondition>>,
    /// Required when the basis is legitimate interests: what the interest is.
    #[serde(default)]
    pub legitimate_interest: Option<String>,
    /// Whose data this is, for the record of processing (Article 30(1)(c)):
    /// "children and young people who ask us for help".
    #[serde(default)]
    pub people: Option<String>,
    pub categories: Vec<Spanned<String>>,
    /// Whether people must give this information (by law, for a contract,
    /// or to use the service) and what happens if they do not
    /// (Article 13(2)(e)).
    #[serde(default)]
    pub provision: Option<String>,
    /// e.g. "1 year after the case is closed", "until you unsubscribe".
    pub retention: Spanned<String>,
    #[serde(default)]
    pub recipients: Vec<PurposeRecipient>,
    /// When set, an erasure request does not delete this purpose's records
    /// before their deadline, for this reason (a legal duty to keep them, an
    /// audit record of a reply). The notice says so.
    #[serde(default)]
    pub keep_on_erasure: Option<String>,
    /// Whether someone under `[policy.children]`'s age needs a parent's or
    /// guardian's permission before what they send for this purpose is
    /// used. UK GDPR Article 8 asks for it only where consent is the lawful
    /// basis, so that is the default, and `true` on any other basis is
    /// refused: advice and safeguarding must never wait for a parent.
    #[serde(default)]
    pub parental_consent: Option<Spanned<bool>>,
    #[serde(default)]
    pub dpv: Option<Spanned<String>>,
}

impl Policy {
    /// What the notice calls a recipient; its id if the policy no longer
    /// names it (a disclosure recorded under an older policy).
    pub fn recipient_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.recipients.get(id).map_or(id, |r| r.name.as_str())
    }
}

impl Purpose {
    /// Whether a child needs a parent's permission for this purpose.
    pub fn asks_parent(&self) -> bool {
        self.parental_consent
            .as_ref()
            .map_or(self.lawful_basis == LawfulBasis::Consent, |p| *p.get_ref())
    }

    /// Whether the policy names `recipient` as one who may receive data
    /// held for this purpose: the one rule for passing anything on.
    pub fn names_recipient(&self, recipient: &str) -> bool {
        self.recipients
            .iter()
            .any(|r| r.recipient.get_ref() == recipient)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeRecipient {
    pub recipient: Spanned<String>,
    /// The conditions under which this recipient receives data.
    pub when: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// Processes data on our instructions (a supplier).
    Processor,
    /// Decides for itself how to use what it receives.
    Controller,
    /// Another public body.
    PublicAuthority,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub name: String,
    pub kind: RecipientKind,
    pub description: String,
    /// Where it holds data, e.g. "UK".
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub dpv: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CookieCategory {
    pub name: String,
    /// The question's hint on the cookies page.
    pub description: String,
    /// The purpose these cookies serve; it must rest on consent.
    pub purpose: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    pub name: Spanned<String>,
    /// What it is for, in plain English.
    pub purpose: String,
    /// Essential cookies are set without asking.
    pub essential: bool,
    /// For non-essential cookies: the consent category that asks for it.
    #[serde(default)]
    pub consent_category: Option<Spanned<String>>,
    /// "session" (ends when the browser closes) or a period like "1 year".
    pub duration: Spanned<String>,
    /// What the cookie holds.
    pub holds: String,
    /// Who sets it: absent means this site; otherwise a recipient id.
    #[serde(default)]
    pub set_by: Option<Spanned<String>>,
    /// The domain it is set for, where that is not this site's own.
    #[serde(default)]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLogs {
    /// How long the web server keeps raw logs with IP addresses.
    pub ip_retention: Spanned<String>,
    /// The purpose the logs serve (site usage statistics).
    pub purpose: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    /// Markdown. Raw HTML is shown as text, never interpreted.
    pub body: String,
    /// The id of a generated section this text belongs in ("cookies",
    /// "your-rights"): it opens that section, under its own title as a
    /// subheading, instead of repeating its subject in a section of its own.
    #[serde(default)]
    pub within: Option<Spanned<String>>,
}

/// Parse a site config strictly. Errors carry the position in `source`.
pub fn parse(source_name: &str, source: &str) -> Result<SiteConfig, Diagnostics> {
    toml::from_str(source).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        let message = err.message().trim().to_owned();
        let help = if message.starts_with("unknown field") {
            "check the spelling against docs/configuration.md; unknown keys are refused so that nothing you write is silently ignored"
        } else if message.starts_with("missing field") {
            "add the missing key; docs/configuration.md lists what each table needs"
        } else if message.starts_with("unknown variant") {
            "use one of the values listed"
        } else {
            "fix the TOML at this position"
        };
        Diagnostics::one(Diagnostic::at(source_name, source, span, message).help(help))
    })
}
