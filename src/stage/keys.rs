//! Where a source key or a lookup value resolves while stage runs: each object's records by
//! key, and by the value of the parent columns references look up.

use std::collections::HashMap;
use std::rc::Rc;

use crate::mapping::file::Lookup;
use crate::staging::{KeyClash, KeyRef};

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

impl KeyInfo {
    /// This record as the `_stage_keys` row of `key`.
    pub(super) fn row<'a>(&'a self, key: &'a str) -> KeyRef<'a> {
        KeyRef {
            key,
            status: self.status,
            external_id: self.external_id.as_deref(),
            dataset: &self.dataset,
            batch: self.batch,
            row: self.row,
            detail: self.detail.as_deref(),
        }
    }
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

/// One key namespace's records by source key. Every record and every reference looks a key up
/// here: foldhash (randomly seeded per run), not SipHash.
type Namespace = foldhash::HashMap<Box<str>, Slot>;

/// One object's records by source key, per key namespace. A namespace is the external-id
/// field a dataset upserts on: two datasets loaded into one object with their own external-id
/// fields keep separate namespaces, so the same source id in both is two records; datasets
/// sharing one field (or none) share the namespace of that field.
///
/// Held compactly (a referenced object's keys stay in memory for the whole run: a million
/// accounts must not cost a gigabyte): a staged record's external id is its key, so only the
/// records that are not staged as themselves carry their external id and detail.
#[derive(Default)]
pub(super) struct ObjectKeys {
    spaces: Vec<(Rc<str>, Namespace)>,
    /// Datasets by the index a slot names.
    datasets: Vec<Rc<str>>,
}

/// Where one key resolves, packed.
struct Slot {
    batch: i64,
    row: i64,
    dataset: u32,
    status: Status,
    /// External id and detail, unless the record is staged under its own key.
    extra: Option<Box<(Option<String>, Option<String>)>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Staged,
    Merged,
    Rejected,
    Excluded,
}

impl Status {
    fn of(status: &str) -> Status {
        match status {
            "staged" => Status::Staged,
            "merged" => Status::Merged,
            "rejected" => Status::Rejected,
            _ => Status::Excluded,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Status::Staged => "staged",
            Status::Merged => "merged",
            Status::Rejected => "rejected",
            Status::Excluded => "excluded",
        }
    }
}

/// What a plain reference (no lookup column) finds among a parent object's namespaces.
pub(super) enum Found<'a> {
    None,
    One(KeyInfo),
    /// The key is in several namespaces: the datasets holding it.
    Ambiguous(Vec<&'a str>),
}

impl ObjectKeys {
    fn space_index(&mut self, namespace: &str) -> usize {
        match self.spaces.iter().position(|(n, _)| &**n == namespace) {
            Some(i) => i,
            None => {
                self.spaces
                    .push((Rc::from(namespace), Namespace::default()));
                self.spaces.len() - 1
            }
        }
    }

    fn pack(&mut self, key: &str, info: KeyInfo) -> Slot {
        let dataset = match self.datasets.iter().position(|d| *d == info.dataset) {
            Some(i) => i,
            None => {
                self.datasets.push(info.dataset.clone());
                self.datasets.len() - 1
            }
        } as u32;
        let status = Status::of(info.status);
        let as_itself = status == Status::Staged
            && info.detail.is_none()
            && info.external_id.as_deref() == Some(key);
        Slot {
            batch: info.batch,
            row: info.row,
            dataset,
            status,
            extra: (!as_itself).then(|| Box::new((info.external_id, info.detail))),
        }
    }

    fn unpack(&self, key: &str, slot: &Slot) -> KeyInfo {
        let (external_id, detail) = match &slot.extra {
            Some(extra) => (extra.0.clone(), extra.1.clone()),
            None => (Some(key.to_string()), None),
        };
        KeyInfo {
            status: slot.status.name(),
            external_id,
            dataset: self.datasets[slot.dataset as usize].clone(),
            batch: slot.batch,
            row: slot.row,
            detail,
        }
    }

    /// Room for `n` more keys in a namespace, so a large object's index is sized once.
    pub(super) fn reserve(&mut self, namespace: &str, n: usize) {
        let i = self.space_index(namespace);
        self.spaces[i].1.reserve(n);
    }

