//! Accounts for the public, through the vault: an account's address, user
//! name and password hash are records under `account:<id>`, sealed under the
//! person's key like everything else, and found only by keyed hashes.
//!
//! An account starts unconfirmed, on a subject of its own that nothing can
//! find by address: registering with someone else's address must not join
//! their data. Following the emailed link proves control of the address;
//! only then does the account take the address, and with it whatever else
//! the vault holds under it (earlier form submissions). Until then its
//! records are kept no longer than the link lives.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custodian_policy::accounts::Accounts;
use custodian_policy::retention::Event;
use custodian_store::audit::Audit;
use custodian_store::personal::RecordRow;
use custodian_store::personal::accounts::{AccountInsert, AccountRow, TokenUse};
use custodian_store::personal::record_source::RecordSource;
use sha2::{Digest, Sha256};

use crate::blind_index::{email_index, session_index, username_index};
use crate::error::{Result, VaultError};
use crate::retention::deadline;
use crate::vault::{ErasureReport, NewRecord, SubjectRef, Vault, new_id, seal_records};

/// An account, as the rest of the server refers to it. Holds nothing
/// personal: safe in a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    pub id: String,
    pub subject: SubjectRef,
    /// A session signed in under an older version no longer counts.
    pub credential_version: i64,
    pub verified: bool,
}

/// What someone registering typed, the password already hashed.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Created, unconfirmed: send `token` in a link to the address.
    Created {
        account: AccountRef,
        token: String,
    },
    /// A confirmed account has this address already. The person is told
    /// the same as on success, and the address is told an account exists,
    /// so the page reveals nothing about who has an account.
    AddressHasAccount {
        account: AccountRef,
    },
    UsernameTaken,
}

/// What an account holds, decrypted for the person themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDetails {
    pub email: String,
    pub username: String,
    /// A new address waiting to be confirmed.
    pub new_email: Option<String>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

/// What sign-in checks against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: AccountRef,
    pub password_hash: String,
}

/// The links an account is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Verify,
    Reset,
    ChangeEmail,
}

impl LinkPurpose {
    fn id(self) -> &'static str {
        match self {
            LinkPurpose::Verify => "verify",
            LinkPurpose::Reset => "reset",
            LinkPurpose::ChangeEmail => "change_email",
        }
    }
}

/// What following a link came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    Done(AccountRef),
    Expired(AccountRef),
    Used(AccountRef),
    /// The link was never valid, or its account has gone.
    Unknown,
    /// A confirmed account took the address first.
    AddressTaken(AccountRef),
}

pub fn account_source(account_id: &str) -> String {
    RecordSource::Account(account_id).stored()
}

fn new_token() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// Only this is stored, so a copy of the database cannot follow a link.
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(format!("custodian account link|{token}").as_bytes()).to_vec()
}

fn to_ref(row: &AccountRow) -> AccountRef {
    AccountRef {
        id: row.id.clone(),
        subject: SubjectRef {
            id: row.subject_id.clone(),
        },
        credential_version: row.credential_version,
        verified: row.verified_at.is_some(),
    }
}

impl Vault {
    fn accounts_config(&self) -> Result<&Accounts> {
        self.policy
            .config
            .accounts
            .as_ref()
            .ok_or_else(|| VaultError::Undeclared("accounts ([accounts] in the config)".into()))
    }

