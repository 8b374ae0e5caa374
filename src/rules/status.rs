//! Account status (active, dormant, dead, or whatever `status` in rules.yaml names): the first
//! status rule that holds for an account's facts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::file::Rules;
use super::records::{self, ACCOUNT_FACTS, AccountFacts, Sources, Subject};
use crate::error::Result;

/// One account's status and the facts that decided it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AccountStatus {
    pub account: String,
    pub status: String,
    pub days_since_activity: Option<f64>,
    pub open_opportunities: f64,
    pub days_since_last_win: Option<f64>,
}

/// Status of every account.
#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub as_of: String,
    pub dataset: String,
    /// Count per status, in the order the rules name them.
    pub counts: BTreeMap<String, u64>,
    pub accounts: Vec<AccountStatus>,
}

/// Computes the facts of every account and sets each one's status.
pub fn classify(
    src: &Sources,
    rules: &Rules,
    as_of: NaiveDate,
) -> Result<(Vec<AccountFacts>, StatusReport)> {
    let table = src.accounts(rules)?;
    let mut facts = records::account_facts(src, rules, as_of)?;
    let known = records::known_names("account", Some(table), rules, &ACCOUNT_FACTS);
    if let Some(first) = facts.first() {
        let subject = Subject {
            rules: Some(rules),
            account: Some((table, first)),
            ..Subject::default()
        };
        for r in &rules.status.rules {
            subject.check(&r.when, &format!("status rule `{}`", r.status), &known)?;
        }
    }
    let mut counts = BTreeMap::new();
    for r in &rules.status.rules {
        counts.insert(r.status.clone(), 0);
    }
    counts.insert(rules.status.otherwise.clone(), 0);
    let mut accounts = Vec::with_capacity(facts.len());
    for f in facts.iter_mut() {
        let status = {
            let subject = Subject {
                rules: Some(rules),
                account: Some((table, f)),
                ..Subject::default()
            };
            rules
                .status
                .rules
                .iter()
                .find(|r| r.when.holds(|n| subject.value(n)))
                .map_or(&rules.status.otherwise, |r| &r.status)
                .clone()
        };
        *counts.entry(status.clone()).or_insert(0) += 1;
        accounts.push(AccountStatus {
            account: f.id.clone(),
            status: status.clone(),
            days_since_activity: f.days_since_activity,
            open_opportunities: f.open_opportunities,
            days_since_last_win: f.days_since_last_win,
        });
        f.status = Some(status);
    }
    Ok((
        facts,
        StatusReport {
            as_of: as_of.to_string(),
            dataset: table.dataset.clone(),
            counts,
            accounts,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::records::Table;

    fn table(dataset: &str, header: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            dataset: dataset.into(),
            columns: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| Some(c.to_string())).collect())
                .collect(),
            bound: Vec::new(),
        }
    }

    #[test]
    fn default_rules_follow_the_playbook() {
        let rules = Rules::builtin().unwrap();
        let src = Sources {
            accounts: Some(table(
                "accounts",
                &["account_id", "last_activity"],
                &[
                    &["A1", "2025-06-01"], // recent: active
                    &["A2", "2020-01-01"], // stale, open deal: dormant
                    &["A3", "2020-01-01"], // stale, recent win: dormant
                    &["A4", "2020-01-01"], // stale, old win only: dead
                    &["A5", ""],           // no activity at all: dead
                ],
            )),
            opportunities: Some(table(
                "opportunities",
                &["account_id", "stage", "amount", "close_date"],
                &[
                    &["A2", "Prospecting", "100", "01/05/2026"],
                    &["A3", "Closed Won", "100", "12/01/2024"],
                    &["A4", "Closed Won", "100", "12/01/2020"],
                    &["A4", "Closed Lost", "100", "12/01/2024"],
                ],
            )),
            ..Sources::default()
        };
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let (_, report) = classify(&src, &rules, as_of).unwrap();
        let got: Vec<(&str, &str)> = report
            .accounts
            .iter()
            .map(|a| (a.account.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("A1", "active"),
                ("A2", "dormant"),
                ("A3", "dormant"),
                ("A4", "dead"),
                ("A5", "dead")
            ]
        );
        assert_eq!(report.counts["dead"], 2);
    }

    #[test]
    fn a_misspelt_field_is_named_with_a_suggestion() {
        let text = crate::rules::file::BUILTIN.replace(
            "account.open_opportunities > 0",
            "account.open_oportunities > 0",
        );
        let rules = Rules::parse(&text, std::path::Path::new("r.yaml")).unwrap();
        let src = Sources {
            accounts: Some(table("accounts", &["account_id"], &[&["A1"]])),
            ..Sources::default()
        };
        let err = classify(&src, &rules, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`account.open_oportunities`"), "{err}");
        assert!(
            err.contains("did you mean `account.open_opportunities`?"),
            "{err}"
        );
    }
}
