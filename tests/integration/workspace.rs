//! `init`, workspace discovery, and the top-level CLI.

use crate::util::Env;

#[test]
fn init_creates_the_workspace_layout() {
    let env = Env::new();
    let run = env
        .run(&[
            "init",
            "acme",
            "--client",
            "Acme Corp",
            "--target",
            "hubspot",
        ])
        .ok();
    assert!(run.stdout().contains("created workspace"));
    let ws = env.path().join("acme");
    for part in ["crmkit.yaml", "staging.db", "mappings", "out"] {
        assert!(ws.join(part).exists(), "{part} missing");
    }
    let config = std::fs::read_to_string(ws.join("crmkit.yaml")).unwrap();
    assert!(config.contains("target: hubspot"), "{config}");
    assert!(config.contains("client: \"Acme Corp\""), "{config}");
    let db = rusqlite::Connection::open(ws.join("staging.db")).unwrap();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(version >= 1);
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn init_refuses_to_overwrite() {
    let env = Env::workspace();
    let run = env.run(&["init", "ws"]).fails(2);
    assert!(
        run.stderr().contains("already holds a crmkit workspace"),
        "{}",
        run.stderr()
    );
}

#[test]
fn init_rejects_unknown_target_with_suggestion() {
    let env = Env::new();
    let run = env.run(&["init", "x", "--target", "hubspt"]).fails(2);
    assert!(
        run.stderr().contains("did you mean `hubspot`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn commands_outside_a_workspace_say_how_to_make_one() {
    let env = Env::new();
    let run = env.run(&["status"]).fails(2);
    assert!(
        run.stderr().contains("not inside a crmkit workspace"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("crmkit init"), "{}", run.stderr());
}

#[test]
fn workspace_is_found_from_a_subfolder_and_with_w() {
    let env = Env::workspace();
    env.run_in(&env.ws().join("out"), &["status"]).ok();
    env.run(&["-w", "ws", "status"]).ok();
    env.run(&["status", "--workspace", "ws"]).ok();
}

#[test]
fn version_and_help() {
    let env = Env::new();
    let run = env.run(&["--version"]).ok();
    assert!(run.stdout().starts_with("crmkit "));
    let run = env.run(&["--help"]).ok();
    for cmd in ["init", "ingest", "status"] {
        assert!(run.stdout().contains(cmd), "{cmd} missing from --help");
    }
    let run = env.run(&["ingest", "--help"]).ok();
    assert!(run.stdout().contains("Example"));
}

#[test]
fn unknown_config_keys_are_reported_with_their_line() {
    let env = Env::workspace();
    let path = env.ws().join("crmkit.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("colour: blue\n");
    std::fs::write(&path, text).unwrap();
    let run = env.run_ws(&["status"]).fails(2);
    assert!(run.stderr().contains("colour"), "{}", run.stderr());
    assert!(run.stderr().contains("line"), "{}", run.stderr());
}
