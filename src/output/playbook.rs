//! Human output for `playbook`, `guide`, `assess` and `checklist` (Markdown).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::table::Table;
use crate::escape::markdown::{code, text as md, with_code_spans};
use crate::numbers::plural;
use crate::playbook::checklist::{Checklist, Line};
use crate::playbook::guide::{GuideView, NextKind};
use crate::playbook::model::{Item, Kind, Question};
use crate::playbook::scoring::{Assessment, ItemResult, Status, basis_text, number};
use crate::playbook::{ItemRef, Library, Playbook, Problem};

/// One playbook in `playbook list --json`.
#[derive(Serialize)]
pub struct ListEntry {
    pub name: String,
    pub title: String,
    pub origin: String,
    pub steps: usize,
    pub items: usize,
}

/// The `playbook list --json` document.
pub fn list_json(library: &Library) -> Vec<ListEntry> {
    library
        .playbooks
        .iter()
        .map(|l| ListEntry {
            name: l.playbook.name.clone(),
            title: l.playbook.title.clone(),
            origin: l.origin.to_string(),
            steps: l.playbook.steps.len(),
            items: l.playbook.items().count(),
        })
        .collect()
}

/// The playbooks as a table.
pub fn render_list(library: &Library) -> String {
    let mut t = Table::new(&["playbook", "title", "steps", "items", "from"]);
    for e in list_json(library) {
        t.row(vec![
            e.name,
            e.title,
            e.steps.to_string(),
            e.items.to_string(),
            e.origin,
        ]);
    }
    let mut out = t.render();
    out.push_str("\nnext: crmkit playbook show NAME, or crmkit guide --playbook NAME\n");
    out
}

/// A playbook's steps and items.
pub fn render_show(pb: &Playbook) -> String {
    let mut out = format!("{} ({})\n{}\n", pb.title, pb.name, wrap(&pb.description, 0));
    for (i, step) in pb.steps.iter().enumerate() {
        out.push_str(&format!(
            "\nstep {}: {}\n{}\n",
            i + 1,
            step.title,
            wrap(&step.summary, 2)
        ));
        for item in &step.items {
            let roles: Vec<&str> = item.roles.iter().map(|r| r.name()).collect();
            out.push_str(&format!(
                "\n  {}  {}\n    question ({}): {}\n    {} · weight {} · for {}\n",
                item.id,
                item.title,
                item.question.kind.name(),
                item.question.text,
                item.dimension,
                number(item.weight),
                roles.join(", ")
            ));
            if let Some(ev) = &item.evidence {
                out.push_str(&format!("    evidence: {ev}\n"));
            }
        }
    }
    if !pb.criteria.is_empty() {
        out.push_str("\nsuccess criteria (met when every item passes)\n");
        for c in &pb.criteria {
            out.push_str(&format!("  {}: {}\n", c.name, c.items.join(", ")));
        }
    }
    out
}

/// The outcome of `playbook validate`.
/// The `playbook validate --json` document: the playbooks checked and every problem.
#[derive(Serialize)]
pub struct ValidateJson<'a> {
    pub ok: bool,
    pub playbooks: Vec<ListEntry>,
    pub problems: &'a [Problem],
}

/// What `playbook validate --json` prints.
pub fn validate_json<'a>(library: &Library, problems: &'a [Problem]) -> ValidateJson<'a> {
    ValidateJson {
        ok: problems.is_empty(),
        playbooks: list_json(library),
        problems,
    }
}

/// What `playbook validate` prints: the playbooks in force, or every problem.
pub fn render_validate(library: &Library, problems: &[Problem]) -> String {
    if problems.is_empty() {
        let items: usize = library
            .playbooks
            .iter()
            .map(|l| l.playbook.items().count())
            .sum();
        let mut out = format!(
            "ok: {}, {}\n",
            plural(library.playbooks.len() as u64, "playbook", "playbooks"),
            plural(items as u64, "item", "items")
        );
        for l in &library.playbooks {
            out.push_str(&format!("  {} ({})\n", l.playbook.name, l.origin));
        }
        return out;
    }
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!("{p}\n"));
    }
    out.push_str(&format!(
        "\n{} found\n",
        plural(problems.len() as u64, "problem", "problems")
    ));
    out
}

