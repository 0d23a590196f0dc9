//! Accounts for the public and the links emailed to them. An account's
//! values (address, user name, password hash) are vault records under
//! `account:<id>`; the `accounts` row holds keyed hashes to find it by and
//! its state, and `account_tokens` only hashes of the links' tokens.

use crate::in_write_tx;
use sqlx::Row;

use super::{PersonalData, RecordRow, SubjectRow};
use crate::{Result, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: String,
    pub subject_id: String,
    pub username_index: Vec<u8>,
    pub email_index: Vec<u8>,
    pub verified_at: Option<i64>,
    pub credential_version: i64,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

/// What following an emailed link found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUse {
    /// Valid, and now used up.
    Fresh(AccountRow),
    Expired(AccountRow),
    Used(AccountRow),
    /// No such link (or its account has gone).
    Unknown,
}

/// A new account: its subject, its records and its first link, written in
/// one transaction.
pub struct AccountInsert<'a> {
    pub subject: &'a SubjectRow,
    pub records: &'a [RecordRow],
    pub account: &'a AccountRow,
    pub token_hash: &'a [u8],
    pub token_expires_at: i64,
}

macro_rules! account_columns {
    () => {
        "id, subject_id, username_index, email_index, verified_at, credential_version, created_at, last_sign_in_at"
    };
}

/// Accounts whose records are all gone (retention or erasure took them).
pub(crate) const DELETE_EMPTY_ACCOUNTS: &str = "DELETE FROM accounts WHERE NOT EXISTS \
     (SELECT 1 FROM records WHERE records.source = 'account:' || accounts.id)";
pub(crate) const DELETE_ACCOUNTS_OF: &str = "DELETE FROM accounts WHERE subject_id = $1";

