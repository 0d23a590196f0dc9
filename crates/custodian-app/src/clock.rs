//! Time comes from the state, never read directly in handlers, so tests can
//! move it (sessions expiring, retention deadlines passing).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; tests move it forward.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset.load(Ordering::Relaxed))
    }

    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
