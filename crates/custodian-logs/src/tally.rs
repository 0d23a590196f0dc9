//! Counting a log into the aggregates the statistics keep, and nothing
//! else: pageviews per hour and path; per day, estimated unique visitors,
//! referrer domains, browsers, operating systems, devices, statuses, pages
//! not found and bots by family.
//!
//! A visitor is a keyed hash of the client address and user agent under a
//! salt made at random for each day when the first line of that day is
//! read. The salt and the hashes live only in this process's memory and go
//! with the [`Tally`]: only the count of distinct hashes leaves it.
//!
//! Visitors are counted in batches (see [`crate::keys`]): the counts that
//! depend on them (visitors, browsers, systems, devices and the sketches)
//! are whole after [`Tally::settle`] or [`Tally::take`].

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};

/// The maps a day counts into: foldhash, seeded at random, several times
/// faster than SipHash on paths and hashes. The visitor key itself is
/// SipHash under the day's secret salt.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use crate::agent::{Agent, Agents, BotKind, Person};
use crate::keys::Keys;
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
    /// Each visitor's key, its lowest 16 bits replaced by the kind of
    /// person its browser is (see [`visitor_entry`]), so that two tallies
    /// of parts of one log merge exactly, the browser of a visitor in both
    /// counted once: a key names one address and user agent.
    visitor_keys: Keys,
    goaccess_keys: Keys,
    /// This day's salt: random, in memory only, gone with the tally.
    salt: RandomState,
}

/// The low bits of a visitor entry when it is no kind of person: a bot
/// counted in, or past [`crate::agent::MAX_PEOPLE`].
const NO_PERSON: u16 = 0xFFFF;

/// A visitor key with the kind of person in its lowest 16 bits. The 48 bits
/// left tell visitors apart: two of 100,000 visitors in one day share them
/// with a chance of 1 in 56,000.
fn visitor_entry(key: u64, person: Option<u16>) -> u64 {
    (key & !0xFFFF) | u64::from(person.unwrap_or(NO_PERSON))
}

fn person_of(entry: u64) -> Option<u16> {
    let low = (entry & 0xFFFF) as u16;
    (low != NO_PERSON).then_some(low)
}

/// Count a visitor met for the first time today, with its browser, system
/// and device.
fn count_visitor(
    entry: u64,
    agents: &Agents,
    visitors: &mut u64,
    browsers: &mut HashMap<String, u64>,
    systems: &mut HashMap<String, u64>,
    devices: &mut HashMap<&'static str, u64>,
) {
    *visitors += 1;
    if let Some(person) = person_of(entry).and_then(|i| agents.person(i)) {
        add(browsers, &person.browser);
        add(systems, &person.os);
        *devices.entry(person.device.label()).or_default() += 1;
    }
}

