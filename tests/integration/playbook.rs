//! `playbook`, `guide`, `assess` and `checklist`: the real binary on a workspace whose
//! metrics and answers the tests plant, with scores recomputed independently from the YAML.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

use crate::util::{Env, fixture};

/// The metrics of a mid-engagement workspace: some checks pass, some fail, some unmeasured.
const METRICS: &[(&str, f64, Option<&str>)] = &[
    ("ingest.datasets", 4.0, Some("4 datasets")),
    ("ingest.issue_rate", 0.002, Some("3 of 1,500 rows flagged")),
    (
        "profile.invalid_email_rate",
        0.031,
        Some("46 of 1,480 emails invalid"),
    ),
    (
        "profile.orphan_rate",
        0.004,
        Some("6 of 1,480 contacts point at no account"),
    ),
    ("profile.dead_accounts", 12.0, Some("12 dead accounts")),
    (
        "profile.hierarchy_problems",
        4.0,
        Some("1 self-parent, 1 missing parent, 2 in cycles"),
    ),
    (
        "stage.excluded",
        15.0,
        Some("15 rows excluded by rule dead-account"),
    ),
    (
        "map.required_coverage",
        0.875,
        Some("7/8 required Account fields mapped: Name missing"),
    ),
    ("map.blocking_issues", 1.0, Some("1 blocking issue")),
    ("map.mapped_objects", 3.0, None),
    (
        "map.custom_fields",
        2.0,
        Some("Account.Region__c, Contact.Tier__c"),
    ),
    ("reconcile.balanced", 1.0, Some("every object balances")),
];

fn engagement() -> Env {
    let env = Env::workspace();
    for (name, value, detail) in METRICS {
        env.put_metric(name, *value, *detail);
    }
    let answers = fixture("playbook/answers.yaml");
    env.run_ws(&[
        "guide",
        "--answers",
        answers.to_str().unwrap(),
        "--author",
        "Jane Doe",
    ])
    .ok();
    env
}

#[test]
fn every_embedded_playbook_validates() {
    let env = Env::new();
    let run = env.run(&["playbook", "validate"]).ok();
    assert!(
        run.stdout().starts_with("ok: 4 playbooks"),
        "{}",
        run.stdout()
    );
    let list = env.run(&["playbook", "list", "--json"]).ok().json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "pre-implementation",
            "implementation",
            "integration-mapping",
            "best-practices"
        ]
    );
    for p in list.as_array().unwrap() {
        assert!(p["items"].as_u64().unwrap() >= 10, "{p}");
        assert_eq!(p["origin"], "builtin");
    }
    let show = env
        .run(&["playbook", "show", "implementation"])
        .ok()
        .stdout();
    assert!(show.contains("data.verify-emails"), "{show}");
    assert!(
        show.contains("evidence: profile.invalid_email_rate < 0.02"),
        "{show}"
    );
}

