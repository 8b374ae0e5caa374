//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod dedupe;
mod fuzz_intake;
mod hostile_intake;
mod ingest;
mod mapping;
mod playbook;
mod profile;
mod report;
mod samples;
mod schema_pull;
mod stage;
mod workspace;
