//! Any text as a `--format` string: a layout or a reason, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = std::str::from_utf8(data) {
        let _ = custodian_logs::LogFormat::parse(spec);
    }
});
