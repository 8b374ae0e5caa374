//! Evidence expressions: `metric op number`, `metric op metric`, a bare metric (true when
//! non-zero), joined by `&&`; parsed from the playbooks and evaluated against `_metrics`.
//! The go-to-market rules (`playbooks/rules.yaml`) use the same language over a record's
//! fields, so it also compares text: `account.industry in ["Retail", "Food"]`,
//! `lead.title contains "vp"`, `account.billing_country == "Canada"`.

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
    /// Equal to one of a list.
    In,
    /// Text that holds the operand (or one of a list), ignoring case.
    Contains,
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

    /// Word operators, written with spaces around them.
    const WORDS: [(&'static str, Op); 2] = [(" in ", Op::In), (" contains ", Op::Contains)];

    fn symbol(self) -> &'static str {
        match self {
            Op::In => "in",
            Op::Contains => "contains",
            _ => Op::ALL
                .iter()
                .find(|(_, o)| *o == self)
                .map(|(s, _)| *s)
                .unwrap_or("?"),
        }
    }

    /// Applies the operator; equality allows for floating-point noise.
    pub fn holds(self, left: f64, right: f64) -> bool {
        let eq = (left - right).abs() <= 1e-9 * left.abs().max(right.abs()).max(1.0);
        match self {
            Op::Lt => left < right && !eq,
            Op::Le => left <= right || eq,
            Op::Gt => left > right && !eq,
            Op::Ge => left >= right || eq,
            Op::Eq | Op::In => eq,
            Op::Ne => !eq,
            Op::Contains => false,
        }
    }

    /// Applies the operator to two values: as numbers when both read as numbers, else as
    /// text ignoring case and surrounding spaces (so `"M5H" < "M6A"` orders postcodes).
    pub fn holds_values(self, left: &Value, right: &Value) -> bool {
        if self == Op::Contains {
            return left.text().contains(&right.text());
        }
        if let (Some(l), Some(r)) = (left.number(), right.number()) {
            return self.holds(l, r);
        }
        let (l, r) = (left.text(), right.text());
        match self {
            Op::Lt => l < r,
            Op::Le => l <= r,
            Op::Gt => l > r,
            Op::Ge => l >= r,
            Op::Eq | Op::In => l == r,
            Op::Ne => l != r,
            Op::Contains => false,
        }
    }
}

/// A value an expression reads: a metric or a record's field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

