//! How long-running domain work reports progress without printing: the CLI supplies a sink.

/// Receives progress from domain code; the CLI's implementation draws a bar on a terminal.
pub trait Progress: Sync {
    /// A new unit of work begins: `label` names it, `total` is its size (bytes, rows...).
    fn start(&self, label: &str, total: u64);
    /// Work done so far in the current unit.
    fn set(&self, done: u64);
    /// The current unit is finished.
    fn finish(&self);
    /// A new unit of work counted in `unit`s (`pairs`) rather than rows; a bar shows the rate
    /// per unit. Sinks that do not care treat it as [`Progress::start`].
    fn start_counting(&self, label: &str, total: u64, unit: &str) {
        let _ = unit;
        self.start(label, total);
    }
    /// A new unit of work whose size is not known (a query that measures a snapshot); a
    /// terminal shows a spinner with the time elapsed. Sinks that do not care treat it as
    /// [`Progress::start`] of nothing.
    fn busy(&self, label: &str) {
        self.start(label, 0);
    }
}

/// Forwards to another sink, prefixing every label: `dedupe accounts: compare`.
pub struct Prefixed<'a> {
    inner: &'a dyn Progress,
    prefix: String,
}

impl<'a> Prefixed<'a> {
    /// Labels read `{prefix}: {label}`.
    pub fn new(inner: &'a dyn Progress, prefix: String) -> Self {
        Prefixed { inner, prefix }
    }
}

impl Progress for Prefixed<'_> {
    fn start(&self, label: &str, total: u64) {
        self.inner
            .start(&format!("{}: {label}", self.prefix), total);
    }
    fn start_counting(&self, label: &str, total: u64, unit: &str) {
        self.inner
            .start_counting(&format!("{}: {label}", self.prefix), total, unit);
    }
    fn busy(&self, label: &str) {
        self.inner.busy(&format!("{}: {label}", self.prefix));
    }
    fn set(&self, done: u64) {
        self.inner.set(done);
    }
    fn finish(&self) {
        self.inner.finish();
    }
}

/// Progress that goes nowhere: for tests and non-interactive use.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: u64) {}
    fn set(&self, _: u64) {}
    fn finish(&self) {}
}

/// How many rows pass between two progress updates: often enough for a smooth bar, rare
/// enough that a tight loop does not pay for the bar.
pub const ROWS_PER_TICK: u64 = 4096;

/// Forwards to another sink, prefixing every label with "n of m": one file among several.
pub struct Numbered<'a> {
    inner: &'a dyn Progress,
    n: usize,
    of: usize,
}

impl<'a> Numbered<'a> {
    /// Unit `n` (1-based) of `of`.
    pub fn new(inner: &'a dyn Progress, n: usize, of: usize) -> Self {
        Numbered { inner, n, of }
    }
}

impl Progress for Numbered<'_> {
    fn start(&self, label: &str, total: u64) {
        if self.of > 1 {
            self.inner
                .start(&format!("{} of {}: {label}", self.n, self.of), total);
        } else {
            self.inner.start(label, total);
        }
    }
    fn start_counting(&self, label: &str, total: u64, unit: &str) {
        if self.of > 1 {
            self.inner
                .start_counting(&format!("{} of {}: {label}", self.n, self.of), total, unit);
        } else {
            self.inner.start_counting(label, total, unit);
        }
    }
    fn busy(&self, label: &str) {
        if self.of > 1 {
            self.inner
                .busy(&format!("{} of {}: {label}", self.n, self.of));
        } else {
            self.inner.busy(label);
        }
    }
    fn set(&self, done: u64) {
        self.inner.set(done);
    }
    fn finish(&self) {
        self.inner.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Labels(Mutex<Vec<String>>);
    impl Progress for Labels {
        fn start(&self, label: &str, _: u64) {
            self.0.lock().unwrap().push(label.to_string());
        }
        fn set(&self, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn numbered_labels_say_which_file_of_how_many() {
        let sink = Labels::default();
        Numbered::new(&sink, 2, 3).start("b.csv", 10);
        Numbered::new(&sink, 1, 1).start("only.csv", 10);
        assert_eq!(*sink.0.lock().unwrap(), ["2 of 3: b.csv", "only.csv"]);
    }

    #[test]
    fn prefixed_labels_name_the_run_and_counting_falls_back_to_start() {
        let sink = Labels::default();
        let p = Prefixed::new(&sink, "dedupe accounts".into());
        p.start_counting("compare", 10, "pairs");
        assert_eq!(*sink.0.lock().unwrap(), ["dedupe accounts: compare"]);
    }
}