    fn account_records<'a>(
        &self,
        config: &'a Accounts,
        source: &'a str,
        values: &[(&'static str, &'a str)],
    ) -> Vec<NewRecord<'a>> {
        values
            .iter()
            .map(|(field, value)| {
                let category = config
                    .fields()
                    .iter()
                    .find(|(f, _)| f == field)
                    .map_or(config.email_category.get_ref().as_str(), |(_, c)| *c);
                NewRecord {
                    category,
                    purpose: config.purpose.get_ref(),
                    source,
                    field,
                    value,
                }
            })
            .collect()
    }

    /// Register an account, unconfirmed, with a link that confirms it
    /// within `link_seconds`. Until then nothing is kept any longer.
    pub async fn register(
        &self,
        new: NewAccount<'_>,
        link_seconds: i64,
        now: i64,
    ) -> Result<Registration> {
        let config = self.accounts_config()?;
        let rows = self.store.personal_data();
        let address = email_index(&self.index_key, new.email);
        if let Some(existing) = rows.verified_account_by_email(&address).await? {
            return Ok(Registration::AddressHasAccount {
                account: to_ref(&existing),
            });
        }
        let name = username_index(&self.index_key, new.username);
        if let Some(holder) = rows.account_by_username(&name).await? {
            // An account never confirmed in time holds its name only until
            // retention removes it; someone registering now need not wait.
            let lapsed = holder.verified_at.is_none()
                && holder.created_at.saturating_add(link_seconds) <= now;
            if !lapsed {
                return Ok(Registration::UsernameTaken);
            }
            self.erase(&to_ref(&holder).subject, "account registration", now)
                .await?;
        }
        let account_id = new_id("a");
        let source = account_source(&account_id);
        let records = self.account_records(
            config,
            &source,
            &[
                ("email", new.email.trim()),
                ("username", new.username.trim()),
                ("password", new.password_hash),
            ],
        );
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let (subject, key) = self.unlinked_subject(now)?;
        let subject_id = subject.id.clone();
        let expires = now.saturating_add(link_seconds);
        let mut sealed = seal_records(&key, &subject_id, &records, &rules, now);
        for r in &mut sealed {
            r.delete_after = Some(r.delete_after.map_or(expires, |d| d.min(expires)));
        }
        let account = AccountRow {
            id: account_id,
            subject_id,
            username_index: name,
            email_index: address,
            verified_at: None,
            credential_version: 1,
            created_at: now,
            last_sign_in_at: None,
        };
        let (token, hash) = new_token();
        let inserted = rows
            .insert_account(&AccountInsert {
                subject: &subject,
                records: &sealed,
                account: &account,
                token_hash: &hash,
                token_expires_at: expires,
            })
            .await?;
        if !inserted {
            return Ok(Registration::UsernameTaken);
        }
        Ok(Registration::Created {
            account: to_ref(&account),
            token,
        })
    }

    /// A new link for an account, valid for `seconds`.
    pub async fn account_link(
        &self,
        account: &AccountRef,
        purpose: LinkPurpose,
        seconds: i64,
        now: i64,
    ) -> Result<String> {
        let (token, hash) = new_token();
        self.store
            .personal_data()
            .insert_account_token(
                &hash,
                &account.id,
                purpose.id(),
                now.saturating_add(seconds),
            )
            .await?;
        Ok(token)
    }

    async fn use_link(&self, token: &str, purpose: LinkPurpose, now: i64) -> Result<TokenUse> {
        if token.len() != 43 {
            return Ok(TokenUse::Unknown);
        }
        Ok(self
            .store
            .personal_data()
            .use_account_token(&token_hash(token), purpose.id(), now)
            .await?)
    }

    /// Whether a link would work now, without using it up (to show the
    /// form it leads to, or explain at once why it will not work).
    pub async fn check_link(
        &self,
        token: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> Result<LinkOutcome> {
        if token.len() != 43 {
            return Ok(LinkOutcome::Unknown);
        }
        let found = self
            .store
            .personal_data()
            .peek_account_token(&token_hash(token), purpose.id(), now)
            .await?;
        Ok(unfinished(found))
    }

    /// Follow a confirmation link: the account takes its address.
    pub async fn verify_account(&self, token: &str, now: i64) -> Result<LinkOutcome> {
        let row = match self.use_link(token, LinkPurpose::Verify, now).await? {
            TokenUse::Fresh(row) => row,
            other => return Ok(unfinished(other)),
        };
        let rows = self.store.personal_data();
        if !rows.mark_account_verified(&row.id, now).await? {
            if let Some(holder) = rows.verified_account_by_email(&row.email_index).await? {
                return Ok(LinkOutcome::AddressTaken(to_ref(&holder)));
            }
            return Ok(LinkOutcome::Unknown);
        }
        self.claim_address(&row.subject_id, &row.email_index, now)
            .await?;
        self.restamp_account(&row.id, now).await?;
        let account = rows
            .account_by_id(&row.id)
            .await?
            .ok_or(VaultError::NoSuchSubject)?;
        self.store
            .audit(
                now,
                &format!("account:{}", row.id),
                "account confirmed",
                Some(&row.subject_id),
                "",
            )
            .await?;
        Ok(LinkOutcome::Done(to_ref(&account)))
    }

    /// The subject proved it controls this address: whatever else the vault
    /// holds under it joins the subject, which becomes the one found by it.
    pub(crate) async fn claim_address(
        &self,
        subject_id: &str,
        address: &[u8],
        now: i64,
    ) -> Result<()> {
        let rows = self.store.personal_data();
        let target = SubjectRef {
            id: subject_id.to_owned(),
        };
        if let Some(holder) = rows.subject_by_email_index(address).await?
            && holder.id != subject_id
        {
            let from = SubjectRef { id: holder.id };
            self.merge(&from, &target, "account", now).await?;
        }
        rows.set_subject_email_verified(subject_id, address).await?;
        Ok(())
    }

    /// An account's records kept as its purpose says, no longer capped at
    /// the confirmation link's life; the confirmation counts as activity.
    async fn restamp_account(&self, account_id: &str, now: i64) -> Result<()> {
        let rows = self.store.personal_data();
        let Some(account) = rows.account_by_id(account_id).await? else {
            return Ok(());
        };
        self.restamp(&account.subject_id, &account_source(account_id), now)
            .await
    }

    /// Give a source's records the deadlines their purposes set, as from
    /// now: what a confirmation does to records held only until it came.
    pub(crate) async fn restamp(&self, subject_id: &str, source: &str, now: i64) -> Result<()> {
        let rows = self.store.personal_data();
        for record in rows.records_from(subject_id, source).await? {
            let Some(rule) = self.policy.retention.get(&record.purpose).copied() else {
                continue;
            };
            let event_at = (rule.after == Event::LastActivity).then_some(now);
            rows.set_record_retention(
                &record.id,
                event_at,
                deadline(rule, record.collected_at, event_at),
            )
            .await?;
        }
        Ok(())
    }

    /// The account someone signs in to, by user name or address, and the
    /// password hash to check.
    pub async fn credentials(&self, login: &str) -> Result<Option<Credentials>> {
        let rows = self.store.personal_data();
        let account = if login.contains('@') {
            rows.verified_account_by_email(&email_index(&self.index_key, login))
                .await?
        } else {
            rows.account_by_username(&username_index(&self.index_key, login))
                .await?
        };
        let Some(account) = account else {
            return Ok(None);
        };
        let values = self.account_values(&account).await?;
        let Some(hash) = value_of(&values, "password") else {
            return Ok(None);
        };
        Ok(Some(Credentials {
            account: to_ref(&account),
            password_hash: hash,
        }))
    }

    async fn account_values(&self, account: &AccountRow) -> Result<Vec<(String, String)>> {
        let rows = self.store.personal_data();
        let Some(subject) = rows.subject_by_id(&account.subject_id).await? else {
            return Ok(Vec::new());
        };
        let records = rows
            .records_from(&subject.id, &account_source(&account.id))
            .await?;
        self.open_records(&subject, records)
    }

    /// The account as it is now, if it still exists.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRef>> {
        Ok(self
            .store
            .personal_data()
            .account_by_id(id)
            .await?
            .as_ref()
            .map(to_ref))
    }

    /// The confirmed account with this address, for a password reset.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRef>> {
        Ok(self
            .store
            .personal_data()
            .verified_account_by_email(&email_index(&self.index_key, email))
            .await?
            .as_ref()
            .map(to_ref))
    }

    /// What the account holds, for the person's own account page.
    pub async fn account_details(&self, account: &AccountRef) -> Result<AccountDetails> {
        let row = self
            .store
            .personal_data()
            .account_by_id(&account.id)
            .await?
            .ok_or(VaultError::NoSuchSubject)?;
        let values = self.account_values(&row).await?;
        Ok(AccountDetails {
            email: value_of(&values, "email").unwrap_or_default(),
            username: value_of(&values, "username").unwrap_or_default(),
            new_email: value_of(&values, "new_email"),
            created_at: row.created_at,
            last_sign_in_at: row.last_sign_in_at,
        })
    }

    /// A successful sign-in: remembered, and counted as activity for a
    /// purpose kept "2 years after your last sign-in". What the person did
    /// before signing in on this browser (a form draft held against the
    /// anonymous session) moves into their account.
    pub async fn signed_in(
        &self,
        account: &AccountRef,
        session_id: Option<&str>,
        now: i64,
    ) -> Result<usize> {
        let rows = self.store.personal_data();
        rows.set_account_signed_in(&account.id, now).await?;
        self.event_happened(&account_source(&account.id), Event::LastActivity, now)
            .await?;
        let mut moved = 0;
        if let Some(session_id) = session_id
            && let Some(provisional) = rows
                .subject_by_session_index(&session_index(&self.index_key, session_id))
                .await?
        {
            let from = SubjectRef { id: provisional.id };
            moved = self
                .merge(
                    &from,
                    &account.subject,
                    &format!("account:{}", account.id),
                    now,
                )
                .await?;
        }
        Ok(moved)
    }

    /// A new password hash, replacing the old; every other session and
    /// every outstanding link of the account stops working.
    pub async fn set_password(&self, account: &AccountRef, hash: &str, now: i64) -> Result<()> {
        let Some((subject_id, row)) = self
            .sealed_account_value(account, "password", hash, now)
            .await?
        else {
            return Ok(());
        };
        let actor = format!("account:{}", account.id);
        let audit = Audit {
            at: now,
            actor: &actor,
            action: "password changed",
            subject: Some(&subject_id),
        };
        self.store
            .personal_data()
            .replace_password(&account.id, &subject_id, &row, &audit)
            .await?;
        Ok(())
    }

    async fn replace_account_value(
        &self,
        account: &AccountRef,
        field: &'static str,
        value: &str,
        now: i64,
    ) -> Result<()> {
        if let Some((subject_id, row)) = self
            .sealed_account_value(account, field, value, now)
            .await?
        {
            self.store
                .personal_data()
                .replace_record(&subject_id, &row.source, field, &row)
                .await?;
        }
        Ok(())
    }

    /// One of the account's values sealed under its person's key, ready to
    /// replace the one held: (the subject's id, the record).
    async fn sealed_account_value(
        &self,
        account: &AccountRef,
        field: &'static str,
        value: &str,
        now: i64,
    ) -> Result<Option<(String, RecordRow)>> {
        let config = self.accounts_config()?;
        let source = account_source(&account.id);
        let records = self.account_records(config, &source, &[(field, value)]);
        let rules = records
            .iter()
            .map(|r| self.check_declared(r))
            .collect::<Result<Vec<_>>>()?;
        let subject = self.subject_row(&account.subject).await?;
        let key = self.subject_key(&subject).await?;
        let mut sealed = seal_records(&key, &subject.id, &records, &rules, now);
        let Some(mut row) = sealed.pop() else {
            return Ok(None);
        };
        if let Some(rule) = rules.first()
            && rule.after == Event::LastActivity
        {
            row.event_at = Some(now);
            row.delete_after = deadline(*rule, now, Some(now));
        }
        Ok(Some((subject.id, row)))
    }

    /// Ask to change the account's address: the new one is held beside the
    /// old until the link sent to it is followed. `None`: a confirmed
    /// account has that address already.
    pub async fn request_email_change(
        &self,
        account: &AccountRef,
        new_email: &str,
        link_seconds: i64,
        now: i64,
    ) -> Result<Option<String>> {
        let index = email_index(&self.index_key, new_email);
        if self
            .store
            .personal_data()
            .verified_account_by_email(&index)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        self.replace_account_value(account, "new_email", new_email.trim(), now)
            .await?;
        self.account_link(account, LinkPurpose::ChangeEmail, link_seconds, now)
            .await
            .map(Some)
    }

    /// Follow the link sent to a new address: it becomes the account's.
    /// Returns the old address too, so that it can be told.
    pub async fn confirm_email_change(
        &self,
        token: &str,
        now: i64,
    ) -> Result<(LinkOutcome, Option<String>)> {
        let row = match self.use_link(token, LinkPurpose::ChangeEmail, now).await? {
            TokenUse::Fresh(row) => row,
            other => return Ok((unfinished(other), None)),
        };
        let values = self.account_values(&row).await?;
        let (Some(new_email), old) = (value_of(&values, "new_email"), value_of(&values, "email"))
        else {
            return Ok((LinkOutcome::Unknown, None));
        };
        let index = email_index(&self.index_key, &new_email);
        let rows = self.store.personal_data();
        if !rows
            .account_credentials_changed(&row.id, Some(&index), now)
            .await?
        {
            let holder = rows.verified_account_by_email(&index).await?;
            return Ok((
                holder.map_or(LinkOutcome::Unknown, |h| {
                    LinkOutcome::AddressTaken(to_ref(&h))
                }),
                None,
            ));
        }
        let account = to_ref(&row);
        self.replace_account_value(&account, "email", &new_email, now)
            .await?;
        rows.delete_records_of_field(&row.subject_id, &account_source(&row.id), "new_email")
            .await?;
        self.claim_address(&row.subject_id, &index, now).await?;
        self.store
            .audit(
                now,
                &format!("account:{}", row.id),
                "address changed",
                Some(&row.subject_id),
                "",
            )
            .await?;
        let current = rows
            .account_by_id(&row.id)
            .await?
            .ok_or(VaultError::NoSuchSubject)?;
        Ok((LinkOutcome::Done(to_ref(&current)), old))
    }

    /// Follow a password-reset link. The caller then sets the password.
    pub async fn use_reset_link(&self, token: &str, now: i64) -> Result<LinkOutcome> {
        Ok(match self.use_link(token, LinkPurpose::Reset, now).await? {
            TokenUse::Fresh(row) => LinkOutcome::Done(to_ref(&row)),
            other => unfinished(other),
        })
    }

    /// Close an account at the person's request: everything held about
    /// them is erased as any erasure is (what the policy must keep stays,
    /// under a new key), and the account with it.
    pub async fn delete_account(&self, account: &AccountRef, now: i64) -> Result<ErasureReport> {
        self.event_happened(&account_source(&account.id), Event::AccountClosed, now)
            .await?;
        self.erase(&account.subject, &format!("account:{}", account.id), now)
            .await
    }
}

fn value_of(values: &[(String, String)], field: &str) -> Option<String> {
    values
        .iter()
        .rev()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.clone())
}

fn unfinished(found: TokenUse) -> LinkOutcome {
    match found {
        TokenUse::Fresh(row) => LinkOutcome::Done(to_ref(&row)),
        TokenUse::Expired(row) => LinkOutcome::Expired(to_ref(&row)),
        TokenUse::Used(row) => LinkOutcome::Used(to_ref(&row)),
        TokenUse::Unknown => LinkOutcome::Unknown,
    }
}
