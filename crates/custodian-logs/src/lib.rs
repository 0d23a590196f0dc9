//! Web server access logs, for site usage statistics that never link a
//! visit to a person.
//!
//! [`format`] describes how a log's lines are laid out; [`line`] reads one
//! line against it without copying and without ever panicking, naming what
//! is wrong with a line it cannot read; [`time`] reads the two time layouts;
//! [`agent`] tells people's browsers from bots; [`tally`] counts lines into
//! aggregates, with visitors as keyed hashes that never leave memory and
//! [`keys`] holding them compactly;
//! [`sketch`] is what is kept of a day's visitors, mergeable and not
//! reversible; [`generate`] writes a realistic log for tests and benchmarks.

pub mod agent;
pub mod format;
pub mod generate;
pub mod keys;
pub mod line;
pub mod read;
pub mod sketch;
pub mod tally;
pub mod time;

pub use agent::{Agent, Agents, BotKind, Device, Person};
pub use format::{Field, FormatError, LogFormat};
pub use line::{Hit, Malformed, parse_line};
pub use tally::{DayTally, Options, Taken, Tally};
