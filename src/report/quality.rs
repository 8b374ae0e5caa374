//! The data-quality section, read from the stored profile document (`_profile_runs`), with
//! the clean-up estimate from [`super::cleanup`]. Nothing is profiled again here.

use serde::Deserialize;

use super::cleanup::{Method, Rates, hours};
use super::model::{
    AccountStatus, DataQuality, DatasetQuality, Effort, FindingGroup, FindingView, HierarchyView,
    KeyColumn, MethodEffort, Place, ReferenceView, StaleView,
};
use super::names::{Names, keys_in};
use crate::error::{Error, Result};
use crate::staging::Db;
use std::collections::{BTreeMap, HashSet};

/// Semantic types whose columns a load depends on; their fill rate is reported.
const KEY_TYPES: [&str; 6] = [
    "company_name",
    "person_name",
    "email",
    "phone",
    "url",
    "country",
];
/// Examples shown per group of findings.
const GROUP_EXAMPLES: usize = 3;
/// Key columns shown per dataset.
const KEY_COLUMNS: usize = 8;

/// The parts of the profile document a report reads; the document only ever gains fields,
/// so unknown ones are ignored.
#[derive(Deserialize)]
struct Doc {
    as_of: String,
    stale_after_days: u32,
    #[serde(default)]
    datasets: Vec<DocDataset>,
    #[serde(default)]
    references: Vec<DocReference>,
    #[serde(default)]
    hierarchies: Vec<DocHierarchy>,
    #[serde(default)]
    staleness: Vec<DocStaleness>,
    #[serde(default)]
    account_status: Option<DocAccountStatus>,
    #[serde(default)]
    findings: Vec<DocFinding>,
}

#[derive(Deserialize)]
struct DocDataset {
    name: String,
    rows: u64,
    duplicate_rows: u64,
    #[serde(default)]
    columns: Vec<DocColumn>,
}

#[derive(Deserialize)]
struct DocColumn {
    name: String,
    header: String,
    #[serde(rename = "type")]
    kind: String,
    filled: u64,
    fill_rate: f64,
}

#[derive(Deserialize)]
struct DocReference {
    from: String,
    to: String,
    match_rate: f64,
    values: u64,
    orphans: u64,
    #[serde(default)]
    orphan_examples: Vec<String>,
    #[serde(default)]
    blank: u64,
    #[serde(default)]
    confidence: String,
}

#[derive(Deserialize)]
struct DocHierarchy {
    dataset: String,
    parent: String,
    records: u64,
    with_parent: u64,
    missing_parents: u64,
    #[serde(default)]
    missing_parent_examples: Vec<String>,
    self_parents: u64,
    #[serde(default)]
    self_parent_examples: Vec<String>,
    in_cycles: u64,
    #[serde(default)]
    cycles: Vec<Vec<String>>,
    max_depth: u64,
}

#[derive(Deserialize)]
struct DocStaleness {
    dataset: String,
    records: u64,
    stale: u64,
    no_date: u64,
    cutoff: String,
}

#[derive(Deserialize)]
struct DocAccountStatus {
    dataset: String,
    accounts: u64,
    active: u64,
    dormant: u64,
    dead: u64,
    #[serde(default)]
    dead_examples: Vec<String>,
}

#[derive(Deserialize)]
struct DocFinding {
    check: String,
    dataset: String,
    column: Option<String>,
    header: Option<String>,
    count: u64,
    #[serde(default)]
    values: Option<u64>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    detail: String,
}

/// Every record key the document's examples quote, by dataset: the records a reader is shown
/// by name.
fn quoted_records(doc: &Doc) -> BTreeMap<String, HashSet<String>> {
    let mut wanted: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut add = |dataset: &str, check: &str, example: &str| {
        let keys = keys_in(check, example);
        if !keys.is_empty() {
            wanted
                .entry(dataset.to_string())
                .or_default()
                .extend(keys.into_iter().map(|k| k.trim().to_string()));
        }
    };
    for f in &doc.findings {
        for e in &f.examples {
            add(&f.dataset, &f.check, e);
        }
    }
    if let Some(a) = &doc.account_status {
        for e in &a.dead_examples {
            add(&a.dataset, "dead_account", e);
        }
    }
    for h in &doc.hierarchies {
        for e in &h.missing_parent_examples {
            add(&h.dataset, "missing_parent", e);
        }
        for e in &h.self_parent_examples {
            add(&h.dataset, "self_parent", e);
        }
        for e in h.cycles.iter().flatten() {
            add(&h.dataset, "self_parent", e);
        }
    }
    wanted
}

