//! `crmkit rollout` and `crmkit report rollout`: the strict plan file, every warning of the
//! check, health on given days, exit criteria decided by metrics from real commands and
//! adoption snapshots, and the report in its three formats.

use crate::util::{Env, fixture};

fn with_plan(name: &str) -> Env {
    let env = Env::workspace();
    std::fs::copy(
        fixture(&format!("rollout/{name}")),
        env.ws().join("rollout.yaml"),
    )
    .unwrap();
    env
}

/// Plants an adoption snapshot as `crmkit adoption ingest` stores it.
fn snapshot(env: &Env, name: &str, as_of: &str, rows: &[(&str, &str, Option<f64>)]) {
    let db = env.db_rw();
    db.execute(
        "INSERT INTO _adoption_snapshots (snapshot, as_of, ingested_at) VALUES (?1, ?2, ?2 || 'T09:00:00Z')",
        rusqlite::params![name, as_of],
    )
    .unwrap();
    for (scope, metric, value) in rows {
        db.execute(
            "INSERT INTO _adoption_metrics (snapshot, scope, name, value, detail) VALUES (?1, ?2, ?3, ?4, NULL)",
            rusqlite::params![name, scope, metric, value],
        )
        .unwrap();
    }
}

fn phase<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no phase {name} in {json}"))
}

#[test]
fn the_plan_file_is_strict_and_errors_name_key_and_line() {
    let env = Env::workspace();
    let good = std::fs::read_to_string(fixture("rollout/plan-clean.yaml")).unwrap();
    let cases = [
        (
            good.replace(
                "    exit: adoption.weekly_active_share >= 0.8 && adoption.win_rate",
                "    exits: adoption.weekly_active_share >= 0.8 && adoption.win_rate",
            ),
            "exits",
            "line 16",
        ),
        (
            good.replace("end: 2027-03-26", "end: 2027-02-30"),
            "2027-02-30",
            "line 15",
        ),
        (
            good.replace("end: 2027-03-26", "end: 2027-02-01"),
            "before `start`",
            "line 15",
        ),
        (
            good.replace("win_rate >= 0.2", "win_rate >= lots"),
            "Wave 1",
            "line 16",
        ),
        (
            good.replace("phase: Wave 2", "phase: Wave 3"),
            "Wave 3",
            "line 24",
        ),
        (
            good.replace("version: 1", "version: 1\ntarget: hubspot"),
            "target",
            "line 2",
        ),
    ];
    for (text, what, line) in cases {
        std::fs::write(env.ws().join("rollout.yaml"), &text).unwrap();
        let run = env.run_ws(&["rollout", "show"]).fails(2);
        let err = run.stderr();
        assert!(err.contains("rollout.yaml"), "{err}");
        assert!(
            err.contains(what) && err.contains(line),
            "{what} {line}: {err}"
        );
    }
    // Nothing was rewritten: the broken file is the user's to fix.
    assert!(
        std::fs::read_to_string(env.ws().join("rollout.yaml"))
            .unwrap()
            .contains("target: hubspot")
    );
}

