//! Shared campaign material, as a site declares it: `[campaign_slot]` says
//! which cookie caps how often a browser sees a campaign and which feeds
//! are imported from other sites; `[campaigns.<id>]` is each campaign.
//!
//! The cookie holds a random anonymous number and nothing else. It sits
//! behind a consent category, so it is set only once the person says yes;
//! without it campaigns rotate with no cookie and no cap. The checks in
//! [`check_campaigns`] refuse a cap with no cookie to keep it, a cookie that
//! is not declared behind consent, and a cap window longer than the
//! retention the policy promises for what the cookie's number is used for.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

use crate::check::{Checker, CookieLifetime, is_identifier};
use crate::forms::parse_day;
use crate::model::SiteConfig;
use crate::period::Period;
use crate::retention::RetentionRule;

pub mod feed;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSlot {
    /// The cookie that holds a browser's anonymous number, declared in
    /// `[[policy.cookies]]` behind a consent category. Absent: campaigns
    /// rotate without a cookie, and none may have a cap.
    #[serde(default)]
    pub cookie: Option<Spanned<String>>,
    /// Publish this site's campaigns at `/campaigns/feed.json` for other
    /// sites running Custodian to import.
    #[serde(default)]
    pub publish_feed: bool,
    /// Feeds imported from other sites.
    #[serde(default)]
    pub import: Vec<Import>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// Another site's `/campaigns/feed.json`.
    pub url: Spanned<String>,
    /// Where on this site its campaigns may appear.
    pub places: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub title: String,
    pub text: String,
    /// Where the campaign leads: a path on this site or an http(s) address.
    pub link: Spanned<String>,
    pub link_text: String,
    /// First and last day shown, "YYYY-MM-DD" (UTC), both included.
    pub starts: Spanned<String>,
    pub ends: Spanned<String>,
    /// The slots it may fill: `/campaigns/slot/<place>`; the home page is
    /// the place `home`.
    pub places: Vec<Spanned<String>>,
    /// "3 times in 7 days": how often one browser may see it, counted only
    /// for browsers whose person accepted the campaign cookie.
    #[serde(default)]
    pub cap: Option<Spanned<String>>,
}

/// At most `times` showings in the last `days` days (today included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap {
    pub times: u32,
    pub days: u32,
}

/// A campaign ready to show, from this site's config or an imported feed;
/// also the shape of one entry in `/campaigns/feed.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedCampaign {
    pub id: String,
    pub title: String,
    pub text: String,
    pub link: String,
    pub link_text: String,
    #[serde(with = "day_text")]
    pub starts: Date,
    #[serde(with = "day_text")]
    pub ends: Date,
    /// Where it may appear on the site showing it. A feed leaves this out:
    /// the importing site decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    #[serde(default)]
    pub cap: Option<Cap>,
}

impl CheckedCampaign {
    pub fn runs_on(&self, day: Date) -> bool {
        self.starts <= day && day <= self.ends
    }
}

/// The campaign cookie as the server sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignCookie {
    pub name: String,
    /// The `[policy.cookie_categories]` question that allows it.
    pub consent_category: String,
    /// Max-Age, from the cookie's declared duration.
    pub max_age_days: u32,
}

