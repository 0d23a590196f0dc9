//! Keeping automated submissions out without a third-party CAPTCHA: a
//! honeypot field people never see, a minimum time to fill a form in (see
//! the form handlers), and a limit on submissions per client address per
//! minute ([`crate::limiter`]).

/// The honeypot's field name: something a form-filling robot wants to fill.
pub const HONEYPOT: &str = "website";

/// Whether the honeypot was filled in: a robot sent the form.
pub fn honeypot_filled(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, v)| k == HONEYPOT && !v.is_empty())
}
