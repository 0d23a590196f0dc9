//! Layers every page passes through, outermost first:
//! [`request_log`] → [`page_stats`] → [`security_headers`] → [`error_pages`] → [`session`] →
//! (a panic catcher) → [`csrf`] → the page handler.

pub mod csrf;
pub mod error_pages;
pub mod measurement;
pub mod page_stats;
pub mod request_log;
pub mod security_headers;
pub mod session;
