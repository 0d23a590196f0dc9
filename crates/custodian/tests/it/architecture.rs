//! Rules of the codebase's shape that the compiler cannot hold.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every production source file: `crates/*/src/**/*.rs`.
fn sources() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![workspace().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(workspace())
                .unwrap_or(&path)
                .display()
                .to_string();
            if path.is_dir() {
                if !rel.contains("/tests") && !rel.ends_with("/target") {
                    stack.push(path);
                }
            } else if rel.contains("/src/") && rel.ends_with(".rs") {
                found.push((rel, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    assert!(found.len() > 20, "found the sources");
    found
}

#[test]
fn only_the_vault_opens_the_door_to_personal_data() {
    for (path, text) in sources() {
        let allowed = path.starts_with("crates/custodian-vault/")
            || path.starts_with("crates/custodian-store/");
        assert!(
            allowed || !text.contains("personal_data()"),
            "{path} reaches personal data around the vault"
        );
    }
}

#[test]
fn only_the_store_personal_module_names_the_vault_tables_in_sql() {
    let mut clauses = Vec::new();
    for table in [
        "records",
        "subjects",
        "vault_keys",
        "tombstones",
        "cases",
        "disclosures",
    ] {
        for verb in ["FROM", "INTO", "UPDATE", "JOIN"] {
            clauses.push(format!("{verb} {table}"));
        }
    }
    for (path, text) in sources() {
        if path == "crates/custodian-store/src/personal.rs"
            || path.starts_with("crates/custodian-store/src/personal/")
        {
            continue;
        }
        for clause in &clauses {
            assert!(
                !text.contains(clause.as_str()),
                "{path} has `{clause}`: only custodian-store/src/personal.rs and its modules may"
            );
        }
    }
}
