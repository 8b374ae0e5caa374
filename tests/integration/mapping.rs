//! `map suggest`, `map check` and `schema list/show`: the real binary on fixtures and samples.

use std::collections::BTreeMap;

use crate::util::{Env, fixture, sample};

/// A workspace with the mapping fixtures ingested as `accounts`, `contacts`, `opportunities`.
fn fixtures_workspace() -> Env {
    let env = Env::workspace();
    let files: Vec<String> = ["accounts.csv", "contacts.csv", "opportunities.csv"]
        .iter()
        .map(|f| fixture(&format!("mapping/{f}")).display().to_string())
        .collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    env.run_ws(&args).ok();
    env
}

fn copy_fixture(env: &Env, name: &str) -> String {
    let text = std::fs::read_to_string(fixture(&format!("mapping/{name}"))).unwrap();
    let path = env.ws().join("mappings").join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn suggest_writes_a_reviewable_mapping() {
    let env = fixtures_workspace();
    let run = env
        .run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .ok();
    assert!(run.stdout().contains("wrote"), "{}", run.stdout());
    let text = std::fs::read_to_string(env.ws().join("mappings/accounts.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["target"].as_str(), Some("salesforce"));
    assert_eq!(doc["object"].as_str(), Some("account"));
    assert_eq!(doc["dataset"].as_str(), Some("accounts"));
    let fields = doc["fields"].as_sequence().unwrap();
    let name = fields
        .iter()
        .find(|f| f["source"].as_str() == Some("Account Name"))
        .unwrap();
    assert_eq!(name["target"].as_str(), Some("Name"));
    assert!(name["confidence"].as_f64().unwrap() >= 0.9);
    assert!(name["reason"].as_str().unwrap().contains("Account Name"));
    // Unmapped columns: an external-id custom field for the legacy id, `drop` for a constant.
    let id = fields
        .iter()
        .find(|f| f["source"].as_str() == Some("Account ID"))
        .unwrap();
    assert_eq!(id["target"].as_str(), Some("Legacy_Account_ID__c"));
    assert!(
        doc["custom_fields"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|f| f["name"].as_str() == Some("Legacy_Account_ID__c")
                && f["external_id"].as_bool() == Some(true))
    );
    let dropped = doc["unmapped"].as_sequence().unwrap();
    assert!(dropped.iter().any(
        |u| u["source"].as_str() == Some("Legacy Flag") && u["action"].as_str() == Some("drop")
    ));
    // Picklist values get fuzzy suggestions; unknown ones are reported.
    assert_eq!(
        doc["values"]["Industry"]["hi-tech"].as_str(),
        Some("Technology")
    );
    assert!(
        run.stdout().contains("no target yet for `Widgets`"),
        "{}",
        run.stdout()
    );
    // A reviewed file is not overwritten by accident.
    let again = env
        .run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .fails(2);
    assert!(again.stderr().contains("--force"), "{}", again.stderr());
    env.run_ws(&[
        "map", "suggest", "accounts", "--object", "account", "--force",
    ])
    .ok();
}

#[test]
fn suggest_flags_required_fields_and_bad_names() {
    let env = fixtures_workspace();
    let run = env
        .run_ws(&[
            "map",
            "suggest",
            "contacts",
            "--object",
            "lead",
            "--json",
            "--out",
            "lead.yaml",
        ])
        .ok();
    let json = run.json();
    let missing: Vec<&str> = json["required_missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["Company"]);
    let text = std::fs::read_to_string(env.ws().join("lead.yaml")).unwrap();
    assert!(text.contains("# REQUIRED: `Company`"), "{text}");
    let run = env
        .run_ws(&["map", "suggest", "acounts", "--object", "account"])
        .fails(2);
    assert!(
        run.stderr().contains("did you mean `accounts`"),
        "{}",
        run.stderr()
    );
    let run = env
        .run_ws(&["map", "suggest", "accounts", "--object", "acount"])
        .fails(2);
    assert!(
        run.stderr().contains("did you mean `account`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn check_passes_a_clean_mapping_and_records_metrics() {
    let env = fixtures_workspace();
    let path = copy_fixture(&env, "clean.yaml");
    let run = env.run_ws(&["map", "check", &path, "--json"]).ok();
    let json = run.json();
    assert_eq!(json["blocking"], 0, "{json:#}");
    let kinds: Vec<&str> = json["mappings"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"truncated"), "{kinds:?}");
    assert!(kinds.contains(&"custom_field_missing"), "{kinds:?}");
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'map.blocking_issues'"),
        0
    );
    assert_eq!(
        env.count(
            "SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'map.required_coverage'"
        ),
        1
    );
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'map.mapped_objects'"),
        1
    );
    let detail: String = env
        .db()
        .query_row(
            "SELECT detail FROM _metrics WHERE name = 'map.required_coverage'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, "1/1 required Account fields mapped");
}

#[test]
fn check_blocks_with_counts_examples_and_hints() {
    let env = fixtures_workspace();
    copy_fixture(&env, "broken.yaml");
    // No FILE: every mapping in mappings/ is checked.
    let run = env.run_ws(&["map", "check", "--json"]).fails(1);
    let json = run.json();
    let findings = json["mappings"][0]["findings"].as_array().unwrap().clone();
    let find = |kind: &str| {
        findings
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {findings:#?}"))
            .clone()
    };
    assert!(
        find("unknown_field")["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `name`")
    );
    assert!(
        find("unknown_column")["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `Account Name`")
    );
    assert!(
        find("read_only")["message"]
            .as_str()
            .unwrap()
            .contains("hs_object_id")
    );
    assert!(
        find("type_mismatch")["message"]
            .as_str()
            .unwrap()
            .contains("transform `date`")
    );
    let picklist = find("picklist_value");
    assert_eq!(picklist["severity"], "blocking");
    assert_eq!(picklist["count"], 5);
    assert!(
        picklist["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "Tech")
    );
    let failed = find("transform_failed");
    assert_eq!(failed["count"], 5);
    assert!(
        failed["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "4 Mar 2021")
    );
    let blocking = json["blocking"].as_u64().unwrap();
    assert!(blocking >= 6, "{json:#}");
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'map.blocking_issues'")
            as u64,
        blocking
    );
    // The same findings as text.
    let text = env.run_ws(&["map", "check"]).fails(1);
    assert!(
        text.stdout().contains("BLOCKING [unknown_field]"),
        "{}",
        text.stdout()
    );
    assert!(
        text.stdout().contains("e.g. `Technology`, `Tech`"),
        "{}",
        text.stdout()
    );
}

#[test]
fn check_reports_over_length_values_and_required_gaps() {
    let env = fixtures_workspace();
    env.write(
        "ws/mappings/short.yaml",
        "target: salesforce\nobject: opportunity\ndataset: opportunities\nfields:\n  - source: Opportunity Name\n    target: NextStep\n  - source: Account ID\n    target: Legacy_Opp__c\ncustom_fields:\n  - {name: Legacy_Opp__c, type: text, length: 5}\n",
    );
    let json = env.run_ws(&["map", "check", "--json"]).fails(1).json();
    let findings = json["mappings"][0]["findings"].as_array().unwrap();
    let too_long = findings.iter().find(|f| f["kind"] == "too_long").unwrap();
    assert_eq!(too_long["field"], "Legacy_Opp__c");
    assert_eq!(too_long["count"], 4);
    assert!(
        too_long["message"]
            .as_str()
            .unwrap()
            .contains("truncate: 5")
    );
    let missing: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "required_unmapped")
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["Name", "StageName", "CloseDate"]);
    let detail: String = env
        .db()
        .query_row(
            "SELECT detail FROM _metrics WHERE name = 'map.required_coverage'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        "0/3 required Opportunity fields mapped: Name, StageName, CloseDate missing"
    );
}

#[test]
fn unknown_keys_in_a_mapping_are_errors_with_file_and_line() {
    let env = fixtures_workspace();
    env.write(
        "ws/mappings/typo.yaml",
        "target: salesforce\nobject: account\ndataset: accounts\nfields:\n  - source: Account Name\n    target: Name\n    confidense: 0.9\n",
    );
    let run = env.run_ws(&["map", "check"]).fails(2);
    assert!(run.stderr().contains("typo.yaml"), "{}", run.stderr());
    assert!(run.stderr().contains("confidense"), "{}", run.stderr());
    assert!(run.stderr().contains("line 7"), "{}", run.stderr());
    env.write(
        "ws/mappings/typo.yaml",
        "target: salesforce\nobject: account\ndataset: accounts\nfields:\n  - source: Account Name\n    target: Name\n    transform: [{case: sideways}]\n",
    );
    let run = env.run_ws(&["map", "check"]).fails(2);
    assert!(
        run.stderr().contains("sideways") && run.stderr().contains("line 7"),
        "{}",
        run.stderr()
    );
}

#[test]
fn schema_list_and_show() {
    let env = Env::new();
    let run = env.run(&["schema", "list", "--json"]).ok();
    let rows = run.json();
    // salesforce 15, hubspot 13, dynamics 16, zoho 13, pipedrive 9 objects
    assert_eq!(rows.as_array().unwrap().len(), 66);
    let run = env
        .run(&["schema", "show", "hubspot:account", "--json"])
        .ok();
    let json = run.json();
    assert_eq!(json["objects"]["account"]["name"], "companies");
    let text = env
        .run(&["schema", "show", "dynamics:opportunity"])
        .ok()
        .stdout();
    assert!(text.contains("estimatedclosedate"), "{text}");
    let run = env.run(&["schema", "show", "salesforce:acount"]).fails(2);
    assert!(
        run.stderr().contains("did you mean `account`"),
        "{}",
        run.stderr()
    );
    let run = env.run(&["schema", "show", "salesfroce"]).fails(2);
    assert!(
        run.stderr().contains("did you mean `salesforce`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_custom_schema_file_adds_fields_to_map_to() {
    let env = fixtures_workspace();
    env.write(
        "ws/org.yaml",
        "target: salesforce\nobjects:\n  account:\n    name: Account\n    fields:\n      - {name: Name, label: Account Name, type: text, length: 255, required: true}\n      - {name: Region__c, label: Legacy Flag, type: text, length: 1, custom: true}\n",
    );
    let json = env
        .run_ws(&[
            "map", "suggest", "accounts", "--object", "account", "--schema", "org.yaml", "--json",
        ])
        .ok()
        .json();
    let mapped: BTreeMap<String, String> = json["mapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap().to_string(),
                m["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(mapped["Legacy Flag"], "Region__c");
    let text = std::fs::read_to_string(env.ws().join("mappings/accounts.yaml")).unwrap();
    assert!(text.contains("schema: org.yaml"), "{text}");
    // check finds the schema through the mapping file, so Region__c is known.
    let json = env.run_ws(&["map", "check", "--json"]).run_json();
    let findings = json["mappings"][0]["findings"].as_array().unwrap();
    assert!(
        !findings.iter().any(|f| f["kind"] == "unknown_field"),
        "{findings:#?}"
    );
}

trait RunJson {
    fn run_json(self) -> serde_json::Value;
}

impl RunJson for crate::util::Run {
    /// JSON of a run that may exit 0 or 1 (findings), but not 2.
    fn run_json(self) -> serde_json::Value {
        assert!(self.code() == 0 || self.code() == 1, "{}", self.stderr());
        self.json()
    }
}

/// The quality bar: on the bundled samples, every column the truth maps to a field is
/// suggested that field, for Salesforce and for HubSpot.
#[test]
fn suggest_maps_every_truth_field_of_the_samples() {
    let env = Env::workspace();
    // Use the committed samples when present; otherwise generate them (same seed, deterministic).
    let dir = if sample("truth.json").is_file() {
        sample("")
    } else {
        env.run(&[
            "samples",
            "--out",
            "samples",
            "--accounts",
            "200",
            "--no-xlsx",
        ])
        .ok();
        env.path().join("samples")
    };
    for file in ["accounts.csv", "contacts.csv", "opportunities.csv"] {
        env.run_ws(&["ingest", &dir.join(file).display().to_string()])
            .ok();
    }
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let mapping = truth["field_mapping"].as_object().unwrap();
    let mut checked = 0;
    for target in ["salesforce", "hubspot"] {
        let datasets = mapping[target].as_object().unwrap();
        for dataset in ["accounts", "contacts", "opportunities"] {
            let spec = &datasets[dataset];
            let object = spec["object"].as_str().unwrap();
            let out = format!("mappings/{target}-{dataset}.yaml");
            let json = env
                .run_ws(&[
                    "map", "suggest", dataset, "--object", object, "--target", target, "--out",
                    &out, "--json",
                ])
                .ok()
                .json();
            let got: BTreeMap<String, String> = json["mapped"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["source"].as_str().unwrap().to_string(),
                        m["target"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            // The file says the same as the report.
            let file: serde_yaml::Value =
                serde_yaml::from_str(&std::fs::read_to_string(env.ws().join(&out)).unwrap())
                    .unwrap();
            for (source, want) in spec["fields"].as_object().unwrap() {
                let want = want.as_str().unwrap();
                assert_eq!(
                    got.get(source).map(String::as_str),
                    Some(want),
                    "{target} {dataset}: `{source}`"
                );
                let entry = file["fields"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .find(|f| f["source"].as_str() == Some(source))
                    .unwrap();
                assert_eq!(entry["target"].as_str(), Some(want));
                checked += 1;
            }
        }
    }
    assert!(checked >= 50, "only {checked} truth fields");
    // The suggested mappings are checkable as they stand (findings are data problems, not errors).
    let json = env.run_ws(&["map", "check", "--json"]).run_json();
    assert_eq!(json["mappings"].as_array().unwrap().len(), 6);
    for m in json["mappings"].as_array().unwrap() {
        assert_eq!(m["required"]["total"], m["required"]["mapped"], "{m:#}");
        for f in m["findings"].as_array().unwrap() {
            assert!(
                ![
                    "unknown_field",
                    "unknown_column",
                    "duplicate_target",
                    "read_only",
                    "type_mismatch",
                    "required_unmapped"
                ]
                .contains(&f["kind"].as_str().unwrap()),
                "{f:#}"
            );
        }
    }
}

/// A mapping in `mappings/` is checked from stage's own dry run; the same file elsewhere is
/// scanned by the check itself. On rows stage decides one by one (no merges, rules or
/// references), both paths find the same problems, counted alike.
#[test]
fn check_from_the_dry_run_agrees_with_the_checks_own_scan() {
    let env = fixtures_workspace();
    let mapping = "target: salesforce\nobject: opportunity\ndataset: opportunities\nfields:\n  - source: Opportunity Name\n    target: Name\n  - source: Stage\n    target: StageName\n  - source: Close Date\n    target: CloseDate\n  - source: Amount\n    target: Amount\n  - source: Opportunity ID\n    target: Legacy_Opp__c\n    transform: [{truncate: 4}]\ncustom_fields:\n  - {name: Legacy_Opp__c, type: text, length: 4}\n";
    env.write("ws/mappings/opps.yaml", mapping);
    let elsewhere = env.write("elsewhere/opps.yaml", mapping);
    let findings = |args: &[&str]| -> Vec<(String, String, String, u64)> {
        let json = env.run_ws(args).json();
        let mut out: Vec<_> = json["mappings"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["field"].is_string())
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["field"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["count"].as_u64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let dry = findings(&["map", "check", "--json"]);
    let elsewhere = elsewhere.display().to_string();
    let scanned = findings(&["map", "check", "--json", &elsewhere]);
    assert!(
        dry.contains(&("type".into(), "CloseDate".into(), "blocking".into(), 4))
            && dry.contains(&("type".into(), "Amount".into(), "warning".into(), 2)),
        "{dry:?}"
    );
    assert!(dry.iter().any(|f| f.0 == "truncated"), "{dry:?}");
    assert_eq!(dry, scanned);
}

/// Owners are the target org's users: with only the client's contacts beside the accounts, a
/// rep is not matched to the contact who shares her name (whose email would become the
/// owner); with the users export ingested, she is matched to her user.
#[test]
fn owners_are_suggested_from_a_users_export_never_from_contacts() {
    let env = Env::workspace();
    let accounts = env.write(
        "accounts.csv",
        "Account ID,Account Name,Account Owner\nA-1,Acme,Dana Whitfield\nA-2,Globex,Sam Lee\n",
    );
    let contacts = env.write(
        "contacts.csv",
        "Contact ID,Account ID,First Name,Last Name,Email\nC-1,A-1,Dana,Whitfield,dana@acme-client.com\nC-2,A-2,Sam,Lee,sam@globex-client.com\n",
    );
    let users = env.write(
        "users.csv",
        "User ID,Full Name,Email,Role,Active\nU-1,Dana Whitfield,dana.whitfield@ourorg.example,Sales Rep,true\n",
    );
    let owners = |env: &Env| -> BTreeMap<String, Option<String>> {
        env.run_ws(&["map", "suggest", "accounts", "--object", "account"])
            .ok();
        let text = std::fs::read_to_string(env.ws().join("mappings/accounts.yaml")).unwrap();
        std::fs::remove_file(env.ws().join("mappings/accounts.yaml")).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        serde_yaml::from_value(doc["owners"].clone()).unwrap()
    };
    let path = |p: &std::path::Path| p.display().to_string();
    env.run_ws(&["ingest", &path(&accounts), &path(&contacts)])
        .ok();
    let without_users = owners(&env);
    assert_eq!(without_users.len(), 2, "{without_users:?}");
    assert!(
        without_users.values().all(Option::is_none),
        "{without_users:?}"
    );
    env.run_ws(&["ingest", &path(&users)]).ok();
    let with_users = owners(&env);
    assert_eq!(
        with_users["Dana Whitfield"].as_deref(),
        Some("dana.whitfield@ourorg.example")
    );
    assert_eq!(with_users["Sam Lee"], None);
}
