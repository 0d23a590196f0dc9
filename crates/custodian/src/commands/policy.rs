//! `custodian policy check FILE` and `custodian policy render FILE`.

use std::path::Path;

use custodian_policy::{machine, notice, version};

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::site;

pub fn check(file: &Path) -> CliResult {
    let checked = site::load_file(file)?;
    let policy = &checked.config.policy;
    say!(
        "{}: ok ({} categories, {} purposes, {} recipients, {} cookies)",
        file.display(),
        policy.categories.len(),
        policy.purposes.len(),
        policy.recipients.len(),
        policy.cookies.len()
    );
    for note in &checked.notes {
        say!("  note: {note}");
    }
    Ok(())
}

pub fn render(file: &Path, format: Format) -> CliResult {
    let checked = site::load_file(file)?;
    let out = match format {
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
