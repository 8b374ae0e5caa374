//! Human output for `demo`: one line per step with its headline figures, then where the
//! report is and what to run next.

use std::path::{Path, PathBuf};

use crate::dedupe::run::Report as DedupeReport;
use crate::ingest::Outcome;
use crate::mapping::check::CheckReport;
use crate::mapping::suggest::SuggestReport;
use crate::numbers::plural;
use crate::numbers::thousands;
use crate::playbook::checklist::Checklist;
use crate::playbook::scoring::{Assessment, number};
use crate::profile::Profile;
use crate::report::model::Readiness;

/// The opening line.
pub fn intro(client: &str, target: &str, dir: &Path) -> String {
    format!(
        "crmkit demo: a client assessment from start to finish on the bundled samples\n\
         ({client}, migrating to {target}, in `{}`)\n\n",
        dir.display()
    )
}

/// One step: its number, a short name and what it found.
pub fn step(n: usize, name: &str, text: &str) -> String {
    format!("{n:>2}. {name:<10} {text}\n")
}

/// The exports written.
pub fn samples(dir: &Path, csv: usize, others: &[PathBuf]) -> String {
    let names: Vec<String> = others
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    format!(
        "wrote {csv} CSV exports of a messy legacy CRM, {} to `{}`",
        names.join(" and "),
        dir.display()
    )
}

/// Rows ingested.
pub fn ingested(outcomes: &[Outcome]) -> String {
    let rows: u64 = outcomes.iter().map(|o| o.rows_stored).sum();
    let issues: u64 = outcomes.iter().flat_map(|o| o.issues.values()).sum();
    let sets: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{} {}", o.dataset, thousands(o.rows_stored)))
        .collect();
    format!(
        "{} from {} ({}), {}",
        plural(rows, "row", "rows"),
        plural(outcomes.len() as u64, "file", "files"),
        sets.join(", "),
        plural(issues, "ingest issue", "ingest issues")
    )
}

/// Findings of the profile, the worst checks first; `label` names a check in words.
pub fn profiled(p: &Profile, label: impl Fn(&str) -> String) -> String {
    let mut checks: Vec<(&str, u64)> = Vec::new();
    for f in &p.findings {
        match checks.iter_mut().find(|(c, _)| *c == f.check) {
            Some(slot) => slot.1 += f.count,
            None => checks.push((f.check, f.count)),
        }
    }
    let worst: Vec<String> = checks
        .iter()
        .take(3)
        .map(|(c, n)| format!("{} {}", thousands(*n), label(c).to_lowercase()))
        .collect();
    let mut text = format!(
        "{} as of {}",
        plural(p.findings.len() as u64, "finding", "findings"),
        p.as_of
    );
    if !worst.is_empty() {
        text.push_str(&format!("; worst: {}", worst.join(", ")));
    }
    if let Some(a) = &p.account_status {
        text.push_str(&format!(
            "; {} are dead",
            crate::numbers::part_of(a.dead, a.accounts, "account", "accounts")
        ));
    }
    text
}

/// Mappings proposed.
pub fn suggested(reports: &[SuggestReport]) -> String {
    let each: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{} -> {} ({})",
                r.dataset,
                r.target_object,
                plural((r.mapped.len() + r.custom.len()) as u64, "field", "fields")
            )
        })
        .collect();
    format!(
        "proposed {} in mappings/: {}",
        plural(reports.len() as u64, "mapping", "mappings"),
        each.join(", ")
    )
}

/// Required coverage and blocking issues.
pub fn checked(reports: &[CheckReport]) -> String {
    let total: usize = reports.iter().map(|r| r.required.total).sum();
    let mapped: usize = reports.iter().map(|r| r.required.mapped).sum();
    let blocking: usize = reports.iter().map(|r| r.blocking).sum();
    let worst = reports
        .iter()
        .filter(|r| r.blocking > 0)
        .max_by_key(|r| r.blocking)
        .map(|r| format!(" (most in {}: {})", r.object_label, r.blocking))
        .unwrap_or_default();
    format!(
        "{} {} a source; {}{worst}: the demo goes on",
        crate::numbers::part_of(
            mapped as u64,
            total as u64,
            "required field",
            "required fields"
        ),
        if total == 1 { "has" } else { "have" },
        plural(blocking as u64, "blocking issue", "blocking issues")
    )
}

