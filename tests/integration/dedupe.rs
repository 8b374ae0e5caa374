//! `dedupe`: clusters, explanations, review round-trip, safe re-runs.

use crate::util::{Env, fixture};

/// A workspace with the small accounts fixture ingested as `accounts`.
fn workspace() -> Env {
    let env = Env::workspace();
    let path = fixture("dedupe/accounts.csv");
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    env
}

fn clusters(env: &Env) -> Vec<(i64, String, bool, String)> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT cluster, record_id, survivor, status FROM _clusters ORDER BY cluster, record_id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn finds_the_two_companies_and_explains_every_pair() {
    let env = workspace();
    let out = env
        .dedupe_accounts_with(&["--pairs", "pairs.csv", "--json"])
        .ok()
        .json();
    assert_eq!(out["records"], 7);
    assert_eq!(out["duplicates"], 3);
    let members: Vec<Vec<String>> = out["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(members, [vec!["A-1", "A-2", "A-3"], vec!["A-6", "A-7"]]);
    let pairs = std::fs::read_to_string(env.ws().join("pairs.csv")).unwrap();
    let mut lines = pairs.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id_a,id_b,score,total,cluster,name_similarity,name_points")
    );
    // Every pair inside a cluster: 3 for the first, 1 for the second.
    assert_eq!(lines.count(), 4);
    assert!(pairs.contains("A-1,A-3,"), "{pairs}");
    // Merges: every non-survivor points at its survivor.
    assert_eq!(env.count("SELECT count(*) FROM _merges"), 3);
    assert_eq!(env.count("SELECT count(*) FROM _merges m JOIN _clusters c ON c.dataset = m.dataset AND c.record_id = m.survivor_id AND c.survivor = 1"), 3);
    let rate: f64 = env
        .db()
        .query_row(
            "SELECT value FROM _metrics WHERE name = 'dedupe.duplicate_rate'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!((rate - 3.0 / 7.0).abs() < 1e-9);
}

#[test]
fn review_sheet_round_trip() {
    let env = workspace();
    env.dedupe_accounts();
    let sheet = env.ws().join("out/dedupe-review-accounts.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    // The sheet starts undecided: a reviewer writes every decision.
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.split(',').nth(2) == Some("")),
        "{text}"
    );
    // Reject cluster 2; accept cluster 1 with A-3 the survivor instead of A-2.
    let edited: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            if f[1] == "2" {
                f[2] = "reject".into();
            }
            if f[1] == "1" {
                f[2] = "accept".into();
                f[3] = if f[4] == "A-3" {
                    "yes".into()
                } else {
                    String::new()
                };
            }
            f.join(",") + "\n"
        })
        .collect();
    std::fs::write(&sheet, edited).unwrap();
    let run = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout()
            .contains("1 cluster accepted, 1 rejected, 1 survivor changed"),
        "{}",
        run.stdout()
    );
    let c = clusters(&env);
    assert!(
        c.contains(&(1, "A-3".into(), true, "accepted".into())),
        "{c:?}"
    );
    assert!(
        c.contains(&(2, "A-6".into(), true, "rejected".into())),
        "{c:?}"
    );
    assert_eq!(env.count("SELECT count(*) FROM _merges"), 2);
    assert_eq!(
        env.count("SELECT count(*) FROM _merges WHERE survivor_id = 'A-3'"),
        2
    );
    // A re-run keeps the decisions for unchanged clusters.
    let out = env.dedupe_accounts_with(&["--json"]).ok().json();
    assert_eq!(out["decisions_kept"], 2);
    assert_eq!(clusters(&env), c);
    assert_eq!(env.count("SELECT count(*) FROM _merges"), 2);
}

