//! The shape of the account table decided up front: which rows are duplicates of one company,
//! and the parent links (trees, self-parents, missing parents, cycles).

use rand_chacha::ChaCha8Rng;

use super::pick::{chance, index, weighted};

/// `cluster_of` for a row that has no duplicates.
pub const NO_CLUSTER: u32 = u32::MAX;
/// `parent` for a row without a parent.
pub const NO_PARENT: u32 = u32::MAX;
/// `parent` for a row whose parent id does not exist in the file.
pub const MISSING_PARENT: u32 = u32::MAX - 1;

/// Share of account rows that belong to a duplicate cluster.
const DUPLICATE_SHARE: f64 = 0.08;
/// Share of (ordinary) accounts that hang below a parent.
const CHILD_SHARE: f64 = 0.15;
/// Deepest tree, in levels (root = 1).
pub const MAX_DEPTH: u8 = 4;

/// Row-level decisions for the accounts file (0-based row numbers).
#[derive(Debug)]
pub struct Plan {
    /// Cluster of each row, or [`NO_CLUSTER`].
    pub cluster_of: Vec<u32>,
    /// Rows of each cluster, ascending.
    pub clusters: Vec<Vec<u32>>,
    /// Parent row of each row, the row itself, [`NO_PARENT`] or [`MISSING_PARENT`].
    pub parent: Vec<u32>,
}

/// Fisher-Yates with platform-independent draws.
fn shuffle(items: &mut [u32], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = index(rng, i + 1);
        items.swap(i, j);
    }
}

/// How many rows get a hierarchy problem of rate `rate`: at least one once there are 50 rows.
fn count(n: u32, rate: f64) -> u32 {
    let c = (n as f64 * rate).round() as u32;
    if n >= 50 { c.max(1) } else { c }
}

impl Plan {
    /// Decides clusters and parents for `n` rows.
    pub fn new(n: u32, rng: &mut ChaCha8Rng) -> Plan {
        let mut order: Vec<u32> = (0..n).collect();
        shuffle(&mut order, rng);

        let target = (n as f64 * DUPLICATE_SHARE).round() as u32;
        let mut sizes = Vec::new();
        let mut used = 0u32;
        while used + 2 <= target {
            let size = (weighted(rng, &[65, 25, 10]) as u32 + 2).min(target - used);
            if size < 2 {
                break;
            }
            sizes.push(size);
            used += size;
        }
        let mut cluster_of = vec![NO_CLUSTER; n as usize];
        let mut clusters = Vec::with_capacity(sizes.len());
        let mut at = 0usize;
        for (c, size) in sizes.iter().enumerate() {
            let mut rows: Vec<u32> = order[at..at + *size as usize].to_vec();
            rows.sort_unstable();
            for &r in &rows {
                cluster_of[r as usize] = c as u32;
            }
            clusters.push(rows);
            at += *size as usize;
        }

        let mut parent = vec![NO_PARENT; n as usize];
        let specials_start = at;
        for _ in 0..count(n, 0.006) {
            if at < order.len() {
                let r = order[at];
                parent[r as usize] = r;
                at += 1;
            }
        }
        for _ in 0..count(n, 0.01) {
            if at < order.len() {
                parent[order[at] as usize] = MISSING_PARENT;
                at += 1;
            }
        }
        for (len, rate) in [(2usize, 0.002), (3, 0.0015)] {
            for _ in 0..count(n, rate) {
                if at + len <= order.len() {
                    let ring = &order[at..at + len];
                    for i in 0..len {
                        parent[ring[i] as usize] = ring[(i + 1) % len];
                    }
                    at += len;
                }
            }
        }
        // Everyone else forms trees. Parents are drawn only from rows visited earlier, so
        // no cycle can form; depth is tracked so no chain is longer than MAX_DEPTH.
        let mut pool: Vec<(u32, u8)> = Vec::new();
        let ordinary = order[..specials_start].iter().chain(&order[at..]);
        for &row in ordinary {
            if !pool.is_empty() && chance(rng, CHILD_SHARE) {
                let (p, depth) = pool[index(rng, pool.len())];
                parent[row as usize] = p;
                if depth + 1 < MAX_DEPTH {
                    pool.push((row, depth + 1));
                }
            } else if chance(rng, 0.12) {
                pool.push((row, 1));
            }
        }
        Plan {
            cluster_of,
            clusters,
            parent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn clusters_are_disjoint_sized_two_to_four_and_about_eight_percent() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let plan = Plan::new(10_000, &mut rng);
        let rows: usize = plan.clusters.iter().map(Vec::len).sum();
        assert!((700..=900).contains(&rows), "{rows}");
        for (c, members) in plan.clusters.iter().enumerate() {
            assert!((2..=4).contains(&members.len()));
            for &r in members {
                assert_eq!(plan.cluster_of[r as usize], c as u32);
            }
        }
    }

    #[test]
    fn trees_are_acyclic_and_at_most_four_deep() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let plan = Plan::new(5_000, &mut rng);
        let in_ring = |r: u32| {
            let mut x = r;
            for _ in 0..4 {
                x = plan.parent[x as usize];
                if x >= MISSING_PARENT {
                    return false;
                }
                if x == r {
                    return true;
                }
            }
            false
        };
        for r in 0..5_000u32 {
            if in_ring(r) {
                continue;
            }
            let mut depth = 1;
            let mut x = r;
            while plan.parent[x as usize] < MISSING_PARENT && plan.parent[x as usize] != x {
                x = plan.parent[x as usize];
                depth += 1;
                assert!(
                    depth <= MAX_DEPTH as usize,
                    "row {r} is deeper than {MAX_DEPTH}"
                );
                assert!(!in_ring(x), "row {r} hangs below a cycle");
            }
        }
    }
}
