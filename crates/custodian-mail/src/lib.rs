//! Outbound mail.
//!
//! A message is queued in two halves: the recipient and every personal
//! value go into the vault (as records from source `outbox:<id>`), and a row
//! in the outbox holds only what scheduling needs. A worker leases due
//! messages (so instances sharing a database never send one twice), renders
//! them from templates in plain text and HTML, sends them, and records every
//! attempt; failures retry with growing delays and give up after a limit.
//! Once a message is sent or given up, its copy in the vault is deleted.

mod mailer;
pub mod notify;
mod smtp_pool;
mod templates;
mod transport;

pub use mailer::{DeliveryRun, Mailer, NewMail};
pub use transport::{MailSecrets, Transport};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(transparent)]
    Store(#[from] custodian_store::StoreError),
    #[error(transparent)]
    Vault(#[from] custodian_vault::VaultError),
    #[error("mail settings: {0}")]
    Config(String),
    #[error("no mail template called `{0}`")]
    UnknownTemplate(String),
}

pub type Result<T, E = MailError> = std::result::Result<T, E>;
