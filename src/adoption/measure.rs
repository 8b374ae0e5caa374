//! The adoption figures of one snapshot: activity, data quality by owner, stage adherence,
//! pipeline and performance per rep, team, manager and region, the funnel, the success
//! criteria and the reps who need coaching. Sums come from SQL; this file turns them into
//! rates, roll-ups and judgements. A figure whose export is missing is "not measured" (with
//! the export that would measure it), never zero.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::vocab::{StageClass, Vocab};
use crate::error::Result;
use crate::staging::{Db, ExportIssue, HistoryRow, RepOpps, RepUsage, UserRow};

/// Row issues kept in the analysis per file; the rest are in `_adoption_issues`.
const ISSUES_SHOWN: u64 = 20;
use crate::values::date as dates;

/// One row of the rep table, or a roll-up of reps (team, manager, region, all).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub rep: Option<String>,
    pub team: Option<String>,
    pub manager: Option<String>,
    pub region: Option<String>,
    pub opportunities: u64,
    pub open: u64,
    pub won: u64,
    pub lost: u64,
    pub win_rate: Option<f64>,
    pub won_amount: f64,
    pub avg_won_amount: Option<f64>,
    pub avg_cycle_days: Option<f64>,
    /// None when the opportunities export has no last-modified date.
    pub stale_open: Option<u64>,
    /// None when the opportunities export has no close date.
    pub past_close_open: Option<u64>,
    /// None when no activities export was given.
    pub activities: Option<u64>,
    /// None when no logins or usage export was given.
    pub logins: Option<u64>,
    pub last_login: Option<String>,
    pub activities_per_week: Option<f64>,
    pub key_field_completeness: Option<f64>,
    pub pipeline_amount: f64,
    pub quota: Option<f64>,
    pub coverage: Option<f64>,
    pub stage_skips: Option<u64>,
    pub updated_every_stage_share: Option<f64>,
    /// Reps rolled up (teams, managers, regions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reps: Option<Vec<String>>,
    #[serde(skip)]
    sums: Sums,
}

/// The raw sums behind a row's rates, so roll-ups recompute rates instead of averaging them.
#[derive(Clone, Debug, Default, PartialEq)]
struct Sums {
    cycle_days: f64,
    cycle_deals: u64,
    key_filled: u64,
    key_slots: u64,
    open_with_next_step: u64,
    forecast_filled: u64,
    recent_activities: u64,
    last_login_day: Option<i32>,
    /// Whether the users export lists the rep as holding a licence (None: not listed).
    licensed: Option<bool>,
    history_deals: u64,
    every_stage: u64,
    created: u64,
    updated: u64,
}

/// One funnel step.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FunnelStep {
    pub stage: String,
    pub count: Option<u64>,
    /// Share of the step before that reached this one.
    pub conversion: Option<f64>,
}

/// One pipeline stage's adherence figures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StageRow {
    pub stage: String,
    pub entered: u64,
    /// Deals that passed this stage without entering it.
    pub skipped: u64,
    pub median_dwell_days: Option<f64>,
}

/// Stage adherence over the deals with a stage history.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Adherence {
    pub deals: u64,
    pub with_skips: u64,
    pub skipped_stages: u64,
    pub created_late: u64,
    pub same_day: u64,
    pub entered_late: u64,
    pub every_stage: u64,
    pub every_stage_share: Option<f64>,
}

/// Why a rep needs coaching: the figure, what it is compared with, and the rule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reason {
    pub check: String,
    pub value: f64,
    /// The figure it is compared with (the reps' or the team's median), when there is one.
    #[serde(default)]
    pub median: Option<f64>,
    pub text: String,
    /// The rule that flagged it, with its factor (from playbooks/adoption.yaml).
    #[serde(default)]
    pub basis: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Coaching {
    pub rep: String,
    pub team: Option<String>,
    pub manager: Option<String>,
    pub reasons: Vec<Reason>,
}

/// A figure that could not be measured, and the export that would measure it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NotMeasured {
    pub figures: Vec<String>,
    pub needs: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Source {
    pub file: String,
    pub role: String,
    pub rows: u64,
    pub skipped: u64,
    /// What reading the file noticed about rows, by kind (all of them are in
    /// `_adoption_issues`).
    #[serde(default)]
    pub issue_counts: BTreeMap<String, u64>,
    /// The first of them, located (values shortened).
    #[serde(default)]
    pub issues: Vec<ExportIssue>,
}

/// Everything measured in one snapshot; stored as JSON, rendered by the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Analysis {
    pub snapshot: String,
    pub as_of: String,
    pub sources: Vec<Source>,
    pub not_measured: Vec<NotMeasured>,
    /// The `all` figures (None = not measured).
    pub figures: BTreeMap<String, Option<f64>>,
    pub reps: Vec<Row>,
    pub teams: Vec<Row>,
    pub managers: Vec<Row>,
    pub regions: Vec<Row>,
    pub funnel: Vec<FunnelStep>,
    /// Where MQL and SQL came from: `rules` (lead scores) or `status`.
    pub funnel_basis: Option<String>,
    pub stages: Vec<StageRow>,
    pub adherence: Option<Adherence>,
    pub coaching: Vec<Coaching>,
}

/// One stored figure: scope, name, value (None = not measured), detail.
pub type MetricRow = (String, String, Option<f64>, Option<String>);

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

fn median(v: &mut [i32]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    })
}

