//! `profile`: every injected problem of the hostile fixtures is found and counted in records,
//! for files and for ingested datasets; results are stored and replaced; declarations work.

use serde_json::Value;

use crate::util::{Env, fixture};

const AS_OF: &str = "2025-06-30";

fn fixtures() -> Vec<String> {
    ["accounts.csv", "contacts.csv", "opportunities.csv"]
        .iter()
        .map(|f| fixture(&format!("profile/{f}")).display().to_string())
        .collect()
}

/// Count of the finding (check, dataset, column), 0 when absent.
fn count(doc: &Value, check: &str, dataset: &str, column: Option<&str>) -> u64 {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["check"] == check
                && f["dataset"] == dataset
                && column.is_none_or(|c| f["column"] == c)
        })
        .map(|f| f["count"].as_u64().unwrap())
        .sum()
}

fn column<'a>(doc: &'a Value, dataset: &str, name: &str) -> &'a Value {
    doc["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == dataset)
        .and_then(|d| {
            d["columns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
        })
        .unwrap_or_else(|| panic!("no column {dataset}.{name}"))
}

/// What the fixtures hold, checked the same way for files and for ingested datasets.
fn assert_fixture_findings(doc: &Value) {
    let expect = [
        ("invalid_email", "contacts", Some("email"), 2),
        // `n/a` is both a placeholder and, by the contract, an invalid phone.
        ("invalid_phone", "contacts", Some("phone"), 3),
        ("invalid_phone", "accounts", Some("phone"), 1),
        ("nonstandard_number", "accounts", Some("employees"), 2),
        ("nonstandard_number", "accounts", Some("annual_revenue"), 2),
        ("mixed_date_formats", "accounts", Some("created_date"), 2),
        ("placeholder_value", "accounts", Some("industry"), 1),
        ("placeholder_value", "contacts", Some("phone"), 1),
        ("blank_required", "accounts", Some("account_name"), 1),
        ("blank_required", "contacts", Some("last_name"), 1),
        ("duplicate_row", "accounts", None, 1),
        ("orphan_reference", "contacts", Some("account_id"), 1),
        ("orphan_reference", "opportunities", Some("account_id"), 1),
        ("missing_parent", "accounts", Some("parent_account_id"), 1),
        ("self_parent", "accounts", Some("parent_account_id"), 1),
        ("hierarchy_cycle", "accounts", Some("parent_account_id"), 5),
        ("stale_record", "accounts", None, 4),
        ("stale_record", "contacts", None, 2),
        ("dead_account", "accounts", None, 2),
    ];
    for (check, dataset, col, want) in expect {
        assert_eq!(
            count(doc, check, dataset, col),
            want,
            "{check} {dataset} {col:?}"
        );
    }
    let checks: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks[0], "hierarchy_cycle", "worst first: {checks:?}");
    assert!(checks.iter().all(|c| crmkit::profile::CHECKS.contains(c)));

    let email = column(doc, "contacts", "email");
    assert_eq!(email["type"], "email");
    assert_eq!(
        email["invalid"]["examples"],
        serde_json::json!(["bob at acme.com", "mary@acme"])
    );
    let created = column(doc, "accounts", "created_date");
    assert_eq!(created["type"], "date");
    let formats: Vec<&str> = created["dates"]["formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["%Y-%m-%d", "%d %b %Y", "%m/%d/%Y"]);
    let employees = column(doc, "accounts", "employees");
    assert_eq!(employees["type"], "integer");
    assert_eq!(employees["numbers"]["max"], 1200.0);
    let industry = column(doc, "accounts", "industry");
    assert_eq!(
        (
            industry["filled"].as_u64(),
            industry["placeholder"].as_u64(),
            industry["blank"].as_u64()
        ),
        (Some(14), Some(1), Some(0))
    );
    assert_eq!(
        column(doc, "accounts", "account_id")["header"],
        "Account ID"
    );

    let accounts = &doc["datasets"][0];
    assert_eq!(accounts["rows"], 15);
    assert_eq!(accounts["duplicate_rows"], 1);
    assert!(
        accounts["candidate_keys"]
            .as_array()
            .unwrap()
            .contains(&Value::from("account_id"))
    );
    let refs: Vec<(&str, &str)> = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["from"].as_str().unwrap(), r["to"].as_str().unwrap()))
        .collect();
    assert!(
        refs.contains(&("contacts.account_id", "accounts.account_id")),
        "{refs:?}"
    );
    assert!(
        refs.contains(&("opportunities.account_id", "accounts.account_id")),
        "{refs:?}"
    );
    let h = &doc["hierarchies"][0];
    assert_eq!(
        (h["id"].as_str(), h["parent"].as_str()),
        (Some("account_id"), Some("parent_account_id"))
    );
    assert_eq!(h["ultimate_parents"], 1);
    let status = &doc["account_status"];
    assert_eq!(
        (
            status["active"].as_u64(),
            status["dormant"].as_u64(),
            status["dead"].as_u64()
        ),
        (Some(11), Some(2), Some(2))
    );
}

