//! Exports in the shapes real CRMs write (hand-written fixtures under `tests/fixtures/real/`,
//! not the generator): the load path with the mappings exactly as `map suggest` writes them.

use crate::util::{Env, fixture, walk};

/// A workspace for `target` with `files` (under `tests/fixtures/real/`) ingested and profiled.
fn engagement(target: &str, files: &[&str]) -> Env {
    let paths: Vec<_> = files
        .iter()
        .map(|f| fixture(&format!("real/{f}")))
        .collect();
    Env::engagement(target, &paths, &[])
}

fn suggest(env: &Env, dataset: &str, object: &str) {
    env.run_ws(&["map", "suggest", dataset, "--object", object])
        .ok();
}

/// Stage with the suggested mappings; every dataset's rejected share must be under 5%.
fn stage_rejecting_under_5_percent(env: &Env) -> serde_json::Value {
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    for d in out["datasets"].as_array().unwrap() {
        let (rows, rejected) = (
            d["source_rows"].as_f64().unwrap(),
            d["rejected"].as_f64().unwrap(),
        );
        assert!(rows > 0.0, "{d:#}");
        assert!(
            rejected / rows < 0.05,
            "{} rejected {rejected} of {rows}: {d:#}",
            d["dataset"]
        );
    }
    env.run_ws(&["reconcile"]).ok();
    out
}

fn mapping_yaml(env: &Env, dataset: &str) -> String {
    std::fs::read_to_string(env.ws().join(format!("mappings/{dataset}.yaml"))).unwrap()
}

#[test]
fn data_loader_exports_with_upper_case_headers_load_into_salesforce() {
    let env = engagement(
        "salesforce",
        &[
            "sf_dataloader/Account.csv",
            "sf_dataloader/Contact.csv",
            "sf_dataloader/User.csv",
        ],
    );
    suggest(&env, "account", "account");
    suggest(&env, "contact", "contact");
    let yaml = mapping_yaml(&env, "account");
    for (source, target) in [
        ("BILLINGSTREET", "BillingStreet"),
        ("PARENTID", "ParentId"),
        ("ANNUALREVENUE", "AnnualRevenue"),
    ] {
        assert!(
            yaml.contains(&format!("- source: {source}\n  target: {target}\n")),
            "{source} -> {target}:\n{yaml}"
        );
    }
    // A datetime column is proposed as a datetime field, not a date.
    assert!(
        yaml.contains("LASTMODIFIEDDATE\n  target: Lastmodifieddate__c"),
        "{yaml}"
    );
    let out = stage_rejecting_under_5_percent(&env);
    assert_eq!(out["datasets"][0]["rejected"], 0, "{out:#}");
    // Scientific notation as Data Loader writes large amounts.
    assert_eq!(
        env.count("SELECT count(*) FROM stg_account WHERE Name LIKE 'Pyramid%' AND AnnualRevenue = '950000000'"),
        1
    );
    // Parent links by Salesforce id: both United Oil subsidiaries point at their parent.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_account c JOIN stg_account p ON c.ParentId = p._external_id
             WHERE p.Name = 'United Oil & Gas Corp.'"
        ),
        2
    );
}

#[test]
fn data_loader_exports_load_into_hubspot_with_bad_values_costing_a_field_not_a_record() {
    let env = engagement(
        "hubspot",
        &["sf_dataloader/Account.csv", "sf_dataloader/Contact.csv"],
    );
    suggest(&env, "account", "account");
    suggest(&env, "contact", "contact");
    let out = stage_rejecting_under_5_percent(&env);
    let account = &out["datasets"][0];
    // Salesforce account types are not HubSpot company types: the field is blanked with a
    // warning on each record, and the records load.
    assert_eq!(account["staged"], 12, "{out:#}");
    assert!(
        account["warnings"]["type blanked"].as_i64().unwrap() > 0,
        "{out:#}"
    );
    // Salutations are not countries: phones are normalised with the mailing country.
    let contact_yaml = mapping_yaml(&env, "contact");
    assert!(
        !contact_yaml.contains("country_from: SALUTATION"),
        "{contact_yaml}"
    );
}