fn account_from<R: Row>(r: &R) -> Result<AccountRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AccountRow {
        id: r.try_get("id")?,
        subject_id: r.try_get("subject_id")?,
        username_index: r.try_get("username_index")?,
        email_index: r.try_get("email_index")?,
        verified_at: r.try_get("verified_at")?,
        credential_version: r.try_get("credential_version")?,
        created_at: r.try_get("created_at")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

impl PersonalData<'_> {
    /// Create an account with its subject, records and verification link.
    /// False: the user name was taken meanwhile, and nothing was written.
    pub async fn insert_account(&self, new: &AccountInsert<'_>) -> Result<bool> {
        let s = new.subject;
        let a = new.account;
        let inserted = in_write_tx!(self.store, tx => {
            let free = sqlx::query("SELECT 1 FROM accounts WHERE username_index = $1")
                .bind(&a.username_index).fetch_optional(&mut *tx).await?.is_none();
            if free {
                sqlx::query(concat!(
                    "INSERT INTO subjects (", subject_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ))
                .bind(&s.id).bind(&s.email_index).bind(&s.session_index).bind(i64::from(s.verified))
                .bind(&s.wrapped_key).bind(&s.master_key_id).bind(s.created_at)
                .execute(&mut *tx).await?;
                for r in new.records {
                    insert_record!(&mut *tx, r);
                }
                sqlx::query(concat!(
                    "INSERT INTO accounts (", account_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ))
                .bind(&a.id).bind(&a.subject_id).bind(&a.username_index).bind(&a.email_index)
                .bind(a.verified_at).bind(a.credential_version).bind(a.created_at).bind(a.last_sign_in_at)
                .execute(&mut *tx).await?;
                sqlx::query("INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at, used_at) VALUES ($1, $2, 'verify', $3, NULL)")
                    .bind(new.token_hash).bind(&a.id).bind(new.token_expires_at)
                    .execute(&mut *tx).await?;
            }
            free
        });
        Ok(inserted)
    }

    pub async fn account_by_username(&self, index: &[u8]) -> Result<Option<AccountRow>> {
        self.account_by_bytes("username_index = $1", index).await
    }

    /// The verified account with this address, if any.
    pub async fn verified_account_by_email(&self, index: &[u8]) -> Result<Option<AccountRow>> {
        self.account_by_bytes("email_index = $1 AND verified_at IS NOT NULL", index)
            .await
    }

    pub async fn account_by_id(&self, id: &str) -> Result<Option<AccountRow>> {
        self.account_by_text("id = $1", id).await
    }

    async fn account_by_bytes(&self, condition: &str, value: &[u8]) -> Result<Option<AccountRow>> {
        let sql = format!(
            "SELECT {} FROM accounts WHERE {condition}",
            account_columns!()
        );
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(value).fetch_optional(p).await?.as_ref().map(account_from).transpose()?
        });
        Ok(row)
    }

    async fn account_by_text(&self, condition: &str, value: &str) -> Result<Option<AccountRow>> {
        let sql = format!(
            "SELECT {} FROM accounts WHERE {condition}",
            account_columns!()
        );
        let row = with_pool!(&self.store.pool, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(value).fetch_optional(p).await?.as_ref().map(account_from).transpose()?
        });
        Ok(row)
    }

    pub async fn insert_account_token(
        &self,
        token_hash: &[u8],
        account_id: &str,
        purpose: &str,
        expires_at: i64,
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at, used_at) VALUES ($1, $2, $3, $4, NULL)")
                .bind(token_hash).bind(account_id).bind(purpose).bind(expires_at)
                .execute(p).await?;
        });
        Ok(())
    }

    /// Use up a link for `purpose`, if it is valid at `now`. Two requests
    /// with the same link cannot both succeed: only one update finds it
    /// unused.
    pub async fn use_account_token(
        &self,
        token_hash: &[u8],
        purpose: &str,
        now: i64,
    ) -> Result<TokenUse> {
        self.account_token(token_hash, purpose, now, true).await
    }

    /// What [`Self::use_account_token`] would find, leaving the link unused.
    pub async fn peek_account_token(
        &self,
        token_hash: &[u8],
        purpose: &str,
        now: i64,
    ) -> Result<TokenUse> {
        self.account_token(token_hash, purpose, now, false).await
    }

    async fn account_token(
        &self,
        token_hash: &[u8],
        purpose: &str,
        now: i64,
        consume: bool,
    ) -> Result<TokenUse> {
        let found = with_pool!(&self.store.pool, p => {
            sqlx::query("SELECT account_id, expires_at, used_at FROM account_tokens WHERE token_hash = $1 AND purpose = $2")
                .bind(token_hash).bind(purpose).fetch_optional(p).await?
                .map(|r| -> Result<(String, i64, Option<i64>), sqlx::Error> {
                    Ok((r.try_get("account_id")?, r.try_get("expires_at")?, r.try_get("used_at")?))
                })
                .transpose()?
        });
        let Some((account_id, expires_at, used_at)) = found else {
            return Ok(TokenUse::Unknown);
        };
        let Some(account) = self.account_by_id(&account_id).await? else {
            return Ok(TokenUse::Unknown);
        };
        if used_at.is_some() {
            return Ok(TokenUse::Used(account));
        }
        if expires_at <= now {
            return Ok(TokenUse::Expired(account));
        }
        if !consume {
            return Ok(TokenUse::Fresh(account));
        }
        let took = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
                .bind(now).bind(token_hash).execute(p).await?.rows_affected() == 1
        });
        Ok(if took {
            TokenUse::Fresh(account)
        } else {
            TokenUse::Used(account)
        })
    }

    /// Mark an account verified. False: another verified account holds the
    /// address already (the unique index refuses a second).
    pub async fn mark_account_verified(&self, id: &str, now: i64) -> Result<bool> {
        let done = with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE accounts SET verified_at = $1 WHERE id = $2 AND verified_at IS NULL")
                .bind(now).bind(id).execute(p).await.map(|_| ())
        });
        match done {
            Ok(()) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_account_signed_in(&self, id: &str, now: i64) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE accounts SET last_sign_in_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(p).await?;
        });
        Ok(())
    }

    /// A new address or password: raise the credential version, so other
    /// sessions signed in to this account stop counting, and use up every
    /// link still outstanding for it.
    pub async fn account_credentials_changed(
        &self,
        id: &str,
        email_index: Option<&[u8]>,
        now: i64,
    ) -> Result<bool> {
        let changed = in_write_tx!(self.store, tx => {
            let updated = match email_index {
                Some(index) => sqlx::query("UPDATE accounts SET credential_version = credential_version + 1, email_index = $1 WHERE id = $2")
                    .bind(index).bind(id).execute(&mut *tx).await,
                None => sqlx::query("UPDATE accounts SET credential_version = credential_version + 1 WHERE id = $1")
                    .bind(id).execute(&mut *tx).await,
            };
            match updated {
                Ok(_) => {
                    sqlx::query("UPDATE account_tokens SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL")
                        .bind(now).bind(id).execute(&mut *tx).await?;
                    true
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => false,
                Err(e) => return Err(e.into()),
            }
        });
        Ok(changed)
    }

    /// Point a subject at an address it has proved it controls.
    pub async fn set_subject_email_verified(&self, subject_id: &str, index: &[u8]) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE subjects SET email_index = $1, verified = 1 WHERE id = $2")
                .bind(index).bind(subject_id).execute(p).await?;
        });
        Ok(())
    }

    /// Replace one record of a source with a new one (a changed password
    /// or address), in one transaction.
    pub async fn replace_record(
        &self,
        subject_id: &str,
        source: &str,
        field: &str,
        row: &RecordRow,
    ) -> Result<()> {
        in_write_tx!(self.store, tx => {
            sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2 AND field = $3")
                .bind(subject_id).bind(source).bind(field).execute(&mut *tx).await?;
            insert_record!(&mut *tx, row);
        });
        Ok(())
    }

    /// A new password: its record replaced, the account's credentials
    /// version bumped (every other session ends), its outstanding links
    /// used up, and the audit entry, in one transaction.
    pub async fn replace_password(
        &self,
        account_id: &str,
        subject_id: &str,
        row: &RecordRow,
        audit: &crate::audit::Audit<'_>,
    ) -> Result<()> {
        in_write_tx!(self.store, tx, audited(audit) => {
            sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2 AND field = $3")
                .bind(subject_id).bind(&row.source).bind(&row.field).execute(&mut *tx).await?;
            insert_record!(&mut *tx, row);
            sqlx::query("UPDATE accounts SET credential_version = credential_version + 1 WHERE id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE account_tokens SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL")
                .bind(audit.at).bind(account_id).execute(&mut *tx).await?;
            ((), Some(String::new()))
        });
        Ok(())
    }

    /// Set a record's retention afresh (an account's address once it is
    /// confirmed: no longer capped at the link's lifetime).
    pub async fn set_record_retention(
        &self,
        id: &str,
        event_at: Option<i64>,
        delete_after: Option<i64>,
    ) -> Result<()> {
        with_pool!(&self.store.pool, p => {
            sqlx::query("UPDATE records SET event_at = $1, delete_after = $2 WHERE id = $3")
                .bind(event_at).bind(delete_after).bind(id).execute(p).await?;
        });
        Ok(())
    }

    pub async fn delete_records_of_field(
        &self,
        subject_id: &str,
        source: &str,
        field: &str,
    ) -> Result<u64> {
        let n = with_pool!(&self.store.pool, p => {
            sqlx::query("DELETE FROM records WHERE subject_id = $1 AND source = $2 AND field = $3")
                .bind(subject_id).bind(source).bind(field).execute(p).await?.rows_affected()
        });
        Ok(n)
    }
}
