//! Distinct values of one column, with memory bounded whatever the column holds.
//!
//! Three stages, each entered when the previous one fills up:
//! 1. every distinct value with its exact count (top values exact), up to [`TEXT_CAP`];
//!    a value longer than [`text::EXAMPLE_CHARS`] is kept as its excerpt and told apart from
//!    others by hash, so a huge cell is never held (or stored) whole;
//! 2. the 64-bit hash of every distinct value (distinct count exact, collisions aside) and
//!    the most frequent values found by Misra-Gries, up to [`DISTINCT_CAP`] distinct values
//!    ([`KEY_CAP`] while every value so far is unique, so keys stay checkable);
//! 3. a HyperLogLog estimate of the distinct count, Misra-Gries for the top values.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::hll::{self, HyperLogLog};
use crate::text::{self, EXAMPLE_CHARS};

/// Distinct values kept with their text and exact count.
pub const TEXT_CAP: usize = 100_000;
/// Distinct hashes kept for an exact distinct count.
pub const DISTINCT_CAP: usize = 1 << 20;
/// Distinct hashes kept while the column is still unique (a candidate key).
pub const KEY_CAP: usize = 1 << 23;
/// Counters of the Misra-Gries summary.
const TOP_CAP: usize = 1024;

/// The hash every part of the profiler uses for values: fixed seed, so runs agree.
pub fn hash(text: &str) -> u64 {
    foldhash::quality::FixedState::with_seed(0x5eed_c7a1).hash_one(text)
}

/// How a distinct count was obtained, as output names it.
pub const EXACT: &str = "exact";

/// One value with its count.
struct Entry {
    hash: u64,
    /// The value, or its excerpt when longer than [`EXAMPLE_CHARS`].
    text: Box<str>,
    count: u64,
}

impl Entry {
    fn new(hash: u64, text: &str) -> Entry {
        Entry {
            hash,
            text: text::excerpt(text, EXAMPLE_CHARS).into(),
            count: 1,
        }
    }

    /// True when this entry counts `text` (whose hash is `hash`).
    fn is(&self, hash: u64, text: &str) -> bool {
        self.hash == hash && *self.text == *text::excerpt(text, EXAMPLE_CHARS)
    }
}

/// Distinct values, counts and the most frequent values of one column.
pub struct ValueCounter {
    stage: Stage,
    /// Every value added so far was new.
    unique: bool,
    added: u64,
}

enum Stage {
    Exact(HashTable<Entry>),
    Hashes {
        set: HashTable<u64>,
        top: MisraGries,
    },
    Sketch {
        hll: Box<HyperLogLog>,
        top: MisraGries,
    },
}

impl Default for ValueCounter {
    fn default() -> Self {
        ValueCounter {
            stage: Stage::Exact(HashTable::new()),
            unique: true,
            added: 0,
        }
    }
}

