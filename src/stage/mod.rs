//! Stage: apply the mappings row by row into target-shaped `stg_` tables, resolve references
//! through source keys, and put every source row in exactly one place: staged, merged into a
//! survivor, rejected with a reason, or excluded by a named rule. `run` binds the mappings and
//! walks the objects in load order; one row's fate is decided in `row`.

mod ahead;
mod dataset;
mod exclude;
pub mod export;
pub mod fate;
mod hierarchy;
mod keys;
pub mod links;
mod merge;
mod metrics;
pub mod observe;
pub mod order;
mod plan;
mod prepare;
pub mod reconcile;
mod row;
mod scope;
mod state;
mod survivors;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mapping::workflow::mapping_files;
use crate::staging::{Db, PlanRow, StageRunRow};
use crate::targets::SchemaSource;
use crate::workspace::Workspace;

use metrics::Clock;
use prepare::{Prepared, prepare};
use scope::Scope;
use state::{ObjectState, namespace};

pub use keys::ambiguous_key;
pub use links::ParentKeys;
pub use metrics::DatasetOutcome;

/// Objects a migration matches to records that already exist in the target rather than
/// creating them: owners are the org's users, so references to them pass through as written
/// and the target (or the loader) looks them up.
pub const LOOKUP_ONLY: [&str; 1] = ["user"];

/// What `stage` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// Stage only this object (others' keys come from earlier runs).
    pub object: Option<String>,
    pub schemas: SchemaSource,
    /// The date `older_than_days` exclusion rules count back from.
    pub as_of: NaiveDate,
}

/// What a stage run did.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub target: String,
    pub datasets: Vec<DatasetOutcome>,
    pub load_plan: Vec<PlanRow>,
    /// Seconds spent per phase (`prepare`, `DATASET rows`, `OBJECT finish`, `OBJECT keys`,
    /// `plan`, `commit`), for finding where a slow run spends its time.
    pub timings: Vec<(String, f64)>,
}

/// Stages every mapping in `mappings/` (or one object's) in one transaction.
pub fn run(
    ws: &Workspace,
    db: &mut Db,
    options: &Options,
    progress: &dyn crate::progress::Progress,
) -> Result<Outcome> {
    Ok(stage_all(ws, db, options, progress, false)?.0)
}

/// What a stage run would do, from the very code a real run runs, rolled back before it ends
/// (nothing is kept): `map check` predicts stage's outcome with it, so the two cannot disagree.
pub fn dry_run(
    ws: &Workspace,
    db: &mut Db,
    options: &Options,
    progress: &dyn crate::progress::Progress,
) -> Result<(Outcome, Vec<crate::staging::RejectSummary>)> {
    stage_all(ws, db, options, progress, true)
}

/// Examples kept per reject reason of a dry run.
const DRY_EXAMPLES: usize = 5;