    /// Notes a key in a namespace, replacing what it held.
    pub(super) fn insert(&mut self, namespace: &str, key: String, info: KeyInfo) {
        let slot = self.pack(&key, info);
        let i = self.space_index(namespace);
        self.spaces[i].1.insert(key.into_boxed_str(), slot);
    }

    /// Notes a key in a namespace unless it holds it already: true when noted (the first
    /// record with a key keeps it).
    pub(super) fn insert_first(&mut self, namespace: &str, key: String, info: KeyInfo) -> bool {
        let i = self.space_index(namespace);
        if self.spaces[i].1.contains_key(key.as_str()) {
            return false;
        }
        let slot = self.pack(&key, info);
        self.spaces[i].1.insert(key.into_boxed_str(), slot);
        true
    }

    /// A key in one namespace.
    pub(super) fn get_in(&self, namespace: &str, key: &str) -> Option<KeyInfo> {
        self.spaces
            .iter()
            .find(|(n, _)| &**n == namespace)
            .and_then(|(_, m)| m.get(key))
            .map(|slot| self.unpack(key, slot))
    }

    /// The dataset of the record holding a key in one namespace.
    pub(super) fn dataset_in(&self, namespace: &str, key: &str) -> Option<&str> {
        self.spaces
            .iter()
            .find(|(n, _)| &**n == namespace)
            .and_then(|(_, m)| m.get(key))
            .map(|slot| &*self.datasets[slot.dataset as usize])
    }

    /// A key in whichever namespace holds it; ambiguous when several do.
    pub(super) fn find(&self, key: &str) -> Found<'_> {
        let mut hits = self.spaces.iter().filter_map(|(_, m)| m.get(key));
        match (hits.next(), hits.next()) {
            (None, _) => Found::None,
            (Some(one), None) => Found::One(self.unpack(key, one)),
            (Some(a), Some(b)) => {
                let name = |s: &Slot| &*self.datasets[s.dataset as usize];
                let mut datasets = vec![name(a), name(b)];
                datasets.extend(hits.map(name));
                Found::Ambiguous(datasets)
            }
        }
    }