/// Builds the section from the stored profile document; with the workspace's database, the
/// records its examples quote are named (`Acme Corp (A-000174)`), not just numbered.
pub fn build(document: &str, rates: &Rates, db: Option<&Db>) -> Result<DataQuality> {
    let doc: Doc = serde_json::from_str(document).map_err(|e| {
        Error::Other(format!(
            "the stored profile cannot be read ({e})\n  hint: run `crmkit profile` again to replace it"
        ))
    })?;
    let names = match db {
        Some(db) => Names::lookup(db, &quoted_records(&doc))?,
        None => Names::default(),
    };
    // A column's header as the client's export spells it (`Last Modified`, not last_modified).
    let header_of = |dataset: &str, column: &str| -> Option<String> {
        doc.datasets
            .iter()
            .find(|d| d.name == dataset)?
            .columns
            .iter()
            .find(|c| c.name == column)
            .map(|c| c.header.clone())
    };
    let place = |dataset: &str, column: &str| match header_of(dataset, column) {
        Some(h) => format!("{dataset} · {h}"),
        None => format!("{dataset} · {column}"),
    };
    let findings: Vec<FindingView> = doc
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rate = rates.get(&f.check);
            FindingView {
                rank: i + 1,
                check: f.check.clone(),
                label: rate.label.clone(),
                dataset: f.dataset.clone(),
                column: f.column.clone(),
                header: f
                    .header
                    .clone()
                    .or_else(|| f.column.as_deref().and_then(|c| header_of(&f.dataset, c))),
                count: f.count,
                examples: f
                    .examples
                    .iter()
                    .map(|e| names.example(&f.check, &f.dataset, e))
                    .collect(),
                detail: f.detail.clone(),
                method: rate.method,
                fix: rate.fix.clone(),
                client_fix: rate.client_fix().to_string(),
                hours: hours(&rate, f.count, f.values),
                values: f.values,
                method_label: rate.method.label(),
            }
        })
        .collect();
    let effort = effort(&findings);
    let groups = groups(&findings);
    let referencing: Vec<(&str, &str)> = doc
        .references
        .iter()
        .filter_map(|r| r.from.split_once('.'))
        .collect();
    let datasets = doc
        .datasets
        .iter()
        .map(|d| DatasetQuality {
            name: d.name.clone(),
            rows: d.rows,
            duplicate_rows: d.duplicate_rows,
            key_columns: d
                .columns
                .iter()
                .filter(|c| {
                    KEY_TYPES.contains(&c.kind.as_str())
                        || referencing.contains(&(d.name.as_str(), c.name.as_str()))
                })
                .take(KEY_COLUMNS)
                .map(|c| KeyColumn {
                    column: c.name.clone(),
                    header: c.header.clone(),
                    kind: c.kind.clone(),
                    filled: c.filled,
                    fill_rate: c.fill_rate,
                })
                .collect(),
        })
        .collect();
    // `accounts.account_owner` as `accounts · Account Owner`.
    let column_place = |qualified: &str| match qualified.split_once('.') {
        Some((d, c)) => place(d, c),
        None => qualified.to_string(),
    };
    let hierarchies = doc
        .hierarchies
        .iter()
        .map(|h| {
            let mut examples: Vec<String> = h
                .missing_parent_examples
                .iter()
                .map(|e| {
                    format!(
                        "missing parent: {}",
                        names.example("missing_parent", &h.dataset, e)
                    )
                })
                .collect();
            examples.extend(
                h.self_parent_examples
                    .iter()
                    .map(|e| format!("own parent: {}", names.label(&h.dataset, e))),
            );
            examples.extend(h.cycles.iter().filter(|c| !c.is_empty()).map(|c| {
                let named: Vec<String> = c.iter().map(|k| names.label(&h.dataset, k)).collect();
                format!("cycle: {} → {}", named.join(" → "), named[0])
            }));
            HierarchyView {
                dataset: h.dataset.clone(),
                parent: h.parent.clone(),
                parent_label: place(&h.dataset, &h.parent),
                records: h.records,
                with_parent: h.with_parent,
                missing_parents: h.missing_parents,
                self_parents: h.self_parents,
                in_cycles: h.in_cycles,
                problems: h.missing_parents + h.self_parents + h.in_cycles,
                max_depth: h.max_depth,
                examples,
            }
        })
        .collect();
    Ok(DataQuality {
        as_of: doc.as_of,
        stale_after_days: doc.stale_after_days,
        rows: doc.datasets.iter().map(|d| d.rows).sum(),
        findings,
        groups,
        effort,
        datasets,
        account_status: doc.account_status.map(|a| AccountStatus {
            accounts: a.accounts,
            active: a.active,
            dormant: a.dormant,
            dead: a.dead,
            dead_examples: a
                .dead_examples
                .iter()
                .map(|e| names.label(&a.dataset, e))
                .collect(),
            dataset: a.dataset,
        }),
        hierarchies,
        references: doc
            .references
            .into_iter()
            .map(|r| ReferenceView {
                from_label: column_place(&r.from),
                to_label: column_place(&r.to),
                from: r.from,
                to: r.to,
                values: r.values,
                orphans: r.orphans,
                match_rate: r.match_rate,
                orphan_examples: r.orphan_examples,
                blank: r.blank,
                confidence: r.confidence,
            })
            .collect(),
        staleness: doc
            .staleness
            .into_iter()
            .map(|s| StaleView {
                share: if s.records == 0 {
                    0.0
                } else {
                    s.stale as f64 / s.records as f64
                },
                dataset: s.dataset,
                records: s.records,
                stale: s.stale,
                no_date: s.no_date,
                cutoff: s.cutoff,
            })
            .collect(),
    })
}

