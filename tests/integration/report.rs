//! `report readiness` and `demo`: the readiness report from what a workspace holds, hostile
//! client data kept out of the markup, template overrides, and the whole job on the samples.

use std::path::Path;

use serde_json::Value;

use crate::util::{Env, fixture, sample};

const HOSTILE: &str = "<script>alert(1)</script>";

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A workspace with the hostile fixture ingested as `accounts`, profiled and deduplicated.
fn hostile_workspace() -> Env {
    let env = Env::new();
    env.run(&["init", "ws", "--client", &format!("{HOSTILE} & Sons")])
        .ok();
    let file = fixture("report/hostile.csv");
    env.run_ws(&["ingest", file.to_str().unwrap(), "--as", "accounts"])
        .ok();
    env.run_ws(&["profile", "--as-of", "2025-06-30"]).ok();
    env.dedupe_accounts();
    env
}

#[test]
fn an_empty_workspace_gets_a_report_that_names_the_commands_to_run() {
    let env = Env::workspace();
    let doc = env
        .run_ws(&["report", "readiness", "--format", "json"])
        .ok()
        .json();
    assert_eq!(doc["client"], "Test Client");
    assert_eq!(doc["target"], "salesforce");
    assert_eq!(doc["readiness"]["overall"], 0.0);
    assert_eq!(doc["readiness"]["criteria"].as_array().unwrap().len(), 3);
    for section in ["ingest", "data_quality", "mapping", "duplicates", "staging"] {
        assert!(doc[section].is_null(), "{section}");
        assert!(doc["pending"][section].is_string(), "{section}");
    }
    assert_eq!(doc["pending"]["data_quality"], "crmkit profile");
    assert!(
        doc["next_steps"][0]["command"]
            .as_str()
            .unwrap()
            .starts_with("crmkit ")
    );
    // HTML by default, into out/, with each missing section's command.
    let run = env.run_ws(&["report", "readiness"]).ok();
    assert!(run.stdout().contains("readiness.html"), "{}", run.stdout());
    let html = read(env.ws().join("out/readiness.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<code>crmkit profile</code>"));
    assert!(html.contains("<code>crmkit dedupe DATASET --object OBJECT</code>"));
}

