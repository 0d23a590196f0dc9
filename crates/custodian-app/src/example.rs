//! The Civil Service Jobs example, checked, for the unit tests of the rules
//! here: a real policy rather than one written for the test.

use custodian_policy::CheckedConfig;

pub fn civil_service_jobs() -> CheckedConfig {
    let source = include_str!("../../../examples/civil-service-jobs.toml");
    match custodian_policy::load(
        "civil-service-jobs.toml",
        source,
        &custodian_policy::ServerCookies::current(),
    ) {
        Ok(checked) => checked,
        Err(e) => panic!("{e}"),
    }
}