fn median_f(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn day_text(day: i32) -> String {
    dates::date(day).map(|d| d.to_string()).unwrap_or_default()
}

use crate::numbers::pct;

/// What the snapshot's exports hold.
struct Has {
    users: bool,
    login_counts: bool,
    last_login: bool,
    usage: bool,
    activities: bool,
    opps: bool,
    modified: bool,
    close: bool,
    history: bool,
    leads: bool,
    converted_opp: bool,
    quota: bool,
    forecast: bool,
    key_slots_per_opp: u64,
}

/// Measures snapshot `snapshot` (as of day `as_of`), `previous` being the snapshot before it.
pub fn measure(
    db: &Db,
    vocab: &Vocab,
    snapshot: &str,
    as_of: i32,
    previous: Option<&Analysis>,
) -> Result<(Analysis, Vec<MetricRow>)> {
    let t = &vocab.thresholds;
    let files = db.adoption_files(snapshot)?;
    let issue_counts = db.adoption_issue_counts(snapshot)?;
    let mut issues = db.adoption_issues(snapshot, ISSUES_SHOWN)?;
    for i in &mut issues {
        i.value = i.value.as_deref().map(crate::text::example);
    }
    let has_field = |role: &str, field: &str| {
        files.iter().any(|f| {
            f.role == role
                && serde_json::from_str::<BTreeMap<String, String>>(&f.fields)
                    .is_ok_and(|m| m.contains_key(field))
        })
    };
    let has_role = |role: &str| files.iter().any(|f| f.role == role);
    let sources_logins = db.adoption_login_sources(snapshot)?;
    let key_slots_per_opp = ["amount", "close", "next_step", "contact_roles"]
        .iter()
        .filter(|f| has_field("opportunities", f))
        .count() as u64;
    let declared = db.adoption_declared_order(snapshot)?;
    let has = Has {
        users: has_role("users"),
        login_counts: !sources_logins.is_empty(),
        last_login: has_field("users", "last_login") || !sources_logins.is_empty(),
        usage: sources_logins.iter().any(|s| s == "usage"),
        activities: has_role("activities"),
        opps: has_role("opportunities"),
        modified: has_field("opportunities", "modified"),
        close: has_field("opportunities", "close"),
        history: has_role("stage_history") || !declared.is_empty(),
        leads: has_role("leads"),
        converted_opp: has_field("leads", "converted_opportunity"),
        quota: has_field("users", "quota"),
        forecast: has_field("opportunities", "forecast"),
        key_slots_per_opp,
    };

    let users = db.adoption_users(snapshot)?;
    let by_name: HashMap<&str, &UserRow> = users.iter().map(|u| (u.name.as_str(), u)).collect();
    let recent_from = as_of - t.activity_weeks * 7 + 1;
    let opps = db.adoption_rep_opps(
        snapshot,
        as_of,
        as_of - t.stale_days,
        as_of - t.monthly_days + 1,
    )?;
    let usage = db.adoption_rep_usage(snapshot, as_of, recent_from)?;

    // The reps: owners of opportunities or activities, and users placed in a team.
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let blank = |rep: &str| Row {
        rep: Some(rep.to_string()),
        stale_open: has.modified.then_some(0),
        past_close_open: has.close.then_some(0),
        activities: has.activities.then_some(0),
        logins: has.login_counts.then_some(0),
        ..Row::default()
    };
    for o in &opps {
        let row = rows.entry(o.rep.clone()).or_insert_with(|| blank(&o.rep));
        add_opps(row, o, &has);
    }
    // Managers who own nothing themselves are leadership, not reps.
    let managers_named: std::collections::HashSet<String> = users
        .iter()
        .filter_map(|u| u.manager.as_deref().map(crate::adoption::read::person_key))
        .collect();
    for u in &usage {
        let is_rep = u.activities > 0
            || by_name.get(u.rep.as_str()).is_some_and(|x| {
                x.team.is_some()
                    && !managers_named.contains(&crate::adoption::read::person_key(&x.name))
            })
            || rows.contains_key(&u.rep);
        if is_rep {
            let row = rows.entry(u.rep.clone()).or_insert_with(|| blank(&u.rep));
            add_usage(row, u, &has);
        }
    }
    for u in users.iter().filter(|u| {
        u.team.is_some()
            && u.licensed
            && !managers_named.contains(&crate::adoption::read::person_key(&u.name))
    }) {
        rows.entry(u.name.clone()).or_insert_with(|| blank(&u.name));
    }
    // User facts: team, manager, region, quota, last login from the users export.
    for (name, row) in rows.iter_mut() {
        if let Some(u) = by_name.get(name.as_str()) {
            row.team = u.team.clone();
            row.manager = u.manager.clone();
            row.region = u.region.clone();
            row.quota = u.quota;
            row.sums.licensed = Some(u.licensed);
            if let Some(d) = u.last_login {
                row.sums.last_login_day = row.sums.last_login_day.max(Some(d));
            }
        }
    }

    // Stage adherence, streamed in opportunity order.
    let (stages, adherence, dwell_by_rep, rep_adherence) = if has.history {
        let (s, a, d, r) = adherence(db, vocab, snapshot, &declared)?;
        (s, Some(a), d, r)
    } else {
        Default::default()
    };
    for (rep, (deals, skips, every)) in &rep_adherence {
        if let Some(row) = rows.get_mut(rep) {
            row.sums.history_deals = *deals;
            row.sums.every_stage = *every;
            row.stage_skips = Some(*skips);
        }
    }
    let weeks = t.activity_weeks as f64;
    let finish = |row: &mut Row| finish_row(row, &has, weeks);
    for row in rows.values_mut() {
        finish(row);
    }
    let reps: Vec<Row> = rows.into_values().collect();
    let roll = |key: fn(&Row) -> Option<String>, setter: fn(&mut Row, String)| {
        let mut groups: BTreeMap<String, Row> = BTreeMap::new();
        for r in &reps {
            if let Some(k) = key(r) {
                let g = groups.entry(k.clone()).or_insert_with(|| {
                    let mut g = blank("");
                    g.rep = None;
                    setter(&mut g, k);
                    g.reps = Some(Vec::new());
                    g
                });
                merge(g, r);
            }
        }
        let mut out: Vec<Row> = groups.into_values().collect();
        for g in &mut out {
            settle_group(g, &reps, key);
            finish(g);
        }
        out
    };
    let teams = roll(|r| r.team.clone(), |g, k| g.team = Some(k));
    let managers = roll(|r| r.manager.clone(), |g, k| g.manager = Some(k));
    let regions = roll(|r| r.region.clone(), |g, k| g.region = Some(k));
    let mut all = blank("");
    all.rep = None;
    for r in &reps {
        merge(&mut all, r);
    }
    finish(&mut all);

    // Users: active weekly and monthly, never logged in.
    let mut last_login: HashMap<&str, i32> = HashMap::new();
    for u in &usage {
        if let Some(d) = u.last_login {
            last_login.insert(u.rep.as_str(), d);
        }
    }
    let licensed: Vec<&UserRow> = users.iter().filter(|u| u.licensed).collect();
    let last_of = |u: &UserRow| u.last_login.max(last_login.get(u.name.as_str()).copied());
    let active_within = |days: i32| {
        if has.users {
            licensed
                .iter()
                .filter(|u| last_of(u).is_some_and(|d| d <= as_of && as_of - d < days))
                .count() as f64
        } else {
            last_login
                .values()
                .filter(|&&d| d <= as_of && as_of - d < days)
                .count() as f64
        }
    };
    let mut f: BTreeMap<String, Option<f64>> = BTreeMap::new();
    let mut put = |name: &str, v: Option<f64>| {
        f.insert(name.to_string(), v);
    };
    let n_licensed = licensed.len() as f64;
    put("users", has.users.then_some(users.len() as f64));
    put("licensed_users", has.users.then_some(n_licensed));
    let wau = has.last_login.then(|| active_within(t.weekly_days));
    let mau = has.last_login.then(|| active_within(t.monthly_days));
    put("weekly_active_users", wau);
    put("monthly_active_users", mau);
    put(
        "weekly_active_share",
        wau.filter(|_| has.users).and_then(|w| ratio(w, n_licensed)),
    );
    put(
        "monthly_active_share",
        mau.filter(|_| has.users).and_then(|m| ratio(m, n_licensed)),
    );
    let never: Vec<&UserRow> = licensed
        .iter()
        .filter(|u| last_of(u).is_none())
        .copied()
        .collect();
    put(
        "never_logged_in",
        (has.users && has.last_login).then_some(never.len() as f64),
    );
    let total_logins: u64 = usage.iter().map(|u| u.logins).sum();
    let login_users = if has.users {
        n_licensed
    } else {
        usage.iter().filter(|u| u.logins > 0).count() as f64
    };
    put(
        "logins_per_user",
        has.login_counts
            .then(|| ratio(total_logins as f64, login_users))
            .flatten(),
    );
    let n_reps = reps.len() as f64;
    let (created, updated, per) = if has.usage {
        (
            usage.iter().map(|u| u.created).sum::<u64>() as f64,
            usage.iter().map(|u| u.updated).sum::<u64>() as f64,
            login_users,
        )
    } else {
        (
            opps.iter().map(|o| o.created_recent).sum::<u64>() as f64,
            opps.iter().map(|o| o.modified_recent).sum::<u64>() as f64,
            n_reps,
        )
    };
    put(
        "records_created_per_user",
        (has.usage || has.opps)
            .then(|| ratio(created, per))
            .flatten(),
    );
    put(
        "records_updated_per_user",
        (has.usage || (has.opps && has.modified))
            .then(|| ratio(updated, per))
            .flatten(),
    );
    put("reps", Some(n_reps));
    put("activities", all.activities.map(|v| v as f64));
    put(
        "activities_per_rep_week",
        has.activities
            .then(|| ratio(all.sums.recent_activities as f64, n_reps * weeks))
            .flatten(),
    );
    let o = has.opps;
    put("opportunities", o.then_some(all.opportunities as f64));
    put("open", o.then_some(all.open as f64));
    put("won", o.then_some(all.won as f64));
    put("lost", o.then_some(all.lost as f64));
    put("win_rate", all.win_rate);
    put("won_amount", o.then_some(all.won_amount));
    put("avg_won_amount", all.avg_won_amount);
    put("avg_cycle_days", all.avg_cycle_days);
    put("pipeline_amount", o.then_some(all.pipeline_amount));
    let quota: f64 = reps.iter().filter_map(|r| r.quota).sum();
    put("quota", has.quota.then_some(quota));
    put(
        "coverage",
        has.quota
            .then(|| ratio(all.pipeline_amount, quota))
            .flatten(),
    );
    put("key_field_completeness", all.key_field_completeness);
    put("stale_open", all.stale_open.map(|v| v as f64));
    put(
        "stale_open_share",
        all.stale_open
            .and_then(|s| ratio(s as f64, all.open as f64)),
    );
    put(
        "current_pipeline_share",
        all.stale_open
            .and_then(|s| ratio(all.open as f64 - s as f64, all.open as f64)),
    );
    put("past_close_open", all.past_close_open.map(|v| v as f64));
    put(
        "past_close_share",
        all.past_close_open
            .and_then(|s| ratio(s as f64, all.open as f64)),
    );
    let next_step = has_field("opportunities", "next_step");
    put(
        "next_step_share",
        next_step
            .then(|| ratio(all.sums.open_with_next_step as f64, all.open as f64))
            .flatten(),
    );
    put(
        "forecast_category_fill",
        has.forecast
            .then(|| ratio(all.sums.forecast_filled as f64, all.opportunities as f64))
            .flatten(),
    );
    let with_work = reps
        .iter()
        .filter(|r| r.open > 0 && (!next_step || r.sums.open_with_next_step > 0))
        .count() as f64;
    put(
        "reps_with_open_work_share",
        o.then(|| ratio(with_work, n_reps)).flatten(),
    );
    if let Some(a) = &adherence {
        put("history_deals", Some(a.deals as f64));
        put("stage_skips", Some(a.with_skips as f64));
        put(
            "stage_skip_share",
            ratio(a.with_skips as f64, a.deals as f64),
        );
        put("late_stage_entries", Some(a.entered_late as f64));
        put(
            "late_entry_share",
            ratio(a.entered_late as f64, a.deals as f64),
        );
        put("updated_every_stage_share", a.every_stage_share);
    } else {
        for n in [
            "history_deals",
            "stage_skips",
            "stage_skip_share",
            "late_stage_entries",
            "late_entry_share",
            "updated_every_stage_share",
        ] {
            put(n, None);
        }
    }
    let (funnel, funnel_basis) = if has.leads {
        let (steps, basis) = funnel(db, snapshot, has.converted_opp)?;
        (steps, Some(basis))
    } else {
        (Vec::new(), None)
    };
    for (name, step) in ["leads", "mql", "sql", "lead_opportunities", "lead_won"]
        .iter()
        .zip(funnel.iter().map(Some).chain(std::iter::repeat(None)))
    {
        put(name, step.and_then(|s| s.count).map(|c| c as f64));
    }
    for (name, i) in [
        ("lead_to_mql", 1),
        ("mql_to_sql", 2),
        ("sql_to_opportunity", 3),
        ("opportunity_to_won", 4),
    ] {
        put(name, funnel.get(i).and_then(|s| s.conversion));
    }
    // Credibility's trend: key-field completeness against the snapshot before.
    let completeness = f.get("key_field_completeness").copied().flatten();
    let before = previous
        .and_then(|p| p.figures.get("key_field_completeness").copied())
        .flatten();
    f.insert(
        "completeness_trend".into(),
        completeness.zip(before).map(|(a, b)| a - b),
    );
    let mean = |names: &[&str], f: &BTreeMap<String, Option<f64>>| {
        let v: Vec<f64> = names
            .iter()
            .filter_map(|n| f.get(*n).copied().flatten())
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let transparency = mean(&["weekly_active_share", "current_pipeline_share"], &f);
    let actionability = mean(&["reps_with_open_work_share", "next_step_share"], &f);
    let mut cred_parts = vec!["key_field_completeness", "forecast_category_fill"];
    let on_time = f
        .get("past_close_share")
        .copied()
        .flatten()
        .map(|s| 1.0 - s);
    f.insert("close_dates_current_share".into(), on_time);
    cred_parts.push("close_dates_current_share");
    let credibility = mean(&cred_parts, &f);
    f.insert("transparency".into(), transparency);
    f.insert("actionability".into(), actionability);
    f.insert("credibility".into(), credibility);

    let coaching = coaching(
        vocab,
        &reps,
        (&users, &licensed),
        as_of,
        (&dwell_by_rep, &stages),
        &has,
    );
    f.insert("coaching_reps".into(), Some(coaching.len() as f64));

    let not_measured = not_measured(vocab, &has, &f);
    let analysis = Analysis {
        snapshot: snapshot.to_string(),
        as_of: day_text(as_of),
        sources: files
            .iter()
            .map(|x| Source {
                file: x.file.clone(),
                role: x.role.clone(),
                rows: x.rows,
                skipped: x.skipped,
                issue_counts: issue_counts
                    .iter()
                    .filter(|(f, _, _)| *f == x.file)
                    .map(|(_, k, n)| (k.clone(), *n))
                    .collect(),
                issues: issues
                    .iter()
                    .filter(|i| i.file == x.file)
                    .cloned()
                    .collect(),
            })
            .collect(),
        not_measured,
        figures: f,
        reps,
        teams,
        managers,
        regions,
        funnel,
        funnel_basis,
        stages,
        adherence,
        coaching,
    };
    let metrics = metric_rows(&analysis, t.weekly_days);
    Ok((analysis, metrics))
}

fn add_opps(row: &mut Row, o: &RepOpps, has: &Has) {
    row.opportunities += o.opportunities;
    row.open += o.open;
    row.won += o.won;
    row.lost += o.lost;
    row.won_amount += o.won_amount;
    row.pipeline_amount += o.pipeline_amount;
    row.sums.cycle_days += o.cycle_days;
    row.sums.cycle_deals += o.cycle_deals;
    row.sums.key_filled += o.key_filled;
    row.sums.key_slots += o.opportunities * has.key_slots_per_opp;
    row.sums.open_with_next_step += o.open_with_next_step;
    row.sums.forecast_filled += o.forecast_filled;
    if let Some(s) = row.stale_open.as_mut() {
        *s += o.stale_open;
    }
    if let Some(s) = row.past_close_open.as_mut() {
        *s += o.past_close_open;
    }
}

fn add_usage(row: &mut Row, u: &RepUsage, has: &Has) {
    if has.activities {
        row.activities = Some(row.activities.unwrap_or(0) + u.activities);
    }
    row.sums.recent_activities += u.recent_activities;
    if has.login_counts {
        row.logins = Some(row.logins.unwrap_or(0) + u.logins);
    }
    row.sums.last_login_day = row.sums.last_login_day.max(u.last_login);
    row.sums.created += u.created;
    row.sums.updated += u.updated;
}

/// Adds a rep's row into a roll-up.
fn merge(g: &mut Row, r: &Row) {
    g.opportunities += r.opportunities;
    g.open += r.open;
    g.won += r.won;
    g.lost += r.lost;
    g.won_amount += r.won_amount;
    g.pipeline_amount += r.pipeline_amount;
    let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    g.stale_open = add(g.stale_open, r.stale_open);
    g.past_close_open = add(g.past_close_open, r.past_close_open);
    g.activities = add(g.activities, r.activities);
    g.logins = add(g.logins, r.logins);
    g.stage_skips = add(g.stage_skips, r.stage_skips);
    g.quota = match (g.quota, r.quota) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    let s = &mut g.sums;
    s.cycle_days += r.sums.cycle_days;
    s.cycle_deals += r.sums.cycle_deals;
    s.key_filled += r.sums.key_filled;
    s.key_slots += r.sums.key_slots;
    s.open_with_next_step += r.sums.open_with_next_step;
    s.forecast_filled += r.sums.forecast_filled;
    s.recent_activities += r.sums.recent_activities;
    s.last_login_day = s.last_login_day.max(r.sums.last_login_day);
    s.history_deals += r.sums.history_deals;
    s.every_stage += r.sums.every_stage;
    s.created += r.sums.created;
    s.updated += r.sums.updated;
    if let (Some(list), Some(rep)) = (g.reps.as_mut(), r.rep.as_ref()) {
        list.push(rep.clone());
    }
}

/// A group's team, manager and region: the one its reps share, else the most common.
fn settle_group(g: &mut Row, reps: &[Row], key: fn(&Row) -> Option<String>) {
    let members: Vec<&Row> = reps
        .iter()
        .filter(|r| key(r).is_some() && key(r) == key(g))
        .collect();
    let common = |get: fn(&Row) -> Option<String>| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for m in &members {
            if let Some(v) = get(m) {
                *counts.entry(v).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(v, _)| v)
    };
    if g.team.is_none() {
        g.team = common(|r| r.team.clone());
    }
    if g.manager.is_none() {
        g.manager = common(|r| r.manager.clone());
    }
    if g.region.is_none() {
        g.region = common(|r| r.region.clone());
    }
}

/// Rates from sums.
fn finish_row(row: &mut Row, has: &Has, weeks: f64) {
    let s = &row.sums;
    row.win_rate = ratio(row.won as f64, (row.won + row.lost) as f64);
    row.avg_won_amount = ratio(row.won_amount, row.won as f64);
    row.avg_cycle_days = ratio(s.cycle_days, s.cycle_deals as f64);
    row.key_field_completeness = ratio(s.key_filled as f64, s.key_slots as f64);
    row.last_login = s.last_login_day.map(day_text);
    let reps = row.reps.as_ref().map(|r| r.len()).unwrap_or(1).max(1) as f64;
    row.activities_per_week = has
        .activities
        .then(|| s.recent_activities as f64 / weeks / reps);
    row.coverage = row.quota.and_then(|q| ratio(row.pipeline_amount, q));
    row.updated_every_stage_share = ratio(s.every_stage as f64, s.history_deals as f64);
    if !has.history {
        row.stage_skips = None;
    }
}

type DwellByRep = HashMap<String, HashMap<usize, Vec<i32>>>;
type RepAdherence = BTreeMap<String, (u64, u64, u64)>;

/// Stage order, then per-deal skips, late entries and dwell, streamed from the history.
fn adherence(
    db: &Db,
    vocab: &Vocab,
    snapshot: &str,
    declared: &[String],
) -> Result<(Vec<StageRow>, Adherence, DwellByRep, RepAdherence)> {
    let offsets = db.adoption_stage_offsets(snapshot)?;
    let mut names: Vec<String> = declared.to_vec();
    for (s, _) in &offsets {
        if !names.contains(s) {
            names.push(s.clone());
        }
    }
    names.retain(|s| vocab.stage_class(s) != StageClass::Lost);
    let offset_of: HashMap<&str, f64> = offsets.iter().map(|(s, o)| (s.as_str(), *o)).collect();
    let position = |s: &str| -> f64 {
        if let Some(i) = declared.iter().position(|d| d == s) {
            return i as f64;
        }
        if let Some(r) = vocab.stage_rank(s) {
            return r as f64;
        }
        // Unknown to the catalogue: after the last known stage usually entered before it.
        let mine = offset_of.get(s).copied().unwrap_or(0.0);
        let mut best = -1.0;
        for (other, off) in &offsets {
            if let Some(r) = vocab.stage_rank(other)
                && *off <= mine
                && r as f64 > best
            {
                best = r as f64;
            }
        }
        best + 0.5
    };
    let mut ordered: Vec<(f64, String)> = names.iter().map(|s| (position(s), s.clone())).collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let index: HashMap<String, usize> = ordered
        .iter()
        .enumerate()
        .map(|(i, (_, s))| (s.clone(), i))
        .collect();
    let n = ordered.len();
    let mut entered = vec![0u64; n];
    let mut skipped = vec![0u64; n];
    let mut dwell: Vec<Vec<i32>> = vec![Vec::new(); n];
    let mut by_rep: DwellByRep = HashMap::new();
    let mut rep_adh: RepAdherence = BTreeMap::new();
    let mut a = Adherence::default();
    let mut current: Option<String> = None;
    let mut rep: Option<String> = None;
    let mut entries: Vec<(i32, usize)> = Vec::new();
    let mut flush = |entries: &mut Vec<(i32, usize)>, rep: &Option<String>| {
        if entries.is_empty() {
            return;
        }
        a.deals += 1;
        entries.sort();
        let mut seen = vec![false; n];
        for &(_, i) in entries.iter() {
            seen[i] = true;
        }
        for (i, s) in seen.iter().enumerate() {
            if *s {
                entered[i] += 1;
            }
        }
        let lo = entries.iter().map(|e| e.1).min().unwrap_or(0);
        let hi = entries.iter().map(|e| e.1).max().unwrap_or(0);
        let gaps: Vec<usize> = (lo..=hi).filter(|&i| !seen[i]).collect();
        for &g in &gaps {
            skipped[g] += 1;
        }
        let created_late = entries[0].1 > 0;
        let same_day = entries
            .windows(2)
            .any(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1);
        a.skipped_stages += gaps.len() as u64;
        a.with_skips += u64::from(!gaps.is_empty());
        a.created_late += u64::from(created_late);
        a.same_day += u64::from(same_day);
        a.entered_late += u64::from(created_late || same_day);
        let every = gaps.is_empty() && !created_late && !same_day;
        a.every_stage += u64::from(every);
        for w in entries.windows(2) {
            let d = w[1].0 - w[0].0;
            dwell[w[0].1].push(d);
            if let Some(r) = rep {
                by_rep
                    .entry(r.clone())
                    .or_default()
                    .entry(w[0].1)
                    .or_default()
                    .push(d);
            }
        }
        if let Some(r) = rep {
            let e = rep_adh.entry(r.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(!gaps.is_empty());
            e.2 += u64::from(every);
        }
        entries.clear();
    };
    db.adoption_history(snapshot, |h: HistoryRow| {
        if current.as_deref() != Some(h.opp.as_str()) {
            flush(&mut entries, &rep);
            current = Some(h.opp.clone());
            rep = h.rep.clone();
        }
        if let Some(&i) = index.get(&h.stage) {
            entries.push((h.entered, i));
        } else if vocab.stage_class(&h.stage) == StageClass::Lost && entries.is_empty() {
            // A deal lost before any pipeline stage still counts as a deal with history.
        }
        Ok(())
    })?;
    flush(&mut entries, &rep);
    a.every_stage_share = ratio(a.every_stage as f64, a.deals as f64);
    let stages = ordered
        .iter()
        .enumerate()
        .map(|(i, (_, s))| StageRow {
            stage: s.clone(),
            entered: entered[i],
            skipped: skipped[i],
            median_dwell_days: median(&mut dwell[i]),
        })
        .collect();
    // Per-rep dwell keyed by stage name, for coaching.
    Ok((stages, a, by_rep, rep_adh))
}

/// Lead -> MQL -> SQL -> opportunity -> won; MQL/SQL from the lead scores when the go-to-market
/// rules scored these leads, else from lead status.
fn funnel(db: &Db, snapshot: &str, converted_opp: bool) -> Result<(Vec<FunnelStep>, String)> {
    let scored: HashMap<String, String> = db
        .scores_named("lead.stage")?
        .into_iter()
        .filter_map(|(_, s)| s.text.map(|t| (s.key, t)))
        .collect();
    let mut counts = [0u64; 5];
    let mut used_scores = 0u64;
    let mut won_known = converted_opp;
    db.adoption_leads(snapshot, |l| {
        let stage = match scored.get(&l.lead) {
            Some(s) => {
                used_scores += 1;
                s.clone()
            }
            None => l.stage.clone(),
        };
        let won = l.converted_class.as_deref() == Some("won") || stage == "won";
        let level = if won {
            4
        } else {
            match stage.as_str() {
                "mql" => 1,
                "sql" => 2,
                "opportunity" => 3,
                _ => 0,
            }
        };
        for c in counts.iter_mut().take(level + 1) {
            *c += 1;
        }
        Ok(())
    })?;
    if used_scores > 0 {
        won_known = true;
    }
    let names = ["lead", "mql", "sql", "opportunity", "won"];
    let steps = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let count = (i < 4 || won_known).then_some(counts[i]);
            let conversion = if i == 0 {
                None
            } else {
                count.and_then(|c| ratio(c as f64, counts[i - 1] as f64))
            };
            FunnelStep {
                stage: name.to_string(),
                count,
                conversion,
            }
        })
        .collect();
    let basis = if used_scores > 0 { "rules" } else { "status" };
    Ok((steps, basis.to_string()))
}

#[allow(clippy::too_many_arguments)]
fn coaching(
    vocab: &Vocab,
    reps: &[Row],
    (users, licensed): (&[UserRow], &[&UserRow]),
    as_of: i32,
    (dwell_by_rep, stages): (&DwellByRep, &[StageRow]),
    has: &Has,
) -> Vec<Coaching> {
    let c = &vocab.thresholds.coaching;
    let stale_days = vocab.thresholds.stale_days;
    let weekly_days = vocab.thresholds.weekly_days;
    // Rates are judged against all reps' medians, so a whole team that lags shows;
    // dwell is judged against the rep's own team, whose process it shares.
    let team_label = |r: &Row| match &r.team {
        Some(t) => format!("team {t}"),
        None => "all reps".to_string(),
    };
    // The reps' medians each rule compares with; rates only over reps with enough deals.
    let median_of = |f: &dyn Fn(&Row) -> Option<f64>| {
        let mut v: Vec<f64> = reps
            .iter()
            .filter(|r| r.rep.is_some())
            .filter_map(f)
            .collect();
        median_f(&mut v)
    };
    let win_median = median_of(&|r| r.win_rate.filter(|_| r.won + r.lost >= c.min_closed));
    let open_share = |n: Option<u64>, r: &Row| {
        n.filter(|_| r.open >= c.min_open)
            .and_then(|n| ratio(n as f64, r.open as f64))
    };
    let stale_median = median_of(&|r| open_share(r.stale_open, r));
    let past_median = median_of(&|r| open_share(r.past_close_open, r));
    let activity_median = median_of(&|r| r.activities_per_week);
    let idle_median = median_of(&|r| r.sums.last_login_day.map(|d| (as_of - d) as f64));
    let mut team_dwell: HashMap<(Option<String>, usize), Vec<i32>> = HashMap::new();
    for r in reps {
        if let Some(d) = r.rep.as_ref().and_then(|n| dwell_by_rep.get(n)) {
            for (stage, v) in d {
                team_dwell
                    .entry((r.team.clone(), *stage))
                    .or_default()
                    .extend(v);
            }
        }
    }
    let team_dwell: HashMap<(Option<String>, usize), f64> = team_dwell
        .into_iter()
        .filter_map(|(k, mut v)| median(&mut v).map(|m| (k, m)))
        .collect();
    let mut out = Vec::new();
    for r in reps {
        let Some(name) = r.rep.clone() else { continue };
        let mut reasons = Vec::new();
        let closed = r.won + r.lost;
        if let (Some(w), Some(m)) = (r.win_rate, win_median)
            && closed >= c.min_closed
            && w < c.win_rate_ratio * m
        {
            reasons.push(Reason {
                check: "win_rate".into(),
                value: w,
                median: Some(m),
                text: format!(
                    "win rate {} vs the reps' median {} ({} won of {closed} closed)",
                    pct(w),
                    pct(m),
                    r.won,
                ),
                basis: format!(
                    "below {} × the median win rate of reps with at least {} closed opportunities",
                    c.win_rate_ratio, c.min_closed
                ),
            });
        }
        for (check, n, m, factor, what) in [
            (
                "stale_open",
                r.stale_open,
                stale_median,
                c.stale_ratio,
                format!("not updated in {stale_days} days"),
            ),
            (
                "past_close_open",
                r.past_close_open,
                past_median,
                c.past_close_ratio,
                "past their close date".to_string(),
            ),
        ] {
            if let (Some(share), Some(m)) = (open_share(n, r), m)
                && share > factor * m
            {
                reasons.push(Reason {
                    check: check.into(),
                    value: share,
                    median: Some(m),
                    text: format!(
                        "{} of {} open opportunities {what}: {} vs the reps' median {}",
                        n.unwrap_or(0),
                        r.open,
                        pct(share),
                        pct(m)
                    ),
                    basis: format!(
                        "above {factor} × the reps' median share (reps with at least {} open opportunities)",
                        c.min_open
                    ),
                });
            }
        }
        if let (Some(a), Some(m)) = (r.activities_per_week, activity_median)
            && m > 0.0
            && a < c.activity_ratio * m
        {
            reasons.push(Reason {
                check: "activities_per_week".into(),
                value: a,
                median: Some(m),
                text: format!("{a:.1} activities a week vs the reps' median {m:.1}"),
                basis: format!("below {} × the reps' median", c.activity_ratio),
            });
        }
        if has.last_login {
            let user = users.iter().find(|u| u.name == name);
            let is_licensed = user.is_some_and(|u| licensed.iter().any(|l| l.key == u.key));
            match r.last_login.as_deref() {
                None if is_licensed || !has.users => reasons.push(Reason {
                    check: "never_logged_in".into(),
                    value: 0.0,
                    median: None,
                    text: "never logged in".into(),
                    basis: "a licensed user who never logged in".into(),
                }),
                Some(d) => {
                    let day = r.sums.last_login_day.unwrap_or(as_of);
                    let idle = as_of - day;
                    if let Some(m) = idle_median
                        && idle > weekly_days
                        && idle as f64 > c.inactive_ratio * m
                    {
                        reasons.push(Reason {
                            check: "last_login".into(),
                            value: idle as f64,
                            median: Some(m),
                            text: format!(
                                "no login for {idle} days (last {d}) vs the reps' median {m:.0}"
                            ),
                            basis: format!(
                                "not weekly active ({weekly_days} days) and idle over {} × the reps' median",
                                c.inactive_ratio
                            ),
                        });
                    }
                }
                None => {}
            }
        }
        if let Some(d) = dwell_by_rep.get(&name) {
            let mut worst: Option<(f64, usize, f64, f64)> = None;
            for (stage, v) in d {
                if v.len() < 3 {
                    continue;
                }
                let mut v = v.clone();
                let (Some(mine), Some(&team)) =
                    (median(&mut v), team_dwell.get(&(r.team.clone(), *stage)))
                else {
                    continue;
                };
                if team > 0.0 && mine > c.dwell_ratio * team {
                    let x = mine / team;
                    if worst.is_none_or(|w| x > w.0) {
                        worst = Some((x, *stage, mine, team));
                    }
                }
            }
            if let Some((_, stage, mine, team)) = worst {
                reasons.push(Reason {
                    check: "dwell".into(),
                    value: mine,
                    median: Some(team),
                    text: format!(
                        "median {mine:.0} days in {} vs {team:.0} for {}",
                        stages
                            .get(stage)
                            .map(|s| s.stage.as_str())
                            .unwrap_or("a stage"),
                        team_label(r)
                    ),
                    basis: format!(
                        "above {} × the team's median days in that stage (3 or more deals)",
                        c.dwell_ratio
                    ),
                });
            }
        }
        if !reasons.is_empty() {
            out.push(Coaching {
                rep: name,
                team: r.team.clone(),
                manager: r.manager.clone(),
                reasons,
            });
        }
    }
    out.sort_by(|a, b| {
        b.reasons
            .len()
            .cmp(&a.reasons.len())
            .then(a.rep.cmp(&b.rep))
    });
    out
}

fn not_measured(vocab: &Vocab, has: &Has, f: &BTreeMap<String, Option<f64>>) -> Vec<NotMeasured> {
    let export = |role: &str| vocab.role(role).export.clone();
    let mut out = Vec::new();
    let mut add = |names: &[&str], needs: String| {
        let figures: Vec<String> = names
            .iter()
            .filter(|n| f.get(**n).is_some_and(Option::is_none))
            .map(|n| n.to_string())
            .collect();
        if !figures.is_empty() {
            out.push(NotMeasured { figures, needs });
        }
    };
    if !has.users {
        add(
            &[
                "users",
                "licensed_users",
                "weekly_active_share",
                "monthly_active_share",
                "never_logged_in",
            ],
            export("users"),
        );
    }
    if !has.last_login {
        add(
            &[
                "weekly_active_users",
                "monthly_active_users",
                "weekly_active_share",
                "monthly_active_share",
                "never_logged_in",
            ],
            export("logins"),
        );
    }
    if !has.login_counts {
        add(&["logins_per_user"], export("logins"));
    }
    if !has.activities {
        add(
            &["activities", "activities_per_rep_week"],
            export("activities"),
        );
    }
    if !has.opps {
        add(
            &[
                "opportunities",
                "open",
                "won",
                "lost",
                "win_rate",
                "won_amount",
                "pipeline_amount",
                "reps_with_open_work_share",
                "records_created_per_user",
            ],
            export("opportunities"),
        );
    }
    if !has.modified || !has.close {
        add(
            &["stale_open", "stale_open_share", "current_pipeline_share", "past_close_open", "past_close_share", "records_updated_per_user", "next_step_share", "forecast_category_fill", "key_field_completeness"],
            "an opportunities export with Last Modified Date, Close Date, Next Step and Forecast Category columns".into(),
        );
    }
    if !has.history {
        add(
            &[
                "history_deals",
                "stage_skips",
                "stage_skip_share",
                "late_stage_entries",
                "late_entry_share",
                "updated_every_stage_share",
            ],
            export("stage_history"),
        );
    }
    if !has.leads {
        add(
            &[
                "leads",
                "mql",
                "sql",
                "lead_opportunities",
                "lead_won",
                "lead_to_mql",
                "mql_to_sql",
                "sql_to_opportunity",
                "opportunity_to_won",
            ],
            export("leads"),
        );
    } else {
        add(
            &["lead_won", "opportunity_to_won"],
            "a leads export with the Converted Opportunity ID (and the opportunities export)"
                .into(),
        );
    }
    if !has.quota {
        add(
            &["quota", "coverage"],
            "a users export with a Quota column".into(),
        );
    }
    add(
        &["completeness_trend"],
        "an earlier snapshot with opportunities (run `crmkit adoption ingest` again at the next export)".into(),
    );
    out
}

/// The name a row is grouped by.
type KeyOf = fn(&Row) -> Option<&String>;

/// The figures as `_adoption_metrics` rows: `all`, then each rep, team, manager and region.
fn metric_rows(a: &Analysis, weekly_days: i32) -> Vec<MetricRow> {
    let mut out: Vec<MetricRow> = a
        .figures
        .iter()
        .map(|(name, v)| {
            let detail = v.is_none().then(|| {
                a.not_measured
                    .iter()
                    .find(|n| n.figures.contains(name))
                    .map(|n| format!("not measured: needs {}", n.needs))
                    .unwrap_or_else(|| "not measured: no data to divide".into())
            });
            ("all".to_string(), name.clone(), *v, detail)
        })
        .collect();
    let groups: [(&str, &[Row], KeyOf); 4] = [
        ("rep", &a.reps, |r| r.rep.as_ref()),
        ("team", &a.teams, |r| r.team.as_ref()),
        ("manager", &a.managers, |r| r.manager.as_ref()),
        ("region", &a.regions, |r| r.region.as_ref()),
    ];
    for (kind, rows, key) in groups {
        for r in rows {
            let Some(k) = key(r) else { continue };
            let scope = format!("{kind}:{k}");
            let u = |v: u64| Some(v as f64);
            let figures: Vec<(&str, Option<f64>, Option<String>)> = vec![
                ("opportunities", u(r.opportunities), None),
                ("open", u(r.open), None),
                ("won", u(r.won), None),
                ("lost", u(r.lost), None),
                ("win_rate", r.win_rate, None),
                ("won_amount", Some(r.won_amount), None),
                ("avg_won_amount", r.avg_won_amount, None),
                ("avg_cycle_days", r.avg_cycle_days, None),
                ("pipeline_amount", Some(r.pipeline_amount), None),
                ("stale_open", r.stale_open.map(|v| v as f64), None),
                (
                    "stale_open_share",
                    r.stale_open.and_then(|s| ratio(s as f64, r.open as f64)),
                    None,
                ),
                ("past_close_open", r.past_close_open.map(|v| v as f64), None),
                ("activities", r.activities.map(|v| v as f64), None),
                ("activities_per_week", r.activities_per_week, None),
                ("logins", r.logins.map(|v| v as f64), None),
                (
                    "last_login_days",
                    r.sums
                        .last_login_day
                        .zip(dates_of(&a.as_of))
                        .map(|(d, asof)| (asof - d) as f64),
                    r.last_login.clone(),
                ),
                ("key_field_completeness", r.key_field_completeness, None),
                ("quota", r.quota, None),
                ("coverage", r.coverage, None),
                ("stage_skips", r.stage_skips.map(|v| v as f64), None),
                (
                    "updated_every_stage_share",
                    r.updated_every_stage_share,
                    None,
                ),
                (
                    "reps",
                    r.reps.as_ref().map(|v| v.len() as f64),
                    r.reps.as_ref().map(|v| v.join(", ")),
                ),
            ];
            for (name, v, detail) in figures {
                if kind == "rep" && name == "reps" {
                    continue;
                }
                out.push((scope.clone(), name.to_string(), v, detail));
            }
            if kind != "rep" {
                out.extend(group_usage(a, &scope, r, key));
            }
        }
    }
    // Team adoption: share of the team's reps active in the last week, for roll-out exits.
    for team in &a.teams {
        let Some(t) = &team.team else { continue };
        let members: Vec<&Row> = a
            .reps
            .iter()
            .filter(|r| r.team.as_ref() == Some(t))
            .collect();
        let asof = dates_of(&a.as_of);
        let active = members
            .iter()
            .filter(|r| {
                r.sums
                    .last_login_day
                    .zip(asof)
                    .is_some_and(|(d, x)| d <= x && x - d < weekly_days)
            })
            .count() as f64;
        let measured = a
            .figures
            .get("weekly_active_users")
            .copied()
            .flatten()
            .is_some();
        out.push((
            format!("team:{t}"),
            "weekly_active_share".into(),
            measured
                .then(|| ratio(active, members.len() as f64))
                .flatten(),
            Some(format!("{active} of {} reps", members.len())),
        ));
    }
    out
}

/// The usage figures of a team, manager or region under the names the whole org's carry
/// (`logins_per_user`, `never_logged_in`, `activities_per_rep_week`), so that a roll-out
/// phase's teams read beside the org: the group's reps are its users. Each is measured
/// exactly when the org-wide figure is.
fn group_usage(a: &Analysis, scope: &str, group: &Row, key: KeyOf) -> Vec<MetricRow> {
    let measured = |name: &str| a.figures.get(name).copied().flatten().is_some();
    let members: Vec<&Row> = a
        .reps
        .iter()
        .filter(|r| key(r).is_some() && key(r) == key(group))
        .collect();
    let n = members.len() as f64;
    // As the org's figure: licensed users only (a deactivated rep who owns old deals is not
    // a user who never logged in).
    let licensed: Vec<&&Row> = members
        .iter()
        .filter(|r| r.sums.licensed == Some(true))
        .collect();
    let never = licensed
        .iter()
        .filter(|r| r.sums.last_login_day.is_none())
        .count();
    vec![
        (
            scope.to_string(),
            "logins_per_user".into(),
            group
                .logins
                .filter(|_| measured("logins_per_user"))
                .and_then(|l| ratio(l as f64, n)),
            None,
        ),
        (
            scope.to_string(),
            "never_logged_in".into(),
            measured("never_logged_in").then_some(never as f64),
            Some(format!("of {} licensed reps", licensed.len())),
        ),
        (
            scope.to_string(),
            "activities_per_rep_week".into(),
            group
                .activities_per_week
                .filter(|_| measured("activities_per_rep_week")),
            None,
        ),
    ]
}

fn dates_of(text: &str) -> Option<i32> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(dates::days)
}
