//! Keeping automated submissions out without a third-party CAPTCHA: a
//! honeypot field people never see, a minimum time to fill a form in (see
//! the form handlers), and a limit on submissions per client address per
//! minute ([`crate::limiter`]).

/// The honeypot's field name: something a form-filling robot wants to fill.
pub const HONEYPOT: &str = "website";
