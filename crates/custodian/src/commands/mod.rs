pub mod migrate;
pub mod policy;
pub mod serve;
