//! Pre-migration checklists: per role, the playbook items with their status and owners, and
//! the sections that quote the engagement's own figures (fields mapped, records to exclude,
//! duplicates, load order).

use serde::Serialize;

use super::evidence::{Expr, Outcome, command_for, missing_text};
use super::model::{Role, Section};
use super::scoring::{Assessment, ItemResult, Status, basis_text, guide_command, number};
use super::{Facts, Library, answer};

/// A checklist for one role.
#[derive(Clone, Debug, Serialize)]
pub struct Checklist {
    pub client: String,
    pub target: String,
    pub role: Role,
    pub generated_at: String,
    /// Ticked boxes.
    pub checked: usize,
    /// All boxes.
    pub total: usize,
    pub sections: Vec<FactSection>,
    pub playbooks: Vec<PlaybookPart>,
}

/// A section built from metrics and answers.
#[derive(Clone, Debug, Serialize)]
pub struct FactSection {
    pub id: String,
    pub title: String,
    pub lines: Vec<Line>,
}

/// One line of a section: a box to tick, or a plain figure when `checked` is None.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub checked: Option<bool>,
    pub text: String,
    pub detail: Option<String>,
}

/// A playbook's items for the role.
#[derive(Clone, Debug, Serialize)]
pub struct PlaybookPart {
    pub name: String,
    pub title: String,
    pub steps: Vec<StepPart>,
}

/// A step's items for the role.
#[derive(Clone, Debug, Serialize)]
pub struct StepPart {
    pub number: usize,
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

/// One playbook item on the checklist.
#[derive(Clone, Debug, Serialize)]
pub struct ChecklistItem {
    pub id: String,
    pub title: String,
    pub checked: bool,
    pub status: Status,
    /// What decided it: the evidence with its numbers, the answer, or how to close it.
    pub basis: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub recommendation: Option<String>,
}

/// Who and for whom the checklist is made.
pub struct ChecklistOptions {
    pub client: String,
    pub target: String,
    pub role: Role,
    /// Playbooks to include; all when empty.
    pub scope: Vec<String>,
    pub generated_at: String,
}

/// Builds the checklist for `opts.role` from the playbooks, the assessment and the facts.
pub fn build(
    library: &Library,
    assessment: &Assessment,
    facts: &Facts,
    opts: ChecklistOptions,
) -> Checklist {
    let in_scope = |name: &str| opts.scope.is_empty() || opts.scope.iter().any(|s| s == name);
    let sections: Vec<FactSection> = library
        .playbooks
        .iter()
        .filter(|l| in_scope(&l.playbook.name))
        .flat_map(|l| &l.playbook.checklist)
        .filter(|s| s.roles.contains(&opts.role))
        .map(|s| section(s, library, assessment, facts))
        .collect();
    let result = |id: &str| assessment.items.iter().find(|r| r.id == id);
    let answer_text = |id: Option<&str>| {
        id.and_then(|id| facts.answers.get(id))
            .map(|a| answer::display(&a.value))
    };
    let playbooks: Vec<PlaybookPart> = library
        .playbooks
        .iter()
        .filter(|l| in_scope(&l.playbook.name))
        .map(|l| {
            let pb = &l.playbook;
            let steps = pb
                .steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let items = library
                        .items()
                        .filter(|r| r.playbook.name == pb.name && r.step == i + 1)
                        .filter(|r| r.item.roles.contains(&opts.role))
                        .filter_map(|r| {
                            let res = result(&r.item.id)?;
                            Some(ChecklistItem {
                                id: res.id.clone(),
                                title: res.title.clone(),
                                checked: res.status == Status::Pass,
                                status: res.status,
                                basis: basis_text(res),
                                owner: answer_text(r.owner_item()),
                                due: answer_text(r.due_item()),
                                recommendation: res.recommendation.clone(),
                            })
                        })
                        .collect();
                    StepPart {
                        number: i + 1,
                        title: step.title.clone(),
                        items,
                    }
                })
                .filter(|s: &StepPart| !s.items.is_empty())
                .collect();
            PlaybookPart {
                name: pb.name.clone(),
                title: pb.title.clone(),
                steps,
            }
        })
        .filter(|p| !p.steps.is_empty())
        .collect();
    let boxes = sections
        .iter()
        .flat_map(|s| &s.lines)
        .filter_map(|l| l.checked)
        .chain(
            playbooks
                .iter()
                .flat_map(|p| &p.steps)
                .flat_map(|s| &s.items)
                .map(|i| i.checked),
        );
    let (checked, total) = boxes.fold((0, 0), |(c, t), b| (c + usize::from(b), t + 1));
    Checklist {
        client: opts.client,
        target: opts.target,
        role: opts.role,
        generated_at: opts.generated_at,
        checked,
        total,
        sections,
        playbooks,
    }
}