/// A stage run; `dry` rolls it back and returns a summary of its rejects instead.
fn stage_all(
    ws: &Workspace,
    db: &mut Db,
    options: &Options,
    progress: &dyn crate::progress::Progress,
    dry: bool,
) -> Result<(Outcome, Vec<crate::staging::RejectSummary>)> {
    let files = mapping_files(&ws.root.join("mappings"))?;
    if files.is_empty() {
        return Err(Error::Usage(
            "no mapping files in `mappings/`\n  hint: `crmkit map suggest DATASET --object OBJECT`, review it, then `crmkit stage`".into(),
        ));
    }
    let mut clock = Clock::default();
    let prepared: Vec<Prepared> = files
        .iter()
        .map(|path| prepare(ws, db, options, path))
        .collect::<Result<_>>()?;
    let target = prepared[0].mapping.target;
    if let Some(other) = prepared.iter().find(|p| p.mapping.target != target) {
        return Err(Error::Input(format!(
            "`{}` maps to {} but `{}` maps to {}; stage loads one target at a time",
            prepared[0].path.display(),
            target,
            other.path.display(),
            other.mapping.target
        )));
    }
    let scope = Scope::new(&prepared, options)?;
    let mut keys = scope.earlier_keys(db, &prepared)?;
    let mut lookups = HashMap::new();
    let mut outcomes = Vec::new();
    clock.lap("prepare");
    let tx = db.begin_stage(dry)?;
    for object in scope
        .load_order
        .iter()
        .filter(|o| scope.to_stage.contains(o))
    {
        let mut mine: Vec<&Prepared> = prepared.iter().filter(|p| &p.object == object).collect();
        merge::survivors_first(db, &mut mine, |p| p.mapping.dataset.as_str())?;
        let mut field_names: Vec<String> = Vec::new();
        for p in &mine {
            for f in &p.fields {
                if !field_names.contains(&f.field.name) {
                    field_names.push(f.field.name.clone());
                }
            }
        }
        // References to an object loaded from several key namespaces remember which one the
        // record they point at is in: export writes the upsert key that namespace uses.
        let mut via: HashSet<String> = HashSet::new();
        for f in mine.iter().flat_map(|p| &p.fields) {
            if f.parent
                .as_ref()
                .is_some_and(|o| scope.split_objects.contains(o))
                && via.insert(f.field.name.clone())
            {
                field_names.push(crate::staging::via_column(&f.field.name));
            }
        }
        tx.reset_object(object, &field_names)?;
        let mut state = ObjectState {
            via,
            on_disk: !scope.referenced.contains(object),
            ..Default::default()
        };
        for p in &mine {
            state
                .namespaces
                .insert(p.mapping.dataset.clone(), namespace(p));
            let wanted = scope.wanted_of(object, p);
            let outcome = dataset::stage_dataset(
                db,
                &tx,
                ws,
                options,
                p,
                &field_names,
                (&keys, &lookups),
                &wanted,
                &mut state,
                progress,
                dry,
            )?;
            outcomes.push(outcome);
            clock.lap(&format!("{} rows", p.mapping.dataset));
        }
        // A dry run reads the key index only to update self-references, and to find a
        // generated id or a merged member staged in its survivor's place clashing with a key:
        // without those nothing can clash (keys are unique by then), so it builds none.
        let keyed = !state.self_refs.is_empty() || !state.merged.is_empty() || state.generated_ids;
        if let Err(e) = tx.index_object(object, keyed) {
            let Some(clash) = tx.key_clash(object)? else {
                return Err(e);
            };
            // The column its key comes from, to say which value to fix.
            let column = mine
                .iter()
                .find(|p| p.mapping.dataset == clash.dataset)
                .and_then(|p| p.headers.get(p.fields[p.key?].source?));
            let why = keys::clash_message(object, &clash, column.map(String::as_str));
            return Err(Error::Input(why));
        }
        survivors::resolve_merged(&tx, object, &mut state)?;
        let cleared = hierarchy::link_parents(&tx, object, &mut state)?;
        clock.lap(&format!("{object} finish"));
        for (dataset, n) in cleared {
            if let Some(o) = outcomes.iter_mut().find(|o| o.dataset == dataset) {
                o.parents_cleared += n;
            }
        }
        // In key order: the index takes sequential inserts far faster than hash order. A dry
        // run reads them from memory, and its rows would be rolled back unread.
        if !dry {
            for (key, info) in state.keys.sorted() {
                tx.key(object, &info.row(key))?;
            }
        }
        keys.insert(object.clone(), state.keys);
        clock.lap(&format!("{object} keys"));
        lookups.insert(object.clone(), state.lookups);
    }
    progress.finish();
    for o in &outcomes {
        tx.run(&StageRunRow {
            dataset: o.dataset.clone(),
            object: o.object.clone(),
            target: target.to_string(),
            target_object: o.target_object.clone(),
            source_rows: o.source_rows,
            staged: o.staged,
            merged: o.merged,
            rejected: o.rejected,
            excluded: o.excluded,
        })?;
    }
    plan::write(&tx, &scope, &prepared, &outcomes)?;
    clock.lap("plan");
    let plan = tx.plan_rows()?;
    let mut rejects = Vec::new();
    if dry {
        rejects = tx.reject_summary(DRY_EXAMPLES)?;
        // Dropped uncommitted: rolled back.
        drop(tx);
    } else {
        tx.commit()?;
        metrics::record_metrics(db, &plan)?;
        clock.lap("commit");
    }
    let outcome = Outcome {
        target: target.to_string(),
        datasets: outcomes,
        load_plan: plan,
        timings: clock.laps,
    };
    Ok((outcome, rejects))
}
