//! `dedupe A B C`: records linked across a CRM export, a billing export and a spreadsheet,
//! with lineage, review, stage and reconcile through the binary.

use crate::util::{Env, fixture};

const SOURCES: [&str; 4] = [
    "sf_accounts",
    "billing_export",
    "spreadsheet",
    "billing_contacts",
];

/// A workspace with the three account sources and the billing contacts ingested, and their
/// reviewed mappings in place.
fn workspace() -> Env {
    let env = Env::workspace();
    for name in SOURCES {
        let csv = fixture(&format!("link/{name}.csv"));
        env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
        std::fs::copy(
            fixture(&format!("link/mappings/{name}.yaml")),
            env.ws().join("mappings").join(format!("{name}.yaml")),
        )
        .unwrap();
    }
    env
}

fn link(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "dedupe",
        "sf_accounts",
        "billing_export",
        "spreadsheet",
        "--object",
        "account",
        "--id",
        "sf_accounts=ID",
        "--id",
        "billing_export=Customer No",
        "--json",
    ];
    args.extend_from_slice(extra);
    env.run_ws(&args).ok().json()
}

/// The cluster holding a record: (dataset, record id) of every member, sorted.
fn cluster_of(env: &Env, dataset: &str, id: &str) -> Vec<(String, String)> {
    let db = env.db();
    let mut stmt = db
        .prepare(
            "SELECT dataset, record_id FROM _link_members WHERE cluster =
               (SELECT cluster FROM _link_members WHERE dataset = ?1 AND record_id = ?2)
             ORDER BY dataset, record_id",
        )
        .unwrap();
    stmt.query_map([dataset, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn pair(d: &str, id: &str) -> (String, String) {
    (d.to_string(), id.to_string())
}

/// Marks every line of the review sheet `accept`.
fn accept_all(sheet: &std::path::Path) {
    let text = std::fs::read_to_string(sheet).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let decision = header.split(',').position(|h| h == "decision").unwrap();
    let mut out = format!("{header}\n");
    for l in lines {
        // The first columns (dataset, cluster, decision) never hold commas.
        let mut f: Vec<&str> = l.splitn(decision + 2, ',').collect();
        f[decision] = "accept";
        out.push_str(&f.join(","));
        out.push('\n');
    }
    std::fs::write(sheet, out).unwrap();
}

#[test]
fn three_sources_link_across_and_within_with_lineage_for_every_member() {
    let env = workspace();
    let out = link(&env, &[]);
    assert_eq!(
        out["priority"],
        serde_json::json!(["sf_accounts", "billing_export", "spreadsheet"])
    );
    // Roles are detected per source from each one's own headers.
    let roles = |i: usize| -> Vec<String> {
        out["sources"][i]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}={}",
                    r["role"].as_str().unwrap(),
                    r["column"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(
        roles(0).contains(&"name=name".to_string()),
        "{:?}",
        roles(0)
    );
    assert!(
        roles(1).contains(&"name=customer_name".to_string()),
        "{:?}",
        roles(1)
    );
    assert!(
        roles(2).contains(&"phone=tel".to_string()),
        "{:?}",
        roles(2)
    );
    // Across three sources, and within billing (two billing accounts of Northwind).
    assert_eq!(
        cluster_of(&env, "sf_accounts", "0015g00000Xa1AAA"),
        vec![
            pair("billing_export", "B-1001"),
            pair("billing_export", "B-1013"),
            pair("sf_accounts", "0015g00000Xa1AAA"),
            pair("spreadsheet", "1"),
        ]
    );
    // Typos across sources: "Bluyonder Airlines", "Humongus Insurance".
    assert!(
        cluster_of(&env, "billing_export", "B-1009")
            .contains(&pair("sf_accounts", "0015g00000Xa9AAA"))
    );
    assert!(
        cluster_of(&env, "spreadsheet", "7").contains(&pair("sf_accounts", "0015g00000XaGAAA"))
    );
    // A record only billing and the spreadsheet know.
    assert_eq!(
        cluster_of(&env, "billing_export", "B-1012"),
        vec![pair("billing_export", "B-1012"), pair("spreadsheet", "6")]
    );
    // Look-alike names that are other companies stay apart.
    assert!(
        cluster_of(&env, "spreadsheet", "11").is_empty(),
        "Northwind Health"
    );
    assert!(
        cluster_of(&env, "spreadsheet", "12").is_empty(),
        "Contoso Pharmaceuticals"
    );
    assert!(
        cluster_of(&env, "sf_accounts", "0015g00000XaMAAA").is_empty(),
        "Northwind Systems"
    );

    // Lineage: every member names its dataset, batch, row, id and survivor, and one per cluster
    // survives; the current CRM (named first) survives wherever it has a record.
    let db = env.db();
    let members: i64 = env.count("SELECT count(*) FROM _link_members");
    let in_clusters: i64 = out["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["members"].as_array().unwrap().len() as i64)
        .sum();
    assert_eq!(members, in_clusters);
    assert_eq!(
        env.count(
            "SELECT count(*) FROM (SELECT cluster FROM _link_members GROUP BY cluster HAVING sum(survivor) <> 1)"
        ),
        0
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM _link_members l WHERE NOT EXISTS (SELECT 1 FROM src_billing_export s WHERE l.dataset = 'billing_export' AND s._batch = l._batch AND s._row = l._row)
               AND NOT EXISTS (SELECT 1 FROM src_sf_accounts s WHERE l.dataset = 'sf_accounts' AND s._batch = l._batch AND s._row = l._row)
               AND NOT EXISTS (SELECT 1 FROM src_spreadsheet s WHERE l.dataset = 'spreadsheet' AND s._batch = l._batch AND s._row = l._row)"
        ),
        0,
        "every lineage row names a real source row"
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM _link_members WHERE cluster IN (SELECT cluster FROM _link_members WHERE dataset = 'sf_accounts')
               AND survivor = 1 AND (dataset <> 'sf_accounts' OR rule <> 'source_priority')"
        ),
        0
    );
    // Golden values across sources with the rule that picked each: the longest street came
    // from billing and is recorded as that record's contribution.
    let (provides, golden): (String, String) = db
        .query_row(
            "SELECT (SELECT provides FROM _link_members WHERE record_id = 'B-1001'), golden
             FROM _link_members WHERE record_id = '0015g00000Xa1AAA'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        provides.contains(r#""pick":"longest""#) && provides.contains("Suite 400"),
        "{provides}"
    );
    assert!(
        golden.contains(r#""billingstreet":"100 Market Street Suite 400""#),
        "{golden}"
    );
    // The review sheet names each record's source.
    let sheet = env
        .ws()
        .join("out/dedupe-review-sf_accounts+billing_export+spreadsheet.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    assert!(text.lines().next().unwrap().contains(",source,"), "{text}");
    assert!(
        text.contains(",B-1013,13,") && text.contains(",billing_export,"),
        "{text}"
    );
}

#[test]
fn stage_and_reconcile_honour_merges_into_another_source() {
    let env = workspace();
    let out = link(&env, &[]);
    // Proposed clusters merge nothing until reviewed.
    let staged = env.run_ws(&["stage", "--json"]).ok().json();
    let merged = |v: &serde_json::Value, d: &str| -> i64 {
        v["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["dataset"] == d)
            .unwrap()["merged"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(merged(&staged, "billing_export"), 0);
    let sheet = env
        .ws()
        .join("out/dedupe-review-sf_accounts+billing_export+spreadsheet.csv");
    accept_all(&sheet);
    let applied = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(
        applied["accepted"].as_u64().unwrap() as usize,
        out["clusters"].as_array().unwrap().len()
    );
    let staged = env.run_ws(&["stage", "--json"]).ok().json();
    let away = |d: &str| {
        env.count(&format!(
            "SELECT count(*) FROM _link_members WHERE dataset = '{d}' AND survivor = 0"
        ))
    };
    assert!(away("billing_export") >= 10, "{}", away("billing_export"));
    assert_eq!(merged(&staged, "billing_export"), away("billing_export"));
    assert_eq!(merged(&staged, "spreadsheet"), away("spreadsheet"));
    // Nothing lost: every row of every dataset is in exactly one bucket.
    let rec = env.run_ws(&["reconcile", "--json"]).ok();
    let text = rec.stdout();
    assert!(
        !text.contains("unaccounted\": 1") && !text.contains("\"balanced\": false"),
        "{text}"
    );
    // The survivor loads with golden values from other sources.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_account WHERE Legacy_SF_Id__c = '0015g00000Xa1AAA' AND BillingStreet = '100 Market Street Suite 400'"
        ),
        1
    );
    // Merged billing customers are not staged; their contacts point at the CRM survivor.
    assert_eq!(
        env.count("SELECT count(*) FROM stg_account WHERE Billing_Customer_No__c IN ('B-1001', 'B-1013', 'B-1003')"),
        0
    );
    let parent = |contact: &str| -> (String, String) {
        env.db()
            .query_row(
                "SELECT AccountId, _via_AccountId FROM stg_contact WHERE Billing_Contact_No__c = ?1",
                [contact],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(parent("BC-1"), pair("0015g00000Xa1AAA", "sf_accounts"));
    assert_eq!(parent("BC-2"), pair("0015g00000Xa1AAA", "sf_accounts"));
    assert_eq!(parent("BC-3"), pair("0015g00000Xa3AAA", "sf_accounts"));
    // A customer only billing has stays billing's.
    assert_eq!(parent("BC-4"), pair("B-1010", "billing_export"));
    // Trace names the survivor in the other source.
    let row = env.count("SELECT _row FROM src_billing_export WHERE customer_no = 'B-1013'");
    let trace = env
        .run_ws(&["trace", "billing_export", &row.to_string()])
        .ok()
        .stdout();
    assert!(
        trace.contains("merged into 0015g00000Xa1AAA of sf_accounts"),
        "{trace}"
    );
}

#[test]
fn priority_review_and_rerun_keep_decisions() {
    let env = workspace();
    // Billing first: its record survives a cluster both sources share.
    link(&env, &["--priority", "billing_export,sf_accounts"]);
    let survivor = |id: &str| -> String {
        env.db()
            .query_row(
                "SELECT survivor_dataset || ':' || survivor_id FROM _link_members WHERE record_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(survivor("0015g00000Xa3AAA"), "billing_export:B-1003");
    // A reviewer picks the CRM record and rejects another cluster; a rerun keeps both.
    let sheet = env
        .ws()
        .join("out/dedupe-review-billing_export+sf_accounts+spreadsheet.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    let cluster_of_id = |id: &str| -> String {
        text.lines()
            .find(|l| l.contains(&format!(",{id},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let fabrikam = cluster_of_id("B-1003");
    let woodgrove = cluster_of_id("B-1018");
    let edited: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(5, ',').collect();
            if f.len() == 5 && f[1] == fabrikam {
                let yes = if f[4].starts_with("0015g00000Xa3AAA,") {
                    "yes"
                } else {
                    ""
                };
                format!("{},{},accept,{yes},{}\n", f[0], f[1], f[4])
            } else if f.len() == 5 && f[1] == woodgrove {
                format!("{},{},reject,{},{}\n", f[0], f[1], f[3], f[4])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&sheet, edited).unwrap();
    let applied = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(applied["survivors_changed"], 1);
    assert_eq!(applied["rejected"], 1);
    assert_eq!(survivor("B-1003"), "sf_accounts:0015g00000Xa3AAA");
    // The new survivor gets the cluster's picked golden values in its own columns.
    let golden: String = env
        .db()
        .query_row(
            "SELECT golden FROM _link_members WHERE record_id = '0015g00000Xa3AAA'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        golden.contains(r#""phone":"#) && !golden.contains(r#""name":"#),
        "{golden}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM _merges WHERE record_id IN ('B-1018', '0015g00000XaHAAA')"),
        0
    );
    let rerun = link(
        &env,
        &["--priority", "billing_export,sf_accounts", "--force"],
    );
    assert!(
        rerun["decisions_kept"].as_u64().unwrap() >= 2,
        "{}",
        rerun["decisions_kept"]
    );
    assert_eq!(survivor("B-1003"), "sf_accounts:0015g00000Xa3AAA");
    assert_eq!(
        env.count(
            "SELECT count(*) FROM _link_members WHERE record_id = 'B-1018' AND status = 'rejected'"
        ),
        1
    );
    // A single-dataset run takes its dataset out of the link: one cluster set at a time.
    env.run_ws(&["dedupe", "billing_export", "--object", "account", "--force"])
        .ok();
    assert_eq!(env.count("SELECT count(*) FROM _link_members"), 0);
    assert_eq!(env.count("SELECT count(*) FROM _link_runs"), 0);
}

#[test]
fn per_source_arguments_are_checked() {
    let env = workspace();
    let err = env
        .run_ws(&[
            "dedupe",
            "sf_accounts",
            "billing_export",
            "--object",
            "account",
            "--field",
            "crm.name=NAME",
        ])
        .fails(2)
        .stderr();
    assert!(err.contains("`crm` is not one of the datasets"), "{err}");
    let err = env
        .run_ws(&[
            "dedupe",
            "sf_accounts",
            "billing_export",
            "--object",
            "account",
            "--id",
            "billing_export=Customer Id",
        ])
        .fails(2)
        .stderr();
    assert!(
        err.contains("has no such column") && err.contains("customer_no"),
        "{err}"
    );
    let err = env
        .run_ws(&[
            "dedupe",
            "sf_accounts",
            "billing_export",
            "--object",
            "account",
            "--priority",
            "crm",
        ])
        .fails(2)
        .stderr();
    assert!(err.contains("`--priority crm`"), "{err}");
    let err = env
        .run_ws(&[
            "dedupe",
            "sf_accounts",
            "--object",
            "account",
            "--priority",
            "sf_accounts",
        ])
        .fails(2)
        .stderr();
    assert!(err.contains("name two or more"), "{err}");
}

/// The three account sources, linked with their ids named.
const LINKED: [&str; 7] = [
    "sf_accounts",
    "billing_export",
    "spreadsheet",
    "--object",
    "account",
    "--id",
    "sf_accounts=ID",
];

/// Clusters of a `--json` run as sorted member lists (`DATASET:ID`), sorted.
fn clusters(out: &serde_json::Value) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = out["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut m: Vec<String> = c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    format!(
                        "{}:{}",
                        m["source"].as_str().unwrap(),
                        m["id"].as_str().unwrap()
                    )
                })
                .collect();
            m.sort();
            m
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_linked_model_is_saved_and_reused_with_equal_results() {
    let env = workspace();
    let mut args = vec!["dedupe", "model"];
    args.extend(LINKED);
    args.extend(["--id", "billing_export=Customer No"]);
    let learned = env.run_ws(&args).ok();
    let text = learned.stdout();
    assert!(
        text.contains("dedupe model of sf_accounts+billing_export+spreadsheet as account")
            && text
                .contains("name=sf_accounts.name|billing_export.customer_name|spreadsheet.company"),
        "{text}"
    );
    let saved = env
        .ws()
        .join("models/dedupe-sf_accounts+billing_export+spreadsheet.yaml");
    assert!(text.contains(&saved.display().to_string()), "{text}");
    let model = std::fs::read_to_string(&saved).unwrap();
    assert!(
        model.contains("lambda") && model.contains("phone"),
        "{model}"
    );
    // Nothing is stored by learning alone.
    assert_eq!(env.count("SELECT count(*) FROM _link_runs"), 0);

    let fresh = link(&env, &[]);
    let reused = link(&env, &["--model", saved.to_str().unwrap(), "--force"]);
    assert!(!clusters(&fresh).is_empty());
    assert_eq!(clusters(&fresh), clusters(&reused));
    assert_eq!(fresh["model"]["roles"], reused["model"]["roles"]);
    // The learned model is the one the run learns.
    let json = {
        let mut a = args.clone();
        a.push("--json");
        env.run_ws(&a).ok().json()
    };
    assert_eq!(json["model"]["roles"], fresh["model"]["roles"]);
    // A model of other roles is refused, naming the file.
    let single = env
        .run_ws(&[
            "dedupe",
            "model",
            "spreadsheet",
            "--object",
            "account",
            "--json",
        ])
        .ok()
        .json();
    let other = single["saved"].as_str().unwrap().to_string();
    let run = env
        .run_ws(&[
            "dedupe",
            "sf_accounts",
            "billing_export",
            "spreadsheet",
            "--object",
            "account",
            "--model",
            &other,
            "--force",
        ])
        .fails(2);
    assert!(
        run.stderr().contains("dedupe-spreadsheet.yaml"),
        "{}",
        run.stderr()
    );
}

#[test]
fn linked_review_asks_across_sources_and_its_answers_refit_the_next_run() {
    let env = workspace();
    let review = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["dedupe", "review"];
        args.extend(LINKED);
        args.extend(["--id", "billing_export=Customer No", "--json"]);
        args.extend_from_slice(extra);
        env.run_ws(&args).ok().json()
    };
    let first = review(&["--count", "4"]);
    assert_eq!(first["dataset"], "sf_accounts+billing_export+spreadsheet");
    assert_eq!(first["labels"], 0);
    let questions = first["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4, "{first}");
    let dataset =
        |id: &serde_json::Value| id.as_str().unwrap().split(':').next().unwrap().to_string();
    // Each record is named with its dataset; some questions are across sources.
    assert!(
        questions
            .iter()
            .all(|q| ["sf_accounts", "billing_export", "spreadsheet"]
                .contains(&dataset(&q["id_a"]).as_str())),
        "{first}"
    );
    assert!(
        questions
            .iter()
            .any(|q| dataset(&q["id_a"]) != dataset(&q["id_b"])),
        "{first}"
    );
    // Nearest the threshold first.
    let distance =
        |q: &serde_json::Value| (q["score"]["probability"].as_f64().unwrap() - 0.5).abs();
    assert!(
        distance(&questions[0]) <= distance(&questions[3]),
        "{first}"
    );
    // Values are shown in the compared roles' order, from each record's own columns.
    let roles = first["roles"].as_array().unwrap().len();
    assert!(
        questions
            .iter()
            .all(|q| q["values_a"].as_array().unwrap().len() == roles)
    );

    let asked = |q: &serde_json::Value| {
        format!(
            "{}/{}",
            q["id_a"].as_str().unwrap(),
            q["id_b"].as_str().unwrap()
        )
    };
    let (yes, no) = (asked(&questions[0]), asked(&questions[1]));
    let answered = review(&["--match", &yes, "--distinct", &no]);
    assert_eq!(answered["answered"], 2);
    assert_eq!(answered["labels"], 2);
    assert_ne!(
        first["model"]["roles"], answered["model"]["roles"],
        "the answers changed no m or u"
    );
    // Answered pairs are not asked again.
    assert!(
        answered["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| asked(q) != yes && asked(q) != no),
        "{answered}"
    );
    // Kept with each side's dataset, and the next linked run learns with them.
    let sides: Vec<String> = {
        let db = env.db();
        let mut stmt = db
            .prepare(
                "SELECT dataset || ' ' || dataset_a || ' ' || dataset_b || ' ' || is_match
                 FROM _dedupe_labels ORDER BY is_match DESC",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let d = |q: &serde_json::Value| format!("{} {}", dataset(&q["id_a"]), dataset(&q["id_b"]));
    let mut want = [
        format!(
            "sf_accounts+billing_export+spreadsheet {} 1",
            d(&questions[0])
        ),
        format!(
            "sf_accounts+billing_export+spreadsheet {} 0",
            d(&questions[1])
        ),
    ];
    // Stored as (batch, row) order; either side may come first.
    let mut got = sides.clone();
    let norm = |s: &String| {
        let f: Vec<&str> = s.split(' ').collect();
        let mut pair = [f[1], f[2]];
        pair.sort();
        format!("{} {} {} {}", f[0], pair[0], pair[1], f[3])
    };
    got.iter_mut().for_each(|s| *s = norm(s));
    want.iter_mut().for_each(|s| *s = norm(s));
    assert_eq!(got, want.to_vec(), "{sides:?}");
    let run = link(&env, &[]);
    assert_eq!(
        run["model"]["training"]["labelled_pairs"], 2,
        "{}",
        run["model"]["training"]
    );
    assert_eq!(run["model"]["roles"], answered["model"]["roles"]);
    // Another priority order is the same datasets: the answers still teach it.
    let reordered = link(&env, &["--priority", "billing_export", "--force"]);
    assert_eq!(reordered["model"]["training"]["labelled_pairs"], 2);
    // A record named without its dataset is a clear error.
    let mut args = vec!["dedupe", "review"];
    args.extend(LINKED);
    args.extend(["--match", "B-1001/spreadsheet:1"]);
    let bad = env.run_ws(&args).fails(2);
    assert!(
        bad.stderr().contains("no record with id `B-1001`"),
        "{}",
        bad.stderr()
    );
}

/// An answer given in a linked review about two records of one dataset teaches that
/// dataset's own runs too: the reviewer should not have to answer it twice.
#[test]
fn a_single_dataset_run_reuses_answers_from_a_linked_review() {
    let env = workspace();
    let mut args = vec!["dedupe", "review"];
    args.extend(LINKED);
    args.extend([
        "--match",
        "sf_accounts:0015g00000Xa1AAA/sf_accounts:0015g00000Xa3AAA",
        "--json",
    ]);
    let answered = env.run_ws(&args).ok().json();
    assert_eq!(answered["answered"], 1, "{answered}");
    let single = |dataset: &str, id: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "dedupe", dataset, "--object", "account", "--json", "--force",
        ];
        args.extend_from_slice(id);
        env.run_ws(&args).ok().json()
    };
    let own = single("sf_accounts", &["--id", "ID"]);
    assert_eq!(
        own["model"]["training"]["labelled_pairs"], 1,
        "{}",
        own["model"]["training"]
    );
    // Another dataset's run has no pair of its own records answered.
    let other = single("spreadsheet", &[]);
    assert_eq!(other["model"]["training"]["labelled_pairs"], 0);
}

const REPLACED: [&str; 3] = ["crm_accounts", "billing_customers", "rep_sheet"];

/// A CRM export (one survivor a rule excludes, one with its required name blank), billing
/// customers (two records of the excluded one's company) and a rep's sheet, linked.
fn replaced_workspace(exclude: bool) -> Env {
    let env = Env::workspace();
    for name in REPLACED {
        let csv = fixture(&format!("link/replaced/{name}.csv"));
        env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
        std::fs::copy(
            fixture(&format!("link/replaced/mappings/{name}.yaml")),
            env.ws().join("mappings").join(format!("{name}.yaml")),
        )
        .unwrap();
    }
    if exclude {
        let config = env.ws().join("crmkit.yaml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str("exclude:\n  - {name: former_customers, dataset: crm_accounts, column: TYPE, values: [Former Customer]}\n");
        std::fs::write(&config, text).unwrap();
    }
    let mut args = vec!["dedupe"];
    args.extend(REPLACED);
    args.extend([
        "--object",
        "account",
        "--id",
        "crm_accounts=ID",
        "--id",
        "billing_customers=Customer No",
    ]);
    env.run_ws(&args).ok();
    env
}

fn replaced_sheet(env: &Env) -> std::path::PathBuf {
    env.ws()
        .join("out/dedupe-review-crm_accounts+billing_customers+rep_sheet.csv")
}

/// (source, staged, merged, rejected, excluded) of each dataset of `stage --json`.
fn counts(out: &serde_json::Value) -> Vec<(String, i64, i64, i64, i64, i64)> {
    let mut all: Vec<_> = out["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let n = |k: &str| d[k].as_i64().unwrap();
            (
                d["dataset"].as_str().unwrap().to_string(),
                n("source_rows"),
                n("staged"),
                n("merged"),
                n("rejected"),
                n("excluded"),
            )
        })
        .collect();
    all.sort();
    all
}

fn trace(env: &Env, dataset: &str, row: i64) -> String {
    env.run_ws(&["trace", dataset, &row.to_string()])
        .ok()
        .stdout()
}

fn balanced(env: &Env) {
    let r = env.run_ws(&["reconcile", "--json"]).ok().json();
    assert_eq!(r["balanced"], true, "{r}");
}

#[test]
fn a_linked_survivor_excluded_or_rejected_hands_its_cluster_to_the_best_remaining_member() {
    let env = replaced_workspace(true);
    accept_all(&replaced_sheet(&env));
    env.run_ws(&["dedupe", "apply", replaced_sheet(&env).to_str().unwrap()])
        .ok();
    let staged = env.run_ws(&["stage", "--json"]).ok().json();
    // Northwind's CRM record is excluded: of its two billing records the fuller one (B-2002)
    // survives, and the other one and the rep's row merge into it. Contoso's CRM record has
    // no name (rejected): billing's B-2003 survives and the rep's row merges into it.
    let want = vec![
        ("billing_customers".to_string(), 8, 6, 2, 0, 0),
        ("crm_accounts".to_string(), 8, 6, 0, 1, 1),
        ("rep_sheet".to_string(), 5, 2, 3, 0, 0),
    ];
    assert_eq!(counts(&staged), want, "{staged}");
    balanced(&env);
    let billing = |id: &str| {
        env.count(&format!(
            "SELECT count(*) FROM stg_account WHERE Billing_Customer_No__c = '{id}'"
        ))
    };
    assert_eq!(
        (billing("B-2001"), billing("B-2002"), billing("B-2003")),
        (0, 1, 1)
    );
    let merged_into = |key: &str| -> String {
        env.db()
            .query_row(
                "SELECT external_id FROM _stage_keys WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(merged_into("B-2001"), "B-2002");
    // Trace names the member that survives in place of the one not loaded.
    let t = trace(&env, "billing_customers", 1);
    assert!(
        t.contains("-> merged")
            && t.contains("merged into B-2002 (cluster")
            && t.contains("its survivor 0015g00000Fb1AAA of crm_accounts was not loaded"),
        "{t}"
    );
    let t = trace(&env, "billing_customers", 2);
    assert!(
        t.contains("-> staged") && t.contains("in place of 0015g00000Fb1AAA of crm_accounts"),
        "{t}"
    );
    let t = trace(&env, "rep_sheet", 1);
    assert!(t.contains("merged into B-2002 of billing_customers"), "{t}");
    let t = trace(&env, "rep_sheet", 2);
    assert!(t.contains("merged into B-2003 of billing_customers"), "{t}");
    let t = trace(&env, "crm_accounts", 2);
    assert!(t.contains("-> rejected") && t.contains("Name"), "{t}");

    // Staging again gives the same; without the rule the CRM record survives again.
    let again = env.run_ws(&["stage", "--json"]).ok().json();
    assert_eq!(counts(&again), want);
    let config = env.ws().join("crmkit.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let start = text.find("exclude:").unwrap();
    std::fs::write(&config, &text[..start]).unwrap();
    let restaged = env.run_ws(&["stage", "--json"]).ok().json();
    assert_eq!(
        counts(&restaged),
        vec![
            ("billing_customers".to_string(), 8, 5, 3, 0, 0),
            ("crm_accounts".to_string(), 8, 7, 0, 1, 0),
            ("rep_sheet".to_string(), 5, 2, 3, 0, 0),
        ],
        "{restaged}"
    );
    balanced(&env);
    let t = trace(&env, "billing_customers", 2);
    assert!(
        t.contains("merged into 0015g00000Fb1AAA of crm_accounts") && !t.contains("not loaded"),
        "{t}"
    );
    assert_eq!(merged_into("B-2001"), "0015g00000Fb1AAA");
}

#[test]
fn linked_clusters_merge_only_when_accepted_and_a_reviewer_can_remove_one_record() {
    let env = replaced_workspace(false);
    let sheet = replaced_sheet(&env);
    // The sheet starts undecided, and nothing unreviewed merges.
    let mut reader = csv::Reader::from_path(&sheet).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (decision, record, source) = (col("decision"), col("record_id"), col("source"));
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert!(rows.len() >= 9, "{rows:?}");
    assert!(rows.iter().all(|r| r[decision].is_empty()), "{rows:?}");
    let proposed = env.run_ws(&["stage", "--json"]).ok().json();
    assert!(counts(&proposed).iter().all(|c| c.3 == 0), "{proposed}");
    balanced(&env);

    // Accepted, but the rep's Northwind row is taken out of its cluster.
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers).unwrap();
    for mut r in rows {
        r[decision] = if r[source] == "rep_sheet" && r[record] == "1" {
            "remove"
        } else {
            "accept"
        }
        .into();
        writer.write_record(&r).unwrap();
    }
    std::fs::write(&sheet, writer.into_inner().unwrap()).unwrap();
    let applied = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .ok();
    assert!(
        applied
            .stdout()
            .contains("1 record removed from their cluster"),
        "{}",
        applied.stdout()
    );
    let staged = env.run_ws(&["stage", "--json"]).ok().json();
    // Billing's Northwind records merge into the CRM's; the removed row loads as its own;
    // Contoso's nameless CRM record is rejected and billing's B-2003 takes its place.
    assert_eq!(
        counts(&staged),
        vec![
            ("billing_customers".to_string(), 8, 5, 3, 0, 0),
            ("crm_accounts".to_string(), 8, 7, 0, 1, 0),
            ("rep_sheet".to_string(), 5, 3, 2, 0, 0),
        ],
        "{staged}"
    );
    balanced(&env);
    let t = trace(&env, "rep_sheet", 1);
    assert!(t.contains("-> staged") && !t.contains("merged"), "{t}");
    assert_eq!(
        env.count(
            "SELECT count(*) FROM _link_members WHERE dataset = 'rep_sheet' AND record_id = '1' AND status = 'removed'"
        ),
        1
    );

    // A workspace that says so merges proposed linked clusters without a review.
    let env = replaced_workspace(false);
    let config = env.ws().join("crmkit.yaml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "merge_proposed_duplicates: false",
        "merge_proposed_duplicates: true",
    );
    std::fs::write(&config, text).unwrap();
    let staged = env.run_ws(&["stage", "--json"]).ok().json();
    assert_eq!(
        counts(&staged),
        vec![
            ("billing_customers".to_string(), 8, 5, 3, 0, 0),
            ("crm_accounts".to_string(), 8, 7, 0, 1, 0),
            ("rep_sheet".to_string(), 5, 2, 3, 0, 0),
        ],
        "{staged}"
    );
    balanced(&env);
}
