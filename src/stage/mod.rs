//! Stage: apply the mappings row by row into target-shaped `stg_` tables, resolve references
//! through source keys, and put every source row in exactly one place: staged, merged into a
//! survivor, rejected with a reason, or excluded by a named rule.

mod exclude;
pub mod export;
pub mod fate;
mod keys;
pub mod links;
mod merge;
pub mod order;
mod prepare;
pub mod reconcile;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mapping::file::Lookup;
use crate::mapping::owners::Owner;
use crate::mapping::transforms::{Context, apply_all};
use crate::mapping::workflow::mapping_files;
use crate::staging::{Db, KeyRef, PlanRow, StageRunRow, StageTx};
use crate::targets::SchemaSource;
use crate::workspace::Workspace;

use exclude::exclusion_rules;
use keys::{Found, KeyIndex, KeyInfo, LookupIndex, ObjectKeys, find_hit, remember};
use prepare::{Prepared, PreparedField, column_position, prepare};

pub use keys::ambiguous_key;
pub use links::ParentKeys;

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

/// Totals and reasons for one dataset.
#[derive(Clone, Debug, Serialize, Default)]
pub struct DatasetOutcome {
    pub dataset: String,
    pub object: String,
    pub target_object: String,
    pub source_rows: i64,
    pub staged: i64,
    pub merged: i64,
    pub rejected: i64,
    pub excluded: i64,
    /// Rejected records by reason code.
    pub reasons: BTreeMap<String, i64>,
    /// Excluded records by rule.
    pub rules: BTreeMap<String, i64>,
    /// Staged records whose parent link was cleared (missing parent, broken cycle).
    pub parents_cleared: i64,
    /// Values loaded with a warning instead of rejecting their record: `field action` -> count
    /// (`kept` as written, `cut` to length, `blanked`).
    pub warnings: BTreeMap<String, i64>,
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
    let mut objects: Vec<String> = Vec::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in prepared
        .iter()
        .filter(|p| !LOOKUP_ONLY.contains(&p.object.as_str()))
    {
        if !objects.contains(&p.object) {
            objects.push(p.object.clone());
        }
        for f in &p.fields {
            if let Some(parent) = &f.parent {
                parents
                    .entry(p.object.clone())
                    .or_default()
                    .insert(parent.clone());
            }
        }
    }
    let load_order = order::order(&objects, &parents);
    // Objects whose datasets keep separate key namespaces (their own external-id fields).
    let split_objects: HashSet<String> = objects
        .iter()
        .filter(|o| {
            let spaces: HashSet<String> = prepared
                .iter()
                .filter(|p| &p.object == *o)
                .map(namespace)
                .collect();
            spaces.len() > 1
        })
        .cloned()
        .collect();
    // Lookup columns each parent object's datasets must index, checked before anything runs.
    let mut wanted: HashMap<String, Vec<Lookup>> = HashMap::new();
    for p in &prepared {
        for f in &p.fields {
            if let (Some(parent), Some(l)) = (&f.parent, &f.lookup) {
                let mapped: Vec<&Prepared> = prepared
                    .iter()
                    .filter(|q| {
                        &q.object == parent
                            && l.dataset.as_ref().is_none_or(|d| *d == q.mapping.dataset)
                    })
                    .collect();
                if mapped.is_empty() {
                    return Err(Error::Input(format!(
                        "`{}`: `{}` looks up {parent} by `{}`{}, but no mapping loads that {parent}",
                        p.path.display(),
                        f.field.name,
                        l.column,
                        l.dataset
                            .as_ref()
                            .map(|d| format!(" of dataset `{d}`"))
                            .unwrap_or_default()
                    )));
                }
                for q in mapped {
                    if column_position(q, &l.column).is_none() {
                        let hint = crate::suggestion::did_you_mean(
                            &l.column,
                            q.headers.iter().map(String::as_str),
                        );
                        return Err(Error::Input(format!(
                            "`{}`: `{}` looks up column `{}`, which dataset `{}` does not have{hint}",
                            p.path.display(),
                            f.field.name,
                            l.column,
                            q.mapping.dataset
                        )));
                    }
                }
                let list = wanted.entry(parent.clone()).or_default();
                if !list.contains(l) {
                    list.push(l.clone());
                }
            }
        }
    }
    let to_stage: Vec<String> = match &options.object {
        Some(o) => {
            let o = o.to_lowercase();
            let found = objects.iter().find(|x| {
                **x == o
                    || prepared
                        .iter()
                        .any(|p| p.object == **x && p.target_object.eq_ignore_ascii_case(&o))
            });
            match found {
                Some(x) => vec![x.clone()],
                None => {
                    let hint =
                        crate::suggestion::did_you_mean(&o, objects.iter().map(String::as_str));
                    return Err(Error::Usage(format!(
                        "no mapping stages object `{o}`{hint} (mapped: {})",
                        objects.join(", ")
                    )));
                }
            }
        }
        None => load_order.clone(),
    };

