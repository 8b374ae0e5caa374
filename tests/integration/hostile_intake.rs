//! `ingest` under hostile input, faults and careless use: files that change while read,
//! wrong or missing encodings, NUL bytes, hostile workbooks, reserved and wide headers,
//! updated exports of the same path. Nothing lost, nothing leaked.

use crate::util::{Env, fixture};

/// All values of one column of a table, in its row order.
fn column(env: &Env, table: &str, column: &str) -> Vec<Option<String>> {
    let db = env.db();
    let mut stmt = db
        .prepare(&format!(
            "SELECT \"{column}\" FROM \"{table}\" ORDER BY _batch, _row"
        ))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn ingest_ok(env: &Env, path: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["ingest", path.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    env.run_ws(&args).ok().json()
}

/// Oracle exports carry a `ROWID` column; `oid` and `_rowid_` are SQLite's other names for
/// the implicit row id. None of them may stand in for the table's own row order.
#[test]
fn rowid_headers_never_replace_the_row_identity() {
    let env = Env::workspace();
    // The ROWID values sort in the reverse of source order, and are not integers.
    let csv = "ROWID,Account ID,Account Name,Website,Phone,Billing City,OID,_rowid_\n\
        AAAR3sAAEAAAACXAAZ,A-1,Northwind Traders Inc,www.northwind.com,(415) 555-0134,San Francisco,9,z\n\
        AAAR3sAAEAAAACXAAY,A-2,\"NORTHWIND TRADERS, INCORPORATED\",https://northwind.com/,415.555.0134,San Francisco,8,y\n\
        AAAR3sAAEAAAACXAAX,A-3,Southridge Video,southridge.com,(212) 555-0100,New York,7,x\n\
        AAAR3sAAEAAAACXAAW,A-4,Fabrikam,fabrikam.com,(206) 555-0111,Seattle,6,w\n";
    let path = env.write("accounts.csv", csv);
    ingest_ok(&env, &path, &[]);
    let cols: Vec<String> = {
        let db = env.db();
        let mut stmt = db
            .prepare("SELECT column_name FROM _columns ORDER BY position")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(cols[0], "rowid");
    assert!(cols.iter().all(|c| !c.starts_with('_')), "{cols:?}");
    env.run_ws(&["profile", "--json"]).ok();
    let out = env.dedupe_accounts_with(&["--json"]).ok().json();
    assert!(!out.is_null());
    // The two Northwind records cluster together, and the cluster is read back by identity.
    assert_eq!(
        env.count("SELECT count(*) FROM _clusters WHERE record_id IN ('A-1', 'A-2')"),
        2
    );
    std::fs::write(
        env.ws().join("mappings/accounts.yaml"),
        "target: salesforce\nobject: account\ndataset: accounts\nfields:\n\
         - {source: Account ID, target: Legacy_Account_ID__c, transform: [trim]}\n\
         - {source: Account Name, target: Name, transform: [trim]}\n\
         - {source: ROWID, target: Description}\n\
         custom_fields:\n\
         - {name: Legacy_Account_ID__c, label: Legacy Account ID, type: text, length: 20, external_id: true, custom: true}\n",
    )
    .unwrap();
    // The reviewer accepts the cluster, so stage merges it.
    let sheet = env.ws().join("out/dedupe-review-accounts.csv");
    let text = std::fs::read_to_string(&sheet).unwrap();
    let accepted: Vec<String> = text
        .lines()
        .map(|l| match l.splitn(4, ',').collect::<Vec<_>>()[..] {
            ["accounts", cluster, _, rest] => format!("accounts,{cluster},accept,{rest}"),
            _ => l.to_string(),
        })
        .collect();
    std::fs::write(&sheet, accepted.join("\n") + "\n").unwrap();
    env.run_ws(&["dedupe", "apply", sheet.to_str().unwrap()])
        .ok();
    env.run_ws(&["stage", "--json"]).ok();
    // Staged in source order: rows 1, 3, 4 (2 merged into 1), not in ROWID order.
    let staged: Vec<i64> = {
        let db = env.db();
        let mut stmt = db
            .prepare("SELECT _row FROM stg_account ORDER BY _rowid_")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(staged, [1, 3, 4]);
}

/// A file that grows while it is read must not be stored short under the full file's hash
/// (the next ingest would call the complete file "unchanged"): the run fails, nothing stored.
#[test]
fn a_file_that_changes_while_read_is_refused_and_nothing_is_stored() {
    use std::io::Write;
    let env = Env::workspace();
    let mut text = String::from("id,name,email,note\n");
    for i in 0..200_000 {
        text.push_str(&format!(
            "{i},Name {i},n{i}@example.com,some note text {i}\n"
        ));
    }
    let path = env.write("growing.csv", &text);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crmkit"))
        .current_dir(env.ws())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.path().join(".home"))
        .args(["ingest", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (done, path) = (done.clone(), path.clone());
        std::thread::spawn(move || {
            let mut n = 1_000_000;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                writeln!(f, "{n},Late {n},late{n}@example.com,appended while read").unwrap();
                n += 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("growing.csv"), "{stderr}");
    assert!(
        stderr.contains("changed while it was being read"),
        "{stderr}"
    );
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
    // Once the file is complete it loads, whole.
    let lines = std::fs::read_to_string(&path).unwrap().lines().count() as i64;
    let out = ingest_ok(&env, &path, &[]);
    assert_eq!(out[0]["status"], "loaded");
    assert_eq!(env.count("SELECT count(*) FROM src_growing"), lines - 1);
}

fn rows_csv(n: usize) -> String {
    let mut text = String::from("id,name,city\n");
    for i in 1..=n {
        text.push_str(&format!("{i},Person {i},Town {i}\n"));
    }
    text
}

/// A wrong `--encoding` used to load 0 of 400 rows, exit 0 and record the file as ingested,
/// so the corrected run was skipped as "unchanged".
#[test]
fn a_wrong_encoding_is_an_error_and_records_nothing() {
    let env = Env::workspace();
    let path = env.write("people.csv", rows_csv(400));
    let run = env
        .run_ws(&["ingest", path.to_str().unwrap(), "--encoding", "utf-16le"])
        .fails(2);
    let stderr = run.stderr();
    assert!(stderr.contains("people.csv"), "{stderr}");
    assert!(stderr.contains("does not read as utf-16le"), "{stderr}");
    assert!(
        stderr.contains("utf-8"),
        "the hint names what detection finds: {stderr}"
    );
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
    // The corrected run loads everything.
    let out = ingest_ok(&env, &path, &[]);
    assert_eq!(out[0]["status"], "loaded");
    assert_eq!(out[0]["rows_stored"], 400);

    // UTF-16 read as UTF-8 is mostly NUL characters: refused too.
    let env = Env::workspace();
    let le: Vec<u8> = rows_csv(50)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let path = env.write("wide_chars.csv", le);
    let run = env
        .run_ws(&["ingest", path.to_str().unwrap(), "--encoding", "utf-8"])
        .fails(2);
    assert!(run.stderr().contains("NUL"), "{}", run.stderr());
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
}

/// Central European and Cyrillic legacy exports are detected, not read as Windows-1252.
#[test]
fn windows_1250_and_1251_are_detected_and_stored_right() {
    let cases = [
        (
            "windows1250.csv",
            "windows-1250",
            "jmeno",
            [
                "Antonín Dvořák",
                "Šťastný Žluťoučký",
                "Łódź Świętokrzyska",
                "Zdeněk Čapek",
            ]
            .as_slice(),
        ),
        (
            "windows1251.csv",
            "windows-1251",
            "imya",
            [
                "Пётр Ильич Чайковский",
                "Фёдор Достоевский",
                "Анна Ахматова",
            ]
            .as_slice(),
        ),
    ];
    for (file, label, col, want) in cases {
        let env = Env::workspace();
        let out = ingest_ok(&env, &fixture(&format!("ingest/{file}")), &[]);
        assert_eq!(out[0]["encoding"], label, "{file}");
        let table = format!("src_{}", file.trim_end_matches(".csv"));
        let got: Vec<String> = column(&env, &table, col).into_iter().flatten().collect();
        assert_eq!(got, want, "{file}");
        assert_eq!(env.count("SELECT count(*) FROM _issues"), 0, "{file}");
    }
}

/// A NUL early in a text file is data (kept, logged), not a reason to refuse the file.
#[test]
fn nul_bytes_are_kept_as_data_and_logged() {
    let env = Env::workspace();
    let path = env.write("nuls.csv", b"id,name\n1,Ac\x00me\n2,Globex\n".as_slice());
    let out = ingest_ok(&env, &path, &[]);
    assert_eq!(out[0]["rows_stored"], 2);
    assert_eq!(out[0]["issues"]["nul_byte"], 1);
    assert_eq!(
        column(&env, "src_nuls", "name"),
        [Some("Ac\0me".into()), Some("Globex".into())]
    );
    let (row, col): (i64, String) = env
        .db()
        .query_row(
            "SELECT row, column FROM _issues WHERE kind = 'nul_byte'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((row, col.as_str()), (1, "name"));
}

/// UTF-16 without a byte-order mark: detected, and `--encoding` is honoured.
#[test]
fn utf16_without_a_bom_is_read_detected_or_named() {
    let text = "id,name\n1,Anaïs\n2,北京\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, label, flags) in [
        (&le, "utf-16le", &[][..]),
        (&be, "utf-16be", &[][..]),
        (&le, "utf-16le", &["--encoding", "utf-16le"][..]),
        (&be, "utf-16be", &["--encoding", "utf-16be"][..]),
    ] {
        let env = Env::workspace();
        let path = env.write("nobom.csv", bytes);
        let out = ingest_ok(&env, &path, flags);
        assert_eq!(out[0]["encoding"], label, "{flags:?}");
        assert_eq!(
            column(&env, "src_nobom", "name"),
            [Some("Anaïs".into()), Some("北京".into())],
            "{label} {flags:?}"
        );
    }
}

/// More columns than SQLite allows in a table: a clear error naming file, count and limit.
#[test]
fn too_many_columns_is_a_clear_error_and_stores_nothing() {
    let env = Env::workspace();
    let header: Vec<String> = (1..=2500).map(|i| format!("Field {i}")).collect();
    let row: Vec<String> = (1..=2500).map(|i| i.to_string()).collect();
    let path = env.write(
        "very_wide.csv",
        format!("{}\n{}\n", header.join(","), row.join(",")),
    );
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).fails(2);
    let stderr = run.stderr();
    for want in ["very_wide.csv", "2,500 columns", "1,997"] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM sqlite_master WHERE name = 'src_very_wide'"),
        0
    );
    // The widest file that fits loads.
    let header: Vec<String> = (1..=1997).map(|i| format!("Field {i}")).collect();
    let path = env.write("wide_enough.csv", format!("{}\n", header.join(",")));
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
}

/// An updated export of the same path: added beside the earlier one by default (and said
/// so), and `--replace` replaces the earlier version.
#[test]
fn replace_replaces_the_earlier_version_of_a_path() {
    let env = Env::workspace();
    let path = env.write("accounts.csv", "id,name\n1,Acme\n2,Globex\n");
    ingest_ok(&env, &path, &[]);
    std::fs::write(&path, "id,name\n1,Acme Corp\n2,Globex\n3,Initech\n").unwrap();
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    assert!(run.stdout().contains("--replace"), "{}", run.stdout());
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 2);
    assert_eq!(env.count("SELECT count(*) FROM src_accounts"), 5);
    std::fs::write(
        &path,
        "id,name\n1,Acme Corp\n2,Globex Inc\n3,Initech\n4,Umbrella\n",
    )
    .unwrap();
    // The same file through another spelling of its path is still the same path.
    let other = env.ws().join("..").join("accounts.csv");
    let out = ingest_ok(&env, &other, &["--replace"]);
    assert_eq!(out[0]["status"], "replaced");
    assert_eq!(out[0]["earlier"], serde_json::json!([1, 2]));
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 1);
    assert_eq!(
        column(&env, "src_accounts", "name"),
        [
            Some("Acme Corp".into()),
            Some("Globex Inc".into()),
            Some("Initech".into()),
            Some("Umbrella".into())
        ]
    );
    // A different file that lands in the same dataset is not replaced.
    let more = env.write("more/accounts.csv", "id,name\n9,Stark\n");
    ingest_ok(&env, &more, &["--replace"]);
    assert_eq!(env.count("SELECT count(*) FROM src_accounts"), 5);
}

/// Sheets whose names meet after snake_casing get distinct datasets, never one merged table.
#[test]
fn colliding_sheet_names_never_merge() {
    use rust_xlsxwriter::Workbook;
    let env = Env::workspace();
    let path = env.path().join("book.xlsx");
    let mut wb = Workbook::new();
    for (sheet, value) in [
        ("Sales Q1", "first"),
        ("sales_q1", "second"),
        ("SALES-Q1", "third"),
    ] {
        let ws = wb.add_worksheet().set_name(sheet).unwrap();
        ws.write_string(0, 0, "Value").unwrap();
        ws.write_string(1, 0, value).unwrap();
    }
    wb.save(&path).unwrap();
    let out = ingest_ok(&env, &path, &["--all-sheets"]);
    let datasets: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(
        datasets,
        ["book_sales_q1", "book_sales_q1_2", "book_sales_q1_3"]
    );
    for (table, value) in [
        ("src_book_sales_q1", "first"),
        ("src_book_sales_q1_2", "second"),
        ("src_book_sales_q1_3", "third"),
    ] {
        assert_eq!(
            column(&env, table, "value"),
            [Some(value.into())],
            "{table}"
        );
    }
}

/// Rewrites one part of a zip (an xlsx) with `edit`, keeping the others as they are.
fn patch_zip(path: &std::path::Path, part: &str, edit: impl Fn(String) -> String) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name == part {
            data = edit(String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// A small workbook whose sheet claims (and spans) the whole grid, A1:XFD1048576.
fn far_corner_workbook(env: &Env) -> std::path::PathBuf {
    use rust_xlsxwriter::Workbook;
    let path = env.path().join("corner.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Name").unwrap();
    ws.write_string(0, 1, "City").unwrap();
    ws.write_string(1, 0, "Acme").unwrap();
    ws.write_string(1, 1, "Paris").unwrap();
    ws.write_string(1_048_575, 16_383, "far").unwrap();
    wb.save(&path).unwrap();
    path
}

/// Two 2 KB workbooks used to abort the process (allocation failure): a sheet spanning
/// A1:XFD1048576, a shared-string table claiming four billion entries.
#[test]
fn hostile_workbooks_are_read_within_bounds_or_refused() {
    let env = Env::workspace();
    let corner = far_corner_workbook(&env);
    assert!(std::fs::metadata(&corner).unwrap().len() < 10_000);
    let out = ingest_ok(&env, &corner, &[]);
    assert_eq!(out[0]["rows_stored"], 2);
    assert_eq!(
        column(&env, "src_corner", "name"),
        [Some("Acme".into()), None]
    );
    // The far cell is kept, as the surplus of a ragged row.
    let extra: String = env
        .db()
        .query_row("SELECT _extra FROM src_corner WHERE _row = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        extra.ends_with(",\"far\"]"),
        "{}",
        &extra[extra.len() - 20..]
    );

    let env = Env::workspace();
    let path = env.path().join("strings.xlsx");
    {
        use rust_xlsxwriter::Workbook;
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Name").unwrap();
        ws.write_string(1, 0, "Acme").unwrap();
        wb.save(&path).unwrap();
    }
    patch_zip(&path, "xl/sharedStrings.xml", |xml| {
        let start = xml.find("<sst").unwrap();
        let end = start + xml[start..].find('>').unwrap();
        format!(
            "{}<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4294967295\" uniqueCount=\"4294967295\">{}",
            &xml[..start],
            &xml[end + 1..]
        )
    });
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).fails(2);
    let stderr = run.stderr();
    assert!(stderr.contains("strings.xlsx"), "{stderr}");
    assert!(stderr.contains("4,294,967,295"), "{stderr}");
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
}

/// A sheet's left edge comes from its declared dimension: a sheet starting in column C has
/// no empty columns A and B; a declaration contradicted by a cell left of it is refused.
#[test]
fn sheet_left_edge_follows_its_dimension_and_a_false_one_is_refused() {
    use rust_xlsxwriter::Workbook;
    let env = Env::workspace();
    let path = env.path().join("offset.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(2, 2, "Name").unwrap();
    ws.write_string(2, 3, "City").unwrap();
    ws.write_string(3, 2, "Acme").unwrap();
    ws.write_string(3, 3, "Paris").unwrap();
    wb.save(&path).unwrap();
    let out = ingest_ok(&env, &path, &[]);
    assert_eq!(out[0]["columns"], 2);
    assert_eq!(column(&env, "src_offset", "city"), [Some("Paris".into())]);

    patch_zip(&path, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace("<dimension ref=\"C3:D4\"/>", "<dimension ref=\"D3:D4\"/>")
    });
    let env = Env::workspace();
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).fails(2);
    let stderr = run.stderr();
    assert!(stderr.contains("offset.xlsx"), "{stderr}");
    assert!(stderr.contains("sheet `Sheet1`"), "{stderr}");
    assert!(stderr.contains("column C"), "{stderr}");
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
}
