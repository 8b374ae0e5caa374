//! `crmkit score` and `crmkit assign` on the bundled samples: statuses, RFM scores and
//! segments recomputed here from the CSV files, independently of crmkit's code.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::Value;

use crate::util::{Env, sample};

const AS_OF: &str = "2025-06-30";

fn as_of() -> NaiveDate {
    NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap()
}

/// A workspace with the bundled samples ingested.
fn samples_workspace() -> Env {
    let env = Env::workspace();
    let files: Vec<String> = [
        "accounts.csv",
        "opportunities.csv",
        "activities.csv",
        "contacts.csv",
        "users.csv",
    ]
    .iter()
    .map(|f| sample(f).display().to_string())
    .collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    env.run_ws(&args).ok();
    env
}

/// Rows of a bundled sample as header -> value maps.
fn rows(file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(sample(file)).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(|v| v.trim().to_string()))
                .collect()
        })
        .collect()
}

/// The samples' amounts: `1,200`, `$2,500.00`, `135.3k`, `2.5M`.
fn amount(text: &str) -> Option<f64> {
    let t = text.replace(['$', ','], "");
    let (body, scale) = if let Some(b) = t.strip_suffix('k') {
        (b, 1e3)
    } else if let Some(b) = t.strip_suffix('M') {
        (b, 1e6)
    } else {
        (t.as_str(), 1.0)
    };
    body.parse::<f64>().ok().map(|v| v * scale)
}

/// Close dates are MM/DD/YYYY in the samples.
fn close_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%m/%d/%Y").ok()
}

#[test]
fn status_follows_the_playbook_on_the_samples() {
    let env = samples_workspace();
    let doc = env
        .run_ws(&["score", "status", "--as-of", AS_OF, "--json"])
        .ok()
        .json();
    // Expected: stale when Last Activity is blank or more than 730 days old; dormant when
    // stale with an open deal or a win closing in the window; dead otherwise.
    let cutoff = as_of() - chrono::Duration::days(730);
    let opps = rows("opportunities.csv");
    let mut expected = BTreeMap::new();
    for a in rows("accounts.csv") {
        let id = a["Account ID"].clone();
        let recent =
            NaiveDate::parse_from_str(&a["Last Activity"], "%Y-%m-%d").is_ok_and(|d| d >= cutoff);
        let mine = opps.iter().filter(|o| o["Account ID"] == id);
        let pipeline = mine.clone().any(|o| {
            let s = o["Stage"].to_lowercase();
            !(s.contains("closed") || s == "won" || s == "lost")
        }) || mine.clone().any(|o| {
            o["Stage"] == "Closed Won" && close_date(&o["Close Date"]).is_some_and(|d| d >= cutoff)
        });
        let status = match (recent, pipeline) {
            (true, _) => "active",
            (false, true) => "dormant",
            (false, false) => "dead",
        };
        expected.insert(id, status.to_string());
    }
    let got: BTreeMap<String, String> = doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // And the generator's own list of dead accounts agrees.
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("truth.json")).unwrap()).unwrap();
    let dead: BTreeSet<&str> = truth["dead_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let got_dead: BTreeSet<&str> = got
        .iter()
        .filter(|(_, s)| *s == "dead")
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(got_dead, dead);
    assert_eq!(doc["counts"]["dead"], dead.len());
    assert_eq!(
        env.count("SELECT count(*) FROM _scores WHERE name = 'status' AND text = 'dead'"),
        dead.len() as i64
    );
}

/// Scores 1-5: one more than five times the share of accounts strictly worse.
fn quintile(all: &[f64], v: f64, higher_is_better: bool) -> u64 {
    let worse = all
        .iter()
        .filter(|x| if higher_is_better { **x < v } else { **x > v })
        .count();
    ((1 + 5 * worse / all.len()) as u64).min(5)
}

fn segment(r: u64, f: u64) -> &'static str {
    match (r, f) {
        (4..=5, 4..=5) => "champions",
        (1, 4..=5) => "cannot lose",
        (1..=2, 3..=5) => "at risk",
        (3..=5, 3..=5) => "loyal",
        (4..=5, 1) => "new",
        (3..=5, _) => "potential",
        (2, _) => "hibernating",
        _ => "lost",
    }
}

