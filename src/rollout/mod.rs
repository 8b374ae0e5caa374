//! The roll-out plan (issue 12): phases and milestones kept in the workspace's `rollout.yaml`,
//! reviewed on a given day against the workspace's metrics and the latest adoption snapshot:
//! each phase's exit verdict with its figures, its health, the plan's warnings, and the
//! `rollout.*` metrics the playbooks take as evidence.

pub mod catalogue;
pub mod check;
pub mod edit;
pub mod exit;
pub mod health;
pub mod plan;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::staging::{AdoptionFigures, Metric, MilestoneRow, PhaseRow};
use catalogue::Catalogue;
use check::Warning;
use exit::{ExitOutcome, ExitResult, Sources};
use health::{Health, HealthView};
use plan::{Plan, Status};

/// A module of a phase as written, and what the catalogue knows of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModuleView {
    pub written: String,
    /// The catalogue id; None when the catalogue does not know the name.
    pub id: Option<String>,
    pub name: String,
    pub rank: Option<u32>,
}

/// A phase as reviewed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseView {
    pub name: String,
    pub modules: Vec<ModuleView>,
    pub teams: Vec<String>,
    pub users: Vec<String>,
    pub accounts: Vec<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: i64,
    pub status: Status,
    pub completed: Option<NaiveDate>,
    pub exit: ExitResult,
    pub health: HealthView,
}

/// A milestone as reviewed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MilestoneView {
    pub name: String,
    pub date: NaiveDate,
    pub phase: Option<String>,
    pub done: bool,
    pub overdue: bool,
}

/// One `rollout.*` metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricView {
    pub name: String,
    pub value: f64,
    pub detail: String,
}

/// The plan reviewed on one day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Review {
    pub as_of: NaiveDate,
    /// The adoption snapshot exit criteria read (None: no adoption data ingested).
    pub adoption_snapshot: Option<String>,
    pub adoption_as_of: Option<String>,
    pub phases: Vec<PhaseView>,
    pub milestones: Vec<MilestoneView>,
    pub warnings: Vec<Warning>,
    pub metrics: Vec<MetricView>,
}

/// Reviews `plan` on `as_of`.
pub fn review(
    plan: &Plan,
    catalogue: &Catalogue,
    metrics: &BTreeMap<String, Metric>,
    adoption: &AdoptionFigures,
    as_of: NaiveDate,
) -> Review {
    let sources = Sources { metrics, adoption };
    let phases: Vec<PhaseView> = plan
        .ordered()
        .into_iter()
        .map(|p| {
            let exit = exit::evaluate(p, &sources);
            let health =
                health::health(p, exit.outcome, as_of, catalogue.settings.at_risk_time_left);
            PhaseView {
                name: p.name.clone(),
                modules: dedupe_modules(
                    p.modules
                        .iter()
                        .map(|m| match catalogue.find(m) {
                            Some(c) => ModuleView {
                                written: m.clone(),
                                id: Some(c.id.clone()),
                                name: c.name.clone(),
                                rank: Some(c.rank),
                            },
                            None => ModuleView {
                                written: m.clone(),
                                id: None,
                                name: m.clone(),
                                rank: None,
                            },
                        })
                        .collect(),
                ),
                teams: p.teams.clone(),
                users: p.users.clone(),
                accounts: p.accounts.clone(),
                start: p.start,
                end: p.end,
                days: p.days(),
                status: p.status,
                completed: p.completed,
                exit,
                health,
            }
        })
        .collect();
    let mut milestones: Vec<MilestoneView> = plan
        .milestones
        .iter()
        .map(|m| MilestoneView {
            name: m.name.clone(),
            date: m.date,
            phase: m.phase.clone(),
            done: m.done,
            overdue: !m.done && m.date < as_of,
        })
        .collect();
    milestones.sort_by_key(|m| m.date);
    let warnings = check::check(&phases, &plan.milestones, catalogue, as_of);
    let metrics = rollout_metrics(&phases, &warnings);
    Review {
        as_of,
        adoption_snapshot: adoption.snapshot.clone(),
        adoption_as_of: adoption.as_of.clone(),
        phases,
        milestones,
        warnings,
        metrics,
    }
}

