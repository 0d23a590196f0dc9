//! A link that manages one subscription without a password: its id and an
//! HMAC of it under a key every instance shares. It cannot be made for
//! another subscription, and it stops working when the subscription goes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};

pub struct SubscriptionLinks {
    /// Shared by every instance through the store, sealed by the vault.
    key: Vec<u8>,
    /// The site's address, for links in emails: `https://example.org`.
    public_url: String,
}

impl SubscriptionLinks {
    pub fn new(key: Vec<u8>, public_url: &str) -> Self {
        Self {
            key,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// `<subscription>.<signature>`, for a path.
    pub fn signed(&self, subscription: &str) -> String {
        format!("{subscription}.{}", self.signature(subscription))
    }

    /// The subscription a signed link names, if the signature is right (the
    /// comparison takes the same time however much of it matches).
    pub fn verify(&self, link: &str) -> Option<String> {
        let (id, sig) = link.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        self.mac(id)?.verify_slice(&sig).ok()?;
        Some(id.to_owned())
    }

    /// The absolute links every message about `subscription` carries: manage
    /// it, and unsubscribe in one click.
    pub fn manage_and_unsubscribe(&self, subscription: &str) -> (String, String) {
        let token = self.signed(subscription);
        (
            format!("{}/updates/manage/{token}", self.public_url),
            format!("{}/updates/unsubscribe/{token}", self.public_url),
        )
    }

    fn mac(&self, subscription: &str) -> Option<hmac::Hmac<sha2::Sha256>> {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(b"custodian subscription|");
        mac.update(subscription.as_bytes());
        Some(mac)
    }

    fn signature(&self, subscription: &str) -> String {
        self.mac(subscription)
            .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_only_its_own_subscription() {
        let links = SubscriptionLinks::new(vec![7; 32], "https://example.org/");
        let link = links.signed("sub_1");
        assert_eq!(links.verify(&link).as_deref(), Some("sub_1"));
        let forged = link.replacen("sub_1", "sub_2", 1);
        assert_eq!(links.verify(&forged), None);
        let other_key = SubscriptionLinks::new(vec![8; 32], "https://example.org");
        assert_eq!(other_key.verify(&link), None);
        let (manage, unsubscribe) = links.manage_and_unsubscribe("sub_1");
        assert_eq!(manage, format!("https://example.org/updates/manage/{link}"));
        assert_eq!(
            unsubscribe,
            format!("https://example.org/updates/unsubscribe/{link}")
        );
    }
}
