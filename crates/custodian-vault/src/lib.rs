//! The vault: the one door for personal data.
//!
//! Every personal value is written, read, exported and erased here. Each
//! person (a *subject*) has their own data key; every value is sealed under
//! it and bound to its row and field. Subject keys are stored only wrapped
//! under a master key ([`keys`]), so destroying a subject's key makes every
//! copy of their data in the database unreadable (and, once the master key
//! of an older backup is retired, in that backup too). Each record is stamped
//! from the policy with its category, purpose, source and a deletion
//! deadline, and the vault refuses anything the policy does not declare.

pub mod accounts;
mod blind_index;
pub mod cases;
pub mod consents;
mod crypto;
pub mod disclosures;
mod error;
pub mod export;
pub mod guardians;
pub mod keys;
pub mod requests;
mod retention;
mod rotate;
pub mod sent_drafts;
pub mod server_secrets;
pub mod subscriptions;
mod vault;

pub use accounts::{
    AccountDetails, AccountRef, LinkOutcome, LinkPurpose, NewAccount, Registration,
};
pub use cases::{Answer, CaseChange, CaseConsent, CaseRef, DraftOwner, Hold, NewCase, OpenedCase};
pub use error::{Result, VaultError};
pub use export::{Export, ExportItem};
pub use guardians::{Deciding, GuardianDecision, HeldForm};
pub use keys::{LocalKeys, MasterKey, MasterKeys, load as load_keys};
pub use retention::{DueRecord, RetentionRun};
pub use rotate::RotationReport;
pub use sent_drafts::{Asked, DraftToSend, SentDraft};
pub use subscriptions::{
    Confirmation, NewSubscriber, Recipient, Subscribed, Subscription, SubscriptionDecision,
};
pub use vault::{ErasureReport, KeptItem, NewRecord, SubjectRef, Vault, erased_subjects};
