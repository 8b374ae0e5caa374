//! Nothing lost, nothing leaked under careless use: output paths never replace what crmkit did
//! not write, workspaces are private, locked while written, and refused when not one's own.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::util::{Env, fixture};

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn mode(path: impl AsRef<Path>) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Files in `dir` whose names say they are unfinished temporary files.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".crmkit-tmp-"))
        .collect()
}

#[test]
fn out_never_replaces_workspace_files_and_needs_force_for_a_users_file() {
    let env = Env::workspace();
    let ws = env.ws();
    let config = read(ws.join("crmkit.yaml"));
    for args in [
        &[
            "report",
            "readiness",
            "--format",
            "md",
            "--out",
            "crmkit.yaml",
        ][..],
        &[
            "report",
            "readiness",
            "--format",
            "md",
            "--out",
            "staging.db",
            "--force",
        ],
        &[
            "checklist",
            "--role",
            "admin",
            "--out",
            "crmkit.yaml",
            "--force",
        ],
        &[
            "report",
            "readiness",
            "--format",
            "json",
            "--out",
            "out/../crmkit.yaml",
        ],
    ] {
        let run = env.run_ws(args).fails(2);
        assert!(
            run.stderr().contains("workspace file"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    assert_eq!(read(ws.join("crmkit.yaml")), config);
    env.run_ws(&["status"]).ok();

    // A user's own file: refused, then replaced only with --force.
    std::fs::write(ws.join("notes.md"), "my notes").unwrap();
    let run = env
        .run_ws(&["report", "readiness", "--format", "md", "--out", "notes.md"])
        .fails(2);
    assert!(
        run.stderr().contains("notes.md") && run.stderr().contains("--force"),
        "{}",
        run.stderr()
    );
    assert_eq!(read(ws.join("notes.md")), "my notes");
    let run = env
        .run_ws(&["checklist", "--role", "lead", "--out", "notes.md"])
        .fails(2);
    assert!(run.stderr().contains("refusing"), "{}", run.stderr());
    env.run_ws(&[
        "report",
        "readiness",
        "--format",
        "md",
        "--out",
        "notes.md",
        "--force",
    ])
    .ok();
    assert!(read(ws.join("notes.md")).contains("Readiness"));

    // crmkit's own output of the same kind is replaced freely; once edited by hand it is not.
    env.run_ws(&["report", "readiness"]).ok();
    env.run_ws(&["report", "readiness"]).ok();
    let html = ws.join("out/readiness.html");
    assert_eq!(mode(&html), 0o600);
    let run = env
        .run_ws(&[
            "checklist",
            "--role",
            "admin",
            "--out",
            "out/readiness.html",
        ])
        .fails(2);
    assert!(run.stderr().contains("refusing"), "{}", run.stderr());
    std::fs::write(&html, "<p>edited by hand</p>").unwrap();
    env.run_ws(&["report", "readiness"]).fails(2);
    assert_eq!(read(&html), "<p>edited by hand</p>");
    assert!(temporaries(&ws.join("out")).is_empty());
}

#[test]
fn export_refuses_a_users_file_writes_nothing_half_and_replaces_its_own() {
    let env = crate::stage::prepared();
    env.run_ws(&["stage"]).ok();
    let dir = env.ws().join("mine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("03_Contact.csv"), "a real import file\n").unwrap();
    let run = env
        .run_ws(&["export", "--format", "salesforce", "--out", "mine"])
        .fails(2);
    assert!(run.stderr().contains("03_Contact.csv"), "{}", run.stderr());
    // Nothing of the refused export is in place: no files, no plan, no temporaries.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["03_Contact.csv"], "{names:?}");
    assert_eq!(read(dir.join("03_Contact.csv")), "a real import file\n");

    env.run_ws(&[
        "export",
        "--format",
        "salesforce",
        "--out",
        "mine",
        "--force",
    ])
    .ok();
    // Its own files and plan are replaced on the next run without --force.
    env.run_ws(&["export", "--format", "salesforce", "--out", "mine"])
        .ok();
    assert!(read(dir.join("03_Contact.csv")).starts_with("Legacy_Contact_ID__c"));
    assert!(read(dir.join("load-plan.md")).contains("03_Contact.csv"));
    assert_eq!(mode(dir.join("01_Account.csv")), 0o600);
    assert!(temporaries(&dir).is_empty());

    // An export that stops part-way (here: refused at its last file) replaces nothing: the
    // earlier files and their plan are the very same files as before.
    let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
    let before = [inode("01_Account.csv"), inode("load-plan.json")];
    std::fs::write(dir.join("03_Contact.csv"), "edited by hand\n").unwrap();
    env.run_ws(&["export", "--format", "salesforce", "--out", "mine"])
        .fails(2);
    assert_eq!([inode("01_Account.csv"), inode("load-plan.json")], before);
    assert_eq!(read(dir.join("03_Contact.csv")), "edited by hand\n");
    assert!(temporaries(&dir).is_empty());
}

#[test]
fn a_killed_runs_half_written_file_is_swept_by_the_next_run() {
    let env = crate::stage::prepared();
    env.run_ws(&["stage"]).ok();
    let dir = env.ws().join("mine");
    std::fs::create_dir_all(&dir).unwrap();
    // What a run killed mid-write (SIGKILL: no clean-up) leaves: its pid is long gone.
    let left = dir.join(".01_Account.csv.crmkit-tmp-2147483632");
    std::fs::write(&left, "Legacy_Account_ID__c,Name\nA-1,half").unwrap();
    env.run_ws(&["export", "--format", "salesforce", "--out", "mine"])
        .ok();
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
    assert!(read(dir.join("01_Account.csv")).starts_with("Legacy_Account_ID__c"));
}

#[test]
fn dedupe_pairs_and_review_go_through_the_same_checks() {
    let env = Env::workspace();
    let a = fixture("stage/accounts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap()]).ok();
    let dedupe = |extra: &[&str]| {
        let mut args = vec!["dedupe", "accounts", "--object", "account"];
        args.extend_from_slice(extra);
        env.run_ws(&args)
    };
    let run = dedupe(&["--pairs", "staging.db"]).fails(2);
    assert!(run.stderr().contains("workspace file"), "{}", run.stderr());
    dedupe(&["--pairs", "out/pairs.csv"]).ok();
    dedupe(&["--pairs", "out/pairs.csv"]).ok();
    // A review sheet a person has edited is not overwritten by the next run.
    let review = env.ws().join("out/dedupe-review-accounts.csv");
    let edited = read(&review) + "\n";
    std::fs::write(&review, &edited).unwrap();
    let run = dedupe(&[]).fails(2);
    assert!(
        run.stderr().contains("dedupe-review-accounts.csv"),
        "{}",
        run.stderr()
    );
    assert_eq!(read(&review), edited);
    dedupe(&["--force"]).ok();
    // Once applied, its decisions live in the database and the sheet may be written afresh.
    std::fs::write(&review, read(&review) + "\n").unwrap();
    env.run_ws(&["dedupe", "apply", review.to_str().unwrap()])
        .ok();
    dedupe(&[]).ok();
}

#[test]
fn samples_refuse_a_folder_of_other_files_but_replace_their_own() {
    let env = Env::new();
    let exports = env.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(exports.join("accounts.csv"), "the client's real export\n").unwrap();
    let args =
        |dir: &str| ["samples", "--out", dir, "--accounts", "20", "--no-xlsx"].map(String::from);
    let run_args = |dir: &str| {
        let a = args(dir);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        env.run(&refs)
    };
    let run = run_args("exports").fails(2);
    assert!(run.stderr().contains("truth.json"), "{}", run.stderr());
    assert_eq!(
        read(exports.join("accounts.csv")),
        "the client's real export\n"
    );
    assert_eq!(std::fs::read_dir(&exports).unwrap().count(), 1);
    run_args("fresh").ok();
    run_args("fresh").ok();
    assert!(env.path().join("fresh/truth.json").is_file());
}

#[test]
fn workspace_files_are_owner_only_whatever_the_umask() {
    let env = Env::new();
    let run = env.run(&["init", "ws"]).ok();
    assert!(
        run.stdout().contains("readable by you only"),
        "{}",
        run.stdout()
    );
    let a = fixture("stage/accounts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap()]).ok();
    env.run_ws(&["report", "readiness"]).ok();
    let ws = env.ws();
    for dir in ["", "mappings", "out"] {
        assert_eq!(mode(ws.join(dir)), 0o700, "{dir}");
    }
    for file in ["crmkit.yaml", "staging.db", "out/readiness.html"] {
        assert_eq!(mode(ws.join(file)), 0o600, "{file}");
    }
    for journal in ["staging.db-wal", "staging.db-shm"] {
        if ws.join(journal).exists() {
            assert_eq!(mode(ws.join(journal)), 0o600, "{journal}");
        }
    }
}

#[test]
fn a_workspace_found_above_the_current_folder_is_named() {
    let env = Env::workspace();
    let sub = env.ws().join("exports/2024");
    std::fs::create_dir_all(&sub).unwrap();
    let run = env.run_in(&sub, &["status"]).ok();
    let root = std::fs::canonicalize(env.ws()).unwrap();
    assert!(
        run.stderr().contains("using workspace") && run.stderr().contains(root.to_str().unwrap()),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stderr().matches("using workspace").count(), 1);
    let run = env.run_ws(&["status"]).ok();
    assert!(
        !run.stderr().contains("using workspace"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_second_writer_is_told_which_command_holds_the_workspace() {
    let env = Env::workspace();
    let lock = env.ws().join(".crmkit.lock");
    let a = fixture("stage/accounts.csv");
    // A live process holds it (this test), as `crmkit stage` would.
    std::fs::write(
        &lock,
        format!(
            "{}\ncrmkit stage\n2026-12-03T10:00:00Z\n",
            std::process::id()
        ),
    )
    .unwrap();
    let run = env.run_ws(&["ingest", a.to_str().unwrap()]).fails(2);
    let err = run.stderr();
    assert!(
        err.contains("in use by `crmkit stage`")
            && err.contains(&format!("pid {}", std::process::id()))
            && err.contains(".crmkit.lock"),
        "{err}"
    );
    assert!(!err.contains("database is locked"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
    // Readers do not need the lock.
    env.run_ws(&["status"]).ok();

    // A lock left by a process that has died is taken over, and released at the end.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(&lock, format!("{pid}\ncrmkit stage\n")).unwrap();
    env.run_ws(&["ingest", a.to_str().unwrap()]).ok();
    assert!(!lock.exists());
}

#[test]
fn deeply_nested_yaml_is_refused_fast() {
    let env = Env::workspace();
    let config = env.ws().join("crmkit.yaml");
    let mut text = read(&config);
    text.push_str(&format!("references: {}\n", "[".repeat(200_000)));
    std::fs::write(&config, text).unwrap();
    let started = Instant::now();
    let run = env.run_ws(&["status"]).fails(2);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        run.stderr().contains("crmkit.yaml") && run.stderr().contains("nesting deeper than 64"),
        "{}",
        run.stderr()
    );
}
