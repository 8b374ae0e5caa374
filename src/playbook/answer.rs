//! Answers: reading what a person types or an answers file holds, per question kind, and the
//! share of an item's weight an answer earns.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::Library;
use super::evidence::Threshold;
use super::model::{Kind, Question};
use crate::error::{Error, Result};
use crate::staging::Metric;

/// Parses a typed answer; the error says what the question expects.
pub fn from_text(q: &Question, text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the answer is empty".into());
    }
    if is_not_applicable(t) {
        return Ok(Value::Null);
    }
    match q.kind {
        Kind::YesNo => match t.to_lowercase().as_str() {
            "y" | "yes" | "true" => Ok(Value::Bool(true)),
            "n" | "no" | "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{t}` is not yes or no (answer y or n)")),
        },
        Kind::Choice => choose(q, t).map(Value::String),
        Kind::Number => {
            let cleaned: String = t.chars().filter(|c| *c != ',' && *c != '_').collect();
            let n = cleaned
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    format!("`{t}` is not a number (e.g. 12 or 2.5; n/a if it does not apply)")
                })?;
            if asks_a_count(q) {
                if n.fract() != 0.0 || n < 0.0 {
                    return Err(format!(
                        "`{t}` is not a whole number, and this asks how many (answer a count such as 3, or n/a)"
                    ));
                }
                return Ok(Value::from(n as i64));
            }
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(|| format!("`{t}` is not a number"))
        }
        Kind::Date => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| format!("`{t}` is not a date as YYYY-MM-DD (e.g. 2025-09-30)")),
        Kind::Text => Ok(Value::String(t.to_string())),
        Kind::List => {
            let entries: Vec<Value> = t
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| Value::String(e.to_string()))
                .collect();
            if entries.is_empty() {
                Err("the list is empty (separate entries with commas)".into())
            } else {
                Ok(Value::Array(entries))
            }
        }
    }
}

/// The answer measured metrics give the question, read as if typed: yes/no from a condition
/// over metrics (`score.rfm_accounts >= 1`), a number from a metric's value (whole when the
/// question asks a count), a list or text from its detail. None when a metric it reads is not
/// measured or does not read as this kind of answer.
pub fn from_metric(q: &Question, metrics: &BTreeMap<String, Metric>) -> Option<(Value, String)> {
    let name = q.known_from.as_deref()?;
    let text = match q.kind {
        Kind::YesNo => {
            let expr = name.parse::<super::evidence::Expr>().ok()?;
            match expr.evaluate(|m| metrics.get(m).map(|m| m.value)) {
                super::evidence::Outcome::Pass => "yes".to_string(),
                super::evidence::Outcome::Fail => "no".to_string(),
                super::evidence::Outcome::Missing(_) => return None,
            }
        }
        Kind::Number if asks_a_count(q) => format!("{}", metrics.get(name)?.value.round() as i64),
        Kind::Number => super::scoring::number(metrics.get(name)?.value),
        Kind::List | Kind::Text | Kind::Choice | Kind::Date => metrics.get(name)?.detail.clone()?,
    };
    let value = from_text(q, &text).ok()?;
    Some((value, format!("measured: {name}")))
}

/// Whether a typed answer says the item does not apply to this engagement (`n/a`). Such an
/// answer is stored as JSON `null` and takes the item out of the score's denominator.
pub fn is_not_applicable(text: &str) -> bool {
    matches!(
        text.trim().to_lowercase().as_str(),
        "n/a" | "na" | "n.a." | "not applicable" | "does not apply"
    )
}

/// Whether a number question asks for a count of things ("How many applications ..."), whose
/// answer must be a whole number. Amounts of time or money ("how many hours") are measures,
/// not counts: 2.5 hours is an answer.
pub fn asks_a_count(q: &Question) -> bool {
    const MEASURES: [&str; 9] = [
        "hour", "day", "week", "month", "year", "minute", "percent", "budget", "cost",
    ];
    let text = q.text.to_lowercase();
    q.kind == Kind::Number
        && (text.starts_with("how many") || text.contains("number of"))
        && !MEASURES.iter().any(|m| text.contains(m))
}

