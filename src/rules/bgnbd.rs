//! Purchase propensity: the BG/NBD model (Fader, Hardie and Lee 2005, "Counting your
//! customers the easy way") fitted by maximum likelihood, P(alive) and expected purchases.

use serde::Serialize;

use super::numeric::{hyp2f1, ln_gamma, minimise_logs};

/// One customer's purchase history in model time (weeks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct History {
    /// Repeat purchases (all purchases but the first).
    pub x: f64,
    /// Time of the last purchase, from the first.
    pub t_x: f64,
    /// Time observed, from the first purchase to the as-of date.
    pub t: f64,
}

/// Fitted parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub log_likelihood: f64,
}

/// The log-likelihood of one history (equation 6 of the paper, in logs).
fn ln_likelihood(r: f64, alpha: f64, a: f64, b: f64, h: &History) -> f64 {
    let x = h.x;
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
    let a3 = -(r + x) * (alpha + h.t).ln();
    let tail = if x > 0.0 {
        let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + h.t_x).ln();
        // ln(e^a3 + e^a4) without overflow.
        let hi = a3.max(a4);
        hi + ((a3 - hi).exp() + (a4 - hi).exp()).ln()
    } else {
        a3
    };
    a1 + a2 + tail
}

/// The total log-likelihood of the parameters over all histories.
pub fn log_likelihood(r: f64, alpha: f64, a: f64, b: f64, histories: &[History]) -> f64 {
    histories
        .iter()
        .map(|h| ln_likelihood(r, alpha, a, b, h))
        .sum()
}

/// Maximum-likelihood parameters (Nelder-Mead on their logs, so they stay positive), or None
/// when there are too few histories or nobody repeats.
pub fn fit(histories: &[History]) -> Option<BgNbd> {
    if histories.len() < 10 || !histories.iter().any(|h| h.x > 0.0) {
        return None;
    }
    let objective = |p: &[f64]| {
        let [r, alpha, a, b] = [p[0].exp(), p[1].exp(), p[2].exp(), p[3].exp()];
        -log_likelihood(r, alpha, a, b, histories)
    };
    let (p, value) = minimise_logs(objective, 4, 1500);
    value.is_finite().then(|| BgNbd {
        r: p[0].exp(),
        alpha: p[1].exp(),
        a: p[2].exp(),
        b: p[3].exp(),
        log_likelihood: -value,
    })
}

impl BgNbd {
    /// The probability that the customer has not dropped out (paper, equation 12).
    pub fn p_alive(&self, h: &History) -> f64 {
        if h.x == 0.0 {
            return 1.0;
        }
        let odds = self.a / (self.b + h.x - 1.0)
            * ((self.alpha + h.t) / (self.alpha + h.t_x)).powf(self.r + h.x);
        1.0 / (1.0 + odds)
    }

    /// Expected purchases in the next `horizon` (model time) given the history (equation 10).
    pub fn expected_purchases(&self, h: &History, horizon: f64) -> f64 {
        let BgNbd { r, alpha, a, b, .. } = *self;
        let x = h.x;
        let z = horizon / (alpha + h.t + horizon);
        let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let first = (a + b + x - 1.0) / (a - 1.0);
        let second = 1.0 - ((alpha + h.t) / (alpha + h.t + horizon)).powf(r + x) * f;
        let odds = if x > 0.0 {
            a / (b + x - 1.0) * ((alpha + h.t) / (alpha + h.t_x)).powf(r + x)
        } else {
            0.0
        };
        (first * second / (1.0 + odds)).max(0.0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The CDNOW summary fixture: (history, mean repeat spend).
    pub(crate) fn cdnow() -> Vec<(History, f64)> {
        include_str!("../../tests/fixtures/score/cdnow_summary.csv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("ID"))
            .map(|l| {
                let f: Vec<f64> = l.split(',').map(|v| v.parse().unwrap()).collect();
                (
                    History {
                        x: f[1],
                        t_x: f[2],
                        t: f[3],
                    },
                    f[4],
                )
            })
            .collect()
    }

    #[test]
    fn cdnow_matches_the_paper() {
        let histories: Vec<History> = cdnow().into_iter().map(|(h, _)| h).collect();
        assert_eq!(histories.len(), 2357);
        let m = fit(&histories).unwrap();
        // Fader, Hardie and Lee (2005), section 5: r = 0.243, alpha = 4.414, a = 0.793,
        // b = 2.426, LL = -9582.4.
        for (got, paper) in [(m.r, 0.243), (m.alpha, 4.414), (m.a, 0.793), (m.b, 2.426)] {
            assert!((got / paper - 1.0).abs() < 0.01, "{m:?}");
        }
        assert!((m.log_likelihood - -9582.4).abs() < 1.0, "{m:?}");
    }

    #[test]
    fn conditional_expectations_match_the_paper() {
        // The paper's worked example (section 5): a customer with x = 2, t_x = 30.43, T = 38.86
        // is expected to make 1.226 purchases in the next 39 weeks.
        let m = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
            log_likelihood: 0.0,
        };
        let h = History {
            x: 2.0,
            t_x: 30.43,
            t: 38.86,
        };
        let e = m.expected_purchases(&h, 39.0);
        assert!((e - 1.226).abs() < 0.01, "{e}");
        // No repeat purchase: alive for sure, by the model's assumption.
        let none = History {
            x: 0.0,
            t_x: 0.0,
            t: 38.86,
        };
        assert_eq!(m.p_alive(&none), 1.0);
        // Many purchases long ago: probably gone.
        let gone = History {
            x: 10.0,
            t_x: 5.0,
            t: 38.86,
        };
        assert!(m.p_alive(&gone) < 0.01);
        assert!(m.expected_purchases(&gone, 39.0) < m.expected_purchases(&h, 39.0));
    }
}
