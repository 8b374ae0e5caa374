//! Active learning: the pairs whose answer would teach the model most, and reviewers'
//! answers turned into labelled training pairs.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::staging::{Db, LabelRow, SourceRow};

/// The stored labels of pairs of the dataset's records as record indexes into `rows`: the
/// answers of its own reviews and of linked reviews that asked about two of its records
/// (labels of rows no longer in the dataset are left out).
pub fn indexed(db: &Db, dataset: &str, rows: &[SourceRow]) -> Result<Vec<(u32, u32, bool)>> {
    let at: Vec<(i64, i64)> = rows.iter().map(|r| (r.batch, r.row)).collect();
    indexed_link(db, &[dataset.to_string()], &at)
}

/// Turns `--match A/B` and `--distinct A/B` answers (record ids as shown) into labels.
pub fn answers(
    rows: &[SourceRow],
    matches: &[String],
    distinct: &[String],
) -> Result<Vec<LabelRow>> {
    let by_id: HashMap<&str, &SourceRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let pair = |text: &str, is_match: bool| -> Result<LabelRow> {
        let flag = if is_match { "--match" } else { "--distinct" };
        let (a, b) = text.split_once('/').ok_or_else(|| {
            Error::Usage(format!(
                "`{flag} {text}` is not ID_A/ID_B (two record ids as `dedupe review` shows them)"
            ))
        })?;
        let find = |id: &str| {
            by_id.get(id.trim()).copied().ok_or_else(|| {
                let hint = crate::error::suggest(id.trim(), by_id.keys().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "`{flag} {text}`: no record with id `{}`{hint}",
                    id.trim()
                ))
            })
        };
        let (ra, rb) = (find(a)?, find(b)?);
        if ra.rowid == rb.rowid {
            return Err(Error::Usage(format!(
                "`{flag} {text}` names the same record twice"
            )));
        }
        Ok(LabelRow {
            a: (ra.batch, ra.row),
            b: (rb.batch, rb.row),
            id_a: ra.id.clone(),
            id_b: rb.id.clone(),
            is_match,
        })
    };
    matches
        .iter()
        .map(|m| pair(m, true))
        .chain(distinct.iter().map(|d| pair(d, false)))
        .collect()
}

/// Stored labels of pairs whose records both belong to `datasets` (a linked run's, or one
/// dataset's own), as indexes into `at` ((batch, row) per record; batches are numbered
/// across the workspace, so (batch, row) names a record in any dataset).
pub fn indexed_link(
    db: &Db,
    datasets: &[String],
    at: &[(i64, i64)],
) -> Result<Vec<(u32, u32, bool)>> {
    let labels = db.link_labels(datasets)?;
    if labels.is_empty() {
        return Ok(Vec::new());
    }
    let by_row: HashMap<(i64, i64), u32> =
        at.iter().enumerate().map(|(i, r)| (*r, i as u32)).collect();
    Ok(labels
        .iter()
        .filter_map(|l| Some((*by_row.get(&l.a)?, *by_row.get(&l.b)?, l.is_match)))
        .collect())
}
