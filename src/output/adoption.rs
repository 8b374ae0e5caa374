//! Human output for `adoption ingest`, `adoption list` and `report adoption`.

use std::path::PathBuf;

use crate::adoption::Analysis;
use crate::adoption::read::FileOutcome;
use crate::staging::SnapshotRow;

fn share(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "not measured".into())
}

fn count(v: Option<f64>) -> String {
    v.map(|v| crate::numbers::thousands(v.round() as u64))
        .unwrap_or_else(|| "not measured".into())
}

/// The headline figures of an analysis in one line.
pub fn headline(a: &Analysis) -> String {
    let f = |n: &str| a.figures.get(n).copied().flatten();
    format!(
        "weekly active {} · never logged in {} · win rate {} · stale open {} · past close {} · updated at every stage {} · {} reps to coach",
        share(f("weekly_active_share")),
        count(f("never_logged_in")),
        share(f("win_rate")),
        share(f("stale_open_share")),
        share(f("past_close_share")),
        share(f("updated_every_stage_share")),
        a.coaching.len()
    )
}

/// What an ingest read, per file, and the snapshot's headline figures.
pub fn ingested(
    snapshot: &str,
    as_of: &str,
    files: &[FileOutcome],
    a: &Analysis,
    previous: Option<&str>,
) -> String {
    let mut out = format!("snapshot {snapshot} (as of {as_of})\n");
    for f in files {
        if f.already {
            out.push_str(&format!(
                "  {}: {} already in this snapshot (same content), not read again\n",
                f.file,
                f.role.replace('_', " ")
            ));
            continue;
        }
        out.push_str(&format!(
            "  {}: {}, {} rows",
            f.file,
            f.role.replace('_', " "),
            crate::numbers::thousands(f.rows)
        ));
        for (reason, n) in &f.skipped {
            out.push_str(&format!(
                ", {} not used ({reason})",
                crate::numbers::thousands(*n)
            ));
        }
        if f.unreadable > 0 {
            out.push_str(&format!(
                ", {} values unreadable",
                crate::numbers::thousands(f.unreadable)
            ));
        }
        out.push('\n');
        for e in &f.examples {
            out.push_str(&format!(
                "    row {}, column `{}`: `{}` is {}\n",
                e.row, e.column, e.value, e.problem
            ));
        }
        if !f.issues.is_empty() {
            let kinds: Vec<String> = f
                .issues
                .iter()
                .map(|(kind, n)| {
                    format!(
                        "{} {}",
                        crate::numbers::thousands(*n),
                        kind.replace('_', " ")
                    )
                })
                .collect();
            out.push_str(&format!(
                "    row issues: {} (each kept in staging.db, table _adoption_issues; the first):\n",
                kinds.join(", ")
            ));
        }
        for i in &f.issue_examples {
            out.push_str(&format!("    {}\n", issue_line(i)));
        }
    }
    out.push_str(&format!("  {}\n", headline(a)));
    for n in &a.not_measured {
        out.push_str(&format!(
            "  not measured: {} (needs {})\n",
            n.figures.join(", "),
            n.needs
        ));
    }
    match previous {
        Some(p) => out.push_str(&format!(
            "  compared with snapshot {p}; next: crmkit report adoption\n"
        )),
        None => out.push_str("  next: crmkit report adoption\n"),
    }
    out
}

/// One row issue, located: file, row (line), column, value and what is wrong.
pub fn issue_line(i: &crate::staging::ExportIssue) -> String {
    let mut at = format!("{} row {}", i.file, i.row);
    if let Some(line) = i.line {
        at.push_str(&format!(" (line {line})"));
    }
    if let Some(c) = &i.column {
        at.push_str(&format!(", column `{c}`"));
    }
    if let Some(v) = &i.value {
        at.push_str(&format!(", value `{}`", v.replace('\n', "⏎")));
    }
    format!(
        "{at}: {}: {}{}",
        i.kind.replace('_', " "),
        i.detail,
        if i.used { "" } else { " [row not used]" }
    )
}

/// The snapshots, oldest first.
pub fn listed(rows: &[(SnapshotRow, Option<Analysis>)]) -> String {
    if rows.is_empty() {
        return "no adoption snapshots yet: run `crmkit adoption ingest FILE... --as-of DATE`\n"
            .into();
    }
    let mut out = String::new();
    for (s, a) in rows {
        out.push_str(&format!("{} (as of {})", s.snapshot, s.as_of));
        if let Some(a) = a {
            out.push_str(&format!(": {} files; {}", a.sources.len(), headline(a)));
        }
        out.push('\n');
    }
    out
}

/// The files a report run wrote.
pub fn written(files: &[PathBuf], a: &Analysis) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(&format!("wrote {}\n", f.display()));
    }
    out.push_str(&format!("  {}\n", headline(a)));
    out
}
