//! References between datasets: found from the values (a column whose values mostly appear
//! in another dataset's key, names helping) or declared in crmkit.yaml; orphans counted.

use std::collections::HashSet;

use hashbrown::HashTable;

use super::column::round4;
use super::dataset::{Scanned, singular};
use super::model::Reference;
use super::types::SemanticType;
use super::values::{self, KeySet, Members};
use super::vocab;

/// Orphan examples kept per reference.
const EXAMPLES: usize = 5;
/// Share of distinct source values that must match for a detected reference.
const MIN_MATCH: f64 = 0.5;
/// Share needed for an owner column, whose name relates to the target only by meaning.
const MIN_MATCH_UNNAMED: f64 = 0.8;
/// Share needed when only id-like values relate the columns.
const MIN_MATCH_VALUES: f64 = 0.9;
/// Share of matching values that makes a named link highly certain.
const HIGH_MATCH: f64 = 0.9;
/// Share of a name column's values that must be distinct for links by name to point at it
/// when some names repeat (two companies called `Acme Corp`): most names still find their one
/// record, and the shared ones cost the link, not the child.
const NEARLY_UNIQUE: f64 = 0.9;

/// A column of a dataset, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnRef {
    pub dataset: usize,
    pub column: usize,
}

/// A reference to check: from a column to a key column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub from: ColumnRef,
    pub to: ColumnRef,
    pub declared: bool,
    /// How sure the link is: `declared`, `high`, `medium` or `low`.
    pub confidence: &'static str,
    /// Why it was inferred, in words.
    pub basis: &'static str,
}

/// Why a detected link holds, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Relation {
    /// Id-like values in both columns and nothing in the names: the weakest evidence.
    Values,
    /// An owner-like column (`account_owner`, `sales_rep`) into a users-like dataset.
    Owner,
    /// The column's name points at the target's name column (`contacts.account_name` ->
    /// `accounts.name`): a link by name, as exports write them, but names are not keys.
    NamedByName,
    /// The column's name points at the target key (`contacts.account_id` -> `accounts.id`).
    Named,
}

/// True for a column name that says it holds keys (`account_id`, `sku`, `code`), or that is
/// the dataset's own singular (`products.product`).
fn key_like_name(dataset: &str, column: &str) -> bool {
    const KEY_WORDS: [&str; 9] = [
        "id", "key", "code", "no", "number", "ref", "uuid", "guid", "sku",
    ];
    let last = column.rsplit('_').next().unwrap_or(column);
    KEY_WORDS.contains(&last) || column.ends_with("id") || column == singular(dataset)
}

/// The relation that makes `col` of dataset `from` a reference to `tcol` of `target`, if any.
/// Same-named columns in two datasets are copies (a member's address copied from the
/// account), not links, unless the shared name is a key's.
fn relation(
    from: &str,
    col: &super::model::ColumnProfile,
    target: &str,
    tcol: &super::model::ColumnProfile,
) -> Option<Relation> {
    let vocab = vocab::columns();
    let target_key = tcol.kind == SemanticType::Identifier || key_like_name(target, &tcol.name);
    let one = singular(target);
    let mentions_target = col.name.split('_').any(|w| w == one);
    if names_agree(&col.name, target, &tcol.name) && (target_key || mentions_target) {
        return Some(if target_key {
            Relation::Named
        } else {
            Relation::NamedByName
        });
    }
    // `Associated Company` -> companies.`Company name`: the column names the target dataset,
    // and the target column is that dataset's name, so the link is by name.
    if mentions_target && is_name_of(&one, &tcol.name) {
        return Some(Relation::NamedByName);
    }
    if vocab.owner.matches(&col.name)
        && vocab.owner_datasets.contains(&one)
        && !key_like_name(from, &col.name)
    {
        return Some(Relation::Owner);
    }
    // Repeated keys read as a category (`parentcustomerid`, a GUID per account): a name that
    // says key makes them ids again.
    let id_like = col.kind == SemanticType::Identifier
        || (col.kind == SemanticType::Category && key_like_name(from, &col.name));
    (id_like && tcol.kind == SemanticType::Identifier).then_some(Relation::Values)
}

