//! `policy check`: everything that must hold before a policy is served.
//!
//! Parsing already refused unknown keys. Here every reference must resolve,
//! every retention rule and duration must parse, every cookie the server sets
//! must be declared as it really behaves, and every non-essential cookie must
//! sit behind a consent question. All problems are reported at once.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use indexmap::IndexMap;
use serde::Serialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::dpv;
use crate::law::LawfulBasis;
use crate::model::{CookieNames, SiteConfig};
use crate::period::Period;
use crate::retention::RetentionRule;

/// How long a cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "period")]
pub enum CookieLifetime {
    /// Deleted when the browser closes.
    Session,
    For(Period),
}

impl CookieLifetime {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "session" || t == "until the browser closes" {
            return Ok(CookieLifetime::Session);
        }
        Period::parse(&t).map(CookieLifetime::For).map_err(|e| {
            format!("{e}; or write \"session\" for a cookie that ends when the browser closes")
        })
    }
}

impl fmt::Display for CookieLifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieLifetime::Session => f.write_str("when you close your browser"),
            CookieLifetime::For(p) => write!(f, "{p}"),
        }
    }
}

/// What a cookie the server sets is for; the site config names each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieRole {
    Session,
    RequestToken,
    Consent,
    /// Set only by a site with accounts, while someone is signed in.
    Status,
}

impl CookieRole {
    pub fn config_key(self) -> &'static str {
        match self {
            CookieRole::Session => "session",
            CookieRole::RequestToken => "request_token",
            CookieRole::Consent => "consent",
            CookieRole::Status => "status",
        }
    }

    /// How the server sets this cookie, which the declaration must match.
    pub fn lifetime(self) -> CookieLifetime {
        match self {
            CookieRole::Session | CookieRole::RequestToken | CookieRole::Status => {
                CookieLifetime::Session
            }
            CookieRole::Consent => CookieLifetime::For(CONSENT_COOKIE_PERIOD),
        }
    }

    fn name(self, names: &CookieNames) -> &Spanned<String> {
        match self {
            CookieRole::Session => &names.session,
            CookieRole::RequestToken => &names.request_token,
            CookieRole::Consent => &names.consent,
            CookieRole::Status => &names.status,
        }
    }
}

/// The consent choice is remembered for a year, as the Design System advises.
pub const CONSENT_COOKIE_PERIOD: Period = Period {
    count: 1,
    unit: crate::period::Unit::Year,
};

/// The cookies this build of the server sets without asking. Later features
/// add roles here as they start setting cookies.
#[derive(Debug, Clone)]
pub struct ServerCookies(pub Vec<CookieRole>);

impl ServerCookies {
    pub fn current() -> Self {
        ServerCookies(vec![
            CookieRole::Session,
            CookieRole::RequestToken,
            CookieRole::Consent,
        ])
    }
}

/// The declared cookie named `name`, with its lifetime as read.
pub(crate) fn declared_cookie<'a>(
    config: &'a SiteConfig,
    cookie_lifetimes: &[CookieLifetime],
    name: &str,
) -> Option<(&'a crate::model::Cookie, CookieLifetime)> {
    config
        .policy
        .cookies
        .iter()
        .zip(cookie_lifetimes)
        .find(|(k, _)| k.name.get_ref() == name)
        .map(|(k, l)| (k, *l))
}

/// A config that passed every check, with its rules parsed once.
#[derive(Debug, Clone)]
pub struct CheckedConfig {
    pub config: SiteConfig,
    pub retention: IndexMap<String, RetentionRule>,
    pub cookie_lifetimes: Vec<CookieLifetime>,
    pub ip_retention: Period,
    /// Server cookie names resolved from `[site.cookie_names]`.
    pub cookie_names: ResolvedCookieNames,
    /// Problems that do not stop the server, such as a declared cookie that
    /// this server never sets (a third party's, say).
    pub notes: Vec<String>,
    /// Each form's dates, read once.
    pub forms: IndexMap<String, crate::forms::CheckedForm>,
    /// `[policy.children]`, when the site sets a parental consent age.
    pub children: Option<crate::children::CheckedChildren>,
    /// Campaigns, their cookie and the feeds imported.
    pub campaigns: crate::campaigns::CheckedCampaigns,
    /// The cookie that counts different people, when the site sets one.
    pub measurement: Option<crate::measurement::MeasurementCookie>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCookieNames {
    pub session: String,
    pub request_token: String,
    pub consent: String,
    /// Present when the site has accounts.
    pub status: Option<String>,
}

pub(crate) struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    found: Diagnostics,
}

