//! The roll-out mirror (`_rollout_phases`, `_rollout_milestones`, replaced whole on each
//! sync, with the `rollout.*` metrics) and the latest adoption snapshot's figures that exit
//! criteria and the roll-out report read.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::Db;
use crate::error::Result;

/// One phase as mirrored.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseRow {
    pub name: String,
    pub modules: Vec<String>,
    pub teams: Vec<String>,
    pub users: Vec<String>,
    pub accounts: Vec<String>,
    pub start: String,
    pub end: String,
    pub exit: Option<String>,
    pub status: String,
    pub completed: Option<String>,
    pub health: String,
    pub exit_outcome: String,
    pub as_of: String,
}

/// One milestone as mirrored.
#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneRow {
    pub name: String,
    pub date: String,
    pub phase: Option<String>,
    pub done: bool,
}

/// The figures of the latest adoption snapshot, by folded scope (`team:enterprise east`) and
/// name without the `adoption.` prefix; a NULL value (not measured) stays `None`.
#[derive(Clone, Debug, Default)]
pub struct AdoptionFigures {
    pub snapshot: Option<String>,
    pub as_of: Option<String>,
    pub values: BTreeMap<(String, String), (Option<f64>, Option<String>)>,
}

impl AdoptionFigures {
    /// The folded form scopes are looked up by: trimmed, lowercase, inner spaces single.
    pub fn fold_scope(scope: &str) -> String {
        let (kind, name) = scope.split_once(':').unwrap_or(("", scope));
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{}:{}", kind.trim().to_lowercase(), name.to_lowercase())
    }

    /// The value of `name` in `scope`: `None` when the snapshot lacks it, `Some(None)` when
    /// it holds the name without a value.
    pub fn get(&self, scope: &str, name: &str) -> Option<&(Option<f64>, Option<String>)> {
        self.values
            .get(&(Self::fold_scope(scope), name.to_string()))
    }
}

impl Db {
    /// Replaces the mirrored plan and the `rollout.*` metrics, in one transaction.
    pub fn save_rollout(
        &mut self,
        phases: &[PhaseRow],
        milestones: &[MilestoneRow],
        metrics: &[(String, f64, String)],
    ) -> Result<()> {
        let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let now = super::now();
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM _rollout_phases", [])?;
        tx.execute("DELETE FROM _rollout_milestones", [])?;
        tx.execute("DELETE FROM _metrics WHERE name LIKE 'rollout.%'", [])?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO _rollout_phases (name, position, modules, teams, users, accounts,
                   start, end, exit, status, completed, health, exit_outcome, as_of, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for (i, p) in phases.iter().enumerate() {
                stmt.execute(params![
                    p.name,
                    i as i64 + 1,
                    json(&p.modules),
                    json(&p.teams),
                    json(&p.users),
                    json(&p.accounts),
                    p.start,
                    p.end,
                    p.exit,
                    p.status,
                    p.completed,
                    p.health,
                    p.exit_outcome,
                    p.as_of,
                    now
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _rollout_milestones (name, position, date, phase, done, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (i, m) in milestones.iter().enumerate() {
                stmt.execute(params![m.name, i as i64 + 1, m.date, m.phase, m.done, now])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO _metrics (name, value, detail, source, computed_at)
                 VALUES (?1, ?2, ?3, 'rollout check', ?4)",
            )?;
            for (name, value, detail) in metrics {
                stmt.execute(params![name, value, detail, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The mirrored phases, in plan order.
    pub fn rollout_phases(&self) -> Result<Vec<PhaseRow>> {
        let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
        let mut stmt = self.conn.prepare(
            "SELECT name, modules, teams, users, accounts, start, end, exit, status, completed,
                    health, exit_outcome, as_of
             FROM _rollout_phases ORDER BY position",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PhaseRow {
                name: r.get(0)?,
                modules: list(r.get(1)?),
                teams: list(r.get(2)?),
                users: list(r.get(3)?),
                accounts: list(r.get(4)?),
                start: r.get(5)?,
                end: r.get(6)?,
                exit: r.get(7)?,
                status: r.get(8)?,
                completed: r.get(9)?,
                health: r.get(10)?,
                exit_outcome: r.get(11)?,
                as_of: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest adoption snapshot (by as-of date, then ingest time) and its figures.
    pub fn latest_adoption(&self) -> Result<AdoptionFigures> {
        let latest: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT snapshot, as_of FROM _adoption_snapshots
                 ORDER BY as_of DESC, ingested_at DESC, snapshot DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((snapshot, as_of)) = latest else {
            return Ok(AdoptionFigures::default());
        };
        let mut values = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT scope, name, value, detail FROM _adoption_metrics WHERE snapshot = ?1",
        )?;
        let rows = stmt.query_map([&snapshot], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (scope, name, value, detail) = row?;
            let name = name.strip_prefix("adoption.").unwrap_or(&name).to_string();
            values.insert(
                (AdoptionFigures::fold_scope(&scope), name),
                (value.filter(|v| v.is_finite()), detail),
            );
        }
        Ok(AdoptionFigures {
            snapshot: Some(snapshot),
            as_of: Some(as_of),
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_snapshot_figures_by_folded_scope() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("m.db")).unwrap();
        assert!(db.latest_adoption().unwrap().snapshot.is_none());
        db.conn
            .execute_batch(
                "INSERT INTO _adoption_snapshots VALUES ('w1', '2027-01-04', 't1'), ('w2', '2027-01-11', 't2');
                 INSERT INTO _adoption_metrics VALUES
                   ('w1', 'team:Enterprise East', 'weekly_active_share', 0.5, NULL),
                   ('w2', 'team:Enterprise  East', 'weekly_active_share', 0.9, '9 of 10'),
                   ('w2', 'team:Enterprise East', 'logins_per_user', NULL, 'no login export');",
            )
            .unwrap();
        let f = db.latest_adoption().unwrap();
        assert_eq!(f.snapshot.as_deref(), Some("w2"));
        let got = f
            .get("team:enterprise east", "weekly_active_share")
            .unwrap();
        assert_eq!(got.0, Some(0.9));
        assert_eq!(
            f.get("team:Enterprise East", "logins_per_user").unwrap().0,
            None
        );
        assert!(f.get("team:SMB", "weekly_active_share").is_none());
    }
}
