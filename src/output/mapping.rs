//! Human output for `map suggest` and `map check`.

use super::table::Table;
use crate::mapping::check::{CheckReport, Severity};
use crate::mapping::suggest::SuggestReport;
use crate::numbers::plural;
use crate::numbers::thousands;

/// The mapped fields, proposals, drops, required gaps and value maps.
pub fn render_suggest(r: &SuggestReport) -> String {
    let mut out = format!(
        "{} ({} rows) -> {} {} ({})\n\n",
        r.dataset,
        thousands(r.rows),
        r.target,
        r.target_object,
        r.object
    );
    let mut t = Table::new(&["source", "target", "confidence", "reason"]);
    for m in &r.mapped {
        t.row(vec![
            m.source.clone(),
            m.target.clone(),
            format!("{:.2}", m.confidence),
            m.reason.clone(),
        ]);
    }
    out.push_str(&t.render());
    if !r.custom.is_empty() {
        out.push_str("\nunmapped columns, proposed custom fields:\n");
        let mut t = Table::new(&["source", "custom field", "type", "length", "note"]);
        for c in &r.custom {
            t.row(vec![
                c.source.clone(),
                c.field.clone(),
                c.kind.to_string(),
                c.length
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".into()),
                if c.external_id {
                    "external id".into()
                } else {
                    String::new()
                },
            ]);
        }
        out.push_str(&t.render());
    }
    if !r.dropped.is_empty() {
        out.push_str("\nunmapped columns to drop:\n");
        for d in &r.dropped {
            out.push_str(&format!("  {}: {}\n", d.source, d.reason));
        }
    }
    for v in &r.values {
        out.push_str(&format!(
            "\nvalues of `{}`: {} matched",
            v.field,
            crate::numbers::part_of(
                v.matched as u64,
                v.distinct as u64,
                "distinct value",
                "distinct values"
            )
        ));
        if v.unknown.is_empty() {
            out.push('\n');
        } else {
            let shown: Vec<String> = v.unknown.iter().take(8).map(|u| format!("`{u}`")).collect();
            out.push_str(&format!(
                "; no target yet for {}{}\n",
                shown.join(", "),
                if v.unknown.len() > 8 { ", ..." } else { "" }
            ));
        }
    }
    if !r.required_missing.is_empty() {
        out.push('\n');
        for m in &r.required_missing {
            out.push_str(&format!(
                "warning: required field `{}` ({}) has no source column\n",
                m.field, m.label
            ));
        }
    }
    if let Some(path) = &r.path {
        out.push_str(&format!(
            "\nwrote {path}\nnext: review it, then `crmkit map check {path}`\n"
        ));
    }
    out
}

/// Findings per file, then a total line.
pub fn render_check(reports: &[CheckReport]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "{}: {} -> {} {} ({} fields, {} rows; required {}/{})\n",
            r.file,
            r.dataset,
            r.target,
            r.object_label,
            r.fields,
            thousands(r.rows),
            r.required.mapped,
            r.required.total
        ));
        if let Some(p) = &r.predicted {
            let mut line = format!(
                "  stage would: {} staged, {} merged, {} rejected, {} excluded",
                thousands(p.staged as u64),
                thousands(p.merged as u64),
                thousands(p.rejected as u64),
                thousands(p.excluded as u64)
            );
            if !p.reasons.is_empty() {
                let reasons: Vec<String> =
                    p.reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
                line.push_str(&format!(" ({})", reasons.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if r.findings.is_empty() {
            out.push_str("  ok: nothing would block a load\n");
        }
        for f in &r.findings {
            let tag = match f.severity {
                Severity::Blocking => "BLOCKING",
                Severity::Warning => "warning",
            };
            out.push_str(&format!("  {tag} [{}] {}\n", f.kind, f.message));
            if !f.examples.is_empty() {
                let ex: Vec<String> = f.examples.iter().map(|e| format!("`{e}`")).collect();
                out.push_str(&format!("      e.g. {}\n", ex.join(", ")));
            }
        }
        out.push('\n');
    }
    let blocking: usize = reports.iter().map(|r| r.blocking).sum();
    let warnings: usize = reports.iter().map(|r| r.warnings).sum();
    out.push_str(&format!(
        "{} checked: {}, {}\n",
        plural(reports.len() as u64, "mapping", "mappings"),
        plural(blocking as u64, "blocking issue", "blocking issues"),
        plural(warnings as u64, "warning", "warnings")
    ));
    out
}
