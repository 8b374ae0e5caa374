//! Where a source key or a lookup value resolves while stage runs: each object's records by
//! key, and by the value of the parent columns references look up.

use std::collections::HashMap;
use std::rc::Rc;

use crate::mapping::file::Lookup;

/// Where a source key resolves during a run.
#[derive(Clone, Debug)]
pub(super) struct KeyInfo {
    pub(super) status: &'static str,
    pub(super) external_id: Option<String>,
    /// Shared: one allocation per dataset, not per key.
    pub(super) dataset: Rc<str>,
    pub(super) batch: i64,
    pub(super) row: i64,
    pub(super) detail: Option<String>,
}

/// What a reference finds when it looks a value up in a parent column.
#[derive(Clone, Debug)]
pub(super) enum Hit {
    One(KeyInfo),
    /// Several parent records hold the value: which one is meant is not known.
    Many(u32),
}

/// Parent records by the value of a lookup column: (dataset, column as the mapping names it)
/// -> normalised value -> hit.
pub(super) type LookupIndex = HashMap<(String, String), HashMap<String, Hit>>;

/// Each object's records by their source key.
pub(super) type KeyIndex = HashMap<String, ObjectKeys>;

/// One object's records by source key, per key namespace. A namespace is the external-id
/// field a dataset upserts on: two datasets loaded into one object with their own external-id
/// fields keep separate namespaces, so the same source id in both is two records; datasets
/// sharing one field (or none) share the namespace of that field.
#[derive(Default)]
pub(super) struct ObjectKeys {
    spaces: Vec<(Rc<str>, HashMap<String, KeyInfo>)>,
}

/// What a plain reference (no lookup column) finds among a parent object's namespaces.
pub(super) enum Found<'a> {
    None,
    One(&'a KeyInfo),
    /// The key is in several namespaces: the datasets holding it.
    Ambiguous(Vec<&'a str>),
}

impl ObjectKeys {
    /// The keys of one namespace, created empty when new.
    pub(super) fn space(&mut self, namespace: &str) -> &mut HashMap<String, KeyInfo> {
        let i = match self.spaces.iter().position(|(n, _)| &**n == namespace) {
            Some(i) => i,
            None => {
                self.spaces.push((Rc::from(namespace), HashMap::new()));
                self.spaces.len() - 1
            }
        };
        &mut self.spaces[i].1
    }

    /// A key in one namespace.
    pub(super) fn get_in(&self, namespace: &str, key: &str) -> Option<&KeyInfo> {
        self.spaces
            .iter()
            .find(|(n, _)| &**n == namespace)
            .and_then(|(_, m)| m.get(key))
    }

    /// A key in whichever namespace holds it; ambiguous when several do.
    pub(super) fn find(&self, key: &str) -> Found<'_> {
        let mut hits = self.spaces.iter().filter_map(|(_, m)| m.get(key));
        match (hits.next(), hits.next()) {
            (None, _) => Found::None,
            (Some(one), None) => Found::One(one),
            (Some(a), Some(b)) => {
                let mut datasets = vec![&*a.dataset, &*b.dataset];
                datasets.extend(hits.map(|k| &*k.dataset));
                Found::Ambiguous(datasets)
            }
        }
    }

    /// Every (key, record), namespace by namespace.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &KeyInfo)> {
        self.spaces.iter().flat_map(|(_, m)| m.iter())
    }
}

/// Why a plain reference cannot resolve when its value is a key in several of the parent's
/// namespaces: the words stage rejects the record with and `map check` reports.
pub fn ambiguous_key(value: &str, parent: &str, datasets: &[&str]) -> String {
    format!(
        "`{value}` is a {parent} key in datasets {}: name the one meant with `lookup: {{dataset: DATASET, column: COLUMN}}`",
        datasets.join(" and ")
    )
}

/// The parent record a lookup finds: Ok(None) when none has the value, Err(n) when n do.
pub(super) fn find_hit<'a>(
    index: Option<&'a LookupIndex>,
    lookup: &Lookup,
    value: &str,
) -> std::result::Result<Option<&'a KeyInfo>, u32> {
    let Some(index) = index else { return Ok(None) };
    let norm = Lookup::normalize(value);
    let mut found: Option<&KeyInfo> = None;
    let mut many = 0u32;
    for ((dataset, column), values) in index {
        if *column != lookup.column || lookup.dataset.as_ref().is_some_and(|d| d != dataset) {
            continue;
        }
        match values.get(&norm) {
            Some(Hit::One(info)) if found.is_none() => found = Some(info),
            Some(Hit::One(_)) => many += 1,
            Some(Hit::Many(n)) => many += n,
            None => {}
        }
    }
    if many > 0 {
        return Err(many + u32::from(found.is_some()));
    }
    Ok(found)
}

/// Notes one parent record under each lookup column its dataset is asked for.
pub(super) fn remember(
    index: &mut LookupIndex,
    wanted: &[((String, String), usize)],
    vals: &[Option<String>],
    info: &KeyInfo,
) {
    for (key, column) in wanted {
        let Some(value) = vals[*column].as_deref().filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let slot = match index.get_mut(key) {
            Some(slot) => slot,
            None => index.entry(key.clone()).or_default(),
        };
        let norm = Lookup::normalize(value);
        match slot.get_mut(&norm) {
            None => {
                slot.insert(norm, Hit::One(info.clone()));
            }
            Some(hit) => {
                *hit = match hit {
                    Hit::One(_) => Hit::Many(2),
                    Hit::Many(n) => Hit::Many(*n + 1),
                }
            }
        }
    }
}
