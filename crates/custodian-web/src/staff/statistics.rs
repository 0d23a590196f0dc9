//! Site usage statistics for analysts: a date range; pageviews and
//! visitors over time as a server-drawn SVG chart with the same figures in
//! a table; top pages, referrer domains, browsers, operating systems,
//! devices, statuses, pages not found and bots; every table as CSV, and
//! all of it as JSON. Only aggregates exist to show: nothing here can
//! name a visitor.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use custodian_forms::answers::long_date;
use minijinja::context;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct Range {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    site: Option<String>,
}

/// The tables the page shows, in order: (id, heading, dimension).
/// A table's id, its heading and the dimension it counts.
type TableSpec = (&'static str, &'static str, &'static str);

const TABLES: &[TableSpec] = &[
    ("pages", "Top pages", "pages"),
    ("referrers", "Entry referrer domains", "referrer"),
    ("browsers", "Browsers", "browser"),
    ("systems", "Operating systems", "os"),
    ("devices", "Devices", "device"),
    ("statuses", "Status codes", "status"),
    ("not-found", "Pages not found", "not_found"),
    ("bots", "Bots left out of visitors", "bot"),
];

#[derive(Debug, Serialize)]
struct DayView {
    day: String,
    date: String,
    pageviews: i64,
    visitors: i64,
}

#[derive(Debug, Serialize)]
struct Table {
    id: &'static str,
    heading: &'static str,
    rows: Vec<(String, i64)>,
}

#[derive(Debug, Serialize)]
struct Statistics {
    site: String,
    from: String,
    to: String,
    pageviews: i64,
    visitors: i64,
    visitors_are: &'static str,
    bot_requests: i64,
    days: Vec<DayView>,
    tables: Vec<Table>,
    /// Each campaign's totals over the range.
    campaigns: Vec<CampaignView>,
    /// The same per day, as counted.
    campaign_days: Vec<CampaignDayView>,
    /// Counted by the measurement cookie, when the site sets one.
    measured: Option<MeasuredView>,
}

/// What the measurement cookie counted: only browsers whose person said
/// yes to it, so a floor rather than everyone.
#[derive(Debug, Serialize)]
struct MeasuredView {
    /// "visits" for a session cookie, "browsers" for a lasting one.
    unit: &'static str,
    /// The sum of each day's different numbers: each day's numbers are
    /// hashed under that day's own salt, so nothing links a browser's days.
    total: i64,
    days: Vec<MeasuredDayView>,
}

#[derive(Debug, Serialize)]
struct MeasuredDayView {
    day: String,
    date: String,
    count: i64,
}

fn measured_view(
    cookie: &custodian_policy::measurement::MeasurementCookie,
    rows: &[custodian_store::stats::measured::MeasuredDay],
) -> MeasuredView {
    MeasuredView {
        unit: if cookie.counts_visits() {
            "visits"
        } else {
            "browsers"
        },
        total: rows.iter().map(|r| r.browsers).sum(),
        days: rows
            .iter()
            .filter_map(|r| {
                let date = date_of(r.day)?;
                Some(MeasuredDayView {
                    day: date.to_string(),
                    date: long_date(date),
                    count: r.browsers,
                })
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
struct CampaignView {
    campaign: String,
    shows: i64,
    /// Showings to browsers without the campaign cookie.
    uncounted: i64,
    /// The sum of each day's distinct cookie numbers.
    reach: i64,
    /// Showings per cookie number, to one decimal place.
    frequency: String,
}

#[derive(Debug, Serialize)]
struct CampaignDayView {
    campaign: String,
    day: String,
    shows: i64,
    uncounted: i64,
    reach: i64,
}

/// Showings to browsers with a number, per number reached.
fn frequency(shows: i64, uncounted: i64, reach: i64) -> String {
    if reach == 0 {
        return "-".to_owned();
    }
    let tenths = (shows - uncounted) * 10 / reach;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn campaign_views(
    rows: &[custodian_store::campaigns::CampaignDay],
) -> (Vec<CampaignView>, Vec<CampaignDayView>) {
    let mut totals: Vec<CampaignView> = Vec::new();
    for r in rows {
        match totals.iter_mut().find(|t| t.campaign == r.campaign) {
            Some(t) => {
                t.shows += r.shows;
                t.uncounted += r.uncounted;
                t.reach += r.reach;
            }
            None => totals.push(CampaignView {
                campaign: r.campaign.clone(),
                shows: r.shows,
                uncounted: r.uncounted,
                reach: r.reach,
                frequency: String::new(),
            }),
        }
    }
    for t in &mut totals {
        t.frequency = frequency(t.shows, t.uncounted, t.reach);
    }
    let days = rows
        .iter()
        .filter_map(|r| {
            Some(CampaignDayView {
                campaign: r.campaign.clone(),
                day: date_of(r.day)?.to_string(),
                shows: r.shows,
                uncounted: r.uncounted,
                reach: r.reach,
            })
        })
        .collect();
    (totals, days)
}

fn day_number(date: Date) -> i64 {
    date.midnight()
        .assume_utc()
        .unix_timestamp()
        .div_euclid(86_400)
}

fn date_of(day: i64) -> Option<Date> {
    time::OffsetDateTime::from_unix_timestamp(day.saturating_mul(86_400))
        .ok()
        .map(|t| t.date())
}

/// The range asked for, or the last 30 days; a specific error otherwise.
fn resolve(app: &AppState, range: &Range) -> Result<(Date, Date, String), String> {
    let today = app.clock.now().date();
    let read =
        |text: &Option<String>, default: Date, name: &str| match text.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(t) => custodian_policy::forms::parse_day(t).map_err(|_| {
                format!("Enter the {name} date as YYYY-MM-DD, for example 2026-11-01")
            }),
        };
    let to = read(&range.to, today, "end")?;
    let from = read(&range.from, to - Duration::days(29), "start")?;
    if to < from {
        return Err("The end date must be the same as or after the start date".into());
    }
    if (to - from).whole_days() > 3660 {
        return Err("Choose a range of at most 10 years".into());
    }
    let site = range
        .site
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "default".to_owned());
    Ok((from, to, site))
}

/// One of the dashboard's tables, with bots named for people.
fn table(((id, heading, dimension), rows): (&TableSpec, Vec<(String, i64)>)) -> Table {
    let rows = if *dimension == "bot" {
        rows.into_iter().map(|(v, n)| (bot_label(&v), n)).collect()
    } else {
        rows
    };
    Table { id, heading, rows }
}

/// A day of the chart and its table.
fn day_view(d: &custodian_store::stats::DayRow) -> Option<DayView> {
    let date = date_of(d.day)?;
    Some(DayView {
        day: date.to_string(),
        date: long_date(date),
        pageviews: d.pageviews,
        visitors: d.visitors,
    })
}

async fn gather(app: &AppState, from: Date, to: Date, site: &str) -> AppResult<Statistics> {
    let store = &app.store;
    let (first, last) = (day_number(from), day_number(to));
    let dimensions: Vec<&'static str> = TABLES.iter().map(|(_, _, d)| *d).collect();
    let overview = store
        .stats_overview(site, first, last, &dimensions, 50)
        .await?;
    let days = overview.days;
    let tables = TABLES.iter().zip(overview.tables).map(table).collect();
    let mut showings = store.campaign_days(first, last).await?;
    // This instance's showings not yet written; other instances write
    // theirs every few seconds.
    app.uncounted_campaigns
        .add_pending(&mut showings, first, last);
    let (campaigns, campaign_days) = campaign_views(&showings);
    // Only the server's own pages carry the cookie: a log's site has none.
    let measured = match &app.checked.measurement {
        Some(cookie) if site == app.options.page_stats_site => Some(measured_view(
            cookie,
            &store.measured_days(site, first, last).await?,
        )),
        _ => None,
    };
    Ok(Statistics {
        site: site.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
        pageviews: days.iter().map(|d| d.pageviews).sum(),
        visitors: days.iter().map(|d| d.visitors).sum(),
        visitors_are: if first == last {
            "unique visitors that day"
        } else {
            "the sum of each day's unique visitors: someone who came on two days counts twice"
        },
        bot_requests: days.iter().map(|d| d.bot_requests).sum(),
        days: days.iter().filter_map(day_view).collect(),
        tables,
        campaigns,
        campaign_days,
        measured,
    })
}

/// `ai_scraper/GPTBot` → `GPTBot (AI scrapers and assistants)`.
fn bot_label(value: &str) -> String {
    let (kind, family) = value.split_once('/').unwrap_or(("", value));
    let kind = match kind {
        "crawler" => "search and link crawlers",
        "ai_scraper" => "AI scrapers and assistants",
        "monitor" => "uptime monitors",
        "tool" => "command-line tools and HTTP libraries",
        "headless" => "headless browsers",
        _ => "bots",
    };
    format!("{family} ({kind})")
}

/// The chart's bars and axis, computed here so the SVG is plain markup.
#[derive(Debug, Serialize)]
struct Bar {
    x: i64,
    pageviews_y: i64,
    pageviews_height: i64,
    visitors_y: i64,
    visitors_height: i64,
    width: i64,
    label: String,
}

const CHART_HEIGHT: i64 = 200;
const CHART_WIDTH: i64 = 640;

fn bars(days: &[DayView]) -> (Vec<Bar>, i64) {
    let top = days
        .iter()
        .map(|d| d.pageviews.max(d.visitors))
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(days.len()).unwrap_or(1).max(1);
    let slot = (CHART_WIDTH / n).max(2);
    let width = (slot / 2).max(1);
    let scale = |v: i64| v.saturating_mul(CHART_HEIGHT) / top;
    let bars = days
        .iter()
        .zip(0i64..)
        .map(|(d, i)| Bar {
            x: i * slot,
            pageviews_y: CHART_HEIGHT - scale(d.pageviews),
            pageviews_height: scale(d.pageviews),
            visitors_y: CHART_HEIGHT - scale(d.visitors),
            visitors_height: scale(d.visitors),
            width,
            label: format!(
                "{}: {} pageviews, {} visitors",
                d.date, d.pageviews, d.visitors
            ),
        })
        .collect();
    (bars, top)
}

/// `/staff/statistics`: the dashboard.
pub async fn show(
    State(app): State<AppState>,
    Query(range): Query<Range>,
    page: Page,
) -> AppResult<Response> {
    let (from, to, site) = match resolve(&app, &range) {
        Ok(r) => r,
        Err(message) => {
            let mut response = page
                .render(
                    "staff/statistics.html",
                    "Error: Site usage statistics",
                    context! {
                        errors => vec![context! { field => "from", text => message }],
                        error => message,
                        from => range.from,
                        to => range.to,
                        site => range.site,
                    },
                )?
                .into_response();
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let stats = gather(&app, from, to, &site).await?;
    let (bars, top) = bars(&stats.days);
    let query = format!("from={from}&to={to}&site={}", urlencode(&site));
    Ok(page
        .render(
            "staff/statistics.html",
            "Site usage statistics",
            context! {
                stats,
                bars,
                top,
                chart_height => CHART_HEIGHT,
                chart_width => CHART_WIDTH,
                from => from.to_string(),
                to => to.to_string(),
                from_long => long_date(from),
                to_long => long_date(to),
                site,
                query,
            },
        )?
        .into_response())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/staff/statistics.json`: the same figures, for other programs.
pub async fn json(State(app): State<AppState>, Query(range): Query<Range>) -> AppResult<Response> {
    match resolve(&app, &range) {
        Ok((from, to, site)) => Ok(Json(gather(&app, from, to, &site).await?).into_response()),
        Err(message) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": message })),
        )
            .into_response()),
    }
}

fn campaign_day_row(d: &CampaignDayView) -> Vec<String> {
    vec![
        d.campaign.clone(),
        d.day.clone(),
        d.shows.to_string(),
        d.uncounted.to_string(),
        d.reach.to_string(),
    ]
}

/// `/staff/statistics/{table}.csv`: one table, or `days`.
pub async fn csv(
    State(app): State<AppState>,
    Path(file): Path<String>,
    Query(range): Query<Range>,
) -> AppResult<Response> {
    let Ok((from, to, site)) = resolve(&app, &range) else {
        return Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    };
    let Some(table) = file.strip_suffix(".csv") else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let stats = gather(&app, from, to, &site).await?;
    let name = format!("{table}-{from}-to-{to}");
    let (headings, rows): (Vec<&str>, Vec<Vec<String>>) = match table {
        "campaigns" => (
            vec![
                "campaign",
                "day",
                "shows",
                "shows without the cookie",
                "reach",
            ],
            stats.campaign_days.iter().map(campaign_day_row).collect(),
        ),
        "days" => (
            vec!["day", "pageviews", "visitors"],
            stats
                .days
                .iter()
                .map(|d| {
                    vec![
                        d.day.clone(),
                        d.pageviews.to_string(),
                        d.visitors.to_string(),
                    ]
                })
                .collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    if !headings.is_empty() {
        let headings = headings.into_iter().map(str::to_owned).collect();
        return super::consultations::csv_response(&name, headings, rows);
    }
    let Some(found) = stats.tables.into_iter().find(|t| t.id == table) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let rows = found
        .rows
        .into_iter()
        .map(|(v, n)| vec![v, n.to_string()])
        .collect();
    super::consultations::csv_response(&name, vec![found.heading.to_owned(), "count".into()], rows)
}
