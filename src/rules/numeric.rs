//! Numerical tools the propensity models need: ln Gamma, the Gauss hypergeometric series and
//! a Nelder-Mead minimiser (small enough not to warrant a crate).

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms: about 15 correct digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, by its series.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..100_000 {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() < 1e-15 * sum.abs() {
            break;
        }
    }
    sum
}

/// Largest |log| of a fitted parameter (e^12 is about 160,000).
pub const LOG_BOUND: f64 = 12.0;

/// Nelder-Mead over log-parameters kept within ±[`LOG_BOUND`]: data with no signal for a
/// parameter (nobody drops out) would otherwise send it to infinity for thousands of steps.
pub fn minimise_logs(f: impl Fn(&[f64]) -> f64, dims: usize, max_iter: usize) -> (Vec<f64>, f64) {
    let bounded = |p: &[f64]| {
        if p.iter().any(|v| v.abs() > LOG_BOUND) {
            f64::INFINITY
        } else {
            f(p)
        }
    };
    nelder_mead(bounded, &vec![0.0; dims], max_iter)
}

/// The minimum Nelder-Mead finds from `start`: (point, value), restarting from the best point
/// until it stops improving. `f` may return NaN or infinity where it is undefined; those
/// points count as worse than any other.
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, start: &[f64], max_iter: usize) -> (Vec<f64>, f64) {
    let value = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut best = (start.to_vec(), value(start));
    // Restarting from the best point until it stops improving avoids early collapse.
    for _ in 0..4 {
        let found = simplex(&value, &best.0, max_iter);
        let gain = best.1 - found.1;
        best = found;
        if gain.abs() < 1e-8 * (1.0 + best.1.abs()) {
            break;
        }
    }
    best
}

fn simplex(f: &impl Fn(&[f64]) -> f64, start: &[f64], max_iter: usize) -> (Vec<f64>, f64) {
    let n = start.len();
    let mut pts: Vec<(Vec<f64>, f64)> = vec![(start.to_vec(), f(start))];
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += if p[i].abs() > 1e-3 {
            0.1 * p[i].abs()
        } else {
            0.1
        };
        let v = f(&p);
        pts.push((p, v));
    }
    let mix = |a: &[f64], b: &[f64], t: f64| -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect()
    };
    for _ in 0..max_iter {
        pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let spread = pts[n].1 - pts[0].1;
        let size = pts[1..]
            .iter()
            .flat_map(|p| p.0.iter().zip(&pts[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0f64, f64::max);
        if spread.abs() <= 1e-12 * (1.0 + pts[0].1.abs()) || (size < 1e-9 && spread.abs() < 1e-9) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = pts[n].clone();
        let reflected = mix(&centroid, &worst.0, -1.0);
        let fr = f(&reflected);
        if fr < pts[0].1 {
            let expanded = mix(&centroid, &worst.0, -2.0);
            let fe = f(&expanded);
            pts[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < pts[n - 1].1 {
            pts[n] = (reflected, fr);
        } else {
            let contracted = if fr < worst.1 {
                mix(&centroid, &reflected, 0.5)
            } else {
                mix(&centroid, &worst.0, 0.5)
            };
            let fc = f(&contracted);
            if fc < worst.1.min(fr) {
                pts[n] = (contracted, fc);
            } else {
                let best = pts[0].0.clone();
                for p in pts.iter_mut().skip(1) {
                    p.0 = mix(&best, &p.0, 0.5);
                    p.1 = f(&p.0);
                }
            }
        }
    }
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    pts.swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        let mut fact = 1.0f64;
        for n in 1..30 {
            // Γ(n + 1) = n!
            fact *= n as f64;
            let got = ln_gamma(n as f64 + 1.0);
            assert!((got - fact.ln()).abs() < 1e-10 * fact.ln().max(1.0), "{n}");
        }
        let sqrt_pi = std::f64::consts::PI.sqrt();
        assert!((ln_gamma(0.5) - sqrt_pi.ln()).abs() < 1e-13);
        assert!((ln_gamma(1.5) - (sqrt_pi / 2.0).ln()).abs() < 1e-13);
        assert!((ln_gamma(0.1) - 2.252_712_651_734_206).abs() < 1e-12);
    }

    #[test]
    fn hyp2f1_closed_forms() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z
        for z in [0.1, 0.5, 0.9] {
            let want = -(1.0f64 - z).ln() / z;
            assert!((hyp2f1(1.0, 1.0, 2.0, z) - want).abs() < 1e-10, "{z}");
        }
        // 2F1(a, b; b; z) = (1 - z)^-a
        assert!((hyp2f1(2.5, 3.0, 3.0, 0.3) - 0.7f64.powf(-2.5)).abs() < 1e-10);
    }

    #[test]
    fn nelder_mead_finds_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, v) = nelder_mead(rosen, &[-1.2, 1.0], 5000);
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
        assert!(v < 1e-8);
    }
}
