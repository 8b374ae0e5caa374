//! Lead scoring (playbook steps 3 and 4): points from fit, behaviour and the account's RFM,
//! decay, MQL and SQL, the funnel they produce, and weights learnt from history (`--fit`).

use std::collections::HashMap;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::file::{PointKind, Rules};
use super::logistic;
use super::records::{self, ACCOUNT_FACTS, AccountFacts, Sources, Subject};
use super::rfm::AccountRfm;
use crate::error::{Error, Result};
use crate::playbook::evidence::Value;

/// The computed names a lead offers.
pub const LEAD_FACTS: [&str; 4] = [
    "score",
    "activities",
    "days_since_activity",
    "days_since_created",
];

/// One lead's score and where it stands.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LeadScore {
    pub lead: String,
    pub account: Option<String>,
    pub score: f64,
    pub fit: f64,
    pub behaviour: f64,
    pub rfm: f64,
    pub mql: bool,
    pub sql: bool,
    /// The furthest funnel stage reached: lead, mql, sql, opportunity, won.
    pub stage: String,
    /// The rules that gave points.
    pub reasons: Vec<String>,
}

/// One funnel stage: how many leads reached it and the share of the stage before.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FunnelStage {
    pub stage: String,
    pub count: u64,
    pub conversion: Option<f64>,
}

/// A learnt weight, explained.
#[derive(Clone, Debug, Serialize)]
pub struct Weight {
    pub rule: String,
    pub hand_points: f64,
    pub weight: f64,
    /// How the odds of converting change when the rule holds (e^weight).
    pub odds_ratio: f64,
    pub explanation: String,
}

/// What `--fit` learnt and how well both scorings rank held-out leads.
#[derive(Clone, Debug, Serialize)]
pub struct Fitted {
    pub trained_on: u64,
    pub held_out: u64,
    pub converted_share: f64,
    pub intercept: f64,
    pub weights: Vec<Weight>,
    pub auc_fitted: Option<f64>,
    pub auc_hand_set: Option<f64>,
}

/// The whole result.
#[derive(Clone, Debug, Serialize)]
pub struct LeadReport {
    pub as_of: String,
    pub dataset: String,
    pub leads: Vec<LeadScore>,
    pub funnel: Vec<FunnelStage>,
    pub fit: Option<Fitted>,
}

