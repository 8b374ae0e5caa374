//! Output of `dedupe`: the summary, the review sheet and the pairs file.

use std::path::Path;

use super::sheet;
use super::table::{Table, thousands};
use crate::dedupe::review::Applied;
use crate::dedupe::run::Report;
use crate::error::Result;
use crate::safe_write::{Kind, Overwrite};

/// The human summary: counts, how much blocking saved, the first clusters.
pub fn render(report: &Report, review: &Path, pairs: Option<&Path>) -> String {
    let roles: Vec<String> = report
        .roles
        .iter()
        .map(|r| format!("{}={}", r.role, r.column))
        .collect();
    let mut out = format!(
        "dedupe {} as {} on {}\n\
         {} records, {} candidate pairs compared (of {} possible), {} linked at p >= {}\n\
         {} clusters, {} duplicates to merge",
        report.dataset,
        report.object,
        roles.join(", "),
        thousands(report.records as u64),
        thousands(report.candidate_pairs as u64),
        thousands(report.all_pairs),
        thousands(report.linked_pairs as u64),
        report.threshold,
        thousands(report.clusters.len() as u64),
        thousands(report.duplicates as u64),
    );
    if report.skipped_blocks > 0 {
        out.push_str(&format!(
            "; {} oversized blocks skipped",
            report.skipped_blocks
        ));
    }
    if report.decisions_kept > 0 {
        out.push_str(&format!(
            "; {} review decisions kept",
            report.decisions_kept
        ));
    }
    out.push_str("\n\n");
    if !report.clusters.is_empty() {
        let mut header = vec!["cluster", "id", "survivor", "p min"];
        header.extend(report.roles.iter().map(|r| r.role.as_str()));
        let mut table = Table::new(&header);
        for c in report.clusters.iter().take(10) {
            for (i, m) in c.members.iter().enumerate() {
                let mut row = vec![
                    if i == 0 {
                        c.cluster.to_string()
                    } else {
                        String::new()
                    },
                    m.id.clone(),
                    if m.survivor {
                        format!("yes ({})", c.rule)
                    } else {
                        String::new()
                    },
                    if i == 0 {
                        format!("{:.2}", c.min_probability)
                    } else {
                        String::new()
                    },
                ];
                row.extend(m.values.iter().map(|v| v.clone().unwrap_or_default()));
                table.row(row);
            }
        }
        out.push_str(&table.render());
        if report.clusters.len() > 10 {
            out.push_str(&format!(
                "... and {} more clusters\n",
                report.clusters.len() - 10
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!("review sheet: {}\n", review.display()));
    if let Some(p) = pairs {
        out.push_str(&format!("pairs: {}\n", p.display()));
    }
    out.push_str(&format!(
        "next: edit the review sheet (decision accept/reject, survivor yes), then `crmkit dedupe apply {}`\n",
        review.display()
    ));
    out
}

/// What `dedupe apply` changed.
pub fn render_applied(applied: &Applied) -> String {
    format!(
        "applied review for {}: {} clusters accepted, {} rejected, {} survivors changed, {} records removed from their cluster\n",
        applied.datasets.join(", "),
        applied.accepted,
        applied.rejected,
        applied.survivors_changed,
        applied.removed
    )
}

/// The review sheet: one line per clustered record; a person edits `decision` and `survivor`.
/// CSV or XLSX by the file's extension ([`sheet::write`]).
pub fn write_review(path: &Path, report: &Report, overwrite: Overwrite) -> Result<()> {
    let mut header: Vec<String> = crate::dedupe::review::COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.push("min_score".into());
    header.extend(report.roles.iter().map(|r| r.column.clone()));
    let mut rows = Vec::new();
    for c in &report.clusters {
        // Proposed clusters start undecided: a reviewer writes accept or reject.
        let decision = match c.status.as_str() {
            "rejected" => "reject",
            "accepted" => "accept",
            _ => "",
        };
        for m in &c.members {
            let mut row = vec![
                report.dataset.clone(),
                c.cluster.to_string(),
                decision.to_string(),
                if m.survivor {
                    "yes".into()
                } else {
                    String::new()
                },
                m.id.clone(),
                m.row.to_string(),
                format!("{:.3}", c.min_probability),
            ];
            row.extend(m.values.iter().map(|v| v.clone().unwrap_or_default()));
            rows.push(row);
        }
    }
    sheet::write(
        path,
        "review",
        &header,
        &rows,
        Kind::DedupeReview,
        overwrite,
    )
}

/// Every pair of records in the same cluster: `id_a,id_b,score,total,cluster`, then each
/// role's similarity and points. CSV or XLSX by the file's extension.
pub fn write_pairs(path: &Path, report: &Report, overwrite: Overwrite) -> Result<()> {
    let mut header: Vec<String> = ["id_a", "id_b", "score", "total", "cluster"]
        .map(String::from)
        .to_vec();
    for r in &report.roles {
        header.push(format!("{}_similarity", r.role));
        header.push(format!("{}_points", r.role));
    }
    let mut rows = Vec::new();
    for p in &report.pairs {
        let mut row = vec![
            p.id_a.clone(),
            p.id_b.clone(),
            format!("{:.4}", p.score.probability),
            format!("{:.2}", p.score.total),
            p.cluster.to_string(),
        ];
        for f in &p.score.fields {
            row.push(f.similarity.map(|s| format!("{s:.3}")).unwrap_or_default());
            row.push(format!("{:.2}", f.points));
        }
        rows.push(row);
    }
    sheet::write(path, "pairs", &header, &rows, Kind::DedupePairs, overwrite)
}