#[derive(Debug, Clone, Default)]
pub struct CheckedCampaigns {
    /// This site's own, in the config's order.
    pub campaigns: Vec<CheckedCampaign>,
    pub cookie: Option<CampaignCookie>,
    /// How many days of showings per browser the cap needs: the longest
    /// cap, and at least today (to count reach).
    pub window_days: u32,
    pub publish_feed: bool,
    pub imports: Vec<CheckedImport>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImport {
    pub url: String,
    pub places: Vec<String>,
}

impl CheckedCampaigns {
    /// Whether `place` is a slot any campaign (own or imported) may fill.
    pub fn has_place(&self, place: &str) -> bool {
        self.campaigns
            .iter()
            .flat_map(|c| &c.places)
            .chain(self.imports.iter().flat_map(|i| &i.places))
            .any(|p| p == place)
    }
}

/// The longest cap window a feed's campaign may ask for.
pub const MAX_CAP_DAYS: u32 = 366;

/// Read "3 times in 7 days" (also "once in 2 weeks", "3 in 1 month").
pub fn parse_cap(text: &str) -> Result<Cap, String> {
    let explain = || {
        format!(
            "`{text}` is not a cap: write how many times in how long, e.g. \"3 times in 7 days\""
        )
    };
    let lower = text.trim().to_ascii_lowercase();
    let (count, window) = lower.split_once(" in ").ok_or_else(explain)?;
    let count = count.trim();
    let count = count
        .strip_suffix(" times")
        .or_else(|| count.strip_suffix(" time"))
        .unwrap_or(count)
        .trim();
    let times: u32 = match count {
        "once" => 1,
        "twice" => 2,
        digits => digits.parse().map_err(|_| explain())?,
    };
    if times == 0 {
        return Err(format!(
            "`{text}` would never show the campaign: give a number of times of 1 or more"
        ));
    }
    let period = Period::parse(window.trim()).map_err(|e| format!("`{text}`: {e}"))?;
    let days = period.approx_days();
    if days > MAX_CAP_DAYS {
        return Err(format!(
            "`{text}` is longer than a year: a cap counts showings over at most {MAX_CAP_DAYS} days"
        ));
    }
    Ok(Cap { times, days })
}

/// A link a campaign may carry: a path on this site, or an http(s)
/// address. Never `javascript:` or another scheme.
pub fn is_safe_link(link: &str) -> bool {
    let printable = !link.is_empty() && link.bytes().all(|b| b.is_ascii_graphic());
    let local = link.starts_with('/') && !link.starts_with("//") && !link.contains('\\');
    let web = link.starts_with("https://") || link.starts_with("http://");
    printable && (local || web)
}

pub(crate) fn check_campaigns(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    cookie_lifetimes: &[CookieLifetime],
    retention: &IndexMap<String, RetentionRule>,
) -> CheckedCampaigns {
    let slot = config.campaign_slot.clone().unwrap_or_default();
    let mut checked = CheckedCampaigns {
        publish_feed: slot.publish_feed,
        ..CheckedCampaigns::default()
    };
    let cookie = slot
        .cookie
        .as_ref()
        .and_then(|name| campaign_cookie(c, config, cookie_lifetimes, name));

    for (id, campaign) in &config.campaigns {
        let header = format!("[campaigns.{id}]");
        if !is_identifier(id) {
            c.error(
                c.find(&header),
                format!("campaign id `{id}` is not a plain identifier"),
                "use lower-case letters, digits and '_': it names the campaign in statistics",
            );
        }
        let starts = day(c, &campaign.starts);
        let ends = day(c, &campaign.ends);
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            c.error(
                campaign.ends.span(),
                format!("campaign `{id}` ends before it starts"),
                "`ends` is the last day shown; make it on or after `starts`",
            );
        }
        if !is_safe_link(campaign.link.get_ref()) {
            c.error(
                campaign.link.span(),
                format!("campaign `{id}` has a link that is neither a path on this site nor a web address"),
                "write a path such as \"/forms/contact_us\" or an address starting https://",
            );
        }
        for (text, what) in [
            (&campaign.title, "title"),
            (&campaign.text, "text"),
            (&campaign.link_text, "link_text"),
        ] {
            if text.trim().is_empty() {
                c.error(
                    c.find(&header),
                    format!("campaign `{id}` has an empty {what}"),
                    "every campaign needs a title, text and link text",
                );
            }
        }
        let places = places(c, id, &campaign.places, &header);
        let cap = campaign
            .cap
            .as_ref()
            .and_then(|text| match parse_cap(text.get_ref()) {
                Ok(cap) => Some(cap),
                Err(e) => {
                    c.error(text.span(), e, "write e.g. cap = \"3 times in 7 days\"");
                    None
                }
            });
        if let (Some(text), None) = (&campaign.cap, &slot.cookie) {
            c.error(
                text.span(),
                format!("campaign `{id}` has a cap, but [campaign_slot] names no cookie to count showings with"),
                "add [campaign_slot] cookie = \"<name>\", declared in [[policy.cookies]] behind a consent category, or remove the cap",
            );
        }
        if let (Some(s), Some(e)) = (starts, ends) {
            checked.campaigns.push(CheckedCampaign {
                id: id.clone(),
                title: campaign.title.trim().to_owned(),
                text: campaign.text.trim().to_owned(),
                link: campaign.link.get_ref().clone(),
                link_text: campaign.link_text.trim().to_owned(),
                starts: s,
                ends: e,
                places,
                cap,
            });
        }
    }

    for import in &slot.import {
        let url = import.url.get_ref();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            c.error(
                import.url.span(),
                format!("`{url}` is not a web address"),
                "import another site's feed by its address, e.g. \"https://example.org/campaigns/feed.json\"",
            );
        }
        let places = places(c, url, &import.places, "[[campaign_slot.import]]");
        checked.imports.push(CheckedImport {
            url: url.clone(),
            places,
        });
    }

    let longest = checked
        .campaigns
        .iter()
        .filter_map(|c| c.cap.map(|cap| cap.days))
        .max()
        .unwrap_or(0);
    // Imported campaigns may carry caps too. They are counted over at most
    // this window, which is then at least a week, so that a site need not
    // keep more than its own caps need (and its policy promises).
    let longest = if checked.imports.is_empty() {
        longest
    } else {
        longest.max(7)
    };
    checked.window_days = longest.max(1);
    if let Some(cookie) = &cookie {
        limit_to_retention(c, config, retention, cookie, &slot, checked.window_days);
    }
    checked.cookie = cookie;
    checked
}

