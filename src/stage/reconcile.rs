//! Reconcile: prove that every source row of every staged dataset is in exactly one place;
//! trace: tell one row's story.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::staging::{Db, Reconciled};

/// A row found in no bucket or in several.
#[derive(Clone, Debug, Serialize)]
pub struct Odd {
    pub batch: i64,
    pub row: i64,
    pub buckets: i64,
}

/// One dataset's equation.
#[derive(Clone, Debug, Serialize)]
pub struct DatasetBalance {
    pub dataset: String,
    pub object: String,
    pub counts: Reconciled,
    /// source = staged + merged + rejected + excluded, and every row in exactly one bucket.
    pub balanced: bool,
    pub examples: Vec<Odd>,
}

/// The reconciliation of every staged dataset.
#[derive(Clone, Debug, Serialize)]
pub struct Reconciliation {
    pub balanced: bool,
    pub datasets: Vec<DatasetBalance>,
    /// Ingested datasets that no mapping loads.
    pub not_loaded: Vec<String>,
}

/// Counts each staged dataset's rows per bucket, row by row, and records `reconcile.balanced`.
pub fn reconcile(db: &Db) -> Result<Reconciliation> {
    let runs = db.stage_runs()?;
    if runs.is_empty() {
        return Err(Error::Usage(
            "nothing is staged yet\n  hint: `crmkit stage` first".into(),
        ));
    }
    let mut datasets = Vec::new();
    for run in &runs {
        let (counts, odd) = db.reconcile_dataset(&run.dataset, &run.object)?;
        let sum = counts.staged + counts.merged + counts.rejected + counts.excluded;
        let balanced =
            counts.unaccounted == 0 && counts.double_counted == 0 && sum == counts.source;
        datasets.push(DatasetBalance {
            dataset: run.dataset.clone(),
            object: run.object.clone(),
            counts,
            balanced,
            examples: odd
                .into_iter()
                .map(|(batch, row, buckets)| Odd {
                    batch,
                    row,
                    buckets,
                })
                .collect(),
        });
    }
    let staged: Vec<&str> = runs.iter().map(|r| r.dataset.as_str()).collect();
    let not_loaded = db
        .dataset_names()?
        .into_iter()
        .filter(|d| !staged.contains(&d.as_str()))
        .collect();
    let balanced = datasets.iter().all(|d| d.balanced);
    let source: i64 = datasets.iter().map(|d| d.counts.source).sum();
    let off: Vec<&str> = datasets
        .iter()
        .filter(|d| !d.balanced)
        .map(|d| d.dataset.as_str())
        .collect();
    let detail = if balanced {
        format!(
            "all {} of {} accounted for exactly once",
            crate::numbers::plural(source.max(0) as u64, "source row", "source rows"),
            crate::numbers::plural(datasets.len() as u64, "dataset", "datasets")
        )
    } else {
        format!("not balanced: {}", off.join(", "))
    };
    db.put_metric(
        "reconcile.balanced",
        if balanced { 1.0 } else { 0.0 },
        Some(&detail),
        "reconcile",
    )?;
    Ok(Reconciliation {
        balanced,
        datasets,
        not_loaded,
    })
}

/// One traced source row.
#[derive(Clone, Debug, Serialize)]
pub struct TracedRow {
    pub batch: i64,
    pub values: Vec<(String, Option<String>)>,
    /// staged, merged, rejected, excluded, or not staged.
    pub outcome: String,
    pub details: Vec<String>,
}

/// Where one source row went, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub dataset: String,
    pub row: i64,
    pub rows: Vec<TracedRow>,
}

/// Traces row `row` (the `_row` number) of `dataset`, in every batch that has it.
pub fn trace(db: &Db, dataset: &str, row_or_id: &str) -> Result<Trace> {
    let row = match row_or_id.trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => db.row_of_key(dataset, row_or_id.trim())?.ok_or_else(|| {
            Error::Usage(format!(
                "dataset `{dataset}` has no record with the id `{row_or_id}` (ids are known once `crmkit stage` has run with a key field mapped); give the row number instead"
            ))
        })?,
    };
    let found = db.trace_row(dataset, row)?;
    if found.is_empty() {
        return Err(Error::Usage(format!(
            "dataset `{dataset}` has no row {row} (rows are numbered from 1, the header not counted)"
        )));
    }
    // Where stage replaced a cluster's survivor it could not load, by batch.
    let replaced: Vec<_> = found
        .iter()
        .map(|t| db.replaced_survivor(dataset, t.batch, row))
        .collect::<Result<_>>()?;
    let rows = found
        .into_iter()
        .zip(replaced)
        .map(|(t, replaced)| {
            let mut details = Vec::new();
            // A member staged in place of its cluster's survivor is staged, not merged, and
            // one merging into that member names it, not the survivor dedupe chose.
            let promoted = t.staged.is_some() || !t.rejects.is_empty();
            let outcome = if let Some((rule, detail, _, _)) = t.exclusion.first() {
                details.push(format!(
                    "rule `{rule}`: {}",
                    detail.clone().unwrap_or_default()
                ));
                "excluded".to_string()
            } else if let Some((survivor, record, cluster, rule)) =
                t.merge.first().filter(|_| !promoted)
            {
                match &replaced {
                    Some((r, ext)) => details.push(format!(
                        "record {} merged into {}{} (cluster {}: its survivor {survivor} was not loaded, so the best remaining member survives)",
                        record.clone().unwrap_or_default(),
                        ext.clone().unwrap_or_else(|| format!("row {}", r.survivor.2)),
                        if r.survivor.0 == dataset {
                            String::new()
                        } else {
                            format!(" of {}", r.survivor.0)
                        },
                        cluster.clone().unwrap_or_default(),
                    )),
                    None => details.push(format!(
                        "record {} merged into {survivor} (cluster {}, survivor chosen by {})",
                        record.clone().unwrap_or_default(),
                        cluster.clone().unwrap_or_default(),
                        rule.clone().unwrap_or_default()
                    )),
                }
                if let Some((_, _, Some(ext), _)) = &t.stage_key {
                    details.push(format!("references to it load on {ext}"));
                }
                "merged".to_string()
            } else if !t.rejects.is_empty() {
                for (reason, field, value, detail) in &t.rejects {
                    details.push(format!(
                        "{reason}: field `{}`, value `{}`: {}",
                        field.clone().unwrap_or_default(),
                        value.clone().unwrap_or_default(),
                        detail.clone().unwrap_or_default()
                    ));
                }
                "rejected".to_string()
            } else if let Some((object, ext)) = &t.staged {
                details.push(format!("stg_{object} with external id `{ext}`"));
                if let (Some((survivor, _, cluster, _)), Some(_)) = (t.merge.first(), &replaced) {
                    details.push(format!(
                        "survives cluster {} in place of {survivor}, which was not loaded; the other members merge into it",
                        cluster.clone().unwrap_or_default()
                    ));
                }
                "staged".to_string()
            } else {
                details.push(
                    "this dataset has not been staged (no mapping, or `crmkit stage` not run yet)"
                        .into(),
                );
                "not staged".to_string()
            };
            TracedRow {
                batch: t.batch,
                values: t.values,
                outcome,
                details,
            }
        })
        .collect();
    Ok(Trace {
        dataset: dataset.to_string(),
        row,
        rows,
    })
}
