//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod adoption;
mod dedupe;
mod fuzz_intake;
mod hostile_intake;
mod ingest;
mod mapping;
mod output_safety;
mod playbook;
mod profile;
mod real_exports;
mod report;
mod safety;
mod samples;
mod schema_pull;
mod score;
mod stage;
mod workspace;