#[test]
fn review_errors_name_the_record_column_and_value() {
    let env = workspace();
    env.dedupe_accounts();
    let sheet = env.ws().join("out/dedupe-review-accounts.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    let bad = text.replacen("accounts,1,,", "accounts,1,maybe,", 1);
    std::fs::write(&sheet, bad).unwrap();
    let run = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .fails(2);
    assert!(
        run.stderr()
            .contains("record 1, column `decision`: `maybe`"),
        "{}",
        run.stderr()
    );
    // Nothing was applied.
    assert_eq!(
        env.count("SELECT count(*) FROM _clusters WHERE status <> 'proposed'"),
        0
    );
}

#[test]
fn rerunning_gives_the_same_result() {
    let env = workspace();
    let args = [
        "dedupe",
        "accounts",
        "--object",
        "account",
        "--id",
        "account_id",
        "--json",
    ];
    let first = env.run_ws(&args).ok().json();
    let before = clusters(&env);
    let second = env.run_ws(&args).ok().json();
    assert_eq!(first["clusters"], second["clusters"]);
    assert_eq!(clusters(&env), before);
    assert_eq!(env.count("SELECT count(*) FROM _dedupe_runs"), 1);
}

#[test]
fn bad_arguments_are_explained() {
    let env = workspace();
    let cases: [(&[&str], &str); 5] = [
        (
            &["dedupe", "acounts", "--object", "account"],
            "did you mean `accounts`",
        ),
        (
            &["dedupe", "accounts", "--object", "acount"],
            "did you mean `account`",
        ),
        (
            &[
                "dedupe",
                "accounts",
                "--object",
                "account",
                "--field",
                "nam=account_name",
            ],
            "did you mean `name`",
        ),
        (
            &[
                "dedupe",
                "accounts",
                "--object",
                "account",
                "--id",
                "acount_id",
            ],
            "did you mean `account_id`",
        ),
        (
            &[
                "dedupe",
                "accounts",
                "--object",
                "account",
                "--threshold",
                "1.5",
            ],
            "between 0 and 1",
        ),
    ];
    for (args, message) in cases {
        let run = env.run_ws(args).fails(2);
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
    }
}

/// A generated accounts file: `n` companies, every fifth one entered twice with variations.
fn generated(env: &Env, n: usize) -> std::path::PathBuf {
    let mut text = String::from("Account ID,Account Name,Website,Phone,Billing City\n");
    let mut id = 0;
    for i in 0..n {
        id += 1;
        text.push_str(&format!(
            "A-{id},Company {i} Holdings Inc,www.company{i}.com,(415) 555-{:04},City {}\n",
            i % 10_000,
            i % 97
        ));
        if i % 5 == 0 {
            id += 1;
            text.push_str(&format!(
                "A-{id},COMPANY {i} HOLDINGS LLC,https://company{i}.com/,415.555.{:04},City {}\n",
                i % 10_000,
                i % 97
            ));
        }
    }
    env.write("big.csv", text)
}

#[test]
fn killed_midway_then_rerun_equals_an_uninterrupted_run() {
    let args = ["dedupe", "big", "--object", "account", "--id", "account_id"];
    let tables = "SELECT * FROM _clusters ORDER BY dataset, _batch, _row";
    let merges = "SELECT * FROM _merges ORDER BY dataset, _batch, _row";

    let clean = Env::workspace();
    let path = generated(&clean, 8_000);
    clean.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    let started = std::time::Instant::now();
    clean.run_ws(&args).ok();
    let took = started.elapsed();
    let (want_clusters, want_merges) = (clean.dump(tables), clean.dump(merges));
    assert_eq!(want_merges.len(), 1_600);

    let env = Env::workspace();
    let path = generated(&env, 8_000);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    let mut child = env.spawn_ws(&args);
    std::thread::sleep(took / 2);
    let _ = child.kill();
    let _ = child.wait();
    // Whatever the kill left is consistent: either nothing or a whole run.
    let partial = env.dump(merges);
    assert!(
        partial.is_empty() || partial == want_merges,
        "{} merges after kill",
        partial.len()
    );
    env.run_ws(&args).ok();
    assert_eq!(env.dump(tables), want_clusters);
    assert_eq!(env.dump(merges), want_merges);
}

/// Pairwise F1 of `crmkit dedupe` against the generator's truth, on generated samples.
fn f1_on_samples(accounts: &str, seed: &str) -> f64 {
    let env = Env::workspace();
    env.run(&[
        "samples",
        "--out",
        "gen",
        "--accounts",
        accounts,
        "--seed",
        seed,
        "--no-xlsx",
    ])
    .ok();
    let csv = env.path().join("gen/accounts.csv");
    env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
    let out = env.dedupe_accounts_with(&["--json"]).ok().json();
    let predicted: Vec<Vec<String>> = out["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path().join("gen/truth.json")).unwrap()).unwrap();
    let truth: Vec<Vec<String>> =
        serde_json::from_value(truth["duplicate_clusters"].clone()).unwrap();
    assert!(!truth.is_empty());
    crmkit::dedupe::evaluate::pairwise(&predicted, &truth).f1
}

#[test]
fn pairwise_f1_against_the_samples_truth_is_at_least_0_95() {
    let f1 = f1_on_samples("2000", "42");
    assert!(f1 >= 0.95, "F1 {f1}");
    let f1 = f1_on_samples("2000", "7");
    assert!(f1 >= 0.95, "F1 {f1}");
}

#[test]
fn roles_come_from_the_mapping_then_names_then_the_profile() {
    let env = Env::workspace();
    let csv = env.write(
        "odd.csv",
        "Ref,Holder,Reach,Net\n\
         1,Northwind Traders Inc,(415) 555-0134,www.northwind.com\n\
         2,Northwind Traders LLC,415.555.0134,northwind.com\n\
         3,Southridge Video Ltd,(212) 555-0100,southridge.com\n\
         4,Fabrikam GmbH,(206) 555-0111,fabrikam.com\n\
         5,Contoso Corporation,(425) 555-0122,contoso.com\n",
    );
    env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
    // Nothing in the names says what these columns are.
    let run = env
        .run_ws(&["dedupe", "odd", "--object", "account"])
        .fails(2);
    assert!(
        run.stderr().contains("--field ROLE=COLUMN"),
        "{}",
        run.stderr()
    );
    // The profile's types do.
    env.run_ws(&["profile"]).ok();
    let out = env
        .run_ws(&[
            "dedupe", "odd", "--object", "account", "--id", "ref", "--json",
        ])
        .ok()
        .json();
    let roles: Vec<(String, String)> = out["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["from"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // `Reach` holds phone numbers (the others are plain text to the profile).
    assert_eq!(roles, [("phone".to_string(), "profile".to_string())]);
    // A mapping file wins over the profile, and says what the other columns are.
    std::fs::write(
        env.ws().join("mappings/odd.yaml"),
        "target: salesforce\nobject: account\ndataset: odd\nfields:\n- {source: Holder, target: Name}\n- {source: Net, target: Website}\n- {source: Reach, target: Phone}\n",
    )
    .unwrap();
    let out = env
        .run_ws(&["dedupe", "odd", "--object", "account", "--json"])
        .ok()
        .json();
    let roles = out["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 3, "{}", out["roles"]);
    assert!(
        roles.iter().all(|r| r["from"] == "mapping"),
        "{}",
        out["roles"]
    );
    assert_eq!(out["duplicates"], 1);
}
