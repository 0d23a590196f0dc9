//! `/campaigns/feed.json`: a site's campaigns as other sites import them.
//!
//! A feed comes from another server, so it is read as untrusted input:
//! every entry is checked as a config's campaign would be, links are made
//! absolute against the feed's own address (so a path leads to the site
//! that made the campaign), and an entry that fails is left out and
//! counted rather than failing the whole feed.

use serde::{Deserialize, Serialize};

use super::{CheckedCampaign, MAX_CAP_DAYS, is_safe_link};
use crate::check::is_identifier;

/// The feed document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feed {
    /// The publishing site's name.
    pub site: String,
    pub campaigns: Vec<serde_json::Value>,
}

/// What reading a feed gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadFeed {
    pub site: String,
    pub campaigns: Vec<CheckedCampaign>,
    /// Entries left out, each with the reason.
    pub refused: Vec<String>,
}

/// Longest title and text a feed may carry: campaign material, not pages.
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 2_000;
/// A feed larger than this is refused before it is parsed.
pub const MAX_FEED_BYTES: usize = 256 * 1024;

/// The feed `site` publishes: its campaigns that have not yet ended.
pub fn write(site: &str, campaigns: &[CheckedCampaign], today: time::Date) -> String {
    let entries: Vec<serde_json::Value> = campaigns
        .iter()
        .filter(|c| c.ends >= today)
        .filter_map(|c| {
            let shared = CheckedCampaign {
                places: Vec::new(),
                ..c.clone()
            };
            serde_json::to_value(shared).ok()
        })
        .collect();
    serde_json::to_string_pretty(&Feed {
        site: site.to_owned(),
        campaigns: entries,
    })
    .unwrap_or_default()
}

/// Read a feed fetched from `url`, placing its campaigns in `places`.
/// Campaign ids are prefixed with the feed's host so that they never mix
/// with this site's own in the statistics.
pub fn read(url: &str, body: &str, places: &[String]) -> Result<ReadFeed, String> {
    if body.len() > MAX_FEED_BYTES {
        return Err(format!(
            "the feed is {} bytes, more than the {MAX_FEED_BYTES} a feed may be",
            body.len()
        ));
    }
    let feed: Feed =
        serde_json::from_str(body).map_err(|e| format!("the feed is not a campaign feed: {e}"))?;
    let origin = origin(url).ok_or_else(|| format!("`{url}` is not a web address"))?;
    let host = origin.split("://").nth(1).unwrap_or(origin);
    let mut read = ReadFeed {
        site: feed.site.chars().take(MAX_TITLE).collect(),
        ..ReadFeed::default()
    };
    for (n, entry) in feed.campaigns.into_iter().enumerate() {
        match entry_of(entry, origin, host, places) {
            Ok(c) => read.campaigns.push(c),
            Err(reason) => read.refused.push(format!("entry {}: {reason}", n + 1)),
        }
    }
    Ok(read)
}

fn entry_of(
    entry: serde_json::Value,
    origin: &str,
    host: &str,
    places: &[String],
) -> Result<CheckedCampaign, String> {
    let mut c: CheckedCampaign =
        serde_json::from_value(entry).map_err(|e| format!("not a campaign: {e}"))?;
    if !is_identifier(&c.id) {
        return Err(format!("`{}` is not a campaign id", c.id));
    }
    for (text, what, max) in [
        (&c.title, "title", MAX_TITLE),
        (&c.text, "text", MAX_TEXT),
        (&c.link_text, "link text", MAX_TITLE),
    ] {
        if text.trim().is_empty() || text.chars().count() > max {
            return Err(format!(
                "its {what} is empty or longer than {max} characters"
            ));
        }
    }
    if !is_safe_link(&c.link) {
        return Err("its link is neither a path nor a web address".to_owned());
    }
    if c.link.starts_with('/') {
        c.link = format!("{origin}{}", c.link);
    }
    if c.ends < c.starts {
        return Err("it ends before it starts".to_owned());
    }
    if let Some(cap) = c.cap
        && (cap.times == 0 || cap.days == 0 || cap.days > MAX_CAP_DAYS)
    {
        return Err("its cap is not a number of times in 1 to 366 days".to_owned());
    }
    c.id = format!("{host}:{}", c.id);
    c.places = places.to_vec();
    Ok(c)
}

/// "https://example.org" from "https://example.org/campaigns/feed.json".
fn origin(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find('/').unwrap_or(rest.len());
    if host_len == 0 {
        return None;
    }
    Some(&url[..url.len() - rest.len() + host_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(id: &str, link: &str) -> CheckedCampaign {
        CheckedCampaign {
            id: id.to_owned(),
            title: "Exams".to_owned(),
            text: "Help with exam stress".to_owned(),
            link: link.to_owned(),
            link_text: "Find out more".to_owned(),
            starts: time::macros::date!(2026 - 11 - 01),
            ends: time::macros::date!(2026 - 12 - 31),
            places: vec!["home".to_owned()],
            cap: Some(super::super::Cap { times: 3, days: 7 }),
        }
    }

    #[test]
    fn a_feed_round_trips_with_links_made_absolute_and_ids_prefixed() {
        let body = write(
            "Site A",
            &[campaign("exams", "/advice/exams")],
            time::macros::date!(2026 - 12 - 01),
        );
        let read = read(
            "https://a.example/campaigns/feed.json",
            &body,
            &["side".to_owned()],
        )
        .unwrap_or_default();
        assert_eq!(read.site, "Site A");
        assert_eq!(read.refused, Vec::<String>::new());
        assert_eq!(read.campaigns.len(), 1);
        assert_eq!(read.campaigns[0].id, "a.example:exams");
        assert_eq!(read.campaigns[0].link, "https://a.example/advice/exams");
        assert_eq!(read.campaigns[0].places, vec!["side".to_owned()]);
    }

    #[test]
    fn bad_entries_are_left_out_and_bad_feeds_refused() {
        let body = r#"{"site":"B","campaigns":[
            {"id":"ok","title":"T","text":"X","link":"https://b.example/","link_text":"L","starts":"2026-01-01","ends":"2026-02-01"},
            {"id":"evil","title":"T","text":"X","link":"javascript:alert(1)","link_text":"L","starts":"2026-01-01","ends":"2026-02-01"},
            {"id":"Bad Id","title":"T","text":"X","link":"/","link_text":"L","starts":"2026-01-01","ends":"2026-02-01"},
            {"id":"late","title":"T","text":"X","link":"/","link_text":"L","starts":"2026-03-01","ends":"2026-02-01"},
            "not even an object"
        ]}"#;
        let read = read("https://b.example/campaigns/feed.json", body, &[]).unwrap_or_default();
        assert_eq!(read.campaigns.len(), 1);
        assert_eq!(read.refused.len(), 4);
        assert!(super::read("https://b.example/f", "<html>", &[]).is_err());
        assert!(super::read("ftp://b.example/f", body, &[]).is_err());
    }
}
