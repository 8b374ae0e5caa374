//! The playbook model: the strict serde shape of `playbooks/*.yaml` and its validation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::evidence::{Expr, Threshold};

/// One playbook file: steps of items, plus optional success criteria and checklist sections.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// The file stem (`implementation`); set by the loader, never read from the file.
    #[serde(skip_deserializing, default)]
    pub name: String,
    /// Format version of the file; this crmkit reads version 1.
    pub version: u32,
    pub title: String,
    pub description: String,
    /// Tags of the source material this playbook covers as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    pub steps: Vec<Step>,
    /// Success criteria, each met when all its items pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    /// Checklist sections that quote the engagement's metrics and answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<Section>,
}

/// A step of a playbook: an ordered group of items.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// Why the step matters, in a sentence or two.
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// Item whose (text) answer names the owner of this step's items, unless an item says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Item whose (date) answer is the due date of this step's items, unless an item says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    pub items: Vec<Item>,
}

/// One thing to establish: a question, optionally decided by data evidence.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique across all playbooks, e.g. `data.verify-emails`.
    pub id: String,
    pub title: String,
    pub why: String,
    /// Who acts on it.
    pub roles: Vec<Role>,
    pub question: Question,
    /// A data check such as `profile.invalid_email_rate < 0.02`; decides the item once measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Points the item is worth in its dimension (> 0).
    pub weight: f64,
    pub dimension: Dimension,
    /// What to do when the item fails.
    pub recommendation: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// Overrides the step's `owner` item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Overrides the step's `due` item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

/// The question an item asks, and how its answer earns credit.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub kind: Kind,
    pub text: String,
    /// Choices (`choice`, required) or suggestions (`list`, optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// `choice` only: the share of the weight (0..1) each option earns; unlisted options earn 0.
    /// Without it any option earns full credit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credit: BTreeMap<String, f64>,
    /// `number` (the value) or `list` (the number of entries): full credit only when it holds,
    /// e.g. `>= 4`. Without it any answer earns full credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    /// A metric whose measurement already answers the question (`map.custom_fields`): the
    /// guide offers it as the default answer, recorded with the metric as its author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_from: Option<String>,
}

/// Kinds of question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    YesNo,
    Choice,
    Number,
    Date,
    Text,
    List,
}

/// Who an item is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Consultant,
    Admin,
    Lead,
}

/// The readiness dimensions items score in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Data,
    Process,
    Integration,
    People,
    Governance,
}

/// A success criterion: met when every listed item passes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub description: String,
    pub items: Vec<String>,
}

/// A checklist section built from the engagement's metrics and answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// Lines ticked when their evidence passes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Metric name prefixes (`map.`) whose other metrics are listed with their detail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quote: Vec<String>,
    /// Items whose answers are listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    /// What to say when no metric of the section exists yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<String>,
}

/// One evidence-backed checklist line.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub label: String,
    pub evidence: String,
}

impl Kind {
    /// The name used in the YAML files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::YesNo => "yes_no",
            Kind::Choice => "choice",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Text => "text",
            Kind::List => "list",
        }
    }
}

impl Role {
    /// Every role, in the documented order.
    pub const ALL: [Role; 3] = [Role::Consultant, Role::Admin, Role::Lead];

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Consultant => "consultant",
            Role::Admin => "admin",
            Role::Lead => "lead",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Dimension {
    /// Every dimension, in report order.
    pub const ALL: [Dimension; 5] = [
        Dimension::Data,
        Dimension::Process,
        Dimension::Integration,
        Dimension::People,
        Dimension::Governance,
    ];

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Data => "data",
            Dimension::Process => "process",
            Dimension::Integration => "integration",
            Dimension::People => "people",
            Dimension::Governance => "governance",
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Playbook {
    /// Every item with its 1-based step number, in walk order.
    pub fn items(&self) -> impl Iterator<Item = (usize, &Step, &Item)> {
        self.steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.items.iter().map(move |it| (i + 1, s, it)))
    }
}

/// Checks one playbook on its own; returns the problems, each naming the item or section.
pub fn validate(pb: &Playbook) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |what: String| problems.push(what);
    if pb.version != 1 {
        bad(format!(
            "unsupported version {} (this crmkit reads version 1)",
            pb.version
        ));
    }
    if pb.title.trim().is_empty() {
        bad("`title` is empty".into());
    }
    if pb.steps.is_empty() {
        bad("no `steps`".into());
    }
    for (n, step) in pb.steps.iter().enumerate() {
        if step.title.trim().is_empty() {
            bad(format!("step {}: `title` is empty", n + 1));
        }
        if step.items.is_empty() {
            bad(format!("step {} (`{}`): no `items`", n + 1, step.title));
        }
        for item in &step.items {
            for p in validate_item(item) {
                bad(format!("item `{}`: {p}", item.id));
            }
        }
    }
    let mut names = BTreeSet::new();
    for c in &pb.criteria {
        if !names.insert(c.name.as_str()) {
            bad(format!("criterion `{}` is defined twice", c.name));
        }
        if c.items.is_empty() {
            bad(format!("criterion `{}` lists no items", c.name));
        }
    }
    let mut sections = BTreeSet::new();
    for s in &pb.checklist {
        if !sections.insert(s.id.as_str()) {
            bad(format!("checklist section `{}` is defined twice", s.id));
        }
        if s.roles.is_empty() {
            bad(format!("checklist section `{}`: `roles` is empty", s.id));
        }
        if s.checks.is_empty() && s.quote.is_empty() && s.answers.is_empty() {
            bad(format!(
                "checklist section `{}` has no `checks`, `quote` or `answers`",
                s.id
            ));
        }
        for c in &s.checks {
            if let Err(e) = c.evidence.parse::<Expr>() {
                bad(format!("checklist section `{}`: {e}", s.id));
            }
        }
    }
    problems
}

