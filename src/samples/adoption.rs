//! Adoption exports for `crmkit samples`: the CRM's users (team, manager, last login), login
//! history, activities with owners, opportunities with their stage history and leads, as two
//! dated snapshots (`adoption/2025-05-31/`, `adoption/2025-06-30/`) of one simulated sales
//! year, with adoption problems injected and listed in truth.json's `adoption`.
//!
//! The people are those of users.csv (read back), so owners match the other exports. All
//! randomness comes from one ChaCha8 stream of its own, so the other files do not change.

use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::pick::{chance, index, range};
use crate::error::{Error, Result};
use crate::safe_write::{self, Kind, Overwrite};

/// The folder under the samples folder.
pub const DIR: &str = "adoption";
/// The snapshots: (name, as-of date).
pub const SNAPSHOTS: [(&str, (i32, u32, u32)); 2] =
    [("2025-05-31", (2025, 5, 31)), ("2025-06-30", (2025, 6, 30))];
/// The files of each snapshot.
pub const FILES: [&str; 6] = [
    "users.csv",
    "login_history.csv",
    "activities.csv",
    "opportunities.csv",
    "opportunity_history.csv",
    "leads.csv",
];
/// The teams; the second one under-performs (lower win rate, fewer activities).
const TEAMS: [(&str, &str); 3] = [
    ("Enterprise", "North America"),
    ("Mid-Market", "EMEA"),
    ("Inside Sales", "North America"),
];
const UNDER: usize = 1;
/// The pipeline, in order.
const STAGES: [&str; 5] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
];
const FORECAST: [&str; 5] = ["Pipeline", "Pipeline", "Best Case", "Best Case", "Commit"];
/// Most users taken into the adoption exports (bounds their size at large `--accounts`).
const MAX_USERS: usize = 120;
/// Opportunities per rep over the simulated year.
const OPPS_PER_REP: u32 = 40;

/// What was injected, per snapshot, computed from the rows as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptionTruth {
    pub snapshots: Vec<SnapshotTruth>,
    pub under_performing_team: String,
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotTruth {
    pub snapshot: String,
    pub as_of: String,
    /// Folder of the snapshot's files, relative to the samples folder.
    pub dir: String,
    pub rows: std::collections::BTreeMap<String, u64>,
    /// Licensed, active users with no successful login ever.
    pub never_logged_in: Vec<String>,
    /// Open opportunities not modified in the 30 days before as-of.
    pub stale_open: Vec<String>,
    /// Open opportunities whose close date is before as-of.
    pub past_close_open: Vec<String>,
    /// Opportunities whose history skips a pipeline stage.
    pub skipped_stage: Vec<String>,
    /// Opportunities created in a late stage.
    pub created_late: Vec<String>,
    pub open: u64,
    pub won: u64,
    pub lost: u64,
}

struct Person {
    id: String,
    name: String,
    email: String,
    region: String,
    active: bool,
}

struct Rep {
    person: usize,
    team: usize,
    manager: Option<usize>,
    /// Days between logins (0 = never logs in).
    login_gap: u32,
    /// Stops logging in this many days before the last snapshot.
    quiet_days: i64,
}

struct Opp {
    id: String,
    name: String,
    rep: usize,
    amount: Option<u64>,
    created: NaiveDate,
    expected_close: NaiveDate,
    /// (stage index or 5 = won, 6 = lost, date entered)
    path: Vec<(usize, NaiveDate)>,
    next_step: bool,
    forecast: bool,
}

