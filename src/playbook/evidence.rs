//! Evidence expressions: `metric op number`, `metric op metric`, a bare metric (true when
//! non-zero), joined by `&&`; parsed from the playbooks and evaluated against `_metrics`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    const ALL: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    fn symbol(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map(|(s, _)| *s)
            .unwrap_or("?")
    }

    /// Applies the operator; equality allows for floating-point noise.
    pub fn holds(self, left: f64, right: f64) -> bool {
        let eq = (left - right).abs() <= 1e-9 * left.abs().max(right.abs()).max(1.0);
        match self {
            Op::Lt => left < right && !eq,
            Op::Le => left <= right || eq,
            Op::Gt => left > right && !eq,
            Op::Ge => left >= right || eq,
            Op::Eq => eq,
            Op::Ne => !eq,
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Number(f64),
    Metric(String),
}

/// One condition of an expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub metric: String,
    /// None for a bare metric, which holds when its value is not zero.
    pub compare: Option<(Op, Operand)>,
}

/// A conjunction of terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub terms: Vec<Term>,
}

/// `op number`, as a question's `pass` rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub op: Op,
    pub value: f64,
}

/// What the metrics say about an expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// Not measured yet: the names of the absent metrics.
    Missing(Vec<String>),
}

impl Expr {
    /// Every metric the expression reads, in order, without repeats.
    pub fn metrics(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for t in &self.terms {
            let right = match &t.compare {
                Some((_, Operand::Metric(m))) => Some(m.as_str()),
                _ => None,
            };
            for n in std::iter::once(t.metric.as_str()).chain(right) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    }

    /// Evaluates against `value(name)`; a failing term decides even if others are unmeasured.
    pub fn evaluate(&self, value: impl Fn(&str) -> Option<f64>) -> Outcome {
        let mut missing = Vec::new();
        let mut failed = false;
        for t in &self.terms {
            let left = value(&t.metric);
            if left.is_none() && !missing.contains(&t.metric) {
                missing.push(t.metric.clone());
            }
            let right = match &t.compare {
                None => Some(0.0),
                Some((_, Operand::Number(n))) => Some(*n),
                Some((_, Operand::Metric(m))) => {
                    let v = value(m);
                    if v.is_none() && !missing.contains(m) {
                        missing.push(m.clone());
                    }
                    v
                }
            };
            if let (Some(l), Some(r)) = (left, right) {
                let op = t.compare.as_ref().map(|(op, _)| *op).unwrap_or(Op::Ne);
                if !op.holds(l, r) {
                    failed = true;
                }
            }
        }
        if failed {
            Outcome::Fail
        } else if !missing.is_empty() {
            Outcome::Missing(missing)
        } else {
            Outcome::Pass
        }
    }
}

impl FromStr for Expr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| Err(format!("evidence `{s}`: {why}"));
        if s.trim().is_empty() {
            return bad("empty expression");
        }
        let mut terms = Vec::new();
        for part in s.split("&&") {
            let part = part.trim();
            let Some((at, sym, op)) = find_op(part) else {
                if is_metric(part) {
                    terms.push(Term {
                        metric: part.to_string(),
                        compare: None,
                    });
                    continue;
                }
                return bad(&format!(
                    "`{part}` is neither `metric op value` (op: < <= > >= == !=) nor a metric name like `reconcile.balanced`"
                ));
            };
            let left = part[..at].trim();
            let right = part[at + sym.len()..].trim();
            if !is_metric(left) {
                return bad(&format!(
                    "`{left}` is not a metric name (lowercase, dotted: `profile.orphan_rate`)"
                ));
            }
            let operand = if let Ok(n) = right.parse::<f64>() {
                Operand::Number(n)
            } else if is_metric(right) {
                Operand::Metric(right.to_string())
            } else {
                return bad(&format!("`{right}` is neither a number nor a metric name"));
            };
            terms.push(Term {
                metric: left.to_string(),
                compare: Some((op, operand)),
            });
        }
        Ok(Expr { terms })
    }
}

impl FromStr for Threshold {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let parsed = find_op(t)
            .filter(|(at, _, _)| *at == 0)
            .and_then(|(_, sym, op)| {
                t[sym.len()..]
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|value| Threshold { op, value })
            });
        parsed
            .ok_or_else(|| format!("pass rule `{s}` must be an operator and a number, e.g. `>= 4`"))
    }
}

impl Threshold {
    /// True when `value` meets the rule.
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.value)
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.symbol(), self.value)
    }
}

