//! GOV.UK Notify, beside SMTP: many public bodies must send through it.
//!
//! Each message is a `POST /v2/notifications/email` with a JSON Web Token
//! (HS256; `iss` the service id, `iat` now) made from the API key, naming
//! one Notify template whose subject is `((subject))` and body `((body))`.
//! The JWT is a few lines of HMAC over base64, so it is built here rather
//! than with a JWT crate that would bring a second cryptography library.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde_json::json;

use crate::transport::SendFailure;
use crate::{MailError, Result};

pub const DEFAULT_BASE_URL: &str = "https://api.notifications.service.gov.uk";

pub struct Notify {
    client: reqwest::Client,
    base_url: String,
    service_id: String,
    secret: String,
    template_id: String,
}

/// What Notify needs of a message.
pub struct NotifyMessage<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Our id for the message, so Notify's records can be matched to ours.
    pub reference: &'a str,
    /// For the one-click unsubscribe header Notify adds to the email.
    pub unsubscribe: Option<&'a str>,
}

impl Notify {
    /// From an API key as Notify issues it: `name-<service id>-<secret>`,
    /// both ids 36 characters long.
    pub fn new(api_key: &str, template_id: &str, base_url: Option<&str>) -> Result<Notify> {
        let key = api_key.trim();
        let bad = || {
            MailError::Config(
                "CUSTODIAN_NOTIFY_API_KEY is not a Notify API key (name-serviceid-secret)".into(),
            )
        };
        if key.len() < 74 || !key.is_char_boundary(key.len() - 73) {
            return Err(bad());
        }
        let tail = &key[key.len() - 73..];
        let (service_id, secret) = (&tail[..36], &tail[37..]);
        if tail.as_bytes()[36] != b'-' {
            return Err(bad());
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| MailError::Config(format!("cannot make the Notify client: {e}")))?;
        Ok(Notify {
            client,
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
            service_id: service_id.to_owned(),
            secret: secret.to_owned(),
            template_id: template_id.to_owned(),
        })
    }

    /// The bearer token for a request made at `now` (unix seconds).
    pub fn token(&self, now: i64) -> String {
        jwt(&self.service_id, &self.secret, now)
    }

    pub async fn send(&self, message: &NotifyMessage<'_>, now: i64) -> Result<(), SendFailure> {
        let mut body = json!({
            "email_address": message.to,
            "template_id": self.template_id,
            "personalisation": { "subject": message.subject, "body": message.body },
            "reference": message.reference,
        });
        if let (Some(url), Some(map)) = (message.unsubscribe, body.as_object_mut()) {
            map.insert("one_click_unsubscribe_url".into(), json!(url));
        }
        let response = self
            .client
            .post(format!("{}/v2/notifications/email", self.base_url))
            .bearer_auth(self.token(now))
            .json(&body)
            .send()
            .await
            .map_err(|e| SendFailure {
                permanent: false,
                reason: format!("Notify did not answer: {}", e.without_url()),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // 400 and 403 will not mend by trying again (a bad address, a wrong
        // key); 429 and 5xx may.
        let permanent = status.is_client_error() && status.as_u16() != 429;
        Err(SendFailure {
            permanent,
            reason: format!("Notify answered {status}"),
        })
    }
}

/// An HS256 JSON Web Token with `iss` and `iat`, as Notify asks.
pub fn jwt(issuer: &str, secret: &str, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({ "iss": issuer, "iat": now }).to_string());
    let signing_input = format!("{header}.{claims}");
    let signature = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "custodian_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";

    #[test]
    fn the_key_splits_into_service_id_and_secret() {
        let Ok(n) = Notify::new(KEY, "f33517ff-2a88-4f6e-b855-c550268ce08a", None) else {
            panic!("a good key")
        };
        assert_eq!(n.service_id, "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(n.secret, "3d844edf-8d35-48ac-975b-e847b4f122b0");
        assert!(Notify::new("short", "x", None).is_err());
    }

    #[test]
    fn the_token_is_hs256_over_iss_and_iat() {
        let token = jwt("service", "secret", 1_700_000_000);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(claims, json!({ "iss": "service", "iat": 1_700_000_000 }));
        // The signature checks with the secret, and not with another.
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(b"secret").unwrap_or_else(|_| panic!());
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(parts[2], expected);
        assert_ne!(jwt("service", "other", 1_700_000_000), token);
    }
}