#[test]
fn pipeline_links_accounts_and_owners_by_name() {
    let env = engagement(
        "salesforce",
        &[
            "pipeline/accounts.csv",
            "pipeline/opportunities.csv",
            "pipeline/users.csv",
        ],
    );
    suggest(&env, "accounts", "account");
    suggest(&env, "opportunities", "opportunity");
    let opp_yaml = mapping_yaml(&env, "opportunities");
    assert!(
        opp_yaml.contains("lookup:\n    dataset: accounts\n    column: Account Name"),
        "{opp_yaml}"
    );
    assert!(
        opp_yaml.contains("Dana Whitfield: dana.whitfield@northpeak.io.crm"),
        "{opp_yaml}"
    );
    assert!(opp_yaml.contains("Marco Rossi: null"), "{opp_yaml}");
    // map check says what stage will do: no blocking issue, the unmatched owner reported.
    let check = env.run_ws(&["map", "check", "--json"]).ok().json();
    assert_eq!(check["blocking"], 0, "{check:#}");
    assert!(check.to_string().contains("owner_unmatched"), "{check:#}");
    let out = stage_rejecting_under_5_percent(&env);
    let opps = out["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataset"] == "opportunities")
        .unwrap();
    assert_eq!(opps["staged"], 12, "{out:#}");
    // Every opportunity points at the account of the name it carried.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_opportunity o JOIN stg_account a ON o.AccountId = a._external_id
             JOIN src_opportunities s ON s._row = o._row WHERE s.account_name = a.Name"
        ),
        12
    );
    // The hierarchy column holds names: the European subsidiary's parent resolves.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_account c JOIN stg_account p ON c.ParentId = p._external_id
             WHERE c.Name = 'Acme Robotics - Europe' AND p.Name = 'Acme Robotics'"
        ),
        1
    );
    // Owners: usernames, never a person's name; Marco Rossi has no user, so no owner.
    assert_eq!(
        env.count("SELECT count(*) FROM stg_opportunity WHERE OwnerId LIKE '% %'"),
        0
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_opportunity WHERE OwnerId = 'dana.whitfield@northpeak.io.crm'"
        ),
        4
    );
    assert_eq!(
        env.count("SELECT count(*) FROM stg_opportunity WHERE OwnerId IS NULL"),
        2
    );
    env.run_ws(&["export", "--format", "salesforce"]).ok();
    let dir = env.ws().join("out");
    let file = walk(&dir)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("_Opportunity.csv"))
        .expect("opportunity import file");
    let header = std::fs::read_to_string(file).unwrap();
    assert!(
        header.lines().next().unwrap().contains("Owner.Username"),
        "{header}"
    );
}

#[test]
fn stage_refuses_a_mapping_whose_required_field_has_no_source() {
    let env = engagement("salesforce", &["hubspot/contacts.csv"]);
    suggest(&env, "contacts", "contact");
    let path = env.ws().join("mappings/contacts.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("target: LastName"), "{yaml}");
    // A reviewer drops the last name entry: every contact would be refused by Salesforce.
    let without: String = yaml.replace("  target: LastName\n", "  target: Description\n");
    std::fs::write(&path, without).unwrap();
    let run = env.run_ws(&["stage"]);
    assert_ne!(run.code(), 0, "{}", run.stdout());
    assert!(run.stderr().contains("`LastName`"), "{}", run.stderr());
    let check = env.run_ws(&["map", "check", "--json"]).fails(1).json();
    assert!(check.to_string().contains("required_unmapped"), "{check:#}");
}

#[test]
fn hubspot_exports_load_into_salesforce() {
    let env = engagement(
        "salesforce",
        &["hubspot/companies.csv", "hubspot/contacts.csv"],
    );
    suggest(&env, "companies", "account");
    suggest(&env, "contacts", "contact");
    let out = stage_rejecting_under_5_percent(&env);
    let contacts = out["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataset"] == "contacts")
        .unwrap();
    assert_eq!(contacts["staged"], 8, "{out:#}");
    // Contacts link to their company by the company's name.
    assert_eq!(
        env.count("SELECT count(*) FROM stg_contact WHERE AccountId IS NOT NULL"),
        8
    );
    // Accented names are stored as written.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_contact WHERE LastName = 'Müller' AND FirstName = 'Jürgen'"
        ),
        1
    );
}

