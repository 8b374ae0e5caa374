//! The command line as a user meets it: every `--help` and the main terminal outputs as
//! snapshots, completions and man pages, non-tabular input refused, the ledger view and the
//! Datasette metadata, and lossless ingest as a property.

use std::path::Path;

use proptest::prelude::*;

use crate::util::{Env, sample};

/// Every command path, from the clap definition itself, so a new command gets a snapshot.
fn command_paths() -> Vec<Vec<String>> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        out.push(path.to_vec());
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut next = path.to_vec();
            next.push(sub.get_name().to_string());
            walk(sub, &next, out);
        }
    }
    let mut out = Vec::new();
    walk(&crmkit::cli::Cli::command(), &[], &mut out);
    out
}

#[test]
fn every_help_matches_its_snapshot() {
    let env = Env::new();
    let paths = command_paths();
    assert!(
        paths.len() > 30,
        "the command tree has {} paths",
        paths.len()
    );
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = env.run(&args).ok();
        let name = if path.is_empty() {
            "help_crmkit".to_string()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, run.stdout());
    }
}

/// The temp folder as `[TMP]`; dates and durations are filtered by the snapshot settings.
fn redacted(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "[TMP]")
}

#[test]
fn terminal_outputs_of_profile_map_check_reconcile_and_guide_status() {
    let env = Env::new();
    env.run(&["demo", "--out", "d"]).ok();
    let ws = env.path().join("d");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
        "[TIME]",
    );
    settings.add_filter(r"\b\d{4}-\d{2}-\d{2}\b", "[DATE]");
    settings.add_filter(r"\b\d+(\.\d+)? ?(ms|s)\b", "[DURATION]");
    settings.bind(|| {
        for (name, args) in [
            // The samples' own date, so staleness does not drift with the calendar.
            (
                "terminal_profile",
                &["profile", "--as-of", "2025-06-30", "--stale-after", "730"][..],
            ),
            ("terminal_map_check", &["map", "check"][..]),
            ("terminal_reconcile", &["reconcile"][..]),
            ("terminal_guide_status", &["guide", "--status"][..]),
        ] {
            let run = env.run_in(&ws, args);
            assert!(
                run.code() == 0 || run.code() == 1,
                "{name}: {}",
                run.stderr()
            );
            let text = redacted(&run.stdout(), env.path());
            insta::assert_snapshot!(name, text);
        }
    });
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    let bash = env.run(&["completions", "bash"]).ok().stdout();
    assert!(bash.contains("_crmkit()"), "{bash}");
    for sub in ["ingest", "profile", "reconcile", "completions", "man"] {
        assert!(bash.contains(sub), "bash completion lacks `{sub}`");
    }
    let zsh = env.run(&["completions", "zsh"]).ok().stdout();
    assert!(zsh.starts_with("#compdef crmkit"), "{zsh}");
    let fish = env.run(&["completions", "fish"]).ok().stdout();
    assert!(fish.contains("complete -c crmkit"), "{fish}");
    env.run(&["completions", "tcsh"]).fails(2);
    // The bash script is valid bash.
    let path = env.write("crmkit.bash", &bash);
    if let Ok(out) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn man_pages_from_the_clap_definitions() {
    let env = Env::new();
    let page = env.run(&["man"]).ok().stdout();
    assert!(page.contains(".TH crmkit 1"), "{page}");
    assert!(page.contains("ingest"), "{page}");
    env.run(&["man", "--out", "man1"]).ok();
    let dir = env.path().join("man1");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // One page per command path.
    assert_eq!(names.len(), command_paths().len(), "{names:?}");
    for want in [
        "crmkit.1",
        "crmkit-ingest.1",
        "crmkit-map-check.1",
        "crmkit-dedupe-apply.1",
    ] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    let check = std::fs::read_to_string(dir.join("crmkit-map-check.1")).unwrap();
    assert!(check.contains(".TH crmkit-map-check 1"), "{check}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("crmkit.1"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o644,
        "man pages are readable by `man` as any user"
    );
}

