//! Authenticated encryption (XChaCha20-Poly1305) of records and keys. Every
//! ciphertext is `nonce || sealed`, with a random 24-byte nonce, and is bound
//! to where it lives through associated data, so a ciphertext copied into
//! another row or column fails to open instead of revealing another value.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

const NONCE_LEN: usize = 24;

/// A subject's data key (or the blind-index key), wiped when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    bytes: [u8; 32],
}

impl DataKey {
    pub fn generate() -> Self {
        DataKey {
            bytes: rand::random(),
        }
    }

    pub fn from_slice(slice: &[u8]) -> Option<Self> {
        let bytes: [u8; 32] = slice.try_into().ok()?;
        Some(DataKey { bytes })
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

pub fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let Ok(cipher) = XChaCha20Poly1305::new_from_slice(key) else {
        return Vec::new();
    };
    let nonce_bytes: [u8; NONCE_LEN] = rand::random();
    let nonce = XNonce::from(nonce_bytes);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&sealed);
    out
}

/// `None` when the ciphertext is corrupt, was moved, or the key is wrong.
pub fn open(key: &[u8; 32], ciphertext: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if ciphertext.len() < NONCE_LEN {
        return None;
    }
    let (nonce_bytes, sealed) = ciphertext.split_at(NONCE_LEN);
    let nonce_bytes: [u8; NONCE_LEN] = nonce_bytes.try_into().ok()?;
    let cipher = XChaCha20Poly1305::new_from_slice(key).ok()?;
    cipher
        .decrypt(&XNonce::from(nonce_bytes), Payload { msg: sealed, aad })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_the_same_key_and_place() {
        let key = DataKey::generate();
        let sealed = seal(key.as_bytes(), b"alice@example.com", b"record|1|email");
        assert!(
            !sealed.windows(5).any(|w| w == b"alice"),
            "no plaintext in the ciphertext"
        );
        assert_eq!(
            open(key.as_bytes(), &sealed, b"record|1|email").as_deref(),
            Some(&b"alice@example.com"[..])
        );
        assert_eq!(
            open(key.as_bytes(), &sealed, b"record|2|email"),
            None,
            "moved to another row"
        );
        assert_eq!(
            open(DataKey::generate().as_bytes(), &sealed, b"record|1|email"),
            None,
            "wrong key"
        );
        let mut corrupt = sealed.clone();
        if let Some(last) = corrupt.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            open(key.as_bytes(), &corrupt, b"record|1|email"),
            None,
            "corrupt"
        );
        assert_eq!(open(key.as_bytes(), b"short", b"x"), None);
    }

    #[test]
    fn nonces_differ_every_time() {
        let key = DataKey::generate();
        assert_ne!(
            seal(key.as_bytes(), b"same", b"aad"),
            seal(key.as_bytes(), b"same", b"aad")
        );
    }
}
