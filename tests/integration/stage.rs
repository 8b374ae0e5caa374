//! `stage`, `reconcile`, `trace` and `export`: every source row accounted for.

use crate::util::{Env, fixture};

/// A workspace with the stage fixtures ingested, reviewed mappings in place, an exclusion
/// rule, and the duplicate accounts deduped.
pub(crate) fn prepared() -> Env {
    let env = Env::workspace();
    let config = env.ws().join("crmkit.yaml");
    // No reviewer here: the workspace lets stage merge the proposed duplicate clusters.
    let mut text = std::fs::read_to_string(&config).unwrap().replace(
        "merge_proposed_duplicates: false",
        "merge_proposed_duplicates: true",
    );
    text.push_str("exclude:\n  - {name: former_customers, dataset: accounts, column: Type, values: [Former Customer]}\n");
    std::fs::write(&config, text).unwrap();
    for f in ["accounts.yaml", "contacts.yaml"] {
        std::fs::copy(
            fixture(&format!("stage/mappings/{f}")),
            env.ws().join("mappings").join(f),
        )
        .unwrap();
    }
    let a = fixture("stage/accounts.csv");
    let c = fixture("stage/contacts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap(), c.to_str().unwrap()])
        .ok();
    env.dedupe_accounts();
    env
}

fn dataset<'a>(out: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    out["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataset"] == name)
        .unwrap()
}