/// Duplicates per dataset.
pub fn deduped(reports: &[DedupeReport]) -> String {
    let each: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{}: {} to merge in {}",
                r.dataset,
                thousands(r.duplicates as u64),
                plural(r.clusters.len() as u64, "cluster", "clusters")
            )
        })
        .collect();
    format!("{}; review sheets in out/", each.join(", "))
}

/// Where the rows went, whether it balances, and the import files.
pub fn staged(
    s: &crate::stage::Outcome,
    r: &crate::stage::reconcile::Reconciliation,
    e: &crate::stage::export::Exported,
) -> String {
    let sum = |f: fn(&crate::stage::DatasetOutcome) -> i64| s.datasets.iter().map(f).sum::<i64>();
    format!(
        "{}: {} staged, {} merged, {} rejected, {} excluded; reconcile: {}; {} in load order in out/export-salesforce",
        plural(sum(|d| d.source_rows) as u64, "source row", "source rows"),
        thousands(sum(|d| d.staged) as u64),
        thousands(sum(|d| d.merged) as u64),
        thousands(sum(|d| d.rejected) as u64),
        thousands(sum(|d| d.excluded) as u64),
        if r.balanced {
            "balanced"
        } else {
            "NOT balanced"
        },
        plural(e.files.len() as u64, "import file", "import files")
    )
}

/// Answers recorded.
pub fn answered(n: usize, open: usize) -> String {
    format!(
        "recorded {} from the kick-off workshop; {} still open",
        plural(n as u64, "answer", "answers"),
        plural(open as u64, "question", "questions")
    )
}

/// Scores.
pub fn assessed(a: &Assessment) -> String {
    let dims: Vec<String> = a
        .dimensions
        .iter()
        .map(|d| format!("{} {}", d.name, number(d.score)))
        .collect();
    let met = a.criteria.iter().filter(|c| c.met).count();
    format!(
        "readiness {}/100 ({}); {} of {} success criteria met",
        number(a.overall),
        dims.join(", "),
        met,
        a.criteria.len()
    )
}

/// The report files.
pub fn reported(r: &Readiness, files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    format!(
        "{}\n{:14}{}",
        names.join(", "),
        "",
        super::report::headline(r)
    )
}

/// The checklist file.
pub fn checklisted(c: &Checklist, path: &Path) -> String {
    format!(
        "{}: {} ticked for the CRM admin",
        path.display(),
        crate::numbers::part_of(c.checked as u64, c.total as u64, "box", "boxes")
    )
}

/// Where to look and what to run next.
pub fn finish(dir: &Path, html: &Path, r: &Readiness) -> String {
    let mut out = format!(
        "\nOpen the report: {}\n\nNext, in the demo workspace (cd {}):\n",
        html.display(),
        dir.display()
    );
    let mut lines: Vec<(String, String)> = Vec::new();
    for s in r.next_steps.iter().take(3) {
        if let Some(c) = &s.command {
            lines.push((c.clone(), s.text.clone()));
        }
    }
    lines.push((
        "crmkit report readiness".into(),
        "rebuild the report after any change".into(),
    ));
    let width = lines.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (command, why) in lines {
        out.push_str(&format!("  {command:<width$}  # {why}\n"));
    }
    out
}

/// Status, the top accounts by expected value, and rep balance after a rebalance.
pub fn prioritised(
    status: &crate::rules::status::StatusReport,
    rfm: &crate::rules::rfm::RfmReport,
    assign: &crate::rules::territory::AssignReport,
    names: &crate::report::names::Names,
) -> String {
    let counts: Vec<String> = status
        .counts
        .iter()
        .map(|(s, n)| format!("{} {s}", thousands(*n)))
        .collect();
    let top: Vec<String> = rfm
        .accounts
        .iter()
        .take(3)
        .map(|a| {
            let name = names.get(&status.dataset, &a.account).unwrap_or(&a.account);
            format!("{name} ({})", a.segment)
        })
        .collect();
    let overloaded = assign.balance.iter().filter(|b| b.overloaded).count();
    format!(
        "accounts {}; top by expected value: {}; {}, {} over tolerance after moving {}, {} without a rep",
        counts.join(", "),
        top.join(", "),
        plural(assign.balance.len() as u64, "rep", "reps"),
        thousands(overloaded as u64),
        plural(assign.moves.len() as u64, "account", "accounts"),
        thousands(assign.unassigned)
    )
}
