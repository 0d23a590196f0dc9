//! Every example site in `examples/` passes `policy check`, and its rendered
//! notice contains every statement its original notice made.

// Tests fail by panicking; the no-panic lints are for server code.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use custodian_policy::{ServerCookies, load, notice};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn example_configs() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    found.sort();
    found
}

/// Lower case, straight quotes, single spaces, no Markdown escapes or emphasis:
/// what a reader sees, so statements match however they were formatted.
fn plain(text: &str) -> String {
    text.replace(['\u{2018}', '\u{2019}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .replace(['\\', '*', '`'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn there_are_three_examples() {
    assert_eq!(example_configs().len(), 3, "one example per seed notice");
}

#[test]
fn every_example_passes_the_check() {
    for path in example_configs() {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path.display().to_string();
        if let Err(problems) = load(&name, &source, &ServerCookies::current()) {
            panic!("{problems}");
        }
    }
}

#[test]
fn every_original_statement_appears_in_the_rendered_notice() {
    for path in example_configs() {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let checked = match load(
            &path.display().to_string(),
            &source,
            &ServerCookies::current(),
        ) {
            Ok(c) => c,
            Err(problems) => panic!("{problems}"),
        };
        let rendered = plain(&notice::document_markdown(&checked, None));
        let statements_file = path.with_extension("statements.txt");
        let statements = std::fs::read_to_string(&statements_file).unwrap_or_default();
        let statements: Vec<&str> = statements
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(
            statements.len() >= 8,
            "{} lists too few statements",
            statements_file.display()
        );
        let missing: Vec<&&str> = statements
            .iter()
            .filter(|s| !rendered.contains(&plain(s)))
            .collect();
        assert!(
            missing.is_empty(),
            "{} is missing: {missing:#?}",
            path.display()
        );
    }
}
