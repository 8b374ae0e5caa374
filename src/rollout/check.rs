//! `rollout check`: the playbook's phasing advice applied to a plan, one warning per problem,
//! each naming its phase: simple modules first, time between phases, a pilot first (a subset
//! of staff on key accounts), exit criteria on every phase, no team in two phases at once,
//! no phase past its end with criteria that do not hold, no milestone overdue.

use chrono::NaiveDate;
use serde::Serialize;

use super::PhaseView;
use super::catalogue::Catalogue;
use super::exit::ExitOutcome;
use super::plan::{Milestone, Status};

/// One piece of advice the plan breaks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// Stable name of the check: `complex_first`, `no_gap`, `not_pilot`,
    /// `pilot_without_key_accounts`, `no_exit_criteria`, `team_overlap`, `past_end_unmet`,
    /// `unknown_module`, `milestone_overdue`.
    pub check: &'static str,
    /// The phase (or milestone) the warning is about.
    pub phase: String,
    pub message: String,
}

/// Every warning for phases already in start order.
pub fn check(
    phases: &[PhaseView],
    milestones: &[Milestone],
    catalogue: &Catalogue,
    as_of: NaiveDate,
) -> Vec<Warning> {
    let mut out = Vec::new();
    // Unknown modules cannot be ranked; say so once per phase and module.
    for p in phases {
        for m in p.modules.iter().filter(|m| m.rank.is_none()) {
            warn(
                &mut out,
                "unknown_module",
                &p.name,
                format!(
                    "phase `{}`: module `{}` is not in the module catalogue, so its complexity is unknown; use a catalogue name or add it to rollout.yaml in your --playbooks folder",
                    p.name, m.written
                ),
            );
        }
    }
    // Complex before simple: a phase introducing a module simpler than one an earlier phase
    // introduced.
    let mut introduced: Vec<(&str, &str, u32, &str)> = Vec::new(); // (id, name, rank, phase)
    for p in phases {
        let new: Vec<_> = p
            .modules
            .iter()
            .filter_map(|m| Some((m.id.as_deref()?, m.name.as_str(), m.rank?)))
            .filter(|(id, _, _)| !introduced.iter().any(|(i, _, _, _)| i == id))
            .collect();
        if let Some(&(_, simple_name, simple_rank)) = new.iter().min_by_key(|(_, _, r)| *r)
            && let Some(&(_, complex_name, complex_rank, earlier)) = introduced
                .iter()
                .filter(|(_, _, r, _)| *r > simple_rank)
                .max_by_key(|(_, _, r, _)| *r)
        {
            warn(
                &mut out,
                "complex_first",
                earlier,
                format!(
                    "phase `{earlier}` brings {complex_name} (complexity {complex_rank}) before phase `{}` brings {simple_name} (complexity {simple_rank}): start with simple modules that give many people CRM experience, then the complex ones",
                    p.name
                ),
            );
        }
        for (id, name, rank) in new {
            introduced.push((id, name, rank, &p.name));
        }
    }
    // Time between phases, and one team in two phases at once.
    for (i, p) in phases.iter().enumerate() {
        for q in &phases[..i] {
            let overlap = p.start <= q.end && q.start <= p.end;
            if !overlap {
                continue;
            }
            let shared: Vec<&String> = p
                .teams
                .iter()
                .filter(|t| q.teams.iter().any(|u| fold(u) == fold(t)))
                .chain(
                    p.users
                        .iter()
                        .filter(|t| q.users.iter().any(|u| fold(u) == fold(t))),
                )
                .collect();
            let everyone = (p.teams.is_empty() && p.users.is_empty())
                || (q.teams.is_empty() && q.users.is_empty());
            if !shared.is_empty() || everyone {
                let who = if shared.is_empty() {
                    "everyone".to_string()
                } else {
                    shared
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                warn(
                    &mut out,
                    "team_overlap",
                    &p.name,
                    format!(
                        "phases `{}` ({} to {}) and `{}` ({} to {}) overlap for {who}: people learn one phase at a time",
                        q.name, q.start, q.end, p.name, p.start, p.end
                    ),
                );
            }
        }
        if i == 0 {
            continue;
        }
        let prev = &phases[i - 1];
        let gap = (p.start - prev.end).num_days() - 1;
        let overlapping_same = out.iter().any(|w| {
            w.check == "team_overlap"
                && w.phase == p.name
                && w.message.contains(&format!("`{}`", prev.name))
        });
        if gap < catalogue.settings.min_gap_days && !overlapping_same {
            let between = if gap < 0 {
                format!(
                    "starts before `{}` ends ({} < {})",
                    prev.name, p.start, prev.end
                )
            } else {
                format!(
                    "starts {gap} days after `{}` ends ({} to {})",
                    prev.name, prev.end, p.start
                )
            };
            warn(
                &mut out,
                "no_gap",
                &p.name,
                format!(
                    "phase `{}` {between}: leave at least {} days between phases to settle and apply the lessons",
                    p.name, catalogue.settings.min_gap_days
                ),
            );
        }
    }
    // The first phase is a pilot: a subset of staff, on key accounts.
    if let Some(first) = phases.first() {
        let all_teams: Vec<String> = {
            let mut v: Vec<String> = phases
                .iter()
                .flat_map(|p| p.teams.iter().map(|t| fold(t)))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let first_teams: Vec<String> = first.teams.iter().map(|t| fold(t)).collect();
        let everyone = first.teams.is_empty() && first.users.is_empty();
        let every_team = first.users.is_empty()
            && all_teams.len() >= 2
            && all_teams.iter().all(|t| first_teams.contains(t));
        if everyone || every_team {
            let scope = if everyone {
                "names no teams or users, so it covers everyone".to_string()
            } else {
                "covers every team of the plan".to_string()
            };
            warn(
                &mut out,
                "not_pilot",
                &first.name,
                format!(
                    "the first phase `{}` is not a pilot: it {scope}; start with a subset of staff (tech-savvy reps and marketers) on key accounts to prove value and give the other teams a case study",
                    first.name
                ),
            );
        } else if first.accounts.is_empty() {
            warn(
                &mut out,
                "pilot_without_key_accounts",
                &first.name,
                format!(
                    "the pilot `{}` names no key accounts (`accounts:`): a pilot on key accounts proves value where it shows",
                    first.name
                ),
            );
        }
    }
    for p in phases {
        if p.exit.outcome == ExitOutcome::None {
            warn(
                &mut out,
                "no_exit_criteria",
                &p.name,
                format!(
                    "phase `{}` has no exit criteria: say in figures when it is done, e.g. --exit \"adoption.weekly_active_share >= 0.8\"",
                    p.name
                ),
            );
        }
        if as_of > p.end
            && p.status != Status::Done
            && matches!(p.exit.outcome, ExitOutcome::Fail | ExitOutcome::NotMeasured)
        {
            warn(
                &mut out,
                "past_end_unmet",
                &p.name,
                format!(
                    "phase `{}` ended {} and its exit criteria {}: {}",
                    p.name,
                    p.end,
                    if p.exit.outcome == ExitOutcome::Fail {
                        "do not hold"
                    } else {
                        "are not measured"
                    },
                    p.exit.summary()
                ),
            );
        }
    }
    for m in milestones {
        if !m.done && m.date < as_of {
            warn(
                &mut out,
                "milestone_overdue",
                &m.name,
                format!("milestone `{}` was due {} and is not done", m.name, m.date),
            );
        }
    }
    out
}

fn warn(out: &mut Vec<Warning>, check: &'static str, phase: &str, message: String) {
    out.push(Warning {
        check,
        phase: phase.to_string(),
        message,
    })
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
