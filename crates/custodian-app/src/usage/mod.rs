//! Site usage statistics from web server logs: reading each file from
//! where the last run stopped, counting its lines into a tally in memory,
//! and saving the day aggregates, the files' positions and the run in one
//! transaction. `custodian logs ingest` and the server's own page counter
//! use the same parts.

mod read;
mod save;

pub use read::{Followed, ingest_file, read_all};
pub use save::{day_counts, merge_sketches, record_run, save};
