//! `custodian policy check FILE` and `custodian policy render FILE`.

use std::path::Path;

use custodian_policy::{machine, notice, ropa, version};

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::site;

pub fn check(file: &Path) -> CliResult {
    let checked = site::load_file(file)?;
    let policy = &checked.config.policy;
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    say!(
        "{}: ok ({}, {}, {}, {})",
        file.display(),
        count(policy.categories.len(), "category", "categories"),
        count(policy.purposes.len(), "purpose", "purposes"),
        count(policy.recipients.len(), "recipient", "recipients"),
        count(policy.cookies.len(), "cookie", "cookies")
    );
    for note in &checked.notes {
        say!("  note: {note}");
    }
    Ok(())
}

pub fn render(file: &Path, format: Format, out_dir: Option<&Path>) -> CliResult {
    if matches!(format, Format::Ropa) != out_dir.is_some() {
        return Err(CliError::Invalid(
            "--format ropa writes two files, ropa.csv and ropa.html, and needs --out DIR; the other formats print to standard output and take no --out".into(),
        ));
    }
    let checked = site::load_file(file)?;
    let out = match format {
        Format::Ropa => {
            let dir = out_dir.unwrap_or(Path::new("."));
            return write_ropa(&checked, dir);
        }
        Format::Markdown => notice::document_markdown(&checked, None),
        Format::Json => {
            let hash =
                version::content_hash(&checked.config.policy, &notice::body_markdown(&checked));
            let value = machine::to_json(&checked, None, &hash);
            serde_json::to_string_pretty(&value).map_err(|e| CliError::Runtime(e.into()))? + "\n"
        }
        Format::Html => custodian_web::standalone_notice_html(&checked, None)
            .map_err(|e| CliError::Runtime(e.into()))?,
    };
    say!("{}", out.trim_end());
    Ok(())
}

/// The record of processing, written to `DIR/ropa.csv` and `DIR/ropa.html`.
fn write_ropa(checked: &custodian_policy::CheckedConfig, dir: &Path) -> CliResult {
    let record = ropa::record(checked);
    let csv = ropa::to_csv(&record).map_err(|e| CliError::Runtime(e.into()))?;
    let html =
        custodian_web::standalone_ropa_html(checked).map_err(|e| CliError::Runtime(e.into()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Invalid(format!("cannot create {}: {e}", dir.display())))?;
    for (name, text) in [("ropa.csv", csv), ("ropa.html", html)] {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::Invalid(format!("cannot write {}: {e}", path.display())))?;
        say!("wrote {}", path.display());
    }
    Ok(())
}
