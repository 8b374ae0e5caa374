//! The datasets the rules read (accounts, opportunities, transactions, activities, leads,
//! users), per-account facts computed from them, and the values one record offers a condition.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::condition::Condition;
use super::file::Rules;
use crate::error::{Error, Result};
use crate::playbook::evidence::Value;
use crate::staging::Db;

/// One ingested dataset in memory: its column names and every row's cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub dataset: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Roles a caller has already bound to columns (profile's detected keys, references and
    /// activity columns); they win over the names in rules.yaml.
    pub bound: Vec<(&'static str, usize)>,
}

impl Table {
    /// Reads a whole dataset.
    pub fn load(db: &Db, dataset: &str) -> Result<Table> {
        let columns: Vec<String> = db
            .source_columns(dataset)?
            .into_iter()
            .map(|c| c.column)
            .collect();
        let mut rows = Vec::new();
        db.scan(dataset, &columns, None, |row| {
            rows.push(row.to_vec());
            Ok(())
        })?;
        Ok(Table {
            dataset: dataset.to_string(),
            columns,
            rows,
            bound: Vec::new(),
        })
    }

    /// Every column bound to `role`, in order.
    fn bound<'a>(&'a self, role: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.bound
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, c)| *c)
    }

    /// A cell, trimmed; None when blank.
    pub fn get(&self, row: usize, column: Option<usize>) -> Option<&str> {
        let v = self.rows.get(row)?.get(column?)?.as_deref()?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// The column that fills `role` (or is named so), as the rules file says.
    pub fn role(&self, rules: &Rules, role: &str) -> Option<usize> {
        self.bound(role)
            .next()
            .or_else(|| rules.column(&self.columns, role))
    }

    /// The column for `role`, or an input error naming the dataset and what to do.
    pub fn require(&self, rules: &Rules, role: &str) -> Result<usize> {
        self.role(rules, role).ok_or_else(|| {
            let names = rules.columns.get(role).cloned().unwrap_or_default();
            Error::Input(format!(
                "dataset `{}` has no {role} column (looked for {}; it has {})\n  hint: name the column with a flag, or add its name to `columns.{role}` in rules.yaml",
                self.dataset,
                names.join(", "),
                self.columns.join(", ")
            ))
        })
    }
}

/// The datasets in play, each found by name (see `datasets` in rules.yaml).
#[derive(Debug, Default)]
pub struct Sources {
    pub accounts: Option<Table>,
    pub opportunities: Option<Table>,
    pub transactions: Option<Table>,
    pub activities: Option<Table>,
    pub leads: Option<Table>,
    pub users: Option<Table>,
    /// A dataset named on the command line (`score rfm --from`).
    pub named: Option<Table>,
}

impl Sources {
    /// Loads whichever of the datasets are ingested.
    pub fn load(db: &Db, rules: &Rules) -> Result<Sources> {
        let present = db.dataset_names()?;
        let get = |names: &[String]| -> Result<Option<Table>> {
            Rules::dataset(names, &present)
                .map(|n| Table::load(db, n))
                .transpose()
        };
        let d = &rules.datasets;
        Ok(Sources {
            accounts: get(&d.accounts)?,
            opportunities: get(&d.opportunities)?,
            transactions: get(&d.transactions)?,
            activities: get(&d.activities)?,
            leads: get(&d.leads)?,
            users: get(&d.users)?,
            named: None,
        })
    }

    /// The accounts dataset, or an input error saying how to provide one.
    pub fn accounts(&self, rules: &Rules) -> Result<&Table> {
        self.accounts.as_ref().ok_or_else(|| {
            Error::Input(format!(
                "no accounts dataset is ingested (looked for {})\n  hint: `crmkit ingest accounts.csv`, or add the dataset's name to `datasets.accounts` in rules.yaml",
                rules.datasets.accounts.join(", ")
            ))
        })
    }
}

/// A date cell, in any common format.
pub fn date(value: Option<&str>) -> Option<NaiveDate> {
    crate::values::date::any_date(value?)
}

/// A number cell (`1,200`, `$1.2M` read as numbers).
pub fn number(value: Option<&str>) -> Option<f64> {
    Value::Text(value?.to_string()).number()
}