#[test]
fn every_row_lands_in_exactly_one_place() {
    let env = prepared();
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let a = dataset(&out, "accounts");
    assert_eq!(
        (
            a["source_rows"].as_i64(),
            a["staged"].as_i64(),
            a["merged"].as_i64(),
            a["rejected"].as_i64(),
            a["excluded"].as_i64()
        ),
        (Some(10), Some(6), Some(1), Some(2), Some(1))
    );
    assert_eq!(a["reasons"]["required_missing"], 1);
    assert_eq!(a["reasons"]["duplicate_key"], 1);
    assert_eq!(a["rules"]["former_customers"], 1);
    // Self-parent A-4, missing parent A-99 and the cycle: three links cleared.
    assert_eq!(a["parents_cleared"], 3);
    let c = dataset(&out, "contacts");
    assert_eq!(
        (
            c["staged"].as_i64(),
            c["rejected"].as_i64(),
            c["excluded"].as_i64()
        ),
        (Some(5), Some(1), Some(1))
    );
    // An optional reference that leads nowhere (an orphan, a rejected account) costs the
    // field, not the record: both load with AccountId blank and a note saying why.
    assert!(c["reasons"].get("bad_reference").is_none(), "{c:#}");
    assert_eq!(c["warnings"]["AccountId blanked"], 2, "{c:#}");
    assert_eq!(
        env.count("SELECT count(*) FROM stg_contact WHERE AccountId IS NULL AND _notes LIKE '%AccountId: blanked%bad_reference%'"),
        2
    );
    // The contact of the excluded account goes with it, under the same rule.
    assert_eq!(c["rules"]["former_customers"], 1);
    // A bad email costs the field, not the record: Fay loads with Email blank and a note.
    assert!(c["reasons"].get("bad_type").is_none(), "{c:#}");
    assert_eq!(c["warnings"]["Email blanked"], 1, "{c:#}");
    assert_eq!(
        env.count("SELECT count(*) FROM stg_contact WHERE LastName = 'Bad' AND Email IS NULL AND _notes LIKE '%Email: blanked%'"),
        1
    );
    assert_eq!(c["reasons"]["required_missing"], 1);
    // The contact of the merged A-2 is re-parented to its survivor A-1.
    assert_eq!(
        env.count("SELECT count(*) FROM stg_contact WHERE AccountId = 'A-1'"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM stg_account WHERE ParentId IS NOT NULL"),
        2
    );
    let plan: Vec<String> = out["load_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["target_object"].as_str().unwrap(),
                p["pass"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        plan,
        [
            "Account insert",
            "Account update ParentId",
            "Contact insert"
        ]
    );

    let run = env.run_ws(&["reconcile"]).ok();
    assert!(
        run.stdout().contains("balanced: every source row"),
        "{}",
        run.stdout()
    );
    let r = env.run_ws(&["reconcile", "--json"]).ok().json();
    assert_eq!(r["balanced"], true);
    assert_eq!(r["datasets"][0]["counts"]["unaccounted"], 0);
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'reconcile.balanced'"),
        1
    );
}

#[test]
fn trace_tells_each_rows_story() {
    let env = prepared();
    env.run_ws(&["stage"]).ok();
    let cases: [(&str, &str, &[&str]); 6] = [
        ("accounts", "1", &["-> staged", "external id `A-1`"]),
        (
            "accounts",
            "2",
            &[
                "-> merged",
                "merged into A-1",
                "references to it load on A-1",
            ],
        ),
        (
            "accounts",
            "8",
            &["-> excluded", "rule `former_customers`", "Former Customer"],
        ),
        (
            "accounts",
            "9",
            &["-> rejected", "required_missing: field `Name`"],
        ),
        ("contacts", "3", &["-> staged"]),
        (
            "contacts",
            "4",
            &[
                "-> excluded",
                "rule `former_customers`",
                "its account `A-8` is excluded",
            ],
        ),
    ];
    for (ds, row, wants) in cases {
        let run = env.run_ws(&["trace", ds, row]).ok();
        for want in wants {
            assert!(
                run.stdout().contains(want),
                "trace {ds} {row}: missing {want:?} in\n{}",
                run.stdout()
            );
        }
    }
    let run = env.run_ws(&["trace", "accounts", "99"]).fails(2);
    assert!(run.stderr().contains("has no row 99"), "{}", run.stderr());
}

#[test]
fn reconcile_fails_when_a_row_goes_missing() {
    let env = prepared();
    env.run_ws(&["stage"]).ok();
    env.db_rw()
        .execute("DELETE FROM stg_account WHERE _external_id = 'A-5'", [])
        .unwrap();
    let run = env.run_ws(&["reconcile"]).fails(1);
    assert!(run.stdout().contains("NOT balanced"), "{}", run.stdout());
    assert!(
        run.stdout().contains("row 5 (0 buckets)"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'reconcile.balanced'"),
        0
    );
    // Staging again repairs it.
    env.run_ws(&["stage"]).ok();
    env.run_ws(&["reconcile"]).ok();
}

#[test]
fn salesforce_export_follows_the_load_plan() {
    let env = prepared();
    env.run_ws(&["stage"]).ok();
    let out = env
        .run_ws(&["export", "--format", "salesforce", "--json"])
        .ok()
        .json();
    let files: Vec<&str> = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "01_Account.csv",
            "02_Account_update_ParentId.csv",
            "03_Contact.csv"
        ]
    );
    let dir = env.ws().join("out/export-salesforce");
    let accounts = std::fs::read_to_string(dir.join("01_Account.csv")).unwrap();
    assert!(
        accounts.starts_with("Legacy_Account_ID__c,Name,Website,Phone,BillingCity,Type\n"),
        "{accounts}"
    );
    assert_eq!(accounts.lines().count(), 7);
    let parents = std::fs::read_to_string(dir.join("02_Account_update_ParentId.csv")).unwrap();
    assert_eq!(
        parents,
        "Legacy_Account_ID__c,Parent.Legacy_Account_ID__c\nA-3,A-1\nA-7,A-6\n"
    );
    let contacts = std::fs::read_to_string(dir.join("03_Contact.csv")).unwrap();
    assert!(
        contacts.starts_with("Legacy_Contact_ID__c,Account.Legacy_Account_ID__c,"),
        "{contacts}"
    );
    let plan = std::fs::read_to_string(dir.join("load-plan.md")).unwrap();
    assert!(
        plan.contains("| 2 | `02_Account_update_ParentId.csv` | Account | update ParentId | 2 |"),
        "{plan}"
    );
    // Exporting for another target than the mappings' is refused with the way out.
    let run = env.run_ws(&["export", "--format", "hubspot"]).fails(2);
    assert!(run.stderr().contains("--format csv"), "{}", run.stderr());
    let out = env
        .run_ws(&["export", "--format", "csv", "--json"])
        .ok()
        .json();
    assert_eq!(out["files"][0]["rows"], 6);
}

