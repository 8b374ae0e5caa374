//! `samples`: the generated exports, their truth file and the committed `samples/` folder.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::util::{Env, sample};

/// The headers of the data contract, verbatim.
const HEADERS: [(&str, &str); 6] = [
    (
        "accounts.csv",
        "Account ID,Account Name,Parent Account ID,Website,Phone,Billing Street,Billing City,Billing State,Billing Zip,Billing Country,Industry,Employees,Annual Revenue,Account Owner,Type,Created Date,Last Activity,Description",
    ),
    (
        "contacts.csv",
        "Contact ID,Account ID,First Name,Last Name,Title,Email,Phone,Mobile,Mailing City,Mailing Country,Lead Source,Created,Last Modified",
    ),
    (
        "opportunities.csv",
        "Opportunity ID,Account ID,Opportunity Name,Stage,Amount,Close Date,Probability,Owner,Lead Source,Created Date",
    ),
    (
        "activities.csv",
        "Activity ID,Account ID,Contact ID,Type,Subject,Date,Owner",
    ),
    ("users.csv", "User ID,Full Name,Email,Role,Region,Active"),
    (
        "crm_usage.csv",
        "User Email,Week,Logins,Records Created,Records Updated,Opportunities Updated",
    ),
];

fn truth(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap()
}

/// The file's text, decoded as the truth file says it is encoded.
fn text(dir: &Path, file: &str, encoding: &str) -> String {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    match encoding {
        "utf-8" => String::from_utf8(bytes).unwrap(),
        "windows-1252" => {
            let (text, errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
            assert!(!errors);
            text.into_owned()
        }
        other => panic!("unexpected encoding {other}"),
    }
}

fn record_count(text: &str) -> u64 {
    csv::Reader::from_reader(text.as_bytes()).records().count() as u64
}

/// Every file in a folder, by name.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn writes_every_file_with_the_contract_headers_and_the_counted_rows() {
    let env = Env::new();
    let run = env
        .run(&["samples", "--out", "gen", "--accounts", "80", "--seed", "3"])
        .ok();
    let dir = env.path().join("gen");
    assert_eq!(
        files(&dir),
        [
            "accounts.csv",
            "accounts.xlsx",
            "activities.csv",
            "adoption",
            "contacts.csv",
            "crm_usage.csv",
            "opportunities.csv",
            "truth.json",
            "users.csv"
        ]
    );
    let t = truth(&dir);
    assert_eq!(t["seed"], 3);
    assert_eq!(t["accounts"], 80);
    assert_eq!(t["as_of"], "2025-06-30");
    assert_eq!(t["stale_after_days"], 730);
    for (file, header) in HEADERS {
        let encoding = t["files"][file]["encoding"].as_str().unwrap();
        let text = text(&dir, file, encoding);
        assert_eq!(text.lines().next().unwrap().trim_end_matches('\r'), header);
        let rows = t["files"][file]["rows"].as_u64().unwrap();
        assert_eq!(record_count(&text), rows, "{file}");
        assert!(
            run.stdout().contains(&format!("{file} ")),
            "summary misses {file}:\n{}",
            run.stdout()
        );
    }
    assert_eq!(t["files"]["accounts.csv"]["rows"], 80);
    assert_eq!(t["files"]["accounts.xlsx"]["rows"], 80);
    assert_eq!(t["files"]["users.csv"]["rows"], 5);
    assert_eq!(t["files"]["crm_usage.csv"]["rows"], 5 * 12);
    assert!(run.stdout().contains("invalid_emails"), "{}", run.stdout());
}

#[test]
fn contacts_are_windows_1252_not_utf8() {
    let env = Env::new();
    env.run(&["samples", "--out", "gen", "--accounts", "5", "--seed", "9"])
        .ok();
    let dir = env.path().join("gen");
    assert_eq!(
        truth(&dir)["files"]["contacts.csv"]["encoding"],
        "windows-1252"
    );
    let bytes = std::fs::read(dir.join("contacts.csv")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    let text = text(&dir, "contacts.csv", "windows-1252");
    assert!(!text.is_ascii(), "no accented letter");
    assert!(text.contains("\r\n"), "legacy exports end lines with CRLF");
    // Everything else is UTF-8.
    for file in [
        "accounts.csv",
        "opportunities.csv",
        "activities.csv",
        "users.csv",
    ] {
        assert!(std::str::from_utf8(&std::fs::read(dir.join(file)).unwrap()).is_ok());
    }
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let env = Env::new();
    for (out, seed) in [("a", "11"), ("b", "11"), ("c", "12")] {
        env.run(&["samples", "--out", out, "--accounts", "120", "--seed", seed])
            .ok();
    }
    let (a, b, c) = (
        env.path().join("a"),
        env.path().join("b"),
        env.path().join("c"),
    );
    let names: Vec<std::path::PathBuf> = crate::util::walk(&a)
        .iter()
        .map(|p| p.strip_prefix(&a).unwrap().to_path_buf())
        .collect();
    for name in names {
        let name = name.to_string_lossy().into_owned();
        let bytes = std::fs::read(a.join(&name)).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(b.join(&name)).unwrap(),
            "{name} differs"
        );
        assert_ne!(
            bytes,
            std::fs::read(c.join(&name)).unwrap(),
            "{name} ignores the seed"
        );
    }
}

