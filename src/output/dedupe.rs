//! Output of `dedupe`: the summary, the review sheet and the pairs file.

use std::path::Path;

use super::table::Table;
use crate::dedupe::Model;
use crate::dedupe::review::Applied;
use crate::dedupe::run::{Report, ReviewRound};
use crate::error::Result;
use crate::numbers::thousands;
use crate::safe_write::{Kind, Overwrite};
use crate::sheet;

/// The human summary: counts, how much blocking saved, the first clusters.
pub fn render(report: &Report, review: &Path, pairs: Option<&Path>) -> String {
    let roles: Vec<String> = report
        .roles
        .iter()
        .map(|r| format!("{}={}", r.role, r.column))
        .collect();
    let mut out = format!(
        "dedupe {} as {} on {}\n\
         {}, {} compared (of {} possible), {} at p >= {}\n\
         {}, {} to merge",
        report.dataset,
        report.object,
        roles.join(", "),
        crate::numbers::plural(report.records as u64, "record", "records"),
        crate::numbers::plural(
            report.candidate_pairs as u64,
            "candidate pair",
            "candidate pairs"
        ),
        thousands(report.all_pairs),
        thousands(report.linked_pairs as u64),
        report.threshold,
        crate::numbers::plural(report.clusters.len() as u64, "cluster", "clusters"),
        crate::numbers::plural(report.duplicates as u64, "duplicate", "duplicates"),
    );
    if report.skipped_blocks > 0 {
        out.push_str(&format!(
            "; {} skipped",
            crate::numbers::plural(
                report.skipped_blocks as u64,
                "oversized block",
                "oversized blocks"
            )
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
                    match &m.source {
                        Some(source) => format!("{source}:{}", m.id),
                        None => m.id.clone(),
                    },
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
        "applied review for {}: {} accepted, {} rejected, {} changed, {} removed from their cluster\n",
        applied.datasets.join(", "),
        crate::numbers::plural(applied.accepted as u64, "cluster", "clusters"),
        thousands(applied.rejected as u64),
        crate::numbers::plural(applied.survivors_changed as u64, "survivor", "survivors"),
        crate::numbers::plural(applied.removed as u64, "record", "records")
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
    // A run linking several datasets names each record's source; its values are per role.
    let linked = report
        .clusters
        .iter()
        .any(|c| c.members.iter().any(|m| m.source.is_some()));
    if linked {
        header.push("source".into());
        header.extend(report.roles.iter().map(|r| r.role.clone()));
    } else {
        header.extend(report.roles.iter().map(|r| r.column.clone()));
    }
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
            if linked {
                row.push(m.source.clone().unwrap_or_default());
            }
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
/// role's similarity, points, comparison level and that level's learned m and u. CSV or XLSX
/// by the file's extension.
pub fn write_pairs(path: &Path, report: &Report, overwrite: Overwrite) -> Result<()> {
    let mut header: Vec<String> = ["id_a", "id_b", "score", "total", "cluster"]
        .map(String::from)
        .to_vec();
    for r in &report.roles {
        header.push(format!("{}_similarity", r.role));
        header.push(format!("{}_points", r.role));
        header.push(format!("{}_level", r.role));
        header.push(format!("{}_m", r.role));
        header.push(format!("{}_u", r.role));
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
        for (i, f) in p.score.fields.iter().enumerate() {
            row.push(f.similarity.map(|s| format!("{s:.3}")).unwrap_or_default());
            row.push(format!("{:.2}", f.points));
            row.push(f.level.clone());
            let level = report.model.roles[i]
                .levels
                .iter()
                .find(|l| l.level == f.level);
            row.push(level.map(|l| format!("{:.6}", l.m)).unwrap_or_default());
            row.push(level.map(|l| format!("{:.6}", l.u)).unwrap_or_default());
        }
        rows.push(row);
    }
    sheet::write(path, "pairs", &header, &rows, Kind::DedupePairs, overwrite)
}

/// The model as a table: each role's levels with m, u and weight, and the prior.
pub fn render_model(model: &Model) -> String {
    let mut out = format!(
        "chance that two random records match (lambda) {:.6}: prior {:+.2} log-odds
         learned from {} candidate pairs, {} random pairs, {} labelled pairs, {} EM rounds

",
        model.lambda,
        model.prior(),
        thousands(model.training.candidate_pairs),
        thousands(model.training.random_pairs),
        thousands(model.training.labelled_pairs),
        model.training.em_rounds,
    );
    if let Some(within) = model.lambda_within {
        out = out.replacen(
            "\n",
            &format!(
                " across sources; within one source {within:.6}: prior {:+.2}\n",
                (within / (1.0 - within)).ln()
            ),
            1,
        );
    }
    let mut table = Table::new(&["role", "level", "m", "u", "weight"]);
    for r in &model.roles {
        for (i, l) in r.levels.iter().enumerate() {
            let role = match (i, r.tf) {
                (0, true) => format!("{} (tf)", r.role),
                (0, false) => r.role.clone(),
                _ => String::new(),
            };
            table.row(vec![
                role,
                l.level.clone(),
                format!("{:.4}", l.m),
                format!("{:.6}", l.u),
                format!("{:+.2}", l.weight),
            ]);
        }
    }
    out.push_str(&table.render());
    out.push_str("missing on either side: weight 0; (tf): an exact match on a rare value adds, on a common one subtracts\n");
    out
}

/// Each pair of the first clusters, role by role: level and points, for `--explain`.
pub fn render_explain(report: &Report, clusters: usize) -> String {
    let mut out = String::new();
    let shown: Vec<i64> = report
        .clusters
        .iter()
        .take(clusters)
        .map(|c| c.cluster)
        .collect();
    let mut header = vec!["cluster", "pair", "p", "total"];
    header.extend(report.roles.iter().map(|r| r.role.as_str()));
    let mut table = Table::new(&header);
    for p in report.pairs.iter().filter(|p| shown.contains(&p.cluster)) {
        let mut row = vec![
            p.cluster.to_string(),
            format!("{} / {}", p.id_a, p.id_b),
            format!("{:.4}", p.score.probability),
            format!("{:+.2}", p.score.total),
        ];
        row.extend(p.score.fields.iter().map(|f| {
            if f.tf != 0.0 {
                format!("{} {:+.2} (tf {:+.2})", f.level, f.points, f.tf)
            } else {
                format!("{} {:+.2}", f.level, f.points)
            }
        }));
        table.row(row);
    }
    out.push_str(&format!(
        "how each pair scored: prior {:+.2} plus each role's level weight\n",
        report.model.prior()
    ));
    out.push_str(&table.render());
    out.push('\n');
    out.push_str(&render_model(&report.model));
    out
}

/// A review round: answers recorded, the refitted model's prior, and the pairs to answer.
pub fn render_review(round: &ReviewRound) -> String {
    let mut out = format!(
        "dedupe review of {}: {} answers recorded, {} labelled pairs teach the model (prior {:+.2})\n\n",
        round.dataset,
        round.answered,
        round.labels,
        round.model.prior()
    );
    if round.questions.is_empty() {
        out.push_str("no unlabelled candidate pairs left to ask about\n");
        return out;
    }
    out.push_str("pairs nearest the threshold (answering them teaches the model most):\n\n");
    let mut header = vec!["pair", "p", "record"];
    header.extend(round.roles.iter().map(|r| r.role.as_str()));
    let mut table = Table::new(&header);
    for q in &round.questions {
        let key = format!("{}/{}", q.id_a, q.id_b);
        let mut a = vec![key, format!("{:.3}", q.score.probability), q.id_a.clone()];
        a.extend(q.values_a.iter().map(|v| v.clone().unwrap_or_default()));
        table.row(a);
        let mut b = vec![String::new(), String::new(), q.id_b.clone()];
        b.extend(q.values_b.iter().map(|v| v.clone().unwrap_or_default()));
        table.row(b);
        let mut levels = vec![String::new(), String::new(), "level".to_string()];
        levels.extend(
            q.score
                .fields
                .iter()
                .map(|f| format!("{} {:+.1}", f.level, f.points)),
        );
        table.row(levels);
    }
    out.push_str(&table.render());
    out.push_str(&format!(
        "\nanswer: crmkit dedupe review {} --object ... --match ID_A/ID_B --distinct ID_A/ID_B\n",
        // A linked run is named by its datasets joined by `+`; the command names them apart.
        round.dataset.replace('+', " ")
    ));
    out
}

/// The sources of a run linking several datasets: roles per source and survivor priority.
pub fn render_link(report: &crate::dedupe::link::LinkReport) -> String {
    let mut out = format!(
        "linking {} datasets; survivors by source priority: {}\n",
        report.sources.len(),
        report.priority.join(" > ")
    );
    for s in &report.sources {
        let roles: Vec<String> = s
            .roles
            .iter()
            .map(|r| format!("{}={}", r.role, r.column))
            .collect();
        out.push_str(&format!(
            "  {}: {} records, id {}, {}\n",
            s.dataset,
            thousands(s.records as u64),
            s.id_column.as_deref().unwrap_or("(source row)"),
            roles.join(", ")
        ));
    }
    out.push_str(&format!(
        "{} clusters join records of different sources\n",
        thousands(report.cross_source_clusters as u64)
    ));
    out
}
