//! Site usage statistics from web server logs, through the real binary and
//! database: the NASA sample log and generated ones, read once however
//! often they are given, gzip and standard input, malformed lines counted
//! and shown, bad formats refused with exit code 2, nothing personal in
//! the database, and the totals equal to GoAccess's on the same log.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Site, binary, contains, database_bytes, stderr, stdout, tempdir, write};

const NASA: &str = "data/logs/nasa_aug95_sample.log";

/// The real NASA log sample in the shared data beside the repository
/// (`../shared`), or where `CUSTODIAN_SHARED_DIR` or this machine keeps it.
fn nasa() -> std::path::PathBuf {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = [
        std::env::var_os("CUSTODIAN_SHARED_DIR").map(std::path::PathBuf::from),
        Some(repo.join("../shared")),
        Some(std::path::PathBuf::from("/work/shared")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|dir| dir.join(NASA))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("the NASA sample {NASA} is not in ../shared or CUSTODIAN_SHARED_DIR")
        })
}

fn summary(site: &Site, from: &str, to: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["stats", "summary", "--from", from, "--to", to];
    args.extend_from_slice(extra);
    let out = site.cli(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or_default()
}

fn generate(site: &Site, lines: &str, days: &str, file: &std::path::Path) {
    let out = site.cli(&[
        "logs",
        "generate",
        "--lines",
        lines,
        "--days",
        days,
        "--seed",
        "3",
        "--start",
        "2026-11-01",
        "--out",
        &file.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn the_nasa_log_is_counted_once_with_its_malformed_lines_shown() {
    let site = Site::start().await;
    let log = nasa().display().to_string();
    let first = site.cli(&["logs", "ingest", "--format", "common", &log]);
    assert!(first.status.success(), "{}", stderr(&first));
    let report = stdout(&first);
    assert!(report.contains("read 1930 lines"), "{report}");
    assert!(report.contains("malformed"), "{report}");
    assert!(
        report.contains("the first, line "),
        "a line number and the line: {report}"
    );

    let totals = summary(&site, "1995-08-01", "1995-08-31", &[]);
    assert_eq!(totals["requests"], 1930, "{totals}");
    let malformed = totals["malformed_lines"].as_i64().unwrap_or(-1);
    assert!(malformed > 0 && malformed < 200, "{totals}");
    assert!(totals["pageviews"].as_i64().unwrap_or(0) > 0);

    // Again: nothing new, so nothing counted twice.
    let again = site.cli(&["logs", "ingest", "--format", "common", &log]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        summary(&site, "1995-08-01", "1995-08-31", &[])["valid_requests"],
        totals["valid_requests"]
    );

    // No host name from the log reaches the database.
    let db = database_bytes(&site.data_dir());
    for host in ["in24.inetnebr.com", "uplherc.upl.com"] {
        assert!(!contains(&db, host.as_bytes()), "{host} is in the database");
    }
}

#[tokio::test]
async fn a_growing_file_gzip_and_standard_input_count_each_line_once() {
    let site = Site::start().await;
    let dir = tempdir();
    let full = dir.path().join("full.log");
    generate(&site, "3000", "2", &full);
    let text = std::fs::read_to_string(&full).unwrap_or_default();
    let (head, tail) = text.split_at(text.len() / 2);
    // Half a file, then the rest appended: the second run reads only the rest.
    let growing = write(dir.path(), "access.log", head);
    let partial = site.cli(&["logs", "ingest", &growing.display().to_string()]);
    assert!(partial.status.success(), "{}", stderr(&partial));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&growing)
        .and_then(|mut f| f.write_all(tail.as_bytes()))
        .unwrap_or_default();
    let rest = site.cli(&["logs", "ingest", &growing.display().to_string()]);
    assert!(rest.status.success(), "{}", stderr(&rest));
    let grown = summary(&site, "2026-11-01", "2026-11-02", &[]);
    assert_eq!(grown["valid_requests"], 3000, "{grown}");

    // The same log gzipped, into another site, and through standard input
    // into a third: the same totals.
    let gz = dir.path().join("full.log.gz");
    let zipped = Command::new("gzip").args(["-k", "-c"]).arg(&full).output();
    std::fs::write(&gz, zipped.map(|o| o.stdout).unwrap_or_default()).unwrap_or_default();
    let out = site.cli(&[
        "logs",
        "ingest",
        "--site",
        "zipped",
        &gz.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let zipped = summary(&site, "2026-11-01", "2026-11-02", &["--site", "zipped"]);
    assert_eq!(zipped["valid_requests"], 3000);
    assert_eq!(zipped["pageviews"], grown["pageviews"]);

    let mut child = Command::new(binary())
        .args(["logs", "ingest", "--site", "piped", "-", "--data-dir"])
        .arg(site.data_dir())
        .arg("--database-url")
        .arg(site.database_url())
        .env_remove("CUSTODIAN_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes()).unwrap_or_default();
    }
    let piped_run = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(piped_run.status.success());
    let piped = summary(&site, "2026-11-01", "2026-11-02", &["--site", "piped"]);
    assert_eq!(piped["visitors"], zipped["visitors"]);
}

#[tokio::test]
async fn bad_formats_are_refused_and_bad_lines_are_never_fatal() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = write(dir.path(), "x.log", "x\n");
    for (format, reason) in [
        ("apache", "unknown log format `apache`"),
        ("$remote_addr [$time_local] \"$request\"", "has no $status"),
    ] {
        let out = site.cli(&[
            "logs",
            "ingest",
            "--format",
            format,
            &log.display().to_string(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(stderr(&out).contains(reason), "{format}: {}", stderr(&out));
    }
    // Garbage of every sort, and a missing file: counted, reported, the
    // rest still read.
    let mut junk = b"\xff\xfe\x00binary\n".to_vec();
    junk.extend_from_slice(&vec![b'a'; 40_000]);
    junk.extend_from_slice(b"\n192.0.2.1 - - [01/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"\n");
    junk.extend_from_slice(b"192.0.2.1 - - [01/Nov/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 200\n");
    let bad = dir.path().join("junk.log");
    std::fs::write(&bad, &junk).unwrap_or_default();
    let out = site.cli(&[
        "logs",
        "ingest",
        &bad.display().to_string(),
        "/no/such/file.log",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let report = stdout(&out);
    assert!(report.contains("read 4 lines (3 malformed)"), "{report}");
    for kind in ["not_utf8", "too_long", "truncated"] {
        assert!(report.contains(kind), "{kind}: {report}");
    }
    assert!(stderr(&out).contains("/no/such/file.log"));
    let totals = summary(&site, "2026-11-01", "2026-11-01", &[]);
    assert_eq!(totals["pageviews"], 1);
    // Neither the address nor the user agent is in the database.
    let db = database_bytes(&site.data_dir());
    assert!(!contains(&db, b"192.0.2.1"));
    assert!(!contains(&db, b"Gecko/20100101"));
}

#[tokio::test]
async fn the_totals_equal_goaccess_on_the_same_log() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = dir.path().join("access.log");
    generate(&site, "20000", "3", &log);
    let out = site.cli(&["logs", "ingest", &log.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = summary(
        &site,
        "2026-11-01",
        "2026-11-03",
        &["--goaccess-compatible"],
    );

    let report = dir.path().join("report.json");
    let goaccess = Command::new("goaccess")
        .arg(&log)
        .args(["--log-format=COMBINED", "--no-global-config", "-o"])
        .arg(&report)
        .output()
        .unwrap_or_else(|e| {
            panic!("goaccess from Debian's packages is needed (scripts/setup --tests): {e}")
        });
    assert!(
        goaccess.status.success(),
        "{}",
        String::from_utf8_lossy(&goaccess.stderr)
    );
    let theirs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
            .unwrap_or_default();
    let general = &theirs["general"];
    for (mine, their) in [
        ("total_requests", "total_requests"),
        ("valid_requests", "valid_requests"),
        ("failed_requests", "failed_requests"),
        ("unique_visitors", "unique_visitors"),
    ] {
        assert_eq!(
            ours[mine], general[their],
            "{mine}: ours {ours}, GoAccess {general}"
        );
    }
}

#[tokio::test]
async fn a_redacted_copy_has_no_addresses_and_the_same_pages() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = dir.path().join("access.log");
    generate(&site, "2000", "1", &log);
    let out = site.cli(&["logs", "redact", &log.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let redacted = dir.path().join("access.log.redacted");
    let text = std::fs::read_to_string(&redacted).unwrap_or_default();
    assert_eq!(text.lines().count(), 2000);
    assert!(
        text.lines().all(|l| l.starts_with("- - - [")),
        "{}",
        text.lines().next().unwrap_or_default()
    );
    assert!(!text.contains("2001:db8:"));
}

#[tokio::test]
async fn an_analyst_reads_the_dashboard_its_exports_and_api() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = dir.path().join("access.log");
    generate(&site, "5000", "3", &log);
    let out = site.cli(&["logs", "ingest", &log.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let totals = summary(&site, "2026-11-01", "2026-11-03", &[]);

    let secret = site.add_staff("annie", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    let page = analyst
        .get("/staff/statistics?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("id=\"pageviews\">{}<", totals["pageviews"])),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("id=\"visitors\">{}<", totals["visitors"]))
    );
    assert!(
        page.body.contains("sum of each day"),
        "visitors over several days are labelled"
    );
    for heading in [
        "Top pages",
        "Entry referrer domains",
        "Browsers",
        "Operating systems",
        "Devices",
        "Status codes",
        "Pages not found",
        "Bots left out of visitors",
    ] {
        assert!(page.body.contains(heading), "{heading}");
    }
    assert!(page.body.contains("<svg role=\"img\""), "the chart");
    assert!(page.body.contains("GPTBot (AI scrapers and assistants)"));

    let api = analyst
        .get("/staff/statistics.json?from=2026-11-01&to=2026-11-03")
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap_or_default();
    assert_eq!(json["pageviews"], totals["pageviews"]);
    assert_eq!(json["days"].as_array().map(Vec::len), Some(3));

    let csv = analyst
        .get("/staff/statistics/pages.csv?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("\"Top pages\",\"count\"\n\"/\","),
        "{}",
        csv.body.get(..80).unwrap_or_default()
    );
    let days = analyst
        .get("/staff/statistics/days.csv?from=2026-11-01&to=2026-11-03")
        .await;
    assert!(
        days.body
            .starts_with("\"day\",\"pageviews\",\"visitors\"\n\"2026-11-01\","),
        "{}",
        days.body
    );

    let bad = analyst.get("/staff/statistics?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter the start date as YYYY-MM-DD"));

    // Other roles are refused.
    let secret = site.add_staff("cass", "caseworker");
    let mut caseworker = site.browser();
    caseworker.sign_in("cass", &secret).await;
    assert_eq!(caseworker.get("/staff/statistics").await.status, 403);
}

/// Wait until the site's valid requests reach `n`, for a follower.
async fn wait_for_requests(site: &Site, n: i64) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    for _ in 0..100 {
        last = summary(site, "2026-11-01", "2026-11-02", &[]);
        if last["valid_requests"] == n {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("never reached {n} requests: {last}");
}

#[tokio::test]
async fn following_a_log_reads_what_is_added_and_goes_on_after_rotation() {
    let site = Site::start().await;
    let dir = tempdir();
    let all = dir.path().join("all.log");
    generate(&site, "900", "1", &all);
    let text = std::fs::read_to_string(&all).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let part = |range: std::ops::Range<usize>| {
        lines[range]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let log = write(dir.path(), "access.log", &part(0..300));
    let mut follower = Command::new(binary())
        .args(["logs", "ingest", "--follow", "--save-seconds", "1"])
        .arg(&log)
        .arg("--data-dir")
        .arg(site.data_dir())
        .arg("--database-url")
        .arg(site.database_url())
        .env_remove("CUSTODIAN_CONFIG")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for_requests(&site, 300).await;

    // Lines added, half a line at the end still being written.
    let more = part(300..600);
    let (whole, half) = more.split_at(more.len() - 20);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(whole.as_bytes()))
        .unwrap_or_default();
    wait_for_requests(&site, 599).await;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(half.as_bytes()))
        .unwrap_or_default();
    wait_for_requests(&site, 600).await;

    // Rotated: the old file renamed, a new one at the same path.
    std::fs::rename(&log, dir.path().join("access.log.1")).unwrap_or_default();
    write(dir.path(), "access.log", &part(600..900));
    let totals = wait_for_requests(&site, 900).await;

    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(follower.id().to_string())
        .status();
    let status = follower.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "stops cleanly on SIGTERM");
    let mut said = String::new();
    if let Some(mut out) = follower.stdout.take() {
        use std::io::Read;
        out.read_to_string(&mut said).unwrap_or_default();
    }
    assert!(said.contains("stopped; everything read is saved"), "{said}");

    // The same lines read in one go count the same.
    let out = site.cli(&[
        "logs",
        "ingest",
        "--site",
        "once",
        &all.display().to_string(),
    ]);
    assert!(out.status.success());
    let once = summary(&site, "2026-11-01", "2026-11-02", &["--site", "once"]);
    assert_eq!(once["pageviews"], totals["pageviews"]);
    // Each visitor once however often the follower saved: its saves merge
    // sketches, so the day's count is the sketch's estimate, and says so.
    let (a, b) = (
        once["visitors"].as_f64().unwrap_or(0.0),
        totals["visitors"].as_f64().unwrap_or(-1.0),
    );
    assert!(
        (a - b).abs() <= (a * 0.02).max(1.0),
        "once {a}, followed {b}"
    );
    assert_eq!(totals["visitors_estimated"], true);
    assert_eq!(once["visitors_estimated"], false);
}

#[tokio::test]
async fn the_servers_own_pages_are_counted_in_process_without_a_cookie() {
    let site = Site::start_with_args(crate::support::FIXTURE, &["--page-stats-seconds", "1"]).await;
    const AGENT: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 CountedOnce/7.7";
    let mut person = site.browser();
    person
        .extra_headers
        .push(("user-agent".into(), AGENT.into()));
    person.extra_headers.push((
        "referer".into(),
        "https://www.search.example/results?q=my+name".into(),
    ));
    for path in [
        "/",
        "/",
        "/privacy",
        "/permission/secret-token-in-path",
        "/no-such-page",
    ] {
        let page = person.get(path).await;
        assert!(
            page.set_cookies.iter().all(|c| c.name != "usage_id"),
            "no cookie counts anyone"
        );
    }
    let mut crawler = site.browser();
    crawler.extra_headers.push((
        "user-agent".into(),
        "Googlebot/2.1 (+http://www.google.com/bot.html)".into(),
    ));
    crawler.get("/").await;

    let secret = site.add_staff("annie", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    let mut stats = serde_json::Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let api = analyst.get("/staff/statistics.json?site=custodian").await;
        stats = serde_json::from_str(&api.body).unwrap_or_default();
        if stats["bot_requests"] == 1 {
            break;
        }
    }
    assert_eq!(
        stats["pageviews"], 3,
        "two home pages and the notice: {stats}"
    );
    assert_eq!(stats["visitors"], 1, "{stats}");
    assert_eq!(stats["bot_requests"], 1, "{stats}");
    let table = |id: &str| -> Vec<String> {
        stats["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["id"] == id))
            .and_then(|t| t["rows"].as_array())
            .map(|rows| {
                rows.iter()
                    .map(|r| r[0].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(table("pages"), vec!["/", "/privacy"], "{stats}");
    assert_eq!(
        table("referrers"),
        vec!["www.search.example"],
        "the domain only"
    );
    let not_found = table("not-found");
    assert!(
        not_found
            .iter()
            .all(|p| !p.contains("secret") && !p.contains("no-such")),
        "{not_found:?}"
    );
    assert!(
        !table("pages").iter().any(|p| p.starts_with("/staff")),
        "the staff area is not the site"
    );

    // Nothing of the request is kept but the counts: no agent, token,
    // query or address in the database or the server's log.
    let db = database_bytes(&site.data_dir());
    let log = site.server.log();
    for needle in [
        "CountedOnce",
        "secret-token-in-path",
        "my+name",
        "no-such-page",
    ] {
        if !db.is_empty() {
            assert!(
                !contains(&db, needle.as_bytes()),
                "{needle} in the database"
            );
        }
        assert!(!log.contains(needle), "{needle} in the log");
    }
}

#[tokio::test]
async fn which_files_are_assets_is_configurable() {
    let site = Site::start().await;
    let dir = tempdir();
    let agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let lines: String = ["/", "/style.css", "/report.pdf", "/logo.PNG"]
        .iter()
        .map(|path| {
            format!("192.0.2.1 - - [02/Nov/2026:10:00:00 +0000] \"GET {path} HTTP/1.1\" 200 512 \"-\" \"{agent}\"\n")
        })
        .collect();
    let by_default = write(dir.path(), "a.log", &lines);
    let out = site.cli(&[
        "logs",
        "ingest",
        "--site",
        "a",
        &by_default.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let chosen = write(dir.path(), "b.log", &lines);
    let out = site.cli(&[
        "logs",
        "ingest",
        "--site",
        "b",
        "--asset-extensions",
        "pdf,.png",
        &chosen.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pageviews = |name: &str| {
        summary(&site, "2026-11-02", "2026-11-02", &["--site", name])["pageviews"].clone()
    };
    assert_eq!(
        pageviews("a"),
        2,
        "the page and the PDF; not the style sheet or image"
    );
    assert_eq!(
        pageviews("b"),
        2,
        "the page and the style sheet; the PDF and image are assets now"
    );
}

#[tokio::test]
async fn a_large_file_read_in_two_halves_at_once_counts_as_read_in_turn() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = dir.path().join("large.log");
    // Over the 32 MB beyond which a plain file is read side by side.
    generate(&site, "170000", "3", &log);
    assert!(std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) > 32 << 20);
    let mut bytes = std::fs::read(&log).unwrap_or_default();
    // A broken line of a different kind in each half, to check that each
    // is reported with its number in the whole file.
    bytes.splice(0..0, b"garbage at the start\n".iter().copied());
    bytes.extend_from_slice(&[b'x'; 40_000]);
    bytes.push(b'\n');
    std::fs::write(&log, &bytes).unwrap_or_default();

    let side_by_side = site.cli(&[
        "logs",
        "ingest",
        "--site",
        "halves",
        &log.display().to_string(),
    ]);
    assert!(side_by_side.status.success(), "{}", stderr(&side_by_side));
    // Standard input is always read in turn.
    let mut child = Command::new(binary())
        .args(["logs", "ingest", "--site", "turn", "-", "--data-dir"])
        .arg(site.data_dir())
        .arg("--database-url")
        .arg(site.database_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&bytes).unwrap_or_default();
    }
    let in_turn = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(in_turn.status.success(), "{}", stderr(&in_turn));

    let report = stdout(&side_by_side);
    assert!(
        report.contains("line 1:") && report.contains("line 170002:"),
        "{report}"
    );
    for extra in [&[][..], &["--goaccess-compatible"][..]] {
        let mut halves = summary(
            &site,
            "2026-11-01",
            "2026-11-03",
            &[&["--site", "halves"][..], extra].concat(),
        );
        let mut turn = summary(
            &site,
            "2026-11-01",
            "2026-11-03",
            &[&["--site", "turn"][..], extra].concat(),
        );
        for s in [&mut halves, &mut turn] {
            s["site"] = serde_json::Value::Null;
        }
        assert_eq!(halves, turn);
        assert!(
            halves["pageviews"].as_i64().unwrap_or(0) > 50_000 || extra.len() == 1,
            "{halves}"
        );
    }
}

#[tokio::test]
async fn a_range_of_blocks_weeks_and_odd_days_adds_up_to_its_days() {
    let site = Site::start().await;
    let dir = tempdir();
    let log = dir.path().join("two-months.log");
    generate(&site, "30000", "61", &log);
    let out = site.cli(&["logs", "ingest", &log.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = site.add_staff("annie", "analyst");
    let mut analyst = site.browser();
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    let mut api = async |from: &str, to: &str| -> serde_json::Value {
        let page = analyst
            .get(&format!("/staff/statistics.json?from={from}&to={to}"))
            .await;
        serde_json::from_str(&page.body).unwrap_or_default()
    };
    let table = |stats: &serde_json::Value, id: &str| -> std::collections::BTreeMap<String, i64> {
        stats["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["id"] == id))
            .and_then(|t| t["rows"].as_array())
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r[0].as_str().unwrap_or_default().to_owned(),
                            r[1].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // 2026-11-01 to 2026-12-31 is 4 days, 2 weeks, a block of four weeks
    // (2026-11-19 to 2026-12-16), 2 weeks and a day; 2026-11-01 to
    // 2026-11-17 is days either side of whole weeks.
    let days: Vec<String> = (1..=30)
        .map(|d| format!("2026-11-{d:02}"))
        .chain((1..=31).map(|d| format!("2026-12-{d:02}")))
        .collect();
    let mut each_day = Vec::new();
    for day in &days {
        each_day.push(api(day, day).await);
    }
    for (from, to) in [("2026-11-01", "2026-12-31"), ("2026-11-01", "2026-11-17")] {
        let whole = api(from, to).await;
        for id in ["browsers", "statuses"] {
            let mut by_day: std::collections::BTreeMap<String, i64> = Default::default();
            for (day, stats) in days.iter().zip(&each_day) {
                if day.as_str() < from || day.as_str() > to {
                    continue;
                }
                for (k, n) in table(stats, id) {
                    *by_day.entry(k).or_default() += n;
                }
            }
            // Tables show their 50 largest values; compare those.
            let shown = table(&whole, id);
            assert!(!shown.is_empty(), "{from} to {to}: {id}");
            for (k, n) in &shown {
                assert_eq!(Some(n), by_day.get(k), "{from} to {to}: {id} {k}");
            }
        }
    }
    // Pages and pages not found have more than the 50 values a table
    // shows: asked of the store for all of them, a range's totals are the
    // sums of its days' too.
    let store = custodian_store::Store::connect(&site.database_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, last) = (20_758, 20_818); // 2026-11-01 and 2026-12-31
    let all = 100_000;
    let mut pages_by_day: std::collections::BTreeMap<String, i64> = Default::default();
    let mut missing_by_day: std::collections::BTreeMap<String, i64> = Default::default();
    for day in first..=last {
        let pages = store.stats_top_pages("default", day, day, all).await;
        for (k, n) in pages.unwrap_or_default() {
            *pages_by_day.entry(k).or_default() += n;
        }
        let missing = store.stats_top("default", "not_found", day, day, all).await;
        for (k, n) in missing.unwrap_or_default() {
            *missing_by_day.entry(k).or_default() += n;
        }
    }
    let pages = store.stats_top_pages("default", first, last, all).await;
    let pages: std::collections::BTreeMap<String, i64> =
        pages.unwrap_or_default().into_iter().collect();
    assert!(pages.len() > 50, "{} pages", pages.len());
    assert_eq!(pages, pages_by_day);
    let missing = store
        .stats_top("default", "not_found", first, last, all)
        .await;
    let missing: std::collections::BTreeMap<String, i64> =
        missing.unwrap_or_default().into_iter().collect();
    assert!(missing.len() > 50, "{} not found", missing.len());
    assert_eq!(missing, missing_by_day);
    store.close().await;

    let whole = api("2026-11-01", "2026-12-31").await;
    let pages: i64 = table(&whole, "pages").values().sum();
    assert!(pages > 0 && pages <= whole["pageviews"].as_i64().unwrap_or(0));
}

/// A press of the cookie banner's button, from the home page.
async fn answer_banner(b: &mut crate::support::Browser, button: &str) {
    let reply = b
        .submit(
            "/",
            "/cookies/banner",
            &[("cookies", button), ("return_to", "/")],
        )
        .await;
    assert_eq!(reply.status, 303);
}

#[tokio::test]
async fn the_measurement_cookie_counts_different_browsers_only_after_a_yes() {
    let site = Site::start_with_args(crate::support::FIXTURE, &["--page-stats-seconds", "1"]).await;
    let number_in = |b: &crate::support::Browser| b.jar.get("usage_id").cloned();
    let person = |agent: &str| {
        let mut b = site.browser();
        b.extra_headers.push(("user-agent".into(), agent.into()));
        b
    };
    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    // Before any choice, and after a no: no number, nothing measured.
    let mut undecided = person(FIREFOX);
    let mut refuser = person(FIREFOX);
    answer_banner(&mut refuser, "reject").await;
    for b in [&mut undecided, &mut refuser] {
        for path in ["/", "/privacy", "/forms/contact"] {
            let page = b.get(path).await;
            assert!(
                page.set_cookies.iter().all(|c| c.name != "usage_id"),
                "{path}"
            );
        }
        assert_eq!(number_in(b), None);
    }

    // After a yes, the next page read gives a random number, kept as
    // declared, and the pages after it keep it.
    let mut first = person(FIREFOX);
    answer_banner(&mut first, "accept").await;
    let page = first.get("/").await;
    let given = page
        .cookie("usage_id")
        .cloned()
        .unwrap_or_else(|| panic!("no measurement cookie after a yes: {:?}", page.set_cookies));
    assert_eq!(given.value.len(), 32);
    assert!(given.value.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(given.has("httponly"));
    assert_eq!(given.attribute("max-age").as_deref(), Some("31536000"));
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some("no-store"),
        "a page that sets a number is never cached"
    );
    for path in ["/privacy", "/", "/forms/contact"] {
        let again = first.get(path).await;
        assert!(
            again.cookie("usage_id").is_none(),
            "kept, not replaced: {path}"
        );
    }
    let number = given.value.clone();
    let mut second = person(FIREFOX);
    answer_banner(&mut second, "accept").await;
    second.get("/").await;
    second.get("/privacy").await;
    assert_ne!(number_in(&second), Some(number.clone()));

    // Not counted: a client that throws its number away each time (it is
    // given a new one on every page, and none comes back), and a crawler
    // that said yes.
    let mut thrower = person(FIREFOX);
    answer_banner(&mut thrower, "accept").await;
    for path in ["/", "/privacy", "/"] {
        assert!(thrower.get(path).await.cookie("usage_id").is_some());
        thrower.jar.remove("usage_id");
    }
    // Nor is a form sent: it is never answered with a number.
    let form = thrower.get("/cookies").await;
    thrower.jar.remove("usage_id");
    let token = form.hidden("request_token").unwrap_or_default();
    let sent = thrower
        .post("/cookies", &[("request_token", &token), ("usage", "yes")])
        .await;
    assert_eq!(sent.status, 303);
    assert!(sent.cookie("usage_id").is_none(), "no number on a POST");
    let mut crawler = person("Googlebot/2.1 (+http://www.google.com/bot.html)");
    answer_banner(&mut crawler, "accept").await;
    for path in ["/", "/privacy", "/"] {
        crawler.get(path).await;
    }

    // A number sent with an answer that is now no is taken away on the
    // next page read.
    let mut stale = person(FIREFOX);
    let refused = refuser
        .jar
        .get("cookie_preferences")
        .cloned()
        .unwrap_or_default();
    stale.jar.insert("cookie_preferences".into(), refused);
    stale.jar.insert("usage_id".into(), number.clone());
    let taken = stale.get("/").await;
    let removal = taken
        .cookie("usage_id")
        .unwrap_or_else(|| panic!("the number stays after a no: {:?}", taken.set_cookies));
    assert_eq!(removal.attribute("max-age").as_deref(), Some("0"));

    // The staff area is not the site: it neither gives nor counts a number.
    let secret = site.add_staff("annie", "analyst");
    let mut analyst = person(FIREFOX);
    answer_banner(&mut analyst, "accept").await;
    assert_eq!(analyst.sign_in("annie", &secret).await.status, 303);
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let api = analyst.get("/staff/statistics.json?site=custodian").await;
        let counted: serde_json::Value = serde_json::from_str(&api.body).unwrap_or_default();
        if counted["measured"]["total"] == 2 {
            break;
        }
    }
    // One more save, so that anything counted late would show.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let api = analyst.get("/staff/statistics.json?site=custodian").await;
    let stats: serde_json::Value = serde_json::from_str(&api.body).unwrap_or_default();
    assert_eq!(stats["measured"]["unit"], "browsers", "{stats}");
    assert_eq!(
        stats["measured"]["total"], 2,
        "the two browsers that said yes and came back: {stats}"
    );
    assert_eq!(stats["measured"]["days"][0]["count"], 2, "{stats}");
    assert!(
        number_in(&analyst).is_none(),
        "no number for the staff area"
    );
    let page = analyst.get("/staff/statistics?site=custodian").await;
    assert!(page.body.contains("Counted with the measurement cookie"));
    assert!(page.body.contains("Only people who said yes"));
    let elsewhere = analyst.get("/staff/statistics.json?site=default").await;
    assert!(
        elsewhere.body.contains("\"measured\":null"),
        "a log's site has no measurement cookie: {}",
        elsewhere.body
    );

    // Saying no on the cookies page takes the number away at once.
    let changed = first
        .submit("/cookies", "/cookies", &[("usage", "no")])
        .await;
    let removal = changed
        .cookie("usage_id")
        .unwrap_or_else(|| panic!("the number stays: {:?}", changed.set_cookies));
    assert_eq!(removal.attribute("max-age").as_deref(), Some("0"));
    assert!(first.get("/").await.cookie("usage_id").is_none());

    // The number stays in memory: not in the database or the log.
    let log = site.server.log();
    let data_dir = site.data_dir();
    site.server.stop().await;
    // (On PostgreSQL the files are the server's: the SQLite run reads them.)
    let db = database_bytes(&data_dir);
    assert!(
        db.is_empty() || !contains(&db, number.as_bytes()),
        "the number in the database"
    );
    assert!(!log.contains(&number), "the number in the log");
}
