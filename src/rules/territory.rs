//! Territories (playbook step 1): which rep gets which account, by territory rules and round
//! robin or capacity; rep balance; and a rebalance that moves the fewest accounts.

use std::collections::HashMap;

use serde::Serialize;

use super::file::{BalanceBy, Method, Rules};
use super::records::{self, AccountFacts, Sources, Subject, Table};
use crate::error::Result;
use crate::playbook::evidence::Value;

/// A user of the CRM as the users dataset lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    pub row: usize,
}

/// One account's assignment.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Assignment {
    pub account: String,
    pub territory: Option<String>,
    pub owner: Option<String>,
    pub previous_owner: Option<String>,
    /// The target CRM user the owner maps to (the mappings' owner value map).
    pub target_user: Option<String>,
    /// Why there is no owner, when there is none.
    pub reason: Option<String>,
}

/// One rep's load.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RepBalance {
    pub rep: String,
    pub territory: String,
    pub capacity: f64,
    pub accounts: u64,
    pub open_pipeline: f64,
    pub rfm_value: f64,
    /// The load `balance_by` measures, over the rep's fair share (1 = exactly fair).
    pub load_ratio: f64,
    pub overloaded: bool,
}

/// A change of owner.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Move {
    pub account: String,
    pub from: Option<String>,
    pub to: String,
    pub why: String,
}

/// The whole result.
#[derive(Clone, Debug, Serialize)]
pub struct AssignReport {
    pub method: String,
    pub tolerance: f64,
    pub balance_by: BalanceBy,
    pub territories: Vec<TerritoryReps>,
    pub assignments: Vec<Assignment>,
    pub balance: Vec<RepBalance>,
    /// The current owners' balance, before any change.
    pub current_balance: Vec<RepBalance>,
    pub moves: Vec<Move>,
    pub unassigned: u64,
    pub skipped: u64,
    /// Accounts whose current owner is an inactive user.
    pub inactive_owned: Vec<(String, String)>,
    /// Owners with no target user in the mappings' owner map.
    pub unmatched_owners: Vec<String>,
    pub within_tolerance: bool,
}

/// A territory and its reps.
#[derive(Clone, Debug, Serialize)]
pub struct TerritoryReps {
    pub name: String,
    pub reps: Vec<String>,
    pub accounts: u64,
}

/// How `assign` decides.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Start from the current owners and move the fewest accounts.
    pub rebalance: bool,
    /// Source owner (name or email, lowercase) -> target user, from the mappings.
    pub owner_map: Option<HashMap<String, Option<String>>>,
}

