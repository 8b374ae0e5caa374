//! Readiness scoring: each item earns a share of its weight from evidence or its answer; a
//! dimension's score is the points it earned over the points it could earn; criteria are met
//! when all their items pass.

use serde::Serialize;
use serde_json::Value;

use super::evidence::{self, Expr, Outcome, command_for};
use super::model::{Dimension, Role};
use super::{Facts, ItemRef, Library, answer};

/// Where an item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Partial,
    Fail,
    Unknown,
    /// Answered `n/a`: the item does not apply here and leaves the denominator.
    #[serde(rename = "n/a")]
    NotApplicable,
}

/// What decided an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Evidence,
    Answer,
    None,
}

/// A metric an item's evidence read.
#[derive(Clone, Debug, Serialize)]
pub struct MetricView {
    pub name: String,
    pub value: f64,
    pub detail: Option<String>,
}

/// The evidence of an item and what the metrics said.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceView {
    pub check: String,
    /// `pass`, `fail` or `missing`.
    pub outcome: &'static str,
    pub metrics: Vec<MetricView>,
    pub missing: Vec<String>,
    /// The command that produces the missing metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The step behind every missing metric has run: the data has nothing they apply to.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_applicable: bool,
}

/// The answer in force for an item.
#[derive(Clone, Debug, Serialize)]
pub struct AnswerView {
    pub value: Value,
    pub text: String,
    pub author: String,
    pub answered_at: String,
}

/// One item's result, with the points it gave, cost or left unknown.
#[derive(Clone, Debug, Serialize)]
pub struct ItemResult {
    pub id: String,
    pub playbook: String,
    pub step: usize,
    pub title: String,
    pub dimension: Dimension,
    pub roles: Vec<Role>,
    pub weight: f64,
    pub status: Status,
    pub basis: Basis,
    /// Points earned.
    pub points: f64,
    /// Points lost to a failing or partial result.
    pub cost: f64,
    /// Points not yet decided (no evidence, no answer).
    pub unknown: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerView>,
    /// Why an item is not what it seems (e.g. a stored answer that no longer fits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What to do, when the item does not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
}

/// One dimension's score.
#[derive(Clone, Debug, Serialize)]
pub struct DimensionScore {
    pub name: Dimension,
    /// 0-100: points over max_points.
    pub score: f64,
    pub max_points: f64,
    pub points: f64,
    pub cost_points: f64,
    pub unknown_points: f64,
}

/// A success criterion and why it is or is not met.
#[derive(Clone, Debug, Serialize)]
pub struct CriterionResult {
    pub name: String,
    pub description: String,
    pub met: bool,
    pub reasons: Vec<String>,
}

/// The readiness assessment.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    /// 0-100: all points earned over all points possible (the weighted mean of the dimensions).
    pub overall: f64,
    pub playbooks: Vec<String>,
    pub dimensions: Vec<DimensionScore>,
    pub criteria: Vec<CriterionResult>,
    pub items: Vec<ItemResult>,
}

