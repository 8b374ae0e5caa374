//! Pairwise precision, recall and F1 of predicted clusters against known ones.

use std::collections::HashSet;

use serde::Serialize;

/// Pairwise quality of a clustering.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Quality {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub true_pairs: usize,
    pub predicted_pairs: usize,
}

fn pairs<T: Ord + Clone + std::hash::Hash>(clusters: &[Vec<T>]) -> HashSet<(T, T)> {
    let mut out = HashSet::new();
    for c in clusters {
        for (i, a) in c.iter().enumerate() {
            for b in &c[i + 1..] {
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                out.insert((x.clone(), y.clone()));
            }
        }
    }
    out
}

/// Compares predicted clusters with the truth, counting every pair of records that share a cluster.
pub fn pairwise<T: Ord + Clone + std::hash::Hash>(
    predicted: &[Vec<T>],
    truth: &[Vec<T>],
) -> Quality {
    let p = pairs(predicted);
    let t = pairs(truth);
    let hit = p.intersection(&t).count() as f64;
    let precision = if p.is_empty() {
        1.0
    } else {
        hit / p.len() as f64
    };
    let recall = if t.is_empty() {
        1.0
    } else {
        hit / t.len() as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Quality {
        precision,
        recall,
        f1,
        true_pairs: t.len(),
        predicted_pairs: p.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_scores() {
        let truth = vec![vec![1, 2, 3], vec![7, 8]];
        let perfect = pairwise(&truth, &truth);
        assert_eq!(perfect.f1, 1.0);
        // Predicted {1,2} and {7,8,9}: 2 of 4 predicted pairs right, 2 of 4 true pairs found.
        let q = pairwise(&[vec![1, 2], vec![7, 8, 9]], &truth);
        assert_eq!((q.predicted_pairs, q.true_pairs), (4, 4));
        assert_eq!(q.precision, 0.5);
        assert_eq!(q.recall, 0.5);
        assert_eq!(q.f1, 0.5);
    }
}
