//! Counting a log into the aggregates the statistics keep, and nothing
//! else: pageviews per hour and path; per day, estimated unique visitors,
//! referrer domains, browsers, operating systems, devices, statuses, pages
//! not found and bots by family.
//!
//! A visitor is a keyed hash of the client address and user agent under a
//! salt made at random for each day when the first line of that day is
//! read. The salt and the hashes live only in this process's memory and go
//! with the [`Tally`]: only the count of distinct hashes leaves it.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};

/// The maps a day counts into: foldhash, seeded at random, several times
/// faster than SipHash on paths and hashes. The visitor key itself is
/// SipHash under the day's secret salt.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use crate::agent::{Agent, Agents, BotKind};
use crate::line::{Hit, Malformed};
use crate::sketch::Sketch;

/// What counts as a pageview.
#[derive(Debug, Clone)]
pub struct Options {
    /// Count bots as visitors and their requests as pageviews.
    pub include_bots: bool,
    /// Count requests for static assets as pageviews.
    pub include_assets: bool,
    /// File endings that mark a static asset (lower case, without the dot).
    pub asset_extensions: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            include_bots: false,
            include_assets: false,
            asset_extensions: [
                "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp",
                "avif", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "txt", "xml",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// One day's aggregates. Days are UTC: `day` is days since 1970-01-01.
#[derive(Debug, Default)]
pub struct DayTally {
    pub requests: u64,
    /// Pageviews by path, for each hour of the day (UTC).
    pub pageviews: HashMap<String, [u64; 24]>,
    pub visitors: u64,
    pub referrers: HashMap<String, u64>,
    pub browsers: HashMap<String, u64>,
    pub systems: HashMap<String, u64>,
    pub devices: HashMap<&'static str, u64>,
    pub statuses: HashMap<u16, u64>,
    pub not_found: HashMap<String, u64>,
    /// Bot requests by (family, kind).
    pub bots: HashMap<(&'static str, BotKind), u64>,
    /// Visitors as GoAccess counts them: one per address, day and user
    /// agent, bots and assets included, responses 400 to 499 left out.
    pub goaccess_visitors: u64,
    /// Lines GoAccess fails that Custodian reads: a host name, not an
    /// address, in the client field.
    pub goaccess_invalid: u64,
    /// Sketches of the same two sets, which later runs can merge with.
    pub sketch: Sketch,
    pub goaccess_sketch: Sketch,
    seen: HashSet<u64>,
    goaccess_seen: HashSet<u64>,
    /// This day's salt: random, in memory only, gone with the tally.
    salt: RandomState,
}

impl DayTally {
    /// The counts since the last take, leaving this day's salt, the keys
    /// seen and the sketches in place: a follower that saves every few
    /// seconds counts each visitor of the day once, and the cumulative
    /// sketch merges into the stored one without counting anyone twice.
    pub fn take_counts(&mut self) -> DayTally {
        DayTally {
            requests: std::mem::take(&mut self.requests),
            pageviews: std::mem::take(&mut self.pageviews),
            visitors: std::mem::take(&mut self.visitors),
            referrers: std::mem::take(&mut self.referrers),
            browsers: std::mem::take(&mut self.browsers),
            systems: std::mem::take(&mut self.systems),
            devices: std::mem::take(&mut self.devices),
            statuses: std::mem::take(&mut self.statuses),
            not_found: std::mem::take(&mut self.not_found),
            bots: std::mem::take(&mut self.bots),
            goaccess_visitors: std::mem::take(&mut self.goaccess_visitors),
            goaccess_invalid: std::mem::take(&mut self.goaccess_invalid),
            sketch: self.sketch.clone(),
            goaccess_sketch: self.goaccess_sketch.clone(),
            ..DayTally::default()
        }
    }
}

impl Tally {
    /// Everything counted since the last take (see [`DayTally::take_counts`]);
    /// the line and malformed counts start again.
    pub fn take(&mut self) -> Tally {
        let days = self
            .days
            .iter_mut()
            .map(|(d, t)| (*d, t.take_counts()))
            .filter(|(_, t)| t.requests > 0)
            .collect();
        Tally {
            options: self.options.clone(),
            days,
            lines: std::mem::take(&mut self.lines),
            malformed: std::mem::take(&mut self.malformed),
            ..Tally::default()
        }
    }
}

impl Tally {
    /// Destroy the salts and keys of days more than `keep` days before the
    /// newest day seen: their lines have stopped coming, so what could
    /// tell their visitors apart goes.
    pub fn forget_old_days(&mut self, keep: i64) {
        if let Some(newest) = self.days.keys().next_back().copied() {
            self.days.retain(|day, _| *day >= newest - keep);
        }
    }
}

/// The first line of each kind of problem, to show in the report.
#[derive(Debug, Clone)]
pub struct Example {
    pub count: u64,
    pub line_number: u64,
    pub message: String,
    /// The line itself, at most 200 characters.
    pub line: String,
}

/// Everything counted from one run over some logs.
#[derive(Debug)]
pub struct Tally {
    pub options: Options,
    pub days: BTreeMap<i64, DayTally>,
    pub lines: u64,
    pub malformed: BTreeMap<&'static str, Example>,
    agents: Agents,
    /// What a line from a layout without user agents is: a person whose
    /// browser is unknown.
    unknown: Agent,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            options: Options::default(),
            days: BTreeMap::new(),
            lines: 0,
            malformed: BTreeMap::new(),
            agents: Agents::new(),
            unknown: Agent::Person {
                browser: "Unknown".into(),
                os: "Unknown".into(),
                device: crate::agent::Device::Other,
            },
        }
    }
}

impl Tally {
    pub fn new(options: Options) -> Tally {
        Tally {
            options,
            ..Tally::default()
        }
    }

