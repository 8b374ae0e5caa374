//! RFM per account from purchases (won opportunities, invoices, any dataset with an account,
//! a date and an amount): recency, frequency, monetary, quintile scores, segments, and the
//! BG/NBD and Gamma-Gamma propensity that ranks accounts.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::bgnbd::{self, BgNbd, History};
use super::file::Rules;
use super::records::{self, Sources, Subject, Table};
use super::spend::{self, GammaGamma};
use crate::error::{Error, Result};
use crate::playbook::evidence::Value;

/// Where purchases come from and how to read them.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The dataset (default: the first transactions dataset, else opportunities).
    pub from: Option<String>,
    pub account: Option<String>,
    pub date: Option<String>,
    pub amount: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub horizon_days: Option<u32>,
}

/// The purchases' source as used.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub dataset: String,
    pub account: String,
    pub date: String,
    pub amount: String,
    /// Only won rows counted (the source has a stage column).
    pub won_only: bool,
    pub rows: u64,
    /// Rows not counted: not won, blank account, unreadable date or amount, after the as-of date.
    pub skipped: u64,
}

/// One account's RFM and propensity.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AccountRfm {
    pub account: String,
    pub recency_days: i64,
    pub frequency: u64,
    pub monetary: f64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: String,
    pub p_alive: Option<f64>,
    pub expected_purchases: Option<f64>,
    pub expected_value: Option<f64>,
}

/// The whole RFM result, accounts ranked by expected value.
#[derive(Clone, Debug, Serialize)]
pub struct RfmReport {
    pub as_of: String,
    pub horizon_days: u32,
    pub source: Source,
    pub accounts: Vec<AccountRfm>,
    pub model: Option<BgNbd>,
    pub spend: Option<GammaGamma>,
    pub segments: BTreeMap<String, u64>,
}

/// One purchase day of one account: same-day purchases are one, their amounts summed.
type Days = BTreeMap<NaiveDate, f64>;

/// Quintile scores 1-5: 1 + floor(5 x (values strictly worse) / n). Equal values share a
/// score, and a score never depends on row order.
pub fn quintiles(values: &[f64], higher_is_better: bool) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = values.len().max(1);
    values
        .iter()
        .map(|v| {
            let worse = if higher_is_better {
                sorted.partition_point(|x| x < v)
            } else {
                n - sorted.partition_point(|x| x <= v)
            };
            (1 + 5 * worse / n).min(5) as u8
        })
        .collect()
}