/// What one record of a dataset is (`account`): its name's singular when the vocabulary
/// knows it, else the last known word of its name (`hubspot_crm_exports_all_companies_2024`
/// holds companies), else the `X` of a unique `X_name` column (a report export named by a
/// number with a unique `account_name`), else the singular of its name.
pub fn entity(d: &Scanned) -> String {
    let known = &vocab::columns().entities;
    let own = singular(&d.name);
    if known.contains(&own) {
        return own;
    }
    if let Some(word) = d.name.rsplit('_').map(singular).find(|w| known.contains(w)) {
        return word;
    }
    let named = (0..d.columns.len()).find_map(|ci| {
        let x = d.columns[ci].name.strip_suffix("_name")?;
        (d.key_candidates[ci] && known.iter().any(|k| k == x)).then(|| x.to_string())
    });
    named.unwrap_or(own)
}

/// True when `column` is the name of a `one` record: `name`, `company_name`, `name_of_company`.
fn is_name_of(one: &str, column: &str) -> bool {
    column == "name"
        || column == format!("{one}_name")
        || (column.split('_').any(|w| w == "name") && column.split('_').any(|w| w == one))
}

/// The distinct filled values of a column with their record counts, in first-seen order
/// where the rows are at hand.
pub struct SourceValues<'a> {
    pub entries: Vec<(u64, u64, &'a str)>,
    pub records: u64,
}

/// The filled values of column `c` of `d`: row by row if retained, else from the exact value
/// counts; None when neither is available (a huge column kept only as an estimate).
pub fn source_values(d: &Scanned, c: usize) -> Option<SourceValues<'_>> {
    if let Some(arena) = &d.retained[c] {
        let mut index: HashTable<usize> = HashTable::new();
        let mut entries: Vec<(u64, u64, &str)> = Vec::new();
        let mut records = 0;
        for v in arena.iter() {
            // Placeholders are values here: `N/A` matches no key, so it is an orphan.
            let v = v.trim();
            if v.is_empty() || crate::values::placeholder::is_null_marker(v) {
                continue;
            }
            records += 1;
            // A list of keys (`1001;1002`, HubSpot's association columns) refers to each.
            for v in key_list(v) {
                let h = values::hash(v);
                match index.find(h, |&i| entries[i].0 == h && entries[i].2 == v) {
                    Some(&i) => entries[i].1 += 1,
                    None => {
                        index.insert_unique(h, entries.len(), |&i| entries[i].0);
                        entries.push((h, 1, v));
                    }
                }
            }
        }
        return Some(SourceValues { entries, records });
    }
    match d.stats[c].values().members()? {
        Members::Texts(iter) => {
            let mut records = 0;
            let mut entries: Vec<(u64, u64, &str)> = iter
                .filter(|(_, text, _)| {
                    let t = text.trim();
                    !t.is_empty() && !crate::values::placeholder::is_null_marker(t)
                })
                .flat_map(|(h, text, count)| {
                    records += count;
                    let t = text.trim();
                    let items = key_list(t);
                    let whole = items.len() == 1 && t.len() == text.len();
                    items
                        .into_iter()
                        .map(move |i| (if whole { h } else { values::hash(i) }, count, i))
                })
                .collect();
            entries.sort_by(|a, b| a.2.cmp(b.2));
            // Items listed in several cells (`1001;1002` and `1001`) are one value.
            entries.dedup_by(|b, a| {
                let same = a.2 == b.2;
                if same {
                    a.1 += b.1;
                }
                same
            });
            Some(SourceValues { entries, records })
        }
        Members::Hashes(_) => None,
    }
}

/// The keys of a cell: the items of a `;`-separated list without spaces (`1001;1002`), else
/// the cell itself.
fn key_list(v: &str) -> Vec<&str> {
    if v.contains(';') && !v.contains(char::is_whitespace) {
        v.split(';').filter(|i| !i.is_empty()).collect()
    } else {
        vec![v]
    }
}