/// Scores one item against the facts.
pub fn evaluate(r: ItemRef<'_>, facts: &Facts) -> ItemResult {
    let item = r.item;
    let evidence = item.evidence.as_deref().and_then(|text| {
        let expr: Expr = text.parse().ok()?;
        let outcome = expr.evaluate(|m| facts.value(m));
        let metrics = expr
            .metrics()
            .into_iter()
            .filter_map(|m| facts.metrics.get(m))
            .map(|m| MetricView {
                name: m.name.clone(),
                value: m.value,
                detail: m.detail.clone(),
            })
            .collect();
        let (label, missing) = match outcome {
            Outcome::Pass => ("pass", Vec::new()),
            Outcome::Fail => ("fail", Vec::new()),
            Outcome::Missing(m) => ("missing", m),
        };
        let has = |m: &str| facts.metrics.contains_key(m);
        let not_applicable =
            !missing.is_empty() && missing.iter().all(|m| evidence::not_applicable(m, has));
        Some(EvidenceView {
            check: expr.to_string(),
            outcome: label,
            not_applicable,
            command: missing
                .first()
                .filter(|_| !not_applicable)
                .map(|m| command_for(m).to_string()),
            metrics,
            missing,
        })
    });
    let stored = facts.answers.get(&item.id);
    let fitting = stored.filter(|a| answer::fits(&item.question, &a.value));
    let note = match (stored, fitting) {
        (Some(a), None) => Some(format!(
            "the stored answer `{}` no longer fits this {} question; answer it again",
            answer::display(&a.value),
            item.question.kind.name()
        )),
        _ => None,
    };
    let decided_by_evidence = evidence.as_ref().is_some_and(|e| e.outcome != "missing");
    let (basis, credit) = if decided_by_evidence {
        let pass = evidence.as_ref().is_some_and(|e| e.outcome == "pass");
        (Basis::Evidence, Some(if pass { 1.0 } else { 0.0 }))
    } else if let Some(a) = fitting {
        (
            Basis::Answer,
            Some(answer::credit(&item.question, &a.value)),
        )
    } else {
        (Basis::None, None)
    };
    let w = item.weight;
    let not_applicable = basis == Basis::Answer && fitting.is_some_and(|a| a.value.is_null());
    let (status, points, cost, unknown) = match credit {
        _ if not_applicable => (Status::NotApplicable, 0.0, 0.0, 0.0),
        None => (Status::Unknown, 0.0, 0.0, w),
        Some(c) if c >= 1.0 => (Status::Pass, w, 0.0, 0.0),
        Some(c) if c <= 0.0 => (Status::Fail, 0.0, w, 0.0),
        Some(c) => (Status::Partial, w * c, w * (1.0 - c), 0.0),
    };
    ItemResult {
        id: item.id.clone(),
        playbook: r.playbook.name.clone(),
        step: r.step,
        title: item.title.clone(),
        dimension: item.dimension,
        roles: item.roles.clone(),
        weight: w,
        status,
        basis,
        points,
        cost,
        unknown,
        evidence,
        answer: fitting.map(|a| AnswerView {
            value: a.value.clone(),
            text: answer::display(&a.value),
            author: a.author.clone(),
            answered_at: a.answered_at.clone(),
        }),
        note,
        recommendation: matches!(status, Status::Fail | Status::Partial)
            .then(|| item.recommendation.clone()),
    }
}

/// Scores the playbooks named in `scope` (all when empty); criteria always read every item.
pub fn assess(library: &Library, facts: &Facts, scope: &[String]) -> Assessment {
    let all: Vec<ItemResult> = library.items().map(|r| evaluate(r, facts)).collect();
    let in_scope = |r: &ItemResult| scope.is_empty() || scope.contains(&r.playbook);
    let items: Vec<ItemResult> = all.iter().filter(|r| in_scope(r)).cloned().collect();
    let dimensions = Dimension::ALL
        .into_iter()
        .filter_map(|d| {
            // Items answered n/a leave the denominator: they cannot be earned or lost.
            let of: Vec<&ItemResult> = items
                .iter()
                .filter(|r| r.dimension == d && r.status != Status::NotApplicable)
                .collect();
            if of.is_empty() {
                return None;
            }
            let max: f64 = of.iter().map(|r| r.weight).sum();
            let points: f64 = of.iter().map(|r| r.points).sum();
            Some(DimensionScore {
                name: d,
                score: percent(points, max),
                max_points: max,
                points,
                cost_points: of.iter().map(|r| r.cost).sum(),
                unknown_points: of.iter().map(|r| r.unknown).sum(),
            })
        })
        .collect::<Vec<_>>();
    let max: f64 = dimensions.iter().map(|d| d.max_points).sum();
    let points: f64 = dimensions.iter().map(|d| d.points).sum();
    let criteria = library
        .playbooks
        .iter()
        .flat_map(|l| &l.playbook.criteria)
        .map(|c| {
            let results: Vec<&ItemResult> = c
                .items
                .iter()
                .filter_map(|id| all.iter().find(|r| &r.id == id))
                .collect();
            let holds = |r: &&ItemResult| matches!(r.status, Status::Pass | Status::NotApplicable);
            let met = results.iter().all(holds);
            let reasons = results
                .iter()
                .filter(|r| met || !holds(r))
                .map(|r| reason(r))
                .collect();
            CriterionResult {
                name: c.name.clone(),
                description: c.description.clone(),
                met,
                reasons,
            }
        })
        .collect();
    let mut playbooks: Vec<String> = Vec::new();
    for r in &items {
        if !playbooks.contains(&r.playbook) {
            playbooks.push(r.playbook.clone());
        }
    }
    Assessment {
        overall: percent(points, max),
        playbooks,
        dimensions,
        criteria,
        items,
    }
}