impl Value {
    /// The value as a number: numbers as they are, text as a human-written number
    /// (`1,200`, `$1.2M`) when it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => crate::values::number::number(t, '.')
                .and_then(|(d, _)| d.to_text().parse::<f64>().ok()),
        }
    }

    /// The value as folded text for comparing: trimmed, lowercase.
    fn text(&self) -> String {
        match self {
            Value::Number(n) => n.to_string(),
            Value::Text(t) => t.trim().to_lowercase(),
        }
    }

    /// True for a non-zero number or non-blank text: what a bare name tests.
    fn truthy(&self) -> bool {
        match self {
            Value::Number(n) => *n != 0.0,
            Value::Text(t) => !t.trim().is_empty(),
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Number(f64),
    Metric(String),
    /// A quoted text: `"Retail"`.
    Text(String),
    /// `[a, b, ...]` for `in` and `contains`: numbers or quoted texts.
    List(Vec<Operand>),
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
        self.evaluate_values(|name| value(name).map(Value::Number))
    }

    /// Like [`Expr::evaluate`], over values that may be text (a record's fields).
    pub fn evaluate_values(&self, value: impl Fn(&str) -> Option<Value>) -> Outcome {
        let mut missing: Vec<String> = Vec::new();
        let mut failed = false;
        let note = |name: &str, v: &Option<Value>, missing: &mut Vec<String>| {
            if v.is_none() && !missing.iter().any(|m| m == name) {
                missing.push(name.to_string());
            }
        };
        for t in &self.terms {
            let left = value(&t.metric);
            note(&t.metric, &left, &mut missing);
            let holds = match &t.compare {
                None => left.as_ref().map(Value::truthy),
                Some((op, operand)) => {
                    let rights: Option<Vec<Value>> = match operand {
                        Operand::List(items) => items.iter().map(|i| resolve(i, &value)).collect(),
                        single => {
                            let v = resolve(single, &value);
                            if let Operand::Metric(m) = single {
                                note(m, &v, &mut missing);
                            }
                            v.map(|v| vec![v])
                        }
                    };
                    match (&left, rights) {
                        (Some(l), Some(rs)) => Some(rs.iter().any(|r| op.holds_values(l, r))),
                        _ => None,
                    }
                }
            };
            if holds == Some(false) {
                failed = true;
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

/// An operand's value: a literal, or what `value` says of a name.
fn resolve(operand: &Operand, value: &impl Fn(&str) -> Option<Value>) -> Option<Value> {
    match operand {
        Operand::Number(n) => Some(Value::Number(*n)),
        Operand::Text(t) => Some(Value::Text(t.clone())),
        Operand::Metric(m) => value(m),
        Operand::List(_) => None,
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
        for part in split_outside_quotes(s, "&&") {
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
                    "`{part}` is neither `name op value` (op: < <= > >= == != in contains) nor a name like `reconcile.balanced`"
                ));
            };
            let left = part[..at].trim();
            let right = part[at + sym.len()..].trim();
            if !is_metric(left) {
                return bad(&format!(
                    "`{left}` is not a metric name (lowercase, dotted: `profile.orphan_rate`)"
                ));
            }
            let operand = match (op, operand(right)) {
                (_, Err(why)) => return bad(&why),
                (Op::In | Op::Contains, Ok(o @ Operand::List(_))) => o,
                (Op::In, Ok(_)) => {
                    return bad(&format!(
                        "`in` needs a list in brackets, e.g. `[\"a\", \"b\"]`, not `{right}`"
                    ));
                }
                (_, Ok(Operand::List(_))) => {
                    return bad(&format!(
                        "a list (`{right}`) goes with `in` or `contains` only"
                    ));
                }
                (_, Ok(o)) => o,
            };
            terms.push(Term {
                metric: left.to_string(),
                compare: Some((op, operand)),
            });
        }
        Ok(Expr { terms })
    }
}

/// Reads the right-hand side of a comparison.
fn operand(text: &str) -> Result<Operand, String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let items = split_outside_quotes(inner, ",")
            .into_iter()
            .map(|i| match operand(i)? {
                Operand::List(_) => Err(format!("lists do not nest: `{t}`")),
                o => Ok(o),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if items.is_empty() {
            return Err(format!("empty list `{t}`"));
        }
        return Ok(Operand::List(items));
    }
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            let inner = &t[1..t.len() - 1];
            if inner.contains(q) {
                return Err(format!("`{t}`: a quote inside a quoted text"));
            }
            return Ok(Operand::Text(inner.to_string()));
        }
    }
    if let Ok(n) = t.parse::<f64>() {
        return Ok(Operand::Number(n));
    }
    if is_metric(t) {
        return Ok(Operand::Metric(t.to_string()));
    }
    Err(format!(
        "`{t}` is neither a number, a quoted text (\"Retail\") nor a name"
    ))
}

/// Splits on `sep` where it is not inside quotes, so `"R&&D"` stays one text.
pub fn split_outside_quotes<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or(' ');
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if s[i..].starts_with(sep) => {
                parts.push(&s[start..i]);
                start = i + sep.len();
                i = start;
                continue;
            }
            None => {}
        }
        i += c.len_utf8();
    }
    parts.push(&s[start..]);
    parts
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
        .chain(Op::WORDS.iter())
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
/// True when the step that measures `metric` has run, so its absence means the data has
/// nothing it applies to (a profile with no email column has no invalid-email rate): the
/// profile always records `profile.rows`.
pub fn not_applicable(metric: &str, has: impl Fn(&str) -> bool) -> bool {
    metric.starts_with("profile.") && has("profile.rows")
}

