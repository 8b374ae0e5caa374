//! Values have one home: value evidence in `map suggest`, and the profile and stage agreeing on
//! what a valid phone is, through the real binary on hand-written real-shaped exports.

use std::collections::BTreeMap;

use crate::util::{Env, fixture};

/// A workspace with the given `tests/fixtures/values/` files ingested.
fn workspace(files: &[&str]) -> Env {
    let env = Env::workspace();
    let paths: Vec<String> = files
        .iter()
        .map(|f| fixture(&format!("values/{f}")).display().to_string())
        .collect();
    let mut args = vec!["ingest"];
    args.extend(paths.iter().map(String::as_str));
    env.run_ws(&args).ok();
    env
}

/// `map suggest` as written: source column -> target field, and the whole document.
fn suggest(
    env: &Env,
    dataset: &str,
    object: &str,
    extra: &[&str],
) -> (BTreeMap<String, String>, serde_yaml::Value) {
    let out = env.path().join(format!("{dataset}-{object}.yaml"));
    let out_s = out.display().to_string();
    let mut args = vec![
        "map", "suggest", dataset, "--object", object, "--out", &out_s, "--force",
    ];
    args.extend(extra);
    env.run_ws(&args).ok();
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let map = doc["fields"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["source"].as_str().unwrap_or_default().to_string(),
                f["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (map, doc)
}

#[test]
fn values_outweigh_weak_headers_countries_states_owners_and_amounts() {
    let env = workspace(&["accounts.csv", "deals.csv", "users.csv"]);
    let (map, doc) = suggest(&env, "accounts", "account", &[]);
    // `Region` holds country names: the country, not the state.
    assert_eq!(map["Region"], "BillingCountry", "{map:?}");
    assert_eq!(map["State"], "BillingState", "{map:?}");
    // `Status` (Active/Inactive) beside `State` is never a state.
    assert!(!map["Status"].contains("State"), "{map:?}");
    // `Assigned` holds the users of the users export: the owner, with the owners map.
    assert_eq!(map["Assigned"], "OwnerId", "{map:?}");
    assert_eq!(
        doc["owners"]["Dana Whitfield"].as_str(),
        Some("dana.whitfield@northwind.example.com.crm")
    );

    let (map, _) = suggest(&env, "deals", "opportunity", &[]);
    assert_eq!(map["Value"], "Amount", "{map:?}");
    assert_eq!(map["Rep"], "OwnerId", "{map:?}");

    // HubSpot: the same columns land on its own country, state and owner properties.
    let (map, _) = suggest(&env, "accounts", "account", &["--target", "hubspot"]);
    assert_eq!(map["Region"], "country", "{map:?}");
    assert_eq!(map["State"], "state", "{map:?}");
    assert_eq!(map["Assigned"], "hubspot_owner_id", "{map:?}");
    assert_ne!(map["Status"], "state", "{map:?}");
}

#[test]
fn a_status_column_named_state_is_not_a_state_and_names_under_an_owner_header_are_owners() {
    // No users export here: the owner is known by the names repeated under `Owner`.
    let env = workspace(&["legacy_state.csv"]);
    for target in ["salesforce", "hubspot"] {
        let (map, _) = suggest(&env, "legacy_state", "account", &["--target", target]);
        let standard = ["BillingState", "ShippingState", "state"];
        assert!(
            standard.contains(&map["Province"].as_str()),
            "{target}: {map:?}"
        );
        assert!(
            !standard.contains(&map["State"].as_str()),
            "{target}: {map:?}"
        );
    }
    let (map, _) = suggest(&env, "legacy_state", "account", &[]);
    assert_eq!(map["Assigned"], "OwnerId", "{map:?}");
}

#[test]
fn a_phone_the_profile_calls_valid_is_never_rejected_by_stage() {
    let env = workspace(&["accounts.csv"]);
    let profile = env.run_ws(&["profile", "--json"]).ok().json();
    let accounts = profile["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "accounts")
        .unwrap();
    let phone = accounts["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["header"] == "Phone")
        .unwrap();
    let filled = phone["filled"].as_u64().unwrap();
    let placeholders = phone["placeholder"].as_u64().unwrap();
    // A placeholder in a phone column counts as invalid too; it is blanked, not rejected.
    let invalid = phone["invalid"]["count"].as_u64().unwrap() - placeholders;
    let valid = filled - invalid;
    assert_eq!((filled, valid), (12, 11), "{phone}");

    // The strictest policy: a phone that fails its transform rejects the record.
    let path = env.ws().join("mappings/accounts.yaml");
    env.run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .ok();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "  target: Phone\n",
        "  target: Phone\n  on_invalid: reject\n",
        1,
    );
    assert!(text.contains("on_invalid: reject"), "{text}");
    std::fs::write(&path, text).unwrap();
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let run = &out["datasets"][0];
    // Only the value the profile calls invalid is rejected; the 11 valid phones all load.
    assert_eq!(run["rejected"].as_u64(), Some(invalid), "{run}");
    let db = env.db();
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let rejected = rows("SELECT field || ': ' || value FROM _rejects WHERE dataset = 'accounts'");
    assert_eq!(rejected, ["Phone: call the office"], "{rejected:?}");
    let phones = rows("SELECT Phone FROM stg_account WHERE Phone <> '' ORDER BY Phone");
    assert_eq!(phones.len() as u64, valid, "{phones:?}");
    for want in [
        "+442079460958",
        "+49891234567",
        "+31201234567",
        "030 1234567",
    ] {
        assert!(phones.iter().any(|p| p == want), "{want} in {phones:?}");
    }
}

#[test]
fn a_workspace_playbooks_folder_overrides_the_placeholder_table() {
    let env = workspace(&["accounts.csv"]);
    let placeholders = |env: &Env| {
        let p = env.run_ws(&["profile", "--json"]).ok().json();
        let d = p["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "accounts")
            .unwrap()
            .clone();
        let c = d["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["header"] == "Phone")
            .unwrap()
            .clone();
        c["placeholder"].as_u64().unwrap()
    };
    assert_eq!(placeholders(&env), 1);
    std::fs::create_dir_all(env.ws().join("playbooks")).unwrap();
    std::fs::write(
        env.ws().join("playbooks/placeholders.yaml"),
        "placeholders: [n/a, call the office]\n",
    )
    .unwrap();
    assert_eq!(placeholders(&env), 2);
    std::fs::write(
        env.ws().join("playbooks/placeholders.yaml"),
        "placeholders: nope: [\n",
    )
    .unwrap();
    let run = env.run_ws(&["profile"]).fails(2);
    assert!(
        run.stderr().contains("placeholders.yaml"),
        "{}",
        run.stderr()
    );
}