/// What `playbook export` wrote.
pub fn render_export(dir: &Path, written: &[PathBuf], used_automatically: bool) -> String {
    let mut out = String::new();
    for p in written {
        out.push_str(&format!("wrote {}\n", p.display()));
    }
    if used_automatically {
        out.push_str("this workspace now uses these files in place of the builtin playbooks\n");
    } else {
        out.push_str(&format!(
            "use them with --playbooks {} (or CRMKIT_PLAYBOOKS), after editing: crmkit playbook validate --playbooks {}\n",
            dir.display(),
            dir.display()
        ));
    }
    out
}

/// One line on where a playbook stands, shown before the guide's questions (the full panel
/// is `guide --status`): client, playbook, readiness, the step at hand, what is open, and
/// whose name the answers are recorded under.
pub fn render_guide_line(client: &str, v: &GuideView, author: &str) -> String {
    let current = v.steps.iter().find(|s| !s.done);
    let open: usize = v.steps.iter().map(|s| s.open).sum();
    let failing: usize = v.steps.iter().map(|s| s.failing).sum();
    let step = match current {
        Some(s) => format!("step {} of {}: {}", s.number, v.steps.len(), s.title),
        None => "every step done".to_string(),
    };
    format!(
        "{client} | {} | readiness {}/100 | {step} | {} open, {} failing | answering as {author}\n",
        v.playbook,
        number(v.score),
        open,
        failing
    )
}

/// Where a playbook stands: steps, evidence, other playbooks and the next action.
pub fn render_guide(client: &str, v: &GuideView) -> String {
    let mut out = format!(
        "{client}: {} (`{}`), readiness {}/100\n\n",
        v.title,
        v.playbook,
        number(v.score)
    );
    let mut t = Table::new(&["step", "title", "items", "pass", "fail", "open", "done"]);
    for s in &v.steps {
        t.row(vec![
            s.number.to_string(),
            s.title.clone(),
            s.items.to_string(),
            s.passing.to_string(),
            s.failing.to_string(),
            s.open.to_string(),
            if s.done { "yes" } else { "no" }.into(),
        ]);
    }
    out.push_str(&t.render());
    if !v.evidence.is_empty() {
        out.push_str("\nevidence\n");
        for e in &v.evidence {
            let mark = match e.outcome {
                "pass" => "[x]",
                "fail" => "[!]",
                _ => "[ ]",
            };
            out.push_str(&format!("  {mark} {}: {}\n", e.title, e.text));
        }
    }
    let others: Vec<String> = v
        .others
        .iter()
        .map(|o| format!("{} {} open of {}", o.name, o.open, o.items))
        .collect();
    if !others.is_empty() {
        out.push_str(&format!("\nother playbooks: {}\n", others.join(", ")));
    }
    let label = match v.next.kind {
        NextKind::Measure => "next (measure)",
        NextKind::Answer => "next (answer)",
        NextKind::Fix => "next (fix)",
        NextKind::Done => "next",
    };
    out.push_str(&format!("\n{label}: {}\n", v.next.text));
    if let Some(cmd) = &v.next.command {
        out.push_str(&format!("  run: {cmd}\n"));
    }
    out
}

/// The block shown before a question.
pub fn render_question(
    r: ItemRef<'_>,
    n: usize,
    total: usize,
    current: Option<&str>,
    measured: Option<(String, &str)>,
    measure: Option<&str>,
) -> String {
    let item = r.item;
    let roles: Vec<&str> = item.roles.iter().map(|r| r.name()).collect();
    let mut out = format!(
        "\n[{n}/{total}] {}, step {}: {}\n{} ({}; for {})\n{}\n",
        r.playbook.name,
        r.step,
        r.step_def.title,
        item.title,
        item.id,
        roles.join(", "),
        item.question.text
    );
    match item.question.kind {
        Kind::Choice => {
            for (i, o) in item.question.options.iter().enumerate() {
                out.push_str(&format!("  {}) {o}\n", i + 1));
            }
        }
        Kind::List if !item.question.options.is_empty() => {
            let examples = format!("e.g. {}", item.question.options.join(", "));
            out.push_str(&format!("{}\n", wrap(&examples, 2)));
        }
        _ => {}
    }
    if let Some(rule) = pass_rule(&item.question) {
        out.push_str(&format!("  passes when: {rule}\n"));
    }
    if let Some(c) = current {
        out.push_str(&format!("  current answer: {c} (Enter keeps it)\n"));
    }
    if let Some((value, by)) = measured {
        out.push_str(&format!(
            "  the data says: {value} (Enter accepts it, recorded as `{by}`)\n"
        ));
    }
    if let Some(cmd) = measure {
        out.push_str(&format!("  data decides this once measured: `{cmd}`\n"));
    }
    out
}

