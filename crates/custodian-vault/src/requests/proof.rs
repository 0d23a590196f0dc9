//! Proving control of an email address for the "your data" portal, with a
//! one-time code sent to it: no account needed, and nothing said about
//! whether anything is held for the address until the code comes back.
//!
//! A code works once, for fifteen minutes, in the browser session it was
//! asked from, for five tries; an address is sent at most three codes an
//! hour. The code is kept only as a hash. The address itself waits, for an
//! hour at most, as a record of the session's provisional person (like a
//! form draft), so that the portal can write to the person later in the
//! visit without the session holding it.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use custodian_store::personal::SubjectRow;
use custodian_store::personal::requests::IdentityCodeRow;

use crate::blind_index::{email_index, session_index};
use crate::crypto::DataKey;
use crate::error::{Result, VaultError};
use crate::vault::{NewRecord, SubjectRef, Vault, new_id, seal_records};

/// How long a code works.
pub const CODE_SECONDS: i64 = 15 * 60;
/// Tries at one code before another must be asked for.
pub const MAX_TRIES: i64 = 5;
/// How long a code's row is kept (its hashes, and when it was sent): a day.
pub const CODES_KEPT_SECONDS: i64 = 24 * 60 * 60;
/// Codes an address can be sent in an hour.
pub const CODES_PER_HOUR: i64 = 3;
/// How long the address waits with the session: longer than a proven
/// visit lasts, and no longer.
pub const ADDRESS_SECONDS: i64 = 60 * 60;
/// The source the address waits under.
const PROOF_SOURCE: &str = "proof:address";

/// The outcome of asking for a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofStart {
    /// Send `code` to the address; the session keeps `code_id` and
    /// `holder` (who holds the address meanwhile, and is the message's
    /// subject).
    Send {
        code_id: String,
        code: String,
        holder: SubjectRef,
    },
    /// The address has had its codes for this hour.
    TooMany,
}

/// The outcome of entering a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofCheck {
    /// The address is the person's: what is held under it, if anything.
    Proven(Option<SubjectRef>),
    Wrong {
        tries_left: i64,
    },
    Expired,
    /// Too many wrong tries, or the code was used already.
    UsedUp,
}

fn code_hash(code_id: &str, code: &str) -> Vec<u8> {
    Sha256::digest(format!("custodian proof|{code_id}|{}", code.trim()).as_bytes()).to_vec()
}

/// Six digits, evenly drawn.
fn new_code() -> String {
    let n: u32 = rand::random_range(0..1_000_000);
    format!("{n:06}")
}

impl Vault {
    /// Start proving `email` from `session_id`: a code to send, or too many
    /// codes sent already. The address waits with the session.
    pub async fn start_proof(&self, email: &str, session_id: &str, now: i64) -> Result<ProofStart> {
        let rights = self.policy.config.rights.as_ref().ok_or_else(|| {
            VaultError::Undeclared("how requests about data are handled ([rights])".into())
        })?;
        let index = email_index(&self.index_key, email);
        let rows = self.store.personal_data();
        if rows.identity_codes_sent(&index, now - 3600).await? >= CODES_PER_HOUR {
            return Ok(ProofStart::TooMany);
        }
        let holder = self
            .hold_address(
                email.trim(),
                rights.email_category.get_ref(),
                rights.purpose.get_ref(),
                now,
            )
            .await?;
        let code_id = new_id("p");
        let code = new_code();
        rows.insert_identity_code(&IdentityCodeRow {
            id: code_id.clone(),
            email_index: index,
            code_hash: code_hash(&code_id, &code),
            session_hash: session_index(&self.index_key, session_id),
            created_at: now,
            expires_at: now + CODE_SECONDS,
            attempts: 0,
            used_at: None,
        })
        .await?;
        Ok(ProofStart::Send {
            code_id,
            code,
            holder,
        })
    }