#[test]
fn rfm_scores_and_segments_match_the_samples() {
    let env = samples_workspace();
    let doc = env
        .run_ws(&["score", "rfm", "--as-of", AS_OF, "--json"])
        .ok()
        .json();
    // Purchases: won deals closed by the as-of date; same-day deals are one purchase.
    let mut days: BTreeMap<String, BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    for o in rows("opportunities.csv") {
        let (Some(d), Some(v)) = (close_date(&o["Close Date"]), amount(&o["Amount"])) else {
            continue;
        };
        if o["Stage"] == "Closed Won" && d <= as_of() && !o["Account ID"].is_empty() {
            *days
                .entry(o["Account ID"].clone())
                .or_default()
                .entry(d)
                .or_insert(0.0) += v;
        }
    }
    let recency: Vec<f64> = days
        .values()
        .map(|d| (as_of() - *d.keys().last().unwrap()).num_days() as f64)
        .collect();
    let freq: Vec<f64> = days.values().map(|d| d.len() as f64).collect();
    let money: Vec<f64> = days.values().map(|d| d.values().sum()).collect();
    let got: BTreeMap<&str, &Value> = doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account"].as_str().unwrap(), a))
        .collect();
    assert_eq!(got.len(), days.len());
    for (i, id) in days.keys().enumerate() {
        let a = got[id.as_str()];
        let r = quintile(&recency, recency[i], false);
        let f = quintile(&freq, freq[i], true);
        let m = quintile(&money, money[i], true);
        assert_eq!(a["recency_days"], recency[i] as i64, "{id}");
        assert_eq!(a["frequency"], freq[i] as u64, "{id}");
        assert!(
            (a["monetary"].as_f64().unwrap() - money[i]).abs() < 1e-6,
            "{id}"
        );
        assert_eq!(
            (a["r"].as_u64(), a["f"].as_u64(), a["m"].as_u64()),
            (Some(r), Some(f), Some(m)),
            "{id}"
        );
        assert_eq!(a["segment"], segment(r, f), "{id}");
        let p = a["p_alive"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{id}: {p}");
    }
    // Ranked by expected value, best first; the model's parameters are reported.
    let values: Vec<f64> = doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["expected_value"].as_f64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]));
    for key in ["r", "alpha", "a", "b", "log_likelihood"] {
        assert!(doc["model"][key].is_number(), "model.{key}");
    }
    assert_eq!(
        env.count("SELECT count(*) FROM _scores WHERE name = 'rfm.segment'"),
        days.len() as i64
    );
}

#[test]
fn rfm_reads_a_named_dataset_and_columns() {
    let env = Env::workspace();
    let csv = "Customer,Invoice Date,Total\nc1,2025-01-05,100\nc1,2025-01-05,50\nc1,2025-03-01,20\nc2,2024-06-01,10\n";
    let file = env.write("billing.csv", csv);
    env.run_ws(&["ingest", &file.display().to_string()]).ok();
    let doc = env
        .run_ws(&[
            "score",
            "rfm",
            "--from",
            "billing",
            "--account",
            "Customer",
            "--date",
            "Invoice Date",
            "--amount",
            "total",
            "--as-of",
            AS_OF,
            "--json",
        ])
        .ok()
        .json();
    let c1 = doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "c1")
        .unwrap();
    // Two purchases on 5 January are one purchase worth 150.
    assert_eq!(c1["frequency"], 2);
    assert_eq!(c1["monetary"], 170.0);
    assert_eq!(c1["recency_days"], 121);
    let err = env
        .run_ws(&["score", "rfm", "--from", "biling", "--as-of", AS_OF])
        .fails(2)
        .stderr();
    assert!(err.contains("did you mean `billing`?"), "{err}");
}

