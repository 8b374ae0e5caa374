//! Findings that hold up: each false alarm seen on real exports stays quiet, and each defect a
//! consultant spots in minutes is found, on small fixtures written for them
//! (`tests/fixtures/findings/`), through the real binary.

use serde_json::Value;

use crate::util::{Env, fixture};

const AS_OF: &str = "2025-06-30";

fn profile(files: &[&str]) -> Value {
    let mut args = vec!["profile", "--json", "--as-of", AS_OF];
    let paths: Vec<String> = files
        .iter()
        .map(|f| fixture(&format!("findings/{f}")).display().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    Env::new().run(&args).ok().json()
}

fn findings<'a>(doc: &'a Value, check: &str, dataset: &str, column: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["dataset"] == dataset && f["column"] == column)
        .collect()
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

fn reference<'a>(doc: &'a Value, from: &str) -> Option<&'a Value> {
    doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == from)
}

#[test]
fn copied_columns_are_not_references_and_links_say_how_sure_they_are() {
    let doc = profile(&["accounts.csv", "members.csv", "orders.csv"]);
    // A member's address and email are copies of the account's, and a ship-to name copies a
    // customer name: none of them is a link.
    for from in [
        "members.billingstreet",
        "members.billingcity",
        "members.email",
        "orders.ship_to_name",
    ] {
        assert!(
            reference(&doc, from).is_none(),
            "{from}: {:#}",
            doc["references"]
        );
    }
    let by_id = reference(&doc, "orders.accountid").expect("AccountId -> accounts.id");
    assert_eq!(by_id["to"], "accounts.id");
    assert_eq!(by_id["confidence"], "high");
    // `Account Name` beside accounts is a link by name: real, but less sure than an id.
    let by_name = reference(&doc, "members.account_name").expect("a link by name");
    assert_eq!(by_name["confidence"], "medium");
    assert!(by_name["basis"].as_str().unwrap().contains("name"));
}

#[test]
fn postcodes_fiscal_periods_and_null_markers_are_not_defects() {
    let doc = profile(&["accounts.csv"]);
    for f in doc["findings"].as_array().unwrap() {
        assert!(
            ![
                "nonstandard_number",
                "placeholder_value",
                "invalid_phone",
                "invalid_value"
            ]
            .contains(&f["check"].as_str().unwrap()),
            "false alarm: {f:#}"
        );
    }
    assert_eq!(
        column(&doc, "accounts", "billingpostalcode")["type"],
        "postcode"
    );
    assert_ne!(column(&doc, "accounts", "fiscal_period")["type"], "integer");
    // `NULL`, `\N`, `(null)` and `nil` are empty cells: counted once, as null.
    let phone = column(&doc, "accounts", "phone");
    assert_eq!(
        (
            phone["null"].as_u64(),
            phone["placeholder"].as_u64(),
            phone["invalid"]["count"].as_u64()
        ),
        (Some(4), Some(0), Some(0))
    );
    assert_eq!(column(&doc, "accounts", "industry")["null"], 1);
}

#[test]
fn blank_links_variants_damaged_text_and_ids_in_names_are_found() {
    let doc = profile(&["companies.csv", "deals.csv", "people.csv"]);
    // The deal with no company.
    let blank = findings(&doc, "blank_reference", "deals", "company_id");
    assert_eq!(blank.len(), 1);
    assert_eq!(blank[0]["count"], 1);
    assert_eq!(reference(&doc, "deals.company_id").unwrap()["blank"], 1);
    // Spellings of one value, with the value to keep.
    let country = findings(&doc, "variant_values", "companies", "country");
    assert_eq!(country[0]["count"], 3);
    assert_eq!(country[0]["values"], 2);
    let examples = country[0]["examples"].to_string();
    assert!(examples.contains("USA (2) → United States"), "{examples}");
    let industry = findings(&doc, "variant_values", "companies", "industry");
    assert!(
        industry[0]["examples"][0]
            .as_str()
            .unwrap()
            .starts_with("Tecnology (1) → Technology")
    );
    // Stages that differ by a word are values, not spellings.
    assert!(findings(&doc, "variant_values", "deals", "stage").is_empty());
    // Damaged text, a glued-on code and a record id in the name column.
    let mojibake = findings(&doc, "mojibake", "companies", "company_name");
    assert_eq!(mojibake[0]["count"], 2);
    let prefix = findings(&doc, "legacy_prefix", "companies", "street");
    assert_eq!(prefix[0]["count"], 11);
    assert!(prefix[0]["detail"].as_str().unwrap().contains("8-digit"));
    let ids = findings(&doc, "id_in_name", "companies", "company_name");
    assert_eq!(ids[0]["examples"][0], "0015g00000XyZ12AAB");
    // Hierarchies by name: parent companies by name, people by whom they report to.
    let hierarchies = doc["hierarchies"].as_array().unwrap();
    for (dataset, id, parent, missing) in [
        (
            "companies",
            "company_name",
            "parent_company",
            "Fabrikam Holdings",
        ),
        ("people", "full_name", "reports_to", "Ivy Quinn"),
    ] {
        let h = hierarchies
            .iter()
            .find(|h| h["dataset"] == dataset)
            .unwrap_or_else(|| panic!("no hierarchy in {dataset}"));
        assert_eq!(
            (h["id"].as_str(), h["parent"].as_str()),
            (Some(id), Some(parent))
        );
        assert_eq!(h["by_name"], true);
        assert_eq!(h["missing_parents"], 1);
        let f = findings(&doc, "missing_parent", dataset, parent);
        assert!(f[0]["examples"][0].as_str().unwrap().contains(missing));
    }
}

