//! Who a user agent is: a person's browser (its family, operating system
//! and kind of device), or a bot of a named family: a search crawler, an AI
//! scraper, an uptime monitor, a command-line or library HTTP client, or a
//! headless browser. Bots are left out of visitors unless asked for.
//!
//! Bots are found by the tokens they announce, with one case-insensitive
//! multi-pattern search; browsers by woothee. Logs repeat the same few
//! thousand user agents, so [`Agents`] remembers each answer.

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use std::hash::BuildHasher;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BotKind {
    /// Search engines and link previews.
    Crawler,
    /// Collectors of text for AI models, and AI assistants fetching pages.
    AiScraper,
    /// Uptime and health checks.
    Monitor,
    /// Command-line tools and HTTP libraries.
    Tool,
    /// Browsers driven by programs.
    Headless,
}

impl BotKind {
    /// How the kind is stored beside a family: `ai_scraper/GPTBot`.
    pub fn id(self) -> &'static str {
        match self {
            BotKind::Crawler => "crawler",
            BotKind::AiScraper => "ai_scraper",
            BotKind::Monitor => "monitor",
            BotKind::Tool => "tool",
            BotKind::Headless => "headless",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BotKind::Crawler => "Search and link crawlers",
            BotKind::AiScraper => "AI scrapers and assistants",
            BotKind::Monitor => "Uptime monitors",
            BotKind::Tool => "Command-line tools and HTTP libraries",
            BotKind::Headless => "Headless browsers",
        }
    }
}

/// What a user agent is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Agent {
    Person(Person),
    Bot { family: &'static str, kind: BotKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Desktop,
    Phone,
    Tablet,
    Other,
}

impl Device {
    pub fn label(self) -> &'static str {
        match self {
            Device::Desktop => "Desktop",
            Device::Phone => "Phone",
            Device::Tablet => "Tablet",
            Device::Other => "Other",
        }
    }
}