/// What a reference check can ask of a column's values.
pub enum Members<'a> {
    /// Values with text and exact counts.
    Texts(Box<dyn Iterator<Item = (u64, &'a str, u64)> + 'a>),
    /// Hashes only.
    Hashes(Box<dyn Iterator<Item = u64> + 'a>),
}

impl ValueCounter {
    /// Counts one value; `hash` is [`hash`]`(text)`.
    pub fn add(&mut self, hash: u64, text: &str) {
        self.added += 1;
        match &mut self.stage {
            Stage::Exact(table) => {
                if let Some(e) = table.find_mut(hash, |e| e.is(hash, text)) {
                    e.count += 1;
                    self.unique = false;
                    return;
                }
                table.insert_unique(hash, Entry::new(hash, text), |e| e.hash);
                if table.len() > TEXT_CAP {
                    self.switch_to_hashes();
                }
            }
            Stage::Hashes { set, top } => {
                top.add(hash, text);
                if set.find(hash, |h| *h == hash).is_some() {
                    self.unique = false;
                    return;
                }
                set.insert_unique(hash, hash, |h| *h);
                let cap = if self.unique { KEY_CAP } else { DISTINCT_CAP };
                if set.len() > cap {
                    self.switch_to_sketch();
                }
            }
            Stage::Sketch { hll, top } => {
                top.add(hash, text);
                hll.insert(hash);
            }
        }
    }

    fn switch_to_hashes(&mut self) {
        let Stage::Exact(table) = &mut self.stage else {
            return;
        };
        let table = std::mem::take(table);
        let mut set = HashTable::with_capacity(table.len() * 2);
        let mut entries: Vec<Entry> = Vec::with_capacity(table.len());
        for e in table {
            set.insert_unique(e.hash, e.hash, |h: &u64| *h);
            entries.push(e);
        }
        let top = MisraGries::seeded(entries);
        self.stage = Stage::Hashes { set, top };
    }

    fn switch_to_sketch(&mut self) {
        let Stage::Hashes { set, top } = &mut self.stage else {
            return;
        };
        let mut hll = Box::<HyperLogLog>::default();
        for h in set.iter() {
            hll.insert(*h);
        }
        let top = std::mem::take(top);
        self.stage = Stage::Sketch { hll, top };
    }

    /// Distinct values seen.
    pub fn distinct(&self) -> u64 {
        match &self.stage {
            Stage::Exact(t) => t.len() as u64,
            Stage::Hashes { set, .. } => set.len() as u64,
            Stage::Sketch { hll, .. } => hll.estimate(),
        }
    }

    /// How [`distinct`](Self::distinct) was obtained.
    pub fn method(&self) -> &'static str {
        match &self.stage {
            Stage::Sketch { .. } => hll::METHOD,
            _ => EXACT,
        }
    }

    /// True while the distinct count is exact.
    pub fn is_exact(&self) -> bool {
        !matches!(self.stage, Stage::Sketch { .. })
    }

    /// True when no value has been seen twice (only meaningful while exact).
    pub fn all_unique(&self) -> bool {
        self.unique
    }

    /// The `n` most frequent values with counts, and whether the counts are exact.
    pub fn top(&self, n: usize) -> (Vec<(String, u64)>, bool) {
        let (mut list, exact): (Vec<(String, u64)>, bool) = match &self.stage {
            Stage::Exact(t) => (
                t.iter().map(|e| (e.text.to_string(), e.count)).collect(),
                true,
            ),
            Stage::Hashes { top, .. } | Stage::Sketch { top, .. } => (top.entries(), false),
        };
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(n);
        (list, exact)
    }

    /// The values for reference checks: None once only an estimate is left.
    pub fn members(&self) -> Option<Members<'_>> {
        match &self.stage {
            Stage::Exact(t) => Some(Members::Texts(Box::new(
                t.iter().map(|e| (e.hash, &*e.text, e.count)),
            ))),
            Stage::Hashes { set, .. } => Some(Members::Hashes(Box::new(set.iter().copied()))),
            Stage::Sketch { .. } => None,
        }
    }

    /// A membership set of the value hashes, for use as a reference target.
    pub fn key_set(&self) -> Option<KeySet> {
        let mut set = KeySet::default();
        match &self.stage {
            // Referencing values are compared trimmed (`Alpenblick Hotels AG ` is the record
            // `Alpenblick Hotels AG` names), as stage resolves them.
            Stage::Exact(t) => t.iter().for_each(|e| {
                let trimmed = e.text.trim();
                set.insert(if trimmed.len() == e.text.len() {
                    e.hash
                } else {
                    hash(trimmed)
                });
            }),
            Stage::Hashes { set: s, .. } => s.iter().for_each(|h| {
                set.insert(*h);
            }),
            Stage::Sketch { .. } => return None,
        }
        Some(set)
    }

    /// Frees what only the scan needed: top-value summaries of hash stages stay.
    pub fn shrink(&mut self) {
        if let Stage::Hashes { set, .. } = &mut self.stage {
            *set = HashTable::new();
        }
    }
}