#[test]
fn stage_without_mappings_or_with_a_broken_one_explains() {
    let env = Env::workspace();
    let run = env.run_ws(&["stage"]).fails(2);
    assert!(run.stderr().contains("map suggest"), "{}", run.stderr());
    let env = prepared();
    let path = env.ws().join("mappings/accounts.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("target: BillingCity", "target: BillingCty");
    std::fs::write(&path, text).unwrap();
    let run = env.run_ws(&["stage"]).fails(2);
    assert!(
        run.stderr().contains("BillingCty") && run.stderr().contains("map check"),
        "{}",
        run.stderr()
    );
    let run = env.run_ws(&["reconcile"]).fails(2);
    assert!(run.stderr().contains("crmkit stage"), "{}", run.stderr());
}

#[test]
fn killed_midway_then_rerun_equals_an_uninterrupted_run() {
    // Enough rows that staging takes a moment in a debug build.
    let make = |env: &Env| {
        let mut a = String::from(
            "Account ID,Account Name,Parent Account ID,Website,Phone,Billing City,Type\n",
        );
        let mut c = String::from("Contact ID,Account ID,First Name,Last Name,Email\n");
        for i in 1..=6_000 {
            let parent = if i % 3 == 0 {
                format!("A-{}", i - 1)
            } else {
                String::new()
            };
            a.push_str(&format!(
                "A-{i},Company {i},{parent},c{i}.com,(415) 555-{:04},City,Customer\n",
                i % 10_000
            ));
            c.push_str(&format!("C-{i},A-{i},First,Last {i},p{i}@c{i}.com\n"));
        }
        let config = env.ws().join("crmkit.yaml");
        for f in ["accounts.yaml", "contacts.yaml"] {
            std::fs::copy(
                fixture(&format!("stage/mappings/{f}")),
                env.ws().join("mappings").join(f),
            )
            .unwrap();
        }
        assert!(config.exists());
        let a = env.write("accounts.csv", a);
        let c = env.write("contacts.csv", c);
        env.run_ws(&["ingest", a.to_str().unwrap(), c.to_str().unwrap()])
            .ok();
    };
    let queries = [
        "SELECT * FROM stg_account ORDER BY _external_id",
        "SELECT * FROM stg_contact ORDER BY _external_id",
        "SELECT * FROM _rejects ORDER BY dataset, _batch, _row, field",
        "SELECT dataset, object, source_rows, staged, merged, rejected, excluded FROM _stage_runs ORDER BY dataset",
    ];
    let clean = Env::workspace();
    make(&clean);
    let started = std::time::Instant::now();
    clean.run_ws(&["stage"]).ok();
    let took = started.elapsed();
    let want: Vec<Vec<String>> = queries.iter().map(|q| clean.dump(q)).collect();

    let env = Env::workspace();
    make(&env);
    env.run_ws(&["stage"]).ok();
    // Kill a second run halfway: the first run's results must survive intact.
    let mut child = env.spawn_ws(&["stage"]);
    std::thread::sleep(took / 2);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(env.dump(queries[0]), want[0]);
    env.run_ws(&["stage"]).ok();
    for (q, w) in queries.iter().zip(&want) {
        assert_eq!(&env.dump(q), w, "{q}");
    }
    env.run_ws(&["reconcile"]).ok();
}

#[test]
fn stage_leaves_the_database_in_wal_and_runs_beside_an_open_reader() {
    let env = prepared();
    let mode = |env: &Env| -> String {
        env.db()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    };
    env.run_ws(&["stage"]).ok();
    assert_eq!(mode(&env), "wal");
    // map check's dry run writes beside the staged tables and rolls back: nothing changes.
    let tables = "SELECT name FROM sqlite_master ORDER BY name";
    let keys = "SELECT * FROM _stage_keys ORDER BY object, dataset, key";
    let rows = "SELECT * FROM stg_account ORDER BY _external_id";
    let before = (env.dump(tables), env.dump(keys), env.dump(rows));
    let _ = env.run_ws(&["map", "check"]);
    assert_eq!(mode(&env), "wal");
    assert_eq!((env.dump(tables), env.dump(keys), env.dump(rows)), before);
    // A reader (Datasette, sqlite3) holding the database open: stage keeps WAL and both work.
    let reader = env.db();
    let staged = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT count(*) FROM stg_account", [], |r| r.get(0))
            .unwrap()
    };
    let before = staged(&reader);
    env.run_ws(&["stage"]).ok();
    assert_eq!(staged(&reader), before);
    assert_eq!(mode(&env), "wal");
    env.run_ws(&["reconcile"]).ok();
}