/// Reads an answers-file value: YAML scalars as typed, sequences for list questions.
pub fn from_yaml(q: &Question, v: &serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Err("no answer given (the value is empty)".into()),
        Y::Bool(b) if q.kind == Kind::YesNo => Ok(Value::Bool(*b)),
        Y::Bool(b) => from_text(q, if *b { "yes" } else { "no" }),
        Y::Number(n) => from_text(q, &n.to_string()),
        Y::String(s) => from_text(q, s),
        Y::Sequence(seq) if q.kind == Kind::List => {
            let mut entries = Vec::new();
            for e in seq {
                let text = match e {
                    Y::String(s) => s.trim().to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => return Err("list entries must be plain text".into()),
                };
                if !text.is_empty() {
                    entries.push(Value::String(text));
                }
            }
            if entries.is_empty() {
                Err("the list is empty".into())
            } else {
                Ok(Value::Array(entries))
            }
        }
        Y::Sequence(_) => Err(format!(
            "a list answers only list questions; this one is {}",
            q.kind.name()
        )),
        _ => Err(format!(
            "expected a {} answer, not a mapping",
            q.kind.name()
        )),
    }
}

/// True when a stored answer still fits the question (the playbook may have been edited).
pub fn fits(q: &Question, v: &Value) -> bool {
    match (q.kind, v) {
        (_, Value::Null) => true,
        (Kind::YesNo, Value::Bool(_)) => true,
        (Kind::Choice, Value::String(s)) => q.options.contains(s),
        (Kind::Number, Value::Number(_)) => true,
        (Kind::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        (Kind::Text, Value::String(s)) => !s.trim().is_empty(),
        (Kind::List, Value::Array(a)) => !a.is_empty(),
        _ => false,
    }
}

/// The share (0..1) of the item's weight that a fitting answer earns.
pub fn credit(q: &Question, v: &Value) -> f64 {
    let rule = q.pass.as_deref().and_then(|r| r.parse::<Threshold>().ok());
    let by_rule = |n: f64| match rule {
        Some(t) if !t.holds(n) => 0.0,
        _ => 1.0,
    };
    match (q.kind, v) {
        (Kind::YesNo, Value::Bool(b)) => f64::from(u8::from(*b)),
        (Kind::Choice, Value::String(s)) if q.credit.is_empty() => {
            f64::from(u8::from(q.options.contains(s)))
        }
        (Kind::Choice, Value::String(s)) => q.credit.get(s).copied().unwrap_or(0.0),
        (Kind::Number, Value::Number(n)) => by_rule(n.as_f64().unwrap_or(0.0)),
        (Kind::List, Value::Array(a)) if !a.is_empty() => by_rule(a.len() as f64),
        (Kind::Date | Kind::Text, Value::String(s)) if !s.trim().is_empty() => 1.0,
        _ => 0.0,
    }
}

/// One entry of an answers file, checked against its item's question.
#[derive(Clone, Debug, PartialEq)]
pub struct FileAnswer {
    pub playbook: String,
    pub item: String,
    pub value: Value,
}

/// Reads an answers file's text (YAML: item id -> answer). Every entry is checked first; any
/// bad one fails them all, with each problem listed (`file` names the file in messages).
pub fn parse_file(library: &Library, text: &str, file: &Path) -> Result<Vec<FileAnswer>> {
    let map: serde_yaml::Mapping = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
        path: file.to_path_buf(),
        message: format!(
            "{e}\n  hint: the file maps item ids to answers, e.g. `pre.leader: Jane Doe`"
        ),
    })?;
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for (key, value) in &map {
        let Some(id) = key.as_str() else {
            problems.push(format!("the key `{}` is not an item id", yaml_text(key)));
            continue;
        };
        let Some(r) = library.find_item(id) else {
            let hint =
                crate::suggestion::did_you_mean(id, library.items().map(|r| r.item.id.as_str()));
            problems.push(format!("unknown item `{id}`{hint}"));
            continue;
        };
        match from_yaml(&r.item.question, value) {
            Ok(v) => answers.push(FileAnswer {
                playbook: r.playbook.name.clone(),
                item: id.to_string(),
                value: v,
            }),
            Err(e) => problems.push(format!("item `{id}` ({}): {e}", r.item.question.text)),
        }
    }
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        return Err(Error::Input(format!(
            "`{}`: {} (nothing was recorded):\n{}\n  hint: `crmkit playbook show NAME` lists the items and their questions",
            file.display(),
            crate::numbers::plural(problems.len() as u64, "bad answer", "bad answers"),
            lines.join("\n")
        )));
    }
    Ok(answers)
}