#[test]
fn committed_samples_equal_a_fresh_generation() {
    // The bundled samples/ must never drift from the generator (seed 42, 500 accounts).
    let env = Env::new();
    env.run(&["samples", "--out", "fresh"]).ok();
    let fresh = env.path().join("fresh");
    let committed = sample("");
    let mut names: Vec<String> = crate::util::walk(&fresh)
        .iter()
        .map(|p| {
            p.strip_prefix(&fresh)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n.starts_with("adoption")), "{names:?}");
    for name in &names {
        assert_eq!(
            std::fs::read(fresh.join(name)).unwrap(),
            std::fs::read(committed.join(name)).unwrap_or_else(|e| panic!("samples/{name}: {e}")),
            "samples/{name} is out of date: regenerate it with `crmkit samples`"
        );
    }
    let book: Xlsx<_> = open_workbook(committed.join("accounts.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["Accounts"]);
    let t = truth(&committed);
    assert_eq!(
        (t["seed"].as_u64(), t["accounts"].as_u64()),
        (Some(42), Some(500))
    );
}

#[test]
fn the_workbook_has_a_header_and_typed_cells() {
    let env = Env::new();
    env.run(&["samples", "--out", "gen", "--accounts", "150"])
        .ok();
    let dir = env.path().join("gen");
    let mut book: Xlsx<_> = open_workbook(dir.join("accounts.xlsx")).unwrap();
    let range = book.worksheet_range("Accounts").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 151);
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header.join(","), HEADERS[0].1);
    let csv_text = text(&dir, "accounts.csv", "utf-8");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let (mut dates, mut numbers) = (0, 0);
    for (record, cells) in reader.records().zip(&rows[1..]) {
        let record = record.unwrap();
        assert_eq!(cells[0].to_string(), record[0].to_string());
        let created = &record[15];
        if created.len() == 10 && created.as_bytes()[4] == b'-' {
            assert!(
                matches!(cells[15], Data::DateTime(_)),
                "{created}: {:?}",
                cells[15]
            );
            dates += 1;
        }
        let revenue = &record[12];
        if !revenue.is_empty() && revenue.bytes().all(|b| b.is_ascii_digit()) {
            assert_eq!(
                cells[12],
                Data::Float(revenue.parse().unwrap()),
                "{revenue}"
            );
            numbers += 1;
        }
        if revenue.starts_with('$') && revenue.ends_with('M') {
            assert!(matches!(cells[12], Data::Float(_)), "{revenue}");
        }
    }
    assert!(
        dates > 50 && numbers > 50,
        "{dates} dates, {numbers} numbers"
    );
}

#[test]
fn no_xlsx_and_json_summary() {
    let env = Env::new();
    let run = env
        .run(&[
            "samples",
            "--out",
            "gen",
            "--accounts",
            "30",
            "--no-xlsx",
            "--json",
        ])
        .ok();
    let summary = run.json();
    assert_eq!(summary["accounts"], 30);
    assert_eq!(summary["seed"], 42);
    let files: Vec<&str> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!files.contains(&"accounts.xlsx"), "{files:?}");
    assert!(!env.path().join("gen/accounts.xlsx").exists());
    let problems = summary["problems"].as_array().unwrap();
    assert_eq!(problems[0]["problem"], "duplicate_clusters");
    assert!(problems.iter().all(|p| p["count"].is_u64()));
    env.run(&["samples", "--out", "gen", "--xlsx", "--no-xlsx"])
        .fails(2);
}

#[test]
fn refuses_to_write_into_a_workspace_or_with_no_accounts() {
    let env = Env::workspace();
    let run = env.run(&["samples", "--out", "ws"]).fails(2);
    assert!(
        run.stderr().contains("crmkit workspace"),
        "{}",
        run.stderr()
    );
    assert!(!env.ws().join("accounts.csv").exists());
    let run = env.run(&["samples", "--accounts", "0"]).fails(2);
    assert!(run.stderr().contains("--accounts 0"), "{}", run.stderr());
}

#[test]
fn ingest_loads_every_sample_row_and_detects_windows_1252() {
    let env = Env::workspace();
    let t = truth(&sample(""));
    let mut args = vec!["ingest".to_string()];
    for name in [
        "accounts.csv",
        "contacts.csv",
        "opportunities.csv",
        "activities.csv",
        "users.csv",
        "crm_usage.csv",
        "accounts.xlsx",
    ] {
        args.push(sample(name).to_string_lossy().into_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run_ws(&args).ok();
    // accounts.csv and accounts.xlsx both load into src_accounts, as two batches.
    for (file, table) in [
        ("accounts.csv", "src_accounts"),
        ("accounts.xlsx", "src_accounts"),
        ("contacts.csv", "src_contacts"),
        ("opportunities.csv", "src_opportunities"),
        ("activities.csv", "src_activities"),
        ("users.csv", "src_users"),
        ("crm_usage.csv", "src_crm_usage"),
    ] {
        let rows = t["files"][file]["rows"].as_i64().unwrap();
        let n = env.count(&format!(
            "SELECT count(*) FROM {table} WHERE _batch = (SELECT batch FROM _batches WHERE path LIKE '%{file}')"
        ));
        assert_eq!(n, rows, "{file}");
        let stored = env.count(&format!(
            "SELECT rows_stored FROM _batches WHERE path LIKE '%{file}'"
        ));
        assert_eq!(stored, rows, "{file}");
    }
    let encoding: String = env
        .db()
        .query_row(
            "SELECT encoding FROM _batches WHERE path LIKE '%contacts.csv'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(encoding, "windows-1252");
    // The CSVs are messy in content, never in form. (The workbook is left out: ingest
    // currently flags its rows with empty trailing cells as ragged.)
    let issues = env.count(
        "SELECT count(*) FROM _issues WHERE batch IN (SELECT batch FROM _batches WHERE format = 'csv')",
    );
    assert_eq!(issues, 0);
    // Accents survive the round trip.
    let accented = env.count("SELECT count(*) FROM src_contacts WHERE first_name IN ('José', 'Françoise', 'Émilie', 'Jürgen', 'Zoë')");
    assert!(accented > 0);
}