#[test]
fn a_row_shifted_by_an_unquoted_delimiter_is_rejected_never_staged() {
    let env = engagement("salesforce", &["malformed/customers.csv"]);
    suggest(&env, "customers", "account");
    let check = env.run_ws(&["map", "check", "--json"]).ok().json();
    assert!(check.to_string().contains("\"ingest_issue\""), "{check:#}");
    let out = stage_rejecting_under_5_percent(&env);
    let d = &out["datasets"][0];
    assert_eq!(
        (d["staged"].as_i64(), d["rejected"].as_i64()),
        (Some(91), Some(1)),
        "{out:#}"
    );
    assert_eq!(d["reasons"]["ingest_issue"], 1, "{out:#}");
    // No staged record carries a value from the wrong column.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_account WHERE Name = 'Smith' OR BillingCity = 'Ann Smith'"
        ),
        0
    );
    // trace takes the record's id and shows the ingest problem and the surplus value.
    let trace = env.run_ws(&["trace", "customers", "92"]).ok().stdout();
    assert!(trace.contains("ingest_issue"), "{trace}");
    assert!(trace.contains("(113) 496-0000"), "{trace}");
    // The rejects file beside the import files says why, then gives the source row.
    env.run_ws(&["export", "--format", "salesforce"]).ok();
    let rejects = walk(&env.ws().join("out"))
        .into_iter()
        .find(|p| p.ends_with("rejects_customers.csv"))
        .expect("rejects file");
    let text = std::fs::read_to_string(rejects).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("source_row,record_key,problems,values,CustomerID")
    );
    let line = lines.next().unwrap();
    assert!(
        line.starts_with("92,SMJON,") && line.contains("ingest_issue"),
        "{text}"
    );
    let by_id = env.run_ws(&["trace", "customers", "ALFKI"]).ok().stdout();
    assert!(by_id.contains("row 1 "), "{by_id}");
    assert!(by_id.contains("staged"), "{by_id}");
}

#[test]
fn a_full_name_column_feeds_first_and_last_name() {
    let env = engagement("salesforce", &["events/attendees.csv"]);
    suggest(&env, "attendees", "contact");
    let yaml = mapping_yaml(&env, "attendees");
    assert!(yaml.contains("split_name: last"), "{yaml}");
    // map check agrees: the required last name has a source.
    let check = env.run_ws(&["map", "check", "--json"]).ok().json();
    assert_eq!(check["blocking"], 0, "{check:#}");
    stage_rejecting_under_5_percent(&env);
    let names: String = env
        .db()
        .query_row(
            "SELECT group_concat(coalesce(FirstName, '-') || ' / ' || LastName, '; ') FROM (SELECT * FROM stg_contact ORDER BY _row)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        names,
        "James / O'Neil; Ana / de la Cruz; Lee / Chen; - / Madonna"
    );
}

/// HubSpot exports where each company has one deal and one contact: the `Associated Company`
/// columns are unique, yet they are links by name (the column names the companies dataset and
/// the values are its names), so they map to the account lookup and every reference resolves.
#[test]
fn one_to_one_links_by_company_name_resolve_to_the_account() {
    let env = engagement(
        "salesforce",
        &[
            "hubspot_one_to_one/companies.csv",
            "hubspot_one_to_one/contacts.csv",
            "hubspot_one_to_one/deals.csv",
            "hubspot_one_to_one/users.csv",
        ],
    );
    suggest(&env, "companies", "account");
    suggest(&env, "deals", "opportunity");
    suggest(&env, "contacts", "contact");
    for dataset in ["deals", "contacts"] {
        let yaml = mapping_yaml(&env, dataset);
        let at = yaml.find("source: Associated Company").expect(&yaml);
        let field = &yaml[at..at + 400.min(yaml.len() - at)];
        assert!(field.contains("target: AccountId"), "{dataset}: {field}");
        assert!(field.contains("dataset: companies"), "{dataset}: {field}");
        assert!(field.contains("column: Company name"), "{dataset}: {field}");
    }
    stage_rejecting_under_5_percent(&env);
    for table in ["stg_opportunity", "stg_contact"] {
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM {table} WHERE AccountId IS NULL"
            )),
            0,
            "{table}"
        );
    }
}
