//! The guide engine: where a playbook stands, which items to ask next, and the next action
//! with the exact command to run. The terminal dialogue itself lives in `cli::guide`.

use serde::Serialize;

use super::Playbook;
use super::evidence::command_for;
use super::scoring::{Assessment, Basis, ItemResult, Status, basis_text, percent};
use crate::error::{Error, Result};

/// Progress of one step.
#[derive(Clone, Debug, Serialize)]
pub struct StepProgress {
    pub number: usize,
    pub title: String,
    pub items: usize,
    pub passing: usize,
    /// Failing or partly passing.
    pub failing: usize,
    pub open: usize,
    /// True when no item of the step is open.
    pub done: bool,
}

/// One evidence check and its result, for the status panel.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceLine {
    pub item: String,
    pub title: String,
    /// `pass`, `fail` or `missing`.
    pub outcome: &'static str,
    pub text: String,
}

/// Kinds of next action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NextKind {
    /// Run a command that measures the data.
    Measure,
    /// Answer a question.
    Answer,
    /// Fix what a failing item found.
    Fix,
    /// Nothing open or failing in this playbook.
    Done,
}

/// What to do next, and the command that does it.
#[derive(Clone, Debug, Serialize)]
pub struct NextAction {
    pub kind: NextKind,
    pub item: Option<String>,
    pub text: String,
    /// The same in a client's words: no item ids, expressions or playbook file names.
    pub plain: String,
    pub command: Option<String>,
}

/// Open items left in another playbook.
#[derive(Clone, Debug, Serialize)]
pub struct OtherPlaybook {
    pub name: String,
    pub title: String,
    pub open: usize,
    pub items: usize,
}

/// Where the engagement stands in one playbook.
#[derive(Clone, Debug, Serialize)]
pub struct GuideView {
    pub playbook: String,
    pub title: String,
    /// This playbook's readiness, 0-100.
    pub score: f64,
    pub steps: Vec<StepProgress>,
    pub evidence: Vec<EvidenceLine>,
    pub next: NextAction,
    pub others: Vec<OtherPlaybook>,
}

/// Builds the status view of `pb`; `default` is the workspace's playbook, whose name
/// commands may leave out.
pub fn view(assessment: &Assessment, pb: &Playbook, all: &[&Playbook], default: &str) -> GuideView {
    let mine: Vec<&ItemResult> = assessment
        .items
        .iter()
        .filter(|r| r.playbook == pb.name)
        .collect();
    let steps = pb
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let of: Vec<&&ItemResult> = mine.iter().filter(|r| r.step == i + 1).collect();
            let count = |st: &[Status]| of.iter().filter(|r| st.contains(&r.status)).count();
            let open = count(&[Status::Unknown]);
            StepProgress {
                number: i + 1,
                title: s.title.clone(),
                items: of.len(),
                passing: count(&[Status::Pass]),
                failing: count(&[Status::Fail, Status::Partial]),
                open,
                done: open == 0,
            }
        })
        .collect();
    let evidence = mine
        .iter()
        .filter_map(|r| {
            r.evidence.as_ref().map(|e| EvidenceLine {
                item: r.id.clone(),
                title: r.title.clone(),
                outcome: e.outcome,
                text: if e.outcome == "missing" && e.not_applicable {
                    format!(
                        "`{}` not applicable: the profiled data has no column it applies to",
                        e.check
                    )
                } else if e.outcome == "missing" {
                    format!(
                        "`{}` not measured yet: run `{}`",
                        e.check,
                        e.command.as_deref().unwrap_or("crmkit status")
                    )
                } else {
                    basis_text_evidence(r)
                },
            })
        })
        .collect();
    let others = all
        .iter()
        .filter(|p| p.name != pb.name)
        .map(|p| {
            let of: Vec<&ItemResult> = assessment
                .items
                .iter()
                .filter(|r| r.playbook == p.name)
                .collect();
            OtherPlaybook {
                name: p.name.clone(),
                title: p.title.clone(),
                open: of.iter().filter(|r| r.status == Status::Unknown).count(),
                items: of.len(),
            }
        })
        .collect::<Vec<_>>();
    let weight: f64 = mine.iter().map(|r| r.weight).sum();
    let points: f64 = mine.iter().map(|r| r.points).sum();
    GuideView {
        playbook: pb.name.clone(),
        title: pb.title.clone(),
        score: percent(points, weight),
        next: next_action(&mine, pb, &others, default),
        steps,
        evidence,
        others,
    }
}

