//! Showings to browsers without the campaign cookie: nothing per browser is
//! known or kept for them, only a total per campaign per day. Counting each
//! one as it happens made every page with a slot wait for a database write
//! (under load, 184 ms of queueing for SQLite's one writer), so they are
//! added up here and written in batches: every few seconds by `serve`, on
//! shutdown. The dashboard adds what is still here to what it reads, so
//! it is current without a write of its own. A crash loses at most the
//! last few seconds of these totals, never anything a person sent.

use std::collections::HashMap;
use std::sync::Mutex;

use custodian_store::Store;
use custodian_store::campaigns::CampaignDay;

#[derive(Default)]
pub struct Uncounted {
    pending: Mutex<HashMap<(String, i64), i64>>,
}

impl Uncounted {
    pub fn add(&self, campaign: &str, day: i64) {
        if let Ok(mut pending) = self.pending.lock() {
            *pending.entry((campaign.to_owned(), day)).or_default() += 1;
        }
    }

    /// `rows` with the showings counted here and not yet written added in,
    /// for the days from `first` to `last`, in the same order
    /// (campaign, then day).
    pub fn add_pending(&self, rows: &mut Vec<CampaignDay>, first: i64, last: i64) {
        let Ok(pending) = self.pending.lock() else {
            return;
        };
        for ((campaign, day), n) in pending.iter() {
            if *day < first || *day > last {
                continue;
            }
            match rows
                .iter_mut()
                .find(|r| r.campaign == *campaign && r.day == *day)
            {
                Some(r) => {
                    r.shows += n;
                    r.uncounted += n;
                }
                None => rows.push(CampaignDay {
                    campaign: campaign.clone(),
                    day: *day,
                    shows: *n,
                    uncounted: *n,
                    reach: 0,
                }),
            }
        }
        rows.sort_by(|a, b| (&a.campaign, a.day).cmp(&(&b.campaign, b.day)));
    }

    /// Write what has been counted since the last time. On failure the
    /// counts are kept for the next try.
    pub async fn flush(&self, store: &Store) -> custodian_store::Result<()> {
        let taken: Vec<(String, i64, i64)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().map(|((c, d), n)| (c, d, n)).collect(),
            Err(_) => return Ok(()),
        };
        if taken.is_empty() {
            return Ok(());
        }
        if let Err(e) = store.add_uncounted_campaign_shows(&taken).await {
            if let Ok(mut pending) = self.pending.lock() {
                for (c, d, n) in taken {
                    *pending.entry((c, d)).or_default() += n;
                }
            }
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_showings_are_added_to_the_days_read_and_only_those() {
        let uncounted = Uncounted::default();
        uncounted.add("exam", 10);
        uncounted.add("exam", 10);
        uncounted.add("exam", 11);
        uncounted.add("online", 40);
        let mut rows = vec![CampaignDay {
            campaign: "exam".into(),
            day: 10,
            shows: 5,
            uncounted: 1,
            reach: 3,
        }];
        uncounted.add_pending(&mut rows, 10, 20);
        let seen: Vec<_> = rows
            .iter()
            .map(|r| (r.campaign.as_str(), r.day, r.shows, r.uncounted, r.reach))
            .collect();
        assert_eq!(seen, vec![("exam", 10, 7, 3, 3), ("exam", 11, 1, 1, 0)]);
    }
}