/// Why `metric` has no value, in words: not applicable to this data, or not measured yet and
/// the command that measures it.
pub fn missing_text(metric: &str, has: impl Fn(&str) -> bool) -> String {
    if not_applicable(metric, has) {
        format!("not applicable: the profiled data has no column `{metric}` applies to")
    } else {
        format!("not measured yet: run `{}`", command_for(metric))
    }
}

pub fn command_for(metric: &str) -> &'static str {
    match metric.split('.').next().unwrap_or("") {
        "ingest" => "crmkit ingest FILE...",
        "profile" => "crmkit profile",
        "map" => "crmkit map suggest DATASET --object OBJECT, then crmkit map check",
        "dedupe" => "crmkit dedupe DATASET --object OBJECT",
        "stage" => "crmkit stage",
        "reconcile" => "crmkit stage, then crmkit reconcile",
        "export" => "crmkit export",
        "adoption" => "crmkit adoption ingest FILE... --as-of DATE",
        "rollout" => "crmkit rollout check",
        "score" => "crmkit score status, then crmkit score rfm and crmkit assign",
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
                Some((op, operand)) => write!(f, " {} {operand}", op.symbol())?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Number(n) => write!(f, "{n}"),
            Operand::Metric(m) => f.write_str(m),
            Operand::Text(t) if t.contains('"') => write!(f, "'{t}'"),
            Operand::Text(t) => write!(f, "\"{t}\""),
            Operand::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
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
    fn compares_text_fields() {
        let record = |name: &str| match name {
            "account.industry" => Some(Value::Text(" Retail ".into())),
            "account.employees" => Some(Value::Text("1,200".into())),
            "account.postcode" => Some(Value::Text("M5H 2F6".into())),
            "lead.title" => Some(Value::Text("VP, R&D".into())),
            "lead.score" => Some(Value::Number(42.0)),
            "account.blank" => Some(Value::Text("  ".into())),
            _ => None,
        };
        let cases = [
            ("account.industry == \"retail\"", Outcome::Pass),
            ("account.industry != 'Retail'", Outcome::Fail),
            ("account.industry in [\"Food\", \"Retail\"]", Outcome::Pass),
            (
                "account.industry in [\"Food\", \"Software\"]",
                Outcome::Fail,
            ),
            ("account.employees >= 1000", Outcome::Pass),
            ("account.employees in [1200, 5]", Outcome::Pass),
            (
                "account.postcode >= \"M5A\" && account.postcode < \"M6\"",
                Outcome::Pass,
            ),
            ("account.postcode >= \"M6A\"", Outcome::Fail),
            ("lead.title contains \"r&&d\"", Outcome::Fail),
            (
                "lead.title contains \"R&D\" && lead.score > 40",
                Outcome::Pass,
            ),
            ("lead.title contains [\"chief\", \"vp\"]", Outcome::Pass),
            ("account.blank", Outcome::Fail),
            ("account.industry", Outcome::Pass),
            (
                "account.region == \"West\"",
                Outcome::Missing(vec!["account.region".into()]),
            ),
        ];
        for (text, expect) in cases {
            let expr: Expr = text.parse().unwrap();
            assert_eq!(expr.evaluate_values(record), expect, "{text}");
            let again: Expr = expr.to_string().parse().unwrap();
            assert_eq!(again, expr, "{text} round trip");
        }
        for bad in [
            "account.industry in \"Retail\"",
            "account.industry == [1, 2]",
            "account.industry in []",
            "account.industry == Retail",
            "account.industry == \"Ret\"ail\"",
        ] {
            assert!(bad.parse::<Expr>().is_err(), "{bad:?} parsed");
        }
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