/// What earns the item its points, in words; `None` when any answer does.
fn pass_rule(q: &Question) -> Option<String> {
    match q.kind {
        Kind::YesNo => Some("yes".into()),
        Kind::Choice if !q.credit.is_empty() => {
            let full: Vec<&str> = q
                .options
                .iter()
                .filter(|o| q.credit.get(*o).is_some_and(|c| *c >= 1.0))
                .map(String::as_str)
                .collect();
            let partial: Vec<String> = q
                .options
                .iter()
                .filter_map(|o| {
                    let c = *q.credit.get(o)?;
                    (c > 0.0 && c < 1.0).then(|| format!("{o} ({}%)", (c * 100.0).round()))
                })
                .collect();
            let mut text = full.join(" or ");
            if !partial.is_empty() {
                text.push_str(&format!("; part credit: {}", partial.join(", ")));
            }
            Some(text)
        }
        Kind::Number => q.pass.as_ref().map(|p| format!("the number is {p}")),
        Kind::List => q.pass.as_ref().map(|p| format!("the list has {p} entries")),
        _ => None,
    }
}

/// The prompt that says what form of answer is expected.
pub fn input_hint(q: &Question) -> String {
    match q.kind {
        Kind::YesNo => "y/n".into(),
        Kind::Choice => format!("1-{}", q.options.len()),
        Kind::Number if crate::playbook::answer::asks_a_count(q) => "whole number".into(),
        Kind::Number => "number".into(),
        Kind::Date => "YYYY-MM-DD".into(),
        Kind::Text => "text".into(),
        Kind::List => "comma-separated".into(),
    }
}

/// The explanation shown for `?`.
pub fn render_why(item: &Item) -> String {
    format!(
        "  why: {}\n  if not: {}\n",
        wrap(&item.why, 7).trim_start(),
        wrap(&item.recommendation, 10).trim_start()
    )
}

/// Scores per dimension, overall, the success criteria, and with `explain` every item's points.
pub fn render_assessment(client: &str, a: &Assessment, explain: bool) -> String {
    let mut out = format!(
        "{client}: readiness {}/100 ({})\n\n",
        number(a.overall),
        a.playbooks.join(", ")
    );
    let mut t = Table::new(&["dimension", "score", "points", "lost", "unknown", "max"]);
    for d in &a.dimensions {
        t.row(vec![
            d.name.to_string(),
            number(d.score),
            number(round2(d.points)),
            number(round2(d.cost_points)),
            number(round2(d.unknown_points)),
            number(round2(d.max_points)),
        ]);
    }
    out.push_str(&t.render());
    out.push_str("\nsuccess criteria (all three must hold)\n");
    for c in &a.criteria {
        out.push_str(&format!(
            "  {}: {} ({})\n",
            c.name,
            if c.met { "met" } else { "NOT met" },
            c.description
        ));
        for r in &c.reasons {
            out.push_str(&format!("    - {r}\n"));
        }
    }
    if explain {
        out.push_str("\nwhere every point comes from (+ given, - lost, ? unknown)\n");
        for d in &a.dimensions {
            out.push_str(&format!(
                "\n{} {}/100: {} of {} points, {} unknown\n",
                d.name,
                number(d.score),
                number(round2(d.points)),
                number(round2(d.max_points)),
                number(round2(d.unknown_points))
            ));
            let mut t = Table::new(&["item", "status", "+", "-", "?", "because"]);
            for r in a.items.iter().filter(|r| r.dimension == d.name) {
                t.row(vec![
                    r.id.clone(),
                    status_name(r.status).into(),
                    number(round2(r.points)),
                    number(round2(r.cost)),
                    number(round2(r.unknown)),
                    explain_text(r),
                ]);
            }
            out.push_str(&t.render());
        }
    } else {
        out.push_str("\nsee every item's points with: crmkit assess --explain\n");
    }
    out
}

