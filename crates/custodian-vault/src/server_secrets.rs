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

impl Vault {
    /// The shared secret called `name`: 32 random bytes made by the first
    /// instance to ask. One stored in clear by an earlier version is
    /// sealed in place, keeping its value so links already sent still work.
    pub async fn server_secret(&self, name: &str, now: i64) -> Result<Vec<u8>> {
        let key = self.server_secrets_key.as_bytes();
        let fresh: [u8; 32] = rand::random();
        let sealed = crypto::seal(key, &fresh, &aad(name));
        let stored = self.store.server_secret(name, &sealed, now).await?;
        if !stored.sealed {
            let resealed = crypto::seal(key, &stored.value, &aad(name));
            self.store.seal_server_secret(name, &resealed).await?;
            return Ok(stored.value);
        }
        crypto::open(key, &stored.value, &aad(name)).ok_or_else(|| VaultError::CorruptRecord {
            record_id: format!("the server secret `{name}`"),
        })
    }
}
