//! What makes two policies the same version: their content, not their
//! formatting. Comments and whitespace in the TOML do not publish a version.

use sha2::{Digest, Sha256};

use crate::model::Policy;

/// Hex SHA-256 of the policy's canonical JSON (keys in file order).
pub fn content_hash(policy: &Policy) -> String {
    let canonical = serde_json::to_vec(policy).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The policy as JSON, stored with each published version.
pub fn canonical_json(policy: &Policy) -> String {
    serde_json::to_string(policy).unwrap_or_default()
}
