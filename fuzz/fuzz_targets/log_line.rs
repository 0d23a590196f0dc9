//! Any bytes, read as a log line in each layout and counted: never a panic.
#![no_main]

use std::sync::{Mutex, OnceLock};

use custodian_logs::{LogFormat, Options, Tally, parse_line};
use libfuzzer_sys::fuzz_target;

fn formats() -> &'static [LogFormat] {
    static FORMATS: OnceLock<Vec<LogFormat>> = OnceLock::new();
    FORMATS.get_or_init(|| {
        [
            "combined",
            "common",
            "$remote_addr - $remote_user [$time_iso8601] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time",
        ]
        .iter()
        .filter_map(|spec| LogFormat::parse(spec).ok())
        .collect()
    })
}

/// One tally for the whole run, as one ingestion would have: building the
/// bot matcher for each input would leave no time for the inputs.
fn tally() -> &'static Mutex<Tally> {
    static TALLY: OnceLock<Mutex<Tally>> = OnceLock::new();
    TALLY.get_or_init(|| Mutex::new(Tally::new(Options::default())))
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut tally) = tally().lock() else {
        return;
    };
    for format in formats() {
        match parse_line(format, data) {
            Ok(hit) => tally.count(&hit),
            Err(why) => tally.reject(1, data, &why),
        }
    }
    // Only the newest day is kept, as `--follow` keeps few.
    tally.forget_old_days(0);
});
