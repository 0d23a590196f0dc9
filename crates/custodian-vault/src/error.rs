//! Everything that can go wrong in the vault, each naming its cause. A
//! failure is never a panic and never a silently empty result.

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Store(#[from] custodian_store::StoreError),
    #[error(
        "the master key file {path} is missing, but the database holds data encrypted under master key {key_id}: restore the file from your key backup, or supply the key in CUSTODIAN_MASTER_KEY"
    )]
    MissingKeyFile { path: String, key_id: String },
    #[error(
        "master key {key_id} is not in the key ring ({source_name}), but the database holds data wrapped under it: restore that key"
    )]
    UnknownMasterKey { key_id: String, source_name: String },
    #[error(
        "the master key cannot unwrap the {what}: it is the wrong key for this database, or the wrapped key was altered"
    )]
    WrongMasterKey { what: String },
    #[error(
        "record {record_id} cannot be decrypted: its ciphertext is corrupt or was moved from another row"
    )]
    CorruptRecord { record_id: String },
    #[error("the key file {path} cannot be used: {reason}")]
    BadKeyFile { path: String, reason: String },
    #[error("CUSTODIAN_MASTER_KEY cannot be used: {0}")]
    BadKeyEnv(String),
    #[error("cannot write the key file {path}: {source}")]
    KeyFileIo {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the policy does not declare {0}; the vault refuses to store what the notice does not describe"
    )]
    Undeclared(String),
    #[error("purpose `{purpose}` does not use category `{category}` in the policy")]
    PurposeDoesNotUse { purpose: String, category: String },
    #[error(
        "`{0}` is not a source: write kind:identifier, such as form:contact or case:AB12 (letters, digits, _ and - only), never anything personal"
    )]
    BadSource(String),
    #[error("no data held for that address")]
    NoSuchSubject,
    #[error("{0}")]
    Rotation(String),
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
