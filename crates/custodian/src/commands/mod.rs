pub mod audit;
pub mod keys;
pub mod migrate;
pub mod policy;
pub mod retention;
pub mod serve;
pub mod staff;
pub mod subject;
