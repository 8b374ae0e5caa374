//! One mapping applied to its dataset: what its rows are decided against (merges, broken rows,
//! exclusion rules, owners, the staged table's columns), every row read through its fate,
//! then the survivors of clusters whose chosen survivor did not load handed over.

use std::collections::HashMap;
use std::rc::Rc;

use super::Options;
use super::ahead;
use super::exclude::exclusion_rules;
use super::keys::{KeyIndex, LookupIndex};
use super::merge;
use super::metrics::DatasetOutcome;
use super::prepare::Prepared;
use super::row::Rows;
use super::state::{ObjectState, namespace};
use super::survivors;
use crate::error::Result;
use crate::staging::{Db, StageTx};
use crate::workspace::Workspace;

/// Earlier objects' keys and lookup indexes, for the references of this one.
pub(super) type Parents<'a> = (&'a KeyIndex, &'a HashMap<String, LookupIndex>);

/// Applies one mapping to every row of its dataset.
#[allow(clippy::too_many_arguments)]
pub(super) fn stage_dataset(
    db: &Db,
    tx: &StageTx<'_>,
    ws: &Workspace,
    options: &Options,
    p: &Prepared,
    field_names: &[String],
    (keys, lookups): Parents<'_>,
    wanted: &[((String, String), usize)],
    state: &mut ObjectState,
    progress: &dyn crate::progress::Progress,
    observe: bool,
) -> Result<DatasetOutcome> {
    let dataset = p.mapping.dataset.as_str();
    let space = namespace(p);
    let batches: Vec<_> = db
        .batches()?
        .into_iter()
        .filter(|b| b.dataset == dataset)
        .collect();
    // What ingest stored, for the progress bar and the key index's size: counting the table
    // would read all of it once more before the pass reads it.
    let rows = batches.iter().map(|b| b.rows_stored.max(0) as u64).sum();
    progress.start(&format!("stage {dataset}"), rows);
    if !state.on_disk {
        state.keys.reserve(&space, rows as usize);
    }
    tx.reset_dataset(dataset)?;
    tx.reset_survivors(dataset)?;
    let with_proposed = ws.config.settings.merge_proposed_duplicates;
    let positions: Vec<usize> = p
        .fields
        .iter()
        .map(|f| {
            field_names
                .iter()
                .position(|n| *n == f.field.name)
                .unwrap_or(0)
        })
        .collect();
    let via_positions: Vec<Option<usize>> = p
        .fields
        .iter()
        .map(|f| {
            let via = crate::staging::via_column(&f.field.name);
            field_names.iter().position(|n| *n == via)
        })
        .collect();
    let rows = Rows {
        p,
        tx,
        options,
        dataset,
        shared_dataset: Rc::from(dataset),
        space,
        wanted,
        field_names,
        positions,
        via_positions,
        insert_sql: tx.stage_sql(&p.object, field_names),
        several_batches: batches.len() > 1,
        broken: db.broken_rows(dataset)?,
        non_records: db.non_record_rows(dataset)?,
        rules: exclusion_rules(ws, db, p)?,
        // Merging loses the merged-away records' own values: only reviewed clusters merge,
        // unless the workspace says proposed ones may.
        merged: db.merged_rows(dataset, with_proposed)?,
        cross: merge::Cross::load(db, dataset, &p.columns, with_proposed)?,
        owners: crate::mapping::owners::Resolver::new(&p.mapping),
        keys,
        lookups,
        progress,
    };
    let mut out = DatasetOutcome {
        dataset: dataset.to_string(),
        object: p.object.clone(),
        target_object: p.target_object.clone(),
        observed: observe.then(Box::default),
        ..Default::default()
    };
    ahead::each_row(
        |r| ahead::work(p, &r.vals),
        |emit| {
            db.scan_lineage(dataset, &p.columns, |batch, row, vals| {
                match rows.cross.with_golden(batch, row, vals) {
                    Some(mut golden) => emit(batch, row, &mut golden),
                    None => emit(batch, row, vals),
                }
            })
        },
        |r, worked| rows.decide(state, &mut out, (r.batch, r.row), &r.vals, worked, false),
    )?;
    survivors::hand_over(db, &rows, state, &mut out)?;
    if let Some(o) = out.observed.as_deref_mut() {
        o.rows = out.source_rows.max(0) as u64;
    }
    Ok(out)
}
