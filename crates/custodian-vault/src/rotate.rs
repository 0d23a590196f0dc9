//! Master key rotation without downtime. A new key goes to the front of the
//! ring file; every subject key and vault key is re-wrapped under it in
//! batches; running servers, meeting a key id they have not loaded, read the
//! ring file again. Keys no row uses any more are then retired from the ring.

use serde::Serialize;

use crate::error::{Result, VaultError};
use crate::keys::{LocalKeys, MasterKey, MasterKeys};
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize)]
pub struct RotationReport {
    pub new_key: String,
    pub subjects_rewrapped: u64,
    pub retired_keys: Vec<String>,
}

const BATCH: i64 = 500;

impl Vault {
    pub async fn rotate_master_key(
        &self,
        ring: &LocalKeys,
        actor: &str,
        now: i64,
    ) -> Result<RotationReport> {
        let _lock = ring.lock()?;
        let new = MasterKey::generate();
        let new_id = new.id();
        ring.add_current(new)?;
        let rows = self.store.personal_data();
        let mut rewrapped = 0;
        for old_id in rows.master_key_ids_in_use().await? {
            if old_id == new_id {
                continue;
            }
            loop {
                let batch = rows.subjects_wrapped_under(&old_id, BATCH).await?;
                for subject in &batch {
                    let key =
                        ring.unwrap_key(&subject.wrapped_key, &subject.master_key_id, &subject.id)?;
                    let (wrapped, id) = ring.wrap(&key, &subject.id)?;
                    if rows
                        .rewrap_subject(&subject.id, &wrapped, &id, &old_id)
                        .await?
                    {
                        rewrapped += 1;
                    }
                }
                if batch.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                    break;
                }
            }
        }
        for (name, wrapped, id) in rows.vault_keys().await? {
            if id != new_id {
                let key = ring.unwrap_key(&wrapped, &id, &name)?;
                let (rewrapped_key, new) = ring.wrap(&key, &name)?;
                rows.rewrap_vault_key(&name, &rewrapped_key, &new).await?;
            }
        }
        let in_use = rows.master_key_ids_in_use().await?;
        if in_use.iter().any(|id| *id != new_id) {
            return Err(VaultError::Rotation(format!(
                "some keys are still wrapped under an older master key ({}); run the rotation again",
                in_use.join(", ")
            )));
        }
        let retired_keys = ring.retire_unused(&in_use)?;
        let detail = format!(
            "new master key {new_id}; {rewrapped} subject keys re-wrapped; retired {}",
            retired_keys.join(", ")
        );
        self.store
            .audit(now, actor, "rotate master key", None, &detail)
            .await?;
        Ok(RotationReport {
            new_key: new_id,
            subjects_rewrapped: rewrapped,
            retired_keys,
        })
    }
}
