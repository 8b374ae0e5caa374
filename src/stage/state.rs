//! One object's pass across its datasets: where each key resolves as records are decided, the
//! merged-away records waiting for their survivor, the self-references waiting for the whole
//! object, and the lookup index the object's children resolve through.

use std::collections::{HashMap, HashSet};

use super::keys::{KeyInfo, LookupIndex, ObjectKeys, remember};
use super::prepare::Prepared;
use crate::error::Result;
use crate::mapping::file::Lookup;
use crate::staging::StageTx;

/// The key namespace of a mapping's records: the external-id field it upserts on, or its
/// dataset when it maps none (its records then get generated ids, unique by construction).
pub(super) fn namespace(p: &Prepared) -> String {
    match p.key {
        Some(k) => p.fields[k].field.name.clone(),
        None => format!("dataset {}", p.mapping.dataset),
    }
}

/// Per-object state across its datasets.
#[derive(Default)]
pub(super) struct ObjectState {
    pub(super) keys: ObjectKeys,
    /// dataset -> its key namespace.
    pub(super) namespaces: HashMap<String, String>,
    /// Reference fields with a `_via_` column.
    pub(super) via: HashSet<String>,
    /// Keys go straight to `_stage_keys` instead of memory: nothing references the object,
    /// so no record needs to find them during the run, and memory stays flat however many
    /// records it has.
    pub(super) on_disk: bool,
    /// (dataset, batch, row) -> external id of staged records in datasets that have merges,
    /// for resolving merged records to their survivors.
    pub(super) by_row: HashMap<(String, i64, i64), String>,
    /// Merged records waiting for their survivor.
    pub(super) merged: Vec<PendingMerge>,
    /// (batch, row) of a survivor dedupe chose but stage could not load -> the member staged
    /// in its place (dataset, batch, row); batches are numbered across datasets.
    pub(super) replaced: HashMap<(i64, i64), (String, i64, i64)>,
    /// Self-references waiting for the whole object.
    pub(super) self_refs: Vec<SelfRef>,
    /// Some record got a generated id (it had no key), which could clash with a real key.
    pub(super) generated_ids: bool,
    /// This object's records by lookup column, for references to it.
    pub(super) lookups: LookupIndex,
}

/// A record's reference to a record of its own object, resolved once the object is whole.
pub(super) struct SelfRef {
    /// The record's external id.
    pub(super) external_id: String,
    pub(super) dataset: String,
    pub(super) field: String,
    /// The parent's key or name as the source wrote it.
    pub(super) parent_key: String,
    pub(super) lookup: Option<Lookup>,
}

/// A merged-away record whose survivor's external id is known only after the pass.
pub(super) struct PendingMerge {
    pub(super) key: Option<String>,
    pub(super) dataset: String,
    pub(super) batch: i64,
    pub(super) row: i64,
    pub(super) survivor: (i64, i64),
    /// The survivor's dataset, when another than the record's (linked dedupe).
    pub(super) into: Option<String>,
    /// (lookup, value) pairs to index once the survivor is known.
    pub(super) lookup_values: Vec<((String, String), String)>,
    /// Its source values, to stage it should its survivor not be.
    pub(super) values: Vec<Option<String>>,
}

impl ObjectState {
    /// Notes where a key resolves; the first record with a key keeps it. True when noted.
    pub(super) fn note_key(
        &mut self,
        tx: &StageTx<'_>,
        object: &str,
        space: &str,
        key: String,
        info: KeyInfo,
    ) -> Result<bool> {
        if self.on_disk {
            return tx.key_once(object, &info.row(&key));
        }
        Ok(self.keys.insert_first(space, key, info))
    }

    /// Notes a decided record where its children look for it: under each lookup column
    /// asked of its dataset, and under its key.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn note_record(
        &mut self,
        tx: &StageTx<'_>,
        object: &str,
        space: &str,
        wanted: &[((String, String), usize)],
        vals: &[Option<String>],
        key: Option<String>,
        info: KeyInfo,
    ) -> Result<()> {
        remember(&mut self.lookups, wanted, vals, &info);
        if let Some(k) = key {
            self.note_key(tx, object, space, k, info)?;
        }
        Ok(())
    }

    /// The dataset of the record that already holds a key in a namespace.
    pub(super) fn holder(
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
    pub(super) fn sole_dataset(&self, space: &str) -> bool {
        self.namespaces.values().filter(|s| *s == space).count() == 1
    }
}