#[test]
fn check_warns_for_each_piece_of_advice_naming_the_phase() {
    let env = with_plan("plan-warnings.yaml");
    let run = env
        .run_ws(&["rollout", "check", "--as-of", "2027-03-10", "--json"])
        .ok();
    let json = run.json();
    let mut got: Vec<(String, String)> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["check"].as_str().unwrap().to_string(),
                w["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = [
        ("complex_first", "Big bang"),
        ("complex_first", "Big bang"),
        ("milestone_overdue", "Steering committee"),
        ("no_exit_criteria", "Big bang"),
        ("no_gap", "Activities wave"),
        ("not_pilot", "Big bang"),
        ("past_end_unmet", "Pipeline wave"),
        ("team_overlap", "Pipeline wave"),
        ("unknown_module", "Activities wave"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    let text = env
        .run_ws(&["rollout", "check", "--as-of", "2027-03-10"])
        .ok()
        .stdout();
    assert!(
        text.contains("phase `Big bang` brings Forecasting"),
        "{text}"
    );
    assert!(text.contains("overlap for `SMB`"), "{text}");
    assert!(
        text.contains("starts 2 days after `Pipeline wave` ends"),
        "{text}"
    );
    assert!(
        text.contains("adoption.weekly_active_share not measured"),
        "{text}"
    );
    // --strict turns warnings into exit code 1; a clean plan passes it.
    env.run_ws(&["rollout", "check", "--as-of", "2027-03-10", "--strict"])
        .fails(1);
    let clean = with_plan("plan-clean.yaml");
    let out = clean
        .run_ws(&["rollout", "check", "--as-of", "2027-01-20", "--strict"])
        .ok()
        .stdout();
    assert!(out.contains("follows the playbook's advice"), "{out}");
    // The playbook's evidence metrics.
    let metric = |e: &Env, n: &str| {
        e.count(&format!(
            "SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'rollout.{n}'"
        ))
    };
    assert_eq!(
        (
            metric(&env, "pilot_first"),
            metric(&env, "simple_first"),
            metric(&env, "time_between_phases")
        ),
        (0, 0, 0)
    );
    assert_eq!(
        (
            metric(&clean, "pilot_first"),
            metric(&clean, "simple_first"),
            metric(&clean, "time_between_phases")
        ),
        (1, 1, 1)
    );
    assert_eq!(metric(&clean, "phases_with_exit_criteria_share"), 1);
}

#[test]
fn health_follows_the_day_and_the_latest_adoption_snapshot() {
    let env = with_plan("plan-clean.yaml");
    // An older snapshot says the pilot team is fine; the latest one says it is not.
    snapshot(
        &env,
        "w1",
        "2027-01-18",
        &[
            ("team:Enterprise East", "weekly_active_share", Some(0.95)),
            ("team:Enterprise East", "stale_open_share", Some(0.02)),
        ],
    );
    snapshot(
        &env,
        "w2",
        "2027-01-25",
        &[
            ("team:Enterprise East", "weekly_active_share", Some(0.6)),
            ("team:Enterprise East", "stale_open_share", None),
        ],
    );
    let health = |day: &str| {
        let json = env
            .run_ws(&["rollout", "show", "--json", "--as-of", day])
            .ok()
            .json();
        let p = phase(&json, "Pilot");
        (p["health"]["health"].as_str().unwrap().to_string(), json)
    };
    assert_eq!(health("2027-01-05").0, "not_started");
    let (h, json) = health("2027-01-20");
    assert_eq!(h, "on_track");
    assert_eq!(phase(&json, "Wave 1")["health"]["health"], "not_started");
    let p = phase(&json, "Pilot");
    assert_eq!(json["adoption_snapshot"], "w2");
    assert_eq!(p["exit"]["outcome"], "fail");
    let figures = &p["exit"]["scopes"][0]["figures"];
    assert_eq!(p["exit"]["scopes"][0]["scope"], "team:Enterprise East");
    assert_eq!(figures[0]["value"], 0.6);
    // Not measured is null, never zero.
    assert!(figures[1]["value"].is_null(), "{figures}");
    // 2 of 26 days left with failing criteria: at risk.
    assert_eq!(health("2027-02-03").0, "at_risk");
    assert_eq!(health("2027-02-10").0, "late");
    // Closing the phase is decided by data.
    let err = env
        .run_ws(&["rollout", "done", "Pilot", "--on", "2027-02-04"])
        .fails(2)
        .stderr();
    assert!(err.contains("do not hold") && err.contains("0.6"), "{err}");
    snapshot(
        &env,
        "w3",
        "2027-02-01",
        &[
            ("team:Enterprise East", "weekly_active_share", Some(0.85)),
            ("team:Enterprise East", "stale_open_share", Some(0.05)),
        ],
    );
    env.run_ws(&["rollout", "done", "Pilot", "--on", "2027-02-04"])
        .ok();
    let (h, json) = health("2027-02-10");
    assert_eq!(h, "done");
    assert_eq!(phase(&json, "Pilot")["completed"], "2027-02-04");
    let plan = std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap();
    assert!(
        plan.contains("status: done") && plan.contains("completed: 2027-02-04"),
        "{plan}"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM _rollout_phases WHERE name = 'Pilot' AND health = 'done'"),
        1
    );
}

#[test]
fn exit_criteria_read_the_metrics_a_real_profile_run_wrote() {
    let env = with_plan("plan-clean.yaml");
    env.run_ws(&["ingest", fixture("rollout/contacts.csv").to_str().unwrap()])
        .ok();
    env.run_ws(&["profile"]).ok();
    let rate: f64 = env
        .db()
        .query_row(
            "SELECT value FROM _metrics WHERE name = 'profile.invalid_email_rate'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Three of the eight emails are malformed (no top-level domain, `@@`, no `@`).
    assert!((rate - 3.0 / 8.0).abs() < 1e-9, "{rate}");
    env.db_rw()
        .execute("INSERT OR REPLACE INTO _metrics (name, value, detail, source, computed_at) VALUES ('adoption.weekly_active_share', 0.9, NULL, 'adoption', 'x')", [])
        .unwrap();
    let json = env
        .run_ws(&["rollout", "show", "--json", "--as-of", "2027-05-20"])
        .ok()
        .json();
    let exit = &phase(&json, "Wave 2")["exit"];
    assert_eq!(exit["outcome"], "fail", "{exit}");
    let scope = &exit["scopes"][0];
    assert_eq!(scope["scope"], "all");
    assert_eq!(scope["figures"][1]["metric"], "profile.invalid_email_rate");
    assert_eq!(scope["figures"][1]["value"].as_f64().unwrap(), rate);
}

#[test]
fn rollout_commands_edit_the_plan_and_mirror_it() {
    let env = Env::workspace();
    env.run_ws(&[
        "rollout",
        "add",
        "Pilot",
        "--modules",
        "contacts,accounts,Activities",
        "--teams",
        "Enterprise East",
        "--accounts",
        "Top 20 accounts",
        "--start",
        "2027-01-11",
        "--end",
        "2027-02-05",
        "--exit",
        "adoption.weekly_active_share >= 0.8",
    ])
    .ok();
    env.run_ws(&[
        "rollout",
        "add",
        "Wave 1",
        "--modules",
        "deals",
        "--teams",
        "Enterprise East,SMB",
        "--start",
        "2027-02-15",
        "--end",
        "2027-03-26",
    ])
    .ok();
    env.run_ws(&[
        "rollout",
        "set",
        "Wave 1",
        "--end",
        "2027-04-02",
        "--exit",
        "adoption.win_rate >= 0.2",
    ])
    .ok();
    env.run_ws(&[
        "rollout",
        "milestone",
        "Go-live",
        "--date",
        "2027-04-05",
        "--phase",
        "wave 1",
    ])
    .ok();
    let plan = std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap();
    assert!(
        plan.contains("modules: [\"contacts-accounts\", \"activities\"]"),
        "{plan}"
    );
    assert!(
        plan.contains("end: 2027-04-02") && plan.contains("phase: \"Wave 1\""),
        "{plan}"
    );
    // Bad input is refused with the reason, and nothing changes.
    let err = env
        .run_ws(&[
            "rollout",
            "add",
            "X",
            "--modules",
            "forcasting",
            "--start",
            "2027-05-01",
            "--end",
            "2027-05-02",
        ])
        .fails(2)
        .stderr();
    assert!(err.contains("did you mean `forecasting`"), "{err}");
    let err = env
        .run_ws(&["rollout", "set", "Wave 1", "--exit", "adoption.win_rate >="])
        .fails(2)
        .stderr();
    assert!(err.contains("--exit"), "{err}");
    let err = env
        .run_ws(&["rollout", "set", "Wave 1", "--end", "2027-01-01"])
        .fails(2)
        .stderr();
    assert!(err.contains("before the start"), "{err}");
    let err = env.run_ws(&["rollout", "done", "Wave 2"]).fails(2).stderr();
    assert!(err.contains("did you mean `Wave 1`"), "{err}");
    assert_eq!(
        std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap(),
        plan
    );
    env.run_ws(&["rollout", "set", "Wave 1", "--rename", "Wave One"])
        .ok();
    env.run_ws(&["rollout", "done", "Go-live"]).ok();
    assert_eq!(env.count("SELECT COUNT(*) FROM _rollout_phases"), 2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM _rollout_milestones WHERE phase = 'Wave One' AND done = 1"),
        1
    );
    env.run_ws(&["rollout", "remove", "Wave One"]).ok();
    assert_eq!(env.count("SELECT COUNT(*) FROM _rollout_phases"), 1);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM _metrics WHERE name = 'rollout.phases' AND value = 1"),
        1
    );
}

#[test]
fn report_rollout_in_three_formats_escapes_client_text() {
    let env = with_plan("plan-clean.yaml");
    let yaml = std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap();
    std::fs::write(
        env.ws().join("rollout.yaml"),
        yaml.replace("name: Wave 1", "name: \"<script>alert(1)</script>\""),
    )
    .unwrap();
    snapshot(
        &env,
        "w2",
        "2027-01-25",
        &[
            ("team:Enterprise East", "weekly_active_share", Some(0.6)),
            ("team:Enterprise East", "win_rate", Some(0.25)),
        ],
    );
    let out = env
        .run_ws(&[
            "report",
            "rollout",
            "--format",
            "all",
            "--as-of",
            "2027-01-20",
        ])
        .ok()
        .stdout();
    assert!(out.contains("rollout.html"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.ws().join("out/rollout.json")).unwrap())
            .unwrap();
    for key in [
        "client",
        "target",
        "as_of",
        "adoption_snapshot",
        "health_counts",
        "phases",
        "milestones",
        "warnings",
        "metrics",
    ] {
        assert!(json.get(key).is_some(), "no `{key}`");
    }
    let p = phase(&json, "Pilot");
    for key in [
        "name", "modules", "teams", "start", "end", "status", "health", "exit", "adoption",
    ] {
        assert!(p.get(key).is_some(), "phase has no `{key}`");
    }
    let adoption = &p["adoption"][0];
    assert_eq!(adoption["scope"], "team:Enterprise East");
    let figure = |name: &str| {
        adoption["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(figure("weekly_active_share"), 0.6);
    assert_eq!(figure("win_rate"), 0.25);
    assert!(figure("logins_per_user").is_null());
    let html = std::fs::read_to_string(env.ws().join("out/rollout.html")).unwrap();
    assert!(!html.contains("<script>"), "script tag leaked");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<svg") && html.contains("today 2027-01-20"));
    for attr in ["src=", "href=", "@import", "url("] {
        assert!(
            !html.contains(attr),
            "external reference `{attr}` in the HTML"
        );
    }
    let md = std::fs::read_to_string(env.ws().join("out/rollout.md")).unwrap();
    // The client view (the default): criteria, scopes and figures in words, "not met yet"
    // before a phase ends.
    let expected = [
        "# CRM roll-out: Test Client",
        "Target CRM: **Salesforce** · as of 2027-01-20 · prepared ",
        "3 phases: 2 not started, 1 on track.",
        "| Phase | Start | End | Modules | Teams / users | Status | Health | Exit criteria |",
        "| **Pilot** | 2027-01-11 | 2027-02-05 | Contacts and accounts, Activities | Enterprise East | active | on track: 16 days to go; exit criteria not met yet | not met yet |",
        "| **\\<script>alert(1)\\</script>** | 2027-02-15 | 2027-03-26 | Pipeline, Lead routing | Enterprise East, Enterprise West | planned | not started: starts in 26 days | not met yet |",
        "| Pilot review | 2027-02-08 | Pilot | due |",
        "Exit criteria: weekly active users at least 80% and open deals with no update in 30 days below 10%: **not met**.",
        "| Enterprise East team | not met | weekly active users 60%; open deals with no update in 30 days not measured |",
        "| weekly active users | 60% |",
        "| win rate | 25% | not measured |",
        "The plan follows the playbook's phasing advice.",
        "- Pilot: `adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1`",
    ];
    for line in expected {
        assert!(
            md.lines().any(|l| l.starts_with(line)),
            "missing `{line}` in\n{md}"
        );
    }
    // The team view: the expressions, scopes and figures as the plan and metrics name them.
    let team = env
        .run_ws(&[
            "report",
            "rollout",
            "--format",
            "md",
            "--as-of",
            "2027-01-20",
            "--audience",
            "team",
        ])
        .ok()
        .stdout();
    for line in [
        "3 phases: 2 not started, 1 on track. 0 warnings from `crmkit rollout check`.",
        "| **Pilot** | 2027-01-11 | 2027-02-05 | Contacts and accounts, Activities | Enterprise East | active | on track: 16 days to go; exit criteria not met yet | fail |",
        "Exit criteria `adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1`: **fail**.",
        "| team:Enterprise East | fail | `adoption.weekly_active_share` = 0.6; `adoption.stale_open_share` = not measured |",
        "| weekly active share | 60% |",
    ] {
        assert!(
            team.lines().any(|l| l.starts_with(line)),
            "missing `{line}` in\n{team}"
        );
    }
    assert!(!team.contains("## Appendix"), "{team}");
}

#[test]
fn the_demo_writes_a_three_phase_plan_pilot_first_and_its_report() {
    let env = Env::new();
    let text = env.run(&["demo", "--out", "northwind"]).ok().stdout();
    let dir = env.path().join("northwind");
    assert!(dir.join("out/rollout.html").is_file());
    assert!(text.contains("northwind/out/rollout.html"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/rollout.json")).unwrap())
            .unwrap();
    let phases = json["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 3);
    assert_eq!(phases[0]["name"], "Pilot");
    assert!(!phases[0]["accounts"].as_array().unwrap().is_empty());
    assert_eq!(json["as_of"], "2025-06-30");
    // A pilot first, simple modules first, time between phases: no warnings.
    assert_eq!(
        json["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        json["warnings"]
    );
    let plan = std::fs::read_to_string(dir.join("rollout.yaml")).unwrap();
    assert!(plan.contains("name: \"Pilot\""), "{plan}");
}

#[test]
fn set_adds_and_removes_single_entries_and_names_the_phase_and_entry_it_cannot_find() {
    let env = with_plan("plan-clean.yaml");
    env.run_ws(&[
        "rollout",
        "set",
        "Wave 1",
        "--add-team",
        "SMB",
        "--remove-team",
        "enterprise east",
        "--add-module",
        "Forecasting",
        "--remove-module",
        "lead routing",
        "--add-user",
        "Dana Whitfield",
        "--add-account",
        "Globex",
        "--remove-criterion",
        "adoption.win_rate>=0.2",
        "--add-criterion",
        "adoption.never_logged_in == 0",
    ])
    .ok();
    // A re-run of an addition changes nothing.
    env.run_ws(&["rollout", "set", "Wave 1", "--add-team", "smb"])
        .ok();
    let plan: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap())
            .unwrap();
    let wave = plan["phases"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Wave 1")
        .unwrap();
    let list = |k: &str| -> Vec<String> {
        wave[k]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(list("teams"), ["Enterprise West", "SMB"]);
    assert_eq!(list("modules"), ["pipeline", "forecasting"]);
    assert_eq!(list("users"), ["Dana Whitfield"]);
    assert_eq!(list("accounts"), ["Globex"]);
    assert_eq!(
        wave["exit"].as_str(),
        Some("adoption.weekly_active_share >= 0.8 && adoption.never_logged_in == 0")
    );
    // The whole-list flags still work.
    env.run_ws(&["rollout", "set", "Pilot", "--teams", "A,B"])
        .ok();
    let show = env.run_ws(&["rollout", "show", "--json"]).ok().json();
    assert_eq!(
        phase(&show, "Pilot")["teams"],
        serde_json::json!(["A", "B"])
    );

    // Unknown entries: the phase and the entry are named, and nothing changes.
    let before = std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap();
    for (args, want) in [
        (
            vec!["--remove-team", "Narnia"],
            "phase `Wave 1` has no team `Narnia` to remove (its teams: `Enterprise West`, `SMB`)",
        ),
        (
            vec!["--remove-user", "Nobody"],
            "phase `Wave 1` has no user `Nobody` to remove",
        ),
        (
            vec!["--remove-module", "contacts"],
            "phase `Wave 1` has no module `contacts` to remove (its modules: `pipeline`, `forecasting`)",
        ),
        (
            vec!["--add-module", "telepathy"],
            "unknown module `telepathy`",
        ),
        (
            vec!["--remove-criterion", "adoption.win_rate >= 0.2"],
            "phase `Wave 1` has no exit criterion `adoption.win_rate >= 0.2` to remove",
        ),
        (
            vec!["--add-criterion", "adoption.win_rate >="],
            "phase `Wave 1`: --add-criterion `adoption.win_rate >=`",
        ),
    ] {
        let mut full = vec!["rollout", "set", "Wave 1"];
        full.extend(args);
        let run = env.run_ws(&full).fails(2);
        assert!(run.stderr().contains(want), "{full:?}: {}", run.stderr());
    }
    assert_eq!(
        std::fs::read_to_string(env.ws().join("rollout.yaml")).unwrap(),
        before
    );
    let milestone = env
        .run_ws(&["rollout", "set", "Pilot review", "--add-team", "SMB"])
        .fails(2);
    assert!(
        milestone.stderr().contains("is a milestone"),
        "{}",
        milestone.stderr()
    );
}

/// A phase's team reads beside the whole org: the usage figures the org has are measured for
/// the team too (never "not measured" where the snapshot holds the data), and exit figures
/// print as figures, not as float noise.
#[test]
fn a_phase_team_gets_the_org_usage_figures_from_a_real_ingest() {
    let env = Env::workspace();
    // The fixtures plus a deactivated Mid-Market rep who never logged in but owns an old
    // deal: a rep of the team, not a licensed user who never logged in.
    let read = |rel: &str| std::fs::read_to_string(fixture(rel)).unwrap();
    let users = env.write(
        "users.csv",
        read("adoption/users.csv")
            + "0058d00000A1iAAA,Old Rep,old.rep@acme.example,Account Executive,Mid-Market,Tom Becker,East,false,\n",
    );
    let opps = env.write(
        "opportunities.csv",
        read("adoption/sf_opportunities.csv")
            + "0068d00000O0999,Old Rep,Globex,Globex - Old,Closed Lost,\"$1,000.00\",1/10/2025,1/2/2025,1/10/2025,\n",
    );
    env.run_ws(&[
        "adoption",
        "ingest",
        opps.to_str().unwrap(),
        users.to_str().unwrap(),
        "--as-of",
        "2025-06-30",
    ])
    .ok();
    std::fs::write(
        env.ws().join("rollout.yaml"),
        "version: 1\nphases:\n  - name: Pilot\n    modules: [contacts, accounts]\n    teams: [Mid-Market]\n    start: 2025-06-02\n    end: 2025-07-11\n    exit: adoption.win_rate >= 0.9\n",
    )
    .unwrap();
    env.run_ws(&[
        "report",
        "rollout",
        "--format",
        "all",
        "--as-of",
        "2025-06-30",
    ])
    .ok();
    // Independently: the Mid-Market users of the export and their last logins.
    let text = std::fs::read_to_string(&users).unwrap();
    let team: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[4] == "Mid-Market")
        .collect();
    // Licensed (active) users who never logged in, as the org's figure counts them.
    let never = team
        .iter()
        .filter(|c| c[7] == "true" && c[8].is_empty())
        .count();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.ws().join("out/rollout.json")).unwrap())
            .unwrap();
    let scope = &phase(&json, "Pilot")["adoption"][0];
    assert_eq!(scope["scope"], "team:Mid-Market");
    let figure = |name: &str| {
        scope["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {scope}"))["value"]
            .clone()
    };
    assert_eq!(figure("never_logged_in"), never as f64, "{scope}");
    // The snapshot has no login history or activities: not measured for the org, so not for
    // the team either (never zero).
    assert!(figure("logins_per_user").is_null(), "{scope}");
    assert!(figure("activities_per_rep_week").is_null(), "{scope}");
    // Win rate from the opportunities export: Mid-Market owners' won / (won + lost).
    let opps_text = std::fs::read_to_string(&opps).unwrap();
    let members: Vec<&str> = team.iter().map(|c| c[1]).collect();
    let (mut won, mut lost) = (0, 0);
    for l in opps_text.lines().skip(1) {
        let owner = l.split(',').nth(1).unwrap();
        if members.contains(&owner) {
            won += l.contains(",Closed Won,") as u32;
            lost += l.contains(",Closed Lost,") as u32;
        }
    }
    let rate = won as f64 / (won + lost) as f64;
    assert!((figure("win_rate").as_f64().unwrap() - rate).abs() < 1e-9);
    let md = std::fs::read_to_string(env.ws().join("out/rollout.md")).unwrap();
    let shown = format!(
        "`adoption.win_rate` = {}",
        (rate * 10_000.0).round() / 10_000.0
    );
    assert!(md.contains(&shown), "no `{shown}` in\n{md}");
}