/// Tokens bots put in their user agents (matched without regard to case),
/// the family each names, and what kind of bot it is. Earlier entries win
/// where two match, so specific names come before general words.
const BOTS: &[(&str, &str, BotKind)] = &[
    // AI collectors and assistants.
    ("gptbot", "GPTBot", BotKind::AiScraper),
    ("chatgpt-user", "ChatGPT-User", BotKind::AiScraper),
    ("oai-searchbot", "OAI-SearchBot", BotKind::AiScraper),
    ("claudebot", "ClaudeBot", BotKind::AiScraper),
    ("claude-web", "Claude-Web", BotKind::AiScraper),
    ("claude-user", "Claude-User", BotKind::AiScraper),
    ("anthropic-ai", "anthropic-ai", BotKind::AiScraper),
    ("ccbot", "CCBot", BotKind::AiScraper),
    ("perplexitybot", "PerplexityBot", BotKind::AiScraper),
    ("perplexity-user", "Perplexity-User", BotKind::AiScraper),
    ("bytespider", "Bytespider", BotKind::AiScraper),
    ("google-extended", "Google-Extended", BotKind::AiScraper),
    ("amazonbot", "Amazonbot", BotKind::AiScraper),
    (
        "meta-externalagent",
        "Meta-ExternalAgent",
        BotKind::AiScraper,
    ),
    ("diffbot", "Diffbot", BotKind::AiScraper),
    ("cohere-ai", "cohere-ai", BotKind::AiScraper),
    ("imagesiftbot", "ImagesiftBot", BotKind::AiScraper),
    ("youbot", "YouBot", BotKind::AiScraper),
    // Monitors.
    ("uptimerobot", "UptimeRobot", BotKind::Monitor),
    ("pingdom", "Pingdom", BotKind::Monitor),
    ("statuscake", "StatusCake", BotKind::Monitor),
    ("site24x7", "Site24x7", BotKind::Monitor),
    ("datadog", "Datadog", BotKind::Monitor),
    ("newrelicpinger", "New Relic", BotKind::Monitor),
    ("betteruptime", "Better Uptime", BotKind::Monitor),
    ("kube-probe", "kube-probe", BotKind::Monitor),
    ("elb-healthchecker", "ELB-HealthChecker", BotKind::Monitor),
    ("check_http", "Nagios check_http", BotKind::Monitor),
    ("prometheus", "Prometheus", BotKind::Monitor),
    // Headless browsers, before the browsers they pretend to be.
    ("headlesschrome", "HeadlessChrome", BotKind::Headless),
    ("phantomjs", "PhantomJS", BotKind::Headless),
    ("puppeteer", "Puppeteer", BotKind::Headless),
    ("playwright", "Playwright", BotKind::Headless),
    ("selenium", "Selenium", BotKind::Headless),
    ("chrome-lighthouse", "Lighthouse", BotKind::Headless),
    // Tools and libraries.
    ("curl/", "curl", BotKind::Tool),
    ("wget/", "Wget", BotKind::Tool),
    ("python-requests", "python-requests", BotKind::Tool),
    ("python-urllib", "Python urllib", BotKind::Tool),
    ("python-httpx", "HTTPX", BotKind::Tool),
    ("aiohttp", "aiohttp", BotKind::Tool),
    ("go-http-client", "Go HTTP client", BotKind::Tool),
    ("okhttp", "OkHttp", BotKind::Tool),
    ("apache-httpclient", "Apache HttpClient", BotKind::Tool),
    ("java/", "Java", BotKind::Tool),
    ("libwww-perl", "libwww-perl", BotKind::Tool),
    ("node-fetch", "node-fetch", BotKind::Tool),
    ("axios/", "axios", BotKind::Tool),
    ("undici", "undici", BotKind::Tool),
    ("postmanruntime", "Postman", BotKind::Tool),
    ("httpie", "HTTPie", BotKind::Tool),
    ("scrapy", "Scrapy", BotKind::Tool),
    ("zgrab", "zgrab", BotKind::Tool),
    ("masscan", "masscan", BotKind::Tool),
    ("nmap", "Nmap", BotKind::Tool),
    ("nikto", "Nikto", BotKind::Tool),
    ("sqlmap", "sqlmap", BotKind::Tool),
    ("wpscan", "WPScan", BotKind::Tool),
    // Search engines and link previews.
    ("googlebot", "Googlebot", BotKind::Crawler),
    ("adsbot-google", "AdsBot-Google", BotKind::Crawler),
    ("bingbot", "Bingbot", BotKind::Crawler),
    ("yandex", "YandexBot", BotKind::Crawler),
    ("baiduspider", "Baiduspider", BotKind::Crawler),
    ("duckduckbot", "DuckDuckBot", BotKind::Crawler),
    ("applebot", "Applebot", BotKind::Crawler),
    ("slurp", "Yahoo! Slurp", BotKind::Crawler),
    ("petalbot", "PetalBot", BotKind::Crawler),
    ("seznambot", "SeznamBot", BotKind::Crawler),
    ("semrushbot", "SemrushBot", BotKind::Crawler),
    ("ahrefsbot", "AhrefsBot", BotKind::Crawler),
    ("mj12bot", "MJ12bot", BotKind::Crawler),
    ("dotbot", "DotBot", BotKind::Crawler),
    ("dataforseobot", "DataForSeoBot", BotKind::Crawler),
    (
        "facebookexternalhit",
        "Facebook link preview",
        BotKind::Crawler,
    ),
    ("twitterbot", "Twitterbot", BotKind::Crawler),
    ("linkedinbot", "LinkedInBot", BotKind::Crawler),
    ("slackbot", "Slackbot", BotKind::Crawler),
    ("discordbot", "Discordbot", BotKind::Crawler),
    ("telegrambot", "TelegramBot", BotKind::Crawler),
    ("whatsapp", "WhatsApp link preview", BotKind::Crawler),
    ("ia_archiver", "Internet Archive", BotKind::Crawler),
    ("archive.org_bot", "Internet Archive", BotKind::Crawler),
    // Anything else that says what it is.
    ("crawler", "Other crawler", BotKind::Crawler),
    ("spider", "Other crawler", BotKind::Crawler),
    ("bot/", "Other crawler", BotKind::Crawler),
    ("bot;", "Other crawler", BotKind::Crawler),
    ("bot)", "Other crawler", BotKind::Crawler),
    ("+http", "Other crawler", BotKind::Crawler),
];

