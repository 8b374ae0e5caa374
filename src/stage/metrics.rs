//! The figures of a stage run: each dataset's totals and reasons as rows are decided, the
//! time each phase took, and the metrics the playbook's evidence checks read.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::staging::{Db, PlanRow, StageRunRow};

/// Totals and reasons for one dataset.
#[derive(Clone, Debug, Serialize, Default)]
pub struct DatasetOutcome {
    pub dataset: String,
    pub object: String,
    pub target_object: String,
    pub source_rows: i64,
    pub staged: i64,
    pub merged: i64,
    pub rejected: i64,
    pub excluded: i64,
    /// Rejected records by reason code.
    pub reasons: BTreeMap<String, i64>,
    /// Excluded records by rule.
    pub rules: BTreeMap<String, i64>,
    /// Staged records whose parent link was cleared (missing parent, broken cycle).
    pub parents_cleared: i64,
    /// Values loaded with a warning instead of rejecting their record: `field action` -> count
    /// (`kept` as written, `cut` to length, `blanked`).
    pub warnings: BTreeMap<String, i64>,
    /// Every value problem met, by field, when the run is `map check`'s dry run.
    #[serde(skip)]
    pub observed: Option<Box<super::observe::Observed>>,
}

impl DatasetOutcome {
    /// Counts one source row read (a promoted member was counted when first read).
    pub(super) fn read(&mut self, promoted: bool, progress: &dyn crate::progress::Progress) {
        if promoted {
            // Counted as merged on the first pass; it is staged in its survivor's place now.
            self.merged -= 1;
        } else {
            self.source_rows += 1;
            if (self.source_rows as u64).is_multiple_of(crate::progress::ROWS_PER_TICK) {
                progress.set(self.source_rows as u64);
            }
        }
    }

    /// Counts a record excluded by `rule`.
    pub(super) fn excluded_by(&mut self, rule: &str) {
        self.excluded += 1;
        *self.rules.entry(rule.to_string()).or_default() += 1;
    }

    /// Counts one reason a record is rejected for (a record may have several).
    pub(super) fn reason(&mut self, reason: &str) {
        *self.reasons.entry(reason.to_string()).or_default() += 1;
    }

    /// Counts a value loaded with a warning (`field action`).
    pub(super) fn warned(&mut self, what: String) {
        *self.warnings.entry(what).or_default() += 1;
    }
}

/// Wall time per phase of a run.
pub(super) struct Clock {
    since: std::time::Instant,
    pub(super) laps: Vec<(String, f64)>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            since: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
}

impl Clock {
    pub(super) fn lap(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        let secs = (now - self.since).as_secs_f64();
        self.laps
            .push((phase.to_string(), (secs * 1000.0).round() / 1000.0));
        self.since = now;
    }
}

/// Leaves the staging figures for the playbook's evidence checks.
pub(super) fn record_metrics(db: &Db, plan: &[PlanRow]) -> Result<()> {
    let order: Vec<String> = plan
        .iter()
        .map(|p| match p.pass.as_str() {
            "insert" => format!("{} {}", p.target_object, p.rows),
            pass => format!("{} {pass} {}", p.target_object, p.rows),
        })
        .collect();
    let detail = format!("load order: {}", order.join(" -> "));
    db.put_metric(
        "stage.load_steps",
        plan.len() as f64,
        Some(&detail),
        "stage",
    )?;
    let runs = db.stage_runs()?;
    let sum = |f: fn(&StageRunRow) -> i64| runs.iter().map(f).sum::<i64>();
    let (source, staged, merged, rejected, excluded) = (
        sum(|r| r.source_rows),
        sum(|r| r.staged),
        sum(|r| r.merged),
        sum(|r| r.rejected),
        sum(|r| r.excluded),
    );
    let n = |v: i64| crate::numbers::thousands(v.max(0) as u64);
    let detail = format!(
        "{}: {} staged, {} merged, {} rejected, {} excluded",
        crate::numbers::plural(source.max(0) as u64, "source row", "source rows"),
        n(staged),
        n(merged),
        n(rejected),
        n(excluded)
    );
    db.put_metric("stage.staged", staged as f64, Some(&detail), "stage")?;
    db.put_metric("stage.rejected", rejected as f64, Some(&detail), "stage")?;
    db.put_metric("stage.excluded", excluded as f64, Some(&detail), "stage")?;
    db.put_metric("stage.merged", merged as f64, Some(&detail), "stage")
}
