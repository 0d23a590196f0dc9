//! Campaigns over HTTP: with the campaign cookie accepted, a browser gets a
//! random anonymous number and sees each campaign no more than its cap;
//! without consent there is no cookie and campaigns take turns; reach and
//! frequency are counted per campaign per day, with no number stored as
//! it is; and another site imports this one's feed.

use crate::support::{Browser, FIXTURE, Site, contains, database_bytes};

fn config() -> String {
    FIXTURE.to_owned() + include_str!("fixtures/campaigns.toml")
}

/// The campaign a page shows, by its id, if any.
fn shown(body: &str) -> Option<String> {
    let start = body.find("data-campaign=\"")? + "data-campaign=\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

async fn accept_cookies(b: &mut Browser) {
    let reply = b
        .submit(
            "/privacy",
            "/cookies/banner",
            &[("cookies", "accept"), ("return_to", "/privacy")],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
}

#[tokio::test]
async fn with_the_cookie_accepted_each_campaign_stays_within_its_cap() {
    let site = Site::start_with(&config()).await;
    let mut b = site.browser();
    accept_cookies(&mut b).await;

    let first = b.get("/").await;
    assert_eq!(first.status, 200);
    let cookie = first
        .cookie("campaign_id")
        .unwrap_or_else(|| panic!("no campaign cookie after consent: {:?}", first.set_cookies));
    assert_eq!(cookie.value.len(), 32, "a 128-bit random number in hex");
    assert!(cookie.value.bytes().all(|c| c.is_ascii_hexdigit()));
    assert!(cookie.has("HttpOnly"));
    let max_age: i64 = cookie
        .attribute("Max-Age")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(max_age >= 365 * 86_400, "it lasts a year: {max_age}");
    assert_eq!(first.header("cache-control").as_deref(), Some("no-store"));

    // exam_stress may be shown twice in 7 days, online_safety once a day:
    // the one seen least comes first, and neither passes its cap.
    let mut seen = vec![shown(&first.body)];
    for _ in 0..3 {
        let page = b.get("/").await;
        assert!(
            page.cookie("campaign_id").is_none(),
            "the number is set once"
        );
        seen.push(shown(&page.body));
    }
    let seen: Vec<Option<&str>> = seen.iter().map(|s| s.as_deref()).collect();
    assert_eq!(
        seen,
        vec![
            Some("exam_stress"),
            Some("online_safety"),
            Some("exam_stress"),
            None
        ]
    );
    // The cap counts across places: the side slot has nothing left either.
    let side = b.get("/campaigns/slot/side.json").await;
    assert_eq!(side.status, 200);
    let json: serde_json::Value = serde_json::from_str(&side.body).unwrap_or_default();
    assert_eq!(json["campaign"], serde_json::Value::Null, "{json}");

    // Another browser with consent has its own number and its own caps.
    let mut other = site.browser();
    accept_cookies(&mut other).await;
    let fragment = other.get("/campaigns/slot/side").await;
    assert_eq!(shown(&fragment.body).as_deref(), Some("exam_stress"));
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    let theirs = fragment.cookie("campaign_id").map(|c| c.value.clone());
    assert!(theirs.is_some() && theirs.as_deref() != Some(cookie.value.as_str()));

    // The number itself is never stored: only a keyed hash of it.
    let bytes = database_bytes(&site.data_dir());
    if !bytes.is_empty() {
        assert!(!contains(&bytes, cookie.value.as_bytes()));
    }
    assert_eq!(
        site.count_rows("campaign_views").await,
        3,
        "two campaigns for one browser, one for the other"
    );
}

#[tokio::test]
async fn without_consent_campaigns_take_turns_and_no_cookie_is_set() {
    let site = Site::start_with(&config()).await;
    let mut b = site.browser();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let page = b.get("/").await;
        assert!(
            page.cookie("campaign_id").is_none(),
            "no consent, no cookie"
        );
        seen.push(shown(&page.body).unwrap_or_default());
    }
    // No cap without a number: both run past their caps, in turn.
    assert!(
        seen.iter().filter(|s| *s == "exam_stress").count() >= 3,
        "{seen:?}"
    );
    assert!(
        seen.iter().filter(|s| *s == "online_safety").count() >= 2,
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|s| s == "finished"),
        "an ended campaign is never shown"
    );

    // Saying no sets none either, and a number left from before goes.
    let reply = b
        .submit(
            "/privacy",
            "/cookies/banner",
            &[("cookies", "reject"), ("return_to", "/privacy")],
        )
        .await;
    assert_eq!(reply.status, 303);
    b.jar.insert(
        "campaign_id".to_owned(),
        "0123456789abcdef0123456789abcdef".to_owned(),
    );
    let page = b.get("/campaigns/slot/home").await;
    let removal = page.cookie("campaign_id").map(|c| c.value.clone());
    assert_eq!(removal.as_deref(), Some(""), "the old number is removed");
    assert!(shown(&page.body).is_some());
    assert_eq!(
        site.count_rows("campaign_views").await,
        0,
        "nothing per browser without consent"
    );

    // An undeclared place is not a slot.
    assert_eq!(b.get("/campaigns/slot/sidebar").await.status, 404);
}