fn basis_text_evidence(r: &ItemResult) -> String {
    if r.basis == Basis::Evidence {
        basis_text(r)
    } else {
        String::new()
    }
}

fn next_action(
    mine: &[&ItemResult],
    pb: &Playbook,
    others: &[OtherPlaybook],
    default: &str,
) -> NextAction {
    let guide = |step: Option<usize>, name: &str| {
        let mut cmd = "crmkit guide".to_string();
        if name != default {
            cmd.push_str(&format!(" --playbook {name}"));
        }
        if let Some(n) = step {
            cmd.push_str(&format!(" --step {n}"));
        }
        cmd
    };
    if let Some(r) = mine.iter().find(|r| r.status == Status::Unknown) {
        if let Some(e) = r.evidence.as_ref().filter(|e| e.outcome == "missing") {
            return NextAction {
                kind: NextKind::Measure,
                item: Some(r.id.clone()),
                text: format!(
                    "measure \"{}\" (step {}): `{}` needs {}",
                    r.title,
                    r.step,
                    e.check,
                    e.missing.join(", ")
                ),
                plain: format!("measure \"{}\" (step {})", r.title, r.step),
                command: e.command.clone(),
            };
        }
        let question = pb
            .items()
            .find(|(_, _, i)| i.id == r.id)
            .map(|(_, _, i)| i.question.text.clone())
            .unwrap_or_default();
        return NextAction {
            kind: NextKind::Answer,
            item: Some(r.id.clone()),
            text: format!("answer \"{question}\" (step {}, `{}`)", r.step, r.id),
            plain: format!("answer \"{question}\" (step {})", r.step),
            command: Some(guide(None, &pb.name)),
        };
    }
    if let Some(r) = mine
        .iter()
        .find(|r| matches!(r.status, Status::Fail | Status::Partial))
    {
        let command = match (&r.basis, &r.evidence) {
            (Basis::Evidence, Some(e)) => e
                .metrics
                .first()
                .map(|m| format!("{} (after fixing, to measure again)", command_for(&m.name))),
            _ => Some(guide(Some(r.step), &pb.name)),
        };
        let text = format!(
            "fix \"{}\": {}",
            r.title,
            r.recommendation.as_deref().unwrap_or_default()
        );
        return NextAction {
            kind: NextKind::Fix,
            item: Some(r.id.clone()),
            plain: text.clone(),
            text,
            command,
        };
    }
    let next = others.iter().find(|o| o.open > 0);
    NextAction {
        kind: NextKind::Done,
        item: None,
        plain: all_pass(
            format!("\"{}\"", pb.title),
            next.map(|o| (format!("\"{}\"", o.title), o.open)),
        ),
        text: all_pass(
            format!("`{}`", pb.name),
            next.map(|o| (format!("`{}`", o.name), o.open)),
        ),
        command: Some(match next {
            Some(o) => guide(None, &o.name),
            None => "crmkit assess".to_string(),
        }),
    }
}

/// "every item of THIS passes", and which playbook has items open next, names as quoted.
fn all_pass(this: String, next: Option<(String, usize)>) -> String {
    match next {
        Some((name, open)) => format!(
            "every item of {this} passes; {name} has {} open",
            crate::numbers::plural(open as u64, "item", "items")
        ),
        None => format!("every item of {this} passes"),
    }
}