fn explain_text(r: &ItemResult) -> String {
    let mut text = basis_text(r);
    if let Some(n) = &r.note {
        text.push_str(&format!(" ({n})"));
    }
    if let Some(rec) = &r.recommendation {
        text.push_str(&format!(" -> {rec}"));
    }
    text
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Partial => "partial",
        Status::Fail => "fail",
        Status::Unknown => "unknown",
        Status::NotApplicable => "n/a",
    }
}

/// The checklist as a Markdown task list.
pub fn checklist_markdown(c: &Checklist) -> String {
    let mut out = format!(
        "# Pre-migration checklist: {}\n\n{} to {} · {} of {} ticked · generated {}\n",
        c.role,
        md(&c.client),
        // As the readiness report writes it: `Salesforce`.
        md(&capitalised(&c.target)),
        c.checked,
        c.total,
        c.generated_at
    );
    for s in &c.sections {
        out.push_str(&format!("\n## {}\n\n", s.title));
        for l in &s.lines {
            out.push_str(&md_line(l));
        }
    }
    for p in &c.playbooks {
        out.push_str(&format!("\n## {}\n", p.title));
        for s in &p.steps {
            out.push_str(&format!("\n### Step {}: {}\n\n", s.number, s.title));
            for i in &s.items {
                let mut extra = Vec::new();
                if let Some(o) = &i.owner {
                    extra.push(format!("owner: {}", md(o)));
                }
                if let Some(d) = &i.due {
                    extra.push(format!("due: {}", md(d)));
                }
                let extra = if extra.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", extra.join(" · "))
                };
                out.push_str(&format!(
                    "- [{}] **{}** ({}): {}{extra}\n",
                    if i.checked { "x" } else { " " },
                    with_code_spans(&i.title),
                    code(&i.id),
                    with_code_spans(&i.basis)
                ));
                if let Some(r) = &i.recommendation {
                    out.push_str(&format!("  - to do: {}\n", with_code_spans(r)));
                }
            }
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn md_line(l: &Line) -> String {
    let detail = l
        .detail
        .as_deref()
        .map(|d| format!(": {}", with_code_spans(d)))
        .unwrap_or_default();
    match l.checked {
        Some(c) => format!(
            "- [{}] {}{detail}\n",
            if c { "x" } else { " " },
            with_code_spans(&l.text)
        ),
        None => format!("- {}{detail}\n", with_code_spans(&l.text)),
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn wrap(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() + 1 > 88 - indent {
            out.push_str(&format!("{pad}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{pad}{line}"));
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_pass_rule_is_spelled_out() {
        use std::collections::BTreeMap;
        let base = Question {
            kind: Kind::Choice,
            text: "How often?".into(),
            options: vec!["Monthly".into(), "Quarterly".into(), "Never".into()],
            credit: [("Monthly".to_string(), 1.0), ("Quarterly".to_string(), 0.5)].into(),
            pass: None,
            known_from: None,
        };
        assert_eq!(
            pass_rule(&base).unwrap(),
            "Monthly; part credit: Quarterly (50%)"
        );
        let list = Question {
            kind: Kind::List,
            options: Vec::new(),
            credit: BTreeMap::new(),
            pass: Some(">= 3".into()),
            ..base.clone()
        };
        assert_eq!(pass_rule(&list).unwrap(), "the list has >= 3 entries");
        let text = Question {
            kind: Kind::Text,
            pass: None,
            ..list
        };
        assert_eq!(pass_rule(&text), None);
    }

    use super::*;

    #[test]
    fn wraps_words() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&text, 2);
        assert!(
            wrapped
                .lines()
                .all(|l| l.len() <= 88 && l.starts_with("  "))
        );
        assert_eq!(wrapped.split_whitespace().count(), 40);
    }
}
