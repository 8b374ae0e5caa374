//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod adoption;
mod cli;
mod dedupe;
mod dedupe_directory;
mod dedupe_link;
mod dedupe_listings;
mod dedupe_model;
mod findings;
mod fuzz_intake;
mod hostile_intake;
mod ingest;
mod mapping;
mod output_safety;
mod playbook;
mod profile;
mod real_exports;
mod real_exports2;
mod real_exports3;
mod report;
mod rollout;
mod safety;
mod samples;
mod schema_pull;
mod score;
mod stage;
mod value_props;
mod values;
mod workspace;