/// Findings of one check together, in the order of each check's worst finding.
fn groups(findings: &[FindingView]) -> Vec<FindingGroup> {
    let mut out: Vec<FindingGroup> = Vec::new();
    for f in findings {
        let place = match (&f.header, &f.column) {
            (Some(h), _) => format!("{} · {h}", f.dataset),
            (None, Some(c)) => format!("{} · {c}", f.dataset),
            (None, None) => f.dataset.clone(),
        };
        let p = Place {
            place,
            count: f.count,
        };
        match out.iter_mut().find(|g| g.check == f.check) {
            Some(g) => {
                g.count += f.count;
                g.hours = round1(g.hours + f.hours);
                g.places.push(p);
                for e in f.examples.iter().map(|e| readable_example(&f.check, e)) {
                    if g.examples.len() < GROUP_EXAMPLES && !g.examples.contains(&e) {
                        g.examples.push(e);
                    }
                }
            }
            None => out.push(FindingGroup {
                check: f.check.clone(),
                label: f.label.clone(),
                method: f.method,
                method_label: f.method_label,
                fix: f.fix.clone(),
                client_fix: f.client_fix.clone(),
                count: f.count,
                hours: f.hours,
                places: vec![p],
                examples: f
                    .examples
                    .iter()
                    .take(GROUP_EXAMPLES)
                    .map(|e| readable_example(&f.check, e))
                    .collect(),
            }),
        }
    }
    for g in &mut out {
        g.places.sort_by_key(|p| std::cmp::Reverse(p.count));
    }
    out
}

