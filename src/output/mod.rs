//! The only place that prints: human tables, JSON, errors and progress bars.

pub mod adoption;
pub mod datasette;
pub mod dedupe;
pub mod demo;
pub mod ingest;
pub mod mapping;
pub mod playbook;
pub mod profile;
mod progress;
pub mod prompt;
pub mod report;
pub mod rollout;
pub mod samples;
pub mod schema;
pub mod score;
pub mod stage;
pub mod table;
pub mod terminal;

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

pub use progress::{Bar, Spinner};

use crate::error::{Error, Result};

/// Writes `text` to stdout, control characters made visible ([`terminal::clean`]); a closed
/// pipe (`| head`) is not an error worth a message.
pub fn print(text: &str) -> Result<()> {
    write_stdout(&terminal::clean(text))
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("write", "standard output", e))
}

/// Writes `value` as pretty JSON to stdout.
pub fn json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))?;
    write_stdout(&(terminal::json(&text) + "\n"))
}

/// A line for stderr: diagnostics and notes, never data.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{}", terminal::clean(text));
}

/// Prints an error and its causes in the house style.
pub fn error(err: &Error) {
    let mut text = format!("error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    note(&text);
}

/// True when the error is stdout having been closed by the reader.
pub fn is_broken_pipe(err: &Error) -> bool {
    matches!(err, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
}

/// Set by `--quiet`: no progress bars.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--quiet` was given: progress bars stay hidden even on a terminal.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// True when a progress bar should be drawn: stderr is a terminal and `--quiet` is off.
pub fn progress_wanted() -> bool {
    interactive() && !QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// True when stderr is a terminal, so progress bars and colour make sense.
pub fn interactive() -> bool {
    io::stderr().is_terminal()
}
