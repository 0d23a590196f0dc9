//! Campaigns from other sites: reading every feed the config imports (the
//! `campaign feeds` job, and `custodian campaigns fetch`), and forgetting
//! who saw what once no frequency cap needs it.

use std::time::Duration;

use custodian_policy::CheckedConfig;
use custodian_policy::campaigns::feed::{self, MAX_FEED_BYTES};
use custodian_store::Store;

/// What fetching one feed gave.
pub struct Fetched {
    pub url: String,
    pub outcome: Result<(usize, Vec<String>), String>,
}

/// Fetch each imported feed and keep it if it reads as a feed. A feed that
/// fails keeps its last good copy.
pub async fn fetch_all(checked: &CheckedConfig, store: &Store, now: i64) -> Vec<Fetched> {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no HTTP client for campaign feeds");
            return Vec::new();
        }
    };
    let mut results = Vec::new();
    for import in &checked.campaigns.imports {
        let outcome = fetch_one(&client, &import.url, &import.places).await;
        let outcome = match outcome {
            Ok((body, read)) => match store.save_campaign_feed(&import.url, &body, now).await {
                Ok(()) => Ok((read.campaigns.len(), read.refused)),
                Err(e) => Err(format!("could not be kept: {e}")),
            },
            Err(e) => Err(e),
        };
        results.push(Fetched {
            url: import.url.clone(),
            outcome,
        });
    }
    results
}

async fn fetch_one(
    client: &reqwest::Client,
    url: &str,
    places: &[String],
) -> Result<(String, feed::ReadFeed), String> {
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("could not be fetched: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("broke off: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_FEED_BYTES {
            return Err(format!("is larger than {MAX_FEED_BYTES} bytes"));
        }
    }
    let body = String::from_utf8(body).map_err(|_| "is not UTF-8 text".to_owned())?;
    let read = feed::read(url, &body, places)?;
    Ok((body, read))
}

/// Log what a job's fetch gave.
pub fn log(results: &[Fetched]) {
    for r in results {
        match &r.outcome {
            Ok((n, refused)) => tracing::info!(
                feed = %r.url,
                campaigns = n,
                refused = refused.len(),
                "campaign feed read"
            ),
            Err(e) => tracing::warn!(feed = %r.url, error = %e, "campaign feed kept its last copy"),
        }
    }
}

/// Forget which browsers saw which campaigns once no cap looks that far
/// back: the daily totals stay.
pub async fn forget_views(checked: &CheckedConfig, store: &Store, now: i64) {
    let today = now.div_euclid(86_400);
    let window = i64::from(checked.campaigns.window_days);
    match store.forget_campaign_views(today - window + 1).await {
        Ok(n) if n > 0 => {
            tracing::info!(removed = n, "campaign showings no cap needs were forgotten")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not forget old campaign showings"),
    }
}