/// What the rules know about one account beyond its own columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountFacts {
    pub id: String,
    pub row: usize,
    pub days_since_activity: Option<f64>,
    pub opportunities: f64,
    pub open_opportunities: f64,
    pub open_pipeline: f64,
    pub won_opportunities: f64,
    pub won_amount: f64,
    pub days_since_last_win: Option<f64>,
    pub activities: f64,
    pub days_since_last_touch: Option<f64>,
    pub country_code: Option<String>,
    pub status: Option<String>,
}

/// The computed names an account offers, for help and "did you mean".
pub const ACCOUNT_FACTS: [&str; 11] = [
    "days_since_activity",
    "opportunities",
    "open_opportunities",
    "open_pipeline",
    "won_opportunities",
    "won_amount",
    "days_since_last_win",
    "activities",
    "days_since_last_touch",
    "country_code",
    "status",
];

impl AccountFacts {
    fn get(&self, name: &str) -> Option<Option<Value>> {
        let n = |v: f64| Some(Value::Number(v));
        Some(match name {
            "days_since_activity" => self.days_since_activity.map(Value::Number),
            "opportunities" => n(self.opportunities),
            "open_opportunities" => n(self.open_opportunities),
            "open_pipeline" => n(self.open_pipeline),
            "won_opportunities" => n(self.won_opportunities),
            "won_amount" => n(self.won_amount),
            "days_since_last_win" => self.days_since_last_win.map(Value::Number),
            "activities" => n(self.activities),
            "days_since_last_touch" => self.days_since_last_touch.map(Value::Number),
            "country_code" => self.country_code.clone().map(Value::Text),
            "status" => self.status.clone().map(Value::Text),
            _ => return None,
        })
    }
}

/// Days from `day` to `as_of` (negative for a future day).
pub fn days_between(day: NaiveDate, as_of: NaiveDate) -> f64 {
    (as_of - day).num_days() as f64
}

/// Facts for every account row, from the accounts' own columns, their opportunities and
/// their activities. Opportunity stages are read the way `profile` reads them.
pub fn account_facts(src: &Sources, rules: &Rules, as_of: NaiveDate) -> Result<Vec<AccountFacts>> {
    use crate::profile::staleness::{is_closed, is_won};
    let accounts = src.accounts(rules)?;
    let id_col = accounts.require(rules, "account_id")?;
    let mut activity_cols: Vec<usize> = accounts.bound("last_activity").collect();
    if activity_cols.is_empty() {
        activity_cols = rules
            .columns
            .get("last_activity")
            .into_iter()
            .flatten()
            .filter_map(|n| accounts.columns.iter().position(|c| c == n))
            .collect();
    }
    let country = accounts.role(rules, "country");
    let mut facts: Vec<AccountFacts> = (0..accounts.rows.len())
        .map(|row| AccountFacts {
            id: accounts
                .get(row, Some(id_col))
                .map(str::to_string)
                .unwrap_or_else(|| format!("row {}", row + 1)),
            row,
            days_since_activity: activity_cols
                .iter()
                .filter_map(|&c| date(accounts.get(row, Some(c))))
                .max()
                .map(|d| days_between(d, as_of)),
            country_code: accounts
                .get(row, country)
                .and_then(crate::values::country::code)
                .map(str::to_string),
            ..AccountFacts::default()
        })
        .collect();
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        by_id.entry(f.id.clone()).or_default().push(i);
    }
    if let Some(opp) = &src.opportunities {
        let account = opp.require(rules, "account_id")?;
        let stage = opp.require(rules, "stage")?;
        let amount = opp.role(rules, "amount");
        let close = opp.role(rules, "date");
        for row in 0..opp.rows.len() {
            let Some(targets) = opp.get(row, Some(account)).and_then(|a| by_id.get(a)) else {
                continue;
            };
            let stage = opp.get(row, Some(stage)).unwrap_or("");
            let value = number(opp.get(row, amount)).unwrap_or(0.0);
            let closed_on = date(opp.get(row, close));
            for &i in targets {
                let f = &mut facts[i];
                f.opportunities += 1.0;
                if !is_closed(stage) {
                    f.open_opportunities += 1.0;
                    f.open_pipeline += value;
                } else if is_won(stage) {
                    f.won_opportunities += 1.0;
                    f.won_amount += value;
                    if let Some(d) = closed_on {
                        let days = days_between(d, as_of);
                        f.days_since_last_win =
                            Some(f.days_since_last_win.map_or(days, |x| x.min(days)));
                    }
                }
            }
        }
    }
    if let Some(act) = &src.activities
        && let Some(account) = act.role(rules, "account_id")
    {
        let when = act.role(rules, "activity_date");
        for row in 0..act.rows.len() {
            let Some(targets) = act.get(row, Some(account)).and_then(|a| by_id.get(a)) else {
                continue;
            };
            let day = date(act.get(row, when)).map(|d| days_between(d, as_of));
            for &i in targets {
                let f = &mut facts[i];
                f.activities += 1.0;
                if let Some(d) = day {
                    f.days_since_last_touch = Some(f.days_since_last_touch.map_or(d, |x| x.min(d)));
                }
            }
        }
    }
    Ok(facts)
}

