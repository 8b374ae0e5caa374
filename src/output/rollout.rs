//! Terminal text of `crmkit rollout`: the plan with health and exit figures, and the warnings.

use super::table::Table;
use crate::rollout::Review;
use crate::rollout::exit::ExitOutcome;

/// After a change: what changed, then the plan.
pub fn changed(what: &str, r: &Review) -> String {
    let mut out = format!("{what} (rollout.yaml)\n\n");
    out.push_str(&show(r));
    out
}

/// The plan as of its day.
pub fn show(r: &Review) -> String {
    let mut out = format!("Roll-out plan as of {}", r.as_of);
    match (&r.adoption_snapshot, &r.adoption_as_of) {
        (Some(s), Some(d)) => out.push_str(&format!(" · adoption snapshot `{s}` of {d}\n")),
        _ => out.push_str(" · no adoption snapshot yet (crmkit adoption ingest)\n"),
    }
    if r.phases.is_empty() {
        out.push_str(
            "\nNo phases yet.\n  hint: crmkit rollout add \"Pilot\" --modules contacts,accounts --teams \"TEAM\" --start DATE --end DATE --exit \"adoption.weekly_active_share >= 0.8\"\n",
        );
        return out;
    }
    let mut t = Table::new(&[
        "Phase",
        "Start",
        "End",
        "Modules",
        "Teams / users",
        "Health",
        "Exit",
    ]);
    for p in &r.phases {
        let who: Vec<String> = p.teams.iter().chain(&p.users).cloned().collect();
        t.row(vec![
            p.name.clone(),
            p.start.to_string(),
            p.end.to_string(),
            p.modules
                .iter()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            if who.is_empty() {
                "everyone".into()
            } else {
                who.join(", ")
            },
            p.health.health.label().to_string(),
            p.exit.outcome.name().to_string(),
        ]);
    }
    out.push('\n');
    out.push_str(&t.render());
    out.push('\n');
    for p in &r.phases {
        out.push_str(&format!("{}: {}\n", p.name, p.health.reason));
        if let Some(e) = &p.exit.expression {
            out.push_str(&format!("  exit: {e}\n"));
            for s in &p.exit.scopes {
                let figures: Vec<String> = s
                    .figures
                    .iter()
                    .map(|f| {
                        let v = f
                            .value
                            .map(crate::numbers::decimal)
                            .unwrap_or_else(|| "not measured".into());
                        match &f.detail {
                            Some(d) => format!("{} = {v} ({d})", f.metric),
                            None => format!("{} = {v}", f.metric),
                        }
                    })
                    .collect();
                out.push_str(&format!(
                    "    {} {}: {}\n",
                    s.scope,
                    s.outcome.name(),
                    figures.join(", ")
                ));
            }
            if p.exit.outcome == ExitOutcome::NotMeasured {
                let mut commands: Vec<&str> =
                    p.exit.missing.iter().map(|m| m.command.as_str()).collect();
                commands.dedup();
                out.push_str(&format!("    measure with: {}\n", commands.join("; ")));
            }
        }
    }
    if !r.milestones.is_empty() {
        out.push_str("\nMilestones:\n");
        for m in &r.milestones {
            let state = if m.done {
                "done"
            } else if m.overdue {
                "overdue"
            } else {
                "due"
            };
            let phase = m
                .phase
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            out.push_str(&format!("  {} {}{phase}: {state}\n", m.date, m.name));
        }
    }
    if !r.warnings.is_empty() {
        out.push_str(&format!(
            "\n{}: run `crmkit rollout check` for them\n",
            crate::numbers::plural(r.warnings.len() as u64, "warning", "warnings")
        ));
    }
    out
}

/// The warnings of `rollout check`.
pub fn check(r: &Review) -> String {
    if r.phases.is_empty() {
        return "The roll-out plan has no phases yet.\n  hint: crmkit rollout add \"Pilot\" --modules contacts,accounts --teams \"TEAM\" --start DATE --end DATE --exit \"adoption.weekly_active_share >= 0.8\"\n".into();
    }
    if r.warnings.is_empty() {
        return format!(
            "The roll-out plan ({} phases) follows the playbook's advice as of {}.\n",
            r.phases.len(),
            r.as_of
        );
    }
    let mut out = format!(
        "{} on the roll-out plan as of {}:\n",
        crate::numbers::plural(r.warnings.len() as u64, "warning", "warnings"),
        r.as_of
    );
    for w in &r.warnings {
        out.push_str(&format!("  warning [{}] {}\n", w.check, w.message));
    }
    out
}

/// The demo's roll-out step: the plan's shape and the report written.
pub fn demo(r: &Review, html: &std::path::Path) -> String {
    let mut counts: Vec<String> = Vec::new();
    for h in [
        crate::rollout::health::Health::OnTrack,
        crate::rollout::health::Health::AtRisk,
        crate::rollout::health::Health::Late,
        crate::rollout::health::Health::NotStarted,
        crate::rollout::health::Health::Done,
    ] {
        let n = r.phases.iter().filter(|p| p.health.health == h).count();
        if n > 0 {
            counts.push(format!("{n} {}", h.label()));
        }
    }
    format!(
        "{} phases ({}), {} milestones, {}; wrote {}",
        r.phases.len(),
        counts.join(", "),
        r.milestones.len(),
        crate::numbers::plural(r.warnings.len() as u64, "warning", "warnings"),
        html.display()
    )
}