/// Reads the purchases and scores every account that has one.
pub fn run(src: &Sources, db_names: &[String], rules: &Rules, opts: &Options) -> Result<RfmReport> {
    let as_of = opts
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let horizon_days = opts.horizon_days.unwrap_or(rules.rfm.horizon_days);
    let table = source_table(src, db_names, rules, opts)?;
    let pick = |flag: &Option<String>, role: &str| -> Result<usize> {
        match flag {
            Some(name) => column_named(table, name),
            None => table.require(rules, role),
        }
    };
    let account = pick(&opts.account, "account_id")?;
    let date = pick(&opts.date, "date")?;
    let amount = pick(&opts.amount, "amount")?;
    let stage = table.role(rules, "stage");
    let mut source = Source {
        dataset: table.dataset.clone(),
        account: table.columns[account].clone(),
        date: table.columns[date].clone(),
        amount: table.columns[amount].clone(),
        won_only: stage.is_some(),
        rows: table.rows.len() as u64,
        skipped: 0,
    };
    let mut by_account: HashMap<&str, Days> = HashMap::new();
    for row in 0..table.rows.len() {
        let won = stage.is_none_or(|s| {
            crate::profile::staleness::is_won(table.get(row, Some(s)).unwrap_or(""))
        });
        let key = table.get(row, Some(account));
        let day = records::date(table.get(row, Some(date))).filter(|d| *d <= as_of);
        let value = records::number(table.get(row, Some(amount)));
        match (won, key, day, value) {
            (true, Some(k), Some(d), Some(v)) => {
                *by_account.entry(k).or_default().entry(d).or_insert(0.0) += v;
            }
            _ => source.skipped += 1,
        }
    }
    let mut keys: Vec<&str> = by_account.keys().copied().collect();
    keys.sort_unstable();
    let days: Vec<&Days> = keys.iter().map(|k| &by_account[k]).collect();
    let recency: Vec<f64> = days
        .iter()
        .map(|d| records::days_between(*d.keys().next_back().unwrap_or(&as_of), as_of))
        .collect();
    let frequency: Vec<f64> = days.iter().map(|d| d.len() as f64).collect();
    let monetary: Vec<f64> = days.iter().map(|d| d.values().sum()).collect();
    let (r, f, m) = (
        quintiles(&recency, false),
        quintiles(&frequency, true),
        quintiles(&monetary, true),
    );
    // BG/NBD in weeks, as the paper; repeat spend is the mean of purchases after the first.
    let weeks = |d: f64| d / 7.0;
    let histories: Vec<History> = days
        .iter()
        .map(|d| {
            let first = *d.keys().next().unwrap_or(&as_of);
            let last = *d.keys().next_back().unwrap_or(&as_of);
            History {
                x: (d.len() - 1) as f64,
                t_x: weeks((last - first).num_days() as f64),
                t: weeks((as_of - first).num_days() as f64),
            }
        })
        .collect();
    let repeat_mean: Vec<f64> = days
        .iter()
        .map(|d| {
            let repeats: Vec<f64> = d.values().skip(1).copied().collect();
            if repeats.is_empty() {
                0.0
            } else {
                repeats.iter().sum::<f64>() / repeats.len() as f64
            }
        })
        .collect();
    let model = bgnbd::fit(&histories);
    let spend_model = spend::fit(
        &histories
            .iter()
            .zip(&repeat_mean)
            .map(|(h, m)| (h.x, *m))
            .collect::<Vec<_>>(),
    );
    let mut segments: BTreeMap<String, u64> = BTreeMap::new();
    let mut accounts = Vec::with_capacity(keys.len());
    for i in 0..keys.len() {
        let cells = [("r", r[i]), ("f", f[i]), ("m", m[i])];
        let subject = Subject {
            rfm: cells
                .iter()
                .map(|(n, v)| (*n, Value::Number(*v as f64)))
                .collect(),
            ..Subject::default()
        };
        let segment = rules
            .rfm
            .segments
            .iter()
            .find(|s| s.when.holds(|n| subject.value(n)))
            .map(|s| s.name.clone())
            .unwrap_or_default();
        *segments.entry(segment.clone()).or_insert(0) += 1;
        let h = &histories[i];
        let expected = model.map(|mdl| mdl.expected_purchases(h, weeks(horizon_days as f64)));
        let value = match (expected, spend_model) {
            (Some(e), Some(g)) => Some(e * g.expected_spend(h.x, repeat_mean[i])),
            (Some(e), None) => Some(e * monetary[i] / frequency[i]),
            _ => None,
        };
        accounts.push(AccountRfm {
            account: keys[i].to_string(),
            recency_days: recency[i] as i64,
            frequency: frequency[i] as u64,
            monetary: monetary[i],
            r: r[i],
            f: f[i],
            m: m[i],
            segment,
            p_alive: model.map(|mdl| mdl.p_alive(h)),
            expected_purchases: expected,
            expected_value: value,
        });
    }
    accounts.sort_by(|a, b| {
        b.expected_value
            .unwrap_or(0.0)
            .total_cmp(&a.expected_value.unwrap_or(0.0))
            .then(b.monetary.total_cmp(&a.monetary))
            .then_with(|| a.account.cmp(&b.account))
    });
    Ok(RfmReport {
        as_of: as_of.to_string(),
        horizon_days,
        source,
        accounts,
        model,
        spend: spend_model,
        segments,
    })
}

/// The dataset purchases are read from.
fn source_table<'a>(
    src: &'a Sources,
    names: &[String],
    rules: &Rules,
    opts: &Options,
) -> Result<&'a Table> {
    let candidates = [
        &src.named,
        &src.transactions,
        &src.opportunities,
        &src.accounts,
        &src.leads,
    ];
    match &opts.from {
        Some(name) => candidates
            .iter()
            .filter_map(|t| t.as_ref())
            .find(|t| &t.dataset == name)
            .ok_or_else(|| {
                let hint = crate::suggestion::did_you_mean(name, names.iter().map(String::as_str));
                Error::Usage(format!(
                    "`--from {name}`: no such dataset{hint} (ingested: {})",
                    names.join(", ")
                ))
            }),
        None => src
            .transactions
            .as_ref()
            .or(src.opportunities.as_ref())
            .ok_or_else(|| {
                Error::Input(format!(
                    "no purchases to score: no dataset named {} or {} is ingested\n  hint: name one with `--from DATASET --account COL --date COL --amount COL`",
                    rules.datasets.transactions.join(", "),
                    rules.datasets.opportunities.join(", ")
                ))
            }),
    }
}

/// A column named by a flag: its ingested name or its header as written.
fn column_named(table: &Table, name: &str) -> Result<usize> {
    let wanted = crate::intake::names::identifier(name);
    table
        .columns
        .iter()
        .position(|c| c == name || *c == wanted)
        .ok_or_else(|| {
            let hint =
                crate::suggestion::did_you_mean(&wanted, table.columns.iter().map(String::as_str));
            Error::Usage(format!(
                "dataset `{}` has no column `{name}`{hint} (columns: {})",
                table.dataset,
                table.columns.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_share_ties_and_rank_both_ways() {
        let v = [10.0, 20.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0];
        assert_eq!(quintiles(&v, true), [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]);
        // Lower is better (recency): the smallest value scores 5.
        assert_eq!(quintiles(&v, false), [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(quintiles(&[7.0; 4], true), [1; 4]);
        assert_eq!(quintiles(&[7.0; 4], false), [1; 4]);
        assert!(quintiles(&[], true).is_empty());
    }
}
