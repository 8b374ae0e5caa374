//! Blocking: only records that share a key are compared, so work grows near-linearly.
//!
//! A pair that shares keys under several rules is visited once, under the first rule whose
//! block was small enough to use (the same trick Splink uses), so no global set of pairs is
//! ever held in memory.

use rayon::prelude::*;

/// Blocks whose records are fetched together before their pairs are compared.
const WARM_BLOCKS: usize = 16;

/// What blocking did, besides the visits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Distinct pairs visited.
    pub pairs: usize,
    /// Blocks left out for being larger than the limit (they carry no signal).
    pub skipped_blocks: usize,
}

/// Per record and per blocking rule, the hash of its key; 0 means the rule does not apply.
/// Flat (record-major) to keep a million records' keys in a few dozen megabytes.
pub struct Keys {
    pub rules: usize,
    pub hashes: Vec<u64>,
}

impl Keys {
    /// Keys from per-record lists (None: the rule does not apply); for tests and small inputs.
    pub fn from_rows(rows: Vec<Vec<Option<u64>>>) -> Keys {
        let rules = rows.first().map_or(0, Vec::len);
        let hashes = rows
            .into_iter()
            .flat_map(|r| r.into_iter().map(|h| h.map_or(0, |h| h.max(1))))
            .collect();
        Keys { rules, hashes }
    }

    fn records(&self) -> usize {
        self.hashes.len().checked_div(self.rules).unwrap_or(0)
    }

    fn get(&self, record: u32, rule: usize) -> u64 {
        self.hashes[record as usize * self.rules + rule]
    }
}

/// Visits every distinct pair `(a, b)`, `a < b`, that shares a key in some block of at most
/// `max_block` records, in parallel, with the blocking rule it is visited under; collects
/// what `visit` returns, in visiting order, a run of blocks per vector (not copied into one:
/// the pairs of a large dataset are hundreds of megabytes). `progress` counts candidate pairs (a rate in pairs per second).
/// `warm` is handed the records of a few blocks before their pairs are visited, to fetch
/// them from memory together (a block's records lie anywhere in the file).
pub fn for_each_pair<T, F, W>(
    keys: &Keys,
    max_block: usize,
    progress: &dyn crate::progress::Progress,
    warm: W,
    visit: F,
) -> (Vec<Vec<T>>, Stats)
where
    T: Send,
    F: Fn(u32, u32, usize) -> Option<T> + Sync,
    W: Fn(&[u32]) + Sync,
{
    let rules = keys.rules;
    // (hash, record, rule): 16 bytes; the hash already covers the rule.
    let mut entries: Vec<(u64, u32, u32)> = (0..keys.records())
        .into_par_iter()
        .flat_map_iter(|i| {
            (0..rules).filter_map(move |r| {
                let h = keys.get(i as u32, r);
                (h != 0).then_some((h, i as u32, r as u32))
            })
        })
        .collect();
    entries.par_sort_unstable();
    let groups: Vec<&[(u64, u32, u32)]> = entries.chunk_by(|x, y| x.0 == y.0).collect();
    // usable[i * rules + r]: record i's block under rule r is small enough to have been used.
    let mut usable = vec![false; keys.records() * rules];
    let mut skipped_blocks = 0;
    for g in &groups {
        if g.len() > max_block {
            skipped_blocks += 1;
        } else {
            for &(_, i, r) in *g {
                usable[i as usize * rules + r as usize] = true;
            }
        }
    }
    let seen_earlier = |a: u32, b: u32, rule: u32| {
        (0..rule as usize).any(|r| {
            usable[a as usize * rules + r]
                && usable[b as usize * rules + r]
                && keys.get(a, r) != 0
                && keys.get(a, r) == keys.get(b, r)
        })
    };
    // Pairs of the blocks used, those already seen under an earlier rule included: the bar's
    // length, reached exactly when every block is done.
    let candidates: u64 = groups
        .iter()
        .filter(|g| g.len() > 1 && g.len() <= max_block)
        .map(|g| (g.len() * (g.len() - 1) / 2) as u64)
        .sum();
    progress.start_counting("compare", candidates, "pairs");
    let done = std::sync::atomic::AtomicU64::new(0);
    let used: Vec<&[(u64, u32, u32)]> = groups
        .iter()
        .filter(|g| g.len() > 1 && g.len() <= max_block)
        .copied()
        .collect();
    let (found, counts): (Vec<Vec<T>>, Vec<usize>) = used
        .par_chunks(WARM_BLOCKS)
        .map(|blocks| {
            let records: Vec<u32> = blocks.iter().flat_map(|g| g.iter().map(|e| e.1)).collect();
            warm(&records);
            let mut out = Vec::new();
            let mut visited = 0;
            for g in blocks {
                for (x, &(_, a, rule)) in g.iter().enumerate() {
                    for &(_, b, _) in &g[x + 1..] {
                        let (a, b) = (a.min(b), a.max(b));
                        if seen_earlier(a, b, rule) {
                            continue;
                        }
                        visited += 1;
                        if let Some(t) = visit(a, b, rule as usize) {
                            out.push(t);
                        }
                    }
                }
                let pairs = (g.len() * (g.len() - 1) / 2) as u64;
                let before = done.fetch_add(pairs, std::sync::atomic::Ordering::Relaxed);
                // One update per tick's worth of pairs, not per block: small blocks are many.
                if (before + pairs) / crate::progress::ROWS_PER_TICK
                    != before / crate::progress::ROWS_PER_TICK
                {
                    progress.set(before + pairs);
                }
            }
            (out, visited)
        })
        .unzip();
    let stats = Stats {
        pairs: counts.iter().sum(),
        skipped_blocks,
    };
    (found, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_keys_make_pairs_once_and_big_blocks_are_skipped() {
        // Rules: 0 domain, 1 phone, 2 name prefix, 3 a key too common to mean anything.
        // Records 0,1 share a domain and a phone (one pair, not two); 2,3 share a name prefix;
        // 4..=9 share only the common key.
        let keys = Keys::from_rows(
            (0..10)
                .map(|i| match i {
                    0 | 1 => vec![Some(1), Some(2), None, None],
                    2 | 3 => vec![None, None, Some(3), None],
                    _ => vec![None, None, None, Some(4)],
                })
                .collect(),
        );
        let (pairs, stats) = for_each_pair(
            &keys,
            5,
            &crate::progress::Silent,
            |_| {},
            |a, b, _| Some((a, b)),
        );
        let mut pairs: Vec<(u32, u32)> = pairs.into_iter().flatten().collect();
        pairs.sort();
        assert_eq!(pairs, vec![(0, 1), (2, 3)]);
        assert_eq!(
            stats,
            Stats {
                pairs: 2,
                skipped_blocks: 1
            }
        );
    }

    #[test]
    fn a_pair_from_an_oversized_earlier_block_is_still_visited_later() {
        // Rule 0 puts all 4 records in one block (too big); rule 1 pairs 0 and 1.
        let keys = Keys::from_rows(
            (0..4)
                .map(|i| vec![Some(9), (i < 2).then_some(7)])
                .collect(),
        );
        let (pairs, stats) = for_each_pair(
            &keys,
            3,
            &crate::progress::Silent,
            |_| {},
            |a, b, _| Some((a, b)),
        );
        assert_eq!(pairs.concat(), vec![(0, 1)]);
        assert_eq!(stats.skipped_blocks, 1);
    }
}
