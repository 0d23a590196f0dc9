//! A realistic combined log, the same for the same seed: many addresses
//! (a fifth IPv6, some host names), real browser and bot user agents,
//! referrers, static assets, pages not found and errors, over several days
//! in time order. For tests and benchmarks: `custodian logs generate`.
//!
//! The generator carries its own small random number generator
//! (SplitMix64) so that a seed gives the same file on every version.

use std::io::{self, Write};

/// How much log to write.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub lines: u64,
    pub days: u32,
    pub seed: u64,
    /// Unix seconds of the first day's midnight (UTC).
    pub start: i64,
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// An index into `n` items, small ones far more often (roughly Zipf).
    fn popular(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        let a = self.below(n);
        let b = self.below(a + 1);
        usize::try_from(b).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
];

const BOTS: &[&str] = &[
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
];

const REFERRERS: &[&str] = &[
    "https://www.google.com/",
    "https://www.bing.com/search?q=advice",
    "https://duckduckgo.com/",
    "https://www.facebook.com/",
    "https://t.co/abc123",
    "https://www.gov.uk/browse/childcare-parenting",
    "https://news.example.org/story/2026/11/30",
];

const SECTIONS: &[&str] = &[
    "news",
    "advice",
    "help-at-hand",
    "our-work",
    "publications",
    "about",
    "contact",
    "consultations",
];

const ASSETS: &[&str] = &[
    "/assets/app.css",
    "/assets/init.mjs",
    "/assets/govuk-frontend.min.js",
    "/assets/images/logo.svg",
    "/favicon.ico",
    "/assets/fonts/light.woff2",
];

fn client(rng: &mut SplitMix, n: u64) -> String {
    let id = rng.below(n);
    match id % 10 {
        0 | 1 => format!(
            "2001:db8:{:x}:{:x}::{:x}",
            id >> 16 & 0xffff,
            id >> 8 & 0xff,
            id & 0xff
        ),
        2 => format!("host-{id}.dsl.example.net"),
        _ => format!(
            "{}.{}.{}.{}",
            10 + (id >> 24) % 200,
            (id >> 16) & 0xff,
            (id >> 8) & 0xff,
            id & 0xff
        ),
    }
}

fn page(rng: &mut SplitMix) -> String {
    let section = SECTIONS[rng.popular(SECTIONS.len())];
    match rng.popular(130) {
        0 => "/".to_owned(),
        n => format!("/{section}/page-{n}"),
    }
}

fn date_time(at: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0)];
    format!(
        "{d:02}/{month}/{y}:{:02}:{:02}:{:02} +0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Write the log to `out`.
pub fn write_log(plan: Plan, out: &mut impl Write) -> io::Result<()> {
    let mut rng = SplitMix(plan.seed);
    let clients = (plan.lines / 8).max(50);
    let span = i64::from(plan.days.max(1)) * 86_400;
    for i in 0..plan.lines {
        // Evenly through the period, in order, a few seconds of jitter.
        let base = plan.start
            + i64::try_from(u128::from(i) * span as u128 / u128::from(plan.lines.max(1)))
                .unwrap_or(0);
        let at = base;
        let bot = rng.chance(18);
        let agent = if bot {
            BOTS[rng.popular(BOTS.len())]
        } else {
            BROWSERS[rng.popular(BROWSERS.len())]
        };
        let asset = !bot && rng.chance(35);
        let (path, status) = if asset {
            (
                ASSETS[rng.below(ASSETS.len() as u64) as usize].to_owned(),
                if rng.chance(40) { 304 } else { 200 },
            )
        } else if rng.chance(4) {
            (
                format!(
                    "/{}/no-such-page-{}",
                    SECTIONS[rng.popular(SECTIONS.len())],
                    rng.below(300)
                ),
                404,
            )
        } else {
            let status = match rng.below(100) {
                0 => 500,
                1..=3 => 301,
                4..=9 => 304,
                _ => 200,
            };
            (page(&mut rng), status)
        };
        let query = if !asset && rng.chance(10) {
            "?page=2"
        } else {
            ""
        };
        let referer = if !asset && rng.chance(25) {
            REFERRERS[rng.popular(REFERRERS.len())]
        } else {
            "-"
        };
        let bytes = if status == 304 {
            0
        } else {
            200 + rng.below(40_000)
        };
        writeln!(
            out,
            "{} - - [{}] \"GET {path}{query} HTTP/1.1\" {status} {bytes} \"{referer}\" \"{agent}\"",
            client(&mut rng, clients),
            date_time(at)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::LogFormat;
    use crate::line::parse_line;

    #[test]
    fn the_same_seed_gives_the_same_log_and_every_line_parses() {
        let plan = Plan {
            lines: 2000,
            days: 3,
            seed: 7,
            start: 1_764_547_200,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert!(write_log(plan, &mut a).is_ok() && write_log(plan, &mut b).is_ok());
        assert_eq!(a, b);
        let format = LogFormat::combined();
        let text = String::from_utf8_lossy(&a);
        let mut last = 0;
        for line in text.lines() {
            let hit = parse_line(&format, line.as_bytes());
            let Ok(hit) = hit else {
                panic!("{line}: {hit:?}")
            };
            assert!(hit.at >= last, "in time order");
            last = hit.at;
        }
        assert!(text.contains("2001:db8:") && text.contains("GPTBot") && text.contains("\" 404 "));
        assert!(last - 1_764_547_200 > 2 * 86_400, "over three days");
    }
}
