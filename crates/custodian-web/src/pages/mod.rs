//! One module per page or group of pages.

pub mod accessibility;
pub mod cookies;
pub mod home;
pub mod privacy;
pub mod versions;