/// Users from the users dataset.
pub fn users(table: &Table, rules: &Rules) -> Vec<User> {
    let name = table.role(rules, "user_name");
    let email = table.role(rules, "user_email");
    let active = table.role(rules, "user_active");
    (0..table.rows.len())
        .filter_map(|row| {
            Some(User {
                name: table.get(row, name)?.to_string(),
                email: table.get(row, email).map(str::to_string),
                active: table
                    .get(row, active)
                    .and_then(crate::values::boolean::boolean)
                    .unwrap_or(true),
                row,
            })
        })
        .collect()
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Assigns accounts to territories and reps.
pub fn run(
    src: &Sources,
    rules: &Rules,
    facts: &[AccountFacts],
    rfm_value: &HashMap<String, f64>,
    opts: &Options,
) -> Result<AssignReport> {
    let t = &rules.territories;
    let accounts = src.accounts(rules)?;
    let owner_col = accounts.role(rules, "owner");
    let user_table = src.users.clone().unwrap_or_default();
    let all_users = users(&user_table, rules);
    let find_user = |name: &str| {
        let k = key(name);
        all_users
            .iter()
            .find(|u| key(&u.name) == k || u.email.as_deref().map(key) == Some(k.clone()))
    };
    // Check names once, against the first account and user.
    let known: Vec<String> =
        records::known_names("account", Some(accounts), rules, &records::ACCOUNT_FACTS)
            .into_iter()
            // Territories see the RFM figure balance uses: the expected value.
            .chain(["rfm.expected_value".to_string()])
            .chain(records::known_names("user", src.users.as_ref(), rules, &[]))
            .collect();
    if let (Some(f), Some(u)) = (facts.first(), all_users.first()) {
        let probe = Subject {
            rules: Some(rules),
            account: Some((accounts, f)),
            user: Some((&user_table, u.row)),
            rfm: vec![("expected_value", Value::Number(0.0))],
            ..Subject::default()
        };
        for terr in &t.list {
            probe.check(&terr.when, &format!("territory `{}`", terr.name), &known)?;
            probe.check(
                &terr.reps,
                &format!("territory `{}` reps", terr.name),
                &known,
            )?;
        }
    }
    // Reps per territory: users the `reps` condition picks that are active.
    let reps: Vec<Vec<&User>> = t
        .list
        .iter()
        .map(|terr| {
            all_users
                .iter()
                .filter(|u| u.active)
                .filter(|u| {
                    let s = Subject {
                        rules: Some(rules),
                        user: Some((&user_table, u.row)),
                        ..Subject::default()
                    };
                    terr.reps.holds(|n| s.value(n))
                })
                .collect()
        })
        .collect();
    let capacity = |u: &User| {
        t.capacity
            .iter()
            .find(|(k, _)| key(k) == key(&u.name) || u.email.as_deref().map(key) == Some(key(k)))
            .map_or(1.0, |(_, c)| *c)
    };
    let weight = |f: &AccountFacts| match t.balance_by {
        BalanceBy::Accounts => 1.0,
        BalanceBy::Pipeline => f.open_pipeline,
    };
    let mut assignments = Vec::with_capacity(facts.len());
    let mut inactive_owned = Vec::new();
    let mut skipped = 0;
    // Per territory: the accounts in it, by index into `facts`.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); t.list.len()];
    for (i, f) in facts.iter().enumerate() {
        let previous = accounts.get(f.row, owner_col).map(str::to_string);
        if let Some(p) = &previous
            && find_user(p).is_some_and(|u| !u.active)
        {
            inactive_owned.push((f.id.clone(), p.clone()));
        }
        let mut a = Assignment {
            account: f.id.clone(),
            territory: None,
            owner: None,
            previous_owner: previous,
            target_user: None,
            reason: None,
        };
        if f.status.as_ref().is_some_and(|s| t.skip_status.contains(s)) {
            skipped += 1;
            a.reason = Some(format!("status {}", f.status.clone().unwrap_or_default()));
            assignments.push(a);
            continue;
        }
        let mut rfm = Vec::new();
        if let Some(v) = rfm_value.get(&f.id) {
            rfm.push(("expected_value", Value::Number(*v)));
        }
        let s = Subject {
            rules: Some(rules),
            account: Some((accounts, f)),
            rfm,
            ..Subject::default()
        };
        match t
            .list
            .iter()
            .position(|terr| terr.when.holds(|n| s.value(n)))
        {
            None => a.reason = Some("no territory rule matches".into()),
            Some(ti) => {
                a.territory = Some(t.list[ti].name.clone());
                if reps[ti].is_empty() {
                    a.reason = Some(format!("territory `{}` has no active rep", t.list[ti].name));
                } else {
                    members[ti].push(i);
                }
            }
        }
        assignments.push(a);
    }
    // Place accounts rep by rep within each territory.
    let mut within = true;
    let mut loads: Vec<Vec<f64>> = Vec::new();
    for (ti, terr) in t.list.iter().enumerate() {
        let team = &reps[ti];
        let caps: Vec<f64> = team.iter().map(|u| capacity(u)).collect();
        let mut load = vec![0.0; team.len()];
        let mut owner: Vec<Option<usize>> = vec![None; members[ti].len()];
        let method = terr.method.unwrap_or(t.method);
        if opts.rebalance {
            // Keep each account with its current owner when that owner is on the team.
            for (k, &i) in members[ti].iter().enumerate() {
                let current = assignments[i].previous_owner.as_deref().and_then(find_user);
                if let Some(r) = current.and_then(|u| team.iter().position(|m| m.row == u.row)) {
                    owner[k] = Some(r);
                    load[r] += weight(&facts[i]);
                }
            }
        }
        // Accounts without a kept owner: heaviest first to the least loaded for its
        // capacity (capacity), or in turn (round robin).
        let mut open: Vec<usize> = (0..owner.len()).filter(|k| owner[*k].is_none()).collect();
        if method == Method::Capacity || opts.rebalance {
            open.sort_by(|&x, &y| {
                weight(&facts[members[ti][y]]).total_cmp(&weight(&facts[members[ti][x]]))
            });
        }
        for (turn, k) in open.into_iter().enumerate() {
            let w = weight(&facts[members[ti][k]]);
            let r = if method == Method::RoundRobin && !opts.rebalance {
                turn % team.len()
            } else {
                (0..team.len())
                    .min_by(|&x, &y| {
                        ((load[x] + w) / caps[x]).total_cmp(&((load[y] + w) / caps[y]))
                    })
                    .unwrap_or(0)
            };
            owner[k] = Some(r);
            load[r] += w;
        }
        if opts.rebalance {
            within &= rebalance(&mut owner, &mut load, &caps, t.tolerance, |k| {
                weight(&facts[members[ti][k]])
            });
        }
        for (k, &i) in members[ti].iter().enumerate() {
            assignments[i].owner = owner[k].map(|r| team[r].name.clone());
        }
        loads.push(load);
    }
    // Target users through the owner map; an owner with no match is reported.
    let mut unmatched: Vec<String> = Vec::new();
    for a in assignments.iter_mut() {
        let Some(o) = &a.owner else { continue };
        let user = find_user(o);
        let mapped = opts.owner_map.as_ref().and_then(|m| {
            m.get(&key(o))
                .or_else(|| {
                    user.and_then(|u| u.email.as_deref())
                        .and_then(|e| m.get(&key(e)))
                })
                .cloned()
                .flatten()
        });
        match mapped {
            Some(t) => a.target_user = Some(t),
            None if !unmatched.contains(o) => unmatched.push(o.clone()),
            None => {}
        }
    }
    unmatched.sort();
    let moves: Vec<Move> = assignments
        .iter()
        .filter_map(|a| {
            let to = a.owner.clone()?;
            if a.previous_owner.as_deref().map(key) == Some(key(&to)) {
                return None;
            }
            let why = match a.previous_owner.as_deref().map(|p| (p, find_user(p))) {
                None => "had no owner".to_string(),
                Some((_, None)) => "owner is not a known user".to_string(),
                Some((_, Some(u))) if !u.active => "owner is inactive".to_string(),
                Some(_) if opts.rebalance => "balance".to_string(),
                Some(_) => "territory rules".to_string(),
            };
            Some(Move {
                account: a.account.clone(),
                from: a.previous_owner.clone(),
                to,
                why,
            })
        })
        .collect();
    let balance_of = |owner_of: &dyn Fn(&Assignment) -> Option<String>| -> Vec<RepBalance> {
        let mut out = Vec::new();
        for (ti, terr) in t.list.iter().enumerate() {
            let team = &reps[ti];
            let caps: Vec<f64> = team.iter().map(|u| capacity(u)).collect();
            let mut rows: Vec<RepBalance> = team
                .iter()
                .zip(&caps)
                .map(|(u, c)| RepBalance {
                    rep: u.name.clone(),
                    territory: terr.name.clone(),
                    capacity: *c,
                    accounts: 0,
                    open_pipeline: 0.0,
                    rfm_value: 0.0,
                    load_ratio: 0.0,
                    overloaded: false,
                })
                .collect();
            let mut load = vec![0.0; team.len()];
            for &i in &members[ti] {
                let Some(o) = owner_of(&assignments[i]) else {
                    continue;
                };
                let Some(r) = team.iter().position(|u| key(&u.name) == key(&o)) else {
                    continue;
                };
                rows[r].accounts += 1;
                rows[r].open_pipeline += facts[i].open_pipeline;
                rows[r].rfm_value += rfm_value.get(&facts[i].id).copied().unwrap_or(0.0);
                load[r] += weight(&facts[i]);
            }
            let shares = fair_shares(&load, &caps);
            for (r, row) in rows.iter_mut().enumerate() {
                row.load_ratio = if shares[r] > 0.0 {
                    load[r] / shares[r]
                } else {
                    0.0
                };
                row.overloaded = load[r] > shares[r] * (1.0 + t.tolerance) + 1e-9;
            }
            out.extend(rows);
        }
        out
    };
    let balance = balance_of(&|a: &Assignment| a.owner.clone());
    let current_balance = balance_of(&|a: &Assignment| a.previous_owner.clone());
    let within_tolerance = within && balance.iter().all(|b| !b.overloaded);
    Ok(AssignReport {
        method: match t.method {
            Method::RoundRobin => "round_robin",
            Method::Capacity => "capacity",
        }
        .into(),
        tolerance: t.tolerance,
        balance_by: t.balance_by,
        territories: t
            .list
            .iter()
            .zip(&reps)
            .zip(&members)
            .map(|((terr, team), m)| TerritoryReps {
                name: terr.name.clone(),
                reps: team.iter().map(|u| u.name.clone()).collect(),
                accounts: m.len() as u64,
            })
            .collect(),
        unassigned: assignments.iter().filter(|a| a.owner.is_none()).count() as u64 - skipped,
        assignments,
        balance,
        current_balance,
        moves,
        skipped,
        inactive_owned,
        unmatched_owners: unmatched,
        within_tolerance,
    })
}

/// The owner map of the mappings (`owners:`, written by `map suggest`): source owner (name or
/// email, lowercase) -> target user. None when no mapping has one.
pub fn owner_map(
    mappings: &[crate::mapping::file::MappingFile],
) -> Option<HashMap<String, Option<String>>> {
    let mut out = HashMap::new();
    let mut found = false;
    for m in mappings.iter().filter(|m| !m.owners.is_empty()) {
        found = true;
        out.extend(
            m.owners
                .iter()
                .map(|(k, v)| (key(k), v.clone().or_else(|| m.default_owner.clone()))),
        );
    }
    found.then_some(out)
}

/// Each rep's fair share of the total load, by capacity.
fn fair_shares(load: &[f64], caps: &[f64]) -> Vec<f64> {
    let total: f64 = load.iter().sum();
    let cap: f64 = caps.iter().sum();
    caps.iter()
        .map(|c| if cap > 0.0 { total * c / cap } else { 0.0 })
        .collect()
}

/// Moves accounts from overloaded reps to the least loaded until every rep is within
/// `tolerance` of its fair share, one account at a time, each move the one that cuts the
/// worst excess most without overloading the receiver. True when it got there.
fn rebalance(
    owner: &mut [Option<usize>],
    load: &mut [f64],
    caps: &[f64],
    tolerance: f64,
    weight: impl Fn(usize) -> f64,
) -> bool {
    let shares = fair_shares(load, caps);
    let limit: Vec<f64> = shares
        .iter()
        .map(|s| s * (1.0 + tolerance) + 1e-9)
        .collect();
    for _ in 0..owner.len() {
        let Some(from) = (0..load.len())
            .filter(|&r| load[r] > limit[r])
            .max_by(|&x, &y| (load[x] - limit[x]).total_cmp(&(load[y] - limit[y])))
        else {
            return true;
        };
        let Some(to) = (0..load.len()).filter(|&r| r != from).min_by(|&x, &y| {
            (load[x] / caps[x].max(1e-9)).total_cmp(&(load[y] / caps[y].max(1e-9)))
        }) else {
            return false;
        };
        let excess = load[from] - limit[from];
        let room = limit[to] - load[to];
        // The account that fits the receiver and removes the most of the excess.
        let best = (0..owner.len())
            .filter(|&k| owner[k] == Some(from))
            .filter(|&k| weight(k) <= room)
            .max_by(|&x, &y| {
                let score = |k: usize| weight(k).min(excess);
                score(x)
                    .total_cmp(&score(y))
                    .then(weight(y).total_cmp(&weight(x)))
            });
        let Some(k) = best else {
            return false;
        };
        owner[k] = Some(to);
        load[from] -= weight(k);
        load[to] += weight(k);
    }
    (0..load.len()).all(|r| load[r] <= limit[r])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_map_comes_from_the_mappings_owners_with_the_default_for_unmatched() {
        let mut m: crate::mapping::file::MappingFile = crate::yaml::from_str(
            "target: salesforce\nobject: account\ndataset: a\nfields: []\nowners:\n  Dana Whitfield: dana@x.io\n  Marco Rossi: ~\ndefault_owner: admin@x.io\n",
        )
        .unwrap();
        let map = owner_map(std::slice::from_ref(&m)).unwrap();
        assert_eq!(map[&key("DANA WHITFIELD")].as_deref(), Some("dana@x.io"));
        assert_eq!(map[&key("Marco Rossi")].as_deref(), Some("admin@x.io"));
        m.owners.clear();
        assert!(owner_map(&[m]).is_none());
    }

    #[test]
    fn rebalance_moves_only_the_excess() {
        // 10 accounts with one rep, 2 with another: 6 each is fair; 20% over is 7.2.
        let mut owner: Vec<Option<usize>> = (0..12).map(|k| Some(usize::from(k >= 10))).collect();
        let mut load = vec![10.0, 2.0];
        let before = owner.clone();
        assert!(rebalance(&mut owner, &mut load, &[1.0, 1.0], 0.2, |_| 1.0));
        assert_eq!(load, [7.0, 5.0]);
        let moved = owner.iter().zip(&before).filter(|(a, b)| a != b).count();
        assert_eq!(moved, 3);
    }

    #[test]
    fn capacity_sets_the_fair_share() {
        assert_eq!(fair_shares(&[6.0, 3.0], &[2.0, 1.0]), [6.0, 3.0]);
    }
}
