//! Blocking: only records that share a key are compared, so work grows near-linearly.

use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

/// Candidate pairs from per-record blocking keys.
pub struct Candidates {
    /// Distinct pairs `(a, b)` with `a < b`.
    pub pairs: Vec<(u32, u32)>,
    /// Blocks left out for being larger than the limit (they carry no signal).
    pub skipped_blocks: usize,
}

/// Builds candidate pairs. `keys(i)` gives record `i`'s key strings, each tagged with the
/// index of the blocking rule that made it; blocks over `max_block` records are skipped.
pub fn candidates<F>(n: usize, max_block: usize, keys: F) -> Candidates
where
    F: Fn(usize) -> Vec<(usize, String)> + Sync,
{
    let mut entries: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            keys(i).into_iter().map(move |(rule, key)| {
                let mut h = DefaultHasher::new();
                (rule, key).hash(&mut h);
                (h.finish(), i as u32)
            })
        })
        .collect();
    entries.par_sort_unstable();
    entries.dedup();
    let mut groups: Vec<&[(u64, u32)]> = entries.chunk_by(|x, y| x.0 == y.0).collect();
    let before = groups.len();
    groups.retain(|g| g.len() <= max_block);
    let skipped_blocks = before - groups.len();
    let mut pairs: Vec<(u32, u32)> = groups
        .par_iter()
        .filter(|g| g.len() > 1)
        .flat_map_iter(|g| {
            g.iter().enumerate().flat_map(move |(i, x)| {
                g[i + 1..].iter().map(move |y| (x.1.min(y.1), x.1.max(y.1)))
            })
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    Candidates {
        pairs,
        skipped_blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_keys_make_pairs_once_and_big_blocks_are_skipped() {
        // Records 0,1 share a domain and a phone (one pair, not two); 2,3 share a name prefix;
        // 4..=9 share a key too common to mean anything.
        let keys = |i: usize| -> Vec<(usize, String)> {
            match i {
                0 | 1 => vec![(0, "acme.com".into()), (1, "555".into())],
                2 | 3 => vec![(2, "north".into())],
                _ => vec![(3, "gmail.com".into())],
            }
        };
        let c = candidates(10, 5, keys);
        assert_eq!(c.pairs, vec![(0, 1), (2, 3)]);
        assert_eq!(c.skipped_blocks, 1);
    }

    #[test]
    fn the_same_text_under_different_rules_does_not_match() {
        let keys = |i: usize| vec![(i, "same".to_string())];
        assert!(candidates(2, 10, keys).pairs.is_empty());
    }
}
