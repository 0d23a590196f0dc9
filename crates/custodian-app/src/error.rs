//! What can stop a use case: the vault refusing or failing, or the outbox.

use custodian_mail::MailError;
use custodian_store::StoreError;
use custodian_vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    /// A change to a request the vault refused (one opened a moment ago
    /// can always be closed, so this is a fault).
    #[error(transparent)]
    RequestRefused(#[from] custodian_vault::requests::ChangeRefused),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The site sends no mail, or the form keeps no messages, so a case
    /// cannot be passed on by email.
    #[error("mail is not set up")]
    MailNotSetUp,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
