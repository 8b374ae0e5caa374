//! Keeps score results in the workspace: per-record rows in `_scores` and headline `score.*`
//! metrics for the playbook's evidence and the reports.

use super::leads::LeadReport;
use super::rfm::RfmReport;
use super::status::StatusReport;
use super::territory::AssignReport;
use crate::error::Result;
use crate::staging::{Db, Score};

const SOURCE: &str = "score";

/// A metric name part from a label: `at risk` -> `at_risk`.
pub fn metric_part(label: &str) -> String {
    crate::intake::names::identifier(label)
}

/// Stores each account's status and the count and share per status.
pub fn save_status(db: &mut Db, report: &StatusReport) -> Result<()> {
    let rows: Vec<Score> = report
        .accounts
        .iter()
        .map(|a| Score {
            key: a.account.clone(),
            name: "status".into(),
            value: None,
            text: Some(a.status.clone()),
        })
        .collect();
    db.save_scores(&report.dataset, "status", &rows)?;
    let total = report.accounts.len() as f64;
    db.put_metric("score.accounts", total, None, SOURCE)?;
    for (status, n) in &report.counts {
        let part = metric_part(status);
        let detail = format!(
            "{} are {status}",
            crate::numbers::part_of(*n, total as u64, "account", "accounts")
        );
        db.put_metric(&format!("score.{part}"), *n as f64, Some(&detail), SOURCE)?;
        let share = if total > 0.0 { *n as f64 / total } else { 0.0 };
        db.put_metric(&format!("score.{part}_rate"), share, Some(&detail), SOURCE)?;
    }
    Ok(())
}

/// Stores each account's RFM and propensity, and the segment counts and model figures.
pub fn save_rfm(db: &mut Db, dataset: &str, report: &RfmReport) -> Result<()> {
    let mut rows = Vec::with_capacity(report.accounts.len() * 10);
    for (rank, a) in report.accounts.iter().enumerate() {
        let num = |name: &str, v: Option<f64>| Score {
            key: a.account.clone(),
            name: format!("rfm.{name}"),
            value: v,
            text: None,
        };
        rows.extend([
            num("recency_days", Some(a.recency_days as f64)),
            num("frequency", Some(a.frequency as f64)),
            num("monetary", Some(a.monetary)),
            num("r", Some(a.r as f64)),
            num("f", Some(a.f as f64)),
            num("m", Some(a.m as f64)),
            num(
                "score",
                Some(format!("{}{}{}", a.r, a.f, a.m).parse().unwrap_or(0.0)),
            ),
            num("p_alive", a.p_alive),
            num("expected_purchases", a.expected_purchases),
            num("expected_value", a.expected_value),
            num("rank", Some(rank as f64 + 1.0)),
            Score {
                key: a.account.clone(),
                name: "rfm.segment".into(),
                value: None,
                text: Some(a.segment.clone()),
            },
        ]);
    }
    db.save_scores(dataset, "rfm", &rows)?;
    db.put_metric(
        "score.rfm_accounts",
        report.accounts.len() as f64,
        Some(&format!(
            "accounts with a purchase in `{}`",
            report.source.dataset
        )),
        SOURCE,
    )?;
    for (segment, n) in &report.segments {
        db.put_metric(
            &format!("score.segment_{}", metric_part(segment)),
            *n as f64,
            None,
            SOURCE,
        )?;
    }
    let value: f64 = report
        .accounts
        .iter()
        .filter_map(|a| a.expected_value)
        .sum();
    db.put_metric(
        "score.expected_value",
        value,
        Some(&format!(
            "expected spend in the next {} days",
            report.horizon_days
        )),
        SOURCE,
    )?;
    if let Some(m) = &report.model {
        db.put_metric("score.bgnbd_log_likelihood", m.log_likelihood, None, SOURCE)?;
    }
    Ok(())
}

/// Stores each lead's score and funnel stage, and the funnel counts and conversion rates.
pub fn save_leads(db: &mut Db, report: &LeadReport) -> Result<()> {
    let mut rows = Vec::with_capacity(report.leads.len() * 2);
    for l in &report.leads {
        rows.push(Score {
            key: l.lead.clone(),
            name: "lead.score".into(),
            value: Some(l.score),
            text: None,
        });
        rows.push(Score {
            key: l.lead.clone(),
            name: "lead.stage".into(),
            value: None,
            text: Some(l.stage.clone()),
        });
    }
    db.save_scores(&report.dataset, "lead", &rows)?;
    for s in &report.funnel {
        db.put_metric(
            &format!("score.funnel_{}", s.stage),
            s.count as f64,
            None,
            SOURCE,
        )?;
        if let Some(c) = s.conversion {
            db.put_metric(
                &format!("score.funnel_{}_conversion", s.stage),
                c,
                Some("share of the stage before that reached this one"),
                SOURCE,
            )?;
        }
    }
    if let Some(f) = &report.fit {
        for (name, v) in [("fitted", f.auc_fitted), ("hand_set", f.auc_hand_set)] {
            if let Some(v) = v {
                db.put_metric(&format!("score.lead_auc_{name}"), v, None, SOURCE)?;
            }
        }
    }
    Ok(())
}

/// Stores each account's territory and owner, and the balance figures.
pub fn save_assignments(db: &mut Db, dataset: &str, report: &AssignReport) -> Result<()> {
    let mut rows = Vec::new();
    for a in &report.assignments {
        for (name, text) in [
            ("assign.territory", &a.territory),
            ("assign.owner", &a.owner),
            ("assign.target_user", &a.target_user),
        ] {
            rows.push(Score {
                key: a.account.clone(),
                name: name.into(),
                value: None,
                text: text.clone(),
            });
        }
    }
    db.save_scores(dataset, "assign", &rows)?;
    let overloaded = report.balance.iter().filter(|b| b.overloaded).count();
    db.put_metric(
        "score.unassigned_accounts",
        report.unassigned as f64,
        None,
        SOURCE,
    )?;
    db.put_metric("score.overloaded_reps", overloaded as f64, None, SOURCE)?;
    db.put_metric(
        "score.inactive_owned_accounts",
        report.inactive_owned.len() as f64,
        Some("accounts whose current owner is an inactive user"),
        SOURCE,
    )?;
    db.put_metric(
        "score.unmatched_owners",
        report.unmatched_owners.len() as f64,
        Some("assigned owners with no target user in the mappings' owner map"),
        SOURCE,
    )?;
    Ok(())
}
