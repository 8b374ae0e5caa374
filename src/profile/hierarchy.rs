//! Parent-child hierarchies inside one dataset (accounts and their parent accounts): missing
//! and self parents, cycles, depth, ultimate parents.

use hashbrown::HashTable;

use super::model::{DepthCount, Hierarchy};
use super::scan::Arena;
use super::values;

/// Examples kept per problem.
const EXAMPLES: usize = 5;
const NONE: u32 = u32::MAX;
/// Depth markers for records whose chain never reaches a top.
const ON_CYCLE: u32 = u32::MAX;
const ABOVE_CYCLE: u32 = u32::MAX - 1;
const UNSET: u32 = u32::MAX - 2;

/// Which columns form the hierarchy.
pub struct HierarchyColumns<'a> {
    pub dataset: &'a str,
    pub id: &'a str,
    pub parent: &'a str,
    pub declared: bool,
}

/// Walks every record's parent chain once.
pub fn analyze(cols: &HierarchyColumns<'_>, ids: &Arena, parents: &Arena) -> Hierarchy {
    let n = ids.len();
    // id -> first row holding it.
    let mut index: HashTable<(u64, u32)> = HashTable::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        let h = values::hash(id);
        if index
            .find(h, |&(hh, row)| {
                hh == h && ids.get(row as usize).trim() == id
            })
            .is_none()
        {
            index.insert_unique(h, (h, i as u32), |e| e.0);
        }
    }
    let mut out = Hierarchy {
        dataset: cols.dataset.to_string(),
        id: cols.id.to_string(),
        parent: cols.parent.to_string(),
        declared: cols.declared,
        by_name: false,
        records: n as u64,
        with_parent: 0,
        missing_parents: 0,
        missing_parent_examples: Vec::new(),
        self_parents: 0,
        self_parent_examples: Vec::new(),
        in_cycles: 0,
        cycles: Vec::new(),
        above_cycles: 0,
        depths: Vec::new(),
        max_depth: 0,
        ultimate_parents: 0,
    };
    let mut parent_of = vec![NONE; n];
    let mut has_children = vec![false; n];
    let mut blank_parent = vec![false; n];
    for i in 0..n {
        // As for references, a placeholder parent is a parent that does not exist.
        let p = parents.get(i).trim();
        if p.is_empty() || crate::values::placeholder::is_null_marker(p) {
            blank_parent[i] = true;
            continue;
        }
        out.with_parent += 1;
        let id = ids.get(i).trim();
        if p == id {
            out.self_parents += 1;
            if out.self_parent_examples.len() < EXAMPLES {
                out.self_parent_examples.push(crate::text::example(id));
            }
            continue;
        }
        let h = values::hash(p);
        match index.find(h, |&(hh, row)| hh == h && ids.get(row as usize).trim() == p) {
            Some(&(_, row)) => {
                parent_of[i] = row;
                has_children[row as usize] = true;
            }
            None => {
                out.missing_parents += 1;
                if out.missing_parent_examples.len() < EXAMPLES {
                    out.missing_parent_examples
                        .push(crate::text::example(&format!("{id} (parent {p})")));
                }
            }
        }
    }
    let depth = depths(&parent_of, &mut out.cycles, ids);
    let mut counts: Vec<u64> = Vec::new();
    for (i, &d) in depth.iter().enumerate() {
        match d {
            ON_CYCLE => out.in_cycles += 1,
            ABOVE_CYCLE => out.above_cycles += 1,
            d => {
                let d = d as usize;
                if counts.len() <= d {
                    counts.resize(d + 1, 0);
                }
                counts[d] += 1;
                if d == 0 && blank_parent[i] && has_children[i] {
                    out.ultimate_parents += 1;
                }
            }
        }
    }
    out.max_depth = counts.len().saturating_sub(1) as u64;
    out.depths = counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .map(|(d, count)| DepthCount {
            depth: d as u64,
            count,
        })
        .collect();
    out
}