/// `100 * part / whole`, to one decimal; 0 when there is nothing to score.
pub fn percent(part: f64, whole: f64) -> f64 {
    if whole <= 0.0 {
        0.0
    } else {
        (1000.0 * part / whole).round() / 10.0
    }
}

/// One line saying what decided an item: its evidence with the numbers, or its answer.
pub fn basis_text(r: &ItemResult) -> String {
    match r.basis {
        Basis::Evidence => {
            let e = r.evidence.as_ref().expect("evidence basis has evidence");
            let figures: Vec<String> = e
                .metrics
                .iter()
                .map(|m| match &m.detail {
                    Some(d) => format!("{} = {} ({d})", m.name, number(m.value)),
                    None => format!("{} = {}", m.name, number(m.value)),
                })
                .collect();
            format!("evidence `{}`: {}", e.check, figures.join("; "))
        }
        Basis::Answer if r.status == Status::NotApplicable => {
            let a = r.answer.as_ref().expect("answer basis has an answer");
            format!(
                "marked n/a (does not apply, left out of the score) by {} on {}",
                a.author,
                a.answered_at.get(..10).unwrap_or(&a.answered_at)
            )
        }
        Basis::Answer => {
            let a = r.answer.as_ref().expect("answer basis has an answer");
            let pending = match &r.evidence {
                Some(e) if e.not_applicable => String::new(),
                Some(e) => format!(
                    "; data not measured yet: run `{}`",
                    e.command.as_deref().unwrap_or("crmkit status")
                ),
                None => String::new(),
            };
            format!(
                "answered `{}` by {} on {}{pending}",
                a.text,
                a.author,
                a.answered_at.get(..10).unwrap_or(&a.answered_at)
            )
        }
        Basis::None => match &r.evidence {
            Some(e) if e.not_applicable => format!(
                "not applicable to this data (the profile has no column for `{}`); answer it with `{}` if it matters",
                e.missing.join("`, `"),
                guide_command(r)
            ),
            Some(e) => format!(
                "not known yet: run `{}` or answer it with `{}`",
                e.command.as_deref().unwrap_or("crmkit status"),
                guide_command(r)
            ),
            None => format!("not answered yet: `{}`", guide_command(r)),
        },
    }
}

/// The guide command that asks this item's step.
pub fn guide_command(r: &ItemResult) -> String {
    format!("crmkit guide --playbook {} --step {}", r.playbook, r.step)
}

fn reason(r: &ItemResult) -> String {
    let state = match r.status {
        Status::Pass => "passes",
        Status::Partial => "partly passes",
        Status::Fail => "fails",
        Status::Unknown => "is open",
        Status::NotApplicable => "does not apply",
    };
    format!("{} (`{}`) {state}: {}", r.title, r.id, basis_text(r))
}

/// A metric value without float noise: `0.031`, `7`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::playbook::Answer;
    use crate::staging::Metric;

    const PB: &str = "version: 1
title: T
description: D
criteria:
  - name: credibility
    description: trusted
    items: [d.emails, p.cadence]
steps:
  - title: S
    summary: s
    items:
      - id: d.emails
        title: Emails valid
        why: w
        roles: [admin]
        question: {kind: yes_no, text: Valid?}
        evidence: profile.invalid_email_rate < 0.02
        weight: 3
        dimension: data
        recommendation: fix emails
      - id: p.cadence
        title: Cadence
        why: w
        roles: [lead]
        question: {kind: choice, text: How often?, options: [monthly, yearly, never], credit: {monthly: 1, yearly: 0.5}}
        weight: 2
        dimension: process
        recommendation: review monthly
      - id: p.owner
        title: Owner
        why: w
        roles: [lead]
        question: {kind: text, text: Who?}
        weight: 1
        dimension: process
        recommendation: name one