/// Scores every lead; `rfm` holds the accounts' RFM (empty when there are no purchases).
pub fn run(
    src: &Sources,
    rules: &Rules,
    accounts: &[AccountFacts],
    rfm: &[AccountRfm],
    as_of: NaiveDate,
    learn: bool,
) -> Result<LeadReport> {
    let leads = src.leads.as_ref().ok_or_else(|| {
        Error::Input(format!(
            "no leads dataset is ingested (looked for {})\n  hint: ingest one, or add its name to `datasets.leads` in rules.yaml",
            rules.datasets.leads.join(", ")
        ))
    })?;
    let accounts_table = src.accounts(rules)?;
    let id_col = leads.role(rules, "lead_id");
    let account_col = leads.role(rules, "account_id");
    let created = leads.role(rules, "created");
    let by_account: HashMap<&str, &AccountFacts> =
        accounts.iter().map(|f| (f.id.as_str(), f)).collect();
    let rfm_by: HashMap<&str, &AccountRfm> = rfm.iter().map(|a| (a.account.as_str(), a)).collect();
    // Activities per lead.
    let mut touches: HashMap<&str, (f64, Option<f64>)> = HashMap::new();
    if let Some(act) = &src.activities
        && let Some(who) = act.role(rules, "lead_id")
    {
        let when = act.role(rules, "activity_date");
        for row in 0..act.rows.len() {
            let Some(id) = act.get(row, Some(who)) else {
                continue;
            };
            let day = records::date(act.get(row, when)).map(|d| records::days_between(d, as_of));
            let t = touches.entry(id).or_insert((0.0, None));
            t.0 += 1.0;
            if let Some(d) = day {
                t.1 = Some(t.1.map_or(d, |x: f64| x.min(d)));
            }
        }
    }
    let empty = AccountFacts::default();
    let known: Vec<String> = records::known_names("lead", Some(leads), rules, &LEAD_FACTS)
        .into_iter()
        .chain(records::known_names(
            "account",
            Some(accounts_table),
            rules,
            &ACCOUNT_FACTS,
        ))
        .chain(RFM_NAMES.iter().map(|n| format!("rfm.{n}")))
        .collect();
    let mut scored = Vec::with_capacity(leads.rows.len());
    let mut features: Vec<Vec<f64>> = Vec::with_capacity(leads.rows.len());
    let mut converted: Vec<bool> = Vec::with_capacity(leads.rows.len());
    for row in 0..leads.rows.len() {
        let id = leads
            .get(row, id_col)
            .map(str::to_string)
            .unwrap_or_else(|| format!("row {}", row + 1));
        let account = leads.get(row, account_col);
        let facts = account.and_then(|a| by_account.get(a).copied());
        let (activities, last) = touches.get(id.as_str()).copied().unwrap_or((0.0, None));
        let mut subject = Subject {
            rules: Some(rules),
            account: Some((accounts_table, facts.unwrap_or(&empty))),
            lead: Some((leads, row)),
            lead_facts: vec![
                ("activities", Some(activities)),
                ("days_since_activity", last),
                (
                    "days_since_created",
                    records::date(leads.get(row, created)).map(|d| records::days_between(d, as_of)),
                ),
            ],
            rfm: account
                .and_then(|a| rfm_by.get(a))
                .map(|r| rfm_values(r))
                .unwrap_or_default(),
            ..Subject::default()
        };
        if facts.is_none() {
            // A lead without a known account has no account values at all.
            subject.account = None;
        }
        if row == 0 {
            let probe = Subject {
                account: Some((accounts_table, &empty)),
                rfm: RFM_NAMES.iter().map(|n| (*n, Value::Number(0.0))).collect(),
                lead_facts: subject
                    .lead_facts
                    .iter()
                    .copied()
                    .chain([("score", Some(0.0))])
                    .collect(),
                rules: Some(rules),
                lead: subject.lead,
                user: None,
            };
            for p in &rules.leads.points {
                probe.check(&p.when, &format!("lead points rule `{}`", p.name), &known)?;
            }
            for (name, c) in [
                ("mql", &rules.leads.mql),
                ("sql", &rules.leads.sql),
                ("opportunity", &rules.leads.opportunity),
                ("won", &rules.leads.won),
                ("converted", &rules.leads.converted),
            ] {
                probe.check(c, &format!("leads `{name}`"), &known)?;
            }
        }
        let decay = 0.5f64.powf(last.unwrap_or(0.0).max(0.0) / rules.leads.half_life_days);
        let mut s = LeadScore {
            lead: id,
            account: account.map(str::to_string),
            score: 0.0,
            fit: 0.0,
            behaviour: 0.0,
            rfm: 0.0,
            mql: false,
            sql: false,
            stage: "lead".into(),
            reasons: Vec::new(),
        };
        let mut x = Vec::with_capacity(rules.leads.points.len());
        for p in &rules.leads.points {
            let holds = p.when.holds(|n| subject.value(n));
            let factor = if p.decay { decay } else { 1.0 };
            x.push(if holds { factor } else { 0.0 });
            if holds {
                let pts = p.points * factor;
                match p.kind {
                    PointKind::Fit => s.fit += pts,
                    PointKind::Behaviour => s.behaviour += pts,
                    PointKind::Rfm => s.rfm += pts,
                }
                s.reasons.push(p.name.clone());
            }
        }
        s.score = round2(s.fit + s.behaviour + s.rfm);
        subject.lead_facts.push(("score", Some(s.score)));
        let value = |n: &str| subject.value(n);
        s.mql = rules.leads.mql.holds(value);
        s.sql = s.mql && rules.leads.sql.holds(value);
        let opportunity = s.sql && rules.leads.opportunity.holds(value);
        let won = opportunity && rules.leads.won.holds(value);
        s.stage = match (s.mql, s.sql, opportunity, won) {
            (_, _, _, true) => "won",
            (_, _, true, _) => "opportunity",
            (_, true, _, _) => "sql",
            (true, _, _, _) => "mql",
            _ => "lead",
        }
        .into();
        converted.push(rules.leads.converted.holds(value));
        features.push(x);
        scored.push(s);
    }
    let funnel = funnel(&scored);
    let fit = learn.then(|| fit(rules, &scored, &features, &converted));
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.lead.cmp(&b.lead))
    });
    Ok(LeadReport {
        as_of: as_of.to_string(),
        dataset: leads.dataset.clone(),
        leads: scored,
        funnel,
        fit,
    })
}