fn yaml_text(v: &serde_yaml::Value) -> String {
    serde_yaml::to_string(v)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// An answer as a person reads it: `yes`, `4`, `Web form, Events`.
pub fn display(v: &Value) -> String {
    match v {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Null => "n/a".into(),
        Value::Object(_) => v.to_string(),
    }
}

fn choose(q: &Question, t: &str) -> Result<String, String> {
    if let Ok(n) = t.parse::<usize>()
        && (1..=q.options.len()).contains(&n)
        && !q.options.iter().any(|o| o == t)
    {
        return Ok(q.options[n - 1].clone());
    }
    let lower = t.to_lowercase();
    if let Some(o) = q.options.iter().find(|o| o.to_lowercase() == lower) {
        return Ok(o.clone());
    }
    let prefixed: Vec<&String> = q
        .options
        .iter()
        .filter(|o| o.to_lowercase().starts_with(&lower))
        .collect();
    if let [only] = prefixed.as_slice() {
        return Ok((*only).clone());
    }
    let hint = crate::suggestion::did_you_mean(t, q.options.iter().map(String::as_str));
    Err(format!(
        "`{t}` is not one of the options{hint} (choose {}, or 1-{})",
        q.options
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", "),
        q.options.len()
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn q(kind: Kind) -> Question {
        Question {
            kind,
            text: "?".into(),
            options: Vec::new(),
            credit: BTreeMap::new(),
            pass: None,
            known_from: None,
        }
    }

    #[test]
    fn measured_metrics_prefill_by_kind() {
        let metric = |value: f64, detail: Option<&str>| Metric {
            name: "map.custom_fields".into(),
            value,
            detail: detail.map(String::from),
            source: "map check".into(),
            computed_at: String::new(),
        };
        let list = Question {
            known_from: Some("map.custom_fields".into()),
            ..q(Kind::List)
        };
        let mut metrics = BTreeMap::new();
        assert_eq!(from_metric(&list, &metrics), None);
        metrics.insert(
            "map.custom_fields".to_string(),
            metric(2.0, Some("Account.Legacy_ID__c, Contact.Created__c")),
        );
        let (v, author) = from_metric(&list, &metrics).unwrap();
        assert_eq!(v, json!(["Account.Legacy_ID__c", "Contact.Created__c"]));
        assert_eq!(author, "measured: map.custom_fields");
        let count = Question {
            text: "How many custom fields?".into(),
            known_from: Some("map.custom_fields".into()),
            ..q(Kind::Number)
        };
        assert_eq!(from_metric(&count, &metrics).unwrap().0, json!(2));
        let yes = Question {
            known_from: Some("map.custom_fields".into()),
            ..q(Kind::YesNo)
        };
        assert_eq!(from_metric(&yes, &metrics).unwrap().0, json!(true));
        // A list metric with no detail has nothing to offer.
        metrics.insert("map.custom_fields".to_string(), metric(0.0, None));
        assert_eq!(from_metric(&list, &metrics), None);
        // A count is offered as a whole number even when the metric is not one.
        metrics.insert("map.custom_fields".to_string(), metric(2.6, None));
        assert_eq!(from_metric(&count, &metrics).unwrap().0, json!(3));
    }

    #[test]
    fn yes_no_questions_read_a_condition_over_metrics() {
        let metric = |name: &str, value: f64| Metric {
            name: name.into(),
            value,
            detail: None,
            source: "score".into(),
            computed_at: String::new(),
        };
        let rfm = Question {
            known_from: Some("score.rfm_accounts >= 1 && score.accounts >= 1".into()),
            ..q(Kind::YesNo)
        };
        let mut metrics = BTreeMap::new();
        metrics.insert(
            "score.rfm_accounts".into(),
            metric("score.rfm_accounts", 40.0),
        );
        // Half the condition measured: the data does not know the answer yet.
        assert_eq!(from_metric(&rfm, &metrics), None);
        metrics.insert("score.accounts".into(), metric("score.accounts", 40.0));
        assert_eq!(from_metric(&rfm, &metrics).unwrap().0, json!(true));
        metrics.insert(
            "score.rfm_accounts".into(),
            metric("score.rfm_accounts", 0.0),
        );
        assert_eq!(from_metric(&rfm, &metrics).unwrap().0, json!(false));
    }

    #[test]
    fn counts_take_whole_numbers_and_measures_take_any() {
        let count = Question {
            text: "How many applications exchange customer data with the CRM?".into(),
            ..q(Kind::Number)
        };
        assert_eq!(from_text(&count, "4"), Ok(Value::from(4)));
        assert_eq!(from_text(&count, "1,200"), Ok(Value::from(1200)));
        assert!(
            from_text(&count, "2.5")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(from_text(&count, "-1").is_err());
        let hours = Question {
            text: "How many hours of the administrator's time are booked?".into(),
            ..q(Kind::Number)
        };
        assert!(!asks_a_count(&hours));
        assert!(from_text(&hours, "2.5").is_ok());
    }

    fn choice() -> Question {
        Question {
            options: vec!["Monthly".into(), "Quarterly".into(), "Never".into()],
            credit: [("Monthly".to_string(), 1.0), ("Quarterly".to_string(), 0.5)].into(),
            ..q(Kind::Choice)
        }
    }

    #[test]
    fn typed_answers_table() {
        let cases: Vec<(Question, &str, Result<Value, &str>)> = vec![
            (q(Kind::YesNo), "Y", Ok(json!(true))),
            (q(Kind::YesNo), "no", Ok(json!(false))),
            (q(Kind::YesNo), "maybe", Err("not yes or no")),
            (choice(), "2", Ok(json!("Quarterly"))),
            (choice(), "never", Ok(json!("Never"))),
            (choice(), "mon", Ok(json!("Monthly"))),
            (choice(), "Quartrly", Err("did you mean `Quarterly`")),
            (choice(), "9", Err("not one of the options")),
            (q(Kind::Number), "1,200", Ok(json!(1200.0))),
            (q(Kind::Number), "lots", Err("not a number")),
            (q(Kind::Date), "2025-09-30", Ok(json!("2025-09-30"))),
            (q(Kind::Date), "30/09/2025", Err("YYYY-MM-DD")),
            (q(Kind::Text), "  Jane Doe ", Ok(json!("Jane Doe"))),
            (
                q(Kind::List),
                "Web form, Events;; Chat",
                Ok(json!(["Web form", "Events", "Chat"])),
            ),
            (q(Kind::List), " , ", Err("empty")),
            (q(Kind::Text), "   ", Err("empty")),
            (q(Kind::YesNo), "n/a", Ok(Value::Null)),
            (choice(), "N/A", Ok(Value::Null)),
            (q(Kind::Number), "not applicable", Ok(Value::Null)),
        ];
        for (question, input, expect) in cases {
            let got = from_text(&question, input);
            match expect {
                Ok(v) => assert_eq!(got, Ok(v), "{input}"),
                Err(msg) => {
                    let err = got.unwrap_err();
                    assert!(err.contains(msg), "{input}: {err}");
                }
            }
        }
    }

    #[test]
    fn yaml_answers() {
        let y = |s: &str| serde_yaml::from_str::<serde_yaml::Value>(s).unwrap();
        assert_eq!(from_yaml(&q(Kind::YesNo), &y("true")), Ok(json!(true)));
        assert_eq!(from_yaml(&q(Kind::YesNo), &y("yes")), Ok(json!(true)));
        assert_eq!(from_yaml(&q(Kind::Number), &y("6")), Ok(json!(6.0)));
        assert_eq!(
            from_yaml(&q(Kind::Date), &y("2025-09-30")),
            Ok(json!("2025-09-30"))
        );
        assert_eq!(
            from_yaml(&q(Kind::List), &y("[a, b]")),
            Ok(json!(["a", "b"]))
        );
        assert!(from_yaml(&q(Kind::Text), &y("[a, b]")).is_err());
        assert!(from_yaml(&q(Kind::Text), &y("~")).is_err());
    }

    #[test]
    fn credit_table() {
        let number = Question {
            pass: Some(">= 4".into()),
            ..q(Kind::Number)
        };
        let list = Question {
            pass: Some(">= 2".into()),
            ..q(Kind::List)
        };
        let cases: Vec<(Question, Value, f64)> = vec![
            (q(Kind::YesNo), json!(true), 1.0),
            (q(Kind::YesNo), json!(false), 0.0),
            (choice(), json!("Monthly"), 1.0),
            (choice(), json!("Quarterly"), 0.5),
            (choice(), json!("Never"), 0.0),
            (number.clone(), json!(4.0), 1.0),
            (number, json!(2.0), 0.0),
            (q(Kind::Number), json!(0.0), 1.0),
            (list.clone(), json!(["a"]), 0.0),
            (list, json!(["a", "b"]), 1.0),
            (q(Kind::Text), json!("x"), 1.0),
            (q(Kind::Date), json!("2025-01-01"), 1.0),
        ];
        for (question, v, expect) in cases {
            assert_eq!(credit(&question, &v), expect, "{v}");
        }
        let any = Question {
            credit: BTreeMap::new(),
            ..choice()
        };
        assert_eq!(credit(&any, &json!("Never")), 1.0);
    }

    #[test]
    fn fitting_and_display() {
        assert!(fits(&choice(), &json!("Never")));
        assert!(!fits(&choice(), &json!("Weekly")));
        assert!(!fits(&q(Kind::YesNo), &json!("yes")));
        assert_eq!(display(&json!(true)), "yes");
        assert_eq!(display(&json!(6.0)), "6");
        assert_eq!(display(&json!(0.5)), "0.5");
        assert_eq!(display(&json!(["a", "b"])), "a, b");
        assert!(fits(&choice(), &Value::Null));
        assert_eq!(display(&Value::Null), "n/a");
    }
}