#[test]
fn a_value_map_fix_is_priced_per_value_not_per_record() {
    let env = Env::workspace();
    let file = fixture("findings/companies.csv");
    env.run_ws(&["ingest", file.to_str().unwrap()]).ok();
    env.run_ws(&["profile", "--as-of", AS_OF]).ok();
    let doc = env
        .run_ws(&["report", "readiness", "--format", "json"])
        .ok()
        .json();
    let f = doc["data_quality"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "variant_values" && f["column"] == "country")
        .expect("variant finding in the report");
    assert_eq!(f["method"], "value_map");
    assert_eq!(f["values"], 2);
    // Two value-map lines and a few minutes to set up, whatever the record count.
    assert!(f["hours"].as_f64().unwrap() <= 0.1, "{f:#}");
}

#[test]
fn checks_with_no_column_to_apply_to_say_not_applicable_after_profile() {
    let env = Env::workspace();
    let file = fixture("findings/companies.csv");
    env.run_ws(&["ingest", file.to_str().unwrap()]).ok();
    let before = env.run_ws(&["assess", "--json"]).ok().json();
    let evidence = |doc: &Value, id: &str| -> Value {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["evidence"].clone())
            .unwrap_or_else(|| panic!("no item {id}"))
    };
    // Before the profile: measurable, with the command that measures it.
    assert_eq!(
        evidence(&before, "data.verify-emails")["command"],
        "crmkit profile"
    );
    env.run_ws(&["profile", "--as-of", AS_OF]).ok();
    // After it: the companies have no email column, so the email check does not apply.
    let after = env.run_ws(&["assess", "--json"]).ok().json();
    let e = evidence(&after, "data.verify-emails");
    assert_eq!(e["not_applicable"], true, "{e:#}");
    assert!(e["command"].is_null());
    let explain = env.run_ws(&["assess", "--explain"]).ok().stdout();
    assert!(explain.contains("not applicable to this data"), "{explain}");
    assert!(!explain.contains("data not measured yet: run `crmkit profile`"));
}

/// A Salesforce Data Loader export of contacts, upper-case API headers: the person hierarchy
/// by id (`REPORTSTOID` -> `ID`) with a manager who is not in the file and a contact who
/// reports to herself, and a legacy 8-digit code glued to most mailing streets.
#[test]
fn a_salesforce_contacts_export_shows_its_person_hierarchy_and_legacy_prefix() {
    let doc = profile(&["sf_contacts.csv"]);
    let h = doc["hierarchies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["dataset"] == "sf_contacts")
        .unwrap_or_else(|| panic!("no person hierarchy in {}", doc["hierarchies"]));
    assert_eq!(
        (h["id"].as_str(), h["parent"].as_str()),
        (Some("id"), Some("reportstoid"))
    );
    assert_eq!(h["by_name"], false);
    assert_eq!(h["missing_parents"], 1);
    assert_eq!(h["self_parents"], 1);
    let missing = findings(&doc, "missing_parent", "sf_contacts", "reportstoid");
    assert!(
        missing[0]["examples"][0]
            .as_str()
            .unwrap()
            .contains("0035g00000AbCd9AAA")
    );
    assert_eq!(
        findings(&doc, "self_parent", "sf_contacts", "reportstoid")[0]["count"],
        1
    );
    let prefix = findings(&doc, "legacy_prefix", "sf_contacts", "mailingstreet");
    assert_eq!(prefix[0]["count"], 11);
    assert!(prefix[0]["detail"].as_str().unwrap().contains("8-digit"));
}