fn section(s: &Section, library: &Library, assessment: &Assessment, facts: &Facts) -> FactSection {
    let mut lines = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut measured = false;
    for c in &s.checks {
        // Validation guarantees the expression parses.
        let Ok(expr) = c.evidence.parse::<Expr>() else {
            continue;
        };
        let names: Vec<String> = expr.metrics().iter().map(|m| m.to_string()).collect();
        let figures: Vec<String> = names
            .iter()
            .filter_map(|n| facts.metrics.get(n))
            .map(|m| match &m.detail {
                Some(d) => format!("{d} ({} = {})", m.name, number(m.value)),
                None => format!("{} = {}", m.name, number(m.value)),
            })
            .collect();
        measured |= !figures.is_empty();
        shown.extend(names);
        let (checked, detail) = match expr.evaluate(|m| facts.value(m)) {
            Outcome::Pass => (true, figures.join("; ")),
            Outcome::Fail => (false, figures.join("; ")),
            Outcome::Missing(missing) => (
                false,
                missing_text(&missing[0], |m| facts.metrics.contains_key(m)),
            ),
        };
        lines.push(Line {
            checked: Some(checked),
            text: c.label.clone(),
            detail: Some(detail),
        });
    }
    // Quoted metrics that share a sentence (`stage.staged`, `stage.merged`... all read "3,056
    // source rows: ...") are one line with every figure, not the sentence once per metric.
    let mut quoted: Vec<(String, Vec<String>)> = Vec::new();
    for m in facts.metrics.values() {
        if s.quote.iter().any(|p| m.name.starts_with(p.as_str())) && !shown.contains(&m.name) {
            measured = true;
            // Counts with thousands separators; rates with the decimals a threshold needs.
            let value = if m.value.fract() == 0.0 {
                crate::numbers::whole(m.value)
            } else {
                number(m.value)
            };
            let figure = format!("{} = {value}", m.name);
            let text = m.detail.clone().unwrap_or_else(|| figure.clone());
            match quoted.iter_mut().find(|(t, _)| *t == text) {
                Some((_, figures)) => figures.push(figure),
                None => quoted.push((text, vec![figure])),
            }
        }
    }
    for (text, figures) in quoted {
        lines.push(Line {
            checked: None,
            text,
            detail: Some(figures.join(", ")),
        });
    }
    if !measured && let Some(empty) = &s.empty {
        let mut commands: Vec<&str> = Vec::new();
        for m in shown.iter().chain(&s.quote) {
            let c = command_for(m);
            // "crmkit stage, then crmkit reconcile" already says "crmkit stage".
            if let Some(slot) = commands.iter_mut().find(|k| c.contains(**k)) {
                *slot = c;
            } else if !commands.iter().any(|k| k.contains(c)) {
                commands.push(c);
            }
        }
        let run: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
        lines.insert(
            0,
            Line {
                checked: None,
                text: format!("{empty}: run {}", run.join(" and ")),
                detail: None,
            },
        );
    }
    for id in &s.answers {
        let Some(r) = library.find_item(id) else {
            continue;
        };
        let res: Option<&ItemResult> = assessment.items.iter().find(|x| &x.id == id);
        let line = match facts.answers.get(id) {
            Some(a) if answer::fits(&r.item.question, &a.value) => Line {
                checked: Some(true),
                text: format!("{}: {}", r.item.title, answer::display(&a.value)),
                detail: Some(format!(
                    "answered by {} on {}",
                    a.author,
                    a.answered_at.get(..10).unwrap_or(&a.answered_at)
                )),
            },
            _ => Line {
                checked: Some(false),
                text: format!("{}: not answered", r.item.title),
                detail: Some(match res {
                    Some(res) => format!("`{}`", guide_command(res)),
                    None => format!(
                        "`crmkit guide --playbook {} --step {}`",
                        r.playbook.name, r.step
                    ),
                }),
            },
        };
        lines.push(line);
    }
    FactSection {
        id: s.id.clone(),
        title: s.title.clone(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::playbook::Answer;
    use crate::playbook::scoring::assess;
    use crate::staging::Metric;

    fn metric(name: &str, value: f64, detail: Option<&str>) -> (String, Metric) {
        (
            name.to_string(),
            Metric {
                name: name.into(),
                value,
                detail: detail.map(str::to_string),
                source: "t".into(),
                computed_at: "2025-01-01T00:00:00Z".into(),
            },
        )
    }

    fn opts(role: Role) -> ChecklistOptions {
        ChecklistOptions {
            client: "Acme".into(),
            target: "salesforce".into(),
            role,
            scope: Vec::new(),
            generated_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn sections_quote_the_figures_and_tick_what_passes() {
        let lib = Library::load(None).unwrap();
        let mut facts = Facts::default();
        facts.metrics.extend([
            metric(
                "map.required_coverage",
                0.875,
                Some("7/8 required Account fields mapped: Name missing"),
            ),
            metric("map.blocking_issues", 1.0, None),
            metric(
                "map.picklist_values_missing",
                3.0,
                Some("3 Industry values to create: Agri, Mining, Space"),
            ),
            metric(
                "profile.invalid_email_rate",
                0.01,
                Some("15 of 1,480 emails invalid"),
            ),
        ]);
        facts.answers.insert(
            "data.owner".into(),
            Answer {
                value: json!("Jane Doe"),
                author: "sam".into(),
                answered_at: "2025-02-03T10:00:00Z".into(),
            },
        );
        let a = assess(&lib, &facts, &[]);
        let c = build(&lib, &a, &facts, opts(Role::Admin));
        let fields = c.sections.iter().find(|s| s.id == "fields").unwrap();
        assert_eq!(fields.lines[0].checked, Some(false));
        assert!(
            fields.lines[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("7/8 required Account fields mapped: Name missing")
        );
        assert!(
            fields
                .lines
                .iter()
                .any(|l| l.checked.is_none() && l.text.contains("3 Industry values to create"))
        );
        let quality = c.sections.iter().find(|s| s.id == "data-quality").unwrap();
        assert_eq!(quality.lines[0].checked, Some(true));
        assert!(
            quality.lines[1]
                .detail
                .as_deref()
                .unwrap()
                .contains("run `crmkit profile`")
        );
        let load = c.sections.iter().find(|s| s.id == "load").unwrap();
        assert!(
            load.lines[0]
                .text
                .starts_with("not staged yet: run `crmkit stage"),
            "{:?}",
            load.lines
        );
        let owners = c.sections.iter().find(|s| s.id == "owners").unwrap();
        assert!(
            owners
                .lines
                .iter()
                .any(|l| l.checked == Some(true) && l.text.ends_with("Jane Doe"))
        );
        // Items of the data step carry the step's owner.
        let item = c
            .playbooks
            .iter()
            .flat_map(|p| &p.steps)
            .flat_map(|s| &s.items)
            .find(|i| i.id == "data.verify-emails")
            .unwrap();
        assert!(item.checked);
        assert_eq!(item.owner.as_deref(), Some("Jane Doe"));
        assert!(
            item.basis.contains("15 of 1,480 emails invalid"),
            "{}",
            item.basis
        );
        assert!(c.checked >= 3 && c.total > c.checked);
    }

    #[test]
    fn each_role_sees_only_its_items() {
        let lib = Library::load(None).unwrap();
        let facts = Facts::default();
        let a = assess(&lib, &facts, &[]);
        for role in Role::ALL {
            let c = build(&lib, &a, &facts, opts(role));
            let ids: Vec<&str> = c
                .playbooks
                .iter()
                .flat_map(|p| &p.steps)
                .flat_map(|s| &s.items)
                .map(|i| i.id.as_str())
                .collect();
            let expect: Vec<&str> = lib
                .items()
                .filter(|r| r.item.roles.contains(&role))
                .map(|r| r.item.id.as_str())
                .collect();
            assert_eq!(ids, expect, "{role}");
            assert_eq!(c.checked, 0);
        }
    }
}