/// Depth of every record (0 at the top of its tree), or a cycle marker. Cycles found are
/// added to `cycles` (up to [`EXAMPLES`]) as the ids along them.
fn depths(parent_of: &[u32], cycles: &mut Vec<Vec<String>>, ids: &Arena) -> Vec<u32> {
    let n = parent_of.len();
    let mut depth = vec![UNSET; n];
    // Position of a record on the current walk, to recognise a cycle when the walk returns.
    let mut on_path = vec![NONE; n];
    let mut path: Vec<u32> = Vec::new();
    for start in 0..n {
        if depth[start] != UNSET {
            continue;
        }
        path.clear();
        let mut node = start as u32;
        // Walk up until a known depth, a top, or the walk itself.
        let base = loop {
            if depth[node as usize] != UNSET {
                break depth[node as usize];
            }
            if on_path[node as usize] != NONE {
                // A cycle: everything from `node`'s position on is on it.
                let from = on_path[node as usize] as usize;
                if cycles.len() < EXAMPLES {
                    cycles.push(
                        path[from..]
                            .iter()
                            .map(|&r| ids.get(r as usize).to_string())
                            .collect(),
                    );
                }
                for &r in &path[from..] {
                    depth[r as usize] = ON_CYCLE;
                }
                path.truncate(from);
                break ON_CYCLE;
            }
            on_path[node as usize] = path.len() as u32;
            path.push(node);
            let parent = parent_of[node as usize];
            if parent == NONE {
                // `node` is a top: it gets depth 0 as the walk unwinds.
                path.pop();
                on_path[node as usize] = NONE;
                depth[node as usize] = 0;
                break 0;
            }
            node = parent;
        };
        // Unwind: each record is one deeper than its parent, or above a cycle.
        let mut d = base;
        for &r in path.iter().rev() {
            d = match d {
                ON_CYCLE | ABOVE_CYCLE => ABOVE_CYCLE,
                d => d + 1,
            };
            depth[r as usize] = d;
            on_path[r as usize] = NONE;
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arena(values: &[&str]) -> Arena {
        let mut a = Arena::default();
        for v in values {
            a.push_value(v);
        }
        a
    }

    #[test]
    fn finds_every_kind_of_problem() {
        let ids = [
            "A1", "A2", "A3", "A4", "S", "M", "C1", "C2", "T1", "T2", "T3", "U", "R2",
        ];
        let parents = [
            "", "A1", "A2", "A3", "S", "X-404", "C2", "C1", "T2", "T3", "T1", "T1", "",
        ];
        let h = analyze(
            &HierarchyColumns {
                dataset: "accounts",
                id: "account_id",
                parent: "parent_account_id",
                declared: false,
            },
            &arena(&ids),
            &arena(&parents),
        );
        assert_eq!(h.records, 13);
        assert_eq!(h.with_parent, 11);
        assert_eq!(h.self_parents, 1);
        assert_eq!(h.self_parent_examples, vec!["S"]);
        assert_eq!(h.missing_parents, 1);
        assert_eq!(h.missing_parent_examples, vec!["M (parent X-404)"]);
        assert_eq!(h.in_cycles, 5);
        assert_eq!(h.above_cycles, 1);
        assert_eq!(h.cycles.len(), 2);
        assert!(
            h.cycles
                .iter()
                .any(|c| c.len() == 3 && c.contains(&"T2".to_string()))
        );
        // Tops: A1, S, M, R2 (depth 0); A2 1; A3 2; A4 3.
        assert_eq!(
            h.depths,
            vec![
                DepthCount { depth: 0, count: 4 },
                DepthCount { depth: 1, count: 1 },
                DepthCount { depth: 2, count: 1 },
                DepthCount { depth: 3, count: 1 },
            ]
        );
        assert_eq!(h.max_depth, 3);
        assert_eq!(h.ultimate_parents, 1);
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let n = 200_000;
        let ids: Vec<String> = (0..n).map(|i| format!("N{i}")).collect();
        let parents: Vec<String> = (0..n)
            .map(|i| {
                if i == 0 {
                    String::new()
                } else {
                    format!("N{}", i - 1)
                }
            })
            .collect();
        let ids_ref: Vec<&str> = ids.iter().map(String::as_str).collect();
        let parents_ref: Vec<&str> = parents.iter().map(String::as_str).collect();
        let h = analyze(
            &HierarchyColumns {
                dataset: "d",
                id: "id",
                parent: "p",
                declared: true,
            },
            &arena(&ids_ref),
            &arena(&parents_ref),
        );
        assert_eq!(h.max_depth, n as u64 - 1);
        assert_eq!(h.in_cycles, 0);
    }
}
