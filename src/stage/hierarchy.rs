//! Hierarchies within an object (a parent account, a reporting manager): each self-reference
//! resolved once the whole object is staged, and links that point nowhere or close a cycle
//! cleared with a note.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::keys::{Found, find_hit};
use super::state::{ObjectState, SelfRef};
use crate::error::Result;
use crate::staging::StageTx;

/// Sets each self-reference to its parent's external id, or clears it with a note. Returns
/// cleared links per dataset.
pub(super) fn link_parents(
    tx: &StageTx<'_>,
    object: &str,
    state: &mut ObjectState,
) -> Result<BTreeMap<String, i64>> {
    // Records are (dataset, external id): datasets with their own key namespaces may share ids.
    type Rec = (String, String);
    let mut parent_of: HashMap<Rec, Rec> = HashMap::new();
    let mut cleared: BTreeMap<String, i64> = BTreeMap::new();
    let mut notes: HashMap<Rec, String> = HashMap::new();
    let refs = std::mem::take(&mut state.self_refs);
    for SelfRef {
        external_id: ext,
        dataset,
        parent_key,
        lookup,
        ..
    } in &refs
    {
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
    for SelfRef {
        external_id: ext,
        dataset,
        field,
        ..
    } in &refs
    {
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
