//! The headline figures a workspace profile leaves for the playbook (`_metrics`).

use super::model::Profile;
use super::types::SemanticType;
use super::vocab;
use crate::numbers::{plural, thousands};

/// One metric: name, value, and the numbers behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricValue {
    pub name: &'static str,
    pub value: f64,
    pub detail: String,
}

fn rate(name: &'static str, part: u64, whole: u64, noun: &str) -> Option<MetricValue> {
    (whole > 0).then(|| MetricValue {
        name,
        value: part as f64 / whole as f64,
        detail: format!("{} of {} {noun}", thousands(part), thousands(whole)),
    })
}

/// Invalid values over filled values, across every column of `kind`.
fn invalid_rate(
    p: &Profile,
    kind: SemanticType,
    name: &'static str,
    noun: &str,
) -> Option<MetricValue> {
    let (mut bad, mut all) = (0, 0);
    for c in p
        .datasets
        .iter()
        .flat_map(|d| &d.columns)
        .filter(|c| c.kind == kind)
    {
        bad += c.invalid.count;
        all += c.filled;
    }
    rate(name, bad, all, noun)
}

/// Every metric that can be computed from `p` (those without data are left out).
pub fn compute(p: &Profile) -> Vec<MetricValue> {
    let rows: u64 = p.datasets.iter().map(|d| d.rows).sum();
    let mut out = vec![
        MetricValue {
            name: "profile.datasets",
            value: p.datasets.len() as f64,
            detail: p
                .datasets
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
        MetricValue {
            name: "profile.rows",
            value: rows as f64,
            detail: format!(
                "{} in {}",
                plural(rows, "row", "rows"),
                plural(p.datasets.len() as u64, "dataset", "datasets")
            ),
        },
    ];
    out.extend(invalid_rate(
        p,
        SemanticType::Email,
        "profile.invalid_email_rate",
        "emails",
    ));
    out.extend(invalid_rate(
        p,
        SemanticType::Phone,
        "profile.invalid_phone_rate",
        "phones",
    ));
    let orphans: u64 = p.references.iter().map(|r| r.orphans).sum();
    let refs: u64 = p.references.iter().map(|r| r.values).sum();
    out.extend(rate("profile.orphan_rate", orphans, refs, "references"));
    let dups: u64 = p.datasets.iter().map(|d| d.duplicate_rows).sum();
    out.extend(rate("profile.duplicate_row_rate", dups, rows, "rows"));
    let accounts = p
        .account_status
        .as_ref()
        .map(|a| a.dataset.clone())
        .or_else(|| p.hierarchies.first().map(|h| h.dataset.clone()));
    if let Some(s) = p
        .staleness
        .iter()
        .find(|s| Some(&s.dataset) == accounts.as_ref())
    {
        out.extend(rate("profile.stale_rate", s.stale, s.records, "accounts"));
    }
    if let Some(a) = &p.account_status {
        out.push(MetricValue {
            name: "profile.dead_accounts",
            value: a.dead as f64,
            detail: format!(
                "{} of {} accounts",
                thousands(a.dead),
                thousands(a.accounts)
            ),
        });
    }
    if !p.hierarchies.is_empty() {
        let (missing, selfp, cycles) = p.hierarchies.iter().fold((0, 0, 0), |acc, h| {
            (
                acc.0 + h.missing_parents,
                acc.1 + h.self_parents,
                acc.2 + h.in_cycles,
            )
        });
        out.push(MetricValue {
            name: "profile.hierarchy_problems",
            value: (missing + selfp + cycles) as f64,
            detail: format!(
                "{}, {}, {} in cycles",
                plural(missing, "missing parent", "missing parents"),
                plural(selfp, "self-parent", "self-parents"),
                plural(cycles, "record", "records")
            ),
        });
    }
    let columns = p.datasets.iter().flat_map(|d| &d.columns);
    let (placeholders, non_blank) = columns.fold((0, 0), |acc, c| {
        (acc.0 + c.placeholder, acc.1 + c.placeholder + c.filled)
    });
    out.extend(rate(
        "profile.placeholder_rate",
        placeholders,
        non_blank,
        "values",
    ));
    let required = vocab::columns();
    let (filled, cells) = p
        .datasets
        .iter()
        .flat_map(|d| &d.columns)
        .filter(|c| required.required.matches(&c.name))
        .fold((0, 0), |acc, c| (acc.0 + c.filled, acc.1 + c.rows));
    out.extend(rate(
        "profile.required_fill_rate",
        filled,
        cells,
        "required name values",
    ));
    out
}