impl Checker<'_> {
    /// Where `needle` (a table header such as `[policy.scope]`) first appears,
    /// for problems that belong to a whole table rather than one value.
    pub(crate) fn find(&self, needle: &str) -> Range<usize> {
        self.source
            .find(needle)
            .map_or(0..0, |start| start..start + needle.len())
    }

    pub(crate) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.found
            .push(Diagnostic::at(self.file, self.source, span, message).help(help));
    }

    pub(crate) fn reference(
        &mut self,
        kind: &str,
        known: &[&String],
        value: &Spanned<String>,
        table: &str,
    ) -> bool {
        if known.iter().any(|k| *k == value.get_ref()) {
            return true;
        }
        let listed = if known.is_empty() {
            format!("none are declared yet: add a [{table}.<id>] table")
        } else {
            format!(
                "declared {kind} ids are: {}",
                known
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        self.error(
            value.span(),
            format!("{kind} `{}` is not declared", value.get_ref()),
            listed,
        );
        false
    }

    fn dpv(&mut self, term: &Option<Spanned<String>>, list: &[&'static str], kind: &str) {
        let Some(term) = term else { return };
        if list.contains(&term.get_ref().as_str()) {
            return;
        }
        let help = match dpv::suggest(term.get_ref(), list) {
            Some(s) => format!(
                "did you mean \"{s}\"? custodian-policy/src/dpv.rs lists the accepted {kind} terms"
            ),
            None => format!(
                "use a DPV {kind} term listed in custodian-policy/src/dpv.rs, or leave `dpv` out"
            ),
        };
        self.error(
            term.span(),
            format!("`{}` is not a known DPV {kind} term", term.get_ref()),
            help,
        );
    }
}

/// Check a parsed config against itself and against what the server does.
pub fn check(
    file: &str,
    source: &str,
    mut config: SiteConfig,
    server: &ServerCookies,
) -> Result<CheckedConfig, Diagnostics> {
    let mut c = Checker {
        file,
        source,
        found: Diagnostics::default(),
    };
    // First, so that the pages it adds to forms are checked with the rest.
    let children = crate::children::check_and_add_pages(&mut c, &mut config);
    let policy = &config.policy;
    let category_ids: Vec<&String> = policy.categories.keys().collect();
    let purpose_ids: Vec<&String> = policy.purposes.keys().collect();
    let recipient_ids: Vec<&String> = policy.recipients.keys().collect();
    let consent_ids: Vec<&String> = policy.cookie_categories.keys().collect();

    if let Some(phase) = &config.site.phase
        && !matches!(phase.get_ref().as_str(), "alpha" | "beta")
    {
        c.error(
            phase.span(),
            format!("phase `{}` is not a service phase", phase.get_ref()),
            "use \"alpha\" or \"beta\", or leave `phase` out once the service is live",
        );
    }
    let mut blank = Vec::new();
    if policy.controller.name.trim().is_empty() {
        blank.push("policy.controller.name".to_owned());
    }
    for (id, x) in &policy.categories {
        if x.name.trim().is_empty() || x.description.trim().is_empty() {
            blank.push(format!("policy.categories.{id}"));
        }
    }
    for (id, x) in &policy.purposes {
        if x.name.trim().is_empty()
            || x.description.trim().is_empty()
            || x.legitimate_interest
                .as_ref()
                .is_some_and(|t| t.trim().is_empty())
        {
            blank.push(format!("policy.purposes.{id}"));
        }
    }
    for (id, x) in &policy.recipients {
        if x.name.trim().is_empty() || x.description.trim().is_empty() {
            blank.push(format!("policy.recipients.{id}"));
        }
    }
    if policy.automated_decisions.trim().is_empty() {
        blank.push("policy.automated_decisions".to_owned());
    }
    if policy.international_transfers.trim().is_empty() {
        blank.push("policy.international_transfers".to_owned());
    }
    for table in blank {
        c.error(
            c.find(&format!("[{table}]")),
            format!("[{table}] has an empty name, description or statement"),
            "the notice shows these words to people: write them",
        );
    }
    let dpo_email = policy
        .controller
        .data_protection_officer
        .as_ref()
        .map(|d| d.email.as_str());
    for email in std::iter::once(policy.controller.email.as_str()).chain(dpo_email) {
        if !(crate::email::looks_like_email(email) && plain_enough_for_a_link(email)) {
            c.error(c.find(&format!("\"{email}\"")), format!("`{email}` is not an email address"), "people use it to ask about their data, so it must be a working address such as privacy@example.gov.uk");
        }
    }
    for domain in &policy.scope.domains {
        if !is_domain(domain) {
            c.error(
                c.find(&format!("\"{domain}\"")),
                format!("`{domain}` is not a domain name"),
                "write a domain such as \"example.gov.uk\" or \"*.example.gov.uk\"",
            );
        }
    }
    if policy
        .controller
        .address
        .iter()
        .all(|line| line.trim().is_empty())
    {
        c.error(
            c.find("[policy.controller]"),
            "the controller has no postal address",
            "give `address`, one line per entry: the notice tells people where to write to",
        );
    }
    if policy.scope.domains.is_empty() {
        c.error(
            c.find("[policy.scope]"),
            "[policy.scope] lists no domains",
            "name the domains this notice covers, e.g. domains = [\"example.gov.uk\"]",
        );
    }
    for id in policy
        .categories
        .keys()
        .chain(policy.purposes.keys())
        .chain(policy.recipients.keys())
        .chain(policy.cookie_categories.keys())
    {
        if !is_identifier(id) {
            c.error(c.find(&format!(".{id}]")), format!("`{id}` is not a usable id"), "ids are lower case letters, digits and underscores, starting with a letter, because forms and URLs refer to them");
        }
    }
    for category in policy.categories.values() {
        c.dpv(&category.dpv, dpv::PERSONAL_DATA, "personal data");
    }
    for recipient in policy.recipients.values() {
        c.dpv(&recipient.dpv, dpv::RECIPIENTS, "recipient");
    }

    if let Some(mail) = &config.mail {
        if !mail.from.get_ref().contains('@') {
            c.error(
                mail.from.span(),
                format!(
                    "mail.from `{}` is not an email address",
                    mail.from.get_ref()
                ),
                "write it like \"Site name <noreply@example.gov.uk>\"",
            );
        }
        if mail.transport == crate::model::MailTransport::Smtp
            && mail.smtp_host.as_deref().is_none_or(str::is_empty)
        {
            c.error(
                c.find("[mail]"),
                "mail.transport is \"smtp\" but no smtp_host is given",
                "add smtp_host = \"smtp.example.gov.uk\"",
            );
        }
        if mail.transport == crate::model::MailTransport::Notify
            && mail.notify_template_id.as_deref().is_none_or(|t| {
                t.len() != 36 || !t.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            })
        {
            c.error(
                c.find("[mail]"),
                "mail.transport is \"notify\" but notify_template_id is not a template id",
                "copy the id of a Notify email template whose subject is ((subject)) and body is ((body)), like \"f33517ff-2a88-4f6e-b855-c550268ce08a\"",
            );
        }
    }

    let mut retention = IndexMap::new();
    for (id, purpose) in &policy.purposes {
        c.dpv(&purpose.dpv, dpv::PURPOSES, "purpose");
        if purpose.categories.is_empty() {
            c.error(
                purpose.retention.span(),
                format!("purpose `{id}` uses no categories of data"),
                "list the categories it uses, e.g. categories = [\"contact_details\"]",
            );
        }
        let mut uses_special = false;
        for category in &purpose.categories {
            if c.reference("category", &category_ids, category, "policy.categories") {
                uses_special |= policy
                    .categories
                    .get(category.get_ref())
                    .is_some_and(|cat| cat.special);
            }
        }
        match (&purpose.special_condition, uses_special) {
            (None, true) => c.error(
                purpose.retention.span(),
                format!(
                    "purpose `{id}` uses special category data but names no Article 9 condition"
                ),
                "add special_condition, e.g. special_condition = \"substantial_public_interest\"",
            ),
            (Some(cond), false) => c.error(
                cond.span(),
                format!(
                    "purpose `{id}` names an Article 9 condition but uses no special category data"
                ),
                "remove special_condition, or mark the category special = true",
            ),
            _ => {}
        }
        if purpose.lawful_basis == LawfulBasis::LegitimateInterests
            && purpose.legitimate_interest.is_none()
        {
            c.error(purpose.retention.span(), format!("purpose `{id}` relies on legitimate interests without saying what they are"), "add legitimate_interest = \"...\": the notice must tell people what the interest is");
        }
        if purpose.lawful_basis != LawfulBasis::LegitimateInterests
            && purpose.legitimate_interest.is_some()
        {
            c.error(
                purpose.retention.span(),
                format!(
                    "purpose `{id}` states a legitimate interest but its lawful basis is {}",
                    purpose.lawful_basis.label().to_lowercase()
                ),
                "remove legitimate_interest, or set lawful_basis = \"legitimate_interests\"",
            );
        }
        for r in &purpose.recipients {
            c.reference(
                "recipient",
                &recipient_ids,
                &r.recipient,
                "policy.recipients",
            );
        }
        match RetentionRule::parse(purpose.retention.get_ref()) {
            Ok(rule) => {
                retention.insert(id.clone(), rule);
            }
            Err(e) => c.error(purpose.retention.span(), format!("purpose `{id}` has a retention rule that cannot be read: {e}"), "write it like \"1 year after the case is closed\", \"30 days\" or \"until you unsubscribe\""),
        }
    }

    for (id, category) in &policy.cookie_categories {
        let purpose = &category.purpose;
        if c.reference("purpose", &purpose_ids, purpose, "policy.purposes")
            && policy
                .purposes
                .get(purpose.get_ref())
                .is_some_and(|p| p.lawful_basis != LawfulBasis::Consent)
        {
            // Optional cookies need consent (PECR), so the purpose they serve
            // must rest on consent too, or the notice would contradict itself.
            c.error(
                purpose.span(),
                format!("cookie category `{id}` asks for consent, but its purpose `{}` does not rest on consent", purpose.get_ref()),
                "give the cookies a purpose with lawful_basis = \"consent\"",
            );
        }
        if RESERVED_CATEGORY_IDS.contains(&id.as_str()) || id == names_config_request_token(&config)
        {
            c.error(
                c.find(&format!("[policy.cookie_categories.{id}]")),
                format!("`{id}` cannot name a cookie category: the cookies form and consent cookie use it already"),
                "choose another id, such as `usage` or `campaigns`",
            );
        }
        if !policy.cookies.iter().any(|k| {
            k.consent_category
                .as_ref()
                .is_some_and(|cc| cc.get_ref() == id)
        }) {
            c.error(c.find(&format!("[policy.cookie_categories.{id}]")), format!("cookie category `{id}` has no cookies"), "declare its cookies with consent_category = \"<id>\", or remove the category so nobody is asked a pointless question");
        }
    }

    let mut names = HashSet::new();
    let mut cookie_lifetimes = Vec::new();
    for cookie in &policy.cookies {
        let name = cookie.name.get_ref();
        if !is_cookie_name(name) {
            c.error(
                cookie.name.span(),
                format!("`{name}` is not a valid cookie name"),
                "use letters, digits, '-' and '_' only",
            );
        }
        if !names.insert(name.clone()) {
            c.error(
                cookie.name.span(),
                format!("cookie `{name}` is declared twice"),
                "declare each cookie once",
            );
        }
        match (&cookie.consent_category, cookie.essential) {
            (None, false) => c.error(cookie.name.span(), format!("cookie `{name}` is not essential, so it must sit behind consent"), "add consent_category = \"<id>\" naming the [policy.cookie_categories] question that asks for it"),
            (Some(cat), true) => c.error(cat.span(), format!("cookie `{name}` is essential but names a consent category"), "essential cookies are set without asking: remove consent_category, or set essential = false"),
            (Some(cat), false) => {
                c.reference("cookie category", &consent_ids, cat, "policy.cookie_categories");
            }
            (None, true) => {}
        }
        if let Some(by) = &cookie.set_by {
            c.reference("recipient", &recipient_ids, by, "policy.recipients");
        }
        match CookieLifetime::parse(cookie.duration.get_ref()) {
            Ok(lifetime) => cookie_lifetimes.push(lifetime),
            Err(e) => {
                cookie_lifetimes.push(CookieLifetime::Session);
                c.error(
                    cookie.duration.span(),
                    format!("cookie `{name}` has a duration that cannot be read: {e}"),
                    "write \"session\" or a period such as \"1 year\"",
                );
            }
        }
    }

    // Every cookie the server sets must be declared, and declared as it behaves.
    let names_config = &config.site.cookie_names;
    let mut roles = server.0.clone();
    if config.accounts.is_some() && !roles.contains(&CookieRole::Status) {
        roles.push(CookieRole::Status);
    }
    for role in &roles {
        let configured = role.name(names_config);
        let name = configured.get_ref();
        let declared = policy
            .cookies
            .iter()
            .zip(&cookie_lifetimes)
            .find(|(k, _)| k.name.get_ref() == name);
        let key = role.config_key();
        match declared {
            None => c.error(configured.span(), format!("the server sets a cookie named `{name}` (its {key} cookie), but the policy does not declare it"), format!("add a [[policy.cookies]] entry with name = \"{name}\", or rename it with site.cookie_names.{key}")),
            Some((cookie, lifetime)) => {
                if !cookie.essential {
                    c.error(cookie.name.span(), format!("cookie `{name}` is set by the server without asking (its {key} cookie), so it must be declared essential = true"), "the server cannot ask consent for the cookies that make consent and forms work");
                }
                if !same_lifetime(*lifetime, role.lifetime()) {
                    c.error(cookie.duration.span(), format!("cookie `{name}` is declared to last {lifetime}, but the server keeps it {}", describe(role.lifetime())), format!("set duration = \"{}\"", duration_text(role.lifetime())));
                }
            }
        }
    }
    let resolved = ResolvedCookieNames {
        session: names_config.session.get_ref().clone(),
        request_token: names_config.request_token.get_ref().clone(),
        consent: names_config.consent.get_ref().clone(),
        status: config
            .accounts
            .as_ref()
            .map(|_| names_config.status.get_ref().clone()),
    };
    let mut server_names = vec![
        &resolved.session,
        &resolved.request_token,
        &resolved.consent,
    ];
    server_names.extend(resolved.status.as_ref());
    let campaign_cookie = config
        .campaign_slot
        .as_ref()
        .and_then(|s| s.cookie.as_ref())
        .map(|name| name.get_ref());
    if let Some(name) = campaign_cookie
        && server_names.contains(&name)
    {
        c.error(
            c.find("[campaign_slot]"),
            format!("the campaign cookie `{name}` has the name of one of the server's own cookies"),
            "give [campaign_slot] cookie a name of its own",
        );
    }
    if server_names.iter().collect::<HashSet<_>>().len() != server_names.len() {
        c.error(
            names_config.session.span(),
            "two of the server's cookies share a name",
            "give site.cookie_names.session, request_token, consent and status different names",
        );
    }
    server_names.extend(campaign_cookie);
    let measurement = crate::measurement::check_measurement(&mut c, &config, &cookie_lifetimes);
    if let Some(m) = &measurement
        && server_names.contains(&&m.name)
    {
        c.error(
            c.find("[measurement]"),
            format!(
                "the measurement cookie `{}` has the name of another cookie the server sets",
                m.name
            ),
            "give the measurement cookie a name of its own",
        );
    }
    server_names.extend(measurement.as_ref().map(|m| &m.name));
    // A declared cookie nothing sets would make the notice and the banner
    // ask about something that never happens.
    for cookie in &policy.cookies {
        if cookie.set_by.is_none() && !server_names.contains(&cookie.name.get_ref()) {
            c.error(
                cookie.name.span(),
                format!("cookie `{}` is declared, but nothing sets it: this server does not, and no set_by names who does", cookie.name.get_ref()),
                "if it counts visitors, set [measurement] cookie = \"<name>\"; if it caps campaigns, set [campaign_slot] cookie; if another system sets it, add set_by = \"<recipient>\"; otherwise remove it",
            );
        }
    }
    let mut notes: Vec<String> = Vec::new();
    if config.rights.is_none() {
        notes.push("there is no [rights] table: people cannot see, correct or delete their data at /your-data, and requests must be handled by hand".to_owned());
    }
    notes.extend(
        policy
            .purposes
            .iter()
            .filter(|(_, p)| p.people.is_none())
            .map(|(id, _)| {
                format!("purpose `{id}` does not say whose data it is (`people`): the record of processing will say it is not stated")
            }),
    );

    let ip_retention = match CookieLifetime::parse(policy.server_logs.ip_retention.get_ref()) {
        Ok(CookieLifetime::For(p)) => Some(p),
        Ok(CookieLifetime::Session) | Err(_) => {
            c.error(
                policy.server_logs.ip_retention.span(),
                "server_logs.ip_retention must be a period such as \"30 days\"",
                "say how long the web server keeps raw logs with IP addresses",
            );
            None
        }
    };
    c.reference(
        "purpose",
        &purpose_ids,
        &policy.server_logs.purpose,
        "policy.purposes",
    );

    let forms = crate::forms::check_forms(&mut c, &config, &retention);
    crate::accounts::check_accounts(&mut c, &config, &retention);
    crate::staff::check_staff(&mut c, &config, &retention);
    crate::updates::check_updates(&mut c, &config, &retention);
    crate::rights::check_rights(&mut c, &config, &retention);
    for section in &policy.sections {
        let Some(within) = &section.within else {
            continue;
        };
        if !crate::notice::GENERATED_SECTIONS.contains(&within.get_ref().as_str()) {
            c.error(
                within.span(),
                format!(
                    "there is no generated section `{}` to put this text within",
                    within.get_ref()
                ),
                format!(
                    "name one of: {}",
                    crate::notice::GENERATED_SECTIONS.join(", ")
                ),
            );
        }
    }
    let campaigns =
        crate::campaigns::check_campaigns(&mut c, &config, &cookie_lifetimes, &retention);

    match (c.found.is_empty(), ip_retention) {
        (true, Some(ip_retention)) => Ok(CheckedConfig {
            config,
            retention,
            cookie_lifetimes,
            ip_retention,
            cookie_names: resolved,
            notes,
            forms,
            children,
            campaigns,
            measurement,
        }),
        _ => Err(c.found),
    }
}

/// Names the consent cookie and the cookies form use for themselves.
const RESERVED_CATEGORY_IDS: &[&str] = &["version", "return_to", "cookies"];

fn names_config_request_token(config: &SiteConfig) -> &str {
    config.site.cookie_names.request_token.get_ref()
}

fn same_lifetime(a: CookieLifetime, b: CookieLifetime) -> bool {
    match (a, b) {
        (CookieLifetime::Session, CookieLifetime::Session) => true,
        (CookieLifetime::For(x), CookieLifetime::For(y)) => x.same_length(&y),
        _ => false,
    }
}

fn describe(lifetime: CookieLifetime) -> String {
    match lifetime {
        CookieLifetime::Session => "until the browser closes".to_owned(),
        CookieLifetime::For(p) => format!("for {p}"),
    }
}

fn duration_text(lifetime: CookieLifetime) -> String {
    match lifetime {
        CookieLifetime::Session => "session".to_owned(),
        CookieLifetime::For(p) => p.to_string(),
    }
}

/// The controller's and the DPO's addresses are written into the notice
/// as `mailto:` links: only the characters an ordinary address uses, so
/// that none can close the link early or add a header to it.
fn plain_enough_for_a_link(email: &str) -> bool {
    email
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._%+-'@".contains(c))
}

fn is_domain(text: &str) -> bool {
    let host = text.strip_prefix("*.").unwrap_or(text);
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub(crate) fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
