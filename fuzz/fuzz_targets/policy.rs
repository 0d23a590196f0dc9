//! Any text as a site config: checked, or refused with diagnostics, never
//! a panic. Start the corpus from examples/*.toml (scripts/fuzz does).
#![no_main]

use custodian_policy::{ServerCookies, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        if let Ok(checked) = load("fuzz.toml", source, &ServerCookies::current()) {
            let _ = custodian_policy::notice::body_markdown(&checked);
        }
    }
});
