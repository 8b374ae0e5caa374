//! Output of `stage`, `reconcile` and `trace`.

use super::table::Table;
use crate::numbers::plural;
use crate::numbers::thousands;
use crate::stage::Outcome;
use crate::stage::reconcile::{Reconciliation, Trace};

fn n(v: i64) -> String {
    thousands(v.max(0) as u64)
}

/// Where each dataset's rows went, the reasons, and the load order.
pub fn render(outcome: &Outcome) -> String {
    let mut t = Table::new(&[
        "dataset", "object", "source", "staged", "merged", "rejected", "excluded",
    ]);
    for d in &outcome.datasets {
        t.row(vec![
            d.dataset.clone(),
            format!("{} ({})", d.object, d.target_object),
            n(d.source_rows),
            n(d.staged),
            n(d.merged),
            n(d.rejected),
            n(d.excluded),
        ]);
    }
    let mut out = format!("staged for {}\n\n{}", outcome.target, t.render());
    for d in &outcome.datasets {
        let mut notes: Vec<String> = d.reasons.iter().map(|(r, c)| format!("{r} {c}")).collect();
        notes.extend(d.rules.iter().map(|(r, c)| format!("excluded by {r} {c}")));
        if d.parents_cleared > 0 {
            notes.push(format!("parent links cleared {}", d.parents_cleared));
        }
        if !notes.is_empty() {
            out.push_str(&format!("  {}: {}\n", d.dataset, notes.join(", ")));
        }
        if !d.warnings.is_empty() {
            let loaded: Vec<String> = d.warnings.iter().map(|(w, c)| format!("{w} {c}")).collect();
            out.push_str(&format!(
                "  {}: loaded with a warning (value kept, cut or blanked instead of rejecting the record): {}\n",
                d.dataset,
                loaded.join(", ")
            ));
        }
    }
    out.push_str("\nload order:\n");
    for p in &outcome.load_plan {
        out.push_str(&format!(
            "  {}. {} {} ({})\n",
            p.position,
            p.target_object,
            p.pass,
            crate::numbers::plural(p.rows as u64, "row", "rows")
        ));
    }
    out.push_str("next: `crmkit reconcile` to prove every row is accounted for, `crmkit trace DATASET ROW` for one row, `crmkit export`\n");
    out
}

/// The reconciliation equation per dataset.
pub fn render_reconcile(r: &Reconciliation) -> String {
    let mut t = Table::new(&[
        "dataset", "object", "source", "staged", "merged", "rejected", "excluded", "balanced",
    ]);
    for d in &r.datasets {
        t.row(vec![
            d.dataset.clone(),
            d.object.clone(),
            n(d.counts.source),
            n(d.counts.staged),
            n(d.counts.merged),
            n(d.counts.rejected),
            n(d.counts.excluded),
            if d.balanced {
                "yes".into()
            } else {
                "NO".into()
            },
        ]);
    }
    let mut out = t.render();
    for d in r.datasets.iter().filter(|d| !d.balanced) {
        out.push_str(&format!(
            "  {}: {} in no bucket, {} in several; e.g. {}\n",
            d.dataset,
            crate::numbers::plural(d.counts.unaccounted.max(0) as u64, "row", "rows"),
            thousands(d.counts.double_counted.max(0) as u64),
            d.examples
                .iter()
                .map(|e| format!("row {} ({} buckets)", e.row, e.buckets))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !r.not_loaded.is_empty() {
        out.push_str(&format!(
            "not part of the load (no mapping): {}\n",
            r.not_loaded.join(", ")
        ));
    }
    out.push_str(if r.balanced {
        "balanced: every source row is staged, merged, rejected or excluded, exactly once\n"
    } else {
        "NOT balanced: run `crmkit stage` again; if it persists, `crmkit trace DATASET ROW` the examples\n"
    });
    out
}

/// One source row's story.
pub fn render_trace(t: &Trace) -> String {
    let mut out = String::new();
    for r in &t.rows {
        out.push_str(&format!(
            "{} row {} (batch {})\n",
            t.dataset, t.row, r.batch
        ));
        for (col, v) in &r.values {
            out.push_str(&format!("  {col}: {}\n", v.as_deref().unwrap_or("(null)")));
        }
        out.push_str(&format!("-> {}\n", r.outcome));
        for line in &r.details {
            out.push_str(&format!("   {line}\n"));
        }
    }
    out
}

/// The written files in load order.
pub fn render_export(e: &crate::stage::export::Exported) -> String {
    let mut t = Table::new(&["#", "file", "object", "pass", "rows", "upsert key"]);
    for f in &e.files {
        t.row(vec![
            f.position.to_string(),
            f.file.clone(),
            f.target_object.clone(),
            f.pass.clone(),
            n(f.rows),
            f.external_id.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut out = format!(
        "wrote {} to {}\n\n{}",
        crate::numbers::plural(e.files.len() as u64, "file", "files"),
        e.dir,
        t.render()
    );
    for f in e.files.iter().filter(|f| !f.notes.is_empty()) {
        for note in &f.notes {
            out.push_str(&format!("note ({}): {note}\n", f.file));
        }
    }
    for r in &e.rejects {
        out.push_str(&format!(
            "rejects: {} ({} of `{}` not loaded, with why)\n",
            r.file,
            plural(r.rows as u64, "row", "rows"),
            r.dataset
        ));
    }
    out.push_str(&format!("load plan: {}\n", e.plan));
    out
}