fn day(c: &mut Checker<'_>, text: &Spanned<String>) -> Option<Date> {
    match parse_day(text.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            c.error(text.span(), e, "write the date as YYYY-MM-DD");
            None
        }
    }
}

fn places(
    c: &mut Checker<'_>,
    owner: &str,
    places: &[Spanned<String>],
    header: &str,
) -> Vec<String> {
    if places.is_empty() {
        c.error(
            c.find(header),
            format!("`{owner}` names no places to appear"),
            "add places = [\"home\"] (the home page) or the names of slots your pages include",
        );
    }
    for place in places {
        if !is_identifier(place.get_ref()) {
            c.error(
                place.span(),
                format!("`{}` is not a place name", place.get_ref()),
                "use lower-case letters, digits and '_': it is part of the slot's address",
            );
        }
    }
    places.iter().map(|p| p.get_ref().clone()).collect()
}

/// The named cookie must be declared, behind consent, and last a period.
fn campaign_cookie(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    cookie_lifetimes: &[CookieLifetime],
    name: &Spanned<String>,
) -> Option<CampaignCookie> {
    let declared = crate::check::declared_cookie(config, cookie_lifetimes, name.get_ref());
    let Some((cookie, lifetime)) = declared else {
        c.error(
            name.span(),
            format!("the campaign slot sets a cookie named `{}`, but the policy does not declare it", name.get_ref()),
            "add a [[policy.cookies]] entry for it with essential = false and the consent_category that asks for it",
        );
        return None;
    };
    let Some(category) = &cookie.consent_category else {
        c.error(
            cookie.name.span(),
            format!("the campaign cookie `{}` must sit behind a consent question", name.get_ref()),
            "set essential = false and consent_category = \"<id>\": a campaign cookie is never essential",
        );
        return None;
    };
    let CookieLifetime::For(period) = lifetime else {
        c.error(
            cookie.duration.span(),
            format!(
                "the campaign cookie `{}` must outlast the session to cap showings over days",
                name.get_ref()
            ),
            "give it a duration such as \"1 year\"",
        );
        return None;
    };
    Some(CampaignCookie {
        name: name.get_ref().clone(),
        consent_category: category.get_ref().clone(),
        max_age_days: period.approx_days().min(400),
    })
}

/// What the server keeps about a number (which campaigns it saw, on which
/// days) must not outlive what the policy promises for that purpose.
fn limit_to_retention(
    c: &mut Checker<'_>,
    config: &SiteConfig,
    retention: &IndexMap<String, RetentionRule>,
    cookie: &CampaignCookie,
    slot: &CampaignSlot,
    window_days: u32,
) {
    let Some(category) = config
        .policy
        .cookie_categories
        .get(&cookie.consent_category)
    else {
        return;
    };
    let purpose = category.purpose.get_ref();
    let Some(rule) = retention.get(purpose) else {
        return;
    };
    // "Until you withdraw your consent" has no period: withdrawing removes
    // the cookie, and what the number saw can then be linked to nothing.
    let Some(period) = rule.period else {
        return;
    };
    let promised = period.approx_days();
    if window_days > promised {
        let span = slot.cookie.as_ref().map_or(0..0, |s| s.span());
        c.error(
            span,
            format!("caps count showings over {window_days} days, but purpose `{purpose}` keeps what it uses for {promised} days"),
            "shorten the caps, or give the purpose a retention at least as long as the longest cap",
        );
    }
}

mod day_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(day: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!(
            "{:04}-{:02}-{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        ))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        crate::forms::parse_day(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_caps_as_people_write_them() {
        assert_eq!(
            parse_cap("3 times in 7 days"),
            Ok(Cap { times: 3, days: 7 })
        );
        assert_eq!(parse_cap("once in 2 weeks"), Ok(Cap { times: 1, days: 14 }));
        assert_eq!(parse_cap("5 in 1 day"), Ok(Cap { times: 5, days: 1 }));
        assert!(parse_cap("0 times in 7 days").is_err());
        assert!(parse_cap("3 times a week").is_err());
        assert!(parse_cap("3 times in 2 years").is_err());
    }

    #[test]
    fn links_stay_on_the_web() {
        assert!(is_safe_link("/forms/contact_us"));
        assert!(is_safe_link("https://www.nhs.uk/mental-health/"));
        assert!(!is_safe_link("javascript:alert(1)"));
        assert!(!is_safe_link("//evil.example/"));
        assert!(!is_safe_link("https://a.example/ b"));
    }
}
