//! Integration tests: the real `crmkit` binary, run in temporary folders.

mod util;

mod ingest;
mod playbook;
mod workspace;
