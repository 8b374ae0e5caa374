//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod dedupe;
mod ingest;
mod mapping;
mod playbook;
mod profile;
mod report;
mod safety;
mod samples;
mod schema_pull;
mod stage;
mod workspace;
