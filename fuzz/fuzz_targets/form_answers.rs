//! Any bytes as a posted form page, decoded as the server decodes it and
//! read against every page of the test fixture's forms: answers or
//! specific errors, never a panic.
#![no_main]

use std::sync::OnceLock;

use custodian_policy::{CheckedConfig, ServerCookies, load};
use libfuzzer_sys::fuzz_target;

const FIXTURE: &str = include_str!("../../crates/custodian/tests/it/fixtures/site.toml");

fn checked() -> Option<&'static CheckedConfig> {
    static CHECKED: OnceLock<Option<CheckedConfig>> = OnceLock::new();
    CHECKED
        .get_or_init(|| load("site.toml", FIXTURE, &ServerCookies::current()).ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(checked) = checked() else { return };
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 12 - 01);
    for form in checked.config.forms.values() {
        for page in &form.pages {
            let _ = custodian_forms::answers::read_page(page, &fields, today);
        }
    }
});