#[tokio::test]
async fn reach_and_frequency_are_counted_per_campaign_per_day() {
    let site = Site::start_with(&config()).await;
    for _ in 0..2 {
        let mut b = site.browser();
        accept_cookies(&mut b).await;
        for _ in 0..3 {
            b.get("/").await;
        }
    }
    let mut anonymous = site.browser();
    anonymous.get("/campaigns/slot/side").await;

    let secret = site.add_staff("annie", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    let api = analyst.get("/staff/statistics.json").await;
    assert_eq!(api.status, 200, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap_or_default();
    let campaign = |id: &str| {
        json["campaigns"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["campaign"] == id).cloned())
            .unwrap_or_default()
    };
    // Each browser: exam_stress twice, online_safety once.
    let exam = campaign("exam_stress");
    assert_eq!(exam["shows"], 5, "{json}");
    assert_eq!(exam["uncounted"], 1);
    assert_eq!(exam["reach"], 2);
    assert_eq!(exam["frequency"], "2.0");
    let online = campaign("online_safety");
    assert_eq!(
        (online["shows"].clone(), online["reach"].clone()),
        (2.into(), 2.into())
    );
    assert_eq!(json["campaign_days"].as_array().map(Vec::len), Some(2));

    let page = analyst.get("/staff/statistics").await;
    assert!(
        page.body.contains("Reach (sum of each day"),
        "{}",
        page.body
    );
    let csv = analyst.get("/staff/statistics/campaigns.csv").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with("\"exam_stress\",") && l.ends_with(",\"5\",\"1\",\"2\"")),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn another_site_imports_the_campaign_feed() {
    let publisher = Site::start_with(&config()).await;
    let mut b = publisher.browser();
    let feed = b.get("/campaigns/feed.json").await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.cookie("campaign_id").is_none(),
        "no cookie crosses sites"
    );
    let json: serde_json::Value = serde_json::from_str(&feed.body).unwrap_or_default();
    let ids: Vec<&str> = json["campaigns"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        vec!["exam_stress", "online_safety"],
        "not the one that ended"
    );

    let importer_config = format!(
        "{FIXTURE}\n[campaign_slot]\n\n[[campaign_slot.import]]\nurl = \"{}/campaigns/feed.json\"\nplaces = [\"home\"]\n",
        publisher.server.base
    );
    // Without jobs, nothing is fetched until asked; `serve` fetches at
    // start and every 15 minutes.
    let importer = Site::start_with_args(&importer_config, &["--no-jobs"]).await;
    let mut visitor = importer.browser();
    assert_eq!(
        shown(&visitor.get("/").await.body),
        None,
        "nothing imported yet"
    );
    let out = importer.cli(&["campaigns", "fetch"]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    assert!(crate::support::stdout(&out).contains(": 2 campaigns"));
    // A running server reads the stored feed again within a minute; a new
    // one at once.
    let importer = importer.restart_with(&importer_config).await;
    let mut visitor = importer.browser();
    let page = visitor.get("/").await;
    let host = publisher.server.base.trim_start_matches("http://");
    assert_eq!(shown(&page.body), Some(format!("{host}:exam_stress")));
    let link = format!("href=\"{}/forms/contact\"", publisher.server.base);
    let body = page.body.replace("&#x2f;", "/");
    assert!(
        body.contains(&link),
        "a path leads back to the site that made it: {body}"
    );
    assert!(page.cookie("campaign_id").is_none());

    // A feed that breaks keeps its last good copy.
    publisher.server.stop().await;
    let out = importer.cli(&["campaigns", "fetch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::support::stdout(&out).contains("its last good copy is kept"));
    assert_eq!(importer.count_rows("campaign_feeds").await, 1);
}
