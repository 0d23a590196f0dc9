//! `custodian stats summary`: the totals for a range of days.
//!
//! Visitors over more than one day are the sum of each day's unique
//! visitors, and say so: the same person on two days is two, because no
//! key that could link their days is kept. With `--goaccess-compatible`
//! the totals count as GoAccess does (see docs/statistics.md).

use serde_json::json;
use time::Date;

use crate::cli::{Global, SummaryArgs};
use crate::error::{CliError, CliResult};
use crate::site;

fn day_number(date: Date) -> i64 {
    date.midnight()
        .assume_utc()
        .unix_timestamp()
        .div_euclid(86_400)
}

pub async fn summary(global: &Global, args: &SummaryArgs) -> CliResult {
    let parse = |text: &str| custodian_policy::forms::parse_day(text).map_err(CliError::Invalid);
    let (from, to) = (parse(&args.from)?, parse(&args.to)?);
    if to < from {
        return Err(CliError::Invalid(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    let url = site::database_url(global)?;
    let store = custodian_store::Store::connect(&url).await?;
    store
        .migrate(time::OffsetDateTime::now_utc().unix_timestamp())
        .await?;
    let (first, last) = (day_number(from), day_number(to));
    let days = store.stats_days(&args.site, first, last).await?;
    let (_, malformed) = store.log_run_totals(&args.site).await?;
    let bots = store
        .stats_top(&args.site, "bot", first, last, 1000)
        .await?;
    store.close().await;

    let valid: i64 = days.iter().map(|d| d.requests).sum();
    let bot_requests: i64 = days.iter().map(|d| d.bot_requests).sum();
    let mut by_family = serde_json::Map::new();
    for (value, n) in &bots {
        let family = value.split_once('/').map_or(value.as_str(), |(_, f)| f);
        let entry = by_family.entry(family.to_owned()).or_insert(json!(0));
        *entry = json!(entry.as_i64().unwrap_or(0) + n);
    }
    let several = first != last;
    let out = if args.goaccess_compatible {
        let invalid: i64 = days.iter().map(|d| d.goaccess_invalid).sum();
        json!({
            "site": args.site,
            "from": args.from,
            "to": args.to,
            "counted_as": "goaccess",
            "total_requests": valid + malformed,
            "valid_requests": valid - invalid,
            "failed_requests": malformed + invalid,
            "unique_visitors": days.iter().map(|d| d.goaccess_visitors).sum::<i64>(),
        })
    } else {
        json!({
            "site": args.site,
            "from": args.from,
            "to": args.to,
            "requests": valid + malformed,
            "valid_requests": valid,
            "malformed_lines": malformed,
            "pageviews": days.iter().map(|d| d.pageviews).sum::<i64>(),
            "visitors": days.iter().map(|d| d.visitors).sum::<i64>(),
            "visitors_are": if several {
                "the sum of each day's unique visitors: a person who came on two days counts twice"
            } else {
                "unique visitors that day"
            },
            "visitors_estimated": days.iter().any(|d| !d.visitors_exact),
            "bot_requests": bot_requests,
            "bot_requests_by_family": by_family,
        })
    };
    match args.format.as_str() {
        "json" => say!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| CliError::Runtime(e.into()))?
        ),
        _ => {
            if let Some(map) = out.as_object() {
                for (k, v) in map {
                    say!("{k}: {v}");
                }
            }
        }
    }
    Ok(())
}
