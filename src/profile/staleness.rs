//! Staleness (no activity within the window) and the playbook's account status: active,
//! dormant (stale, but with pipeline), dead (stale, no open opportunity, no recent win).

use super::dataset::Scanned;
use super::model::{AccountStatus, Staleness};
use super::scan::Arena;
use super::values::{self, KeySet};
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

/// Active / dormant / dead accounts. `stale` holds one flag per account row.
pub fn account_status(
    accounts: &Scanned,
    id: usize,
    stale: &[bool],
    pipeline: &Pipeline<'_>,
    window: Window,
) -> Option<AccountStatus> {
    let ids = accounts.retained[id].as_ref()?;
    let opp = pipeline.dataset;
    let refs = opp.retained[pipeline.account].as_ref()?;
    let stages = opp.retained[pipeline.stage].as_ref()?;
    let closes = match pipeline.close_date {
        Some(c) => Some((opp.retained[c].as_ref()?, column_is_day_first(opp, c))),
        None => None,
    };
    let cutoff = window.cutoff();
    let mut open = KeySet::default();
    let mut recent_win = KeySet::default();
    for row in 0..refs.len() {
        let account = refs.get(row).trim();
        if account.is_empty() {
            continue;
        }
        let stage = stages.get(row);
        if !is_closed(stage) {
            open.insert(values::hash(account));
        } else if is_won(stage)
            && let Some((closes, day_first)) = closes
            && day_of(closes.get(row), day_first).is_some_and(|day| day >= cutoff)
        {
            recent_win.insert(values::hash(account));
        }
    }
    let mut status = AccountStatus {
        dataset: accounts.name.clone(),
        opportunities: Some(opp.name.clone()),
        accounts: ids.len() as u64,
        active: 0,
        dormant: 0,
        dead: 0,
        dead_examples: Vec::new(),
        inactive: Vec::new(),
    };
    for (row, &is_stale) in stale.iter().enumerate() {
        if !is_stale {
            status.active += 1;
            continue;
        }
        let h = values::hash(ids.get(row).trim());
        if open.contains(h) || recent_win.contains(h) {
            status.dormant += 1;
            status
                .inactive
                .push((ids.get(row).trim().to_string(), "dormant"));
        } else {
            status.dead += 1;
            status
                .inactive
                .push((ids.get(row).trim().to_string(), "dead"));
            if status.dead_examples.len() < EXAMPLES {
                status
                    .dead_examples
                    .push(crate::text::example(ids.get(row)));
            }
        }
    }
    Some(status)
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
