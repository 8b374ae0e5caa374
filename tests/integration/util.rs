//! Test harness: runs `crmkit` in a temp folder with a scrubbed environment.
#![allow(dead_code)] // helpers are shared by test modules that use different subsets

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// Path of a fixture under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Path of a file under the bundled `samples/`.
pub fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(rel)
}

/// Every file below `dir`, at any depth.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A temp folder to run crmkit in; removed when dropped.
pub struct Env {
    pub dir: tempfile::TempDir,
}

/// The finished run of one command.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    /// Asserts exit code 0 and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code(),
            0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Asserts the given exit code and returns self.
    pub fn fails(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }
}

impl Env {
    /// An empty temp folder.
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A workspace `ws` for `target` with `files` ingested and profiled, and each
    /// `(dataset, object)` suggested in order (parents first, as a user would).
    pub fn engagement<P: AsRef<Path>>(target: &str, files: &[P], maps: &[(&str, &str)]) -> Env {
        let env = Env::new();
        env.run(&["init", "ws", "--target", target]).ok();
        let paths: Vec<String> = files
            .iter()
            .map(|f| f.as_ref().display().to_string())
            .collect();
        let mut args = vec!["ingest"];
        args.extend(paths.iter().map(String::as_str));
        env.run_ws(&args).ok();
        env.run_ws(&["profile"]).ok();
        for (dataset, object) in maps {
            env.run_ws(&["map", "suggest", dataset, "--object", object])
                .ok();
        }
        env
    }

    /// A temp folder holding a fresh workspace `ws` (target salesforce).
    pub fn workspace() -> Env {
        let env = Env::new();
        env.run(&["init", "ws", "--client", "Test Client"]).ok();
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The workspace folder created by [`Env::workspace`].
    pub fn ws(&self) -> PathBuf {
        self.path().join("ws")
    }

    /// Runs crmkit with `args` in the temp folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.path(), args)
    }

    /// Runs crmkit with `args` inside the workspace folder.
    pub fn run_ws(&self, args: &[&str]) -> Run {
        self.run_in(&self.ws(), args)
    }

    /// Runs crmkit with `args` in `dir`, environment scrubbed of tokens and colour.
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        self.run_in_env(dir, &[], args)
    }

    /// Runs crmkit inside the workspace with extra environment variables (e.g. API tokens).
    pub fn run_ws_env(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        self.run_in_env(&self.ws(), vars, args)
    }

    /// Runs crmkit in `dir` with a scrubbed environment plus `vars`.
    pub fn run_in_env(&self, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let home = self.path().join(".home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = Command::cargo_bin("crmkit").unwrap();
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("NO_COLOR", "1");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let output = cmd.args(args).output().expect("run crmkit");
        Run { output }
    }

    /// `crmkit adoption ingest FILES... --as-of AS_OF EXTRA...` in the workspace; the caller
    /// says whether it must succeed (`.ok()`) or fail (`.fails(code)`).
    pub fn adoption_ingest<P: AsRef<Path>>(&self, files: &[P], as_of: &str, extra: &[&str]) -> Run {
        let paths: Vec<String> = files
            .iter()
            .map(|f| f.as_ref().display().to_string())
            .collect();
        let mut args = vec!["adoption", "ingest"];
        args.extend(paths.iter().map(String::as_str));
        args.extend(["--as-of", as_of]);
        args.extend(extra);
        self.run_ws(&args)
    }

    /// crmkit with `args` inside the workspace on a pseudo-terminal (the guide's prompts), in a
    /// plain terminal without colour, for at most 20 seconds.
    pub fn pty_ws(&self, args: &[&str]) -> rexpect::session::PtySession {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("crmkit"));
        cmd.current_dir(self.ws())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .args(args);
        rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn crmkit on a pty")
    }

    /// Starts crmkit with `args` inside the workspace without waiting (for kill tests).
    pub fn spawn_ws(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("crmkit"))
            .current_dir(self.ws())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path().join(".home"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn crmkit")
    }

    /// Rows of a query as text tuples joined by `|`, for comparing whole tables.
    pub fn dump(&self, sql: &str) -> Vec<String> {
        let db = self.db();
        let mut stmt = db.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                .collect::<rusqlite::Result<Vec<_>>>()?
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// Writes a file (bytes) into the temp folder and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Opens the workspace database read-only for assertions.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.ws().join("staging.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap()
    }

    /// Dedupes the `accounts` dataset on its `account_id` column, as most fixtures need.
    pub fn dedupe_accounts(&self) -> Run {
        self.dedupe_accounts_with(&[]).ok()
    }

    /// [`Env::dedupe_accounts`] with more arguments, not yet checked for success.
    pub fn dedupe_accounts_with(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "dedupe",
            "accounts",
            "--object",
            "account",
            "--id",
            "account_id",
        ];
        args.extend_from_slice(extra);
        self.run_ws(&args)
    }

    /// A single integer from an SQL query on the workspace database.
    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

impl Env {
    /// Opens the workspace database read-write, to plant rows (e.g. `_metrics`) before a run.
    pub fn db_rw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.ws().join("staging.db")).unwrap()
    }

    /// Records a metric as the command that computes it would.
    pub fn put_metric(&self, name: &str, value: f64, detail: Option<&str>) {
        self.db_rw()
            .execute(
                "INSERT OR REPLACE INTO _metrics (name, value, detail, source, computed_at)
                 VALUES (?1, ?2, ?3, 'test', '2025-06-30T00:00:00Z')",
                rusqlite::params![name, value, detail],
            )
            .unwrap();
    }
}
