//! The HTTP server. Every page is rendered on the server and works without
//! JavaScript; everything a page says about data comes from the site's
//! checked policy.
//!
//! - [`routes`]: the route table.
//! - [`pages`]: one handler module per page.
//! - [`middleware`]: sessions, CSRF, security headers, error pages and the
//!   request log, applied to every page.
//! - [`render`]: templates and the Markdown the notice is written in.

pub mod accounts;
mod assets;
pub mod campaigns;
pub mod client;
mod consent;
mod cookie_numbers;
mod diff;
mod error;
pub mod fields;
pub mod forms;
mod health;
pub mod limiter;
mod mail;
pub mod metrics;
pub mod middleware;
mod page;
mod pages;
pub mod passwords;
mod render;
mod routes;
pub mod staff;
mod state;
pub mod throttle;
pub mod updates;
mod your_data;

pub use custodian_app::Clock;
pub use render::{standalone_notice_html, standalone_ropa_html};
pub use routes::router;
pub use state::{AppState, ServeOptions, StartupError};