/// What a condition may read about one subject: an account, a lead, a user, RFM scores.
#[derive(Default)]
pub struct Subject<'a> {
    pub rules: Option<&'a Rules>,
    pub account: Option<(&'a Table, &'a AccountFacts)>,
    pub lead: Option<(&'a Table, usize)>,
    /// Computed lead values (`lead.score`, `lead.activities`, ...).
    pub lead_facts: Vec<(&'static str, Option<f64>)>,
    pub user: Option<(&'a Table, usize)>,
    /// RFM values by name (`r`, `f`, `m`, `segment`, ...).
    pub rfm: Vec<(&'static str, Value)>,
}

impl Subject<'_> {
    /// The value of `scope.field`; None when it is blank or unknown.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.lookup(name).flatten()
    }

    /// Some(value) when the name is known (even if blank here), None when unknown.
    fn lookup(&self, name: &str) -> Option<Option<Value>> {
        let (scope, field) = name.split_once('.')?;
        let cell = |t: &Table, row: usize| -> Option<Option<Value>> {
            let col = self.rules?.column(&t.columns, field)?;
            Some(t.get(row, Some(col)).map(|v| Value::Text(v.to_string())))
        };
        match scope {
            "account" => {
                let (t, f) = self.account?;
                f.get(field).or_else(|| cell(t, f.row))
            }
            "lead" => {
                if let Some((_, v)) = self.lead_facts.iter().find(|(n, _)| *n == field) {
                    return Some(v.map(Value::Number));
                }
                let (t, row) = self.lead?;
                cell(t, row)
            }
            "user" => {
                let (t, row) = self.user?;
                cell(t, row)
            }
            "status" => match field {
                "stale_after_days" => Some(
                    self.rules
                        .map(|r| Value::Number(f64::from(r.status.stale_after_days))),
                ),
                _ => None,
            },
            "rfm" => Some(
                self.rfm
                    .iter()
                    .find(|(n, _)| *n == field)
                    .map(|(_, v)| v.clone()),
            ),
            _ => None,
        }
    }

    /// An error for the first name in `condition` this subject does not know at all, with
    /// the closest known name. `what` says which rule reads it.
    pub fn check(&self, condition: &Condition, what: &str, known: &[String]) -> Result<()> {
        for name in condition.names() {
            if self.lookup(name).is_none() {
                let hint = crate::suggestion::did_you_mean(name, known.iter().map(String::as_str));
                return Err(Error::Input(format!(
                    "rules.yaml: {what} reads `{name}`, which no dataset provides{hint}\n  hint: names are a column's ingested name or a role under `columns`; `crmkit score --help` lists computed names"
                )));
            }
        }
        Ok(())
    }
}

/// Every name `scope.` offers from a table and the rules' roles, for "did you mean".
pub fn known_names(
    scope: &str,
    table: Option<&Table>,
    rules: &Rules,
    extra: &[&str],
) -> Vec<String> {
    let mut out: Vec<String> = extra.iter().map(|e| format!("{scope}.{e}")).collect();
    out.push("status.stale_after_days".to_string());
    if let Some(t) = table {
        out.extend(t.columns.iter().map(|c| format!("{scope}.{c}")));
        out.extend(
            rules
                .columns
                .keys()
                .filter(|r| rules.column(&t.columns, r).is_some())
                .map(|r| format!("{scope}.{r}")),
        );
    }
    out
}
