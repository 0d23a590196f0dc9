//! What makes two notices the same version: their content, not their
//! formatting. Comments and whitespace in the TOML do not publish a version;
//! a change to the policy, or to the words Custodian renders it with (after
//! an upgrade, say), does.

use sha2::{Digest, Sha256};

use crate::model::Policy;

/// Hex SHA-256 of the policy's canonical JSON (keys in file order) and the
/// notice text rendered from it.
pub fn content_hash(policy: &Policy, notice_markdown: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(policy).unwrap_or_default());
    hasher.update([0u8]);
    hasher.update(notice_markdown.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A short fingerprint of what a person agrees to when they say yes to a
/// cookie category: the category, the purpose it serves and every cookie in
/// it. Consent is specific, so when any of these changes the answer no
/// longer counts and the banner asks again.
pub fn consent_fingerprint(policy: &Policy, category_id: &str) -> String {
    let category = policy.cookie_categories.get(category_id);
    let purpose = category.and_then(|c| policy.purposes.get(c.purpose.get_ref()));
    let cookies: Vec<_> = policy
        .cookies
        .iter()
        .filter(|k| {
            k.consent_category
                .as_ref()
                .is_some_and(|c| c.get_ref() == category_id)
        })
        .collect();
    let canonical = serde_json::to_vec(&(category, purpose, cookies)).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The policy as JSON, stored with each published version.
pub fn canonical_json(policy: &Policy) -> String {
    serde_json::to_string(policy).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendered_words_are_part_of_the_version() {
        let source = include_str!("../../custodian/tests/it/fixtures/site.toml");
        let config = crate::model::parse("site.toml", source).map_err(|e| e.to_string());
        let policy = config.map(|c| c.policy);
        let a = policy.as_ref().map(|p| content_hash(p, "notice text"));
        let b = policy
            .as_ref()
            .map(|p| content_hash(p, "notice text, reworded"));
        assert!(a.is_ok());
        assert_ne!(a, b, "new wording for the same policy is a new version");
    }
}
