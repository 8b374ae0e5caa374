//! Survivor hand-over: a survivor stage could not load (excluded or rejected) is replaced by
//! the best remaining member of its cluster, and merged-away records are resolved to the
//! record they merged into once every survivor is known.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::keys::{KeyInfo, remember};
use super::metrics::DatasetOutcome;
use super::prepare::column_position;
use super::row::Rows;
use super::state::{ObjectState, PendingMerge};
use crate::error::{Error, Result};
use crate::staging::{Db, StageTx};

/// After a dataset's pass: a survivor excluded or rejected takes nobody with it. The best
/// remaining member (by the dedupe survivorship order; a linked run's puts source priority
/// first, and survivor datasets are staged first) survives instead and the others merge into
/// it. Members in later datasets of a linked cluster find it through `replaced`.
pub(super) fn hand_over(
    db: &Db,
    rows: &Rows<'_, '_>,
    state: &mut ObjectState,
    out: &mut DatasetOutcome,
) -> Result<()> {
    let dataset = rows.dataset;
    let tx = rows.tx;
    let (pending, others): (Vec<PendingMerge>, Vec<PendingMerge>) =
        std::mem::take(&mut state.merged)
            .into_iter()
            .partition(|m| m.dataset == dataset);
    state.merged = others;
    let mut clusters: BTreeMap<(String, i64, i64), Vec<PendingMerge>> = BTreeMap::new();
    for m in pending {
        let at = m.into.clone().unwrap_or_else(|| dataset.to_string());
        clusters
            .entry((at, m.survivor.0, m.survivor.1))
            .or_default()
            .push(m);
    }
    let survivorship = survivorship_of(db, dataset)?;
    let recency = survivorship
        .recency_columns
        .iter()
        .find_map(|c| column_position(rows.p, c));
    for (chosen, mut members) in clusters {
        let mut now = chosen.clone();
        while !state.by_row.contains_key(&now) && !members.is_empty() {
            let candidates: Vec<crate::dedupe::survivorship::Member> = members
                .iter()
                .map(|m| crate::dedupe::survivorship::Member {
                    order: ((m.batch as u64) << 32) | m.row as u64,
                    dataset: dataset.to_string(),
                    values: Vec::new(),
                    filled: m
                        .values
                        .iter()
                        .filter(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
                        .count(),
                    recency: recency
                        .and_then(|c| m.values[c].as_deref())
                        .and_then(crate::values::date::any_date),
                })
                .collect();
            let (best, _) = crate::dedupe::survivorship::survivor(&survivorship, &candidates);
            let m = members.remove(best);
            let worked = super::ahead::work(rows.p, &m.values);
            rows.decide(state, out, (m.batch, m.row), &m.values, worked, true)?;
            now = (dataset.to_string(), m.batch, m.row);
        }
        let replaced = (now != chosen).then(|| crate::staging::Replaced {
            survivor: now.clone(),
            replaces: chosen.clone(),
        });
        if let Some(r) = &replaced
            && state.by_row.contains_key(&now)
        {
            tx.replaced((dataset, now.1, now.2), r)?;
            state.replaced.insert((chosen.1, chosen.2), now.clone());
        }
        for mut m in members {
            if let Some(r) = &replaced {
                tx.replaced((dataset, m.batch, m.row), r)?;
            }
            m.survivor = (now.1, now.2);
            m.into = (now.0 != dataset).then(|| now.0.clone());
            state.merged.push(m);
        }
    }
    Ok(())
}

/// The survivorship rules the dataset's dedupe run chose its survivors by (its `--rules`),
/// or the playbook's when the run did not record them.
fn survivorship_of(db: &Db, dataset: &str) -> Result<crate::dedupe::rules::Survivorship> {
    match db.dedupe_survivorship(dataset)? {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            Error::Other(format!(
                "the survivorship rules stored for dataset `{dataset}` do not read ({e}): run `crmkit dedupe {dataset}` again"
            ))
        }),
        None => Ok(crate::dedupe::rules::Rules::builtin().survivorship),
    }
}

/// Once the object is whole: each merged-away record leads to its survivor, by its own key
/// and by its lookup values.
pub(super) fn resolve_merged(
    tx: &StageTx<'_>,
    object: &str,
    state: &mut ObjectState,
) -> Result<()> {
    for PendingMerge {
        key,
        dataset,
        batch,
        row,
        survivor,
        into,
        lookup_values,
        ..
    } in std::mem::take(&mut state.merged)
    {
        let target = state
            .by_row
            .get(&(
                into.clone().unwrap_or_else(|| dataset.clone()),
                survivor.0,
                survivor.1,
            ))
            .cloned();
        // Merged into another dataset's record, it is found there (export writes the upsert
        // key of the survivor's namespace).
        let (at_dataset, batch, row) = match &into {
            Some(d) => (d.clone(), survivor.0, survivor.1),
            None => (dataset.clone(), batch, row),
        };
        // A merged record is found by its own name too, and leads to its survivor.
        let merged_info = KeyInfo {
            status: "merged",
            external_id: target.clone(),
            dataset: Rc::from(at_dataset.as_str()),
            batch,
            row,
            detail: Some("merged".into()),
        };
        let mut vals: Vec<Option<String>> = Vec::new();
        let mut wanted: Vec<((String, String), usize)> = Vec::new();
        for (i, (k, v)) in lookup_values.into_iter().enumerate() {
            vals.push(Some(v));
            wanted.push((k, i));
        }
        remember(&mut state.lookups, &wanted, &vals, &merged_info);
        if let Some(k) = key {
            let detail = match &target {
                Some(ext) => format!("merged into {ext}"),
                None => format!(
                    "merged into row {} of {at_dataset}, which is not loaded",
                    survivor.1
                ),
            };
            let space = state
                .namespaces
                .get(&dataset)
                .cloned()
                .unwrap_or_else(|| dataset.clone());
            state.note_key(
                tx,
                object,
                &space,
                k,
                KeyInfo {
                    status: "merged",
                    external_id: target,
                    dataset: Rc::from(at_dataset.as_str()),
                    batch,
                    row,
                    detail: Some(detail),
                },
            )?;
        }
    }
    Ok(())
}
