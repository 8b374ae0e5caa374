//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod dedupe;
mod ingest;
mod mapping;
mod playbook;
mod profile;
mod report;
mod samples;
mod schema_pull;
mod score;
mod stage;
mod workspace;
