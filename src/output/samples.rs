//! Human output for `samples`: the files written and the problems injected.

use super::table::Table;
use crate::numbers::thousands;
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
