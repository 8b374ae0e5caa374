//! Staleness (no activity within the window), and the profile's reading of the playbook's
//! account status (active, dormant, dead), which the go-to-market status rules decide.

use super::dataset::Scanned;
use super::model::{AccountStatus, Staleness};
use super::scan::Arena;
use crate::error::Result;
use crate::rules::Rules;
use crate::rules::records::{Sources, Table};
use crate::rules::status;
use crate::values::date::{self as dates, DateParse, Days};

/// Examples of dead accounts kept.
const EXAMPLES: usize = 5;

/// The as-of date and window.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub as_of: Days,
    pub days: u32,
}

impl Window {
    /// The first day that still counts as recent.
    pub fn cutoff(&self) -> Days {
        self.as_of - self.days as Days
    }
}

/// A date cell as a day number; `day_first` reads ambiguous `03/04/2021` as 3 April.
pub fn day_of(value: &str, day_first: bool) -> Option<Days> {
    match dates::parse(value) {
        DateParse::Date(d) => Some(if day_first {
            d.day_first_days.unwrap_or(d.days)
        } else {
            d.days
        }),
        _ => None,
    }
}

/// True when a column's formats say ambiguous day/month values are day-first.
pub fn column_is_day_first(d: &Scanned, column: usize) -> bool {
    d.columns[column].dates.as_ref().is_some_and(|s| {
        s.formats.iter().any(|f| {
            f.format.starts_with("%d/")
                || f.format.starts_with("%d-")
                || f.format.starts_with("%d.")
        })
    })
}

/// Per record: stale or not, from the latest date among `columns` (all retained).
pub fn stale_flags(d: &Scanned, columns: &[usize], window: Window) -> Option<(Vec<bool>, u64)> {
    let arenas: Vec<(&Arena, bool)> = columns
        .iter()
        .map(|&c| Some((d.retained[c].as_ref()?, column_is_day_first(d, c))))
        .collect::<Option<_>>()?;
    let cutoff = window.cutoff();
    let mut no_date = 0;
    let flags = (0..d.rows as usize)
        .map(|row| {
            let latest = arenas
                .iter()
                .filter_map(|(a, day_first)| day_of(a.get(row), *day_first))
                .max();
            match latest {
                None => {
                    no_date += 1;
                    true
                }
                Some(day) => day < cutoff,
            }
        })
        .collect();
    Some((flags, no_date))
}