#[test]
fn files_are_profiled_without_a_workspace() {
    let env = Env::new();
    let mut args = vec!["profile", "--json", "--as-of", AS_OF];
    let files = fixtures();
    args.extend(files.iter().map(String::as_str));
    let doc = env.run(&args).ok().json();
    assert_eq!(doc["as_of"], AS_OF);
    assert_eq!(doc["stale_after_days"], 730);
    assert_fixture_findings(&doc);
    assert!(!env.path().join("ws").exists());
}

#[test]
fn ingested_datasets_are_profiled_stored_and_replaced() {
    let env = Env::workspace();
    let mut ingest = vec!["ingest"];
    let files = fixtures();
    ingest.extend(files.iter().map(String::as_str));
    env.run_ws(&ingest).ok();
    let doc = env
        .run_ws(&["profile", "--json", "--as-of", AS_OF])
        .ok()
        .json();
    assert_fixture_findings(&doc);
    assert_eq!(doc["datasets"][0]["source"], "src_accounts");

    let findings = doc["findings"].as_array().unwrap().len() as i64;
    assert_eq!(
        env.count("SELECT count(*) FROM _profile_findings"),
        findings
    );
    assert_eq!(
        env.count(
            "SELECT count FROM _profile_findings WHERE rank = 1 AND check_name = 'hierarchy_cycle'"
        ),
        5
    );
    assert_eq!(
        env.count("SELECT count(*) FROM _profile_columns WHERE dataset = 'accounts'"),
        13
    );
    assert_eq!(
        env.count("SELECT orphans FROM _profile_references WHERE from_dataset = 'contacts'"),
        1
    );
    let stored: String = env
        .db()
        .query_row("SELECT document FROM _profile_runs", [], |r| r.get(0))
        .unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["findings"], doc["findings"]);

    let metric = |name: &str| -> (f64, String) {
        env.db()
            .query_row(
                "SELECT value, detail FROM _metrics WHERE name = ?1 AND source = 'profile'",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("metric {name}: {e}"))
    };
    assert_eq!(metric("profile.datasets").0, 3.0);
    assert_eq!(metric("profile.rows").0, 27.0);
    assert_eq!(
        metric("profile.invalid_email_rate"),
        (2.0 / 6.0, "2 of 6 emails".to_string())
    );
    assert_eq!(
        metric("profile.stale_rate"),
        (4.0 / 15.0, "4 of 15 accounts".to_string())
    );
    assert_eq!(metric("profile.dead_accounts").0, 2.0);
    assert_eq!(metric("profile.hierarchy_problems").0, 7.0);
    assert_eq!(metric("profile.orphan_rate").0, 2.0 / 11.0);
    assert_eq!(metric("profile.duplicate_row_rate").0, 1.0 / 27.0);
    for name in [
        "profile.invalid_phone_rate",
        "profile.placeholder_rate",
        "profile.required_fill_rate",
    ] {
        metric(name);
    }

    // A second run, on one dataset, replaces everything the first stored.
    env.run_ws(&["profile", "contacts", "--as-of", AS_OF]).ok();
    assert_eq!(env.count("SELECT count(*) FROM _profile_runs"), 1);
    assert_eq!(
        env.count("SELECT count(DISTINCT dataset) FROM _profile_columns"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM _profile_findings WHERE dataset <> 'contacts'"),
        0
    );
    assert_eq!(
        env.count("SELECT count(*) FROM _metrics WHERE name = 'profile.dead_accounts'"),
        0
    );
}