fn read_people(dir: &Path) -> Result<Vec<Person>> {
    let path = dir.join("users.csv");
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| Error::Other(format!("cannot read `{}`: {e}", path.display())))?;
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| Error::Other(format!("cannot read `{}`: {e}", path.display())))?;
        out.push(Person {
            id: r[0].to_string(),
            name: r[1].to_string(),
            email: r[2].to_string(),
            region: r[4].to_string(),
            active: &r[5] == "true",
        });
    }
    Ok(out)
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Writes the adoption exports into `dir/adoption/` and returns their truth.
pub fn write(dir: &Path, seed: u64, as_of: NaiveDate) -> Result<AdoptionTruth> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xAD0_9710);
    rng.set_stream(7);
    let mut people = read_people(dir)?;
    people.truncate(MAX_USERS);
    // Managers: the first active person of each team's slice; the admin is the first user.
    let n = people.len();
    let mut reps: Vec<Rep> = Vec::new();
    let mut managers: Vec<Option<usize>> = vec![None; TEAMS.len()];
    for (i, p) in people.iter().enumerate().skip(1) {
        let team = (i - 1) % TEAMS.len();
        if managers[team].is_none() && p.active {
            managers[team] = Some(i);
            continue;
        }
        reps.push(Rep {
            person: i,
            team,
            manager: None,
            login_gap: if team == UNDER {
                range(&mut rng, 3, 9)
            } else {
                range(&mut rng, 1, 3)
            },
            quiet_days: 0,
        });
    }
    for r in &mut reps {
        r.manager = managers[r.team];
    }
    // Injected: two reps never log in, one went quiet three weeks ago.
    let active_reps: Vec<usize> = (0..reps.len())
        .filter(|&r| people[reps[r].person].active)
        .collect();
    for &r in active_reps.iter().rev().take(2) {
        reps[r].login_gap = 0;
    }
    if let Some(&r) = active_reps.first() {
        reps[r].quiet_days = 21;
    }
    let start = as_of - Duration::days(365);
    // Opportunities over the year.
    let mut opps: Vec<Opp> = Vec::new();
    for (ri, rep) in reps.iter().enumerate() {
        let under = rep.team == UNDER;
        for _ in 0..OPPS_PER_REP {
            let k = opps.len() + 1;
            let created = start + Duration::days(range(&mut rng, 0, 360) as i64);
            let win_p = if under { 0.18 } else { 0.5 };
            let mut path = Vec::new();
            let late = chance(&mut rng, 0.05);
            let skip = if chance(&mut rng, 0.08) {
                Some(range(&mut rng, 1, 3) as usize)
            } else {
                None
            };
            let abandon = chance(&mut rng, 0.06);
            let mut day = created;
            let first = if late { 3 } else { 0 };
            let outcome_won = chance(&mut rng, win_p);
            let lost_at = if outcome_won {
                99
            } else {
                range(&mut rng, first as u32, 4) as usize
            };
            let stop_at = if abandon {
                range(&mut rng, first as u32, 3) as usize
            } else {
                99
            };
            let mut same_day = chance(&mut rng, 0.04);
            for s in first..5 {
                if Some(s) == skip && s > first {
                    continue;
                }
                path.push((s, day));
                if s == stop_at {
                    break;
                }
                if s == lost_at {
                    day += Duration::days(range(&mut rng, 2, 20) as i64);
                    path.push((6, day));
                    break;
                }
                let dwell = if same_day {
                    same_day = false;
                    0
                } else if under {
                    range(&mut rng, 6, 30)
                } else {
                    range(&mut rng, 3, 14)
                };
                day += Duration::days(dwell as i64);
                if s == 4 {
                    path.push((5, day));
                }
            }
            let planned = created + Duration::days(range(&mut rng, 30, 120) as i64);
            opps.push(Opp {
                id: format!("006A{k:07}"),
                name: format!(
                    "{} deal {k}",
                    people[rep.person]
                        .name
                        .split(' ')
                        .next_back()
                        .unwrap_or("New")
                ),
                rep: ri,
                amount: (!chance(&mut rng, 0.03)).then(|| range(&mut rng, 5, 250) as u64 * 1000),
                created,
                expected_close: planned,
                path,
                next_step: chance(&mut rng, if under { 0.6 } else { 0.9 }),
                forecast: chance(&mut rng, 0.92),
            });
        }
    }
    // Activities per rep and day over the 16 weeks before the last snapshot.
    let act_from = as_of - Duration::days(16 * 7);
    let mut activities: Vec<(NaiveDate, usize, &str)> = Vec::new();
    let kinds = ["Call", "Email", "Meeting", "Task"];
    for (ri, rep) in reps.iter().enumerate() {
        let per_day = if rep.team == UNDER { 1 } else { 3 };
        let mut d = act_from;
        while d <= as_of {
            let n = range(&mut rng, 0, per_day);
            for _ in 0..n {
                activities.push((d, ri, kinds[index(&mut rng, kinds.len())]));
            }
            d += Duration::days(1);
        }
    }
    // Logins (users, managers and the admin) over the 12 weeks before the last snapshot.
    let mut logins: Vec<(NaiveDate, usize, bool)> = Vec::new();
    let login_from = as_of - Duration::days(12 * 7);
    for (i, person) in people.iter().enumerate() {
        let (gap, quiet) = match reps.iter().find(|r| r.person == i) {
            Some(r) => (r.login_gap, r.quiet_days),
            None => (2, 0),
        };
        if gap == 0 || !person.active {
            continue;
        }
        let mut d = login_from + Duration::days(range(&mut rng, 0, gap) as i64);
        while d <= as_of - Duration::days(quiet) {
            logins.push((d, i, !chance(&mut rng, 0.03)));
            d += Duration::days(range(&mut rng, 1, gap) as i64);
        }
    }
    let leads_n = reps.len() * 30;
    let mut truth = AdoptionTruth {
        snapshots: Vec::new(),
        under_performing_team: TEAMS[UNDER].0.to_string(),
        teams: TEAMS.iter().map(|t| t.0.to_string()).collect(),
    };
    let mut lead_rows: Vec<(usize, NaiveDate, usize)> = Vec::new();
    for _ in 0..leads_n {
        let r = index(&mut rng, reps.len());
        lead_rows.push((
            r,
            start + Duration::days(range(&mut rng, 0, 364) as i64),
            range(&mut rng, 0, 99) as usize,
        ));
    }
    for (name, (y, m, d)) in SNAPSHOTS {
        let at = NaiveDate::from_ymd_opt(y, m, d).expect("snapshot dates are valid");
        let sub = Path::new(DIR).join(name);
        let folder = dir.join(&sub);
        safe_write::create_dir(&folder)?;
        let mut st = SnapshotTruth {
            snapshot: name.to_string(),
            as_of: iso(at),
            dir: sub.to_string_lossy().replace('\\', "/"),
            ..SnapshotTruth::default()
        };
        let last_login = |i: usize| {
            logins
                .iter()
                .filter(|l| l.1 == i && l.2 && l.0 <= at)
                .map(|l| l.0)
                .max()
        };
        // users.csv
        let mut w = csv::Writer::from_writer(Vec::new());
        row(
            &mut w,
            &[
                "User ID",
                "Full Name",
                "Email",
                "Role",
                "Team",
                "Manager",
                "Region",
                "Active",
                "Last Login",
                "User License",
            ],
        )?;
        for (i, p) in people.iter().enumerate() {
            let rep = reps.iter().find(|r| r.person == i);
            let team_of_manager = managers.iter().position(|m| *m == Some(i));
            let (role, team, manager) = match (rep, team_of_manager) {
                (Some(r), _) => (
                    "Sales Rep",
                    TEAMS[r.team].0,
                    r.manager.map(|m| people[m].name.as_str()).unwrap_or(""),
                ),
                (None, Some(t)) => ("Sales Manager", TEAMS[t].0, people[0].name.as_str()),
                _ => ("System Administrator", "", ""),
            };
            let region = rep.map(|r| TEAMS[r.team].1).unwrap_or(&p.region);
            let last = last_login(i);
            if p.active && last.is_none() {
                st.never_logged_in.push(p.name.clone());
            }
            row(
                &mut w,
                &[
                    &p.id,
                    &p.name,
                    &p.email,
                    role,
                    team,
                    manager,
                    region,
                    if p.active { "true" } else { "false" },
                    &last
                        .map(|d| format!("{}T08:{:02}:00.000+0000", iso(d), i % 60))
                        .unwrap_or_default(),
                    if p.active { "Salesforce" } else { "None" },
                ],
            )?;
        }
        st.rows.insert("users.csv".into(), n as u64);
        put(&folder.join("users.csv"), w)?;
        // login_history.csv (Salesforce LoginHistory with the username)
        let mut w = csv::Writer::from_writer(Vec::new());
        row(
            &mut w,
            &[
                "Username",
                "Login Time",
                "Status",
                "Application",
                "Login Type",
            ],
        )?;
        let mut count = 0;
        let mut sorted: Vec<&(NaiveDate, usize, bool)> =
            logins.iter().filter(|l| l.0 <= at).collect();
        sorted.sort_by_key(|l| (l.0, l.1));
        for l in sorted {
            count += 1;
            row(
                &mut w,
                &[
                    &people[l.1].email,
                    &format!(
                        "{}T{:02}:{:02}:00.000+0000",
                        iso(l.0),
                        7 + l.1 % 10,
                        count % 60
                    ),
                    if l.2 { "Success" } else { "Invalid Password" },
                    "Browser",
                    "Application",
                ],
            )?;
        }
        st.rows.insert("login_history.csv".into(), count);
        put(&folder.join("login_history.csv"), w)?;
        // activities.csv (Salesforce tasks: assigned by name)
        let mut w = csv::Writer::from_writer(Vec::new());
        row(
            &mut w,
            &[
                "Activity ID",
                "Assigned",
                "Subject",
                "Task Subtype",
                "Due Date",
                "Status",
            ],
        )?;
        let mut count = 0;
        for (k, (d, r, kind)) in activities.iter().enumerate() {
            if *d > at {
                continue;
            }
            count += 1;
            row(
                &mut w,
                &[
                    &format!("00T{k:08}"),
                    &people[reps[*r].person].name,
                    &format!("{kind} with a customer"),
                    kind,
                    &d.format("%m/%d/%Y").to_string(),
                    "Completed",
                ],
            )?;
        }
        st.rows.insert("activities.csv".into(), count);
        put(&folder.join("activities.csv"), w)?;
        // opportunities.csv and opportunity_history.csv
        let mut w = csv::Writer::from_writer(Vec::new());
        row(
            &mut w,
            &[
                "Opportunity ID",
                "Opportunity Name",
                "Opportunity Owner",
                "Stage",
                "Amount",
                "Close Date",
                "Created Date",
                "Last Modified Date",
                "Next Step",
                "Forecast Category",
            ],
        )?;
        let mut h = csv::Writer::from_writer(Vec::new());
        row(
            &mut h,
            &[
                "OPPORTUNITYID",
                "STAGENAME",
                "CREATEDDATE",
                "AMOUNT",
                "CLOSEDATE",
            ],
        )?;
        let (mut count, mut hcount) = (0, 0);
        for o in opps.iter().filter(|o| o.created <= at) {
            let seen: Vec<&(usize, NaiveDate)> = o.path.iter().filter(|p| p.1 <= at).collect();
            let &&(stage, modified) = seen.last().expect("the first stage is entered at creation");
            let stage_name = match stage {
                5 => "Closed Won",
                6 => "Closed Lost",
                s => STAGES[s],
            };
            let open = stage < 5;
            let close = if open { o.expected_close } else { modified };
            count += 1;
            match stage {
                5 => st.won += 1,
                6 => st.lost += 1,
                _ => st.open += 1,
            }
            if open && (at - modified).num_days() > 30 {
                st.stale_open.push(o.id.clone());
            }
            if open && close < at {
                st.past_close_open.push(o.id.clone());
            }
            let stages: Vec<usize> = seen.iter().map(|p| p.0).filter(|s| *s <= 5).collect();
            let lo = stages.iter().min().copied().unwrap_or(0);
            let hi = stages.iter().max().copied().unwrap_or(0);
            if (lo..=hi).any(|s| !stages.contains(&s)) {
                st.skipped_stage.push(o.id.clone());
            }
            if lo > 0 {
                st.created_late.push(o.id.clone());
            }
            let forecast = if !o.forecast {
                ""
            } else {
                match stage {
                    5 => "Closed",
                    6 => "Omitted",
                    s => FORECAST[s],
                }
            };
            row(
                &mut w,
                &[
                    &o.id,
                    &o.name,
                    &people[reps[o.rep].person].name,
                    stage_name,
                    &o.amount.map(|a| a.to_string()).unwrap_or_default(),
                    &close.format("%m/%d/%Y").to_string(),
                    &close_or(o.created),
                    &close_or(modified),
                    if o.next_step && open {
                        "Follow-up call"
                    } else {
                        ""
                    },
                    forecast,
                ],
            )?;
            for (s, d) in &seen {
                hcount += 1;
                let name = match *s {
                    5 => "Closed Won",
                    6 => "Closed Lost",
                    s => STAGES[s],
                };
                row(
                    &mut h,
                    &[
                        &o.id,
                        name,
                        &format!("{}T10:00:00.000+0000", iso(*d)),
                        &o.amount.map(|a| a.to_string()).unwrap_or_default(),
                        &iso(close),
                    ],
                )?;
            }
        }
        st.rows.insert("opportunities.csv".into(), count);
        st.rows.insert("opportunity_history.csv".into(), hcount);
        put(&folder.join("opportunities.csv"), w)?;
        put(&folder.join("opportunity_history.csv"), h)?;
        // leads.csv: converted leads point at an opportunity of the same rep.
        let mut w = csv::Writer::from_writer(Vec::new());
        row(
            &mut w,
            &[
                "Lead ID",
                "Company",
                "Lead Owner",
                "Lead Status",
                "Lead Source",
                "Created Date",
                "Converted",
                "Converted Opportunity ID",
            ],
        )?;
        let mut count = 0;
        for (k, (r, created, roll)) in lead_rows.iter().enumerate() {
            if *created > at {
                continue;
            }
            count += 1;
            let conv = opps
                .iter()
                .filter(|o| o.rep == *r && o.created >= *created && o.created <= at)
                .nth(k % 3)
                .filter(|_| *roll < 25);
            let status = match (conv, roll) {
                (Some(_), _) => "Closed - Converted",
                (None, 0..=34) => "Open - Not Contacted",
                (None, 35..=59) => "Working - Contacted",
                (None, 60..=74) => "Marketing Qualified",
                (None, 75..=84) => "Sales Qualified",
                _ => "Closed - Not Converted",
            };
            row(
                &mut w,
                &[
                    &format!("00Q{k:07}"),
                    &format!("Prospect {k}"),
                    &people[reps[*r].person].name,
                    status,
                    ["Web", "Partner Referral", "Trade Show", "Purchased List"][k % 4],
                    &iso(*created),
                    if conv.is_some() { "true" } else { "false" },
                    conv.map(|o| o.id.as_str()).unwrap_or(""),
                ],
            )?;
        }
        st.rows.insert("leads.csv".into(), count);
        put(&folder.join("leads.csv"), w)?;
        truth.snapshots.push(st);
    }
    Ok(truth)
}

/// Created and modified dates as Salesforce reports write them (`M/D/YYYY`).
fn close_or(d: NaiveDate) -> String {
    d.format("%-m/%-d/%Y").to_string()
}

fn row(w: &mut csv::Writer<Vec<u8>>, cells: &[&str]) -> Result<()> {
    w.write_record(cells)
        .map_err(|e| Error::Other(format!("cannot write a sample row: {e}")))
}

fn put(path: &Path, w: csv::Writer<Vec<u8>>) -> Result<()> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot write `{}`: {e}", path.display())))?;
    safe_write::write(path, Kind::Samples, Overwrite::Force, &bytes)
}
