//! Human output for `report`: which files were written, with the report's headline figures.

use std::path::PathBuf;

use crate::playbook::scoring::number;
use crate::report::model::Readiness;

/// One line per file written, then the headline figures and where to look first.
pub fn render_written(r: &Readiness, files: &[PathBuf]) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(&format!("wrote {}\n", f.display()));
    }
    out.push_str(&format!("  {}\n", headline(r)));
    if let Some(step) = r.next_steps.first() {
        match &step.command {
            Some(c) => out.push_str(&format!("  next: {} (`{c}`)\n", step.text)),
            None => out.push_str(&format!("  next: {}\n", step.text)),
        }
    }
    out
}

/// The report in one line: readiness, records to fix, duplicates, required coverage.
pub fn headline(r: &Readiness) -> String {
    let mut parts = vec![format!("readiness {}/100", number(r.readiness.overall))];
    if let Some(q) = &r.data_quality {
        parts.push(format!(
            "{} to fix (about {} h)",
            crate::numbers::plural(q.effort.records, "record", "records"),
            number(q.effort.hours)
        ));
    }
    if let Some(d) = &r.duplicates {
        parts.push(format!(
            "{} to merge",
            crate::numbers::plural(d.duplicates, "duplicate", "duplicates")
        ));
    }
    if let Some(c) = r.mapping.as_ref().and_then(|m| m.required_coverage) {
        parts.push(format!(
            "{}% of required fields mapped",
            number((c * 1000.0).round() / 10.0)
        ));
    }
    parts.join(", ")
}