#[test]
fn unknown_playbooks_get_a_suggestion() {
    let env = Env::new();
    let run = env.run(&["playbook", "show", "implementaton"]).fails(2);
    assert!(
        run.stderr().contains("did you mean `implementation`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn broken_overrides_are_reported_with_file_and_line() {
    let env = Env::workspace();
    env.run_ws(&["playbook", "export"]).ok();
    let file = env.ws().join("playbooks/implementation.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("dimension: governance"))
        .unwrap()
        + 1;
    std::fs::write(
        &file,
        text.replacen("dimension: governance", "dimension: money", 1),
    )
    .unwrap();
    let run = env.run_ws(&["playbook", "validate"]).fails(1);
    let expected = format!("implementation.yaml:{line}:");
    assert!(
        run.stdout().contains(&expected),
        "{expected} in {}",
        run.stdout()
    );
    assert!(run.stdout().contains("money"), "{}", run.stdout());
    // Every command that reads playbooks refuses to run on a broken one.
    let run = env.run_ws(&["assess"]).fails(2);
    assert!(
        run.stderr().contains("crmkit playbook validate"),
        "{}",
        run.stderr()
    );

    // A cross-file problem: a criterion naming an item that does not exist.
    std::fs::write(
        &file,
        text.replacen(
            "data.orphans, data.required",
            "data.orphan, data.required",
            1,
        ),
    )
    .unwrap();
    let run = env.run_ws(&["playbook", "validate"]).fails(1);
    assert!(
        run.stdout()
            .contains("unknown item `data.orphan`; did you mean `data.orphans`?"),
        "{}",
        run.stdout()
    );
}

#[test]
fn exported_playbooks_override_the_builtin_ones() {
    let env = Env::workspace();
    let run = env.run_ws(&["playbook", "export"]).ok();
    assert!(
        run.stdout().contains("now uses these files"),
        "{}",
        run.stdout()
    );
    let file = env.ws().join("playbooks/pre-implementation.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("title: Before you implement", "title: Groundwork", 1),
    )
    .unwrap();
    let list = env.run_ws(&["playbook", "list"]).ok().stdout();
    assert!(list.contains("Groundwork"), "{list}");
    assert!(list.contains("pre-implementation.yaml"), "{list}");
    // Exporting again would overwrite the edit.
    env.run_ws(&["playbook", "export"]).fails(2);
    // --playbooks points at any folder; `init-dir` is the same command.
    env.run(&["playbook", "init-dir", "elsewhere"]).ok();
    let list = env
        .run(&["playbook", "list", "--playbooks", "elsewhere"])
        .ok()
        .stdout();
    assert!(
        !list.contains("Groundwork") && list.contains("elsewhere"),
        "{list}"
    );
}

#[test]
fn an_answers_file_drives_the_guide() {
    let env = engagement();
    let n = env.count("SELECT count(*) FROM _answers");
    let expected = yaml_file(&fixture("playbook/answers.yaml"))
        .as_mapping()
        .unwrap()
        .len() as i64;
    assert_eq!(n, expected);
    assert_eq!(
        env.count(
            "SELECT count(*) FROM _answers WHERE author = 'Jane Doe' AND answered_at LIKE '20%T%Z'"
        ),
        n
    );
    let stored: String = env
        .db()
        .query_row(
            "SELECT answer FROM _answers WHERE item = 'flow.lead-sources'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, r#"["Web forms","Events and trade shows"]"#);
    let stored: String = env
        .db()
        .query_row(
            "SELECT answer FROM _answers WHERE item = 'data.hierarchy-model'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, r#""Not decided""#);

    // The status names the first open item of the walk and the command that asks it.
    let status = env.run_ws(&["guide", "--status", "--json"]).ok().json();
    assert_eq!(status["playbook"], "implementation");
    let (first_open, measured) = first_unanswered("implementation", &env);
    assert_eq!(status["next"]["item"], first_open.as_str());
    if measured {
        // Unmeasured evidence: the next action runs the command that measures it.
        assert_eq!(status["next"]["kind"], "measure", "{status}");
        assert!(
            status["next"]["command"]
                .as_str()
                .unwrap()
                .starts_with("crmkit ")
        );
    } else {
        assert_eq!(status["next"]["kind"], "answer", "{status}");
        assert_eq!(status["next"]["command"], "crmkit guide");
    }
    let text = env.run_ws(&["guide", "--status"]).ok().stdout();
    assert!(text.contains("[!] Contact emails are valid"), "{text}");
    assert!(text.contains("46 of 1,480 emails invalid"), "{text}");

    // A second file replaces answers: the latest one is in force.
    let again = env.write("again.yaml", "data.owner: Ann Lee\n");
    env.run_ws(&[
        "guide",
        "--answers",
        again.to_str().unwrap(),
        "--author",
        "Sam",
    ])
    .ok();
    let a = env.run_ws(&["assess", "--json"]).ok().json();
    let owner = item(&a, "data.owner");
    assert_eq!(owner["answer"]["text"], "Ann Lee");
    assert_eq!(owner["answer"]["author"], "Sam");
    assert_eq!(
        env.count("SELECT count(*) FROM _answers WHERE item = 'data.owner'"),
        2
    );
}

#[test]
fn a_bad_answers_file_records_nothing() {
    let env = Env::workspace();
    let file = env.write(
        "bad.yaml",
        "pre.leader: Jane\ndata.ownr: Sam\npre.sponsor: perhaps\ndata.deadline: next week\n",
    );
    let run = env
        .run_ws(&["guide", "--answers", file.to_str().unwrap()])
        .fails(2);
    let err = run.stderr();
    assert!(err.contains("bad.yaml"), "{err}");
    assert!(
        err.contains("unknown item `data.ownr`; did you mean `data.owner`?"),
        "{err}"
    );
    assert!(err.contains("`perhaps` is not yes or no"), "{err}");
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    assert!(err.contains("3 bad answers"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM _answers"), 0);
}

#[test]
fn the_guide_needs_a_terminal_or_an_answers_file() {
    let env = Env::workspace();
    let run = env.run_ws(&["guide"]).fails(2);
    assert!(
        run.stderr().contains("only on a terminal"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("--answers FILE"), "{}", run.stderr());
    let run = env.run_ws(&["guide", "--step", "9", "--status"]).fails(2);
    assert!(
        run.stderr().contains("cannot be used with"),
        "{}",
        run.stderr()
    );
}

#[test]
fn assess_scores_match_an_independent_computation() {
    let env = engagement();
    let a = env.run_ws(&["assess", "--json"]).ok().json();
    let model = Model::load();
    let answers = yaml_file(&fixture("playbook/answers.yaml"));
    let metrics: BTreeMap<&str, f64> = METRICS.iter().map(|(n, v, _)| (*n, *v)).collect();

    let mut dims: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    let mut credit_of: BTreeMap<String, Option<f64>> = BTreeMap::new();
    for it in &model.items {
        let from_evidence = it.evidence.as_deref().and_then(|e| eval(e, &metrics));
        let credit = match from_evidence {
            Some(pass) => Some(if pass { 1.0 } else { 0.0 }),
            None => answers.get(it.id.as_str()).map(|v| credit(it, v)),
        };
        credit_of.insert(it.id.clone(), credit);
        let d = dims.entry(it.dimension.clone()).or_default();
        d.0 += it.weight;
        d.1 += credit.unwrap_or(0.0) * it.weight;
        d.2 += if credit.is_none() { it.weight } else { 0.0 };

        let got = item(&a, &it.id);
        let points = got["points"].as_f64().unwrap();
        assert!(
            (points - credit.unwrap_or(0.0) * it.weight).abs() < 1e-9,
            "{}: {got}",
            it.id
        );
        assert_eq!(
            got["unknown"].as_f64().unwrap() > 0.0,
            credit.is_none(),
            "{}: {got}",
            it.id
        );
    }
    let got_dims = a["dimensions"].as_array().unwrap();
    assert_eq!(got_dims.len(), 5);
    for d in got_dims {
        let (max, points, unknown) = dims[d["name"].as_str().unwrap()];
        assert!(
            (d["max_points"].as_f64().unwrap() - max).abs() < 1e-9,
            "{d}"
        );
        assert!((d["points"].as_f64().unwrap() - points).abs() < 1e-9, "{d}");
        assert!(
            (d["unknown_points"].as_f64().unwrap() - unknown).abs() < 1e-9,
            "{d}"
        );
        assert!(
            (d["score"].as_f64().unwrap() - 100.0 * points / max).abs() <= 0.05 + 1e-9,
            "{d}"
        );
    }
    let (max, points): (f64, f64) = dims
        .values()
        .fold((0.0, 0.0), |(m, p), d| (m + d.0, p + d.1));
    let overall = a["overall"].as_f64().unwrap();
    assert!(
        (overall - 100.0 * points / max).abs() <= 0.05 + 1e-9,
        "{overall}"
    );
    assert!(overall > 0.0 && overall < 100.0);

    // Criteria: met exactly when every listed item earns full credit.
    let got_criteria = a["criteria"].as_array().unwrap();
    assert_eq!(got_criteria.len(), model.criteria.len());
    for (name, ids) in &model.criteria {
        let c = got_criteria
            .iter()
            .find(|c| c["name"] == name.as_str())
            .unwrap();
        let met = ids.iter().all(|id| credit_of[id] == Some(1.0));
        assert_eq!(c["met"], met, "{c}");
        assert!(!c["reasons"].as_array().unwrap().is_empty(), "{c}");
    }
    // Evidence outranks the answer that contradicts it, and says why.
    let emails = item(&a, "data.verify-emails");
    assert_eq!(emails["status"], "fail");
    assert_eq!(emails["basis"], "evidence");
    let credibility = got_criteria
        .iter()
        .find(|c| c["name"] == "credibility")
        .unwrap();
    assert_eq!(credibility["met"], false);
    assert!(
        credibility["reasons"]
            .to_string()
            .contains("46 of 1,480 emails invalid"),
        "{credibility}"
    );
}

#[test]
fn assess_explain_accounts_for_every_point() {
    let env = engagement();
    let text = env.run_ws(&["assess", "--explain"]).ok().stdout();
    let model = Model::load();
    for it in &model.items {
        assert!(text.contains(&it.id), "{} missing from --explain", it.id);
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("data.verify-emails "))
        .unwrap();
    assert!(
        line.contains("fail") && line.contains("46 of 1,480 emails invalid"),
        "{line}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("sales.process-review "))
        .unwrap();
    assert!(
        line.contains("partial") && line.contains("answered `Yearly` by Jane Doe"),
        "{line}"
    );
    let line = text.lines().find(|l| l.starts_with("data.rfm ")).unwrap();
    assert!(
        line.contains("unknown")
            && line.contains("crmkit guide --playbook implementation --step 1"),
        "{line}"
    );
}

#[test]
fn assess_fail_under_exits_one_below_the_bar() {
    let env = engagement();
    env.run_ws(&["assess", "--fail-under", "99"]).fails(1);
    env.run_ws(&["assess", "--fail-under", "1"]).ok();
    env.run_ws(&["assess", "--fail-under", "120"]).fails(2);
    // Scoped to one playbook, only its items count.
    let a = env
        .run_ws(&["assess", "--json", "--playbook", "pre-implementation"])
        .ok()
        .json();
    assert_eq!(a["playbooks"], serde_json::json!(["pre-implementation"]));
    assert!(
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["playbook"] == "pre-implementation")
    );
}

#[test]
fn checklists_tick_what_the_data_decides_and_quote_the_numbers() {
    let env = engagement();
    let md = env.run_ws(&["checklist", "--role", "admin"]).ok().stdout();
    assert!(md.starts_with("# Pre-migration checklist: admin"), "{md}");
    assert!(md.contains("Test Client to Salesforce · "), "{md}");
    // Metrics sharing one sentence are quoted on one line, the sentence once per section.
    for section in md.split("\n## ") {
        let quoted: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("- ") && !l.starts_with("- ["))
            .map(|l| l.rsplit_once(": ").map_or(l, |(text, _)| text))
            .collect();
        let mut unique = quoted.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), quoted.len(), "{section}");
    }
    assert!(
        md.contains("- [ ] Every required target field mapped: 7/8 required Account fields mapped: Name missing"),
        "{md}"
    );
    assert!(
        md.contains("- Account.Region__c, Contact.Tier__c: map.custom_fields = 2"),
        "{md}"
    );
    assert!(
        md.contains("- [x] Every dead account excluded by a named rule: 15 rows excluded"),
        "{md}"
    );
    assert!(md.contains("- [x] Every source row accounted for"), "{md}");
    assert!(
        md.contains("- duplicates not searched yet: run `crmkit dedupe DATASET --object OBJECT`"),
        "{md}"
    );
    assert!(
        md.contains("Someone owns the data migration: Sam Patel"),
        "{md}"
    );
    // Items of the data step carry its owner and due date.
    let line = md.lines().find(|l| l.contains("(`data.orphans`)")).unwrap();
    assert!(
        line.starts_with("- [x]") && line.contains("owner: Sam Patel · due: 2025-09-30"),
        "{line}"
    );
    // Roles see their own items only.
    let lead = env.run_ws(&["checklist", "--role", "lead"]).ok().stdout();
    assert!(!lead.contains("(`data.verify-phones`)") && lead.contains("(`pre.sponsor`)"));
    assert!(!md.contains("(`pre.sponsor`)"));
}

#[test]
fn html_checklists_are_self_contained_and_escape_client_text() {
    let env = engagement();
    let hostile = env.write(
        "hostile.yaml",
        "pre.leader: \"<script>alert('x')</script> & Co\"\n",
    );
    env.run_ws(&["guide", "--answers", hostile.to_str().unwrap()])
        .ok();
    let run = env
        .run_ws(&[
            "checklist",
            "--role",
            "lead",
            "--format",
            "html",
            "--out",
            "out/lead.html",
        ])
        .ok();
    assert!(run.stdout().contains("out/lead.html"), "{}", run.stdout());
    let html = std::fs::read_to_string(env.ws().join("out/lead.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "client text became markup");
    assert!(html.contains("&lt;script&gt;"), "escaped text missing");
    for external in ["http://", "https://", "<link", "src="] {
        assert!(
            !html.contains(external),
            "{external} in a self-contained page"
        );
    }
    assert!(html.contains("<code>crmkit guide --playbook"), "code spans");
}

/// The pseudo-terminal flow: answer two questions, quit, and resume at the third.
#[test]
fn the_interactive_guide_asks_records_and_resumes() {
    let env = Env::workspace();
    let mut p = spawn_guide(&env);
    p.exp_string("Who is the single accountable owner of the CRM programme?")
        .unwrap();
    p.exp_string("text > ").unwrap();
    p.send_line("Jane Doe").unwrap();
    p.exp_string("recorded: Jane Doe").unwrap();
    p.exp_string("Which areas have a named member on the CRM team?")
        .unwrap();
    p.exp_string("comma-separated > ").unwrap();
    p.send_line("Sales, Marketing, Finance").unwrap();
    p.exp_string("What must the CRM achieve for the business?")
        .unwrap();
    p.exp_string("comma-separated > ").unwrap();
    p.send_line("q").unwrap();
    p.exp_string("stopped").unwrap();
    p.exp_eof().unwrap();

    let rows: Vec<(String, String, String)> = {
        let db = env.db();
        let mut stmt = db
            .prepare("SELECT item, answer, author FROM _answers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows,
        [
            (
                "pre.leader".into(),
                r#""Jane Doe""#.into(),
                "Pty Tester".into()
            ),
            (
                "pre.team".into(),
                r#"["Sales","Marketing","Finance"]"#.into(),
                "Pty Tester".into()
            ),
        ]
    );

    // A second run starts at the first question not yet answered.
    let mut p = spawn_guide(&env);
    p.exp_string("15 questions to go").unwrap();
    p.exp_string("[1/15] pre-implementation, step 1").unwrap();
    p.exp_string("What must the CRM achieve for the business?")
        .unwrap();
    p.send_line("q").unwrap();
    p.exp_eof().unwrap();
}

/// `n/a` takes an item out of the score: its weight leaves the dimension's denominator, it
/// shows as n/a, and the readiness counts one item fewer; a count refuses a fraction.
#[test]
fn n_a_answers_leave_the_score_and_counts_take_whole_numbers() {
    let env = Env::workspace();
    let before = env.run_ws(&["assess", "--json"]).ok().json();
    let max = |a: &Json, dim: &str| {
        a["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == dim)
            .map(|d| d["max_points"].as_f64().unwrap())
            .unwrap()
    };
    let weight = item(&before, "pre.sponsor")["weight"].as_f64().unwrap();
    let dimension = item(&before, "pre.sponsor")["dimension"]
        .as_str()
        .unwrap()
        .to_string();
    let file = env.write("na.yaml", "pre.sponsor: n/a\npre.leader: Jane Doe\n");
    env.run_ws(&[
        "guide",
        "--answers",
        file.to_str().unwrap(),
        "--author",
        "Jane",
    ])
    .ok();
    let stored: String = env
        .db()
        .query_row(
            "SELECT answer FROM _answers WHERE item = 'pre.sponsor'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "null");
    let after = env.run_ws(&["assess", "--json"]).ok().json();
    let sponsor = item(&after, "pre.sponsor");
    assert_eq!(sponsor["status"], "n/a", "{sponsor}");
    assert_eq!(sponsor["points"], 0.0);
    assert_eq!(sponsor["unknown"], 0.0);
    assert_eq!(max(&after, &dimension), max(&before, &dimension) - weight);
    let text = env
        .run_ws(&["assess", "--explain", "--playbook", "pre-implementation"])
        .ok()
        .stdout();
    assert!(text.contains("marked n/a"), "{text}");
    // The readiness report names the item it leaves out, and counts one item fewer.
    env.run_ws(&["report", "readiness", "--format", "all"]).ok();
    let md = std::fs::read_to_string(env.ws().join("out/readiness.md")).unwrap();
    assert!(
        md.contains("1 item does not apply here (n/a) and is not scored: "),
        "{md}"
    );
    let doc: Json = serde_json::from_str(
        &std::fs::read_to_string(env.ws().join("out/readiness.json")).unwrap(),
    )
    .unwrap();
    let all = before["items"].as_array().unwrap().len() as u64;
    assert_eq!(doc["readiness"]["items"], all - 1, "{}", doc["readiness"]);

    let bad = env.write("bad.yaml", "flow.applications: 2.5\n");
    let err = env
        .run_ws(&["guide", "--answers", bad.to_str().unwrap()])
        .fails(2)
        .stderr();
    assert!(err.contains("`2.5` is not a whole number"), "{err}");
    assert!(err.contains("flow.applications"), "{err}");
}

/// A question the data already answers offers the measured value; Enter records it with the
/// metric as the author, `n/a` records an item that does not apply.
#[test]
fn the_guide_prefills_measured_answers_and_takes_n_a() {
    let env = Env::workspace();
    env.put_metric(
        "map.custom_fields",
        2.0,
        Some("Account.Region__c, Contact.Tier__c"),
    );
    let mut p = env.pty_ws(&[
        "guide",
        "--playbook",
        "integration-mapping",
        "--step",
        "3",
        "--author",
        "Pty Tester",
    ]);
    p.exp_string("answering as Pty Tester").unwrap();
    p.exp_string("Where do new people from marketing land in the CRM?")
        .unwrap();
    p.send_line("n/a").unwrap();
    p.exp_string("recorded: n/a").unwrap();
    p.exp_string("Which custom fields must exist in the CRM")
        .unwrap();
    p.exp_string("the data says: Account.Region__c, Contact.Tier__c (Enter accepts it")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("recorded: Account.Region__c, Contact.Tier__c (as measured: map.custom_fields)")
        .unwrap();
    p.exp_string("Which record proves").unwrap();
    p.send_line("q").unwrap();
    p.exp_eof().unwrap();
    let rows: Vec<(String, String, String)> = {
        let db = env.db();
        let mut stmt = db
            .prepare("SELECT item, answer, author FROM _answers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows,
        [
            (
                "sync.lead-or-contact".into(),
                "null".into(),
                "Pty Tester".into()
            ),
            (
                "sync.custom-fields".into(),
                r#"["Account.Region__c","Contact.Tier__c"]"#.into(),
                "measured: map.custom_fields".into()
            ),
        ]
    );
}

fn spawn_guide(env: &Env) -> rexpect::session::PtySession {
    env.pty_ws(&[
        "guide",
        "--playbook",
        "pre-implementation",
        "--author",
        "Pty Tester",
    ])
}

// ---- the independent model: the YAML read as plain data, scored by the documented rules ----

struct PlainItem {
    id: String,
    weight: f64,
    dimension: String,
    evidence: Option<String>,
    kind: String,
    options: Vec<String>,
    credit: BTreeMap<String, f64>,
    pass: Option<String>,
}

struct Model {
    items: Vec<PlainItem>,
    criteria: Vec<(String, Vec<String>)>,
}

impl Model {
    fn load() -> Model {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
        let mut items = Vec::new();
        let mut criteria = Vec::new();
        for file in [
            "pre-implementation",
            "implementation",
            "integration-mapping",
            "best-practices",
        ] {
            let doc = yaml_file(&dir.join(format!("{file}.yaml")));
            for step in doc["steps"].as_sequence().unwrap() {
                for it in step["items"].as_sequence().unwrap() {
                    let q = &it["question"];
                    items.push(PlainItem {
                        id: it["id"].as_str().unwrap().into(),
                        weight: it["weight"].as_f64().unwrap(),
                        dimension: it["dimension"].as_str().unwrap().into(),
                        evidence: it.get("evidence").and_then(|e| e.as_str()).map(Into::into),
                        kind: q["kind"].as_str().unwrap().into(),
                        options: q
                            .get("options")
                            .and_then(|o| o.as_sequence())
                            .map(|s| s.iter().map(|o| o.as_str().unwrap().to_string()).collect())
                            .unwrap_or_default(),
                        credit: q
                            .get("credit")
                            .and_then(|c| c.as_mapping())
                            .map(|m| {
                                m.iter()
                                    .map(|(k, v)| {
                                        (k.as_str().unwrap().to_string(), v.as_f64().unwrap())
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        pass: q.get("pass").and_then(|p| p.as_str()).map(Into::into),
                    });
                }
            }
            if let Some(cs) = doc.get("criteria").and_then(|c| c.as_sequence()) {
                for c in cs {
                    let ids = c["items"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_str().unwrap().to_string())
                        .collect();
                    criteria.push((c["name"].as_str().unwrap().to_string(), ids));
                }
            }
        }
        Model { items, criteria }
    }
}

/// Some(pass) when every metric is present or some term fails; None when unmeasured.
fn eval(expr: &str, metrics: &BTreeMap<&str, f64>) -> Option<bool> {
    let mut unknown = false;
    for term in expr.split("&&") {
        let tokens: Vec<&str> = term.split_whitespace().collect();
        let value = |t: &str| t.parse::<f64>().ok().or_else(|| metrics.get(t).copied());
        let outcome = match tokens.as_slice() {
            [m] => value(m).map(|v| v != 0.0),
            [l, op, r] => match (value(l), value(r)) {
                (Some(a), Some(b)) => Some(compare(a, op, b)),
                _ => None,
            },
            other => panic!("unexpected evidence {other:?}"),
        };
        match outcome {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown { None } else { Some(true) }
}

fn compare(a: f64, op: &str, b: f64) -> bool {
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        "==" => a == b,
        "!=" => a != b,
        other => panic!("unknown operator {other}"),
    }
}

/// The documented answer rules, applied to the raw YAML answer.
fn credit(it: &PlainItem, v: &Yaml) -> f64 {
    let text = match v {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        _ => String::new(),
    };
    let rule = |n: f64| match it
        .pass
        .as_deref()
        .map(|p| p.split_whitespace().collect::<Vec<_>>())
    {
        Some(parts) => {
            if compare(n, parts[0], parts[1].parse().unwrap()) {
                1.0
            } else {
                0.0
            }
        }
        None => 1.0,
    };
    match it.kind.as_str() {
        "yes_no" => match text.to_lowercase().as_str() {
            "yes" | "true" | "y" => 1.0,
            _ => 0.0,
        },
        "choice" => {
            let option = it
                .options
                .iter()
                .find(|o| o.to_lowercase() == text.to_lowercase())
                .unwrap_or_else(|| panic!("{}: `{text}` is not an option", it.id));
            if it.credit.is_empty() {
                1.0
            } else {
                it.credit.get(option).copied().unwrap_or(0.0)
            }
        }
        "number" => rule(text.parse().unwrap()),
        "list" => {
            let n = match v {
                Yaml::Sequence(s) => s.len(),
                _ => text.split(',').filter(|e| !e.trim().is_empty()).count(),
            };
            rule(n as f64)
        }
        _ => 1.0,
    }
}

fn yaml_file(path: &Path) -> Yaml {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn item<'a>(assessment: &'a Json, id: &str) -> &'a Json {
    assessment["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("item {id} not in the assessment"))
}

/// The first item of `playbook` in walk order that the fixture leaves open, and whether it
/// has evidence to measure.
fn first_unanswered(playbook: &str, env: &Env) -> (String, bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let doc = yaml_file(&dir.join(format!("{playbook}.yaml")));
    let answered: Vec<String> = {
        let db = env.db();
        let mut stmt = db.prepare("SELECT item FROM _answers").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let metrics: BTreeMap<&str, f64> = METRICS.iter().map(|(n, v, _)| (*n, *v)).collect();
    for step in doc["steps"].as_sequence().unwrap() {
        for it in step["items"].as_sequence().unwrap() {
            let id = it["id"].as_str().unwrap();
            let evidence = it.get("evidence").and_then(|e| e.as_str());
            let decided = evidence.and_then(|e| eval(e, &metrics)).is_some();
            if !decided && !answered.iter().any(|a| a == id) {
                return (id.to_string(), evidence.is_some());
            }
        }
    }
    panic!("everything answered")
}

#[test]
fn evidence_comes_from_the_commands_that_measure_it() {
    let env = Env::workspace();
    let before = env.run_ws(&["assess", "--json"]).ok().json();
    assert_eq!(item(&before, "data.sources-loaded")["status"], "unknown");
    assert_eq!(
        item(&before, "data.sources-loaded")["evidence"]["command"],
        "crmkit ingest FILE..."
    );
    let csv = fixture("playbook/accounts.csv");
    env.run_ws(&["ingest", csv.to_str().unwrap()]).ok();
    let after = env.run_ws(&["assess", "--json"]).ok().json();
    let loaded = item(&after, "data.sources-loaded");
    assert_eq!(loaded["status"], "pass", "{loaded}");
    assert_eq!(loaded["basis"], "evidence");
    assert!(
        loaded["evidence"]
            .to_string()
            .contains("3 rows in 1 dataset"),
        "{loaded}"
    );
}

/// Questions the workspace's own measurements answer are offered pre-filled: a list from a
/// metric's detail, yes/no from a condition over metrics (holding, failing), and nothing while
/// a metric the condition reads is unmeasured.
#[test]
fn the_guide_prefills_what_the_data_knows_by_condition_and_list() {
    let env = Env::workspace();
    env.put_metric("profile.datasets", 3.0, Some("accounts, contacts, deals"));
    env.put_metric("score.accounts", 120.0, Some("120 accounts classified"));
    env.put_metric("score.rfm_accounts", 0.0, Some("accounts with a purchase"));
    // Everything else in the data step is answered already, so the guide asks only these.
    let answers = env.write(
        "answers.yaml",
        "data.owner: Jane Doe\ndata.deadline: 2026-03-01\ndata.sources-loaded: yes\n\
         data.verify-emails: yes\ndata.verify-phones: yes\ndata.verify-firmographics: yes\n\
         data.required-filled: yes\ndata.enrichment: n/a\ndata.orphans: yes\n\
         data.dead-accounts-excluded: yes\ndata.stale-share: yes\ndata.duplicates: yes\n\
         data.duplicate-rows: yes\ndata.hierarchy: yes\ndata.hierarchy-model: n/a\n\
         data.required-mapped: yes\ndata.territory: n/a\ndata.assignment-review: no\n\
         data.pilot: n/a\ndata.reconciled: yes\n",
    );
    env.run_ws(&["guide", "--answers", answers.to_str().unwrap()])
        .ok();
    let mut p = env.pty_ws(&["guide", "--playbook", "implementation", "--author", "T"]);
    p.exp_string("Which sources hold account and contact data?")
        .unwrap();
    p.exp_string("the data says: accounts, contacts, deals")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("(as measured: profile.datasets)").unwrap();
    p.exp_string("Is there an agreed rule that classifies accounts")
        .unwrap();
    p.exp_string("the data says: yes").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Is revenue per account extracted").unwrap();
    p.exp_string("the data says: no").unwrap();
    p.send_line("").unwrap();
    p.exp_string("recorded: no (as measured: score.rfm_accounts >= 1)")
        .unwrap();
    p.send_line("q").unwrap();
    p.exp_eof().unwrap();
    let rows: Vec<String> = {
        let db = env.db();
        let mut stmt = db
            .prepare(
                "SELECT item || '=' || answer || ' by ' || author FROM _answers \
                 WHERE item IN ('data.sources-listed', 'data.status-rules', 'data.rfm') \
                 ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows,
        [
            r#"data.sources-listed=["accounts","contacts","deals"] by measured: profile.datasets"#,
            "data.status-rules=true by measured: score.accounts >= 1",
            "data.rfm=false by measured: score.rfm_accounts >= 1",
        ]
    );
}