#[test]
fn non_tabular_files_are_refused_with_what_they_look_like() {
    let env = Env::workspace();
    let cases: [(&str, &[u8], &str); 6] = [
        ("records.csv", b"  {\"records\": [{\"Id\": 1}]}\n", "JSON"),
        ("list.csv", b"[\n {\"Id\": 1}\n]\n", "JSON"),
        (
            "report.csv",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n",
            "a PDF document",
        ),
        ("logo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a PNG image"),
        (
            "archive.xlsx",
            b"PK\x03\x04\x14\0\0\0\x08\0notes.txt",
            "a ZIP archive",
        ),
        (
            "page.xls",
            b"<!DOCTYPE html>\n<html><table><tr><td>1</td></tr></table></html>",
            "an HTML page",
        ),
    ];
    for (name, bytes, what) in cases {
        let path = env.write(name, bytes);
        let run = env.run_ws(&["ingest", path.to_str().unwrap()]).fails(2);
        let err = run.stderr();
        assert!(err.contains(name), "{err}");
        assert!(err.contains(&format!("looks like {what}")), "{name}: {err}");
    }
    // A good file beside a bad one: the command stops before storing either.
    let good = env.write("accounts.csv", "Id,Name\n1,Acme\n");
    let bad = env.write("dump.csv", "{\"Id\": 1}");
    env.run_ws(&["ingest", good.to_str().unwrap(), bad.to_str().unwrap()])
        .fails(2);
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'src_%'"),
        0
    );
    // Headers that merely start with a bracket are tables.
    let odd = env.write("odd.csv", "[Id],[Name]\n1,Acme\n");
    env.run_ws(&["ingest", odd.to_str().unwrap()]).ok();
}

