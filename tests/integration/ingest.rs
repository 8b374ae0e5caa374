//! `ingest`: lossless, idempotent loading of hostile files.