    /// Every (key, record), ordered by dataset and key.
    pub(super) fn sorted(&self) -> impl Iterator<Item = (&str, KeyInfo)> {
        let mut all: Vec<(&str, &Slot)> = self
            .spaces
            .iter()
            .flat_map(|(_, m)| m.iter().map(|(k, s)| (&**k, s)))
            .collect();
        all.sort_unstable_by(|a, b| {
            (&*self.datasets[a.1.dataset as usize], a.0)
                .cmp(&(&*self.datasets[b.1.dataset as usize], b.0))
        });
        all.into_iter().map(|(k, s)| (k, self.unpack(k, s)))
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

/// The id stage gives a record that has no key: unique within its dataset by construction,
/// naming the batch when the dataset has several.
pub(super) fn generated_id(dataset: &str, several_batches: bool, batch: i64, row: i64) -> String {
    if several_batches {
        format!("{dataset}-{batch}-{row}")
    } else {
        format!("{dataset}-{row}")
    }
}

/// Why stage stops when records of one dataset would load under one id: which rows, and,
/// when one of them got a generated id that another holds as its key, which one to fix.
/// `key_column` is the source column the dataset's key comes from.
pub(super) fn clash_message(object: &str, clash: &KeyClash, key_column: Option<&str>) -> String {
    let KeyClash {
        external_id: id,
        dataset,
        rows,
    } = clash;
    let generated = rows.iter().position(|&(batch, row)| {
        [false, true]
            .iter()
            .any(|&several| generated_id(dataset, several, batch, row) == *id)
    });
    let row_list = |rows: &[(i64, i64)]| {
        rows.iter()
            .map(|(_, r)| r.to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let all = row_list(rows);
    let each = if rows.len() == 2 { "both" } else { "all" };
    let head = format!(
        "rows {all} of dataset `{dataset}` would {each} load as {object} `{id}`, and the target keeps one record per id"
    );
    let column = key_column.map_or("a key".to_string(), |c| format!("`{c}`"));
    match generated {
        Some(g) => {
            let gen_row = rows[g].1;
            let mut others = rows.clone();
            others.remove(g);
            let others = row_list(&others);
            format!(
                "{head}: row {gen_row} has no {column}, so stage gave it the id `{id}`, which row {others} has as its key. Give row {gen_row} a key in {column} (or change row {others}'s) and ingest again"
            )
        }
        None => format!("{head}. Give each row its own key in {column} and ingest again"),
    }
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
        let Some(value) = vals[*column]
            .as_deref()
            .filter(|v| !crate::text::is_blank(v))
        else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        status: &'static str,
        ext: Option<&str>,
        dataset: &str,
        detail: Option<&str>,
    ) -> KeyInfo {
        KeyInfo {
            status,
            external_id: ext.map(String::from),
            dataset: Rc::from(dataset),
            batch: 2,
            row: 7,
            detail: detail.map(String::from),
        }
    }

    fn same(a: &KeyInfo, b: &KeyInfo) -> bool {
        (
            a.status,
            &a.external_id,
            &*a.dataset,
            a.batch,
            a.row,
            &a.detail,
        ) == (
            b.status,
            &b.external_id,
            &*b.dataset,
            b.batch,
            b.row,
            &b.detail,
        )
    }

    #[test]
    fn packed_keys_read_back_as_noted() {
        let mut keys = ObjectKeys::default();
        let noted = [
            ("A-1", info("staged", Some("A-1"), "crm", None)),
            ("A-2", info("staged", Some("accounts-2"), "crm", None)),
            (
                "A-3",
                info("merged", Some("A-1"), "billing", Some("merged into A-1")),
            ),
            ("A-4", info("rejected", None, "crm", Some("bad_type: x"))),
            (
                "A-5",
                info("excluded", None, "billing", Some("former_customers")),
            ),
        ];
        for (k, i) in &noted {
            assert!(keys.insert_first("Id__c", k.to_string(), i.clone()));
        }
        assert!(!keys.insert_first("Id__c", "A-1".into(), info("rejected", None, "crm", None)));
        for (k, i) in &noted {
            let got = keys.get_in("Id__c", k).unwrap();
            assert!(same(&got, i), "{k}: {got:?} vs {i:?}");
        }
        assert_eq!(keys.dataset_in("Id__c", "A-3"), Some("billing"));
        assert!(keys.get_in("Other__c", "A-1").is_none());
        let order: Vec<&str> = keys.sorted().map(|(k, _)| k).collect();
        assert_eq!(order, ["A-3", "A-5", "A-1", "A-2", "A-4"]);
    }

    #[test]
    fn a_clash_names_the_rows_the_id_and_the_row_to_fix() {
        let clash = |rows: Vec<(i64, i64)>| KeyClash {
            external_id: "accounts-3".into(),
            dataset: "accounts".into(),
            rows,
        };
        assert_eq!(
            clash_message("account", &clash(vec![(1, 1), (1, 3)]), Some("Account ID")),
            "rows 1 and 3 of dataset `accounts` would both load as account `accounts-3`, and the target keeps one record per id: row 3 has no `Account ID`, so stage gave it the id `accounts-3`, which row 1 has as its key. Give row 3 a key in `Account ID` (or change row 1's) and ingest again"
        );
        // A dataset of several batches names the batch in its generated ids.
        let several = KeyClash {
            external_id: "accounts-2-7".into(),
            ..clash(vec![(1, 4), (2, 7)])
        };
        assert!(clash_message("account", &several, None).contains("row 7 has no a key"));
        assert_eq!(
            clash_message("account", &clash(vec![(1, 4), (1, 9), (1, 12)]), Some("Id")),
            "rows 4 and 9 and 12 of dataset `accounts` would all load as account `accounts-3`, and the target keeps one record per id. Give each row its own key in `Id` and ingest again"
        );
    }

    #[test]
    fn a_key_in_two_namespaces_is_ambiguous() {
        let mut keys = ObjectKeys::default();
        keys.insert(
            "Crm__c",
            "1001".into(),
            info("staged", Some("1001"), "crm", None),
        );
        keys.insert(
            "Bill__c",
            "1001".into(),
            info("staged", Some("1001"), "billing", None),
        );
        keys.insert(
            "Crm__c",
            "1002".into(),
            info("staged", Some("1002"), "crm", None),
        );
        assert!(matches!(keys.find("1001"), Found::Ambiguous(d) if d == ["crm", "billing"]));
        assert!(matches!(keys.find("1002"), Found::One(k) if &*k.dataset == "crm"));
        assert!(matches!(keys.find("9"), Found::None));
        assert_eq!(
            ambiguous_key("1001", "account", &["crm", "billing"]),
            "`1001` is a account key in datasets crm and billing: name the one meant with `lookup: {dataset: DATASET, column: COLUMN}`"
        );
    }
}