/// An example as a client reads it: a date format (`%d %b %Y (48)`) as a pattern
/// (`DD Mon YYYY (48)`); anything else as it is.
fn readable_example(check: &str, example: &str) -> String {
    if check != "mixed_date_formats" {
        return example.to_string();
    }
    const TOKENS: [(&str, &str); 16] = [
        ("%Y", "YYYY"),
        ("%y", "YY"),
        ("%m", "MM"),
        ("%-m", "M"),
        ("%d", "DD"),
        ("%-d", "D"),
        ("%e", "D"),
        ("%b", "Mon"),
        ("%B", "Month"),
        ("%H", "hh"),
        ("%I", "hh"),
        ("%M", "mm"),
        ("%S", "ss"),
        ("%p", "AM/PM"),
        ("%z", "+hhmm"),
        ("%.f", ".fff"),
    ];
    let mut out = String::with_capacity(example.len() + 8);
    let mut rest = example;
    'scan: while !rest.is_empty() {
        for (token, words) in TOKENS {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(words);
                rest = after;
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Totals over findings, and per fixing method in the order manual, transform, rule.
fn effort(findings: &[FindingView]) -> Effort {
    let by_method = [
        Method::Manual,
        Method::ValueMap,
        Method::Transform,
        Method::Rule,
    ]
    .into_iter()
    .filter_map(|m| {
        let of: Vec<&FindingView> = findings.iter().filter(|f| f.method == m).collect();
        (!of.is_empty()).then(|| MethodEffort {
            method: m,
            label: m.label(),
            findings: of.len(),
            records: of.iter().map(|f| f.count).sum(),
            hours: round1(of.iter().map(|f| f.hours).sum()),
        })
    })
    .collect::<Vec<_>>();
    Effort {
        records: findings.iter().map(|f| f.count).sum(),
        hours: round1(by_method.iter().map(|m| m.hours).sum()),
        by_method,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
      "as_of": "2025-06-30", "stale_after_days": 730, "future_field": 1,
      "datasets": [{"name": "accounts", "source": "src_accounts", "rows": 10, "duplicate_rows": 1,
        "columns": [
          {"name": "account_id", "header": "Account ID", "type": "identifier", "filled": 10, "fill_rate": 1.0},
          {"name": "account_name", "header": "Account Name", "type": "company_name", "filled": 9, "fill_rate": 0.9},
          {"name": "industry", "header": "Industry", "type": "category", "filled": 5, "fill_rate": 0.5}]},
        {"name": "contacts", "source": "src_contacts", "rows": 4, "duplicate_rows": 0,
        "columns": [
          {"name": "account_id", "header": "Account ID", "type": "identifier", "filled": 4, "fill_rate": 1.0},
          {"name": "email", "header": "Email", "type": "email", "filled": 3, "fill_rate": 0.75}]}],
      "references": [{"from": "contacts.account_id", "to": "accounts.account_id", "declared": false,
        "match_rate": 0.75, "values": 4, "orphans": 1, "orphan_examples": ["A-9"]}],
      "hierarchies": [{"dataset": "accounts", "id": "account_id", "parent": "parent_account_id",
        "records": 10, "with_parent": 4, "missing_parents": 1, "missing_parent_examples": ["A-2 (parent A-8)"],
        "self_parents": 1, "self_parent_examples": ["A-3"], "in_cycles": 2, "cycles": [["A-4", "A-5"]],
        "above_cycles": 0, "depths": [], "max_depth": 2, "ultimate_parents": 1}],
      "staleness": [{"dataset": "accounts", "columns": ["last_activity"], "records": 10, "stale": 4,
        "no_date": 1, "cutoff": "2023-07-01"}],
      "account_status": {"dataset": "accounts", "opportunities": "opps", "accounts": 10, "active": 6,
        "dormant": 1, "dead": 3, "dead_examples": ["A-7"]},
      "findings": [
        {"check": "invalid_email", "dataset": "contacts", "column": "email", "header": "Email",
         "count": 20, "examples": ["x@"], "detail": "20 invalid"},
        {"check": "mixed_date_formats", "dataset": "accounts", "column": "created", "header": null,
         "count": 300, "examples": [], "detail": "mixed"},
        {"check": "dead_account", "dataset": "accounts", "column": null, "header": null,
         "count": 3, "examples": ["A-7"], "detail": "3 dead"}]
    }"#;

    #[test]
    fn reads_the_document_and_estimates_the_clean_up() {
        let q = build(DOC, &Rates::load(None).unwrap(), None).unwrap();
        assert_eq!(q.rows, 14);
        let f = &q.findings[0];
        assert_eq!(
            (f.rank, f.check.as_str(), f.count),
            (1, "invalid_email", 20)
        );
        assert_eq!(f.label, "Invalid email addresses");
        // 20 records at 3 minutes = 1 hour; mixed formats: one transform, 15 minutes.
        assert_eq!(f.hours, 1.0);
        assert_eq!(q.findings[1].hours, 0.3);
        assert_eq!(q.effort.records, 323);
        assert_eq!(q.effort.by_method.len(), 3);
        assert_eq!(q.effort.by_method[0].method, Method::Manual);
        assert_eq!(q.effort.hours, 1.8);
        // Key columns: typed ones and references, in column order; the category is left out.
        let keys = |d: usize| -> Vec<&str> {
            q.datasets[d]
                .key_columns
                .iter()
                .map(|k| k.column.as_str())
                .collect()
        };
        assert_eq!(keys(0), ["account_name"]);
        assert_eq!(keys(1), ["account_id", "email"]);
        let h = &q.hierarchies[0];
        assert_eq!(h.problems, 4);
        assert!(h.examples.contains(&"cycle: A-4 → A-5 → A-4".to_string()));
        assert_eq!(q.staleness[0].share, 0.4);
        assert_eq!(q.account_status.as_ref().unwrap().dead, 3);
        assert_eq!(q.references[0].orphans, 1);
    }

    #[test]
    fn a_date_format_reads_as_a_pattern_in_the_client_view() {
        assert_eq!(
            readable_example("mixed_date_formats", "%d %b %Y (48)"),
            "DD Mon YYYY (48)"
        );
        assert_eq!(
            readable_example("mixed_date_formats", "%m/%d/%Y %I:%M %p (3)"),
            "MM/DD/YYYY hh:mm AM/PM (3)"
        );
        assert_eq!(readable_example("invalid_email", "%d@x"), "%d@x");
    }

    #[test]
    fn a_broken_document_says_to_profile_again() {
        let err = build("{", &Rates::load(None).unwrap(), None).unwrap_err();
        assert!(err.to_string().contains("crmkit profile"), "{err}");
    }
}