#[test]
fn a_rules_file_with_an_unknown_field_is_named_with_a_suggestion() {
    let env = samples_workspace();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/rules.yaml"),
    )
    .unwrap();
    let dir = env.path().join("mine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rules.yaml"),
        text.replace("  otherwise: dead", "  otherwize: dead"),
    )
    .unwrap();
    let err = env
        .run_ws(&["score", "status", "--playbooks", &dir.display().to_string()])
        .fails(2)
        .stderr();
    assert!(err.contains("rules.yaml"), "{err}");
    assert!(err.contains("`otherwize`"), "{err}");
    assert!(err.contains("did you mean `otherwise`?"), "{err}");
    // A condition naming a field no dataset has.
    std::fs::write(
        dir.join("rules.yaml"),
        text.replace(
            "account.days_since_activity <= status.stale_after_days",
            "account.days_since_activty <= status.stale_after_days",
        ),
    )
    .unwrap();
    let err = env
        .run_ws(&["score", "status", "--playbooks", &dir.display().to_string()])
        .fails(2)
        .stderr();
    assert!(err.contains("`account.days_since_activty`"), "{err}");
    assert!(
        err.contains("did you mean `account.days_since_activity`?"),
        "{err}"
    );
}

/// Generated territory data: 30 UK accounts owned 20/4/2 by three active reps and 4 by an
/// inactive one, plus 2 accounts in a country no territory covers.
fn territory_workspace() -> Env {
    let env = Env::workspace();
    let mut accounts =
        String::from("Account ID,Account Name,Billing Country,Account Owner,Last Activity\n");
    let owners = |i: usize| match i {
        0..20 => "Ann Able",
        20..24 => "Bob Baker",
        24..26 => "Cy Cole",
        _ => "Dee Gone",
    };
    for i in 0..30 {
        accounts.push_str(&format!(
            "T-{i:03},Company {i},United Kingdom,{},2025-06-01\n",
            owners(i)
        ));
    }
    accounts
        .push_str("T-900,Far Away,Japan,Ann Able,2025-06-01\nT-901,Far Away 2,Japan,,2025-06-01\n");
    let users = "User ID,Full Name,Email,Role,Region,Active\n\
U1,Ann Able,ann@x.example,Sales Rep,UK & Ireland,true\n\
U2,Bob Baker,bob@x.example,Account Executive,UK & Ireland,true\n\
U3,Dee Gone,dee@x.example,Sales Rep,UK & Ireland,false\n\
U4,Cy Cole,cy@x.example,Sales Rep,UK & Ireland,true\n\
U5,Mo Market,mo@x.example,Marketing Manager,UK & Ireland,true\n";
    let a = env.write("accounts.csv", accounts);
    let u = env.write("users.csv", users);
    env.run_ws(&["ingest", &a.display().to_string(), &u.display().to_string()])
        .ok();
    env
}

fn owners_of(doc: &Value) -> BTreeMap<String, Option<String>> {
    doc["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap().to_string(),
                a["owner"].as_str().map(String::from),
            )
        })
        .collect()
}

#[test]
fn assign_spreads_a_territory_round_robin() {
    let env = territory_workspace();
    let doc = env
        .run_ws(&["assign", "--as-of", AS_OF, "--dry-run", "--json"])
        .ok()
        .json();
    // Reps: the active sales roles of the region, in the users file's order.
    let reps = ["Ann Able", "Bob Baker", "Cy Cole"];
    let got = owners_of(&doc);
    for i in 0..30 {
        assert_eq!(
            got[&format!("T-{i:03}")].as_deref(),
            Some(reps[i % 3]),
            "T-{i:03}"
        );
    }
    assert_eq!(got["T-900"], None);
    assert_eq!(got["T-901"], None);
    assert_eq!(doc["unassigned"], 2);
    assert_eq!(doc["inactive_owned"].as_array().unwrap().len(), 4);
    // No mapping has an owner map, so every assigned owner is reported without a target user.
    assert_eq!(doc["unmatched_owners"].as_array().unwrap().len(), 3);
    // A dry run stores nothing.
    assert_eq!(
        env.count("SELECT count(*) FROM _scores WHERE name LIKE 'assign.%'"),
        0
    );
}

