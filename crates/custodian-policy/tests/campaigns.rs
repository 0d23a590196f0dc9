//! `[campaign_slot]` and `[campaigns.<id>]`: a campaign with a cap needs a
//! cookie to count with, that cookie must be declared behind consent and
//! outlast the session, caps may not look back further than the policy
//! keeps what they use, and every date, link, cap and place must read.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::{ServerCookies, load};

const FIXTURE: &str = include_str!("../../custodian/tests/it/fixtures/site.toml");
const CAMPAIGNS: &str = include_str!("../../custodian/tests/it/fixtures/campaigns.toml");

fn problems(config: &str) -> String {
    match load("site.toml", config, &ServerCookies::current()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

fn with(campaigns: &str) -> String {
    FIXTURE.to_owned() + campaigns
}

#[test]
fn the_shared_fixture_is_complete_and_read_as_written() {
    let checked = load("site.toml", &with(CAMPAIGNS), &ServerCookies::current()).unwrap();
    let c = &checked.campaigns;
    assert_eq!(c.campaigns.len(), 3);
    assert_eq!(c.window_days, 7, "the longest cap");
    let cookie = c.cookie.as_ref().unwrap();
    assert_eq!(cookie.name, "campaign_id");
    assert_eq!(cookie.consent_category, "campaigns");
    assert!(cookie.max_age_days >= 365);
    assert!(c.has_place("side") && !c.has_place("footer"));
    assert!(
        !checked.notes.iter().any(|n| n.contains("campaign_id")),
        "the server sets it now: {:?}",
        checked.notes
    );
}

#[test]
fn a_cap_needs_a_cookie_to_count_with() {
    let no_cookie = CAMPAIGNS.replace("cookie = \"campaign_id\"\n", "");
    let found = problems(&with(&no_cookie));
    assert!(
        found.contains("campaign `exam_stress` has a cap, but [campaign_slot] names no cookie"),
        "{found}"
    );
}

#[test]
fn the_cookie_must_be_declared_behind_consent_and_last() {
    let undeclared = CAMPAIGNS.replace("cookie = \"campaign_id\"", "cookie = \"campaign_number\"");
    assert!(
        problems(&with(&undeclared))
            .contains("sets a cookie named `campaign_number`, but the policy does not declare it")
    );

    let session = CAMPAIGNS.replace(
        "duration = \"1 year\"\nholds = \"A unique",
        "duration = \"session\"\nholds = \"A unique",
    );
    assert!(
        problems(&with(&session)).contains("must outlast the session"),
        "{}",
        problems(&with(&session))
    );

    let clash = CAMPAIGNS.replace("cookie = \"campaign_id\"", "cookie = \"custodian_session\"");
    assert!(problems(&with(&clash)).contains("has the name of one of the server's own cookies"));
}

#[test]
fn caps_look_back_no_further_than_the_policy_keeps_what_they_use() {
    let short = CAMPAIGNS.replace("retention = \"1 year\"", "retention = \"3 days\"");
    let found = problems(&with(&short));
    assert!(found.contains("caps count showings over 7 days, but purpose `campaign_pilot` keeps what it uses for 3 days"), "{found}");
}

#[test]
fn dates_links_caps_and_places_must_read() {
    for (from, to, expected) in [
        (
            "ends = \"2099-12-31\"\nplaces = [\"home\", \"side\"]",
            "ends = \"2019-12-31\"\nplaces = [\"home\", \"side\"]",
            "campaign `exam_stress` ends before it starts",
        ),
        (
            "starts = \"2020-01-01\"\nends = \"2099-12-31\"\nplaces = [\"home\"]",
            "starts = \"1 Jan\"\nends = \"2099-12-31\"\nplaces = [\"home\"]",
            "`1 Jan` is not a date",
        ),
        (
            "link = \"/forms/contact\"",
            "link = \"javascript:alert(1)\"",
            "neither a path on this site nor a web address",
        ),
        (
            "cap = \"2 times in 7 days\"",
            "cap = \"twice a week\"",
            "`twice a week` is not a cap",
        ),
        (
            "places = [\"home\"]\ncap",
            "places = [\"Home Page\"]\ncap",
            "`Home Page` is not a place name",
        ),
        (
            "places = [\"home\"]\ncap",
            "places = []\ncap",
            "`online_safety` names no places to appear",
        ),
    ] {
        assert!(CAMPAIGNS.contains(from), "{from}");
        let found = problems(&with(&CAMPAIGNS.replacen(from, to, 1)));
        assert!(found.contains(expected), "{to}: {found}");
    }
}
