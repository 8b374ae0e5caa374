//! A phase's exit criteria decided by data: the evidence expression evaluated for each scope
//! the phase covers (its teams and users from the latest adoption snapshot, or everyone),
//! with every figure read; an unmeasured metric is "not measured", never a zero.

use std::collections::BTreeMap;

use serde::Serialize;

use super::plan::Phase;
use crate::playbook::evidence::{Expr, Outcome};
use crate::staging::{AdoptionFigures, Metric};

/// The verdict on a phase's exit criteria.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitOutcome {
    Pass,
    Fail,
    NotMeasured,
    /// The phase has no exit criteria.
    None,
}

impl ExitOutcome {
    pub fn name(self) -> &'static str {
        match self {
            ExitOutcome::Pass => "pass",
            ExitOutcome::Fail => "fail",
            ExitOutcome::NotMeasured => "not measured",
            ExitOutcome::None => "no exit criteria",
        }
    }
}

/// One metric as read for one scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    pub metric: String,
    /// Where the value came from: `all` (workspace metrics) or the snapshot's scope.
    pub scope: String,
    /// None: not measured.
    pub value: Option<f64>,
    pub detail: Option<String>,
}

/// The criteria evaluated for one scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeResult {
    /// `all`, `team:NAME` or `rep:NAME`.
    pub scope: String,
    pub outcome: ExitOutcome,
    pub figures: Vec<Figure>,
}

/// The whole verdict of a phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExitResult {
    pub expression: Option<String>,
    pub outcome: ExitOutcome,
    pub scopes: Vec<ScopeResult>,
    /// Metrics not measured where they were needed, with the command that measures them.
    pub missing: Vec<Missing>,
}

/// A metric the criteria need and nobody has measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Missing {
    pub metric: String,
    pub scope: String,
    pub command: String,
}

impl ExitResult {
    /// The figures in one line: `team:East adoption.weekly_active_share 0.62; ...`, each
    /// scope's outcome first when there are several.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for s in &self.scopes {
            let figures: Vec<String> = s
                .figures
                .iter()
                .map(|f| {
                    let value = f
                        .value
                        .map(crate::numbers::decimal)
                        .unwrap_or_else(|| "not measured".into());
                    let scope = if f.scope == s.scope || f.scope == "all" && s.scope == "all" {
                        String::new()
                    } else {
                        format!(" ({})", f.scope)
                    };
                    format!("{} {value}{scope}", f.metric)
                })
                .collect();
            parts.push(format!(
                "{} {}: {}",
                s.scope,
                s.outcome.name(),
                figures.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// What exit criteria read: the workspace's metrics and the latest adoption snapshot.
pub struct Sources<'a> {
    pub metrics: &'a BTreeMap<String, Metric>,
    pub adoption: &'a AdoptionFigures,
}

impl Sources<'_> {
    /// The value of `metric` for `scope`: `adoption.*` per team or rep from the snapshot,
    /// everything else (and `all`) from the workspace metrics.
    fn read(&self, scope: &str, metric: &str) -> Figure {
        let adoption = metric.strip_prefix("adoption.");
        if scope != "all"
            && let Some(name) = adoption
        {
            let found = self.adoption.get(scope, name);
            return Figure {
                metric: metric.to_string(),
                scope: scope.to_string(),
                value: found.and_then(|(v, _)| *v),
                detail: found.and_then(|(_, d)| d.clone()),
            };
        }
        if let Some(m) = self.metrics.get(metric) {
            return Figure {
                metric: metric.to_string(),
                scope: "all".into(),
                value: Some(m.value).filter(|v| v.is_finite()),
                detail: m.detail.clone(),
            };
        }
        let found = adoption.and_then(|name| self.adoption.get("all", name));
        Figure {
            metric: metric.to_string(),
            scope: "all".into(),
            value: found.and_then(|(v, _)| *v),
            detail: found.and_then(|(_, d)| d.clone()),
        }
    }
}

/// The scopes a phase covers: its teams and users, else everyone.
pub fn scopes(teams: &[String], users: &[String]) -> Vec<String> {
    let mut out: Vec<String> = teams
        .iter()
        .map(|t| format!("team:{t}"))
        .chain(users.iter().map(|u| format!("rep:{u}")))
        .collect();
    if out.is_empty() {
        out.push("all".into());
    }
    out
}

/// Evaluates a phase's exit criteria for every scope it covers: fail when any scope fails,
/// not measured when none fails and one lacks a figure, pass when every scope passes.
pub fn evaluate(phase: &Phase, sources: &Sources) -> ExitResult {
    let Some(expr) = phase.exit_expr() else {
        return ExitResult {
            expression: None,
            outcome: ExitOutcome::None,
            scopes: Vec::new(),
            missing: Vec::new(),
        };
    };
    let mut results = Vec::new();
    let mut missing: Vec<Missing> = Vec::new();
    for scope in scopes(&phase.teams, &phase.users) {
        let figures: Vec<Figure> = expr
            .metrics()
            .iter()
            .map(|m| sources.read(&scope, m))
            .collect();
        let outcome = match expr.evaluate(|name| {
            figures
                .iter()
                .find(|f| f.metric == name)
                .and_then(|f| f.value)
        }) {
            Outcome::Pass => ExitOutcome::Pass,
            Outcome::Fail => ExitOutcome::Fail,
            Outcome::Missing(_) => ExitOutcome::NotMeasured,
        };
        for f in figures.iter().filter(|f| f.value.is_none()) {
            if !missing
                .iter()
                .any(|m| m.metric == f.metric && m.scope == f.scope)
            {
                missing.push(Missing {
                    metric: f.metric.clone(),
                    scope: f.scope.clone(),
                    command: command_for(&f.metric).to_string(),
                });
            }
        }
        results.push(ScopeResult {
            scope,
            outcome,
            figures,
        });
    }
    let outcome = if results.iter().any(|r| r.outcome == ExitOutcome::Fail) {
        ExitOutcome::Fail
    } else if results
        .iter()
        .any(|r| r.outcome == ExitOutcome::NotMeasured)
    {
        ExitOutcome::NotMeasured
    } else {
        ExitOutcome::Pass
    };
    ExitResult {
        expression: Some(expr.to_string()),
        outcome,
        scopes: results,
        missing,
    }
}

/// The command that measures a metric.
fn command_for(metric: &str) -> &'static str {
    match metric.split('.').next() {
        Some("adoption") => "crmkit adoption ingest FILE...",
        Some("rollout") => "crmkit rollout check",
        _ => crate::playbook::evidence::command_for(metric),
    }
}

