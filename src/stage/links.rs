//! The parents' source keys a plain reference resolves through, read before any row is
//! staged: `map check` finds the references stage cannot resolve as they are ambiguous (a key held in
//! several of the parent object's namespaces) through the same index and in the same words.

use std::collections::HashMap;
use std::rc::Rc;

#[cfg(doc)]
use super::keys::ambiguous_key;
use super::keys::{Found, KeyInfo, ObjectKeys};
use super::prepare::{Prepared, prepare, record_key};
use super::state::namespace;
use super::{LOOKUP_ONLY, Options};
use crate::error::Result;
use crate::mapping::workflow::mapping_files;
use crate::staging::Db;
use crate::targets::SchemaSource;
use crate::workspace::Workspace;

/// The keys of every object the workspace's mappings load from more than one key namespace
/// (objects with one namespace cannot make a plain reference ambiguous, so they cost nothing).
#[derive(Default)]
pub struct ParentKeys {
    objects: HashMap<String, ObjectKeys>,
}

impl ParentKeys {
    /// Reads the keys as stage would note them: each mapping of `mappings/` bound as stage
    /// binds it, each row's key field transformed. A mapping stage would refuse is skipped
    /// (`map check` reports its problems on its own).
    pub fn read(ws: &Workspace, db: &Db, schemas: &SchemaSource) -> Result<ParentKeys> {
        let options = Options {
            object: None,
            schemas: schemas.clone(),
            as_of: chrono::Utc::now().date_naive(),
        };
        let prepared: Vec<Prepared> = mapping_files(&ws.root.join("mappings"))?
            .iter()
            .filter_map(|path| prepare(ws, db, &options, path).ok())
            .filter(|p| !LOOKUP_ONLY.contains(&p.object.as_str()))
            .collect();
        let mut out = ParentKeys::default();
        for p in &prepared {
            let mut spaces: Vec<String> = prepared
                .iter()
                .filter(|q| q.object == p.object)
                .map(namespace)
                .collect();
            spaces.sort();
            spaces.dedup();
            if spaces.len() < 2 || p.key.is_none() {
                continue;
            }
            let space = namespace(p);
            let dataset: Rc<str> = Rc::from(p.mapping.dataset.as_str());
            let keys = out.objects.entry(p.object.clone()).or_default();
            db.scan_lineage(&p.mapping.dataset, &p.columns, |batch, row, vals| {
                if let Some(key) = record_key(p, vals) {
                    let info = KeyInfo {
                        status: "staged",
                        external_id: Some(key.clone()),
                        dataset: dataset.clone(),
                        batch,
                        row,
                        detail: None,
                    };
                    keys.insert_first(&space, key, info);
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// The datasets whose records all have this value as their key, when a plain reference
    /// to `parent` with it is ambiguous (stage blanks the field or rejects the record, in the words of
    /// [`ambiguous_key`]).
    pub fn ambiguous(&self, parent: &str, value: &str) -> Option<Vec<String>> {
        match self.objects.get(parent)?.find(value.trim()) {
            Found::Ambiguous(datasets) => Some(datasets.iter().map(|d| d.to_string()).collect()),
            Found::None | Found::One(_) => None,
        }
    }

    /// Whether any reference to `parent` can be ambiguous.
    pub fn splits(&self, parent: &str) -> bool {
        self.objects.contains_key(parent)
    }
}