/// The staleness summary of one dataset.
pub fn summary(
    d: &Scanned,
    columns: &[usize],
    flags: &[bool],
    no_date: u64,
    window: Window,
) -> Staleness {
    Staleness {
        dataset: d.name.clone(),
        columns: columns.iter().map(|&c| d.columns[c].name.clone()).collect(),
        records: flags.len() as u64,
        stale: flags.iter().filter(|s| **s).count() as u64,
        no_date,
        cutoff: dates::date(window.cutoff())
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

/// The columns of an opportunity dataset that account status needs.
pub struct Pipeline<'a> {
    pub dataset: &'a Scanned,
    /// The reference to the account key.
    pub account: usize,
    pub stage: usize,
    pub close_date: Option<usize>,
}

/// A stage value that is closed: contains "closed", or is won / lost.
pub fn is_closed(stage: &str) -> bool {
    let s = stage.trim().to_lowercase();
    s.contains("closed") || s == "won" || s == "lost"
}

/// A stage value that is won: closed and contains "won".
pub fn is_won(stage: &str) -> bool {
    is_closed(stage) && stage.to_lowercase().contains("won")
}

/// Each account's status, decided by the go-to-market status rules (`rules.yaml`, the one
/// implementation `score status` also uses) over the columns the profile detected: the
/// account key, its activity columns and the opportunities' reference, stage and close date.
/// Dates reach the rules already read the profile's way (day-first columns as such).
pub fn account_status(
    accounts: &Scanned,
    id: usize,
    activity: &[usize],
    pipeline: &Pipeline<'_>,
    rules: &Rules,
    window: Window,
) -> Result<Option<AccountStatus>> {
    let opp = pipeline.dataset;
    let account_cols = [Some(id)]
        .into_iter()
        .chain(activity.iter().map(|&c| Some(c)));
    let Some(account_table) = table(accounts, account_cols.collect(), 1) else {
        return Ok(None);
    };
    let opp_cols = vec![
        Some(pipeline.account),
        Some(pipeline.stage),
        pipeline.close_date,
    ];
    let Some(opp_table) = table(opp, opp_cols, 2) else {
        return Ok(None);
    };
    let mut account_table = account_table;
    account_table.bound.push(("account_id", 0));
    account_table
        .bound
        .extend((1..=activity.len()).map(|c| ("last_activity", c)));
    let mut opp_table = opp_table;
    opp_table.bound.extend([("account_id", 0), ("stage", 1)]);
    if pipeline.close_date.is_some() {
        opp_table.bound.push(("date", 2));
    }
    let mut rules = rules.clone();
    rules.status.stale_after_days = window.days;
    let src = Sources {
        accounts: Some(account_table),
        opportunities: Some(opp_table),
        ..Sources::default()
    };
    let as_of = dates::date(window.as_of).ok_or_else(|| {
        crate::Error::Other(format!("as-of day {} is out of range", window.as_of))
    })?;
    let (_, report) = status::classify(&src, &rules, as_of)?;
    let active = rules.status.rules.first().map(|r| r.status.as_str());
    let dead = rules.status.otherwise.as_str();
    let mut out = AccountStatus {
        dataset: accounts.name.clone(),
        opportunities: Some(opp.name.clone()),
        accounts: report.accounts.len() as u64,
        active: 0,
        dormant: 0,
        dead: 0,
        dead_examples: Vec::new(),
        inactive: Vec::new(),
    };
    for a in report.accounts {
        if Some(a.status.as_str()) == active {
            out.active += 1;
            continue;
        }
        if a.status == dead {
            out.dead += 1;
            if out.dead_examples.len() < EXAMPLES {
                out.dead_examples.push(crate::text::example(&a.account));
            }
        } else {
            out.dormant += 1;
        }
        out.inactive.push((a.account, a.status));
    }
    Ok(Some(out))
}

/// The rules' view of some of a scanned dataset's columns (all retained), in the given
/// order; columns from `dates_from` on are dates, rewritten as ISO days the profile's way.
fn table(d: &Scanned, columns: Vec<Option<usize>>, dates_from: usize) -> Option<Table> {
    let mut cells: Vec<Option<(&Arena, bool)>> = Vec::with_capacity(columns.len());
    for c in &columns {
        cells.push(match c {
            Some(c) => Some((d.retained[*c].as_ref()?, column_is_day_first(d, *c))),
            None => None,
        });
    }
    let rows = cells
        .iter()
        .flatten()
        .map(|(a, _)| a.len())
        .min()
        .unwrap_or(0);
    let rows = (0..rows)
        .map(|row| {
            cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let (arena, day_first) = cell.as_ref()?;
                    let v = arena.get(row);
                    if i < dates_from {
                        return Some(v.to_string());
                    }
                    day_of(v, *day_first)
                        .and_then(dates::date)
                        .map(|day| day.to_string())
                })
                .collect()
        })
        .collect();
    Some(Table {
        dataset: d.name.clone(),
        columns: columns
            .iter()
            .map(|c| c.map_or_else(String::new, |c| d.columns[c].name.clone()))
            .collect(),
        rows,
        bound: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages() {
        for (stage, closed, won) in [
            ("Prospecting", false, false),
            ("Closed Won", true, true),
            ("closed lost", true, false),
            ("Won", true, true),
            ("LOST", true, false),
            ("Negotiation/Review", false, false),
        ] {
            assert_eq!(is_closed(stage), closed, "{stage}");
            assert_eq!(is_won(stage), won, "{stage}");
        }
    }

    #[test]
    fn day_first_reading() {
        assert_eq!(day_of("03/04/2021", false), day_of("2021-03-04", false));
        assert_eq!(day_of("03/04/2021", true), day_of("2021-04-03", false));
        assert_eq!(day_of("13/04/2021", false), day_of("2021-04-13", false));
        assert_eq!(day_of("", false), None);
    }
}
