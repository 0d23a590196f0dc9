//! The secrets every instance shares (link signing, CSRF, session ids,
//! rate-limit and campaign keys), sealed under a vault key that is itself
//! wrapped by the master key: a copy of the database without the key file
//! cannot forge a manage or unsubscribe link, a CSRF token or a session.
//! Rotation re-wraps the vault key, so the secrets, and every link already
//! sent, stay valid.

use crate::crypto;
use crate::{Result, Vault, VaultError};

fn aad(name: &str) -> Vec<u8> {
    format!("server secret|{name}").into_bytes()
}

/// What becomes of a secret an earlier version stored in clear, which any
/// backup from before the upgrade still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// Sealed with its value kept: links already emailed (manage,
    /// unsubscribe) must go on working.
    Keep,
    /// Replaced by a fresh one: nothing outlives it but a form token or a
    /// rate-limit count, and the old one is no longer secret.
    Replace,
}

impl Vault {
    /// The shared secret called `name`: 32 random bytes made by the first
    /// instance to ask, sealed before it is stored.
    pub async fn server_secret(&self, name: &str, legacy: Legacy, now: i64) -> Result<Vec<u8>> {
        let key = self.server_secrets_key.as_bytes();
        let fresh: [u8; 32] = rand::random();
        let sealed = crypto::seal(key, &fresh, &aad(name));
        let mut stored = self.store.server_secret(name, &sealed, now).await?;
        if !stored.sealed {
            let value = match legacy {
                Legacy::Keep => stored.value.clone(),
                Legacy::Replace => fresh.to_vec(),
            };
            let resealed = crypto::seal(key, &value, &aad(name));
            // Only a row still in clear changes; instances starting
            // together then read back whichever sealing won.
            self.store.seal_server_secret(name, &resealed).await?;
            stored = self.store.server_secret(name, &sealed, now).await?;
        }
        crypto::open(key, &stored.value, &aad(name)).ok_or_else(|| VaultError::CorruptRecord {
            record_id: format!("the server secret `{name}`"),
        })
    }
}