/// RFM names a lead rule can read about its account.
const RFM_NAMES: [&str; 10] = [
    "r",
    "f",
    "m",
    "segment",
    "recency_days",
    "frequency",
    "monetary",
    "p_alive",
    "expected_purchases",
    "expected_value",
];

fn rfm_values(a: &AccountRfm) -> Vec<(&'static str, Value)> {
    let mut v = vec![
        ("r", Value::Number(a.r as f64)),
        ("f", Value::Number(a.f as f64)),
        ("m", Value::Number(a.m as f64)),
        ("segment", Value::Text(a.segment.clone())),
        ("recency_days", Value::Number(a.recency_days as f64)),
        ("frequency", Value::Number(a.frequency as f64)),
        ("monetary", Value::Number(a.monetary)),
    ];
    for (n, x) in [
        ("p_alive", a.p_alive),
        ("expected_purchases", a.expected_purchases),
        ("expected_value", a.expected_value),
    ] {
        if let Some(x) = x {
            v.push((n, Value::Number(x)));
        }
    }
    v
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Counts per stage, each stage a subset of the one before.
fn funnel(leads: &[LeadScore]) -> Vec<FunnelStage> {
    let order = ["lead", "mql", "sql", "opportunity", "won"];
    let reached = |stage: usize| {
        leads
            .iter()
            .filter(|l| order.iter().position(|s| *s == l.stage).unwrap_or(0) >= stage)
            .count() as u64
    };
    let mut out: Vec<FunnelStage> = Vec::new();
    for (i, stage) in order.iter().enumerate() {
        let count = reached(i);
        let conversion = out
            .last()
            .and_then(|p| (p.count > 0).then(|| count as f64 / p.count as f64));
        out.push(FunnelStage {
            stage: stage.to_string(),
            count,
            conversion,
        });
    }
    out
}

/// Learns one weight per points rule on a random part of the history and measures both
/// scorings' AUC on the rest.
fn fit(rules: &Rules, scored: &[LeadScore], xs: &[Vec<f64>], ys: &[bool]) -> Fitted {
    let settings = &rules.leads.fit;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(settings.seed));
    let held = ((xs.len() as f64) * settings.holdout).round() as usize;
    let (test, train) = order.split_at(held.min(order.len()));
    let pick_x = |idx: &[usize]| idx.iter().map(|&i| xs[i].clone()).collect::<Vec<_>>();
    let pick_y = |idx: &[usize]| idx.iter().map(|&i| ys[i]).collect::<Vec<_>>();
    let model = logistic::fit(&pick_x(train), &pick_y(train), settings.l2);
    let test_y = pick_y(test);
    let fitted: Vec<f64> = test.iter().map(|&i| model.predict(&xs[i])).collect();
    let hand: Vec<f64> = test.iter().map(|&i| scored[i].score).collect();
    let weights = rules
        .leads
        .points
        .iter()
        .zip(&model.weights)
        .map(|(p, &w)| {
            let odds = w.exp();
            Weight {
                rule: p.name.clone(),
                hand_points: p.points,
                weight: w,
                odds_ratio: odds,
                explanation: if (odds - 1.0).abs() < 0.05 {
                    format!("`{}` makes no real difference to converting", p.name)
                } else if odds > 1.0 {
                    format!(
                        "leads where `{}` holds convert at {odds:.2}x the odds",
                        p.name
                    )
                } else {
                    format!(
                        "leads where `{}` holds convert at {odds:.2}x the odds: it counts against",
                        p.name
                    )
                },
            }
        })
        .collect();
    Fitted {
        trained_on: train.len() as u64,
        held_out: test.len() as u64,
        converted_share: ys.iter().filter(|y| **y).count() as f64 / ys.len().max(1) as f64,
        intercept: model.intercept,
        weights,
        auc_fitted: logistic::auc(&fitted, &test_y),
        auc_hand_set: logistic::auc(&hand, &test_y),
    }
}