    // Keys of objects not staged in this run come from the previous run.
    let mut keys: KeyIndex = HashMap::new();
    for o in objects.iter().filter(|o| !to_stage.contains(o)) {
        let mut object_keys = ObjectKeys::default();
        for k in db.stage_keys(o)? {
            let status = match k.status.as_str() {
                "staged" => "staged",
                "merged" => "merged",
                "rejected" => "rejected",
                _ => "excluded",
            };
            let space = prepared
                .iter()
                .find(|p| p.mapping.dataset == k.dataset)
                .map(namespace)
                .unwrap_or_else(|| k.dataset.clone());
            object_keys.insert(
                &space,
                k.key,
                KeyInfo {
                    status,
                    external_id: k.external_id,
                    dataset: Rc::from(k.dataset.as_str()),
                    batch: k.batch,
                    row: k.row,
                    detail: k.detail,
                },
            );
        }
        keys.insert(o.clone(), object_keys);
    }

    let mut lookups: HashMap<String, LookupIndex> = HashMap::new();
    for o in objects.iter().filter(|o| !to_stage.contains(o)) {
        if wanted.contains_key(o)
            && to_stage
                .iter()
                .any(|s| parents.get(s).is_some_and(|ps| ps.contains(o)))
        {
            return Err(Error::Usage(format!(
                "references look up {o} records by a column, which needs {o} staged in the same run\n  hint: run `crmkit stage` without --object"
            )));
        }
    }
    let mut outcomes = Vec::new();
    // Objects some reference points at (their keys must be found while the run goes on).
    let referenced: HashSet<&str> = prepared
        .iter()
        .flat_map(|p| &p.fields)
        .filter_map(|f| f.parent.as_deref())
        .collect();
    clock.lap("prepare");
    let tx = db.begin_stage()?;
    for object in load_order.iter().filter(|o| to_stage.contains(o)) {
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
            if f.parent.as_ref().is_some_and(|o| split_objects.contains(o))
                && via.insert(f.field.name.clone())
            {
                field_names.push(crate::staging::via_column(&f.field.name));
            }
        }
        tx.reset_object(object, &field_names)?;
        let mut state = ObjectState {
            via,
            on_disk: !referenced.contains(object.as_str()),
            ..Default::default()
        };
        for p in &mine {
            state
                .namespaces
                .insert(p.mapping.dataset.clone(), namespace(p));
            let mut wanted_here: Vec<((String, String), usize)> = wanted
                .get(object)
                .into_iter()
                .flatten()
                .filter(|l| l.dataset.as_ref().is_none_or(|d| *d == p.mapping.dataset))
                .filter_map(|l| {
                    column_position(p, &l.column)
                        .map(|c| ((p.mapping.dataset.clone(), l.column.clone()), c))
                })
                .collect();
            // `{column: X}` and `{dataset: D, column: X}` index the same column once.
            wanted_here.sort();
            wanted_here.dedup();
            let outcome = stage_dataset(
                db,
                &tx,
                ws,
                options,
                p,
                &field_names,
                (&keys, &lookups),
                &wanted_here,
                &mut state,
                progress,
            )?;
            outcomes.push(outcome);
            clock.lap(&format!("{} rows", p.mapping.dataset));
        }
        let cleared = finish_object(&tx, object, &mut state)?;
        clock.lap(&format!("{object} finish"));
        for (dataset, n) in cleared {
            if let Some(o) = outcomes.iter_mut().find(|o| o.dataset == dataset) {
                o.parents_cleared += n;
            }
        }
        // In key order: the index takes sequential inserts far faster than hash order.
        for (key, info) in state.keys.sorted() {
            tx.key(
                object,
                &KeyRef {
                    key,
                    status: info.status,
                    external_id: info.external_id.as_deref(),
                    dataset: &info.dataset,
                    batch: info.batch,
                    row: info.row,
                    detail: info.detail.as_deref(),
                },
            )?;
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
    // The plan covers every mapped object, staged now or before.
    tx.reset_plan()?;
    let mut position = 0;
    for object in &load_order {
        let mine: Vec<&Prepared> = prepared.iter().filter(|p| &p.object == object).collect();
        let mut self_fields: Vec<&str> = Vec::new();
        let mut insert_fields: Vec<&str> = Vec::new();
        for f in mine.iter().flat_map(|p| &p.fields) {
            let list = if f.parent.as_deref() == Some(object.as_str()) {
                &mut self_fields
            } else {
                &mut insert_fields
            };
            if !list.contains(&f.field.name.as_str()) {
                list.push(f.field.name.as_str());
            }
        }
        // Datasets upserting on different external-id fields load as separate steps: one
        // upsert key per file.
        let steps: Vec<Option<&str>> = if split_objects.contains(object) {
            mine.iter()
                .map(|p| Some(p.mapping.dataset.as_str()))
                .collect()
        } else {
            vec![None]
        };
        let fields_of_self = |dataset: Option<&str>, field: &str| {
            mine.iter()
                .filter(|p| Some(p.mapping.dataset.as_str()) == dataset)
                .any(|p| p.fields.iter().any(|f| f.field.name == field))
        };
        // A dataset's own step writes the fields its mapping fills (not another dataset's key).
        let fields_of = |dataset: Option<&str>| -> Vec<&str> {
            insert_fields
                .iter()
                .copied()
                .filter(|name| {
                    dataset.is_none_or(|d| {
                        mine.iter()
                            .filter(|p| p.mapping.dataset == d)
                            .any(|p| p.fields.iter().any(|f| f.field.name == *name))
                    })
                })
                .collect()
        };
        for &dataset in &steps {
            // Counted while staging when staged in this run: a count(*) would read the table.
            let rows = if to_stage.contains(object) {
                outcomes
                    .iter()
                    .filter(|o| &o.object == object && dataset.is_none_or(|d| o.dataset == d))
                    .map(|o| o.staged)
                    .sum()
            } else {
                tx.count_staged(object, None, dataset)?
            };
            position += 1;
            tx.plan(&PlanRow {
                position,
                object: object.clone(),
                target_object: mine[0].target_object.clone(),
                pass: "insert".into(),
                fields: serde_json::to_string(&fields_of(dataset)).unwrap_or_default(),
                rows,
                note: parents.get(object).map(|ps| {
                    let others: Vec<&str> = ps
                        .iter()
                        .filter(|p| *p != object)
                        .map(String::as_str)
                        .collect();
                    format!(
                        "after {}",
                        if others.is_empty() {
                            "nothing".into()
                        } else {
                            others.join(", ")
                        }
                    )
                }),
                dataset: dataset.map(str::to_string),
            })?;
        }
        for field in self_fields {
            for &dataset in steps
                .iter()
                .filter(|d| d.is_none() || fields_of_self(**d, field))
            {
                position += 1;
                tx.plan(&PlanRow {
                    position,
                    object: object.clone(),
                    target_object: mine[0].target_object.clone(),
                    pass: format!("update {field}"),
                    fields: serde_json::to_string(&[field]).unwrap_or_default(),
                    rows: tx.count_staged(object, Some(field), dataset)?,
                    note: Some(format!(
                        "second pass: {field} points at records of the same object, all inserted first"
                    )),
                    dataset: dataset.map(str::to_string),
                })?;
            }
        }
    }
    clock.lap("plan");
    let plan = tx.plan_rows()?;
    tx.commit()?;
    record_metrics(db, &plan)?;
    clock.lap("commit");
    Ok(Outcome {
        target: target.to_string(),
        datasets: outcomes,
        load_plan: plan,
        timings: clock.laps,
    })
}

/// The key namespace of a mapping's records: the external-id field it upserts on, or its
/// dataset when it maps none (its records then get generated ids, unique by construction).
fn namespace(p: &Prepared) -> String {
    match p.key {
        Some(k) => p.fields[k].field.name.clone(),
        None => format!("dataset {}", p.mapping.dataset),
    }
}

/// Wall time per phase of a run.
struct Clock {
    since: std::time::Instant,
    laps: Vec<(String, f64)>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            since: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
}

impl Clock {
    fn lap(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        let secs = (now - self.since).as_secs_f64();
        self.laps
            .push((phase.to_string(), (secs * 1000.0).round() / 1000.0));
        self.since = now;
    }
}

impl ObjectState {
    /// Notes where a key resolves; the first record with a key keeps it. True when noted.
    fn note_key(
        &mut self,
        tx: &StageTx<'_>,
        object: &str,
        space: &str,
        key: String,
        info: KeyInfo,
    ) -> Result<bool> {
        if self.on_disk {
            return tx.key_once(
                object,
                &KeyRef {
                    key: &key,
                    status: info.status,
                    external_id: info.external_id.as_deref(),
                    dataset: &info.dataset,
                    batch: info.batch,
                    row: info.row,
                    detail: info.detail.as_deref(),
                },
            );
        }
        Ok(self.keys.insert_first(space, key, info))
    }