/// The items to ask, in walk order: open ones, or with `step`/`revisit` every item the data
/// has not decided, answered or not.
pub fn queue<'a>(
    assessment: &'a Assessment,
    pb: &Playbook,
    step: Option<usize>,
    revisit: bool,
) -> Result<Vec<&'a ItemResult>> {
    if let Some(n) = step
        && !(1..=pb.steps.len()).contains(&n)
    {
        return Err(Error::Usage(format!(
            "playbook `{}` has steps 1 to {}, not {n}",
            pb.name,
            pb.steps.len()
        )));
    }
    let all = step.is_some() || revisit;
    Ok(assessment
        .items
        .iter()
        .filter(|r| r.playbook == pb.name)
        .filter(|r| step.is_none_or(|n| r.step == n))
        .filter(|r| r.basis != Basis::Evidence)
        .filter(|r| all || r.status == Status::Unknown)
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::playbook::scoring::assess;
    use crate::playbook::{Answer, Facts, Library, answer};
    use crate::staging::Metric;

    /// Answers every item of `pb` with its best (or worst) answer by the question's own rules.
    fn answer_everything(lib: &Library, pb: &str, best: bool) -> Facts {
        use crate::playbook::Kind;
        let mut f = Facts::default();
        for r in lib.items().filter(|r| r.playbook.name == pb) {
            let q = &r.item.question;
            let candidates: Vec<serde_json::Value> = match q.kind {
                Kind::YesNo => vec![json!(true), json!(false)],
                Kind::Choice => q.options.iter().map(|o| json!(o)).collect(),
                Kind::Number => [0.0, 1.0, 4.0, 24.0, 100.0, 1000.0]
                    .map(|n| json!(n))
                    .to_vec(),
                Kind::Date => vec![json!("2025-09-30")],
                Kind::Text => vec![json!("x")],
                Kind::List => vec![json!(["a"]), json!(["a", "b", "c", "d", "e", "f"])],
            };
            let pick = candidates.into_iter().max_by(|a, b| {
                let (ca, cb) = (answer::credit(q, a), answer::credit(q, b));
                if best {
                    ca.total_cmp(&cb)
                } else {
                    cb.total_cmp(&ca)
                }
            });
            f.answers.insert(
                r.item.id.clone(),
                Answer {
                    value: pick.unwrap(),
                    author: "t".into(),
                    answered_at: "2025-01-01T00:00:00Z".into(),
                },
            );
        }
        f
    }

    /// Plants metric values that satisfy every evidence check of `pb`.
    fn pass_all_evidence(lib: &Library, pb: &str, f: &mut Facts) {
        use crate::playbook::evidence::{Expr, Op, Operand};
        let put = |f: &mut Facts, name: &str, value: f64| {
            f.metrics.entry(name.to_string()).or_insert(Metric {
                name: name.to_string(),
                value,
                detail: None,
                source: "t".into(),
                computed_at: "x".into(),
            });
        };
        for r in lib.items().filter(|r| r.playbook.name == pb) {
            let Some(text) = &r.item.evidence else {
                continue;
            };
            let expr: Expr = text.parse().unwrap();
            for t in &expr.terms {
                let target = match &t.compare {
                    None => 1.0,
                    Some((_, Operand::Metric(m))) => {
                        put(f, m, 5.0);
                        f.value(m).unwrap()
                    }
                    Some((_, Operand::Number(n))) => *n,
                    Some(_) => continue,
                };
                let value = match t.compare.as_ref().map(|(op, _)| *op) {
                    None | Some(Op::Le | Op::Ge | Op::Eq | Op::In | Op::Contains) => target,
                    Some(Op::Lt) => target - 0.5,
                    Some(Op::Gt | Op::Ne) => target + 0.5,
                };
                put(f, &t.metric, value);
            }
        }
    }

    fn all(lib: &Library) -> Vec<&Playbook> {
        lib.playbooks.iter().map(|l| &l.playbook).collect()
    }

    #[test]
    fn a_fresh_engagement_starts_at_the_first_item() {
        let lib = Library::load(None).unwrap();
        let pb = lib.get("implementation").unwrap();
        let a = assess(&lib, &Facts::default(), &[]);
        let v = view(&a, pb, &all(&lib), "implementation");
        let first = &pb.steps[0].items[0];
        assert_eq!(v.next.item.as_deref(), Some(first.id.as_str()));
        assert!(v.steps.iter().all(|s| !s.done && s.open == s.items));
        let q = queue(&a, pb, None, false).unwrap();
        assert_eq!(q.len(), pb.items().count());
        assert_eq!(q[0].id, first.id);
    }

    #[test]
    fn answered_items_are_skipped_and_resume_at_the_next() {
        let lib = Library::load(None).unwrap();
        let pb = lib.get("pre-implementation").unwrap();
        let ids: Vec<String> = pb.items().map(|(_, _, i)| i.id.clone()).collect();
        let facts = answer_everything(&lib, "pre-implementation", true);
        let mut partial = Facts::default();
        for id in &ids[..2] {
            partial
                .answers
                .insert(id.clone(), facts.answers[id].clone());
        }
        let a = assess(&lib, &partial, &[]);
        let q = queue(&a, pb, None, false).unwrap();
        assert_eq!(q[0].id, ids[2]);
        let v = view(&a, pb, &all(&lib), "implementation");
        assert_eq!(v.next.kind, NextKind::Answer);
        assert_eq!(v.next.item.as_deref(), Some(ids[2].as_str()));
        assert!(
            v.next
                .command
                .as_deref()
                .unwrap()
                .contains("--playbook pre-implementation")
        );
        // --step 1 asks the answered items again; a bad step is a usage error.
        let q = queue(&a, pb, Some(1), false).unwrap();
        assert_eq!(q[0].id, ids[0]);
        assert!(queue(&a, pb, Some(99), false).is_err());
    }

    #[test]
    fn missing_evidence_names_the_command_and_failures_come_after_open_items() {
        let lib = Library::load(None).unwrap();
        let pb = lib.get("implementation").unwrap();
        // Answer every question with "no": nothing open, except evidence items now answered.
        let facts = answer_everything(&lib, "implementation", false);
        let a = assess(&lib, &facts, &[]);
        let v = view(&a, pb, &all(&lib), "implementation");
        assert_eq!(v.next.kind, NextKind::Fix);
        assert!(v.steps.iter().all(|s| s.done));
        // Remove the answer of an evidence item: the next action is to measure it.
        let (_, _, ev) = pb.items().find(|(_, _, i)| i.evidence.is_some()).unwrap();
        let mut facts = facts;
        facts.answers.remove(&ev.id);
        let a = assess(&lib, &facts, &[]);
        let v = view(&a, pb, &all(&lib), "implementation");
        assert_eq!(v.next.kind, NextKind::Measure, "{:?}", v.next);
        assert_eq!(v.next.item.as_deref(), Some(ev.id.as_str()));
        assert!(v.next.command.as_deref().unwrap().starts_with("crmkit "));
    }

    #[test]
    fn evidence_decided_items_are_not_asked_and_all_passing_is_done() {
        let lib = Library::load(None).unwrap();
        let pb = lib.get("implementation").unwrap();
        let mut facts = answer_everything(&lib, "implementation", true);
        pass_all_evidence(&lib, "implementation", &mut facts);
        let a = assess(&lib, &facts, &[]);
        // With every check measured, the evidence items are not asked even on --revisit.
        let q = queue(&a, pb, None, true).unwrap();
        let asked: Vec<&str> = q.iter().map(|r| r.id.as_str()).collect();
        for (_, _, item) in pb.items() {
            assert_eq!(
                asked.contains(&item.id.as_str()),
                item.evidence.is_none(),
                "{}",
                item.id
            );
        }
        let v = view(&a, pb, &all(&lib), "implementation");
        assert_eq!(v.score, 100.0);
        assert_eq!(v.next.kind, NextKind::Done, "{:?}", v.next);
        assert_eq!(
            v.next.command.as_deref(),
            Some("crmkit guide --playbook pre-implementation")
        );
        assert!(v.evidence.iter().all(|e| e.outcome == "pass"));
        // The criteria read only implementation items, all of which now pass.
        for c in &a.criteria {
            assert!(c.met, "{}: {:?}", c.name, c.reasons);
        }
    }
}