#[test]
fn map_check_foresees_a_generated_id_clashing_with_a_key() {
    // The blank id of row 3 gets the generated id `accounts-3`, which row 1 holds as its key.
    let env = Env::workspace();
    let csv = env.write(
        "accounts.csv",
        "Account ID,Account Name\naccounts-3,Acme\nA-2,Beta\n,Gamma\n",
    );
    env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
    env.run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .ok();
    let stage = env.run_ws(&["stage"]);
    assert_ne!(stage.code(), 0);
    // Named as the user knows it: the dataset, both rows, the id, the column to fill.
    let why = "rows 1 and 3 of dataset `accounts` would both load as account `accounts-3`, and the target keeps one record per id: row 3 has no `Account ID`";
    assert!(stage.stderr().contains(why), "{}", stage.stderr());
    let check = env.run_ws(&["map", "check"]);
    assert!(check.stdout().contains("stage_stops"), "{}", check.stdout());
    assert!(check.stdout().contains(why), "{}", check.stdout());
    assert!(!check.stdout().contains("_dry_"), "{}", check.stdout());
}

#[test]
fn the_bundled_samples_stage_and_balance() {
    let env = Env::workspace();
    let dir = crate::util::sample("");
    let files: Vec<String> = [
        "accounts.csv",
        "contacts.csv",
        "opportunities.csv",
        "users.csv",
    ]
    .iter()
    .map(|f| dir.join(f).display().to_string())
    .collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    env.run_ws(&args).ok();
    for (ds, obj) in [
        ("accounts", "account"),
        ("contacts", "contact"),
        ("opportunities", "opportunity"),
        ("users", "user"),
    ] {
        env.run_ws(&["map", "suggest", ds, "--object", obj]).ok();
    }
    let dedupe = env.dedupe_accounts_with(&["--json"]).ok().json();
    // Proposed clusters are not merged until a reviewer accepts them.
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    assert_eq!(dataset(&out, "accounts")["merged"], 0);
    let sheet = env.ws().join("out/dedupe-review-accounts.csv");
    let accepted: String = std::fs::read_to_string(&sheet)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, ',').collect();
            if f.len() == 4 && f[0] == "accounts" {
                format!("{},{},accept,{}\n", f[0], f[1], f[3])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&sheet, accepted).unwrap();
    env.run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .ok();
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    assert_eq!(dataset(&out, "accounts")["merged"], dedupe["duplicates"]);
    // Users are matched to the target's existing users, not created.
    assert!(
        out["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["dataset"] != "users")
    );
    env.run_ws(&["reconcile"]).ok();
    // No staged contact or opportunity points at a merged-away account.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM stg_contact WHERE AccountId IN (SELECT record_id FROM _merges)"
        ),
        0
    );
    assert_eq!(env.count("SELECT count(*) FROM stg_opportunity WHERE AccountId IN (SELECT record_id FROM _merges)"), 0);
}