    /// The dataset of the record that already holds a key in a namespace.
    fn holder(
        &self,
        tx: &StageTx<'_>,
        object: &str,
        space: &str,
        key: &str,
    ) -> Result<Option<String>> {
        if self.on_disk {
            let datasets: Vec<&str> = self
                .namespaces
                .iter()
                .filter(|(_, s)| *s == space)
                .map(|(d, _)| d.as_str())
                .collect();
            return tx.key_holder(object, &datasets, key);
        }
        Ok(self.keys.dataset_in(space, key).map(str::to_string))
    }

    /// Whether one dataset alone uses a namespace.
    fn sole_dataset(&self, space: &str) -> bool {
        self.namespaces.values().filter(|s| *s == space).count() == 1
    }
}

/// Per-object state across its datasets.
#[derive(Default)]
struct ObjectState {
    keys: ObjectKeys,
    /// dataset -> its key namespace.
    namespaces: HashMap<String, String>,
    /// Reference fields with a `_via_` column.
    via: HashSet<String>,
    /// Keys go straight to `_stage_keys` instead of memory: nothing references the object,
    /// so no record needs to find them during the run, and memory stays flat however many
    /// records it has.
    on_disk: bool,
    /// (dataset, batch, row) -> external id of staged records in datasets that have merges,
    /// for resolving merged records to their survivors.
    by_row: HashMap<(String, i64, i64), String>,
    /// Merged records waiting for their survivor.
    merged: Vec<PendingMerge>,
    /// (batch, row) of a survivor dedupe chose but stage could not load -> the member staged
    /// in its place (dataset, batch, row); batches are numbered across datasets.
    replaced: HashMap<(i64, i64), (String, i64, i64)>,
    /// Self-references waiting for the whole object: (external id, dataset, field, parent key,
    /// lookup column).
    self_refs: Vec<(String, String, String, String, Option<Lookup>)>,
    /// This object's records by lookup column, for references to it.
    lookups: LookupIndex,
}

/// A merged-away record whose survivor's external id is known only after the pass.
struct PendingMerge {
    key: Option<String>,
    dataset: String,
    batch: i64,
    row: i64,
    survivor: (i64, i64),
    /// The survivor's dataset, when another than the record's (linked dedupe).
    into: Option<String>,
    /// (lookup, value) pairs to index once the survivor is known.
    lookup_values: Vec<((String, String), String)>,
    /// Its source values, to stage it should its survivor not be.
    values: Vec<Option<String>>,
}

/// Applies one mapping to every row of its dataset.
#[allow(clippy::too_many_arguments)]
fn stage_dataset(
    db: &Db,
    tx: &StageTx<'_>,
    ws: &Workspace,
    options: &Options,
    p: &Prepared,
    field_names: &[String],
    (keys, lookups): (&KeyIndex, &HashMap<String, LookupIndex>),
    wanted: &[((String, String), usize)],
    state: &mut ObjectState,
    progress: &dyn crate::progress::Progress,
) -> Result<DatasetOutcome> {
    let dataset = p.mapping.dataset.as_str();
    let space = namespace(p);
    let rows = db.row_count(dataset)?;
    progress.start(&format!("stage {dataset}"), rows);
    if !state.on_disk {
        state.keys.reserve(&space, rows as usize);
    }
    tx.reset_dataset(dataset)?;
    tx.reset_survivors(dataset)?;
    // Merging loses the merged-away records' own values: only reviewed clusters merge, unless
    // the workspace says proposed ones may.
    let merged = db.merged_rows(dataset, ws.config.settings.merge_proposed_duplicates)?;
    let cross = merge::Cross::load(
        db,
        dataset,
        &p.columns,
        ws.config.settings.merge_proposed_duplicates,
    )?;
    let broken = db.broken_rows(dataset)?;
    let shared_dataset: Rc<str> = Rc::from(dataset);
    let rules = exclusion_rules(ws, db, p)?;
    let owners = crate::mapping::owners::Resolver::new(&p.mapping);
    let mut out = DatasetOutcome {
        dataset: dataset.to_string(),
        object: p.object.clone(),
        target_object: p.target_object.clone(),
        ..Default::default()
    };
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
    let insert_sql = tx.stage_sql(&p.object, field_names);
    let several_batches = db
        .batches()?
        .iter()
        .filter(|b| b.dataset == dataset)
        .count()
        > 1;
    // One row's fate; `promoted` when a merged-away record is staged in place of a survivor
    // that was not (it was counted, and counted as merged, on the first pass).
    let stage_row = |state: &mut ObjectState,
                     out: &mut DatasetOutcome,
                     batch: i64,
                     row: i64,
                     vals: &[Option<String>],
                     promoted: bool|
     -> Result<()> {
        if promoted {
            out.merged -= 1;
        } else {
            out.source_rows += 1;
            if (out.source_rows as u64).is_multiple_of(crate::progress::ROWS_PER_TICK) {
                progress.set(out.source_rows as u64);
            }
        }
        let lineage = (dataset, batch, row);
        let lookup = |name: &str| prepare::row_value(p, vals, name);
        // The record's own key, before any field: scores are stored by it.
        let own_key = p
            .key
            .and_then(|k| {
                let f = &p.fields[k];
                f.source.and_then(|i| vals[i].as_deref())
            })
            .map(str::trim);
        let transformed = |i: usize| {
            let f: &PreparedField = &p.fields[i];
            let raw = match &f.scores {
                Some(scores) => own_key
                    .and_then(|k| scores.get(k))
                    .map(String::as_str)
                    .unwrap_or(""),
                None => f.source.and_then(|i| vals[i].as_deref()).unwrap_or(""),
            };
            let ctx = Context {
                column: &lookup,
                values: f.values.as_ref(),
            };
            (raw, apply_all(&f.transform, raw, &ctx))
        };
        // The key field is transformed once: for the key here, and as a field below.
        let mut key_field = p.key.map(transformed);
        let key = key_field.as_ref().and_then(|(_, r)| prepare::key_text(r));
        let info =
            |status: &'static str, external_id: Option<String>, detail: Option<String>| KeyInfo {
                status,
                external_id,
                dataset: shared_dataset.clone(),
                batch,
                row,
                detail,
            };

        // A row whose fields do not line up with the header would load shifted values.
        if let Some((issue, surplus)) = broken.get(&(batch, row)) {
            let detail = format!(
                "{issue}; its values may sit in the wrong columns, so it is not loaded (fix the source row and ingest again)"
            );
            tx.reject(
                lineage,
                &p.object,
                fate::Reason::IngestIssue.code(),
                None,
                surplus.as_deref(),
                &detail,
            )?;
            *out.reasons
                .entry(fate::Reason::IngestIssue.code().to_string())
                .or_default() += 1;
            out.rejected += 1;
            let rejected = info("rejected", None, Some(format!("ingest_issue: {issue}")));
            remember(&mut state.lookups, wanted, vals, &rejected);
            if let Some(k) = key {
                state.note_key(tx, &p.object, &space, k, rejected)?;
            }
            return Ok(());
        }
        if let Some((rule, detail)) = rules.iter().find_map(|r| r.matches(vals, options.as_of)) {
            tx.exclude(lineage, &p.object, &rule, &detail)?;
            out.excluded += 1;
            *out.rules.entry(rule.clone()).or_default() += 1;
            // The rule's name, so children can be excluded by the same rule.
            let excluded = info("excluded", None, Some(rule.clone()));
            remember(&mut state.lookups, wanted, vals, &excluded);
            if let Some(k) = key {
                state.note_key(tx, &p.object, &space, k, excluded)?;
            }
            return Ok(());
        }
        if !promoted && let Some(survivor) = merged.get(&(batch, row)) {
            out.merged += 1;
            state.merged.push(PendingMerge {
                key,
                dataset: dataset.to_string(),
                batch,
                row,
                survivor: *survivor,
                into: None,
                values: vals.to_vec(),
                lookup_values: wanted
                    .iter()
                    .filter_map(|(k, c)| vals[*c].clone().map(|v| (k.clone(), v)))
                    .collect(),
            });
            return Ok(());
        }
        // Into a survivor of another dataset (or the member staged in its place); one that
        // was not staged is replaced after the pass, as within a dataset.
        if !promoted && let Some(chosen) = cross.survivor(batch, row) {
            let now = merge::survivor_now(&state.replaced, chosen);
            if now != *chosen {
                tx.replaced(
                    lineage,
                    &crate::staging::Replaced {
                        survivor: now.clone(),
                        replaces: chosen.clone(),
                    },
                )?;
            }
            out.merged += 1;
            state.merged.push(PendingMerge {
                key,
                dataset: dataset.to_string(),
                batch,
                row,
                survivor: (now.1, now.2),
                into: Some(now.0),
                values: vals.to_vec(),
                lookup_values: wanted
                    .iter()
                    .filter_map(|(k, c)| vals[*c].clone().map(|v| (k.clone(), v)))
                    .collect(),
            });
            return Ok(());
        }

        let mut values: Vec<Option<String>> = vec![None; field_names.len()];
        let mut problems: Vec<(&'static str, String, String, String)> = Vec::new();
        let mut warnings: Vec<String> = Vec::new();
        let mut self_ref: Option<(String, String, Option<Lookup>)> = None;
        // A record whose parent a rule excluded is excluded by the same rule.
        let mut excluded_with_parent: Option<(String, String)> = None;
        for (i, f) in p.fields.iter().enumerate() {
            let name = &f.field.name;
            let (raw, result) = match key_field.take() {
                Some(done) if p.key == Some(i) => done,
                other => {
                    key_field = other;
                    transformed(i)
                }
            };
            let value = if f.parent.is_some() {
                // References resolve through the key index below, not the field's type.
                match fate::settle(&f.field, false, f.on_invalid, raw, result) {
                    fate::FieldFate::Value(v) => v,
                    fate::FieldFate::Warned { problem, .. } | fate::FieldFate::Reject(problem) => {
                        problems.push((
                            problem.reason.code(),
                            name.clone(),
                            problem.value,
                            problem.detail,
                        ));
                        continue;
                    }
                }
            } else {
                match fate::settle(&f.field, f.restricted, f.on_invalid, raw, result) {
                    fate::FieldFate::Value(v) => v,
                    fate::FieldFate::Warned {
                        value,
                        action,
                        problem,
                    } => {
                        warnings.push(format!(
                            "{name}: {action} `{}` ({}: {})",
                            problem.value,
                            problem.reason.code(),
                            problem.detail
                        ));
                        *out.warnings.entry(format!("{name} {action}")).or_default() += 1;
                        values[positions[i]] = value;
                        continue;
                    }
                    fate::FieldFate::Reject(problem) => {
                        problems.push((
                            problem.reason.code(),
                            name.clone(),
                            problem.value,
                            problem.detail,
                        ));
                        continue;
                    }
                }
            };
            if value.trim().is_empty() {
                continue;
            }
            if let Some(parent) = &f.parent {
                if parent == &p.object {
                    self_ref = Some((name.clone(), value, f.lookup.clone()));
                    continue;
                }
                let Some(parent_keys) = keys.get(parent) else {
                    // Not loaded by this migration: the target's users, matched through
                    // `owners:`; other objects pass as written for the target to resolve.
                    if !LOOKUP_ONLY.contains(&parent.as_str()) {
                        values[positions[i]] = Some(value);
                        continue;
                    }
                    match owners.resolve(&value) {
                        Owner::User(u) => values[positions[i]] = Some(u),
                        Owner::Default(d) => {
                            warnings.push(format!("{name}: owner `{value}` matches no user; given to the default owner `{d}`"));
                            *out.warnings
                                .entry(format!("{name} default_owner"))
                                .or_default() += 1;
                            values[positions[i]] = Some(d);
                        }
                        Owner::Unmatched => {
                            warnings.push(format!("{name}: blanked owner `{value}`, which matches no user (add it to `owners:` or set `default_owner:`)"));
                            *out.warnings.entry(format!("{name} blanked")).or_default() += 1;
                        }
                    }
                    continue;
                };
                let found = match &f.lookup {
                    Some(l) => match find_hit(lookups.get(parent), l, &value) {
                        Ok(hit) => hit.cloned(),
                        Err(n) => {
                            problems.push((
                                fate::Reason::BadReference.code(),
                                name.clone(),
                                value.clone(),
                                format!("{n} {parent} records have `{value}` in `{}`: which one is meant is not known", l.column),
                            ));
                            continue;
                        }
                    },
                    None => match parent_keys.find(value.trim()) {
                        Found::None => None,
                        Found::One(k) => Some(k),
                        Found::Ambiguous(datasets) => {
                            problems.push((
                                fate::Reason::BadReference.code(),
                                name.clone(),
                                value.clone(),
                                keys::ambiguous_key(&value, parent, &datasets),
                            ));
                            continue;
                        }
                    },
                };
                match found {
                    Some(k) if k.external_id.is_some() => {
                        values[positions[i]] = k.external_id.clone();
                        if let Some(v) = via_positions[i] {
                            values[v] = Some(k.dataset.to_string());
                        }
                    }
                    Some(k) if k.status == "excluded" => {
                        let rule = k.detail.clone().unwrap_or_default();
                        let detail = format!("its {parent} `{value}` is excluded by rule {rule}");
                        excluded_with_parent.get_or_insert((rule, detail));
                    }
                    Some(k) => problems.push((
                        fate::Reason::BadReference.code(),
                        name.clone(),
                        value.clone(),
                        format!(
                            "{parent} `{value}` is not loaded: {} ({})",
                            k.status,
                            k.detail.clone().unwrap_or_default()
                        ),
                    )),
                    None => problems.push((
                        fate::Reason::BadReference.code(),
                        name.clone(),
                        value.clone(),
                        match &f.lookup {
                            Some(l) => format!("no {parent} has `{value}` in `{}`", l.column),
                            None => format!("no {parent} has the key `{value}`"),
                        },
                    )),
                }
                continue;
            }
            values[positions[i]] = Some(value);
        }
        let external_id = key.clone().unwrap_or_else(|| {
            if several_batches {
                format!("{dataset}-{batch}-{row}")
            } else {
                format!("{dataset}-{row}")
            }
        });
        if let Some((rule, detail)) = excluded_with_parent {
            tx.exclude(lineage, &p.object, &rule, &detail)?;
            out.excluded += 1;
            *out.rules.entry(rule.clone()).or_default() += 1;
            let excluded = info("excluded", None, Some(rule));
            remember(&mut state.lookups, wanted, vals, &excluded);
            if let Some(k) = key {
                state.note_key(tx, &p.object, &space, k, excluded)?;
            }
            return Ok(());
        }
        // Generated ids are unique by construction; a key seen before is a duplicate.
        let mut key_noted = false;
        let holder = match &key {
            Some(k) if problems.is_empty() => {
                if state.on_disk && state.sole_dataset(&space) {
                    // One insert both checks the key and records it.
                    key_noted = state.note_key(
                        tx,
                        &p.object,
                        &space,
                        k.clone(),
                        info("staged", Some(external_id.clone()), None),
                    )?;
                    (!key_noted).then(|| dataset.to_string())
                } else {
                    state.holder(tx, &p.object, &space, k)?
                }
            }
            _ => None,
        };
        if let Some(other) = holder {
            let field = p
                .key
                .map(|k| p.fields[k].field.name.clone())
                .unwrap_or_default();
            let detail = if other == dataset {
                format!("another {} already has the key `{external_id}`", p.object)
            } else {
                format!(
                    "dataset `{other}` also has the key `{external_id}` and both upsert on `{field}`: map each dataset's id to its own external-id field"
                )
            };
            problems.push((
                fate::Reason::DuplicateKey.code(),
                field,
                external_id.clone(),
                detail,
            ));
        }
        if !problems.is_empty() {
            for (reason, field, value, detail) in &problems {
                tx.reject(lineage, &p.object, reason, Some(field), Some(value), detail)?;
                *out.reasons.entry(reason.to_string()).or_default() += 1;
            }
            out.rejected += 1;
            let (reason, _, _, detail) = &problems[0];
            let rejected = info("rejected", None, Some(format!("{reason}: {detail}")));
            remember(&mut state.lookups, wanted, vals, &rejected);
            if let Some(k) = key {
                state.note_key(tx, &p.object, &space, k, rejected)?;
            }
            return Ok(());
        }
        let notes =
            (!warnings.is_empty()).then(|| serde_json::to_string(&warnings).unwrap_or_default());
        tx.stage(
            &insert_sql,
            &external_id,
            lineage,
            notes.as_deref(),
            &values,
        )?;
        out.staged += 1;
        if promoted || !merged.is_empty() || cross.survivor_source {
            state
                .by_row
                .insert((dataset.to_string(), batch, row), external_id.clone());
        }
        let staged = info("staged", Some(external_id.clone()), None);
        remember(&mut state.lookups, wanted, vals, &staged);
        if let Some(k) = key
            && !key_noted
        {
            state.note_key(tx, &p.object, &space, k, staged)?;
        }
        if let Some((field, parent_key, lookup)) = self_ref {
            state
                .self_refs
                .push((external_id, dataset.to_string(), field, parent_key, lookup));
        }
        Ok(())
    };
    db.scan_lineage(dataset, &p.columns, |batch, row, vals| {
        match cross.with_golden(batch, row, vals) {
            Some(golden) => stage_row(state, &mut out, batch, row, &golden, false),
            None => stage_row(state, &mut out, batch, row, vals, false),
        }
    })?;
    // A survivor excluded or rejected takes nobody with it: the best remaining member (by the
    // dedupe survivorship order; a linked run's puts source priority first, and survivor
    // datasets are staged first) survives instead and the others merge into it. Members in
    // later datasets of a linked cluster find it through `replaced`.
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
        .find_map(|c| column_position(p, c));
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
            stage_row(state, &mut out, m.batch, m.row, &m.values, true)?;
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
    Ok(out)
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

/// Resolves merged records to their survivors and self-references to their parents; clears
/// parent links that point nowhere or close a cycle. Returns cleared links per dataset.
fn finish_object(
    tx: &StageTx<'_>,
    object: &str,
    state: &mut ObjectState,
) -> Result<BTreeMap<String, i64>> {
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
    // Records are (dataset, external id): datasets with their own key namespaces may share ids.
    type Rec = (String, String);
    let mut parent_of: HashMap<Rec, Rec> = HashMap::new();
    let mut cleared: BTreeMap<String, i64> = BTreeMap::new();
    let mut notes: HashMap<Rec, String> = HashMap::new();
    let refs = std::mem::take(&mut state.self_refs);
    for (ext, dataset, _, parent_key, lookup) in &refs {
        let me: Rec = (dataset.clone(), ext.clone());
        let mut clear = |note: String| {
            notes.insert(me.clone(), note);
            *cleared.entry(dataset.clone()).or_default() += 1;
        };
        let found = match lookup {
            Some(l) => match find_hit(Some(&state.lookups), l, parent_key) {
                Ok(hit) => hit.cloned(),
                Err(n) => {
                    clear(format!(
                        "parent cleared: {n} {object} records have `{parent_key}` in `{}`",
                        l.column
                    ));
                    continue;
                }
            },
            // A hierarchy names its parents in its own dataset's ids first.
            None => match state
                .namespaces
                .get(dataset)
                .and_then(|space| state.keys.get_in(space, parent_key.trim()))
            {
                Some(k) => Some(k),
                None => match state.keys.find(parent_key.trim()) {
                    Found::One(k) => Some(k),
                    Found::None => None,
                    Found::Ambiguous(datasets) => {
                        clear(format!(
                            "parent cleared: `{parent_key}` is a key in datasets {}",
                            datasets.join(" and ")
                        ));
                        continue;
                    }
                },
            },
        };
        match found {
            Some(k) => match &k.external_id {
                Some(parent_ext)
                    if (&*k.dataset, parent_ext.as_str()) == (dataset.as_str(), ext.as_str()) =>
                {
                    clear(format!(
                        "parent cleared: `{parent_key}` is the record itself"
                    ))
                }
                Some(parent_ext) => {
                    parent_of.insert(me, (k.dataset.to_string(), parent_ext.clone()));
                }
                None => clear(format!(
                    "parent cleared: `{parent_key}` is not loaded ({})",
                    k.status
                )),
            },
            None => clear(format!(
                "parent cleared: no {object} has the key `{parent_key}`"
            )),
        }
    }
    // Break cycles: walk each chain; a record seen twice closes a cycle, whose smallest id
    // loses its parent link.
    let mut done: HashSet<Rec> = HashSet::new();
    let starts: Vec<Rec> = {
        let mut v: Vec<Rec> = parent_of.keys().cloned().collect();
        v.sort();
        v
    };
    for start in starts {
        let mut path: Vec<Rec> = Vec::new();
        let mut on_path: HashSet<Rec> = HashSet::new();
        let mut cur = start.clone();
        while !done.contains(&cur) {
            if !on_path.insert(cur.clone()) {
                let from = path.iter().position(|x| *x == cur).unwrap_or(0);
                let victim = path[from..].iter().min().cloned().unwrap_or_default();
                parent_of.remove(&victim);
                notes.insert(
                    victim.clone(),
                    format!(
                        "parent cleared: it closed a hierarchy cycle of {} records",
                        path.len() - from
                    ),
                );
                *cleared.entry(victim.0.clone()).or_default() += 1;
                break;
            }
            path.push(cur.clone());
            match parent_of.get(&cur) {
                Some(next) => cur = next.clone(),
                None => break,
            }
        }
        done.extend(path);
    }
    for (ext, dataset, field, _, _) in &refs {
        let me: Rec = (dataset.clone(), ext.clone());
        let parent = parent_of.get(&me);
        tx.update_field(
            object,
            field,
            (dataset, ext),
            parent.map(|(_, e)| e.as_str()),
            state
                .via
                .contains(field)
                .then(|| parent.map(|(d, _)| d.as_str())),
            notes.get(&me).map(String::as_str),
        )?;
    }
    Ok(cleared)
}

/// Leaves the staging figures for the playbook's evidence checks.
fn record_metrics(db: &Db, plan: &[PlanRow]) -> Result<()> {
    let order: Vec<String> = plan
        .iter()
        .map(|p| match p.pass.as_str() {
            "insert" => format!("{} {}", p.target_object, p.rows),
            pass => format!("{} {pass} {}", p.target_object, p.rows),
        })
        .collect();
    let detail = format!("load order: {}", order.join(" -> "));
    db.put_metric(
        "stage.load_steps",
        plan.len() as f64,
        Some(&detail),
        "stage",
    )?;
    let runs = db.stage_runs()?;
    let sum = |f: fn(&StageRunRow) -> i64| runs.iter().map(f).sum::<i64>();
    let (source, staged, merged, rejected, excluded) = (
        sum(|r| r.source_rows),
        sum(|r| r.staged),
        sum(|r| r.merged),
        sum(|r| r.rejected),
        sum(|r| r.excluded),
    );
    let n = |v: i64| crate::numbers::thousands(v.max(0) as u64);
    let detail = format!(
        "{}: {} staged, {} merged, {} rejected, {} excluded",
        crate::numbers::plural(source.max(0) as u64, "source row", "source rows"),
        n(staged),
        n(merged),
        n(rejected),
        n(excluded)
    );
    db.put_metric("stage.staged", staged as f64, Some(&detail), "stage")?;
    db.put_metric("stage.rejected", rejected as f64, Some(&detail), "stage")?;
    db.put_metric("stage.excluded", excluded as f64, Some(&detail), "stage")?;
    db.put_metric("stage.merged", merged as f64, Some(&detail), "stage")
}