/// The classifier, with what it has already worked out.
pub struct Agents {
    /// `None` only if the constant patterns failed to build, in which
    /// case every agent would count as a person rather than panic.
    bots: Option<AhoCorasick>,
    browsers: woothee::parser::Parser,
    /// Each user agent seen: where its answer is in `known`. One lookup a
    /// line, then the answer is copied out of the borrow by index.
    seen: HashMap<String, usize>,
    known: Vec<Known>,
    /// Each kind of person met (browser, system, device), in the order met;
    /// kept when `seen` is cleared, since counts refer to it by index.
    people: Vec<Person>,
    people_index: HashMap<Person, u16>,
    /// Fingerprints are the same in every classifier of a run, so that the
    /// sibling tallies that read two halves of a file give one person the
    /// same visitor key.
    fingerprints: foldhash::quality::FixedState,
}

/// What a user agent is, and a 64-bit fingerprint of its text. The
/// fingerprint stands for the text in the visitor key, which is then a
/// hash of a few bytes rather than a few hundred; it lives in memory only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub agent: Agent,
    pub fingerprint: u64,
    /// Which kind of person this is, by index into [`Agents::person`]; none
    /// for a bot, or past [`MAX_PEOPLE`].
    pub person: Option<u16>,
}

/// A kind of person, as the browser statistics count them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    pub browser: String,
    pub os: String,
    pub device: Device,
}

impl Person {
    /// A browser nothing is known of: an agent the database does not know,
    /// or a log layout without user agents.
    pub fn unknown() -> Person {
        Person {
            browser: "Unknown".into(),
            os: "Unknown".into(),
            device: Device::Other,
        }
    }
}

/// The most kinds of person one classifier numbers. Browser and system
/// names come from the user-agent database's fixed vocabulary, so a real
/// log never comes near; past it, a person counts as a visitor without a
/// browser, system or device rather than growing memory without end.
pub const MAX_PEOPLE: usize = 0xFFFF;

/// Past this many distinct user agents the memory is cleared: logs full of
/// random user agents must not grow it without end.
const REMEMBER: usize = 100_000;

/// Any constant will do: the fingerprint is never a secret, the day's salt
/// over it is.
const FINGERPRINT_SEED: u64 = 0x6375_7374_6f64_6961;

impl Agents {
    pub fn new() -> Agents {
        let bots = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(BOTS.iter().map(|(token, _, _)| token))
            .ok();
        Agents {
            bots,
            browsers: woothee::parser::Parser::new(),
            seen: HashMap::default(),
            known: Vec::new(),
            people: Vec::new(),
            people_index: HashMap::default(),
            fingerprints: foldhash::quality::FixedState::with_seed(FINGERPRINT_SEED),
        }
    }

    /// What `user_agent` is.
    pub fn classify(&mut self, user_agent: &str) -> &Agent {
        &self.recognise(user_agent).agent
    }

    /// What `user_agent` is, with its fingerprint.
    pub fn recognise(&mut self, user_agent: &str) -> &Known {
        let index = match self.seen.get(user_agent) {
            Some(index) => *index,
            None => {
                if self.seen.len() >= REMEMBER {
                    self.seen.clear();
                    self.known.clear();
                }
                let agent = self.work_out(user_agent);
                let person = match &agent {
                    Agent::Person(person) => self.intern(person.clone()),
                    Agent::Bot { .. } => None,
                };
                let known = Known {
                    agent,
                    fingerprint: self.fingerprints.hash_one(user_agent),
                    person,
                };
                self.known.push(known);
                let index = self.known.len() - 1;
                self.seen.insert(user_agent.to_owned(), index);
                index
            }
        };
        // Every index in `seen` is in `known`: they are cleared together.
        &self.known[index]
    }

