//! crmkit: a toolkit for CRM migration and implementation engagements.
//!
//! The binary is a thin layer (`cli`, `output`) over domain modules that return values.

pub mod adoption;
pub mod cli;
pub mod connectors;
pub mod dedupe;
pub mod error;
pub mod escape;
pub mod ingest;
pub mod intake;
pub mod lock;
pub mod mapping;
pub mod numbers;
pub mod output;
pub mod playbook;
pub mod profile;
pub mod progress;
pub mod report;
pub mod rollout;
pub mod rules;
pub mod safe_write;
pub mod samples;
pub mod sheet;
pub mod stage;
pub mod staging;
pub mod suggestion;
pub mod targets;
pub mod text;
pub mod values;
pub mod workspace;
pub mod yaml;

pub use error::{Error, Result};
