//! Adoption snapshots in the staging database: their normalised export rows, the figures
//! computed from them (`_adoption_metrics`) and the analysis the report renders. The heavy
//! aggregation runs here, in SQL, so no command holds a snapshot's rows in memory.

use rusqlite::{OptionalExtension, params};

use super::{Db, now};
use crate::error::Result;

/// One snapshot as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotRow {
    pub snapshot: String,
    /// Day number of the as-of date.
    pub as_of: String,
    pub ingested_at: String,
}

/// One export file of a snapshot.
#[derive(Clone, Debug)]
pub struct FileRow {
    pub file: String,
    pub role: String,
    pub rows: u64,
    pub skipped: u64,
    /// JSON object: field -> header.
    pub fields: String,
}

/// Something reading an export noticed about one row, located.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportIssue {
    pub file: String,
    /// 1-based record number, the header not counted.
    pub row: u64,
    /// The line the record starts on (text files).
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    /// Short code: `ragged_row`, `unterminated_quote`, `invalid_encoding`, ...
    pub kind: String,
    pub detail: String,
    /// Whether the row was still read (false: not used, kept here).
    pub used: bool,
}

/// A user of a users export, normalised.
#[derive(Clone, Debug, Default)]
pub struct UserRow {
    pub key: String,
    pub id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub role: Option<String>,
    pub team: Option<String>,
    pub manager: Option<String>,
    pub region: Option<String>,
    pub active: Option<bool>,
    pub licensed: bool,
    pub last_login: Option<i32>,
    pub quota: Option<f64>,
}

/// An opportunity, normalised.
#[derive(Clone, Debug, Default)]
pub struct OppRow {
    pub opp: String,
    pub owner: String,
    pub owner_key: String,
    pub stage: String,
    pub class: &'static str,
    pub amount: Option<f64>,
    pub created: Option<i32>,
    pub close: Option<i32>,
    pub modified: Option<i32>,
    pub next_step: Option<bool>,
    pub forecast: Option<bool>,
    pub contact_roles: Option<bool>,
}

/// A lead, normalised.
#[derive(Clone, Debug, Default)]
pub struct LeadRow {
    pub lead: String,
    pub owner: Option<String>,
    pub owner_key: Option<String>,
    pub status: Option<String>,
    pub stage: &'static str,
    pub source: Option<String>,
    pub created: Option<i32>,
    pub converted: Option<bool>,
    pub converted_opp: Option<String>,
}

/// Per-rep opportunity figures of one snapshot, as SQL sums them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepOpps {
    pub rep: String,
    pub opportunities: u64,
    pub open: u64,
    pub won: u64,
    pub lost: u64,
    pub won_amount: f64,
    pub cycle_days: f64,
    pub cycle_deals: u64,
    pub stale_open: u64,
    pub past_close_open: u64,
    pub open_with_next_step: u64,
    pub pipeline_amount: f64,
    pub forecast_filled: u64,
    /// Key fields filled, over all opportunities and key fields the export has.
    pub key_filled: u64,
    pub created_recent: u64,
    pub modified_recent: u64,
}

/// Per-rep activity and login figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepUsage {
    pub rep: String,
    pub activities: u64,
    pub recent_activities: u64,
    pub logins: u64,
    pub last_login: Option<i32>,
    pub created: u64,
    pub updated: u64,
}

/// One row of a stage history, with its opportunity's rep, as streamed in opportunity order.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub opp: String,
    pub stage: String,
    pub entered: i32,
    pub rep: Option<String>,
}

/// A lead joined to the class of the opportunity it converted to.
#[derive(Clone, Debug)]
pub struct LeadFunnelRow {
    pub lead: String,
    pub stage: String,
    pub converted: Option<bool>,
    pub converted_class: Option<String>,
}

/// Writes one snapshot's rows inside one transaction.
pub struct AdoptionTx<'a> {
    conn: &'a rusqlite::Connection,
    snapshot: String,
    done: bool,
}

