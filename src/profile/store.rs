//! Keeping a workspace profile: the `_profile_*` tables and the `profile.*` metrics.

use super::metrics;
use super::model::Profile;
use crate::error::{Error, Result};
use crate::staging::{
    Db, StoredColumn, StoredDataset, StoredFinding, StoredProfile, StoredReference,
};

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))
}

/// Replaces the stored profile with `p` (one transaction) and records the metrics.
pub fn store(db: &mut Db, p: &Profile) -> Result<()> {
    let mut columns = Vec::new();
    for d in &p.datasets {
        for (i, c) in d.columns.iter().enumerate() {
            columns.push(StoredColumn {
                dataset: d.name.clone(),
                position: i as u64 + 1,
                name: c.name.clone(),
                header: c.header.clone(),
                kind: c.kind.name().to_string(),
                type_share: c.type_share,
                rows: c.rows,
                filled: c.filled,
                null: c.null,
                blank: c.blank,
                whitespace: c.whitespace,
                placeholder: c.placeholder,
                distinct: c.distinct,
                distinct_method: c.distinct_method.clone(),
                invalid: c.invalid.count,
                min_length: c.length.as_ref().map(|l| l.min),
                max_length: c.length.as_ref().map(|l| l.max),
                detail: json(c)?,
            });
        }
    }
    let split = |name: &str| {
        let (d, c) = name.split_once('.').unwrap_or((name, ""));
        (d.to_string(), c.to_string())
    };
    let stored = StoredProfile {
        as_of: p.as_of.clone(),
        stale_after_days: p.stale_after_days,
        document: json(p)?,
        datasets: p
            .datasets
            .iter()
            .map(|d| {
                Ok(StoredDataset {
                    dataset: d.name.clone(),
                    source: d.source.clone(),
                    rows: d.rows,
                    duplicate_rows: d.duplicate_rows,
                    candidate_keys: json(&d.candidate_keys)?,
                })
            })
            .collect::<Result<_>>()?,
        columns,
        findings: p
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(StoredFinding {
                    rank: i as u64 + 1,
                    check: f.check.to_string(),
                    dataset: f.dataset.clone(),
                    column: f.column.clone(),
                    header: f.header.clone(),
                    count: f.count,
                    examples: json(&f.examples)?,
                    detail: f.detail.clone(),
                })
            })
            .collect::<Result<_>>()?,
        references: p
            .references
            .iter()
            .map(|r| {
                let (from_dataset, from_column) = split(&r.from);
                let (to_dataset, to_column) = split(&r.to);
                Ok(StoredReference {
                    from_dataset,
                    from_column,
                    to_dataset,
                    to_column,
                    declared: r.declared,
                    match_rate: r.match_rate,
                    values: r.values,
                    orphans: r.orphans,
                    orphan_examples: json(&r.orphan_examples)?,
                })
            })
            .collect::<Result<_>>()?,
        statuses: p
            .account_status
            .iter()
            .flat_map(|a| {
                a.inactive
                    .iter()
                    .map(|(key, status)| (a.dataset.clone(), key.clone(), status.clone()))
            })
            .collect(),
        metrics: metrics::compute(p)
            .into_iter()
            .map(|m| (m.name.to_string(), m.value, m.detail))
            .collect(),
    };
    db.store_profile(&stored)
}
