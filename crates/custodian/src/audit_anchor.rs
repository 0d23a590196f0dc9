//! The audit chain's head, kept outside the database: `audit-head` beside
//! the key file, one line `SEQ HASH AT`. The hash chain shows an entry
//! altered, removed or reordered in the middle; only a copy of the head
//! kept elsewhere shows the newest entries cut off the end, or the whole
//! chain written again. `serve` moves it forward as entries are added
//! (never back), and can print it to the server log for a collector that
//! keeps it further away still; `audit verify` checks the log reaches it.
//!
//! What it cannot prove: someone who holds both the database and this
//! file can cut both. The log line, collected off the machine, is the
//! defence against that.

use std::io::Write;
use std::path::{Path, PathBuf};

use custodian_store::Store;
use custodian_store::audit::AuditHead;

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("audit-head")
}

/// The anchored head, if one has been written. A file that cannot be read
/// as one is an error: it is evidence, not a cache.
pub fn read(file: &Path) -> anyhow::Result<Option<AuditHead>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read {}: {e}", file.display()),
    };
    let mut words = text.split_whitespace();
    let seq = words.next().and_then(|w| w.parse::<i64>().ok());
    let hash = words
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    match (seq, hash) {
        (Some(seq), Some(hash)) => Ok(Some(AuditHead {
            seq,
            hash: hash.to_owned(),
        })),
        _ => anyhow::bail!(
            "{} is not an audit head (`SEQ HASH AT` on one line)",
            file.display()
        ),
    }
}

/// Record the database's head if it is past the anchored one: written to a
/// new file, synced, then renamed over the old, so a crash leaves one or
/// the other whole. Returns the head when it moved.
pub async fn advance(store: &Store, file: &Path, now: i64) -> anyhow::Result<Option<AuditHead>> {
    let Some(head) = store.audit_head().await? else {
        return Ok(None);
    };
    let anchored = read(file)?;
    if anchored.as_ref().is_some_and(|a| a.seq >= head.seq) {
        return Ok(None);
    }
    let fresh = file.with_extension("new");
    {
        let mut out = std::fs::File::create(&fresh)?;
        writeln!(out, "{} {} {now}", head.seq, head.hash)?;
        out.sync_all()?;
    }
    std::fs::rename(&fresh, file)?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(Some(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_reads_back_and_nonsense_is_an_error() {
        let dir = std::env::temp_dir().join(format!("anchor-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = path(&dir);
        let _ = std::fs::remove_file(&file);
        assert!(read(&file).is_ok_and(|h| h.is_none()));
        let hash = "a".repeat(64);
        let _ = std::fs::write(&file, format!("7 {hash} 1800000000\n"));
        assert!(read(&file).is_ok_and(|h| h
            == Some(AuditHead {
                seq: 7,
                hash: hash.clone()
            })));
        let _ = std::fs::write(&file, "seven\n");
        assert!(read(&file).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