impl Db {
    /// Every adoption snapshot, oldest first (by as-of date, then name).
    pub fn adoption_snapshots(&self) -> Result<Vec<SnapshotRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT snapshot, as_of, ingested_at FROM _adoption_snapshots ORDER BY as_of, snapshot",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SnapshotRow {
                snapshot: r.get(0)?,
                as_of: r.get(1)?,
                ingested_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Starts writing snapshot `snapshot` (created with `as_of` when new).
    pub fn begin_adoption(&mut self, snapshot: &str, as_of: &str) -> Result<AdoptionTx<'_>> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.conn.execute(
            "INSERT INTO _adoption_snapshots (snapshot, as_of, ingested_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (snapshot) DO UPDATE SET ingested_at = excluded.ingested_at",
            params![snapshot, as_of, now()],
        )?;
        Ok(AdoptionTx {
            conn: &self.conn,
            snapshot: snapshot.to_string(),
            done: false,
        })
    }

    /// The files a snapshot was built from.
    pub fn adoption_files(&self, snapshot: &str) -> Result<Vec<FileRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT file, role, rows, skipped, fields FROM _adoption_files WHERE snapshot = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([snapshot], |r| {
            Ok(FileRow {
                file: r.get(0)?,
                role: r.get(1)?,
                rows: r.get::<_, i64>(2)? as u64,
                skipped: r.get::<_, i64>(3)? as u64,
                fields: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The row issues of a snapshot's files, in file and row order; the values as stored
    /// (whole), at most `limit` per file.
    pub fn adoption_issues(&self, snapshot: &str, limit: u64) -> Result<Vec<ExportIssue>> {
        let mut stmt = self.conn.prepare(
            "SELECT file, row, line, col, value, kind, detail, used FROM (
               SELECT *, rowid AS id, ROW_NUMBER() OVER (PARTITION BY file ORDER BY row, rowid) AS n
               FROM _adoption_issues WHERE snapshot = ?1)
             WHERE n <= ?2 ORDER BY file, row, id",
        )?;
        let rows = stmt.query_map(params![snapshot, limit as i64], |r| {
            Ok(ExportIssue {
                file: r.get(0)?,
                row: r.get::<_, i64>(1)? as u64,
                line: r.get::<_, Option<i64>>(2)?.map(|l| l as u64),
                column: r.get(3)?,
                value: r.get(4)?,
                kind: r.get(5)?,
                detail: r.get(6)?,
                used: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Row issues of a snapshot per file and kind.
    pub fn adoption_issue_counts(&self, snapshot: &str) -> Result<Vec<(String, String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT file, kind, COUNT(*) FROM _adoption_issues WHERE snapshot = ?1 GROUP BY file, kind ORDER BY file, kind",
        )?;
        let rows = stmt.query_map([snapshot], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Points every owner of a snapshot at the user it names (by alias), or at itself as
    /// written when no user matches.
    pub fn resolve_adoption_reps(&self, snapshot: &str) -> Result<()> {
        for table in [
            "_adoption_opps",
            "_adoption_activity",
            "_adoption_logins",
            "_adoption_leads",
        ] {
            self.conn.execute(
                &format!(
                    "UPDATE {table} SET rep = COALESCE(
                        (SELECT u.name FROM _adoption_aliases a JOIN _adoption_users u
                           ON u.snapshot = a.snapshot AND u.user_key = a.user_key
                         WHERE a.snapshot = {table}.snapshot AND a.alias = {table}.owner_key),
                        owner)
                     WHERE snapshot = ?1"
                ),
                [snapshot],
            )?;
        }
        Ok(())
    }

    /// The users of a snapshot, by name.
    pub fn adoption_users(&self, snapshot: &str) -> Result<Vec<UserRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT user_key, id, name, email, role, team, manager, region, active, licensed, last_login, quota
             FROM _adoption_users WHERE snapshot = ?1 ORDER BY name, user_key",
        )?;
        let rows = stmt.query_map([snapshot], |r| {
            Ok(UserRow {
                key: r.get(0)?,
                id: r.get(1)?,
                name: r.get(2)?,
                email: r.get(3)?,
                role: r.get(4)?,
                team: r.get(5)?,
                manager: r.get(6)?,
                region: r.get(7)?,
                active: r.get::<_, Option<i64>>(8)?.map(|v| v != 0),
                licensed: r.get::<_, i64>(9)? != 0,
                last_login: r.get(10)?,
                quota: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per-rep opportunity sums: stale = open and not modified since `stale_before`; past
    /// close = open with a close date before `as_of`; recent = on or after `recent_from`.
    pub fn adoption_rep_opps(
        &self,
        snapshot: &str,
        as_of: i32,
        stale_before: i32,
        recent_from: i32,
    ) -> Result<Vec<RepOpps>> {
        let mut stmt = self.conn.prepare(
            "SELECT rep, COUNT(*),
                SUM(class = 'open'), SUM(class = 'won'), SUM(class = 'lost'),
                TOTAL(CASE WHEN class = 'won' THEN amount END),
                TOTAL(CASE WHEN class = 'won' AND close IS NOT NULL AND created IS NOT NULL AND close >= created THEN close - created END),
                SUM(class = 'won' AND close IS NOT NULL AND created IS NOT NULL AND close >= created),
                SUM(class = 'open' AND modified IS NOT NULL AND modified < ?3),
                SUM(class = 'open' AND close IS NOT NULL AND close < ?2),
                SUM(class = 'open' AND next_step = 1),
                TOTAL(CASE WHEN class = 'open' THEN amount END),
                SUM(forecast = 1),
                SUM((amount IS NOT NULL) + (close IS NOT NULL) + COALESCE(next_step, 0) + COALESCE(contact_roles, 0)),
                SUM(created IS NOT NULL AND created >= ?4 AND created <= ?2),
                SUM(modified IS NOT NULL AND modified >= ?4 AND modified <= ?2)
             FROM _adoption_opps WHERE snapshot = ?1 GROUP BY rep ORDER BY rep",
        )?;
        let n = |v: Option<i64>| v.unwrap_or(0) as u64;
        let rows = stmt.query_map(params![snapshot, as_of, stale_before, recent_from], |r| {
            Ok(RepOpps {
                rep: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                opportunities: n(r.get(1)?),
                open: n(r.get(2)?),
                won: n(r.get(3)?),
                lost: n(r.get(4)?),
                won_amount: r.get(5)?,
                cycle_days: r.get(6)?,
                cycle_deals: n(r.get(7)?),
                stale_open: n(r.get(8)?),
                past_close_open: n(r.get(9)?),
                open_with_next_step: n(r.get(10)?),
                pipeline_amount: r.get(11)?,
                forecast_filled: n(r.get(12)?),
                key_filled: n(r.get(13)?),
                created_recent: n(r.get(14)?),
                modified_recent: n(r.get(15)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per-rep activities (all, and on or after `recent_from`), logins and last login, and
    /// records created and updated (usage summaries), up to `as_of`.
    pub fn adoption_rep_usage(
        &self,
        snapshot: &str,
        as_of: i32,
        recent_from: i32,
    ) -> Result<Vec<RepUsage>> {
        let mut out: std::collections::BTreeMap<String, RepUsage> = Default::default();
        {
            let mut stmt = self.conn.prepare(
                "SELECT rep, TOTAL(count), TOTAL(CASE WHEN day >= ?3 THEN count END)
                 FROM _adoption_activity WHERE snapshot = ?1 AND day <= ?2 GROUP BY rep",
            )?;
            let rows = stmt.query_map(params![snapshot, as_of, recent_from], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, f64>(1)?,
                    r.get::<_, f64>(2)?,
                ))
            })?;
            for row in rows {
                let (rep, all, recent) = row?;
                let e = out.entry(rep.clone()).or_default();
                e.rep = rep;
                e.activities = all as u64;
                e.recent_activities = recent as u64;
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT rep, TOTAL(count), MAX(CASE WHEN count > 0 THEN day END), TOTAL(created), TOTAL(updated)
             FROM _adoption_logins WHERE snapshot = ?1 AND day <= ?2 GROUP BY rep",
        )?;
        let rows = stmt.query_map(params![snapshot, as_of], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, f64>(1)?,
                r.get::<_, Option<i32>>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, f64>(4)?,
            ))
        })?;
        for row in rows {
            let (rep, logins, last, created, updated) = row?;
            let e = out.entry(rep.clone()).or_default();
            e.rep = rep;
            e.logins = logins as u64;
            e.last_login = last;
            e.created = created as u64;
            e.updated = updated as u64;
        }
        Ok(out.into_values().collect())
    }

    /// The login sources a snapshot holds (`logins`, `usage`).
    pub fn adoption_login_sources(&self, snapshot: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT source FROM _adoption_logins WHERE snapshot = ?1 ORDER BY source",
        )?;
        let rows = stmt.query_map([snapshot], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stage order a wide (HubSpot `Date entered`) export declared, first stage first.
    pub fn adoption_declared_order(&self, snapshot: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT stage FROM _adoption_stage_order WHERE snapshot = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([snapshot], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every stage seen in a snapshot's history with how many days after its opportunity's
    /// first entry it is entered on average (orders stages the catalogue does not name).
    /// Each stage's mean days after its deal's first stage, earliest first: one pass over the
    /// history in its key order (a deal's first row is its first day), where a join against
    /// per-deal minimums would sort millions of rows.
    pub fn adoption_stage_offsets(&self, snapshot: &str) -> Result<Vec<(String, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT opp, stage, entered FROM _adoption_stage_history WHERE snapshot = ?1 ORDER BY opp, entered",
        )?;
        let mut rows = stmt.query([snapshot])?;
        let mut sums: Vec<(String, f64, u64)> = Vec::new();
        let (mut opp, mut first) = (String::new(), 0i64);
        let mut started = false;
        while let Some(r) = rows.next()? {
            let this = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let entered: i64 = r.get(2)?;
            if !started || this != opp {
                opp.clear();
                opp.push_str(this);
                first = entered;
                started = true;
            }
            let stage = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let gap = (entered - first) as f64;
            match sums.iter_mut().find(|(s, _, _)| s == stage) {
                Some(e) => {
                    e.1 += gap;
                    e.2 += 1;
                }
                None => sums.push((stage.to_string(), gap, 1)),
            }
        }
        let mut out: Vec<(String, f64)> = sums
            .into_iter()
            .map(|(s, total, n)| (s, total / n as f64))
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    pub fn adoption_history(
        &self,
        snapshot: &str,
        mut each: impl FnMut(HistoryRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT h.opp, h.stage, h.entered, o.rep FROM _adoption_stage_history h
             LEFT JOIN _adoption_opps o ON o.snapshot = h.snapshot AND o.opp = h.opp
             WHERE h.snapshot = ?1 ORDER BY h.opp, h.entered, h.stage",
        )?;
        let mut rows = stmt.query([snapshot])?;
        while let Some(r) = rows.next()? {
            each(HistoryRow {
                opp: r.get(0)?,
                stage: r.get(1)?,
                entered: r.get(2)?,
                rep: r.get(3)?,
            })?;
        }
        Ok(())
    }

    /// Streams a snapshot's leads with the class of the opportunity each converted to.
    pub fn adoption_leads(
        &self,
        snapshot: &str,
        mut each: impl FnMut(LeadFunnelRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT l.lead, l.stage, l.converted, o.class FROM _adoption_leads l
             LEFT JOIN _adoption_opps o ON o.snapshot = l.snapshot AND o.opp = l.converted_opp
             WHERE l.snapshot = ?1 ORDER BY l.lead",
        )?;
        let mut rows = stmt.query([snapshot])?;
        while let Some(r) = rows.next()? {
            each(LeadFunnelRow {
                lead: r.get(0)?,
                stage: r.get(1)?,
                converted: r.get::<_, Option<i64>>(2)?.map(|v| v != 0),
                converted_class: r.get(3)?,
            })?;
        }
        Ok(())
    }

    /// Replaces a snapshot's figures and analysis; when it is the latest snapshot, its
    /// `all` figures also become the `adoption.*` metrics the playbooks read.
    pub fn put_adoption_results(
        &mut self,
        snapshot: &str,
        metrics: &[(String, String, Option<f64>, Option<String>)],
        analysis: &str,
        latest: bool,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM _adoption_metrics WHERE snapshot = ?1",
            [snapshot],
        )?;
        {
            let mut put = tx.prepare(
                "INSERT INTO _adoption_metrics (snapshot, scope, name, value, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (scope, name, value, detail) in metrics {
                put.execute(params![snapshot, scope, name, value, detail])?;
            }
        }
        tx.execute(
            "INSERT INTO _adoption_analysis (snapshot, analysis) VALUES (?1, ?2)
             ON CONFLICT (snapshot) DO UPDATE SET analysis = excluded.analysis",
            params![snapshot, analysis],
        )?;
        if latest {
            tx.execute("DELETE FROM _metrics WHERE name LIKE 'adoption.%'", [])?;
            let mut put = tx.prepare(
                "INSERT INTO _metrics (name, value, detail, source, computed_at) VALUES (?1, ?2, ?3, 'adoption', ?4)",
            )?;
            let at = now();
            for (scope, name, value, detail) in metrics {
                if let (true, Some(v)) = (scope == "all", value) {
                    put.execute(params![format!("adoption.{name}"), v, detail, at])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored analysis of a snapshot.
    pub fn adoption_analysis(&self, snapshot: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT analysis FROM _adoption_analysis WHERE snapshot = ?1",
                [snapshot],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// One figure of one snapshot and scope (None when absent or not measured).
    pub fn adoption_metric(&self, snapshot: &str, scope: &str, name: &str) -> Result<Option<f64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM _adoption_metrics WHERE snapshot = ?1 AND scope = ?2 AND name = ?3",
                params![snapshot, scope, name],
                |r| r.get::<_, Option<f64>>(0),
            )
            .optional()?
            .flatten())
    }
}

impl AdoptionTx<'_> {
    /// Whether this snapshot already holds the file with this content in this role.
    pub fn has_file(&self, sha256: &str, role: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM _adoption_files WHERE snapshot = ?1 AND sha256 = ?2 AND role = ?3",
                params![self.snapshot, sha256, role],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records what reading a row of file `sha256` noticed.
    pub fn issue(&self, sha256: &str, i: &ExportIssue) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO _adoption_issues (snapshot, file, sha256, row, line, col, value, kind, detail, used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                self.snapshot,
                i.file,
                sha256,
                i.row as i64,
                i.line.map(|l| l as i64),
                i.column,
                i.value,
                i.kind,
                i.detail,
                i.used
            ])?;
        Ok(())
    }

    /// Records a file read into this snapshot.
    pub fn add_file(
        &self,
        file: &str,
        sha256: &str,
        role: &str,
        rows: u64,
        skipped: u64,
        fields: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO _adoption_files (snapshot, file, sha256, role, rows, skipped, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![self.snapshot, file, sha256, role, rows as i64, skipped as i64, fields],
        )?;
        Ok(())
    }

    /// Stores a user and the aliases owners may name them by.
    pub fn user(&self, u: &UserRow, aliases: &[String]) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO _adoption_users (snapshot, user_key, id, name, email, role, team, manager, region, active, licensed, last_login, quota)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (snapshot, user_key) DO UPDATE SET id = excluded.id, name = excluded.name, email = excluded.email,
                   role = excluded.role, team = excluded.team, manager = excluded.manager, region = excluded.region,
                   active = excluded.active, licensed = excluded.licensed, last_login = excluded.last_login, quota = excluded.quota",
            )?
            .execute(params![
                self.snapshot,
                u.key,
                u.id,
                u.name,
                u.email,
                u.role,
                u.team,
                u.manager,
                u.region,
                u.active,
                u.licensed,
                u.last_login,
                u.quota
            ])?;
        let mut alias = self.conn.prepare_cached(
            "INSERT INTO _adoption_aliases (snapshot, alias, user_key) VALUES (?1, ?2, ?3)
             ON CONFLICT (snapshot, alias) DO NOTHING",
        )?;
        for a in aliases {
            alias.execute(params![self.snapshot, a, u.key])?;
        }
        Ok(())
    }

    /// Stores an opportunity (a later file's row for the same id replaces it).
    pub fn opp(&self, o: &OppRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO _adoption_opps (snapshot, opp, owner, owner_key, stage, class, amount, created, close, modified, next_step, forecast, contact_roles)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                self.snapshot,
                o.opp,
                o.owner,
                o.owner_key,
                o.stage,
                o.class,
                o.amount,
                o.created,
                o.close,
                o.modified,
                o.next_step,
                o.forecast,
                o.contact_roles
            ])?;
        Ok(())
    }

    /// Stores one stage entry.
    pub fn history(&self, opp: &str, stage: &str, entered: i32) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO _adoption_stage_history (snapshot, opp, stage, entered) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![self.snapshot, opp, stage, entered])?;
        Ok(())
    }

    /// Records the stage order a wide export declares.
    pub fn stage_order(&self, stages: &[String]) -> Result<()> {
        let mut put = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO _adoption_stage_order (snapshot, stage, position) VALUES (?1, ?2, ?3)",
        )?;
        for (i, s) in stages.iter().enumerate() {
            put.execute(params![self.snapshot, s, i as i64])?;
        }
        Ok(())
    }

    /// Adds activities of one owner on one day.
    pub fn activity(&self, owner: &str, owner_key: &str, day: i32, count: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO _adoption_activity (snapshot, owner, owner_key, day, count) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (snapshot, owner_key, day) DO UPDATE SET count = count + excluded.count",
            )?
            .execute(params![self.snapshot, owner, owner_key, day, count as i64])?;
        Ok(())
    }

    /// Adds logins (and records created/updated) of one user on one day, by source.
    #[allow(clippy::too_many_arguments)]
    pub fn logins(
        &self,
        source: &str,
        owner: &str,
        owner_key: &str,
        day: i32,
        count: u64,
        created: u64,
        updated: u64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO _adoption_logins (snapshot, owner, owner_key, day, count, created, updated, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (snapshot, source, owner_key, day) DO UPDATE SET count = count + excluded.count,
                   created = created + excluded.created, updated = updated + excluded.updated",
            )?
            .execute(params![
                self.snapshot,
                owner,
                owner_key,
                day,
                count as i64,
                created as i64,
                updated as i64,
                source
            ])?;
        Ok(())
    }

    /// Stores a lead.
    pub fn lead(&self, l: &LeadRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO _adoption_leads (snapshot, lead, owner, owner_key, status, stage, source, created, converted, converted_opp)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                self.snapshot,
                l.lead,
                l.owner,
                l.owner_key,
                l.status,
                l.stage,
                l.source,
                l.created,
                l.converted,
                l.converted_opp
            ])?;
        Ok(())
    }

    /// Makes everything written durable.
    pub fn commit(mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(())
    }
}

impl Drop for AdoptionTx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
