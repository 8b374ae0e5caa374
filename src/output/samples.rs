//! Human output for `samples`: the files written and the problems injected.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::table::{Table, thousands};
use crate::progress::Progress;
use crate::samples::{Summary, TRUTH_FILE};

/// The files with row counts and encodings, then the injected problems by kind.
pub fn render(summary: &Summary) -> String {
    let mut out = format!(
        "wrote {} accounts (seed {}) into `{}`\n\n",
        thousands(u64::from(summary.accounts)),
        summary.seed,
        summary.out
    );
    let mut files = Table::new(&["file", "rows", "encoding"]);
    for f in &summary.files {
        files.row(vec![f.file.clone(), thousands(f.rows), f.encoding.clone()]);
    }
    out.push_str(&files.render());
    let mut problems = Table::new(&["injected problem", "count"]);
    for p in &summary.problems {
        problems.row(vec![p.problem.clone(), thousands(p.count)]);
    }
    out.push('\n');
    out.push_str(&problems.render());
    out.push_str(&format!(
        "\nevery problem is listed in {TRUTH_FILE} (cycles count accounts; clusters count groups)\n\
next: crmkit init demo && crmkit -w demo ingest {0}/*.csv\n",
        summary.out
    ));
    out
}

/// A row-counting progress bar on stderr, drawn only on a terminal.
pub struct RowsBar {
    bar: ProgressBar,
}

impl RowsBar {
    /// A hidden-unless-interactive bar.
    pub fn new() -> RowsBar {
        let bar = ProgressBar::hidden();
        if super::interactive() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_style(
            ProgressStyle::with_template("{msg:24!} [{bar:30}] {pos}/{len} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        RowsBar { bar }
    }
}

impl Default for RowsBar {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for RowsBar {
    fn start(&self, label: &str, total: u64) {
        self.bar.reset();
        self.bar.set_length(total);
        self.bar.set_message(label.to_string());
    }

    fn set(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
