//! Custodian's integration tests: one binary (each extra file would be
//! another binary to link), driving the real server over HTTP. Set
//! CUSTODIAN_TEST_DATABASE_URL=postgres://... to run them all on PostgreSQL.

// Tests fail by panicking; the no-panic lints are for server code.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod support;

mod accounts;
mod architecture;
mod backup;
mod campaigns;
mod casework;
mod children_first;
mod cli;
mod consents;
mod consultations;
mod cookies;
mod crash;
mod csrf;
mod disclosures;
mod forms;
mod hardening;
mod headers;
mod health;
mod inbox;
mod instances;
mod jobs;
mod logs;
mod mail;
mod metrics;
mod notify;
mod pages;
mod parental_consent;
mod requests;
mod sessions;
mod shutdown;
mod slow_clients;
mod staff;
mod statistics;
mod tls;
mod updates;
mod vault;
mod versions;
mod your_data;