/// True when the source column's name points at the target (`contacts.account_id` ->
/// `accounts.account_id`, `product` -> `products.product`, `billing_account_id` -> ...).
pub fn names_agree(source: &str, target_dataset: &str, target: &str) -> bool {
    let one = singular(target_dataset);
    source == target
        || source == one
        || source == format!("{one}_{target}")
        || (target == "id" && (source == format!("{one}_id") || source == format!("{one}id")))
        || (target.contains('_') && source.ends_with(&format!("_{target}")))
        || (source.split('_').any(|w| w == one)
            && (source.ends_with("_id") || source.ends_with("_ids"))
            && target.ends_with("id"))
}

fn is_plausible_target(kind: SemanticType) -> bool {
    !matches!(
        kind,
        SemanticType::Integer
            | SemanticType::Decimal
            | SemanticType::Currency
            | SemanticType::Percent
            | SemanticType::Boolean
            | SemanticType::Date
            | SemanticType::Datetime
            | SemanticType::Empty
    )
}

/// Share of the source's distinct values found in `keys`, checked on a sample first.
pub fn match_rate(src: &SourceValues<'_>, keys: &KeySet) -> f64 {
    if src.entries.is_empty() {
        return 0.0;
    }
    let sample = src.entries.len().min(256);
    let hits = src.entries[..sample]
        .iter()
        .filter(|e| keys.contains(e.0))
        .count();
    if (hits as f64 / sample as f64) < 0.2 {
        return hits as f64 / sample as f64;
    }
    let all = src.entries.iter().filter(|e| keys.contains(e.0)).count();
    all as f64 / src.entries.len() as f64
}

/// Proposes references between datasets from the values. `skip` lists sources already
/// covered (declared references, hierarchy parents).
pub fn detect(datasets: &[Scanned], skip: &[ColumnRef]) -> Vec<Link> {
    let mut links = Vec::new();
    let targets: Vec<ColumnRef> = datasets
        .iter()
        .enumerate()
        .flat_map(|(di, d)| {
            (0..d.columns.len())
                .filter(|&ci| d.keys[ci].is_some() && (d.key_candidates[ci] || shared_names(d, ci)))
                .map(move |ci| ColumnRef {
                    dataset: di,
                    column: ci,
                })
        })
        .collect();
    for (di, d) in datasets.iter().enumerate() {
        for ci in 0..d.columns.len() {
            let from = ColumnRef {
                dataset: di,
                column: ci,
            };
            let col = &d.columns[ci];
            // A dataset's own key (`accounts.account_id`, even with duplicates) points nowhere.
            let first_word = col.name.split('_').next().unwrap_or("");
            let own_key = first_word == entity(d)
                && (d.key_candidates[ci] || col.kind == SemanticType::Identifier);
            if skip.contains(&from)
                || own_key
                || matches!(col.kind, SemanticType::Boolean | SemanticType::Empty)
                || col.kind.is_temporal()
            {
                continue;
            }
            let candidates: Vec<&ColumnRef> = targets.iter().filter(|t| t.dataset != di).collect();
            if candidates.is_empty() {
                continue;
            }
            let Some(src) = source_values(d, ci) else {
                continue;
            };
            if src.entries.len() < 2 {
                continue;
            }
            let mut best: Option<(Relation, f64, ColumnRef)> = None;
            for t in candidates {
                let target = &datasets[t.dataset];
                let tcol = &target.columns[t.column];
                // A unique column refers elsewhere only when its name says where
                // (`opportunities.account_id` with one opportunity per account, or
                // `deals.associated_company` with one deal per company).
                let one = entity(target);
                if d.key_candidates[ci] && !col.name.split('_').any(|w| w == one) {
                    continue;
                }
                let Some(rel) = relation(&d.name, col, &one, tcol) else {
                    continue;
                };
                // Names some records share are a target of links by name only.
                let shared = !target.key_candidates[t.column];
                if shared && rel != Relation::NamedByName {
                    continue;
                }
                let named = matches!(rel, Relation::Named | Relation::NamedByName);
                if !named && (!is_plausible_target(tcol.kind) || col.kind.is_numeric()) {
                    continue;
                }
                let Some(keys) = &target.keys[t.column] else {
                    continue;
                };
                let rate = match_rate(&src, keys);
                let needed = match rel {
                    Relation::Named | Relation::NamedByName => MIN_MATCH,
                    Relation::Owner => MIN_MATCH_UNNAMED,
                    Relation::Values => MIN_MATCH_VALUES,
                };
                if rate < needed {
                    continue;
                }
                if best.is_none_or(|(bn, br, _)| (rel, rate) > (bn, br)) {
                    best = Some((rel, rate, *t));
                }
            }
            if let Some((rel, rate, to)) = best {
                let (confidence, basis) = match rel {
                    Relation::Named if rate >= HIGH_MATCH => (
                        "high",
                        "the column names the target key and its values match",
                    ),
                    Relation::Named => (
                        "medium",
                        "the column names the target key, but many values do not match",
                    ),
                    Relation::NamedByName => (
                        "medium",
                        "a link by name: the values match the target's names, which are not keys",
                    ),
                    Relation::Owner => ("medium", "an owner column whose values match user names"),
                    Relation::Values => (
                        "low",
                        "identifier values match; nothing in the names says so",
                    ),
                };
                links.push(Link {
                    from,
                    to,
                    declared: false,
                    confidence,
                    basis,
                });
            }
        }
    }
    links
}

