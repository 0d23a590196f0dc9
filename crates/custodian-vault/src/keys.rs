//! Master keys: what every subject's data key is wrapped under.
//!
//! [`MasterKeys`] is the small trait a KMS can implement later. The built-in
//! sources are a key ring file in the data directory (created with mode 0600
//! on first run) and the `CUSTODIAN_MASTER_KEY` environment variable. The
//! ring holds the current key and any older keys that rows may still be
//! wrapped under, so rotation needs no downtime: new wraps use the current
//! key, and every key in the ring can still unwrap.

use std::path::{Path, PathBuf};

use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::{self, DataKey};
use crate::error::{Result, VaultError};

/// 32 bytes of key material, wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey {
    bytes: [u8; 32],
}

impl MasterKey {
    pub fn generate() -> Self {
        MasterKey {
            bytes: rand::random(),
        }
    }

    /// A short public name for the key: the first bytes of its hash. Stored
    /// beside each wrapped key so the right master key is used to unwrap.
    pub fn id(&self) -> String {
        Sha256::digest(self.bytes)
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn from_base64(text: &str) -> std::result::Result<Self, String> {
        let mut decoded = STANDARD
            .decode(text.trim())
            .map_err(|e| format!("not base64: {e}"))?;
        if decoded.len() != 32 {
            let n = decoded.len();
            decoded.zeroize();
            return Err(format!("a master key is 32 bytes, this is {n}"));
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&decoded);
        decoded.zeroize();
        Ok(MasterKey { bytes })
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }
}

/// Wraps and unwraps data keys. A KMS implements this to keep master keys
/// out of the process entirely.
pub trait MasterKeys: Send + Sync {
    /// The id new wraps use.
    fn current_id(&self) -> String;
    /// Wrap `key` under the current master key, binding it to `context`
    /// (the subject id or vault key name) so it cannot be moved to another row.
    fn wrap(&self, key: &DataKey, context: &str) -> Result<(Vec<u8>, String)>;
    /// Unwrap a data key wrapped by [`MasterKeys::wrap`]; an error (never a
    /// panic) if the master key is unknown or the context does not match.
    fn unwrap_key(&self, wrapped: &[u8], master_key_id: &str, context: &str) -> Result<DataKey>;
    /// Whether the key with this id is available.
    fn has(&self, master_key_id: &str) -> bool;
    /// Where the keys come from, for messages.
    fn source_name(&self) -> String;
    /// Note, with the keys and apart from the database, that a subject was
    /// erased: a database restored from a backup older than the erasure
    /// still holds their key, and `custodian restore` erases them again
    /// from this list. Key stores that keep no such list do nothing.
    fn record_erasure(&self, _subject_id: &str) -> Result<()> {
        Ok(())
    }
    /// Every subject [`MasterKeys::record_erasure`] has noted.
    fn erased_subjects(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The erasure list's name, beside the key file: backed up with it.
pub const ERASURE_LIST: &str = "erased-subjects";

/// Keys held in this process: from the key file or the environment.
pub struct LocalKeys {
    /// Current key first.
    ring: RwLock<Vec<MasterKey>>,
    source: KeySource,
    /// When the key file last changed, as this process read it: a rotation
    /// by another process changes it, and this one then reads it again
    /// before wrapping anything, so nobody wraps under a retired key.
    read_at: std::sync::Mutex<Option<std::time::SystemTime>>,
}

enum KeySource {
    File(PathBuf),
    Env,
}

/// A key file other users can read is as good as published: refuse it,
/// saying how to mend it, rather than serve with it.
#[cfg(unix)]
fn refuse_if_shared(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| VaultError::BadKeyFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(VaultError::BadKeyFile {
            path: path.display().to_string(),
            reason: format!(
                "it can be read by other users (mode {:o}); only its owner may read it: chmod 600 {}",
                mode & 0o777,
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path) -> Result<()> {
    Ok(())
}

const FILE_HEADER: &str = "# Custodian master keys. Back this file up apart from the database: without it the\n# data is unreadable. The first key is current; later ones unwrap older rows.\n";

impl LocalKeys {
    /// Read the key ring file, creating it with a fresh key when `create` is
    /// allowed (a database that holds nothing encrypted yet).
    pub fn from_file(path: &Path, create: bool) -> Result<Option<LocalKeys>> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                refuse_if_shared(path)?;
                let ring = parse_ring(&text).map_err(|reason| VaultError::BadKeyFile {
                    path: path.display().to_string(),
                    reason,
                })?;
                Ok(Some(LocalKeys::file(path, ring)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                // Created exclusively: if another process got there first,
                // use its key rather than replace it.
                if create_ring(path, &[MasterKey::generate()])? {
                    tracing::info!(path = %path.display(), "created a new master key file; back it up apart from the database");
                }
                LocalKeys::from_file(path, false)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(VaultError::BadKeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    fn file(path: &Path, ring: Vec<MasterKey>) -> LocalKeys {
        LocalKeys {
            ring: RwLock::new(ring),
            source: KeySource::File(path.to_owned()),
            read_at: std::sync::Mutex::new(modified(path)),
        }
    }

    /// Read the file again if it changed since this process read it.
    fn refresh(&self) -> Result<()> {
        let KeySource::File(path) = &self.source else {
            return Ok(());
        };
        let now = modified(path);
        let last = *self.read_at.lock().unwrap_or_else(|p| p.into_inner());
        if now != last {
            self.reload()?;
        }
        Ok(())
    }

    /// One key (or several, comma-separated, current first) from the
    /// environment variable's value.
    pub fn from_env_value(value: &str) -> Result<LocalKeys> {
        let ring = value
            .split(',')
            .map(MasterKey::from_base64)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(VaultError::BadKeyEnv)?;
        if ring.is_empty() {
            return Err(VaultError::BadKeyEnv("it is empty".into()));
        }
        Ok(LocalKeys {
            ring: RwLock::new(ring),
            source: KeySource::Env,
            read_at: std::sync::Mutex::new(None),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<MasterKey>> {
        self.ring.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Another process (`custodian keys rotate`) may have added a key to the
    /// file; read it again so this one can unwrap what the other wrapped.
    fn reload(&self) -> Result<()> {
        if let KeySource::File(path) = &self.source {
            let text = std::fs::read_to_string(path).map_err(|e| VaultError::BadKeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let ring = parse_ring(&text).map_err(|reason| VaultError::BadKeyFile {
                path: path.display().to_string(),
                reason,
            })?;
            *self.ring.write().unwrap_or_else(|p| p.into_inner()) = ring;
        }
        Ok(())
    }

    fn find(&self, id: &str) -> Option<MasterKey> {
        self.read().iter().find(|k| k.id() == id).cloned()
    }

    /// Put a new current key at the front of the ring file, keeping the old
    /// ones so rows wrapped under them stay readable during rotation.
    /// Take the lock that serialises changes to the ring file.
    pub fn lock(&self) -> Result<Option<RingLock>> {
        match &self.source {
            KeySource::File(path) => RingLock::take(path).map(Some),
            KeySource::Env => Ok(None),
        }
    }

    pub fn add_current(&self, key: MasterKey) -> Result<()> {
        let KeySource::File(path) = &self.source else {
            return Err(VaultError::Rotation(
                "the master key comes from CUSTODIAN_MASTER_KEY: set it to \"NEW,OLD\" (new key first), restart, then run `custodian keys rotate` again".into(),
            ));
        };
        // Start from the file, not this process's copy: never drop a key
        // another process added.
        self.reload()?;
        let mut ring = self.read().clone();
        ring.insert(0, key);
        write_ring(path, &ring)?;
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = ring;
        *self.read_at.lock().unwrap_or_else(|p| p.into_inner()) = modified(path);
        Ok(())
    }

    /// Drop keys no row is wrapped under any more.
    pub fn retire_unused(&self, in_use: &[String]) -> Result<Vec<String>> {
        let KeySource::File(path) = &self.source else {
            return Ok(Vec::new());
        };
        self.reload()?;
        let ring = self.read().clone();
        // The current key (first) always stays; older ones only while used.
        let mut keep = Vec::new();
        let mut ids = Vec::new();
        for (i, key) in ring.into_iter().enumerate() {
            if i == 0 || in_use.contains(&key.id()) {
                keep.push(key);
            } else {
                ids.push(key.id());
            }
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        write_ring(path, &keep)?;
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = keep;
        *self.read_at.lock().unwrap_or_else(|p| p.into_inner()) = modified(path);
        Ok(ids)
    }
}

impl MasterKeys for LocalKeys {
    fn record_erasure(&self, subject_id: &str) -> Result<()> {
        use std::io::Write;
        let KeySource::File(key_file) = &self.source else {
            return Ok(());
        };
        let path = key_file.with_file_name(ERASURE_LIST);
        let io = |source| VaultError::KeyFileIo {
            path: path.display().to_string(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        // One short line per write, appended: processes sharing the data
        // dir never interleave within a line.
        let mut file = options.open(&path).map_err(io)?;
        file.write_all(format!("{subject_id}\n").as_bytes())
            .map_err(io)?;
        file.sync_data().map_err(io)
    }

    fn erased_subjects(&self) -> Result<Vec<String>> {
        let KeySource::File(key_file) = &self.source else {
            return Ok(Vec::new());
        };
        let path = key_file.with_file_name(ERASURE_LIST);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(VaultError::KeyFileIo {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    fn current_id(&self) -> String {
        self.read().first().map(MasterKey::id).unwrap_or_default()
    }

    fn wrap(&self, key: &DataKey, context: &str) -> Result<(Vec<u8>, String)> {
        self.refresh()?;
        let ring = self.read();
        let Some(current) = ring.first() else {
            return Err(VaultError::BadKeyEnv("no master key".into()));
        };
        let wrapped = crypto::seal(&current.bytes, key.as_bytes(), wrap_aad(context).as_bytes());
        Ok((wrapped, current.id()))
    }

    fn unwrap_key(&self, wrapped: &[u8], master_key_id: &str, context: &str) -> Result<DataKey> {
        let master = match self.find(master_key_id) {
            Some(k) => k,
            None => {
                self.reload()?;
                self.find(master_key_id)
                    .ok_or_else(|| VaultError::UnknownMasterKey {
                        key_id: master_key_id.to_owned(),
                        source_name: self.source_name(),
                    })?
            }
        };
        let mut plain = crypto::open(&master.bytes, wrapped, wrap_aad(context).as_bytes())
            .ok_or_else(|| VaultError::WrongMasterKey {
                what: format!("key of {context}"),
            })?;
        let key = DataKey::from_slice(&plain).ok_or_else(|| VaultError::WrongMasterKey {
            what: format!("key of {context}"),
        });
        plain.zeroize();
        key
    }

    fn has(&self, master_key_id: &str) -> bool {
        self.find(master_key_id).is_some()
            || (self.reload().is_ok() && self.find(master_key_id).is_some())
    }

    fn source_name(&self) -> String {
        match &self.source {
            KeySource::File(p) => p.display().to_string(),
            KeySource::Env => "CUSTODIAN_MASTER_KEY".to_owned(),
        }
    }
}

fn wrap_aad(context: &str) -> String {
    format!("custodian wrapped key|{context}")
}

fn parse_ring(text: &str) -> std::result::Result<Vec<MasterKey>, String> {
    let ring: Vec<MasterKey> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(MasterKey::from_base64)
        .collect::<std::result::Result<_, _>>()?;
    if ring.is_empty() {
        return Err("it holds no key".into());
    }
    Ok(ring)
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Create the ring file only if none exists (a hard link fails if the name
/// is taken); false if another process created it first.
fn create_ring(path: &Path, ring: &[MasterKey]) -> Result<bool> {
    let tmp = path.with_extension(format!("new.{}", std::process::id()));
    write_file(&tmp, path, ring)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(VaultError::KeyFileIo {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Write the ring to a temporary file with mode 0600, then rename it over
/// the old one, so a crash mid-write never leaves a half-written key file.
fn write_ring(path: &Path, ring: &[MasterKey]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    write_file(&tmp, path, ring)?;
    std::fs::rename(&tmp, path).map_err(|source| VaultError::KeyFileIo {
        path: path.display().to_string(),
        source,
    })
}

/// Write the ring to `file` (mode 0600, synced), in a buffer sized up front
/// and wiped afterwards so no copy of the keys is left in memory.
fn write_file(file: &Path, path: &Path, ring: &[MasterKey]) -> Result<()> {
    use std::io::Write;
    let io = |source| VaultError::KeyFileIo {
        path: path.display().to_string(),
        source,
    };
    let mut text =
        zeroize::Zeroizing::new(String::with_capacity(FILE_HEADER.len() + ring.len() * 46));
    text.push_str(FILE_HEADER);
    for key in ring {
        let encoded = zeroize::Zeroizing::new(key.to_base64());
        text.push_str(&encoded);
        text.push('\n');
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut handle = options.open(file).map_err(io)?;
    handle.write_all(text.as_bytes()).map_err(io)?;
    handle.sync_all().map_err(io)
}

/// Hold `PATH.lock` while changing the ring, so two rotations (the staff
/// area and the command line, say) cannot interleave. A lock older than ten
/// minutes is taken to be left by a crash.
pub struct RingLock(PathBuf);

impl RingLock {
    fn take(path: &Path) -> Result<RingLock> {
        let lock = path.with_extension("lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => return Ok(RingLock(lock)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&lock)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > std::time::Duration::from_secs(600));
                    if !stale {
                        return Err(VaultError::Rotation(format!(
                            "another rotation is under way ({} exists)",
                            lock.display()
                        )));
                    }
                    let _ = std::fs::remove_file(&lock);
                }
                Err(source) => {
                    return Err(VaultError::KeyFileIo {
                        path: lock.display().to_string(),
                        source,
                    });
                }
            }
        }
        Err(VaultError::Rotation(format!(
            "cannot take {}",
            lock.display()
        )))
    }
}

impl Drop for RingLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The master keys for a database: from `CUSTODIAN_MASTER_KEY` when given,
/// else from the ring file at `path`. The file is created only while the
/// database holds nothing encrypted; a missing file for a database that does
/// is an error naming the key it needs.
pub async fn load(
    store: &custodian_store::Store,
    path: &Path,
    env_value: Option<&str>,
) -> Result<std::sync::Arc<LocalKeys>> {
    let in_use = store.personal_data().master_key_ids_in_use().await?;
    let keys = match env_value {
        Some(value) => LocalKeys::from_env_value(value)?,
        None => match LocalKeys::from_file(path, in_use.is_empty())? {
            Some(keys) => keys,
            None => {
                return Err(VaultError::MissingKeyFile {
                    path: path.display().to_string(),
                    key_id: in_use.join(", "),
                });
            }
        },
    };
    if let Some(missing) = in_use.iter().find(|id| !keys.has(id)) {
        return Err(VaultError::UnknownMasterKey {
            key_id: missing.clone(),
            source_name: keys.source_name(),
        });
    }
    Ok(std::sync::Arc::new(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_bind_to_their_context_and_key() {
        let keys = LocalKeys::from_env_value(&MasterKey::generate().to_base64())
            .map_err(|e| e.to_string());
        let Ok(keys) = keys else { panic!("keys") };
        let data = DataKey::generate();
        let (wrapped, id) = keys
            .wrap(&data, "subject-a")
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert!(keys.unwrap_key(&wrapped, &id, "subject-a").is_ok());
        assert!(matches!(
            keys.unwrap_key(&wrapped, &id, "subject-b"),
            Err(VaultError::WrongMasterKey { .. })
        ));
        assert!(matches!(
            keys.unwrap_key(&wrapped, "000000000000", "subject-a"),
            Err(VaultError::UnknownMasterKey { .. })
        ));
        let other = LocalKeys::from_env_value(&MasterKey::generate().to_base64())
            .map_err(|e| e.to_string());
        let Ok(other) = other else { panic!("keys") };
        assert!(other.unwrap_key(&wrapped, &id, "subject-a").is_err());
    }

    #[test]
    fn bad_environment_keys_say_why() {
        assert!(
            matches!(LocalKeys::from_env_value("not base64!"), Err(VaultError::BadKeyEnv(m)) if m.contains("base64"))
        );
        assert!(
            matches!(LocalKeys::from_env_value("AAAA"), Err(VaultError::BadKeyEnv(m)) if m.contains("32 bytes"))
        );
    }
}
