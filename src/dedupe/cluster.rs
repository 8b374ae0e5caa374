//! Clustering linked pairs with union-find, guarded against chains of weak links.
//!
//! Two records join freely; after that, a link below the strong bar may join a record to a
//! cluster (or two clusters) only when the sides are linked by at least half of the pairs
//! between them: a true cluster of ten sources is densely linked, a chain is not.

/// Disjoint sets over record indexes.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// Groups `n` records by links `(a, b, probability)`. Links at or above `strong` always
/// join; weaker ones join two sides of more than one record in all only when at least half
/// of the pairs between the sides are links. Returns clusters of two or more records, each
/// sorted, ordered by their first record.
pub fn clusters(n: usize, links: &[(u32, u32, f64)], strong: f64) -> Vec<Vec<u32>> {
    let mut order: Vec<&(u32, u32, f64)> = links.iter().collect();
    // Strongest first, so weak links are judged against the clusters strong ones built.
    order.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    let mut neighbours: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for &(a, b, _) in links {
        neighbours.entry(a).or_default().push(b);
        neighbours.entry(b).or_default().push(a);
    }
    let mut members: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    let mut uf = UnionFind::new(n);
    for &&(a, b, p) in &order {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        let (sa, sb) = (uf.size[ra as usize] as usize, uf.size[rb as usize] as usize);
        let join = p >= strong || sa + sb <= 2 || {
            // Links between the two sides, counted from the smaller one.
            let (small, other) = if sa <= sb { (ra, rb) } else { (rb, ra) };
            let side: Vec<u32> = members.get(&small).cloned().unwrap_or_else(|| vec![small]);
            let between: usize = side
                .iter()
                .map(|x| {
                    neighbours[x]
                        .iter()
                        .filter(|y| uf.find(**y) == other)
                        .count()
                })
                .sum();
            2 * between >= sa * sb
        };
        if join {
            let ma = members.remove(&ra).unwrap_or_else(|| vec![ra]);
            let mb = members.remove(&rb).unwrap_or_else(|| vec![rb]);
            uf.union(a, b);
            let root = uf.find(a);
            let mut all = ma;
            all.extend(mb);
            members.insert(root, all);
        }
    }
    let mut by_root: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for &(a, b, _) in links {
        for x in [a, b] {
            let root = uf.find(x);
            by_root.entry(root).or_default().push(x);
        }
    }
    let mut out: Vec<Vec<u32>> = by_root
        .into_values()
        .map(|mut members| {
            members.sort_unstable();
            members.dedup();
            members
        })
        .filter(|m| m.len() > 1)
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_links_chain_weak_links_do_not_snowball() {
        // 0-1-2 strongly linked; 3..=8 a chain of weak links.
        let links = [
            (0, 1, 0.99),
            (1, 2, 0.98),
            (3, 4, 0.6),
            (4, 5, 0.6),
            (5, 6, 0.6),
            (6, 7, 0.6),
            (7, 8, 0.6),
        ];
        let c = clusters(9, &links, 0.95);
        assert_eq!(c[0], vec![0, 1, 2]);
        assert!(c.iter().all(|m| m.len() <= 3), "{c:?}");
        let covered: usize = c.iter().map(Vec::len).sum();
        assert!(covered >= 7, "weak pairs still form small clusters: {c:?}");
    }

    #[test]
    fn unlinked_records_are_in_no_cluster() {
        assert!(clusters(3, &[], 0.95).is_empty());
    }

    #[test]
    fn a_densely_linked_large_cluster_forms_from_weak_links() {
        // Ten records from ten sources, every pair linked at 0.8.
        let links: Vec<(u32, u32, f64)> = (0..10)
            .flat_map(|a| (a + 1..10).map(move |b| (a, b, 0.8)))
            .collect();
        assert_eq!(
            clusters(10, &links, 0.99),
            vec![(0..10).collect::<Vec<u32>>()]
        );
    }
}