#[test]
fn rebalance_moves_the_fewest_accounts_within_tolerance() {
    let env = territory_workspace();
    let doc = env
        .run_ws(&["assign", "--as-of", AS_OF, "--rebalance", "--json"])
        .ok()
        .json();
    let got = owners_of(&doc);
    let mut load: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..30 {
        let owner = got[&format!("T-{i:03}")].as_deref().unwrap();
        *load.entry(owner).or_default() += 1;
    }
    // Fair share 10 each; 20% tolerance allows 12.
    assert_eq!(load.len(), 3);
    assert!(load.values().all(|n| *n <= 12), "{load:?}");
    // The fewest moves: the inactive owner's 4, and 8 of Ann's 20 (down to 12).
    let moves = doc["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 12, "{moves:?}");
    let from_ann = moves.iter().filter(|m| m["from"] == "Ann Able").count();
    assert_eq!(from_ann, 8);
    assert_eq!(doc["within_tolerance"], true);
    // Bob's and Cy's accounts stay with them.
    for i in 20..26 {
        let id = format!("T-{i:03}");
        assert!(
            !moves.iter().any(|m| m["account"] == id.as_str()),
            "{id} moved"
        );
    }
    assert_eq!(
        env.count("SELECT count(*) FROM _scores WHERE name = 'assign.owner' AND text IS NOT NULL"),
        30
    );
}

#[test]
fn lead_points_decay_and_funnel_follow_the_rules() {
    let env = Env::workspace();
    let files = [
        (
            "accounts.csv",
            "Account ID,Account Name,Industry,Employees,Billing Country,Last Activity\n\
A1,Big Tech,Technology,200,Canada,2025-06-01\nA2,Small Shop,Retail,10,Canada,2025-06-01\n",
        ),
        (
            "opportunities.csv",
            "Opportunity ID,Account ID,Stage,Amount,Close Date\nO1,A1,Closed Won,1000,03/01/2025\n",
        ),
        (
            "contacts.csv",
            "Contact ID,Account ID,Title,Lead Source\nL1,A1,CEO,Web\nL2,A2,Clerk,Cold Call\nL3,A1,VP Sales,\n",
        ),
        (
            "activities.csv",
            "Activity ID,Account ID,Contact ID,Type,Date\nX1,A1,L1,Call,2025-06-20\nX2,A1,L3,Call,2024-05-26\n",
        ),
    ];
    let mut args = vec!["ingest".to_string()];
    for (name, text) in files {
        args.push(env.write(name, text).display().to_string());
    }
    env.run_ws(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let doc = env
        .run_ws(&["score", "leads", "--as-of", AS_OF, "--json"])
        .ok()
        .json();
    let score = |id: &str| {
        doc["leads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["lead"] == id)
            .unwrap()
            .clone()
    };
    // L1: senior title 20, size 10, industry 10, engaged 15 decayed over 10 days (half-life
    // 180), recently active 15, warm source 10. L3: manager 10, size 10, industry 10, engaged
    // 15 decayed over 400 days. L2: nothing.
    let decayed = |days: f64| 15.0 * 0.5f64.powf(days / 180.0);
    let l1 = 20.0 + 10.0 + 10.0 + decayed(10.0) + 15.0 + 10.0;
    let l3 = 10.0 + 10.0 + 10.0 + decayed(400.0);
    assert!((score("L1")["score"].as_f64().unwrap() - l1).abs() < 0.01);
    assert!((score("L3")["score"].as_f64().unwrap() - l3).abs() < 0.01);
    assert_eq!(score("L2")["score"], 0.0);
    assert_eq!(score("L1")["stage"], "won");
    assert_eq!(score("L3")["stage"], "mql");
    assert_eq!(score("L2")["stage"], "lead");
    let funnel: Vec<(String, u64)> = doc["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().into(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = [
        ("lead", 3),
        ("mql", 2),
        ("sql", 1),
        ("opportunity", 1),
        ("won", 1),
    ]
    .iter()
    .map(|(s, n)| (s.to_string(), *n))
    .collect();
    assert_eq!(funnel, want);
    assert_eq!(doc["funnel"][1]["conversion"].as_f64().unwrap(), 2.0 / 3.0);
}

#[test]
fn lead_weights_are_learnt_and_compared_on_held_out_leads() {
    let env = samples_workspace();
    let doc = env
        .run_ws(&["score", "leads", "--as-of", AS_OF, "--fit", "--json"])
        .ok()
        .json();
    let fit = &doc["fit"];
    let held = fit["held_out"].as_u64().unwrap();
    let total = doc["leads"].as_array().unwrap().len() as u64;
    // 30% held out, as rules.yaml says.
    assert_eq!(held, (total as f64 * 0.3).round() as u64);
    assert_eq!(fit["trained_on"].as_u64().unwrap() + held, total);
    assert_eq!(fit["weights"].as_array().unwrap().len(), 9);
    for key in ["auc_fitted", "auc_hand_set"] {
        let auc = fit[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{key} {auc}");
    }
    // Learnt weights rank held-out leads at least as well as the hand-set points they replace.
    assert!(fit["auc_fitted"].as_f64() >= fit["auc_hand_set"].as_f64());
}

#[test]
fn exported_rules_are_used_and_validated() {
    let env = samples_workspace();
    env.run_ws(&["playbook", "export"]).ok();
    let file = env.ws().join("playbooks/rules.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    // A stricter activity window: more accounts lose their active status.
    std::fs::write(
        &file,
        text.replace(
            "account.days_since_activity <= status.stale_after_days",
            "account.days_since_activity <= 30",
        ),
    )
    .unwrap();
    let doc = env
        .run_ws(&["score", "status", "--as-of", AS_OF, "--json"])
        .ok()
        .json();
    let cutoff = as_of() - chrono::Duration::days(30);
    let recent = rows("accounts.csv")
        .iter()
        .filter(|a| {
            NaiveDate::parse_from_str(&a["Last Activity"], "%Y-%m-%d").is_ok_and(|d| d >= cutoff)
        })
        .count();
    assert_eq!(doc["counts"]["active"], recent);
    std::fs::write(&file, text.replace("  tolerance: 0.2", "  tolerence: 0.2")).unwrap();
    let run = env.run_ws(&["playbook", "validate"]).fails(1);
    let out = run.stdout() + &run.stderr();
    assert!(
        out.contains("rules.yaml") && out.contains("did you mean `tolerance`?"),
        "{out}"
    );
}

#[test]
fn stage_loads_stored_scores_into_target_fields() {
    let env = samples_workspace();
    env.run_ws(&["score", "rfm", "--as-of", AS_OF]).ok();
    env.run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .ok();
    let path = env.ws().join("mappings/accounts.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("custom_fields:\n"), "{yaml}");
    let yaml = yaml
        .replacen(
            "fields:\n",
            "fields:\n- source: score:rfm.segment\n  target: RFM_Segment__c\n",
            1,
        )
        .replacen(
            "custom_fields:\n",
            "custom_fields:\n- {name: RFM_Segment__c, type: text, length: 40, custom: true}\n",
            1,
        );
    std::fs::write(&path, yaml).unwrap();
    let check = env.run_ws(&["map", "check", "--json"]).json();
    assert!(!check.to_string().contains("unknown_column"), "{check:#}");
    env.run_ws(&["stage"]).ok();
    let with_segment =
        env.count("SELECT count(*) FROM stg_account WHERE RFM_Segment__c IS NOT NULL");
    assert!(with_segment > 0);
    // Each staged account carries its own stored segment, found by its key.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_account a JOIN _scores s
               ON s.key = a.Legacy_Account_ID__c AND s.name = 'rfm.segment'
             WHERE a.RFM_Segment__c = s.text"
        ),
        with_segment
    );
}

#[test]
fn profile_and_score_status_decide_account_status_with_the_same_rules() {
    let env = samples_workspace();
    let counts = |env: &Env| {
        let profile = env
            .run_ws(&["profile", "--as-of", AS_OF, "--json"])
            .ok()
            .json();
        let score = env
            .run_ws(&["score", "status", "--as-of", AS_OF, "--json"])
            .ok()
            .json();
        let p = &profile["account_status"];
        let s = &score["counts"];
        assert_eq!(p["active"], s["active"], "profile {p} vs score {s}");
        assert_eq!(p["dormant"], s["dormant"], "profile {p} vs score {s}");
        assert_eq!(p["dead"], s["dead"], "profile {p} vs score {s}");
        p["dead"].as_u64().unwrap()
    };
    let dead_before = counts(&env);
    // Editing the one status rule moves both: accounts with only an old win stay dormant for
    // ten years now, so fewer are dead in the profile as well as in the scores.
    env.run_ws(&["playbook", "export"]).ok();
    let file = env.ws().join("playbooks/rules.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "account.days_since_last_win <= status.stale_after_days",
            "account.days_since_last_win <= 3650",
        ),
    )
    .unwrap();
    let dead_after = counts(&env);
    assert!(
        dead_after < dead_before,
        "dead before {dead_before}, after {dead_after}"
    );
}