/// Checks exit criteria given on the command line; returns them as written, or None when
/// blank (which clears them).
pub fn parse(text: &str) -> crate::error::Result<Option<String>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.parse::<Expr>()
        .map(|_| Some(text.trim().to_string()))
        .map_err(|why| crate::error::Error::Usage(format!("--exit: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::plan::Status;

    fn phase(teams: &[&str], exit: &str) -> Phase {
        Phase {
            name: "Pilot".into(),
            modules: vec![],
            teams: teams.iter().map(|t| t.to_string()).collect(),
            users: vec![],
            accounts: vec![],
            start: "2027-01-11".parse().unwrap(),
            end: "2027-02-05".parse().unwrap(),
            exit: Some(exit.into()),
            status: Status::Planned,
            completed: None,
        }
    }

    #[test]
    fn each_team_must_pass_and_unmeasured_is_not_zero() {
        let mut adoption = AdoptionFigures::default();
        for (scope, v) in [
            ("team:East", Some(0.9)),
            ("team:West", Some(0.5)),
            ("team:North", None),
        ] {
            adoption.values.insert(
                (
                    AdoptionFigures::fold_scope(scope),
                    "weekly_active_share".into(),
                ),
                (v, None),
            );
        }
        let metrics = BTreeMap::new();
        let s = Sources {
            metrics: &metrics,
            adoption: &adoption,
        };
        let ex = "adoption.weekly_active_share >= 0.8";
        assert_eq!(
            evaluate(&phase(&["East"], ex), &s).outcome,
            ExitOutcome::Pass
        );
        assert_eq!(
            evaluate(&phase(&["East", "West"], ex), &s).outcome,
            ExitOutcome::Fail
        );
        let r = evaluate(&phase(&["East", "North"], ex), &s);
        assert_eq!(r.outcome, ExitOutcome::NotMeasured);
        assert_eq!(r.missing[0].scope, "team:North");
        assert!(r.missing[0].command.contains("adoption ingest"));
        // A failure decides even when another team is not measured.
        assert_eq!(
            evaluate(&phase(&["West", "South"], ex), &s).outcome,
            ExitOutcome::Fail
        );
        // No team: the workspace-wide metric, which nobody measured.
        assert_eq!(
            evaluate(&phase(&[], ex), &s).outcome,
            ExitOutcome::NotMeasured
        );
    }
}