fn find_op(s: &str) -> Option<(usize, &'static str, Op)> {
    Op::ALL
        .iter()
        .filter_map(|(sym, op)| s.find(sym).map(|at| (at, *sym, *op)))
        // The leftmost operator wins; at the same spot the two-character one does.
        .min_by_key(|(at, sym, _)| (*at, std::cmp::Reverse(sym.len())))
}

/// Metric names: dotted lowercase words, e.g. `profile.invalid_email_rate`.
pub fn is_metric(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// The command that produces metrics named `prefix.*`, for "no evidence yet" hints.
pub fn command_for(metric: &str) -> &'static str {
    match metric.split('.').next().unwrap_or("") {
        "ingest" => "crmkit ingest FILE...",
        "profile" => "crmkit profile",
        "map" => "crmkit map suggest DATASET --object OBJECT, then crmkit map check",
        "dedupe" => "crmkit dedupe DATASET --object OBJECT",
        "stage" => "crmkit stage",
        "reconcile" => "crmkit stage, then crmkit reconcile",
        "export" => "crmkit export",
        "adoption" => "crmkit adoption",
        _ => "crmkit status",
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" && ")?;
            }
            f.write_str(&t.metric)?;
            match &t.compare {
                None => {}
                Some((op, Operand::Number(n))) => write!(f, " {} {n}", op.symbol())?,
                Some((op, Operand::Metric(m))) => write!(f, " {} {m}", op.symbol())?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(name: &str) -> Option<f64> {
        match name {
            "profile.invalid_email_rate" => Some(0.031),
            "map.required_coverage" => Some(1.0),
            "reconcile.balanced" => Some(0.0),
            "stage.excluded" => Some(12.0),
            "profile.dead_accounts" => Some(12.0),
            _ => None,
        }
    }

    #[test]
    fn evaluates_table() {
        let cases = [
            ("profile.invalid_email_rate < 0.02", Outcome::Fail),
            ("profile.invalid_email_rate < 0.05", Outcome::Pass),
            ("profile.invalid_email_rate<=0.031", Outcome::Pass),
            ("map.required_coverage == 1", Outcome::Pass),
            ("map.required_coverage != 1", Outcome::Fail),
            ("reconcile.balanced", Outcome::Fail),
            ("map.required_coverage", Outcome::Pass),
            ("stage.excluded >= profile.dead_accounts", Outcome::Pass),
            ("stage.excluded > profile.dead_accounts", Outcome::Fail),
            (
                "dedupe.duplicate_rate < 0.01",
                Outcome::Missing(vec!["dedupe.duplicate_rate".into()]),
            ),
            (
                "map.required_coverage == 1 && map.blocking_issues == 0",
                Outcome::Missing(vec!["map.blocking_issues".into()]),
            ),
            // A measured failure decides even when another term is unmeasured.
            ("dedupe.clusters > 0 && reconcile.balanced", Outcome::Fail),
        ];
        for (text, expect) in cases {
            let expr: Expr = text.parse().unwrap();
            assert_eq!(expr.evaluate(metrics), expect, "{text}");
        }
    }

    #[test]
    fn rejects_malformed_expressions() {
        for bad in [
            "",
            "profile.rate <",
            "< 3",
            "Profile.Rate < 1",
            "profile.rate < lots",
            "rate < 1",
            "profile.rate < 1 && ",
        ] {
            assert!(bad.parse::<Expr>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn display_round_trips() {
        let text = "map.required_coverage == 1 && stage.excluded >= profile.dead_accounts && reconcile.balanced";
        let expr: Expr = text.parse().unwrap();
        assert_eq!(expr.to_string(), text);
        assert_eq!(
            expr.metrics(),
            [
                "map.required_coverage",
                "stage.excluded",
                "profile.dead_accounts",
                "reconcile.balanced"
            ]
        );
    }

    #[test]
    fn thresholds() {
        let t: Threshold = ">= 4".parse().unwrap();
        assert!(t.holds(4.0) && t.holds(5.0) && !t.holds(3.9));
        assert!("4".parse::<Threshold>().is_err());
        assert!("x >= 4".parse::<Threshold>().is_err());
        assert!("< nope".parse::<Threshold>().is_err());
    }

    #[test]
    fn commands_by_prefix() {
        assert_eq!(command_for("profile.orphan_rate"), "crmkit profile");
        assert!(command_for("map.required_coverage").contains("map check"));
        assert!(command_for("reconcile.balanced").contains("crmkit reconcile"));
    }
}
