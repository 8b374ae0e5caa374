//! Human output for `profile`: findings worst first, then datasets, columns, references,
//! hierarchy, staleness and account status.

use super::table::Table;
use crate::numbers::thousands;
use crate::profile::Profile;

/// Longest cell text shown in tables.
const WIDTH: usize = 32;

fn cut(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::text::excerpt(&one_line, WIDTH).into_owned()
}

use crate::numbers::pct_column as pct;

/// The whole profile as text; `stored` says whether it was saved in the workspace.
pub fn render(p: &Profile, stored: bool) -> String {
    let rows: u64 = p.datasets.iter().map(|d| d.rows).sum();
    let mut out = format!(
        "profile of {} ({}), as of {}, stale after {} days\n\n",
        crate::numbers::plural(p.datasets.len() as u64, "dataset", "datasets"),
        crate::numbers::plural(rows, "row", "rows"),
        p.as_of,
        p.stale_after_days
    );
    out.push_str("Findings, worst first\n");
    if p.findings.is_empty() {
        out.push_str("  no problems found\n");
    } else {
        let mut t = Table::new(&["check", "dataset", "column", "records", "examples"]);
        for f in &p.findings {
            t.row(vec![
                f.check.to_string(),
                f.dataset.clone(),
                f.column.clone().unwrap_or_else(|| "-".into()),
                thousands(f.count),
                cut(&f
                    .examples
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")),
            ]);
        }
        out.push_str(&indent(&t.render()));
    }
    out.push_str("\nDatasets\n");
    let mut t = Table::new(&[
        "dataset",
        "rows",
        "duplicate rows",
        "candidate keys",
        "issues",
    ]);
    for d in &p.datasets {
        let issues: Vec<String> = d
            .issues
            .iter()
            .map(|i| format!("{} {}", i.value, i.count))
            .collect();
        t.row(vec![
            d.name.clone(),
            thousands(d.rows),
            thousands(d.duplicate_rows),
            if d.candidate_keys.is_empty() {
                "-".into()
            } else {
                d.candidate_keys.join(", ")
            },
            if issues.is_empty() {
                "-".into()
            } else {
                issues.join(", ")
            },
        ]);
    }
    out.push_str(&indent(&t.render()));
    for d in &p.datasets {
        out.push_str(&format!(
            "\n{} ({})\n",
            d.name,
            crate::numbers::plural(d.rows, "row", "rows")
        ));
        let mut t = Table::new(&[
            "column",
            "type",
            "fit",
            "filled",
            "empty",
            "placeholder",
            "distinct",
            "invalid",
            "top value",
            "top shape",
        ]);
        for c in &d.columns {
            let distinct = if c.distinct_method == "exact" {
                thousands(c.distinct)
            } else {
                format!("~{}", thousands(c.distinct))
            };
            t.row(vec![
                cut(&c.name),
                c.kind.name().to_string(),
                pct(c.type_share),
                pct(c.fill_rate),
                thousands(c.null + c.blank + c.whitespace),
                thousands(c.placeholder),
                distinct,
                thousands(c.invalid.count),
                c.top_values
                    .first()
                    .map(|v| format!("{} ({})", cut(&v.value), v.count))
                    .unwrap_or_else(|| "-".into()),
                c.shapes
                    .first()
                    .map(|s| cut(&s.shape))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push_str(&indent(&t.render()));
    }
    if !p.references.is_empty() {
        out.push_str("\nReferences\n");
        let mut t = Table::new(&["from", "to", "match", "values", "orphans", "examples"]);
        for r in &p.references {
            t.row(vec![
                format!("{}{}", r.from, if r.declared { " (declared)" } else { "" }),
                r.to.clone(),
                pct(r.match_rate),
                thousands(r.values),
                thousands(r.orphans),
                cut(&r.orphan_examples.join(", ")),
            ]);
        }
        out.push_str(&indent(&t.render()));
    }
    for h in &p.hierarchies {
        let depths: Vec<String> = h
            .depths
            .iter()
            .map(|d| format!("{}: {}", d.depth, thousands(d.count)))
            .collect();
        out.push_str(&format!(
            "\nHierarchy {}.{} -> {}{}\n  {}, {} with a parent; {}, {}, {} in cycles ({} more lead into one)\n  depth {}; {}\n",
            h.dataset,
            h.parent,
            h.id,
            if h.declared { " (declared)" } else { "" },
            crate::numbers::plural(h.records, "record", "records"),
            thousands(h.with_parent),
            crate::numbers::plural(h.missing_parents, "missing parent", "missing parents"),
            crate::numbers::plural(h.self_parents, "self-parent", "self-parents"),
            thousands(h.in_cycles),
            thousands(h.above_cycles),
            if depths.is_empty() { "-".to_string() } else { depths.join(", ") },
            crate::numbers::plural(h.ultimate_parents, "ultimate parent", "ultimate parents"),
        ));
    }
    if !p.staleness.is_empty() {
        out.push_str("\nStaleness\n");
        let mut t = Table::new(&[
            "dataset",
            "activity columns",
            "records",
            "stale",
            "no date",
            "cut-off",
        ]);
        for s in &p.staleness {
            t.row(vec![
                s.dataset.clone(),
                s.columns.join(", "),
                thousands(s.records),
                thousands(s.stale),
                thousands(s.no_date),
                s.cutoff.clone(),
            ]);
        }
        out.push_str(&indent(&t.render()));
    }
    if let Some(a) = &p.account_status {
        out.push_str(&format!(
            "\nAccount status ({}, with {}): {} active, {} dormant, {} dead\n",
            a.dataset,
            a.opportunities.as_deref().unwrap_or("no opportunities"),
            thousands(a.active),
            thousands(a.dormant),
            thousands(a.dead)
        ));
    }
    if stored {
        out.push_str("\nsaved in the workspace (_profile_* tables and profile.* metrics)\n");
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
