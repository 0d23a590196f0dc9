//! Campaign showings: per browser (as a keyed hash of its cookie's random
//! number) only what a cap needs, and per campaign per day the totals.
//! Nothing here can be joined to a person: the hash is of a number the
//! server made up, and no other table holds it.

use sqlx::Row;

use crate::{Pool, Result, Store, with_pool};

/// One campaign's totals for one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDay {
    pub campaign: String,
    pub day: i64,
    /// Every showing.
    pub shows: i64,
    /// Showings to browsers without the campaign cookie: not capped, not
    /// in reach.
    pub uncounted: i64,
    /// Distinct cookie numbers shown the campaign that day.
    pub reach: i64,
}

/// One browser's showings of one campaign on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserShows {
    pub campaign: String,
    pub day: i64,
    pub shows: i64,
}

/// A stored copy of an imported feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeed {
    pub url: String,
    pub body: String,
    pub fetched_at: i64,
}

macro_rules! record_show {
    ($tx:expr, $campaign:expr, $day:expr, $browser:expr) => {{
        let shows: i64 = sqlx::query(
            "INSERT INTO campaign_views (browser, campaign, day, shows) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (browser, campaign, day) DO UPDATE SET shows = campaign_views.shows + 1 \
             RETURNING shows",
        )
        .bind($browser).bind($campaign).bind($day)
        .fetch_one(&mut *$tx).await?
        .try_get("shows")?;
        // Reach counts a browser once a day: at its first showing.
        let first = i64::from(shows == 1);
        sqlx::query(
            "INSERT INTO campaign_days (campaign, day, shows, uncounted, reach) VALUES ($1, $2, 1, 0, $3) \
             ON CONFLICT (campaign, day) DO UPDATE SET shows = campaign_days.shows + 1, \
             reach = campaign_days.reach + excluded.reach",
        )
        .bind($campaign).bind($day).bind(first)
        .execute(&mut *$tx).await?;
    }};
}

impl Store {
    /// What `browser` has been shown since `since_day` (inclusive).
    pub async fn browser_shows(&self, browser: &[u8], since_day: i64) -> Result<Vec<BrowserShows>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query("SELECT campaign, day, shows FROM campaign_views WHERE browser = $1 AND day >= $2")
                .bind(browser).bind(since_day).fetch_all(p).await?
                .iter()
                .map(|r| -> Result<BrowserShows, sqlx::Error> {
                    Ok(BrowserShows { campaign: r.try_get("campaign")?, day: r.try_get("day")?, shows: r.try_get("shows")? })
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Count one showing of `campaign` on `day` to `browser`, the keyed
    /// hash of the campaign cookie of a person who accepted it. Showings
    /// without the cookie are added up in memory and written in batches by
    /// [`Store::add_uncounted_campaign_shows`].
    pub async fn record_campaign_show(
        &self,
        campaign: &str,
        day: i64,
        browser: &[u8],
    ) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                record_show!(tx, campaign, day, browser);
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                record_show!(tx, campaign, day, browser);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Add showings to browsers without the cookie: `(campaign, day, n)`.
    pub async fn add_uncounted_campaign_shows(&self, rows: &[(String, i64, i64)]) -> Result<()> {
        macro_rules! add_all {
            ($tx:expr) => {
                for (campaign, day, n) in rows {
                    sqlx::query(
                        "INSERT INTO campaign_days (campaign, day, shows, uncounted, reach) VALUES ($1, $2, $3, $3, 0) \
                         ON CONFLICT (campaign, day) DO UPDATE SET shows = campaign_days.shows + excluded.shows, \
                         uncounted = campaign_days.uncounted + excluded.uncounted",
                    )
                    .bind(campaign).bind(day).bind(n)
                    .execute(&mut *$tx).await?;
                }
            };
        }
        match &self.pool {
            Pool::Sqlite(p) => {
                let _turn = self.writer.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                add_all!(tx);
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                add_all!(tx);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Forget which browsers saw what before `day`: the totals stay.
    pub async fn forget_campaign_views(&self, before_day: i64) -> Result<u64> {
        let removed = with_pool!(&self.pool, p => {
            sqlx::query("DELETE FROM campaign_views WHERE day < $1")
                .bind(before_day).execute(p).await?.rows_affected()
        });
        Ok(removed)
    }

    /// Every campaign's days from `from` to `to` (inclusive).
    pub async fn campaign_days(&self, from: i64, to: i64) -> Result<Vec<CampaignDay>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query(
                "SELECT campaign, day, shows, uncounted, reach FROM campaign_days \
                 WHERE day >= $1 AND day <= $2 ORDER BY campaign, day",
            )
            .bind(from).bind(to).fetch_all(p).await?
            .iter()
            .map(|r| -> Result<CampaignDay, sqlx::Error> {
                Ok(CampaignDay {
                    campaign: r.try_get("campaign")?,
                    day: r.try_get("day")?,
                    shows: r.try_get("shows")?,
                    uncounted: r.try_get("uncounted")?,
                    reach: r.try_get("reach")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// Keep `body` as the latest good copy of the feed at `url`.
    pub async fn save_campaign_feed(&self, url: &str, body: &str, now: i64) -> Result<()> {
        with_pool!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO campaign_feeds (url, body, fetched_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (url) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            )
            .bind(url).bind(body).bind(now).execute(p).await?;
        });
        Ok(())
    }

    pub async fn campaign_feeds(&self) -> Result<Vec<StoredFeed>> {
        let rows = with_pool!(&self.pool, p => {
            sqlx::query("SELECT url, body, fetched_at FROM campaign_feeds ORDER BY url")
                .fetch_all(p).await?
                .iter()
                .map(|r| -> Result<StoredFeed, sqlx::Error> {
                    Ok(StoredFeed { url: r.try_get("url")?, body: r.try_get("body")?, fetched_at: r.try_get("fetched_at")? })
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}