/// A name column (`Company name`) whose names are nearly all distinct but not all: links by
/// name point at it, as exports write them.
fn shared_names(d: &Scanned, ci: usize) -> bool {
    let c = &d.columns[ci];
    c.filled >= 2
        && c.distinct as f64 >= NEARLY_UNIQUE * c.filled as f64
        && super::is_name_column(&c.name)
}

/// Counts orphans of a reference: filled source values with no match in the target.
pub fn check(datasets: &[Scanned], link: &Link) -> Option<Reference> {
    let d = &datasets[link.from.dataset];
    let t = &datasets[link.to.dataset];
    let keys = t.keys[link.to.column].as_ref()?;
    let src = source_values(d, link.from.column)?;
    // Values several target records hold, when the target is not a key.
    let shared: HashSet<u64> = if t.key_candidates[link.to.column] {
        HashSet::new()
    } else {
        match t.stats[link.to.column].values().members() {
            Some(Members::Texts(iter)) => iter.filter(|e| e.2 > 1).map(|e| e.0).collect(),
            _ => HashSet::new(),
        }
    };
    let (mut ambiguous, mut ambiguous_examples) = (0, Vec::new());
    let mut orphans = 0;
    let mut examples = Vec::new();
    let mut matched_distinct = 0;
    for &(h, count, text) in &src.entries {
        if keys.contains(h) {
            matched_distinct += 1;
            if shared.contains(&h) {
                ambiguous += count;
                if ambiguous_examples.len() < EXAMPLES {
                    ambiguous_examples.push(text.to_string());
                }
            }
        } else {
            orphans += count;
            if examples.len() < EXAMPLES {
                examples.push(text.to_string());
            }
        }
    }
    Some(Reference {
        from: format!("{}.{}", d.name, d.columns[link.from.column].name),
        to: format!("{}.{}", t.name, t.columns[link.to.column].name),
        declared: link.declared,
        confidence: link.confidence,
        basis: link.basis.to_string(),
        records: d.rows,
        blank: d.rows.saturating_sub(src.records),
        match_rate: if src.entries.is_empty() {
            0.0
        } else {
            round4(matched_distinct as f64 / src.entries.len() as f64)
        },
        values: src.records,
        orphans,
        orphan_examples: examples,
        ambiguous,
        ambiguous_examples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_point_at_a_key() {
        let yes = [
            ("account_id", "accounts", "account_id"),
            ("product", "products", "product"),
            ("account_id", "accounts", "id"),
            ("accountid", "accounts", "id"),
            ("billing_account_id", "accounts", "account_id"),
            ("user_email", "users", "email"),
        ];
        for (s, d, t) in yes {
            assert!(names_agree(s, d, t), "{s} -> {d}.{t}");
        }
        let no = [
            ("owner", "users", "full_name"),
            ("contact_id", "accounts", "account_id"),
            ("industry", "products", "product"),
        ];
        for (s, d, t) in no {
            assert!(!names_agree(s, d, t), "{s} -> {d}.{t}");
        }
    }
}
