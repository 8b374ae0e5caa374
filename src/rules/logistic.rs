//! L2-regularised logistic regression (Newton's method) and the ROC AUC, for learning lead
//! scoring weights from converted and unconverted history.

/// Fitted weights: one per feature, and the intercept (not penalised).
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub intercept: f64,
    pub weights: Vec<f64>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// The probability of the positive class.
    pub fn predict(&self, x: &[f64]) -> f64 {
        sigmoid(self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>())
    }
}

/// Maximises the penalised log-likelihood sum(log p) - l2/2 |w|^2 by Newton steps.
pub fn fit(xs: &[Vec<f64>], ys: &[bool], l2: f64) -> Model {
    let k = xs.first().map_or(0, Vec::len);
    let mut beta = vec![0.0; k + 1];
    for _ in 0..50 {
        let mut grad = vec![0.0; k + 1];
        let mut hess = vec![vec![0.0; k + 1]; k + 1];
        for (x, &y) in xs.iter().zip(ys) {
            let row: Vec<f64> = std::iter::once(1.0).chain(x.iter().copied()).collect();
            let z: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = sigmoid(z);
            let err = f64::from(u8::from(y)) - p;
            let w = p * (1.0 - p);
            for i in 0..=k {
                grad[i] += err * row[i];
                for j in 0..=k {
                    hess[i][j] += w * row[i] * row[j];
                }
            }
        }
        for i in 1..=k {
            grad[i] -= l2 * beta[i];
            hess[i][i] += l2;
        }
        // A tiny ridge on the intercept keeps the system solvable when a class is absent.
        hess[0][0] += 1e-9;
        let Some(step) = solve(hess, grad) else {
            break;
        };
        let size: f64 = step.iter().map(|s| s.abs()).fold(0.0, f64::max);
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        if size < 1e-9 {
            break;
        }
    }
    Model {
        intercept: beta[0],
        weights: beta[1..].to_vec(),
    }
}

/// Solves a x = b by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            let (above, below) = a.split_at_mut(row);
            for (target, pivot) in below[0][col..].iter_mut().zip(&above[col][col..]) {
                *target -= f * pivot;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The area under the ROC curve: the chance a random positive scores above a random
/// negative, ties counting half. None without both classes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos = pairs.iter().filter(|p| p.1).count() as f64;
    let neg = pairs.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    // Mann-Whitney U from mid-ranks.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        let mid = (i + j + 1) as f64 / 2.0;
        rank_sum += mid * pairs[i..j].iter().filter(|p| p.1).count() as f64;
        i = j;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_pairs_and_ties() {
        assert_eq!(
            auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(auc(&[1.0, 1.0], &[true, false]), Some(0.5));
        assert_eq!(auc(&[1.0, 2.0], &[true, true]), None);
    }

    #[test]
    fn recovers_a_known_effect() {
        // Feature 0 raises the odds; feature 1 is noise.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..400 {
            let a = (i % 2) as f64;
            let b = ((i / 2) % 2) as f64;
            // 80% positive with a, 20% without, whatever b.
            let y = if a == 1.0 { i % 10 < 8 } else { i % 10 < 2 };
            xs.push(vec![a, b]);
            ys.push(y);
        }
        let m = fit(&xs, &ys, 0.01);
        // ln(0.8/0.2) - ln(0.2/0.8) = 2 ln 4.
        assert!((m.weights[0] - 2.0 * 4f64.ln()).abs() < 0.05, "{m:?}");
        assert!(m.weights[1].abs() < 0.3, "{m:?}");
        assert!(m.predict(&[1.0, 0.0]) > 0.7);
    }
}