    pub fn malformed_count(&self) -> u64 {
        self.malformed.values().map(|e| e.count).sum()
    }

    /// A line that could not be read: counted, and the first of its kind kept.
    pub fn reject(&mut self, line_number: u64, raw: &[u8], why: &Malformed) {
        self.lines += 1;
        self.malformed
            .entry(why.kind())
            .and_modify(|e| e.count += 1)
            .or_insert_with(|| Example {
                count: 1,
                line_number,
                message: why.to_string(),
                line: String::from_utf8_lossy(raw).chars().take(200).collect(),
            });
    }

    /// A line that was read.
    pub fn count(&mut self, hit: &Hit<'_>) {
        self.lines += 1;
        let day_number = hit.at.div_euclid(86_400);
        let hour = usize::try_from(hit.at.rem_euclid(86_400) / 3600).unwrap_or(0) % 24;
        // Disjoint fields: the classifier's answer is borrowed while the
        // day is changed, so nothing is copied for each line.
        let agent = match hit.user_agent {
            Some(ua) => self.agents.classify(ua),
            None => &self.unknown,
        };
        let day = self.days.entry(day_number).or_default();
        day.requests += 1;
        *day.statuses.entry(hit.status).or_default() += 1;
        // The visitor key: a keyed hash that is never stored, only whether
        // it is new today, and its trace in the sketch.
        let key = day.salt.hash_one((hit.client, hit.user_agent));
        if hit.client.parse::<std::net::IpAddr>().is_err() {
            // GoAccess takes only addresses, and fails a line with a host name.
            day.goaccess_invalid += 1;
        } else if !(400..500).contains(&hit.status) && day.goaccess_seen.insert(key) {
            day.goaccess_visitors += 1;
            day.goaccess_sketch.add(key);
        }
        let bot = match agent {
            Agent::Bot { family, kind } => {
                *day.bots.entry((*family, *kind)).or_default() += 1;
                true
            }
            Agent::Person { .. } => false,
        };
        if bot && !self.options.include_bots {
            return;
        }
        if hit.status == 404 {
            add(&mut day.not_found, hit.path);
        }
        let is_page = hit.method == "GET"
            && (200..400).contains(&hit.status)
            && (self.options.include_assets || !is_asset(hit.path, &self.options.asset_extensions));
        if !is_page {
            return;
        }
        match day.pageviews.get_mut(hit.path) {
            Some(hours) => hours[hour] += 1,
            None => {
                let mut hours = [0; 24];
                hours[hour] = 1;
                day.pageviews.insert(hit.path.to_owned(), hours);
            }
        }
        if day.seen.insert(key) {
            day.visitors += 1;
            day.sketch.add(key);
            if let Agent::Person {
                browser,
                os,
                device,
            } = agent
            {
                add(&mut day.browsers, browser);
                add(&mut day.systems, os);
                *day.devices.entry(device.label()).or_default() += 1;
            }
        }
        if let Some(domain) = hit.referer.and_then(referrer_domain) {
            add(&mut day.referrers, domain);
        }
    }
}

/// One more of `key`, copying the key only the first time it is seen.
fn add(map: &mut HashMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

/// Whether a path names a static asset by its ending.
fn is_asset(path: &str, extensions: &[String]) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// `https://www.example.com/page?q` → `www.example.com`: only the domain is
/// kept, never the page or its query, which can hold personal details.
pub fn referrer_domain(referer: &str) -> Option<&str> {
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    .then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::LogFormat;
    use crate::line::parse_line;

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";

    fn tally(lines: &[String], options: Options) -> Tally {
        let format = LogFormat::combined();
        let mut t = Tally::new(options);
        for (i, line) in lines.iter().enumerate() {
            match parse_line(&format, line.as_bytes()) {
                Ok(hit) => t.count(&hit),
                Err(why) => t.reject(i as u64 + 1, line.as_bytes(), &why),
            }
        }
        t
    }

    fn line(client: &str, path: &str, status: u16, agent: &str, referer: &str) -> String {
        format!(
            "{client} - - [01/Dec/2026:10:15:00 +0000] \"GET {path} HTTP/1.1\" {status} 100 \"{referer}\" \"{agent}\""
        )
    }

    #[test]
    fn pages_visitors_and_bots_are_counted_apart() {
        let lines = vec![
            line(
                "192.0.2.1",
                "/",
                200,
                FIREFOX,
                "https://www.search.example/?q=me",
            ),
            line("192.0.2.1", "/about", 200, FIREFOX, "-"),
            line("192.0.2.2", "/", 200, FIREFOX, "-"),
            line("192.0.2.2", "/app.css", 200, FIREFOX, "-"),
            line("192.0.2.3", "/missing", 404, FIREFOX, "-"),
            line("192.0.2.9", "/", 200, "curl/8.5.0", "-"),
            line(
                "198.51.100.7",
                "/",
                200,
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                "-",
            ),
            "garbage".to_owned(),
        ];
        let t = tally(&lines, Options::default());
        assert_eq!((t.lines, t.malformed_count()), (8, 1));
        let day = &t.days[&20_788];
        assert_eq!(day.requests, 7);
        let views: u64 = day.pageviews.values().flatten().sum();
        assert_eq!(
            views, 3,
            "the stylesheet, the 404 and the bots are not pageviews"
        );
        assert_eq!(day.pageviews["/"][10], 2);
        assert_eq!(day.visitors, 2);
        assert_eq!(day.referrers.get("www.search.example"), Some(&1));
        assert_eq!(day.not_found.get("/missing"), Some(&1));
        assert_eq!(day.bots.get(&("curl", BotKind::Tool)), Some(&1));
        assert_eq!(day.bots.get(&("Googlebot", BotKind::Crawler)), Some(&1));
        assert_eq!(day.browsers.get("Firefox"), Some(&2));

        let with_bots = tally(
            &lines,
            Options {
                include_bots: true,
                ..Options::default()
            },
        );
        assert_eq!(with_bots.days[&20_788].visitors, 4);
    }

    #[test]
    fn referrer_domains_drop_the_page_and_anything_after() {
        assert_eq!(
            referrer_domain("https://user:pw@www.example.com:8443/a?b"),
            Some("www.example.com")
        );
        assert_eq!(referrer_domain("android-app://com.google"), None);
        assert_eq!(referrer_domain("-"), None);
    }
}
