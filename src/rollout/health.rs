//! Health of a phase on a given day: not started, on track, at risk (exit criteria not
//! holding with less than the catalogue's share of its time left), late, done.

use chrono::NaiveDate;
use serde::Serialize;

use super::exit::ExitOutcome;
use super::plan::{Phase, Status};

/// A phase's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    NotStarted,
    OnTrack,
    AtRisk,
    Late,
    Done,
}

impl Health {
    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            Health::NotStarted => "not started",
            Health::OnTrack => "on track",
            Health::AtRisk => "at risk",
            Health::Late => "late",
            Health::Done => "done",
        }
    }
}

/// The health and the reason for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HealthView {
    pub health: Health,
    pub reason: String,
    /// Days left to the end date (negative once past it).
    pub days_left: i64,
    /// Share of the phase's days still ahead, 0 to 1.
    pub time_left_share: f64,
}

/// Health of `phase` on `as_of`, given its exit verdict and the at-risk threshold.
pub fn health(phase: &Phase, exit: ExitOutcome, as_of: NaiveDate, at_risk: f64) -> HealthView {
    let days = phase.days() as f64;
    // Days after today up to and including the end day.
    let days_left = (phase.end - as_of).num_days();
    let time_left_share = (days_left as f64 / days).clamp(0.0, 1.0);
    let (health, reason) = if phase.status == Status::Done {
        let when = phase
            .completed
            .map(|d| format!(" on {d}"))
            .unwrap_or_default();
        (Health::Done, format!("marked done{when}"))
    } else if as_of < phase.start {
        let n = (phase.start - as_of).num_days();
        (Health::NotStarted, format!("starts in {}", days_text(n)))
    } else if as_of > phase.end {
        let n = (as_of - phase.end).num_days();
        let why = match exit {
            ExitOutcome::Pass => "exit criteria hold; mark it done",
            ExitOutcome::Fail => "exit criteria do not hold",
            ExitOutcome::NotMeasured => "exit criteria not measured",
            ExitOutcome::None => "no exit criteria",
        };
        (
            Health::Late,
            format!("ended {} ago, not done: {why}", days_text(n)),
        )
    } else if time_left_share < at_risk
        && matches!(exit, ExitOutcome::Fail | ExitOutcome::NotMeasured)
    {
        let why = if exit == ExitOutcome::Fail {
            "exit criteria do not hold"
        } else {
            "exit criteria not measured"
        };
        (
            Health::AtRisk,
            format!(
                "{why} with {} to go ({}% of the phase)",
                days_text(days_left),
                (time_left_share * 100.0).round()
            ),
        )
    } else {
        let why = match exit {
            ExitOutcome::Pass => "exit criteria hold",
            ExitOutcome::Fail => "exit criteria not met yet",
            ExitOutcome::NotMeasured => "exit criteria not measured yet",
            ExitOutcome::None => "no exit criteria",
        };
        (
            Health::OnTrack,
            format!("{} to go; {why}", days_text(days_left)),
        )
    };
    HealthView {
        health,
        reason,
        days_left,
        time_left_share,
    }
}

fn days_text(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(status: Status) -> Phase {
        Phase {
            name: "Pilot".into(),
            modules: vec![],
            teams: vec![],
            users: vec![],
            accounts: vec![],
            // 20 days, both ends included.
            start: "2027-01-01".parse().unwrap(),
            end: "2027-01-20".parse().unwrap(),
            exit: None,
            status,
            completed: None,
        }
    }

    #[test]
    fn every_state_on_its_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let p = phase(Status::Active);
        let h = |day: &str, exit| health(&p, exit, d(day), 0.25).health;
        assert_eq!(h("2026-12-31", ExitOutcome::Fail), Health::NotStarted);
        assert_eq!(h("2027-01-01", ExitOutcome::Fail), Health::OnTrack);
        // 5 of 20 days left is exactly a quarter: not yet at risk.
        assert_eq!(h("2027-01-15", ExitOutcome::Fail), Health::OnTrack);
        assert_eq!(h("2027-01-16", ExitOutcome::Fail), Health::AtRisk);
        assert_eq!(h("2027-01-16", ExitOutcome::NotMeasured), Health::AtRisk);
        assert_eq!(h("2027-01-16", ExitOutcome::Pass), Health::OnTrack);
        assert_eq!(h("2027-01-16", ExitOutcome::None), Health::OnTrack);
        assert_eq!(h("2027-01-20", ExitOutcome::Fail), Health::AtRisk);
        assert_eq!(h("2027-01-21", ExitOutcome::Pass), Health::Late);
        let done = phase(Status::Done);
        assert_eq!(
            health(&done, ExitOutcome::Fail, d("2027-03-01"), 0.25).health,
            Health::Done
        );
    }
}