#[test]
fn client_values_and_headers_are_escaped_in_html_and_markdown() {
    let env = hostile_workspace();
    env.run_ws(&["report", "readiness", "--format", "all"]).ok();
    let out = env.ws().join("out");
    let html = read(out.join("readiness.html"));
    // The client name, a company name, a header and an email value are all hostile.
    assert!(!html.contains("<script>alert"), "raw script in the HTML");
    assert!(!html.contains("<img src"), "raw img in the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Sons"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // The header and the value reached the report, escaped.
    assert!(html.contains("Contact E-mail &lt;script&gt;"));
    let md = read(out.join("readiness.md"));
    crate::output_safety::assert_inert("readiness.md", &md);
    // Escaped so it renders as written, and still reads as written in a text editor.
    assert!(
        md.contains("# CRM migration readiness: \\<script>alert(1)\\</script> & Sons"),
        "{md}"
    );
    // JSON carries the values as they are.
    let doc: Value = serde_json::from_str(&read(out.join("readiness.json"))).unwrap();
    assert_eq!(doc["client"], format!("{HOSTILE} & Sons"));
    let findings = doc["data_quality"]["findings"].as_array().unwrap();
    let email = findings
        .iter()
        .find(|f| f["check"] == "invalid_email")
        .unwrap();
    assert_eq!(email["examples"][0], HOSTILE);
    assert_eq!(email["label"], "Invalid email addresses");
    assert_eq!(doc["duplicates"]["duplicates"], 1);
    let members = doc["duplicates"]["examples"][0]["members"]
        .as_array()
        .unwrap();
    assert!(members[0]["text"].as_str().unwrap().contains(HOSTILE));
}

#[test]
fn formats_go_to_files_or_standard_output() {
    let env = hostile_workspace();
    let md = env.run_ws(&["report", "readiness", "--format", "md"]).ok();
    assert!(md.stdout().starts_with("# CRM migration readiness"));
    assert!(md.stdout().contains("## 2. Data quality"));
    assert!(!env.ws().join("out/readiness.md").exists());
    env.run_ws(&[
        "report",
        "readiness",
        "--format",
        "json",
        "--out",
        "elsewhere/r.json",
    ])
    .ok();
    let doc: Value = serde_json::from_str(&read(env.ws().join("elsewhere/r.json"))).unwrap();
    for key in [
        "client",
        "target",
        "generated_at",
        "readiness",
        "data_quality",
        "mapping",
        "duplicates",
        "staging",
        "next_steps",
    ] {
        assert!(doc.get(key).is_some(), "{key}");
    }
    // The clean-up estimate follows the workspace's own rates.
    let hours = |doc: &Value| doc["data_quality"]["effort"]["hours"].as_f64().unwrap();
    std::fs::create_dir_all(env.ws().join("playbooks")).unwrap();
    std::fs::write(
        env.ws().join("playbooks/cleanup.yaml"),
        "version: 1\nchecks:\n  invalid_email: {label: Bad emails, method: manual, minutes_per_record: 600, fix: call them}\n",
    )
    .unwrap();
    let again = env
        .run_ws(&["report", "readiness", "--format", "json"])
        .ok()
        .json();
    // One invalid email: 3 minutes (0.1 h rounded) became 600 minutes.
    assert!(
        (hours(&again) - (hours(&doc) + 9.9)).abs() < 1e-6,
        "{} then {}",
        hours(&doc),
        hours(&again)
    );
    let email = again["data_quality"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "invalid_email")
        .unwrap()
        .clone();
    assert_eq!(email["label"], "Bad emails");
    env.run_ws(&["report", "readiness", "--format", "all", "--out", "pack"])
        .ok();
    for ext in ["html", "md", "json"] {
        assert!(
            env.ws().join(format!("pack/readiness.{ext}")).is_file(),
            "{ext}"
        );
    }
}

#[test]
fn templates_are_overridden_file_by_file() {
    let env = Env::workspace();
    let dir = env.path().join("tpl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("readiness.md.j2"),
        "{{ client | md }} scored {{ readiness.overall | num }}\n",
    )
    .unwrap();
    let run = env
        .run_ws(&[
            "report",
            "readiness",
            "--format",
            "md",
            "--templates",
            dir.to_str().unwrap(),
        ])
        .ok();
    assert_eq!(run.stdout(), "Test Client scored 0\n");
    // The workspace's templates/ folder is used without the flag; HTML stays builtin.
    std::fs::create_dir_all(env.ws().join("templates")).unwrap();
    std::fs::copy(
        dir.join("readiness.md.j2"),
        env.ws().join("templates/readiness.md.j2"),
    )
    .unwrap();
    let run = env.run_ws(&["report", "readiness", "--format", "md"]).ok();
    assert_eq!(run.stdout(), "Test Client scored 0\n");
    env.run_ws(&["report", "readiness"]).ok();
    assert!(read(env.ws().join("out/readiness.html")).contains("<svg"));
    // A broken template is an input error naming the file and line.
    std::fs::write(
        env.ws().join("templates/readiness.md.j2"),
        "ok\n{{ readiness.nosuch | num }}\n",
    )
    .unwrap();
    let run = env
        .run_ws(&["report", "readiness", "--format", "md"])
        .fails(2);
    assert!(
        run.stderr().contains("readiness.md.j2:2"),
        "{}",
        run.stderr()
    );
}

#[test]
fn the_staging_section_checks_every_datasets_equation() {
    let env = Env::workspace();
    env.db_rw()
        .execute_batch(
            "INSERT INTO _stage_runs VALUES
               ('accounts', 'account', 'salesforce', 'Account', 500, 380, 22, 0, 98, 'now'),
               ('contacts', 'contact', 'salesforce', 'Contact', 100, 90, 5, 1, 0, 'now');",
        )
        .unwrap();
    let doc = env
        .run_ws(&["report", "readiness", "--format", "json"])
        .ok()
        .json();
    let s = &doc["staging"];
    assert_eq!(s["datasets"][0]["balanced"], true);
    assert_eq!(s["datasets"][1]["balanced"], false);
    assert_eq!(s["balanced"], false);
    assert_eq!(s["source_rows"], 600);
    assert!(doc["pending"].get("staging").is_none());
    let steps: Vec<&str> = doc["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(steps.contains(&"crmkit reconcile"), "{steps:?}");
    env.run_ws(&["report", "readiness"]).ok();
    let html = read(env.ws().join("out/readiness.html"));
    assert!(
        html.contains("off by 4"),
        "the unbalanced dataset shows its gap"
    );
}

/// A single integer from the workspace database in `dir`.
fn count_in(dir: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open_with_flags(
        dir.join("staging.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap()
    .query_row(sql, [], |r| r.get(0))
    .unwrap()
}

fn truth() -> Value {
    serde_json::from_str(&read(sample("truth.json"))).unwrap()
}

/// Records over every finding of `check`.
fn finding_total(doc: &Value, check: &str) -> u64 {
    doc["data_quality"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| f["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn demo_runs_the_whole_job_on_the_bundled_samples() {
    let env = Env::new();
    let run = env.run(&["demo", "--out", "northwind"]).ok();
    let text = run.stdout();
    for step in [
        "ingest",
        "profile",
        "map check",
        "dedupe",
        "stage",
        "reconcile: balanced",
        "score",
        "assess",
        "report",
    ] {
        assert!(text.contains(step), "step {step} missing:\n{text}");
    }
    assert!(text.contains("4,943 rows"), "{text}");
    // The top accounts by name, not by id.
    let top = text.split("top by expected value: ").nth(1).unwrap();
    assert!(!top.starts_with("A-"), "{text}");
    let dir = env.path().join("northwind");
    assert!(text.contains("readiness.html"), "{text}");
    for f in [
        "exports/accounts.csv",
        "exports/contacts.csv",
        "exports/accounts.xlsx",
        "exports/truth.json",
        "mappings/accounts.yaml",
        "out/export-salesforce/01_Account.csv",
        "out/export-salesforce/load-plan.md",
        "out/readiness.html",
        "out/readiness.md",
        "out/checklist-admin.md",
        "out/dedupe-review-contacts.csv",
        "out/adoption.html",
        "exports/adoption/2025-06-30/opportunity_history.csv",
        "metadata.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // The exports are the committed samples, byte for byte.
    assert_eq!(
        std::fs::read(dir.join("exports/contacts.csv")).unwrap(),
        std::fs::read(sample("contacts.csv")).unwrap()
    );
    let doc: Value = serde_json::from_str(&read(dir.join("out/readiness.json"))).unwrap();
    let truth = truth();
    let len = |key: &str| truth[key].as_array().unwrap().len() as u64;
    assert_eq!(finding_total(&doc, "invalid_email"), len("invalid_emails"));
    assert_eq!(finding_total(&doc, "orphan_reference"), len("orphans"));
    assert_eq!(doc["data_quality"]["as_of"], truth["as_of"]);
    assert_eq!(
        doc["data_quality"]["account_status"]["dead"].as_u64(),
        Some(len("dead_accounts"))
    );
    // Prioritisation: the dead accounts are the truth's, and accounts are ranked 1, 2, 3...
    let p = &doc["prioritisation"];
    let dead = p["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "dead")
        .unwrap();
    assert_eq!(dead["count"].as_u64(), Some(len("dead_accounts")));
    let ranks: Vec<u64> = p["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, (1..=15).collect::<Vec<u64>>());
    assert_eq!(p["overloaded_reps"], 0);
    let r = &doc["readiness"];
    let overall = r["overall"].as_f64().unwrap();
    assert!(overall > 0.0 && overall < 100.0, "{overall}");
    assert_eq!(r["dimensions"].as_array().unwrap().len(), 5);
    assert!(!r["failing"].as_array().unwrap().is_empty());
    assert_eq!(doc["ingest"]["rows"], 4943);
    assert_eq!(doc["mapping"]["objects"].as_array().unwrap().len(), 3);
    assert!(doc["duplicates"]["duplicates"].as_u64().unwrap() > 0);
    // Staging accounts for every source row of the mapped datasets.
    let staging = doc["staging"]["datasets"]
        .as_array()
        .expect("staging section");
    assert_eq!(staging.len(), 3);
    for d in staging {
        let n = |k: &str| d[k].as_i64().unwrap();
        assert_eq!(
            n("source_rows"),
            n("staged") + n("merged") + n("rejected") + n("excluded"),
            "{d}"
        );
    }
    // The answers file was recorded in full, as the demo's author.
    let answers = count_in(
        &dir,
        "SELECT count(*) FROM _answers WHERE author = 'crmkit demo'",
    );
    assert!(answers >= 40, "{answers}");
    let html = read(dir.join("out/readiness.html"));
    assert!(html.contains("Northwind Demo Co") && html.contains("<svg"));
}

#[test]
fn demo_deletes_nothing_not_even_its_own_previous_run() {
    let env = Env::new();
    env.run(&["demo", "--out", "d"]).ok();
    let dir = env.path().join("d");
    std::fs::write(dir.join("leftover.txt"), "a user's notes").unwrap();
    let first = count_in(&dir, "SELECT count(*) FROM _answers");
    let run = env.run(&["demo", "--out", "d"]).fails(2);
    assert!(run.stderr().contains("deletes nothing"), "{}", run.stderr());
    assert_eq!(read(dir.join("leftover.txt")), "a user's notes");
    assert_eq!(count_in(&dir, "SELECT count(*) FROM _answers"), first);

    // Without --out, a taken `crmkit-demo` is left alone and the next free name is used.
    std::fs::create_dir_all(env.path().join("crmkit-demo")).unwrap();
    std::fs::write(env.path().join("crmkit-demo/notes.txt"), "keep").unwrap();
    env.run(&["demo"]).ok();
    assert_eq!(read(env.path().join("crmkit-demo/notes.txt")), "keep");
    assert!(
        env.path()
            .join("crmkit-demo-2/out/readiness.html")
            .is_file()
    );

    // A folder with other files, or another client's workspace, is refused and left alone.
    let other = env.path().join("mine");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "keep me").unwrap();
    let run = env.run(&["demo", "--out", "mine"]).fails(2);
    assert!(run.stderr().contains("refusing"), "{}", run.stderr());
    assert_eq!(read(other.join("notes.txt")), "keep me");
    env.run(&["init", "acme", "--client", "Acme Corp"]).ok();
    let run = env.run(&["demo", "--out", "acme"]).fails(2);
    assert!(run.stderr().contains("Acme Corp"), "{}", run.stderr());
    assert!(env.path().join("acme/staging.db").is_file());
}

/// `text` with the run's date, time and folder replaced, so a snapshot holds only what the
/// data decides.
fn redact(text: &str, generated_at: &str, folder: &Path) -> String {
    let date = &generated_at[..10];
    text.replace(&folder.display().to_string(), "[folder]")
        .replace(generated_at, "[time]")
        .replace(date, "[date]")
}

#[test]
fn the_demo_readiness_markdown_matches_its_snapshot() {
    let env = Env::new();
    let dir = env.path().join("demo");
    env.run(&["demo", "--out", dir.to_str().unwrap()]).ok();
    let md = read(dir.join("out/readiness.md"));
    let doc: Value = serde_json::from_str(&read(dir.join("out/readiness.json"))).unwrap();
    let generated_at = doc["generated_at"].as_str().unwrap();
    // The client view by default: no metric expressions or commands before the appendix.
    let (body, appendix) = md.split_once("## Appendix: for the project team").unwrap();
    assert!(!body.contains("profile.invalid_email_rate"), "{body}");
    assert!(!body.contains("crmkit dedupe apply"), "{body}");
    assert!(appendix.contains("`crmkit map check`"));
    // Records by name: the ranking and the examples name accounts, the ids wait in the
    // appendix; a missing parent's id is the client's own value and stays.
    let top = &doc["prioritisation"]["top"][0];
    let (id, name) = (
        top["account"].as_str().unwrap(),
        top["name"].as_str().unwrap(),
    );
    let ranking = body.split("## 6.").nth(1).unwrap();
    assert!(ranking.contains(&format!("| 1 | {name} |")), "{ranking}");
    assert!(!ranking.contains(id), "{ranking}");
    assert!(appendix.contains(&format!("1. {id}")), "{appendix}");
    assert!(!body.contains("cluster 4"), "{body}");
    assert!(
        !body.contains("`crmkit map suggest`") && !body.contains("`exclude:`"),
        "{body}"
    );
    assert!(
        !body.contains("`sales.sql`") && !body.contains("last_activity"),
        "{body}"
    );
    let self_parent = doc["data_quality"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["check"] == "self_parent")
        .unwrap();
    let example = self_parent["examples"][0].as_str().unwrap();
    assert!(
        example.ends_with(')') && example.contains(" (A-"),
        "{example}"
    );
    // The team view keeps the ids and the commands inline.
    let team = env
        .run_in(
            &dir,
            &[
                "report",
                "readiness",
                "--format",
                "md",
                "--audience",
                "team",
            ],
        )
        .ok()
        .stdout();
    assert!(team.contains(&format!("{name} ({id})")), "{team}");
    assert!(team.contains("`crmkit map suggest`"), "{team}");
    // The roll-out report words its exit criteria for the client; the team sees expressions.
    let rollout = read(dir.join("out/rollout.md"));
    let (body, appendix) = rollout
        .split_once("## Appendix: for the project team")
        .unwrap();
    assert!(body.contains("weekly active users at least 80%"), "{body}");
    assert!(body.contains("| Inside Sales team | not met |"), "{body}");
    assert!(
        !body.contains("adoption.") && !body.contains("team:") && !body.contains("crmkit "),
        "{body}"
    );
    assert!(
        appendix.contains("`adoption.weekly_active_share >= 0.8"),
        "{appendix}"
    );
    let team = env
        .run_in(
            &dir,
            &[
                "report",
                "rollout",
                "--format",
                "md",
                "--audience",
                "team",
                "--as-of",
                "2025-06-30",
            ],
        )
        .ok()
        .stdout();
    assert!(team.contains("| team:Inside Sales | fail |"), "{team}");
    insta::assert_snapshot!("readiness_md_demo", redact(&md, generated_at, &dir));
}

#[test]
fn records_are_named_from_a_salesforce_export_and_their_ids_kept() {
    // Data Loader headers: upper-case API names, the account's name in NAME, a contact's in
    // FIRSTNAME and LASTNAME; a self-parent, a missing parent and stale records of both.
    let env = Env::workspace();
    for (file, dataset) in [
        ("sf_accounts.csv", "accounts"),
        ("sf_contacts.csv", "contacts"),
    ] {
        let path = fixture(&format!("report/{file}"));
        env.run_ws(&["ingest", path.to_str().unwrap(), "--as", dataset])
            .ok();
    }
    env.run_ws(&["profile", "--as-of", "2025-06-30"]).ok();
    let doc = env
        .run_ws(&["report", "readiness", "--format", "json"])
        .ok()
        .json();
    let group = |check: &str| -> Vec<String> {
        doc["data_quality"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["check"] == check)
            .unwrap_or_else(|| panic!("no {check} in {doc}"))["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(group("self_parent"), ["Acme Corp (0015g00000AbCdEAA1)"]);
    // The missing parent's id is the client's own value: it stays as it is.
    assert_eq!(
        group("missing_parent"),
        ["Initech LLC (0015g00000AbCdEAA3): parent 0015g00000ZzZzZAA9"]
    );
    let stale = group("stale_record");
    assert!(
        stale.contains(&"Jürgen Weiß (0035g00000XyZaBAA2)".to_string()),
        "{stale:?}"
    );
    // Columns read as the export spells them.
    let md = env
        .run_ws(&["report", "readiness", "--format", "md"])
        .ok()
        .stdout();
    assert!(md.contains("contacts · LASTMODIFIEDDATE (1)"), "{md}");
    assert!(md.contains("| accounts · PARENTID |"), "{md}");
}