#[test]
fn datasette_metadata_describes_the_tables() {
    let env = Env::workspace();
    let file = env.write(
        "accounts.csv",
        "ACCOUNT_ID,Account Name,Date entered\n1,Acme,2024-01-02\n2,Globex,2024-02-03\n",
    );
    env.run_ws(&["ingest", file.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(env.ws().join("metadata.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        meta["title"].as_str().unwrap().contains("Test Client"),
        "{meta}"
    );
    let tables = &meta["databases"]["staging"]["tables"];
    assert!(tables["_batches"]["description"].is_string(), "{meta}");
    let src = &tables["src_accounts"];
    assert!(
        src["description"].as_str().unwrap().contains("accounts"),
        "{meta}"
    );
    // Each stored column names the header it came from.
    let columns = src["columns"].as_object().unwrap();
    assert!(
        columns
            .values()
            .any(|d| d.as_str().unwrap().contains("`Date entered`")),
        "{meta}"
    );
    assert!(columns.contains_key("_row"), "{meta}");
    // Every table it names exists.
    let db = env.db();
    for name in tables.as_object().unwrap().keys() {
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "metadata names `{name}`, which the database lacks");
    }
}

#[test]
fn the_ledger_view_agrees_with_reconcile() {
    let env = Env::new();
    env.run(&["demo", "--out", "d"]).ok();
    let ws = env.path().join("d");
    let balance = env.run_in(&ws, &["reconcile", "--json"]).ok().json();
    let db = rusqlite::Connection::open_with_flags(
        ws.join("staging.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for d in balance["datasets"].as_array().unwrap() {
        let dataset = d["dataset"].as_str().unwrap();
        for outcome in ["staged", "merged", "rejected", "excluded"] {
            let n: i64 = db
                .query_row(
                    "SELECT count(*) FROM ledger WHERE dataset = ?1 AND outcome = ?2",
                    [dataset, outcome],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                n,
                d["counts"][outcome].as_i64().unwrap(),
                "{dataset} {outcome}"
            );
        }
        let odd: i64 = db
            .query_row(
                "SELECT count(*) FROM ledger WHERE dataset = ?1 AND outcome NOT IN ('staged', 'merged', 'rejected', 'excluded')",
                [dataset],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(odd, 0, "{dataset}");
    }
    // A rejected row says why, a merged one names its survivor.
    let why: Option<String> = db
        .query_row(
            "SELECT rejected_for FROM ledger WHERE outcome = 'rejected' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(why.is_some_and(|w| !w.is_empty()));
    let survivor: Option<String> = db
        .query_row(
            "SELECT survivor_id FROM ledger WHERE outcome = 'merged' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(survivor.is_some());
}

/// Cell text as exports hold it: quotes, delimiters, line breaks, accents, CJK, emoji, and
/// spaces at either end.
fn cell() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 ,;|\"'\\n\\téüßØ漢字😀=+-]{0,12}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn ingest_stores_every_cell_exactly(rows in proptest::collection::vec([cell(), cell(), cell()], 1..12)) {
        let env = Env::workspace();
        let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(Vec::new());
        w.write_record(["id", "name", "note"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let path = env.write("cells.csv", &bytes);
        env.run_ws(&["ingest", path.to_str().unwrap(), "--delimiter", ","]).ok();
        let db = env.db();
        let mut stmt = db.prepare("SELECT id, name, note FROM src_cells ORDER BY _row").unwrap();
        let stored: Vec<[Option<String>; 3]> = stmt
            .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // Every record comes back exactly, an empty cell as empty text or NULL. A record of
        // three empty fields is written `,,`: a row of empty cells, not a blank line, and a
        // lossless ingest keeps it (a spreadsheet's empty rows are rows).
        let expected: Vec<&[String; 3]> = rows.iter().collect();
        prop_assert_eq!(stored.len(), expected.len());
        for (got, want) in stored.iter().zip(expected) {
            for (g, w) in got.iter().zip(want.iter()) {
                prop_assert_eq!(g.as_deref().unwrap_or(""), w.as_str());
            }
        }
    }
}

/// On a terminal: one status line naming the author first, "skipped" on Enter, `later`, the
/// pass rule beside the question, and the status line again at the end.
#[test]
fn the_guide_leads_with_one_status_line_and_echoes_skips() {
    let env = Env::workspace();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_crmkit"));
    cmd.current_dir(env.ws())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.path())
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .args([
            "guide",
            "--playbook",
            "pre-implementation",
            "--author",
            "Pty Tester",
        ]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Test Client | pre-implementation | readiness")
        .unwrap();
    p.exp_string("answering as Pty Tester").unwrap();
    p.exp_string("Who is the single accountable owner of the CRM programme?")
        .unwrap();
    p.exp_string("text > ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("skipped").unwrap();
    p.exp_string("Which areas have a named member on the CRM team?")
        .unwrap();
    p.exp_string("passes when: the list has >= 3 entries")
        .unwrap();
    p.exp_string("comma-separated > ").unwrap();
    p.send_line("later").unwrap();
    p.exp_string("later: left open").unwrap();
    p.exp_string("comma-separated > ").unwrap();
    p.send_line("q").unwrap();
    p.exp_string("stopped").unwrap();
    p.exp_string("answering as Pty Tester").unwrap();
    p.exp_string("crmkit guide --status").unwrap();
    p.exp_eof().unwrap();
    // Neither a skip nor `later` records anything.
    assert_eq!(env.count("SELECT count(*) FROM _answers"), 0);
}

#[test]
fn fitting_the_purchase_model_shows_a_spinner_on_a_terminal_only() {
    // `score rfm` and `assign` fit BG/NBD and Gamma-Gamma: seconds on a real book of
    // accounts, with no rows to count, so a spinner with the time elapsed says it is working.
    let env = Env::workspace();
    let ex = env.path().join("ex");
    env.run(&[
        "samples",
        "--accounts",
        "300",
        "--no-xlsx",
        "--out",
        ex.to_str().unwrap(),
    ])
    .ok();
    for name in ["accounts", "opportunities"] {
        let file = ex.join(format!("{name}.csv"));
        env.run_ws(&["ingest", file.to_str().unwrap()]).ok();
    }
    // A terminal that draws (the guide's pty is `TERM=dumb`, where nothing animates).
    let on_terminal = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("crmkit"));
        cmd.current_dir(env.ws())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", env.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .args(args);
        rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn crmkit on a pty")
    };
    let mut p = on_terminal(&["score", "rfm", "--as-of", "2025-06-30"]);
    p.exp_string("fitting the purchase model").unwrap();
    p.exp_eof().unwrap();
    let mut p = on_terminal(&["assign", "--as-of", "2025-06-30"]);
    p.exp_string("assigning territories").unwrap();
    p.exp_eof().unwrap();
    // The readiness report and an adoption snapshot: a spinner, then each file's bytes with
    // its number, then a spinner while the snapshot is measured.
    let mut p = on_terminal(&["report", "readiness", "--format", "md", "--out", "r.md"]);
    p.exp_string("building the readiness report").unwrap();
    p.exp_eof().unwrap();
    let adoption = sample("adoption/2025-06-30");
    let mut args = vec!["adoption", "ingest", "--as-of", "2025-06-30"];
    let files: Vec<String> = ["users.csv", "opportunities.csv"]
        .iter()
        .map(|f| adoption.join(f).to_string_lossy().into_owned())
        .collect();
    args.extend(files.iter().map(String::as_str));
    let mut p = on_terminal(&args);
    p.exp_string("2 of 2: reading opportunities").unwrap();
    p.exp_string("measuring snapshot 2025-06-30").unwrap();
    p.exp_eof().unwrap();
    // On a pipe, nothing but the result.
    let run = env.run_ws(&["score", "rfm", "--as-of", "2025-06-30"]).ok();
    assert!(!run.stderr().contains("fitting"), "{}", run.stderr());
}
