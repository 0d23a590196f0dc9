//! Published versions of the privacy notice.

use sqlx::Row;

use crate::{Result, Store, StoreError, with_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    pub sequence: i64,
    pub content_hash: String,
    /// Unix seconds, UTC.
    pub published_at: i64,
    pub notice_markdown: String,
}

/// Columns every version query reads; a macro so queries stay literal strings.
macro_rules! columns {
    () => {
        "sequence, content_hash, published_at, notice_markdown"
    };
}

fn from_row<R: Row>(row: &R) -> Result<PublishedVersion, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(PublishedVersion {
        sequence: row.try_get("sequence")?,
        content_hash: row.try_get("content_hash")?,
        published_at: row.try_get("published_at")?,
        notice_markdown: row.try_get("notice_markdown")?,
    })
}

/// What [`Store::publish_policy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    /// The content matched the latest version, which stays current.
    Unchanged(PublishedVersion),
    /// The content changed and was published under a new sequence number.
    Published(PublishedVersion),
}

impl Publication {
    pub fn version(&self) -> &PublishedVersion {
        match self {
            Publication::Unchanged(v) | Publication::Published(v) => v,
        }
    }
}

impl Store {
    pub async fn latest_policy_version(&self) -> Result<Option<PublishedVersion>> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM policy_versions ORDER BY sequence DESC LIMIT 1"
        );
        with_pool!(&self.pool, p => {
            sqlx::query(SQL).fetch_optional(p).await?.map(|r| from_row(&r)).transpose().map_err(StoreError::from)
        })
    }

    /// The policy of the latest published version, as the JSON it was
    /// published as: whose site this database holds.
    pub async fn latest_policy_json(&self) -> Result<Option<String>> {
        const SQL: &str = "SELECT policy_json FROM policy_versions ORDER BY sequence DESC LIMIT 1";
        with_pool!(&self.pool, p => {
            sqlx::query_scalar::<_, String>(SQL).fetch_optional(p).await.map_err(StoreError::from)
        })
    }

    /// Every published version, newest first.
    pub async fn policy_versions(&self) -> Result<Vec<PublishedVersion>> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM policy_versions ORDER BY sequence DESC"
        );
        with_pool!(&self.pool, p => {
            sqlx::query(SQL).fetch_all(p).await?.iter().map(from_row).collect::<Result<_, _>>().map_err(StoreError::from)
        })
    }

    pub async fn policy_version(&self, sequence: i64) -> Result<Option<PublishedVersion>> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM policy_versions WHERE sequence = $1"
        );
        with_pool!(&self.pool, p => {
            sqlx::query(SQL).bind(sequence).fetch_optional(p).await?.map(|r| from_row(&r)).transpose().map_err(StoreError::from)
        })
    }

    /// Publish the policy as a new version if its content differs from the
    /// latest one. Instances starting together on one database may race for
    /// the next sequence number: the loser's insert fails on the primary key,
    /// and it reads again, finding the winner's version.
    pub async fn publish_policy(
        &self,
        content_hash: &str,
        policy_json: &str,
        notice_markdown: &str,
        now: i64,
    ) -> Result<Publication> {
        for _ in 0..5 {
            let latest = self.latest_policy_version().await?;
            if let Some(latest) = &latest
                && latest.content_hash == content_hash
            {
                return Ok(Publication::Unchanged(latest.clone()));
            }
            let sequence = latest.map_or(1, |v| v.sequence + 1);
            let inserted = with_pool!(&self.pool, p => {
                sqlx::query(
                    "INSERT INTO policy_versions (sequence, content_hash, published_at, policy_json, notice_markdown) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(sequence)
                .bind(content_hash)
                .bind(now)
                .bind(policy_json)
                .bind(notice_markdown)
                .execute(p)
                .await
                .map(|_| ())
            });
            match inserted {
                Ok(_) => {
                    return Ok(Publication::Published(PublishedVersion {
                        sequence,
                        content_hash: content_hash.to_owned(),
                        published_at: now,
                        notice_markdown: notice_markdown.to_owned(),
                    }));
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Contention)
    }
}
