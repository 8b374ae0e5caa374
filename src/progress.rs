//! How long-running domain work reports progress without printing: the CLI supplies a sink.

/// Receives progress from domain code; the CLI's implementation draws a bar on a terminal.
pub trait Progress: Sync {
    /// A new unit of work begins: `label` names it, `total` is its size (bytes, rows...).
    fn start(&self, label: &str, total: u64);
    /// Work done so far in the current unit.
    fn set(&self, done: u64);
    /// The current unit is finished.
    fn finish(&self);
}

/// Progress that goes nowhere: for tests and non-interactive use.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: u64) {}
    fn set(&self, _: u64) {}
    fn finish(&self) {}
}