";

    fn library() -> Library {
        let mut pb: crate::playbook::Playbook = serde_yaml::from_str(PB).unwrap();
        pb.name = "t".into();
        Library {
            playbooks: vec![crate::playbook::Loaded {
                playbook: pb,
                origin: crate::playbook::Origin::Builtin,
            }],
        }
    }

    fn facts(email_rate: Option<f64>, answers: &[(&str, Value)]) -> Facts {
        let mut f = Facts::default();
        if let Some(v) = email_rate {
            f.metrics.insert(
                "profile.invalid_email_rate".into(),
                Metric {
                    name: "profile.invalid_email_rate".into(),
                    value: v,
                    detail: Some("3 of 100 emails invalid".into()),
                    source: "profile".into(),
                    computed_at: "2025-01-01T00:00:00Z".into(),
                },
            );
        }
        for (id, v) in answers {
            f.answers.insert(
                id.to_string(),
                Answer {
                    value: v.clone(),
                    author: "Jane".into(),
                    answered_at: "2025-01-02T00:00:00Z".into(),
                },
            );
        }
        f
    }

    #[test]
    fn scores_table() {
        // (email rate, answers, overall, data score, process score, unknown process points)
        type Case<'a> = (Option<f64>, Vec<(&'a str, Value)>, f64, f64, f64, f64);
        let cases: Vec<Case> = vec![
            (None, vec![], 0.0, 0.0, 0.0, 3.0),
            (Some(0.01), vec![], 50.0, 100.0, 0.0, 3.0),
            // Evidence outranks a contrary answer.
            (
                Some(0.03),
                vec![("d.emails", json!(true))],
                0.0,
                0.0,
                0.0,
                3.0,
            ),
            // Without data, the answer counts.
            (None, vec![("d.emails", json!(true))], 50.0, 100.0, 0.0, 3.0),
            (
                Some(0.01),
                vec![("p.cadence", json!("yearly")), ("p.owner", json!("Sam"))],
                // (3 + 1 + 1) / 6
                83.3,
                100.0,
                66.7,
                0.0,
            ),
            // An answer that no longer fits the question counts as unanswered.
            (
                Some(0.01),
                vec![("p.cadence", json!("weekly"))],
                50.0,
                100.0,
                0.0,
                3.0,
            ),
        ];
        let lib = library();
        for (rate, answers, overall, data, process, unknown) in cases {
            let a = assess(&lib, &facts(rate, &answers), &[]);
            let dim = |d: Dimension| a.dimensions.iter().find(|x| x.name == d).unwrap();
            assert_eq!(a.overall, overall, "{rate:?} {answers:?}");
            assert_eq!(dim(Dimension::Data).score, data, "{rate:?} {answers:?}");
            assert_eq!(
                dim(Dimension::Process).score,
                process,
                "{rate:?} {answers:?}"
            );
            assert_eq!(
                dim(Dimension::Process).unknown_points,
                unknown,
                "{answers:?}"
            );
            for r in &a.items {
                assert!(
                    (r.points + r.cost + r.unknown - r.weight).abs() < 1e-9,
                    "{}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn criteria_need_every_item_to_pass() {
        let lib = library();
        let a = assess(
            &lib,
            &facts(Some(0.01), &[("p.cadence", json!("yearly"))]),
            &[],
        );
        let c = &a.criteria[0];
        assert!(!c.met);
        assert_eq!(c.reasons.len(), 1);
        assert!(
            c.reasons[0].contains("p.cadence") && c.reasons[0].contains("partly"),
            "{:?}",
            c.reasons
        );
        let a = assess(
            &lib,
            &facts(Some(0.01), &[("p.cadence", json!("monthly"))]),
            &[],
        );
        assert!(a.criteria[0].met);
        assert_eq!(a.criteria[0].reasons.len(), 2);
        assert!(a.criteria[0].reasons[0].contains("3 of 100 emails invalid"));
    }

    #[test]
    fn explain_texts() {
        let lib = library();
        let a = assess(&lib, &facts(None, &[("d.emails", json!(false))]), &[]);
        let text = basis_text(&a.items[0]);
        assert!(
            text.contains("answered `no` by Jane on 2025-01-02"),
            "{text}"
        );
        assert!(text.contains("run `crmkit profile`"), "{text}");
        assert_eq!(a.items[0].recommendation.as_deref(), Some("fix emails"));
        assert!(basis_text(&a.items[2]).contains("crmkit guide --playbook t --step 1"));
        assert_eq!(number(0.031), "0.031");
        assert_eq!(number(7.0), "7");
    }
}