/// Modules once each: `contacts, accounts` both mean the same catalogue module.
fn dedupe_modules(modules: Vec<ModuleView>) -> Vec<ModuleView> {
    let mut out: Vec<ModuleView> = Vec::new();
    for m in modules {
        let key = m.id.clone().unwrap_or_else(|| m.written.to_lowercase());
        if !out
            .iter()
            .any(|o| o.id.clone().unwrap_or_else(|| o.written.to_lowercase()) == key)
        {
            out.push(m);
        }
    }
    out
}

/// The figures the playbooks read as evidence (`rollout.pilot_first`, ...). A plan with no
/// phases yields only `rollout.phases = 0`: the other questions do not arise yet.
fn rollout_metrics(phases: &[PhaseView], warnings: &[Warning]) -> Vec<MetricView> {
    let n = phases.len();
    let count = |check: &str| warnings.iter().filter(|w| w.check == check).count();
    let mut out = vec![MetricView {
        name: "rollout.phases".into(),
        value: n as f64,
        detail: format!("{n} phases in rollout.yaml"),
    }];
    if n == 0 {
        return out;
    }
    let with_exit = phases
        .iter()
        .filter(|p| p.exit.outcome != ExitOutcome::None)
        .count();
    let health = |h: Health| phases.iter().filter(|p| p.health.health == h).count();
    let flag = |ok: bool| if ok { 1.0 } else { 0.0 };
    let mut put = |name: &str, value: f64, detail: String| {
        out.push(MetricView {
            name: format!("rollout.{name}"),
            value,
            detail,
        })
    };
    put(
        "phases_with_exit_criteria_share",
        with_exit as f64 / n as f64,
        format!("{with_exit} of {n} phases have exit criteria"),
    );
    put(
        "pilot_first",
        flag(count("not_pilot") == 0),
        format!("first phase `{}`", phases[0].name),
    );
    put(
        "simple_first",
        flag(count("complex_first") == 0),
        format!(
            "{} phases bring complex modules first",
            count("complex_first")
        ),
    );
    put(
        "time_between_phases",
        flag(count("no_gap") == 0 && count("team_overlap") == 0),
        format!(
            "{} phases without time after the previous one, {} overlaps for one team",
            count("no_gap"),
            count("team_overlap")
        ),
    );
    put(
        "warnings",
        warnings.len() as f64,
        format!("{} warnings from rollout check", warnings.len()),
    );
    for (name, h) in [
        ("phases_done", Health::Done),
        ("phases_late", Health::Late),
        ("phases_at_risk", Health::AtRisk),
    ] {
        put(
            name,
            health(h) as f64,
            format!("{} of {n} phases", health(h)),
        );
    }
    out
}

impl Review {
    /// The mirror rows `_rollout_phases` and `_rollout_milestones` hold.
    pub fn rows(&self) -> (Vec<PhaseRow>, Vec<MilestoneRow>) {
        let phases = self
            .phases
            .iter()
            .map(|p| PhaseRow {
                name: p.name.clone(),
                modules: p.modules.iter().map(|m| m.written.clone()).collect(),
                teams: p.teams.clone(),
                users: p.users.clone(),
                accounts: p.accounts.clone(),
                start: p.start.to_string(),
                end: p.end.to_string(),
                exit: p.exit.expression.clone(),
                status: p.status.name().to_string(),
                completed: p.completed.map(|d| d.to_string()),
                health: p.health.health.label().to_string(),
                exit_outcome: p.exit.outcome.name().to_string(),
                as_of: self.as_of.to_string(),
            })
            .collect();
        let milestones = self
            .milestones
            .iter()
            .map(|m| MilestoneRow {
                name: m.name.clone(),
                date: m.date.to_string(),
                phase: m.phase.clone(),
                done: m.done,
            })
            .collect();
        (phases, milestones)
    }

    /// The metrics as `_metrics` rows.
    pub fn metric_rows(&self) -> Vec<(String, f64, String)> {
        self.metrics
            .iter()
            .map(|m| (m.name.clone(), m.value, m.detail.clone()))
            .collect()
    }
}