    /// Every kind of person numbered so far, in the order of their numbers.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// The kind of person numbered `index` by this classifier.
    pub fn person(&self, index: u16) -> Option<&Person> {
        self.people.get(usize::from(index))
    }

    /// The number of a kind of person, given one if new (none once
    /// [`MAX_PEOPLE`] are numbered).
    pub fn intern(&mut self, person: Person) -> Option<u16> {
        if let Some(index) = self.people_index.get(&person) {
            return Some(*index);
        }
        let index = u16::try_from(self.people.len())
            .ok()
            .filter(|i| usize::from(*i) < MAX_PEOPLE)?;
        self.people.push(person.clone());
        self.people_index.insert(person, index);
        Some(index)
    }

    fn work_out(&self, user_agent: &str) -> Agent {
        if user_agent.trim().is_empty() {
            return Agent::Bot {
                family: "No user agent",
                kind: BotKind::Tool,
            };
        }
        if let Some(found) = self.bots.as_ref().and_then(|b| b.find(user_agent))
            && let Some((_, family, kind)) = BOTS.get(found.pattern().as_usize())
        {
            return Agent::Bot {
                family,
                kind: *kind,
            };
        }
        match self.browsers.parse(user_agent) {
            Some(r) if r.category == "crawler" => Agent::Bot {
                family: "Other crawler",
                kind: BotKind::Crawler,
            },
            Some(r) => Agent::Person(Person {
                browser: known(r.name),
                os: known(r.os),
                device: device(r.category, r.os),
            }),
            None => Agent::Person(Person::unknown()),
        }
    }
}

impl std::fmt::Debug for Agents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agents")
            .field("remembered", &self.seen.len())
            .finish_non_exhaustive()
    }
}

impl Default for Agents {
    fn default() -> Self {
        Agents::new()
    }
}

fn known(name: &str) -> String {
    if name == "UNKNOWN" || name.is_empty() {
        "Unknown".into()
    } else {
        name.to_owned()
    }
}

fn device(category: &str, os: &str) -> Device {
    match category {
        "pc" => Device::Desktop,
        "smartphone" | "mobilephone" if os == "iPad" => Device::Tablet,
        "smartphone" | "mobilephone" => Device::Phone,
        _ => Device::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_bots_are_told_apart() {
        let mut agents = Agents::new();
        let cases: [(&str, Option<(&str, BotKind)>); 9] = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                None,
            ),
            (
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                Some(("Googlebot", BotKind::Crawler)),
            ),
            (
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                Some(("GPTBot", BotKind::AiScraper)),
            ),
            ("curl/8.5.0", Some(("curl", BotKind::Tool))),
            (
                "python-requests/2.31.0",
                Some(("python-requests", BotKind::Tool)),
            ),
            (
                "Go-http-client/1.1",
                Some(("Go HTTP client", BotKind::Tool)),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
                Some(("HeadlessChrome", BotKind::Headless)),
            ),
            (
                "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
                Some(("UptimeRobot", BotKind::Monitor)),
            ),
            ("", Some(("No user agent", BotKind::Tool))),
        ];
        for (ua, bot) in cases {
            let got = agents.classify(ua).clone();
            match (bot, got) {
                (None, Agent::Person { .. }) => {}
                (Some((family, kind)), Agent::Bot { family: f, kind: k }) => {
                    assert_eq!((f, k), (family, kind), "{ua}");
                }
                (want, got) => panic!("{ua}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn browsers_have_a_family_system_and_device() {
        let mut agents = Agents::new();
        let iphone = agents
            .classify("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
            .clone();
        assert_eq!(
            iphone,
            Agent::Person(Person {
                browser: "Safari".into(),
                os: "iPhone".into(),
                device: Device::Phone
            })
        );
    }
}