#[test]
fn the_terminal_summary_puts_the_worst_first() {
    let env = Env::new();
    let mut args = vec!["profile", "--as-of", AS_OF];
    let files = fixtures();
    args.extend(files.iter().map(String::as_str));
    let out = env.run(&args).ok().stdout();
    let findings = out.find("Findings, worst first").expect("findings section");
    let first = out[findings..].lines().nth(2).unwrap();
    assert!(first.trim_start().starts_with("hierarchy_cycle"), "{out}");
    for part in [
        "References",
        "Hierarchy accounts.parent_account_id",
        "Staleness",
        "Account status",
    ] {
        assert!(out.contains(part), "{part} missing:\n{out}");
    }
}

#[test]
fn declared_references_and_hierarchy_are_checked() {
    let env = Env::workspace();
    let clients = env.write(
        "clients.csv",
        "code,name,holding\nK1,Alpha,\nK2,Beta,K1\nK3,Gamma,K9\nK4,Delta,K4\n",
    );
    let orders = env.write(
        "orders.csv",
        "order,customer,total\n1,K1,10\n2,K2,20\n3,K7,30\n4,,40\n",
    );
    env.run_ws(&[
        "ingest",
        clients.to_str().unwrap(),
        orders.to_str().unwrap(),
    ])
    .ok();
    let config = env.ws().join("crmkit.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "references:\n  - {from: orders.customer, to: clients.code}\nhierarchy: {dataset: clients, id: code, parent: holding}\n",
    );
    std::fs::write(&config, text).unwrap();
    let doc = env
        .run_ws(&["profile", "--json", "--as-of", AS_OF])
        .ok()
        .json();
    let r = &doc["references"][0];
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("orders.customer"), Some("clients.code"))
    );
    assert_eq!(r["declared"], true);
    assert_eq!(
        (r["values"].as_u64(), r["orphans"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(r["orphan_examples"], serde_json::json!(["K7"]));
    let h = &doc["hierarchies"][0];
    assert_eq!(h["declared"], true);
    assert_eq!(
        (h["missing_parents"].as_u64(), h["self_parents"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        count(&doc, "orphan_reference", "orders", Some("customer")),
        1
    );
}

#[test]
fn declared_columns_that_do_not_exist_are_named() {
    let env = Env::workspace();
    let clients = env.write("clients.csv", "code,name\nK1,Alpha\n");
    env.run_ws(&["ingest", clients.to_str().unwrap()]).ok();
    let config = env.ws().join("crmkit.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("hierarchy: {dataset: clients, id: cod, parent: name}\n");
    std::fs::write(&config, text).unwrap();
    let err = env.run_ws(&["profile"]).fails(2).stderr();
    assert!(err.contains("clients.cod"), "{err}");
    assert!(err.contains("did you mean `code`"), "{err}");
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let env = Env::workspace();
    let err = env.run_ws(&["profile"]).fails(2).stderr();
    assert!(err.contains("crmkit ingest"), "{err}");
    let accounts = fixture("profile/accounts.csv");
    env.run_ws(&["ingest", accounts.to_str().unwrap()]).ok();
    let err = env.run_ws(&["profile", "acounts"]).fails(2).stderr();
    assert!(err.contains("did you mean `accounts`"), "{err}");
    let err = env
        .run_ws(&["profile", "--as-of", "30/06/2025"])
        .fails(2)
        .stderr();
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let help = env.run(&["profile", "--help"]).ok().stdout();
    assert!(help.contains("crmkit profile"), "{help}");
}

/// Findings of `check` per (dataset, header) of the column.
fn by_column(doc: &Value, check: &str) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        if f["check"] == check {
            let header = f["header"].as_str().or(f["column"].as_str()).unwrap_or("");
            *out.entry((
                f["dataset"].as_str().unwrap().to_string(),
                header.to_string(),
            ))
            .or_default() += f["count"].as_u64().unwrap();
        }
    }
    out
}

/// Truth entries of `key` per (dataset, column header).
fn truth_by_column(truth: &Value, key: &str) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for e in truth[key].as_array().unwrap() {
        let dataset = e["dataset"].as_str().unwrap_or("accounts").to_string();
        *out.entry((dataset, e["column"].as_str().unwrap().to_string()))
            .or_default() += 1;
    }
    out
}

/// Generates samples, ingests them into a workspace, profiles, and holds the result to the
/// truth file: exact counts where the issue asks for them, every injected kind found.
fn profile_matches_the_truth(accounts: &str, seed: &str) {
    let env = Env::workspace();
    let out = env.path().join("samples");
    env.run(&[
        "samples",
        "--accounts",
        accounts,
        "--seed",
        seed,
        "--no-xlsx",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    let files: Vec<String> = [
        "accounts",
        "contacts",
        "opportunities",
        "activities",
        "users",
        "crm_usage",
    ]
    .iter()
    .map(|f| out.join(format!("{f}.csv")).display().to_string())
    .collect();
    let mut ingest = vec!["ingest"];
    ingest.extend(files.iter().map(String::as_str));
    env.run_ws(&ingest).ok();
    let as_of = truth["as_of"].as_str().unwrap();
    let stale_after = truth["stale_after_days"].to_string();
    let doc = env
        .run_ws(&[
            "profile",
            "--json",
            "--as-of",
            as_of,
            "--stale-after",
            &stale_after,
        ])
        .ok()
        .json();
    let len = |key: &str| truth[key].as_array().unwrap().len() as u64;

    // Exact: per column, so a right total from wrong columns fails too.
    for (key, check) in [
        ("invalid_emails", "invalid_email"),
        ("invalid_phones", "invalid_phone"),
        ("orphans", "orphan_reference"),
        ("nonstandard_numbers", "nonstandard_number"),
        ("blank_required", "blank_required"),
        ("placeholders", "placeholder_value"),
    ] {
        assert_eq!(
            by_column(&doc, check),
            truth_by_column(&truth, key),
            "{check} vs truth {key}"
        );
        assert!(len(key) > 0, "the samples inject {key}");
    }
    assert_eq!(
        count(&doc, "missing_parent", "accounts", None),
        len("missing_parents")
    );
    assert_eq!(
        count(&doc, "self_parent", "accounts", None),
        len("self_parents")
    );
    let in_cycles: u64 = truth["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_array().unwrap().len() as u64)
        .sum();
    assert!(in_cycles > 0);
    assert_eq!(count(&doc, "hierarchy_cycle", "accounts", None), in_cycles);
    assert_eq!(
        count(&doc, "stale_record", "accounts", None),
        len("stale_accounts")
    );
    assert_eq!(
        count(&doc, "dead_account", "accounts", None),
        len("dead_accounts")
    );
    let self_parents: Vec<&Value> = doc["hierarchies"][0]["self_parent_examples"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for id in &self_parents {
        assert!(
            truth["self_parents"].as_array().unwrap().contains(id),
            "{id}"
        );
    }

    // Mixed date formats: the same columns, with the same formats.
    for m in truth["mixed_date_formats"].as_array().unwrap() {
        let dataset = m["dataset"].as_str().unwrap();
        let f = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["check"] == "mixed_date_formats"
                    && f["dataset"] == dataset
                    && f["header"] == m["column"]
            })
            .unwrap_or_else(|| panic!("mixed formats of {dataset}.{} not found", m["column"]));
        let mut seen: Vec<String> = f["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().split(" (").next().unwrap().to_string())
            .collect();
        let mut want: Vec<String> = m["formats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        seen.sort();
        want.sort();
        assert_eq!(seen, want);
    }
    assert_eq!(
        doc["datasets"][0]["rows"].as_u64(),
        truth["files"]["accounts.csv"]["rows"].as_u64()
    );
}

#[test]
fn profile_matches_the_samples_truth_at_300_accounts() {
    profile_matches_the_truth("300", "7");
}

#[test]
fn profile_matches_the_samples_truth_at_1500_accounts() {
    profile_matches_the_truth("1500", "11");
}