#[test]
fn hubspot_export_carries_associations_as_parent_external_ids() {
    let env = Env::new();
    env.run(&["init", "ws", "--target", "hubspot"]).ok();
    for f in ["accounts.yaml", "contacts.yaml"] {
        std::fs::copy(
            fixture(&format!("stage/hubspot/{f}")),
            env.ws().join("mappings").join(f),
        )
        .unwrap();
    }
    let a = fixture("stage/accounts.csv");
    let c = fixture("stage/contacts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap(), c.to_str().unwrap()])
        .ok();
    env.run_ws(&["stage"]).ok();
    env.run_ws(&["reconcile"]).ok();
    let out = env
        .run_ws(&["export", "--format", "hubspot", "--json"])
        .ok()
        .json();
    let files: Vec<&str> = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "01_companies.csv",
            "02_companies_update_parent_company.csv",
            "03_contacts.csv"
        ]
    );
    let dir = env.ws().join("out/export-hubspot");
    let companies = std::fs::read_to_string(dir.join("01_companies.csv")).unwrap();
    assert!(
        companies.starts_with(
            "legacy_account_id,name,domain\nA-1,Northwind Traders Inc,northwind.com\n"
        ),
        "{companies}"
    );
    let parents =
        std::fs::read_to_string(dir.join("02_companies_update_parent_company.csv")).unwrap();
    assert!(
        parents.starts_with("legacy_account_id,account legacy_account_id\n"),
        "{parents}"
    );
    assert!(parents.contains("A-3,A-1\n"), "{parents}");
    let contacts = std::fs::read_to_string(dir.join("03_contacts.csv")).unwrap();
    assert!(contacts.starts_with("legacy_contact_id,account legacy_account_id,lastname,email\nC-1,A-1,Ortiz,ana@northwind.com\n"), "{contacts}");
}

#[test]
fn dead_accounts_found_by_the_profile_are_excluded_by_a_named_rule() {
    let env = Env::workspace();
    let config = env.ws().join("crmkit.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("exclude:\n  - {name: dead_accounts, dataset: accounts, column: Account ID, status: dead}\n");
    std::fs::write(&config, text).unwrap();
    let dir = crate::util::sample("");
    let files: Vec<String> = ["accounts.csv", "opportunities.csv"]
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    env.run_ws(&["ingest", &files[0], &files[1]]).ok();
    env.run_ws(&["map", "suggest", "accounts", "--object", "account"])
        .ok();
    // The rule needs the profile's account status first.
    let run = env.run_ws(&["stage"]).fails(2);
    assert!(run.stderr().contains("crmkit profile"), "{}", run.stderr());
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let as_of = truth["as_of"].as_str().unwrap();
    env.run_ws(&["profile", "--as-of", as_of]).ok();
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let dead = truth["dead_accounts"].as_array().unwrap().len() as i64;
    assert_eq!(dataset(&out, "accounts")["rules"]["dead_accounts"], dead);
    assert_eq!(
        env.count("SELECT count(*) FROM _exclusions WHERE rule = 'dead_accounts'"),
        dead
    );
    let first = truth["dead_accounts"][0].as_str().unwrap();
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM stg_account WHERE Name IS NOT NULL AND _external_id = '{first}'"
        )),
        0
    );
    env.run_ws(&["reconcile"]).ok();
}

