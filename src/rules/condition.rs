//! A rule's condition: evidence expressions (`&&` of terms) joined by `||`, read from
//! `playbooks/rules.yaml` and evaluated against one record's values.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use crate::playbook::evidence::{Expr, Outcome, Value, split_outside_quotes};

/// Alternatives, any of which makes the condition hold.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Condition {
    pub any: Vec<Expr>,
}

impl Condition {
    /// True when some alternative passes; an unmeasured value (a blank cell, an account
    /// without purchases) makes its term fail rather than pass.
    pub fn holds(&self, value: impl Fn(&str) -> Option<Value>) -> bool {
        self.any
            .iter()
            .any(|e| e.evaluate_values(&value) == Outcome::Pass)
    }

    /// Every name the condition reads, without repeats.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for n in self.any.iter().flat_map(Expr::metrics) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }
}

impl FromStr for Condition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let any = split_outside_quotes(s, "||")
            .into_iter()
            .map(str::parse::<Expr>)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition { any })
    }
}

impl TryFrom<String> for Condition {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.any.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_alternative_decides() {
        let c: Condition = "account.open > 0 || account.days_since_last_win <= 730"
            .parse()
            .unwrap();
        let with = |open: f64, win: Option<f64>| {
            move |n: &str| match n {
                "account.open" => Some(Value::Number(open)),
                "account.days_since_last_win" => win.map(Value::Number),
                _ => None,
            }
        };
        assert!(c.holds(with(1.0, None)));
        assert!(c.holds(with(0.0, Some(10.0))));
        assert!(!c.holds(with(0.0, Some(731.0))));
        assert!(!c.holds(with(0.0, None)));
        assert_eq!(c.names(), ["account.open", "account.days_since_last_win"]);
        assert_eq!(c.to_string().parse::<Condition>().unwrap(), c);
    }

    #[test]
    fn or_inside_quotes_is_text() {
        let c: Condition = "lead.title == \"a || b\"".parse().unwrap();
        assert_eq!(c.any.len(), 1);
        assert!("account.x > || 3".parse::<Condition>().is_err());
    }
}