/// A set of value hashes.
#[derive(Default)]
pub struct KeySet {
    table: HashTable<u64>,
}

impl KeySet {
    /// Adds a hash; true when it was new.
    pub fn insert(&mut self, hash: u64) -> bool {
        if self.contains(hash) {
            return false;
        }
        self.table.insert_unique(hash, hash, |h| *h);
        true
    }

    /// True when the hash is in the set.
    pub fn contains(&self, hash: u64) -> bool {
        self.table.find(hash, |h| *h == hash).is_some()
    }

    /// Number of hashes.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// The Misra-Gries frequent-items summary: any value seen more than n/(k+1) times is kept,
/// its count low by at most n/(k+1).
#[derive(Default)]
pub struct MisraGries {
    table: HashTable<Entry>,
}

impl MisraGries {
    /// Starts from exact counts: the most frequent `TOP_CAP` values.
    fn seeded(mut entries: Vec<Entry>) -> Self {
        entries.sort_by_key(|e| std::cmp::Reverse(e.count));
        entries.truncate(TOP_CAP);
        let mut table = HashTable::with_capacity(TOP_CAP + 1);
        for e in entries {
            table.insert_unique(e.hash, e, |e: &Entry| e.hash);
        }
        MisraGries { table }
    }

    fn add(&mut self, hash: u64, text: &str) {
        if let Some(e) = self.table.find_mut(hash, |e| e.is(hash, text)) {
            e.count += 1;
            return;
        }
        if self.table.len() < TOP_CAP {
            self.table
                .insert_unique(hash, Entry::new(hash, text), |e| e.hash);
            return;
        }
        // Full: every counter gives one up; those at zero leave.
        self.table.retain(|e| {
            e.count -= 1;
            e.count > 0
        });
    }

    fn entries(&self) -> Vec<(String, u64)> {
        self.table
            .iter()
            .map(|e| (e.text.to_string(), e.count))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(c: &mut ValueCounter, s: &str) {
        c.add(hash(s), s);
    }

    #[test]
    fn exact_counts_and_top_values() {
        let mut c = ValueCounter::default();
        for s in ["b", "a", "b", "c", "b", "a"] {
            add(&mut c, s);
        }
        assert_eq!(c.distinct(), 3);
        assert!(!c.all_unique());
        let (top, exact) = c.top(2);
        assert!(exact);
        assert_eq!(top, vec![("b".to_string(), 3), ("a".to_string(), 2)]);
        assert_eq!(c.method(), EXACT);
    }

    #[test]
    fn many_values_move_switch_to_hashes_and_stay_exact() {
        let mut c = ValueCounter::default();
        for i in 0..(TEXT_CAP + 500) {
            add(&mut c, &format!("v{i}"));
        }
        for _ in 0..5000 {
            add(&mut c, "hot");
        }
        assert_eq!(c.distinct(), TEXT_CAP as u64 + 501);
        assert!(c.is_exact());
        let (top, exact) = c.top(1);
        assert!(!exact);
        assert_eq!(top[0].0, "hot");
        assert!(c.key_set().unwrap().contains(hash("v17")));
    }

    #[test]
    fn unique_columns_stay_unique_until_a_repeat() {
        let mut c = ValueCounter::default();
        for s in ["x", "y", "z"] {
            add(&mut c, s);
        }
        assert!(c.all_unique());
        add(&mut c, "x");
        assert!(!c.all_unique());
    }

    #[test]
    fn misra_gries_keeps_heavy_hitters() {
        let mut mg = MisraGries::default();
        for i in 0..50_000u64 {
            let s = if i % 10 == 0 {
                "heavy".to_string()
            } else {
                format!("u{i}")
            };
            mg.add(hash(&s), &s);
        }
        let entries = mg.entries();
        let heavy = entries.iter().find(|e| e.0 == "heavy").unwrap();
        // True count 5,000; at most n/(k+1) ~ 49 low.
        assert!(heavy.1 <= 5000 && heavy.1 >= 4950, "{}", heavy.1);
    }
}