/// Two CRMs' accounts and contacts into the same objects: each dataset keeps its own key
/// namespace and upserts on its own external-id field.
#[test]
fn two_datasets_into_one_object_keep_their_own_keys() {
    let env = Env::workspace();
    let dir = fixture("stage/two_sources");
    for f in [
        "accounts_crm",
        "accounts_billing",
        "contacts_crm",
        "contacts_billing",
    ] {
        std::fs::copy(
            dir.join(format!("mappings/{f}.yaml")),
            env.ws().join("mappings").join(format!("{f}.yaml")),
        )
        .unwrap();
        env.run_ws(&["ingest", dir.join(format!("{f}.csv")).to_str().unwrap()])
            .ok();
    }
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let counts = |d: &str| {
        let o = dataset(&out, d);
        (
            o["staged"].as_i64().unwrap(),
            o["rejected"].as_i64().unwrap(),
        )
    };
    // Source id 1001 is in both account datasets: two records, no duplicate_key.
    assert_eq!(counts("accounts_crm"), (3, 0));
    assert_eq!(counts("accounts_billing"), (2, 0));
    // C3 names account 1001 without saying which dataset: ambiguous, so not guessed; the
    // reference costs the field, not the contact.
    assert_eq!(counts("contacts_crm"), (4, 0));
    assert_eq!(
        dataset(&out, "contacts_crm")["warnings"]["AccountId blanked"],
        1
    );
    let notes: String = env
        .db()
        .query_row(
            "SELECT _notes FROM stg_contact WHERE _dataset = 'contacts_crm' AND _notes IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        notes.contains("accounts_crm") && notes.contains("accounts_billing"),
        "{notes}"
    );
    // Contact C1 is in both contact datasets: two records.
    assert_eq!(counts("contacts_billing"), (2, 0));
    assert_eq!(
        env.count("SELECT count(*) FROM stg_contact WHERE _external_id = 'C1'"),
        2
    );
    let r = env.run_ws(&["reconcile", "--json"]).ok().json();
    assert_eq!(r["balanced"], true, "{r}");

    let out = env
        .run_ws(&["export", "--format", "salesforce", "--json"])
        .ok()
        .json();
    let files: Vec<(&str, &str)> = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["external_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        files.contains(&("01_Account_accounts_crm.csv", "CRM_Account_Id__c"))
            || files.contains(&("02_Account_accounts_crm.csv", "CRM_Account_Id__c")),
        "{files:?}"
    );
    let file = |suffix: &str| {
        let (name, _) = files
            .iter()
            .find(|(f, _)| f.ends_with(suffix))
            .unwrap_or_else(|| panic!("no file ending {suffix} in {files:?}"));
        std::fs::read_to_string(env.ws().join("out/export-salesforce").join(name)).unwrap()
    };
    let billing = file("_Account_accounts_billing.csv");
    assert!(
        billing.starts_with("Billing_Customer_No__c,Name\n1001,Initech LLC\n"),
        "{billing}"
    );
    // The contact file carries one upsert-key column per account dataset, each filled where
    // the reference points into that dataset.
    let contacts = file("_Contact_contacts_crm.csv");
    assert!(
        contacts.starts_with(
            "CRM_Contact_Id__c,Account.Billing_Customer_No__c,Account.CRM_Account_Id__c,FirstName,LastName\n"
        ),
        "{contacts}"
    );
    assert!(contacts.contains("\nC1,,1002,Ana,Ortiz\n"), "{contacts}");
    assert!(contacts.contains("\nC2,2001,,Ben,Stone\n"), "{contacts}");
    let billing_contacts = file("_Contact_contacts_billing.csv");
    assert!(
        billing_contacts.contains("\nC1,1001,,Eve,Moss\n"),
        "{billing_contacts}"
    );
    // Hierarchies resolve inside their own dataset first.
    let parents = file("_Account_update_ParentId_accounts_crm.csv");
    assert_eq!(
        parents,
        "CRM_Account_Id__c,Parent.Billing_Customer_No__c,Parent.CRM_Account_Id__c\n1002,,1001\n"
    );
}

