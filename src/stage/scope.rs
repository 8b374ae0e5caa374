//! What a stage run covers, settled before any row: the objects its mappings load and their
//! load order, the objects loaded from several key namespaces, the parent columns references
//! look up (checked to exist), the objects staged now, and the keys of those staged before.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use super::keys::{KeyIndex, KeyInfo, ObjectKeys};
use super::order;
use super::prepare::{Prepared, column_position};
use super::state::namespace;
use super::{LOOKUP_ONLY, Options};
use crate::error::{Error, Result};
use crate::mapping::file::Lookup;
use crate::staging::Db;

pub(super) struct Scope {
    /// Every mapped object (the target's users aside), in mapping order.
    pub(super) objects: Vec<String>,
    /// object -> the objects its references point at.
    pub(super) parents: BTreeMap<String, BTreeSet<String>>,
    pub(super) load_order: Vec<String>,
    /// Objects whose datasets keep separate key namespaces (their own external-id fields).
    pub(super) split_objects: HashSet<String>,
    /// Lookup columns each parent object's datasets must index.
    pub(super) wanted: HashMap<String, Vec<Lookup>>,
    /// The objects this run stages (others' keys come from earlier runs).
    pub(super) to_stage: Vec<String>,
    /// Objects some reference points at (their keys must be found while the run goes on).
    pub(super) referenced: HashSet<String>,
}

impl Scope {
    pub(super) fn new(prepared: &[Prepared], options: &Options) -> Result<Scope> {
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
        let wanted = wanted_lookups(prepared)?;
        let to_stage = to_stage(prepared, &objects, &load_order, options)?;
        let referenced = prepared
            .iter()
            .flat_map(|p| &p.fields)
            .filter_map(|f| f.parent.clone())
            .collect();
        Ok(Scope {
            objects,
            parents,
            load_order,
            split_objects,
            wanted,
            to_stage,
            referenced,
        })
    }

    /// The keys of objects not staged in this run, as the previous run left them. A lookup by
    /// column into such an object cannot be answered (its source values are not kept).
    pub(super) fn earlier_keys(&self, db: &Db, prepared: &[Prepared]) -> Result<KeyIndex> {
        let mut keys: KeyIndex = HashMap::new();
        for o in self.objects.iter().filter(|o| !self.to_stage.contains(o)) {
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
        for o in self.objects.iter().filter(|o| !self.to_stage.contains(o)) {
            if self.wanted.contains_key(o)
                && self
                    .to_stage
                    .iter()
                    .any(|s| self.parents.get(s).is_some_and(|ps| ps.contains(o)))
            {
                return Err(Error::Usage(format!(
                    "references look up {o} records by a column, which needs {o} staged in the same run\n  hint: run `crmkit stage` without --object"
                )));
            }
        }
        Ok(keys)
    }

    /// The lookup columns one dataset of `object` indexes as its rows are decided:
    /// (lookup, column position).
    pub(super) fn wanted_of(&self, object: &str, p: &Prepared) -> Vec<((String, String), usize)> {
        let mut wanted: Vec<((String, String), usize)> = self
            .wanted
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
        wanted.sort();
        wanted.dedup();
        wanted
    }
}

/// Lookup columns each parent object's datasets must index, checked before anything runs.
fn wanted_lookups(prepared: &[Prepared]) -> Result<HashMap<String, Vec<Lookup>>> {
    let mut wanted: HashMap<String, Vec<Lookup>> = HashMap::new();
    for p in prepared {
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
    Ok(wanted)
}

/// The objects `--object` names (by generic or target name), or all in load order.
fn to_stage(
    prepared: &[Prepared],
    objects: &[String],
    load_order: &[String],
    options: &Options,
) -> Result<Vec<String>> {
    let Some(o) = &options.object else {
        return Ok(load_order.to_vec());
    };
    let o = o.to_lowercase();
    let found = objects.iter().find(|x| {
        **x == o
            || prepared
                .iter()
                .any(|p| p.object == **x && p.target_object.eq_ignore_ascii_case(&o))
    });
    match found {
        Some(x) => Ok(vec![x.clone()]),
        None => {
            let hint = crate::suggestion::did_you_mean(&o, objects.iter().map(String::as_str));
            Err(Error::Usage(format!(
                "no mapping stages object `{o}`{hint} (mapped: {})",
                objects.join(", ")
            )))
        }
    }
}
