//! Working a case: an internal note, a reply by email, and passing it to
//! another organisation. Each writes what it did into the case inside the
//! vault, so the case's retention and the person's copy of their data
//! cover it.

mod forward;
mod reply;
mod written;

pub use forward::{Forward, Forwarded, forward, permits};
pub use reply::{Replied, Reply, reply, reply_address};
pub use written::{casework_stamp, keep_written};