impl DayTally {
    /// The counts since the last take, leaving this day's salt, the keys
    /// seen and the sketches in place: a follower that saves every few
    /// seconds counts each visitor of the day once, and the cumulative
    /// sketch merges into the stored one without counting anyone twice.
    /// Settle first ([`DayTally::settle`]).
    fn take_counts(&mut self) -> DayTally {
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
    /// Everything counted since the last take, whole; each day keeps its
    /// salt, keys and sketches, so a visitor already counted today is not
    /// counted again. The line and malformed counts start again.
    pub fn take(&mut self) -> Taken {
        self.settle();
        let days = self
            .days
            .iter_mut()
            .map(|(d, t)| (*d, t.take_counts()))
            .filter(|(_, t)| t.requests > 0)
            .collect();
        Taken {
            days,
            lines: std::mem::take(&mut self.lines),
            malformed: std::mem::take(&mut self.malformed),
        }
    }

    /// Count the visitors still waiting in each day's buffer, so that every
    /// count is whole.
    pub fn settle(&mut self) {
        for day in self.days.values_mut() {
            day.settle(&self.agents);
        }
    }

    /// Each day's counts, whole.
    pub fn settled_days(&mut self) -> &BTreeMap<i64, DayTally> {
        self.settle();
        &self.days
    }
}

impl Tally {
    /// Destroy the salts and keys of days more than `keep` days before the
    /// newest day seen: their lines have stopped coming, so what could
    /// tell their visitors apart goes. Call it after [`Tally::take`]: what
    /// was counted for those days and not taken goes with them.
    pub fn forget_old_days(&mut self, keep: i64) {
        if let Some(newest) = self.days.keys().next_back().copied() {
            self.days.retain(|day, _| *day >= newest - keep);
            self.salts.forget_before(newest - keep);
        }
    }
}

/// What [`Tally::take`] hands over to be saved: whole counts, and nothing
/// that could tell one visitor from another.
#[derive(Debug)]
pub struct Taken {
    pub days: BTreeMap<i64, DayTally>,
    pub lines: u64,
    pub malformed: BTreeMap<&'static str, Example>,
}

impl Taken {
    pub fn malformed_count(&self) -> u64 {
        count_malformed(&self.malformed)
    }
}

fn count_malformed(malformed: &BTreeMap<&'static str, Example>) -> u64 {
    malformed.values().map(|e| e.count).sum()
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
    /// Read through [`Tally::settled_days`], which counts the visitors
    /// still waiting first.
    days: BTreeMap<i64, DayTally>,
    pub lines: u64,
    pub malformed: BTreeMap<&'static str, Example>,
    agents: Agents,
    /// What a line from a layout without user agents is: a person whose
    /// browser is unknown.
    unknown: Agent,
    unknown_person: Option<u16>,
    /// Where each day's salt comes from: shared by the tallies that count
    /// parts of one log side by side, so that their keys agree.
    salts: Salts,
}

impl Default for Tally {
    fn default() -> Self {
        let mut agents = Agents::new();
        let unknown_person = agents.intern(Person::unknown());
        Tally {
            options: Options::default(),
            days: BTreeMap::new(),
            lines: 0,
            malformed: BTreeMap::new(),
            agents,
            unknown: Agent::Person(Person::unknown()),
            unknown_person,
            salts: Salts::default(),
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
        count_malformed(&self.malformed)
    }

    /// A line that could not be read: counted, and the first of its kind
    /// kept to show the operator, without its client address.
    pub fn reject(&mut self, line_number: u64, raw: &[u8], why: &Malformed) {
        self.lines += 1;
        self.malformed
            .entry(why.kind())
            .and_modify(|e| e.count += 1)
            .or_insert_with(|| Example {
                count: 1,
                line_number,
                message: why.to_string(),
                line: shown(raw),
            });
    }

    /// A line that was read.
    pub fn count(&mut self, hit: &Hit<'_>) {
        self.lines += 1;
        let day_number = hit.at.div_euclid(86_400);
        let hour = usize::try_from(hit.at.rem_euclid(86_400) / 3600).unwrap_or(0) % 24;
        // Disjoint fields: the classifier's answer is borrowed while the
        // day is changed, so nothing is copied for each line.
        let (agent, fingerprint, person) = match hit.user_agent {
            Some(ua) => {
                let known = self.agents.recognise(ua);
                (&known.agent, Some(known.fingerprint), known.person)
            }
            None => (&self.unknown, None, self.unknown_person),
        };
        let salts = &self.salts;
        let day = self
            .days
            .entry(day_number)
            .or_insert_with(|| DayTally::salted(salts.for_day(day_number)));
        day.requests += 1;
        *day.statuses.entry(hit.status).or_default() += 1;
        // The visitor key: a keyed hash that is never stored, only whether
        // it is new today, and its trace in the sketch.
        let key = day.salt.hash_one((hit.client, fingerprint));
        if hit.client.parse::<std::net::IpAddr>().is_err() {
            // GoAccess takes only addresses, and fails a line with a host name.
            day.goaccess_invalid += 1;
        } else if !(400..500).contains(&hit.status) && day.goaccess_keys.push(key) {
            day.settle_goaccess();
        }
        let bot = match agent {
            Agent::Bot { family, kind } => {
                *day.bots.entry((*family, *kind)).or_default() += 1;
                true
            }
            Agent::Person(_) => false,
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
        if let Some(domain) = hit.referer.and_then(referrer_domain) {
            add(&mut day.referrers, domain);
        }
        if day.visitor_keys.push(visitor_entry(key, person)) {
            day.settle_visitors(&self.agents);
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

/// A word that is, or holds, an address: an IP address with or without a
/// port, anything with an `@` (an email address in a query string), or a
/// query value that is an IP address.
fn looks_personal(word: &str) -> bool {
    let is_ip = |w: &str| {
        w.parse::<std::net::IpAddr>().is_ok() || w.parse::<std::net::SocketAddr>().is_ok()
    };
    is_ip(word)
        || word.contains('@')
        || word.contains("%40")
        || word
            .split(['?', '&', '=', '/', ';'])
            .any(|part| !part.is_empty() && is_ip(part))
}

/// A malformed line as it may be shown on a terminal or in a report: its
/// first field (where every layout Custodian reads puts the client) and any
/// other word that reads as an IP address become `-`, and control
/// characters are escaped, so neither an address nor a terminal escape
/// sequence is passed on. At most 200 characters.
fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let masked: Vec<String> = text
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            let bare = word.trim_matches(|c: char| matches!(c, '"' | '[' | ']' | ',' | '(' | ')'));
            if i == 0 || looks_personal(bare) {
                "-".to_owned()
            } else {
                word.chars()
                    .map(|c| {
                        if c.is_control() {
                            c.escape_default().collect()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect::<String>()
            }
        })
        .collect();
    masked.join(" ").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_malformed_line_is_shown_without_addresses_or_control_characters() {
        let raw = b"203.0.113.9 - - [bad date] \"GET /\x1b[31m HTTP/1.1\" from 2001:db8::1 x \
                    10.0.0.9:443 [2001:db8::2]:8080 /a?to=kid@example.com&ip=192.0.2.1";
        let shown = super::shown(raw);
        assert!(
            !shown.contains("203.0.113.9") && !shown.contains("2001:db8::1"),
            "{shown}"
        );
        assert!(
            !shown.contains('\x1b') && shown.contains("\\u{1b}"),
            "{shown}"
        );
        assert!(shown.starts_with("- - - [bad date] \"GET /"), "{shown}");
    }

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
        t.settle();
        t
    }

    fn line(client: &str, path: &str, status: u16, agent: &str, referer: &str) -> String {
        format!(
            "{client} - - [01/Dec/2026:10:15:00 +0000] \"GET {path} HTTP/1.1\" {status} 100 \"{referer}\" \"{agent}\""
        )
    }

    /// What a day holds, in an order that can be compared.
    fn summary(t: &Tally) -> Vec<String> {
        fn sorted<K: std::fmt::Debug, V: std::fmt::Debug>(m: &HashMap<K, V>) -> Vec<String> {
            let mut v: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}={v:?}")).collect();
            v.sort();
            v
        }
        let mut out = vec![format!("lines {}", t.lines)];
        for (kind, e) in &t.malformed {
            out.push(format!(
                "malformed {kind} {} first {}",
                e.count, e.line_number
            ));
        }
        for (day, d) in &t.days {
            out.push(format!(
                "{day}: {} requests, {} visitors, {} goaccess, {} invalid, sketch {}",
                d.requests,
                d.visitors,
                d.goaccess_visitors,
                d.goaccess_invalid,
                d.sketch.estimate()
            ));
            for part in [
                sorted(&d.pageviews),
                sorted(&d.referrers),
                sorted(&d.browsers),
                sorted(&d.systems),
                sorted(&d.devices),
                sorted(&d.statuses),
                sorted(&d.not_found),
                sorted(&d.bots),
            ] {
                out.extend(part);
            }
        }
        out
    }

    #[test]
    fn parts_counted_side_by_side_merge_into_the_whole() {
        let mut log = Vec::new();
        let plan = crate::generate::Plan {
            lines: 20_000,
            days: 3,
            seed: 11,
            start: 1_764_547_200,
        };
        assert!(crate::generate::write_log(plan, &mut log).is_ok());
        let mut lines: Vec<String> = String::from_utf8_lossy(&log)
            .lines()
            .map(str::to_owned)
            .collect();
        lines.insert(7_000, "garbage".to_owned());
        lines.insert(15_000, "more garbage".to_owned());
        let format = LogFormat::combined();
        let mut first = Tally::new(Options::default());
        let mut second = first.sibling();
        // The whole, under the same salts, so that even the sketches agree.
        let mut whole = first.sibling();
        let (a, b) = lines.split_at(10_000);
        for (t, part) in [(&mut first, a), (&mut second, b), (&mut whole, &lines[..])] {
            for (i, line) in part.iter().enumerate() {
                match parse_line(&format, line.as_bytes()) {
                    Ok(hit) => t.count(&hit),
                    Err(why) => t.reject(i as u64 + 1, line.as_bytes(), &why),
                }
            }
        }
        first.merge(second, 10_000);
        whole.settle();
        let (merged, whole) = (summary(&first), summary(&whole));
        let differ: Vec<_> = merged
            .iter()
            .zip(&whole)
            .filter(|(a, b)| a != b)
            .take(5)
            .collect();
        assert_eq!(differ, Vec::<(&String, &String)>::new());
        assert_eq!(merged.len(), whole.len());
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
    fn forgotten_days_take_their_salts_with_them() {
        let day = |d: u32| {
            line("192.0.2.1", "/", 200, FIREFOX, "-").replace("01/Dec", &format!("{d:02}/Dec"))
        };
        let mut t = tally(&[day(1), day(2), day(5)], Options::default());
        let _ = t.take();
        t.forget_old_days(1);
        assert_eq!(t.days.len(), 1);
        let kept: Vec<i64> = t
            .salts
            .0
            .lock()
            .map(|s| s.keys().copied().collect())
            .unwrap_or_default();
        assert_eq!(kept, vec![20_792]);
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

/// The day salts of one run, shared by the tallies counting its parts.
/// Made at random when a day is first met; gone with the last tally.
#[derive(Debug, Clone, Default)]
pub struct Salts(std::sync::Arc<std::sync::Mutex<BTreeMap<i64, RandomState>>>);

impl Salts {
    /// Destroy the salts of days before `day`.
    fn forget_before(&self, day: i64) {
        if let Ok(mut salts) = self.0.lock() {
            salts.retain(|d, _| *d >= day);
        }
    }

    fn for_day(&self, day: i64) -> RandomState {
        match self.0.lock() {
            Ok(mut salts) => salts.entry(day).or_default().clone(),
            // A poisoned lock means another part panicked: its counts are
            // lost anyway, and a fresh salt keeps this part correct alone.
            Err(_) => RandomState::new(),
        }
    }
}

impl DayTally {
    /// Count the visitors waiting in the buffers.
    fn settle(&mut self, agents: &Agents) {
        self.settle_visitors(agents);
        self.settle_goaccess();
    }

    fn settle_visitors(&mut self, agents: &Agents) {
        let DayTally {
            visitor_keys,
            visitors,
            sketch,
            browsers,
            systems,
            devices,
            ..
        } = self;
        visitor_keys.settle(|entry| {
            // The person's bits are not the visitor's: the same in every part.
            sketch.add(entry | u64::from(NO_PERSON));
            count_visitor(entry, agents, visitors, browsers, systems, devices);
        });
    }

    fn settle_goaccess(&mut self) {
        let DayTally {
            goaccess_keys,
            goaccess_visitors,
            goaccess_sketch,
            ..
        } = self;
        goaccess_keys.settle(|key| {
            *goaccess_visitors += 1;
            goaccess_sketch.add(key);
        });
    }

    fn salted(salt: RandomState) -> DayTally {
        DayTally {
            salt,
            ..DayTally::default()
        }
    }

    /// Add another part's counts for the same day, under the same salt:
    /// a visitor in both parts counts once, with their browser once. Both
    /// are settled, and `other`'s kinds of person numbered as `agents`
    /// numbers them.
    fn merge(&mut self, other: DayTally, agents: &Agents) {
        self.requests += other.requests;
        for (path, hours) in other.pageviews {
            let mine = self.pageviews.entry(path).or_insert([0; 24]);
            for (m, o) in mine.iter_mut().zip(hours) {
                *m += o;
            }
        }
        {
            let DayTally {
                visitor_keys,
                visitors,
                browsers,
                systems,
                devices,
                ..
            } = self;
            visitor_keys.absorb(other.visitor_keys, |entry| {
                count_visitor(entry, agents, visitors, browsers, systems, devices);
            });
        }
        self.sketch.merge(&other.sketch);
        let goaccess_visitors = &mut self.goaccess_visitors;
        self.goaccess_keys
            .absorb(other.goaccess_keys, |_| *goaccess_visitors += 1);
        self.goaccess_sketch.merge(&other.goaccess_sketch);
        self.goaccess_invalid += other.goaccess_invalid;
        for (maps, theirs) in [
            (&mut self.referrers, other.referrers),
            (&mut self.not_found, other.not_found),
        ] {
            for (k, n) in theirs {
                *maps.entry(k).or_default() += n;
            }
        }
        for (k, n) in other.statuses {
            *self.statuses.entry(k).or_default() += n;
        }
        for (k, n) in other.bots {
            *self.bots.entry(k).or_default() += n;
        }
    }
}

impl Tally {
    /// A tally for another part of the same log, counted side by side with
    /// this one: the same options and the same day salts.
    pub fn sibling(&self) -> Tally {
        Tally {
            options: self.options.clone(),
            salts: self.salts.clone(),
            ..Tally::default()
        }
    }

    /// Add a sibling's counts, whose lines came after this tally's and
    /// were numbered from 1: its malformed lines' numbers move on by
    /// `lines_before`, the lines of its file before its part.
    pub fn merge(&mut self, later: Tally, lines_before: u64) {
        for (kind, mut example) in later.malformed {
            example.line_number += lines_before;
            self.malformed
                .entry(kind)
                .and_modify(|e| e.count += example.count)
                .or_insert(example);
        }
        self.lines += later.lines;
        self.settle();
        // The later part numbered its kinds of person as it met them: the
        // same person has this part's number from here on.
        let renumber: Vec<Option<u16>> = later
            .agents
            .people()
            .iter()
            .map(|p| self.agents.intern(p.clone()))
            .collect();
        for (day, mut tally) in later.days {
            tally.settle(&later.agents);
            tally.visitor_keys.renumber(|entry| {
                let person =
                    person_of(entry).and_then(|i| renumber.get(usize::from(i)).copied().flatten());
                visitor_entry(entry, person)
            });
            match self.days.get_mut(&day) {
                Some(mine) => mine.merge(tally, &self.agents),
                None => {
                    self.days.insert(day, tally);
                }
            }
        }
    }
}
