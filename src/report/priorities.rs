//! The readiness report's prioritisation section: account status, the accounts ranked by
//! purchase propensity, RFM segments and rep balance, read from `_scores` as `crmkit score`
//! and `crmkit assign` left them.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::model::Count;
use super::names::Names;
use crate::error::Result;
use crate::staging::Db;

/// Accounts listed in the ranking.
const TOP: usize = 15;

/// One ranked account.
#[derive(Clone, Debug, Serialize)]
pub struct RankedAccount {
    pub rank: u64,
    /// The account's key, as scored.
    pub account: String,
    /// The account's name from its dataset, when it has a name column.
    pub name: Option<String>,
    pub status: Option<String>,
    pub segment: Option<String>,
    pub rfm: Option<String>,
    pub p_alive: Option<f64>,
    pub expected_value: Option<f64>,
    pub owner: Option<String>,
}

/// One rep's assigned accounts.
#[derive(Clone, Debug, Serialize)]
pub struct RepLoad {
    pub rep: String,
    pub accounts: u64,
    pub expected_value: f64,
}

/// The section.
#[derive(Clone, Debug, Serialize)]
pub struct Prioritisation {
    pub statuses: Vec<Count>,
    pub segments: Vec<Count>,
    pub accounts_scored: u64,
    pub top: Vec<RankedAccount>,
    pub reps: Vec<RepLoad>,
    pub unassigned: Option<u64>,
    pub overloaded_reps: Option<u64>,
}

fn counts(rows: &[(String, crate::staging::Score)]) -> Vec<Count> {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for (_, s) in rows {
        *by.entry(s.text.clone().unwrap_or_default()).or_insert(0) += 1;
    }
    let mut out: Vec<Count> = by
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The section, or None when neither status nor RFM has been scored.
pub fn build(db: &Db) -> Result<Option<Prioritisation>> {
    let status = db.scores_named("status")?;
    let ranks = db.scores_named("rfm.rank")?;
    if status.is_empty() && ranks.is_empty() {
        return Ok(None);
    }
    let text_of = |name: &str| -> Result<HashMap<String, String>> {
        Ok(db
            .scores_named(name)?
            .into_iter()
            .filter_map(|(_, s)| Some((s.key, s.text?)))
            .collect())
    };
    let value_of = |name: &str| -> Result<HashMap<String, f64>> {
        Ok(db
            .scores_named(name)?
            .into_iter()
            .filter_map(|(_, s)| Some((s.key, s.value?)))
            .collect())
    };
    let statuses = text_of("status")?;
    let segments = text_of("rfm.segment")?;
    let owners = text_of("assign.owner")?;
    let p_alive = value_of("rfm.p_alive")?;
    let value = value_of("rfm.expected_value")?;
    let rfm = value_of("rfm.score")?;
    let mut ranked: Vec<(u64, String, String)> = ranks
        .iter()
        .filter_map(|(dataset, s)| Some((s.value? as u64, s.key.clone(), dataset.clone())))
        .collect();
    ranked.sort();
    ranked.truncate(TOP);
    let mut wanted: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for (_, key, dataset) in &ranked {
        wanted
            .entry(dataset.clone())
            .or_default()
            .insert(key.clone());
    }
    let names = Names::lookup(db, &wanted)?;
    let top = ranked
        .iter()
        .map(|(rank, key, dataset)| RankedAccount {
            rank: *rank,
            account: key.clone(),
            name: names.get(dataset, key).map(str::to_string),
            status: statuses.get(key).cloned(),
            segment: segments.get(key).cloned(),
            rfm: rfm.get(key).map(|v| format!("{v:.0}")),
            p_alive: p_alive.get(key).copied(),
            expected_value: value.get(key).copied(),
            owner: owners.get(key).cloned(),
        })
        .collect();
    let mut reps: BTreeMap<String, RepLoad> = BTreeMap::new();
    for (key, owner) in &owners {
        let r = reps.entry(owner.clone()).or_insert(RepLoad {
            rep: owner.clone(),
            accounts: 0,
            expected_value: 0.0,
        });
        r.accounts += 1;
        r.expected_value += value.get(key).copied().unwrap_or(0.0);
    }
    let mut reps: Vec<RepLoad> = reps.into_values().collect();
    reps.sort_by(|a, b| b.accounts.cmp(&a.accounts).then_with(|| a.rep.cmp(&b.rep)));
    let metric =
        |name: &str| -> Result<Option<u64>> { Ok(db.metric(name)?.map(|m| m.value as u64)) };
    Ok(Some(Prioritisation {
        statuses: counts(&status),
        segments: counts(&db.scores_named("rfm.segment")?),
        accounts_scored: ranks.len() as u64,
        top,
        reps,
        unassigned: metric("score.unassigned_accounts")?,
        overloaded_reps: metric("score.overloaded_reps")?,
    }))
}