    /// Check a code typed in `session_id`. Every try counts before it is
    /// compared.
    pub async fn check_proof(
        &self,
        code_id: &str,
        code: &str,
        session_id: &str,
        now: i64,
    ) -> Result<ProofCheck> {
        let rows = self.store.personal_data();
        let Some(row) = rows.identity_code(code_id).await? else {
            return Ok(ProofCheck::Expired);
        };
        if row.session_hash != session_index(&self.index_key, session_id) {
            return Ok(ProofCheck::UsedUp);
        }
        if row.expires_at <= now {
            return Ok(ProofCheck::Expired);
        }
        let Some(tries) = rows.try_identity_code(code_id).await? else {
            return Ok(ProofCheck::UsedUp);
        };
        if tries > MAX_TRIES {
            return Ok(ProofCheck::UsedUp);
        }
        if !bool::from(row.code_hash.ct_eq(&code_hash(code_id, code))) {
            return Ok(ProofCheck::Wrong {
                tries_left: MAX_TRIES - tries,
            });
        }
        if !rows.use_identity_code(code_id, now).await? {
            return Ok(ProofCheck::UsedUp);
        }
        let held = rows.subject_by_email_index(&row.email_index).await?;
        self.store
            .audit(
                now,
                "portal",
                "proof",
                held.as_ref().map(|s| s.id.as_str()),
                "address proven",
            )
            .await?;
        Ok(ProofCheck::Proven(held.map(|s| SubjectRef { id: s.id })))
    }

    /// A signed-in account's confirmed address is proven already: the
    /// address is held for the visit, as after a code. None for an account
    /// whose address is not confirmed yet.
    pub async fn prove_by_account(
        &self,
        account: &crate::AccountRef,
        now: i64,
    ) -> Result<Option<SubjectRef>> {
        if !account.verified {
            return Ok(None);
        }
        let rights = self.policy.config.rights.as_ref().ok_or_else(|| {
            VaultError::Undeclared("how requests about data are handled ([rights])".into())
        })?;
        let details = self.account_details(account).await?;
        let holder = self
            .hold_address(
                &details.email,
                rights.email_category.get_ref(),
                rights.purpose.get_ref(),
                now,
            )
            .await?;
        self.store
            .audit(
                now,
                "portal",
                "proof",
                Some(&account.subject.id),
                "signed in",
            )
            .await?;
        Ok(Some(holder))
    }

    /// A new person nobody can look up, holding only `email`, for an hour.
    async fn hold_address(
        &self,
        email: &str,
        category: &str,
        purpose: &str,
        now: i64,
    ) -> Result<SubjectRef> {
        let record = NewRecord {
            category,
            purpose,
            source: PROOF_SOURCE,
            field: "email",
            value: email,
        };
        let rule = self.check_declared(&record)?;
        let id = new_id("s");
        let key = DataKey::generate();
        let (wrapped_key, master_key_id) = self.keys.wrap(&key, &id)?;
        let mut rows = seal_records(&key, &id, &[record], &[rule], now);
        let cap = now + ADDRESS_SECONDS;
        for r in &mut rows {
            r.delete_after = Some(r.delete_after.map_or(cap, |d| d.min(cap)));
        }
        let subject = SubjectRow {
            id: id.clone(),
            email_index: None,
            session_index: None,
            verified: false,
            wrapped_key,
            master_key_id,
            created_at: now,
        };
        self.store
            .personal_data()
            .insert_subject_with_records(&subject, &rows)
            .await?;
        Ok(SubjectRef { id })
    }

    /// The address a visit proved (or is proving), while it waits.
    pub async fn proof_address(&self, holder: &SubjectRef) -> Result<Option<String>> {
        match self.values_from(holder, PROOF_SOURCE).await {
            Ok(values) => Ok(values
                .into_iter()
                .find(|(field, _)| field == "email")
                .map(|(_, value)| value)),
            Err(VaultError::NoSuchSubject) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Forget the address a visit proved: the person has finished.
    pub async fn forget_proof(&self, holder: &SubjectRef) -> Result<()> {
        self.forget_source(holder, PROOF_SOURCE).await.map(|_| ())
    }
}