fn validate_item(item: &Item) -> Vec<String> {
    let mut p = Vec::new();
    if !valid_id(&item.id) {
        p.push(
            "the id must be lowercase words joined by `.` and `-`, with at least one `.` (e.g. `data.verify-emails`)"
                .into(),
        );
    }
    for (field, text) in [
        ("title", &item.title),
        ("why", &item.why),
        ("recommendation", &item.recommendation),
        ("question.text", &item.question.text),
    ] {
        if text.trim().is_empty() {
            p.push(format!("`{field}` is empty"));
        }
    }
    if item.roles.is_empty() {
        p.push("`roles` is empty (use consultant, admin and/or lead)".into());
    }
    if !(item.weight.is_finite() && item.weight > 0.0) {
        p.push(format!("`weight` must be above 0, not {}", item.weight));
    }
    if let Some(ev) = &item.evidence
        && let Err(e) = ev.parse::<Expr>()
    {
        p.push(e);
    }
    let q = &item.question;
    match q.kind {
        Kind::Choice => {
            if q.options.len() < 2 {
                p.push("a `choice` question needs at least two `options`".into());
            }
            let unique: BTreeSet<String> = q.options.iter().map(|o| o.to_lowercase()).collect();
            if unique.len() != q.options.len() {
                p.push("`options` repeat a value".into());
            }
            for (option, share) in &q.credit {
                if !q.options.contains(option) {
                    let hint = crate::suggestion::did_you_mean(
                        option,
                        q.options.iter().map(String::as_str),
                    );
                    p.push(format!("`credit` names `{option}`, not an option{hint}"));
                }
                if !(0.0..=1.0).contains(share) {
                    p.push(format!(
                        "`credit` for `{option}` must be within 0..1, not {share}"
                    ));
                }
            }
        }
        Kind::List => {}
        other if !q.options.is_empty() => p.push(format!(
            "`options` only apply to choice and list questions, not {}",
            other.name()
        )),
        _ => {}
    }
    if q.kind != Kind::Choice && !q.credit.is_empty() {
        p.push("`credit` only applies to choice questions".into());
    }
    if let Some(known) = &q.known_from {
        // A yes/no question reads a condition (`score.rfm_accounts >= 1`); the others read
        // one metric's value or detail.
        if q.kind == Kind::YesNo {
            if let Err(e) = known.parse::<Expr>() {
                p.push(format!("`known_from`: {e}"));
            }
        } else if !super::evidence::is_metric(known) {
            p.push(format!(
                "`known_from` of a {} question names one metric (`map.custom_fields`), not `{known}`",
                q.kind.name()
            ));
        }
    }
    if let Some(rule) = &q.pass {
        if !matches!(q.kind, Kind::Number | Kind::List) {
            p.push("`pass` only applies to number and list questions".into());
        } else if let Err(e) = rule.parse::<Threshold>() {
            p.push(e);
        }
    }
    p
}

/// Item ids: lowercase letters, digits and `-`, in two or more `.`-separated parts.
pub fn valid_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Playbook, String> {
        serde_yaml::from_str(yaml).map_err(|e| e.to_string())
    }

    const ITEM: &str = "version: 1
title: T
description: D
steps:
  - title: S
    summary: why
    items:
      - id: data.x
        title: X
        why: because
        roles: [admin]
        question: {kind: yes_no, text: Is it?}
        weight: 2
        dimension: data
        recommendation: do it
";

    #[test]
    fn a_minimal_playbook_is_valid() {
        let pb = parse(ITEM).unwrap();
        assert!(validate(&pb).is_empty(), "{:?}", validate(&pb));
    }

    #[test]
    fn unknown_keys_and_values_are_rejected_with_a_line() {
        let err = parse(&ITEM.replace("weight: 2", "wieght: 2")).unwrap_err();
        assert!(err.contains("wieght") && err.contains("line 13"), "{err}");
        let err = parse(&ITEM.replace("dimension: data", "dimension: money")).unwrap_err();
        assert!(err.contains("money") && err.contains("line 14"), "{err}");
        let err = parse(&ITEM.replace("roles: [admin]", "roles: [boss]")).unwrap_err();
        assert!(err.contains("boss"), "{err}");
    }

    #[test]
    fn item_rules_are_enforced() {
        let cases: &[(&str, &str, &str)] = &[
            ("weight: 2", "weight: 0", "`weight` must be above 0"),
            ("id: data.x", "id: DataX", "the id must be"),
            ("roles: [admin]", "roles: []", "`roles` is empty"),
            (
                "{kind: yes_no, text: Is it?}",
                "{kind: choice, text: Which?, options: [a]}",
                "at least two `options`",
            ),
            (
                "{kind: yes_no, text: Is it?}",
                "{kind: choice, text: Which?, options: [low, high], credit: {hgh: 1}}",
                "did you mean `high`",
            ),
            (
                "{kind: yes_no, text: Is it?}",
                "{kind: text, text: Who?, pass: '>= 2'}",
                "`pass` only applies",
            ),
            (
                "{kind: yes_no, text: Is it?}",
                "{kind: number, text: How many?, pass: 'about 2'}",
                "about 2",
            ),
            (
                "weight: 2",
                "weight: 2\n        evidence: profile.rate <",
                "evidence",
            ),
        ];
        for (from, to, expect) in cases {
            let pb = parse(&ITEM.replace(from, to)).unwrap();
            let problems = validate(&pb).join("\n");
            assert!(problems.contains(expect), "{to}: {problems}");
        }
    }

    #[test]
    fn ids() {
        for ok in ["data.verify-emails", "pre.objectives-ranked", "a.b.c1"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in ["data", "Data.x", "data..x", "data.x y", ".x"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
