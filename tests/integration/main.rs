//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod dedupe;
mod ingest;
mod profile;
mod workspace;
