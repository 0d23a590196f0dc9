//! The site's policy file: what a site collects, why, on what lawful basis,
//! for how long, who receives it, and every cookie.
//!
//! The policy is the single source of truth. This crate parses it strictly
//! ([`load`]), checks that it is consistent with what the server does
//! ([`check`]), and turns it into the privacy notice ([`notice`]), which the
//! web server and `custodian policy render` both present.

pub mod accounts;
pub mod campaigns;
pub mod check;
pub mod children;
pub mod diagnostics;
pub mod dpv;
pub mod email;
pub mod forms;
pub mod law;
pub mod layered;
pub mod machine;
pub mod measurement;
pub mod model;
pub mod notice;
pub mod period;
pub mod readability;
pub mod response_target;
pub mod retention;
pub mod rights;
pub mod ropa;
pub mod spreadsheet;
pub mod staff;
pub mod updates;
pub mod version;

pub use check::{CheckedConfig, ServerCookies, check};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use model::{Policy, SiteConfig};

/// Parse and check a site config in one step: what `serve` and
/// `policy check` both do before trusting a file.
pub fn load(
    source_name: &str,
    source: &str,
    server_cookies: &ServerCookies,
) -> Result<CheckedConfig, Diagnostics> {
    let config = model::parse(source_name, source)?;
    check(source_name, source, config, server_cookies)
}