/// Reviewed merges: a reviewer takes one record out of its cluster, and a survivor an
/// exclusion rule takes out hands its cluster to the best remaining member; nobody is lost.
#[test]
fn merges_survive_a_removed_member_and_an_excluded_survivor() {
    let env = Env::workspace();
    let config = env.ws().join("crmkit.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("exclude:\n  - {name: former_customers, dataset: accounts, column: Type, values: [Former Customer]}\n");
    std::fs::write(&config, text).unwrap();
    std::fs::copy(
        fixture("stage/merges/accounts.yaml"),
        env.ws().join("mappings/accounts.yaml"),
    )
    .unwrap();
    let a = fixture("stage/merges/accounts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap()]).ok();
    env.dedupe_accounts();
    // The reviewer accepts both clusters (M-1 and M-4 survive) but says Contoso Limited (M-5)
    // is another company.
    let sheet = env.ws().join("out/dedupe-review-accounts.csv");
    let mut reader = csv::Reader::from_path(&sheet).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers).unwrap();
    for record in reader.records() {
        let mut r: Vec<String> = record.unwrap().iter().map(String::from).collect();
        r[2] = if r[4] == "M-5" { "remove" } else { "accept" }.into();
        r[3] = if r[4] == "M-1" || r[4] == "M-4" {
            "yes"
        } else {
            ""
        }
        .into();
        writer.write_record(&r).unwrap();
    }
    std::fs::write(&sheet, writer.into_inner().unwrap()).unwrap();
    let run = env
        .run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout().contains("1 record removed from their cluster"),
        "{}",
        run.stdout()
    );

    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let d = dataset(&out, "accounts");
    // M-1 excluded; M-2 survives in its place and M-3 merges into it; M-4 and M-5 both load.
    assert_eq!(
        (
            d["source_rows"].as_i64(),
            d["staged"].as_i64(),
            d["merged"].as_i64(),
            d["rejected"].as_i64(),
            d["excluded"].as_i64()
        ),
        (Some(6), Some(4), Some(1), Some(0), Some(1)),
        "{d}"
    );
    let staged = env.dump("SELECT _external_id FROM stg_account ORDER BY 1");
    assert_eq!(staged.len(), 4, "{staged:?}");
    let merged_into: String = env
        .db()
        .query_row(
            "SELECT external_id FROM _stage_keys WHERE key = 'M-3'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged_into, "M-2");
    let r = env.run_ws(&["reconcile", "--json"]).ok().json();
    assert_eq!(r["balanced"], true, "{r}");
    assert_eq!(r["datasets"][0]["counts"]["merged"], 1, "{r}");

    // The removed record is not in a cluster any more; the survivor cannot be removed.
    let text = std::fs::read_to_string(&sheet).unwrap();
    let bad = text
        .replacen("remove,,M-5", "remove,yes,M-5", 1)
        .replacen(",yes,M-4", ",,M-4", 1);
    let bad_sheet = env.write("bad-review.csv", bad);
    let run = env
        .run_ws(&["dedupe", "apply", bad_sheet.to_str().unwrap()])
        .fails(2);
    assert!(run.stderr().contains("cannot survive"), "{}", run.stderr());
}

/// The record that replaces an excluded survivor is chosen by the survivorship rules the
/// dedupe run was given (`--rules`), not the playbook's: here the most recently touched.
#[test]
fn a_replacement_survivor_follows_the_dedupe_rules_file() {
    let env = Env::workspace();
    let config = env.ws().join("crmkit.yaml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "merge_proposed_duplicates: false",
        "merge_proposed_duplicates: true",
    );
    assert!(text.contains("merge_proposed_duplicates: true"), "{text}");
    std::fs::write(
        &config,
        format!("{text}exclude:\n  - {{name: former_customers, dataset: accounts, column: Type, values: [Former Customer]}}\n"),
    )
    .unwrap();
    std::fs::copy(
        fixture("stage/survivor-rules/accounts.yaml"),
        env.ws().join("mappings/accounts.yaml"),
    )
    .unwrap();
    let a = fixture("stage/survivor-rules/accounts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap()]).ok();
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/dedupe.yaml"),
    )
    .unwrap();
    let start = builtin.find("survivorship:").unwrap();
    let end = builtin[start..].find("  source_priority:").unwrap() + start;
    let rules = env.write(
        "recent-wins.yaml",
        format!(
            "{}survivorship:\n  order: [most_recent, first_row]\n  recency_columns: [touched_on]\n{}",
            &builtin[..start],
            &builtin[end..]
        ),
    );
    let merged_into = |env: &Env, key: &str| -> String {
        env.db()
            .query_row(
                "SELECT external_id FROM _stage_keys WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
    };
    let dedupe = |extra: &[&str]| {
        let mut args = vec![
            "dedupe",
            "accounts",
            "--object",
            "account",
            "--id",
            "account_id",
        ];
        args.extend_from_slice(extra);
        env.run_ws(&args).ok();
    };

    // By the file: S-1 (touched last) survives the dedupe run, the rule excludes it, and the
    // next most recent, S-3, takes its place; S-2 merges into S-3.
    dedupe(&["--rules", rules.to_str().unwrap()]);
    let out = env.run_ws(&["stage", "--json"]).ok().json();
    let d = dataset(&out, "accounts");
    assert_eq!(
        (
            d["staged"].as_i64(),
            d["merged"].as_i64(),
            d["excluded"].as_i64()
        ),
        (Some(2), Some(1), Some(1)),
        "{d}"
    );
    assert_eq!(merged_into(&env, "S-2"), "S-3");
    let r = env.run_ws(&["reconcile", "--json"]).ok().json();
    assert_eq!(r["balanced"], true, "{r}");

    // By the playbook (no recency column it knows, equal completeness): the first row, S-2.
    dedupe(&[]);
    env.run_ws(&["stage", "--json"]).ok();
    assert_eq!(merged_into(&env, "S-3"), "S-2");
}

/// `map check` finds the plain reference stage cannot resolve (a key two account datasets
/// both have), counted and in stage's own words: a warning, as stage blanks the field; with
/// `on_invalid: reject` it blocks, as stage then rejects the record.
#[test]
fn map_check_finds_a_reference_ambiguous_across_datasets_as_stage_treats_it() {
    let env = Env::workspace();
    let dir = fixture("stage/two_sources");
    for f in [
        "accounts_crm",
        "accounts_billing",
        "contacts_crm",
        "contacts_billing",
    ] {
        std::fs::copy(
            dir.join(format!("mappings/{f}.yaml")),
            env.ws().join("mappings").join(format!("{f}.yaml")),
        )
        .unwrap();
        env.run_ws(&["ingest", dir.join(format!("{f}.csv")).to_str().unwrap()])
            .ok();
    }
    let check = env.run_ws(&["map", "check", "--json"]).ok().json();
    let report = |check: &serde_json::Value, dataset: &str| {
        check["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["dataset"] == dataset)
            .unwrap_or_else(|| panic!("no {dataset} in {check:#}"))
            .clone()
    };
    let ambiguous = |m: &serde_json::Value| -> Vec<serde_json::Value> {
        m["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "ambiguous_reference")
            .cloned()
            .collect()
    };
    let crm = report(&check, "contacts_crm");
    let found = ambiguous(&crm);
    assert_eq!(found.len(), 1, "{crm:#}");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["count"], 1);
    assert_eq!(found[0]["field"], "AccountId");
    assert_eq!(found[0]["examples"][0], "1001");
    for d in [
        "contacts_crm",
        "contacts_billing",
        "accounts_crm",
        "accounts_billing",
    ] {
        assert_eq!(report(&check, d)["blocking"], 0, "{:#}", report(&check, d));
    }
    // Refused on purpose: then it blocks, in stage's words.
    let path = env.ws().join("mappings/contacts_crm.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let yaml = yaml.replacen(
        "target: AccountId,",
        "target: AccountId, on_invalid: reject,",
        1,
    );
    assert!(yaml.contains("on_invalid: reject"), "{yaml}");
    std::fs::write(&path, yaml).unwrap();
    let check = env.run_ws(&["map", "check", "--json"]).fails(1).json();
    let found = ambiguous(&report(&check, "contacts_crm"));
    assert_eq!(found[0]["severity"], "blocking");

    env.run_ws(&["stage"]).ok();
    let detail: String = env
        .db()
        .query_row(
            "SELECT detail FROM _rejects WHERE dataset = 'contacts_crm' AND reason = 'bad_reference'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains(&detail), "{message}\n{detail}");
    assert!(message.contains("bad_reference"), "{message}");
}
