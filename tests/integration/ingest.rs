//! `ingest`: lossless, idempotent loading of hostile files.

use crate::util::{Env, fixture};

/// Ingests one fixture into a fresh workspace and returns the environment.
fn ingest(name: &str, extra: &[&str]) -> Env {
    let env = Env::workspace();
    let path = fixture(&format!("ingest/{name}"));
    let mut args = vec!["ingest", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.run_ws(&args).ok();
    env
}

/// All values of one column of a source table, in row order.
fn column(env: &Env, table: &str, column: &str) -> Vec<Option<String>> {
    let db = env.db();
    let mut stmt = db
        .prepare(&format!(
            "SELECT \"{column}\" FROM \"{table}\" ORDER BY _row"
        ))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn batch_field(env: &Env, field: &str) -> Option<String> {
    env.db()
        .query_row(&format!("SELECT {field} FROM _batches"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn every_fixture_keeps_every_record() {
    let cases = [
        ("hostile_header.csv", "hostile_header", 2),
        ("windows1252.csv", "windows1252", 3),
        ("utf16le_bom.csv", "utf16le_bom", 2),
        ("utf16be_bom.csv", "utf16be_bom", 1),
        ("utf8_bom.csv", "utf8_bom", 2),
        ("ragged.csv", "ragged", 4),
        ("quoted_newlines.csv", "quoted_newlines", 3),
        ("pipe.txt", "pipe", 2),
        ("mixed_invalid_utf8.csv", "mixed_invalid_utf8", 3),
        ("header_only.csv", "header_only", 0),
    ];
    for (file, dataset, rows) in cases {
        let env = ingest(file, &["--json"]);
        let table = format!("src_{dataset}");
        assert_eq!(
            env.count(&format!("SELECT count(*) FROM \"{table}\"")),
            rows,
            "{file}"
        );
        assert_eq!(env.count("SELECT rows_read FROM _batches"), rows, "{file}");
        assert_eq!(
            env.count("SELECT rows_stored FROM _batches"),
            rows,
            "{file}"
        );
        // _row numbers records 1..=n with no gaps.
        let rows_seen: Vec<i64> = {
            let db = env.db();
            let mut stmt = db
                .prepare(&format!("SELECT _row FROM \"{table}\" ORDER BY _row"))
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(rows_seen, (1..=rows).collect::<Vec<_>>(), "{file}");
    }
}

#[test]
fn hostile_headers_become_harmless_unique_columns() {
    let env = ingest("hostile_header.csv", &[]);
    // The catalog tables the header tried to drop are still there.
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 1);
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT header, column_name FROM _columns ORDER BY position")
        .unwrap();
    let cols: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let names: Vec<&str> = cols.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "name_drop_table_batches",
            "column_3",
            "id_2",
            "unicode_name",
            "spaced_out"
        ]
    );
    assert_eq!(cols[1].0, "name\"); DROP TABLE _batches; --");
    // Values are data, stored verbatim.
    assert_eq!(
        column(&env, "src_hostile_header", "name_drop_table_batches"),
        [
            Some("Robert'); DROP TABLE students;--".into()),
            Some("=cmd|' /C calc'!A0".into())
        ]
    );
}

#[test]
fn windows_1252_is_detected_and_decoded() {
    let env = ingest("windows1252.csv", &[]);
    assert_eq!(
        batch_field(&env, "encoding").as_deref(),
        Some("windows-1252")
    );
    assert_eq!(
        column(&env, "src_windows1252", "name"),
        [
            Some("José Müller".into()),
            Some("Françoise Dœuf".into()),
            Some("“Smart quotes” – dash".into())
        ]
    );
    assert_eq!(
        column(&env, "src_windows1252", "city")[2].as_deref(),
        Some("€uro")
    );
}

#[test]
fn utf16_with_bom_is_transcoded() {
    let env = ingest("utf16le_bom.csv", &[]);
    assert_eq!(batch_field(&env, "encoding").as_deref(), Some("utf-16le"));
    assert_eq!(batch_field(&env, "delimiter").as_deref(), Some("\\t"));
    assert_eq!(
        column(&env, "src_utf16le_bom", "name"),
        [Some("Anaïs".into()), Some("北京".into())]
    );
    let env = ingest("utf16be_bom.csv", &[]);
    assert_eq!(batch_field(&env, "encoding").as_deref(), Some("utf-16be"));
    assert_eq!(column(&env, "src_utf16be_bom", "id"), [Some("1".into())]);
}

#[test]
fn utf8_bom_is_stripped_and_semicolons_sniffed() {
    let env = ingest("utf8_bom.csv", &[]);
    assert_eq!(batch_field(&env, "encoding").as_deref(), Some("utf-8-bom"));
    assert_eq!(batch_field(&env, "delimiter").as_deref(), Some(";"));
    // The first header is `id`, not `\u{feff}id`.
    assert_eq!(
        column(&env, "src_utf8_bom", "id"),
        [Some("1".into()), Some("2".into())]
    );
    assert_eq!(
        column(&env, "src_utf8_bom", "amount"),
        [Some("1,5".into()), Some("2,0".into())]
    );
}

#[test]
fn ragged_rows_are_kept_and_flagged() {
    let env = ingest("ragged.csv", &[]);
    assert_eq!(
        column(&env, "src_ragged", "email"),
        [
            None,
            Some("e@x.com".into()),
            Some("l@x.com".into()),
            Some("".into())
        ]
    );
    assert_eq!(
        column(&env, "src_ragged", "_extra")[2].as_deref(),
        Some("[\"surplus\",\"more\"]")
    );
    assert_eq!(
        env.count("SELECT count(*) FROM _issues WHERE kind = 'ragged_row'"),
        2
    );
    let rows: Vec<i64> = {
        let db = env.db();
        let mut stmt = db.prepare("SELECT row FROM _issues ORDER BY row").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(rows, [1, 3]);
}

#[test]
fn quoted_newlines_and_quotes_survive() {
    let env = ingest("quoted_newlines.csv", &[]);
    assert_eq!(
        column(&env, "src_quoted_newlines", "notes"),
        [
            Some("line one\r\nline two, with comma".into()),
            Some("he said \"hi\"".into()),
            Some("".into())
        ]
    );
}

#[test]
fn invalid_utf8_bytes_are_kept_and_logged() {
    let env = ingest("mixed_invalid_utf8.csv", &[]);
    assert_eq!(batch_field(&env, "encoding").as_deref(), Some("utf-8"));
    assert_eq!(
        column(&env, "src_mixed_invalid_utf8", "name"),
        [Some("René".into()), Some("Café".into()), Some("ok".into())]
    );
    let (row, column, kind, detail): (i64, String, String, String) = env
        .db()
        .query_row("SELECT row, column, kind, detail FROM _issues", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(
        (row, column.as_str(), kind.as_str()),
        (2, "name", "invalid_encoding")
    );
    assert!(detail.contains("0xE9"), "{detail}");
}

#[test]
fn flags_override_detection() {
    let env = ingest(
        "pipe.txt",
        &[
            "--as",
            "Legacy Accounts",
            "--delimiter",
            "|",
            "--encoding",
            "latin1",
        ],
    );
    assert_eq!(
        column(&env, "src_legacy_accounts", "name"),
        [Some("a".into()), Some("b".into())]
    );
    assert_eq!(
        batch_field(&env, "encoding").as_deref(),
        Some("windows-1252")
    );
}

#[test]
fn reingest_is_a_no_op_and_replace_reloads() {
    let env = ingest("ragged.csv", &[]);
    let path = fixture("ingest/ragged.csv");
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    assert!(
        run.stdout().contains("already ingested"),
        "{}",
        run.stdout()
    );
    assert_eq!(env.count("SELECT count(*) FROM src_ragged"), 4);
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 1);
    // The same content under another name is still the same content.
    let copy = env.write("copy_of_ragged.csv", std::fs::read(&path).unwrap());
    env.run_ws(&["ingest", copy.to_str().unwrap()]).ok();
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 1);
    let run = env
        .run_ws(&["ingest", path.to_str().unwrap(), "--replace", "--json"])
        .ok();
    assert_eq!(run.json()[0]["status"], "replaced");
    assert_eq!(env.count("SELECT count(*) FROM src_ragged"), 4);
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 1);
    assert_eq!(env.count("SELECT count(*) FROM _issues"), 2);
}

#[test]
fn a_second_file_appends_as_a_new_batch_with_new_columns() {
    let env = ingest("ragged.csv", &[]);
    let more = env.write("ragged.csv", "id,name,phone\n9,Nine,555\n");
    env.run_ws(&["ingest", more.to_str().unwrap()]).ok();
    assert_eq!(env.count("SELECT count(*) FROM src_ragged"), 5);
    assert_eq!(
        env.count("SELECT count(DISTINCT _batch) FROM src_ragged"),
        2
    );
    assert_eq!(
        column(&env, "src_ragged", "phone").iter().flatten().count(),
        1
    );
}

#[test]
fn json_outcome_has_stable_keys() {
    let env = Env::workspace();
    let path = fixture("ingest/ragged.csv");
    let out = env
        .run_ws(&["ingest", path.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let o = &out[0];
    assert_eq!(o["dataset"], "ragged");
    assert_eq!(o["status"], "loaded");
    assert_eq!(o["rows_read"], 4);
    assert_eq!(o["rows_stored"], 4);
    assert_eq!(o["encoding"], "utf-8");
    assert_eq!(o["delimiter"], ",");
    assert_eq!(o["issues"]["ragged_row"], 2);
}

#[test]
fn human_output_counts_rows_and_issues() {
    let env = Env::workspace();
    let path = fixture("ingest/ragged.csv");
    let run = env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    assert!(
        run.stdout()
            .contains("4 rows read, 4 stored; issues: ragged_row 2"),
        "{}",
        run.stdout()
    );
}

#[test]
fn wide_files_load() {
    let env = Env::workspace();
    let header: Vec<String> = (1..=200).map(|i| format!("Field {i}")).collect();
    let row: Vec<String> = (1..=200).map(|i| i.to_string()).collect();
    let path = env.write(
        "wide.csv",
        format!("{}\n{}\n", header.join(","), row.join(",")),
    );
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    assert_eq!(env.count("SELECT count(*) FROM _columns"), 200);
    assert_eq!(
        env.count("SELECT CAST(field_200 AS INTEGER) FROM src_wide"),
        200
    );
}

#[test]
fn bad_files_get_clear_errors_and_store_nothing() {
    let env = Env::workspace();
    let cases = [
        (fixture("ingest/empty.csv"), "is empty"),
        (fixture("ingest/binary.dat"), "binary data"),
        (env.path().join("missing.csv"), "cannot read"),
    ];
    for (path, message) in cases {
        let run = env.run_ws(&["ingest", path.to_str().unwrap()]).fails(2);
        assert!(run.stderr().contains(message), "{}", run.stderr());
        assert!(
            run.stderr()
                .contains(path.file_name().unwrap().to_str().unwrap()),
            "{}",
            run.stderr()
        );
        assert!(run.stderr().starts_with("error: "), "{}", run.stderr());
    }
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 0);
}

#[test]
fn ingest_outside_a_workspace_fails() {
    let env = Env::new();
    let path = fixture("ingest/ragged.csv");
    let run = env.run(&["ingest", path.to_str().unwrap()]).fails(2);
    assert!(run.stderr().contains("crmkit init"), "{}", run.stderr());
}

/// Writes a two-sheet workbook with a date column, a formula column and an error cell.
fn workbook(env: &Env) -> std::path::PathBuf {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let path = env.path().join("book.xlsx");
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet().set_name("Accounts").unwrap();
    // A blank first row: the header is the first non-empty row.
    ws.write_string(1, 0, "Name").unwrap();
    ws.write_string(1, 1, "Signed").unwrap();
    ws.write_string(1, 2, "Seats").unwrap();
    ws.write_string(1, 3, "Double").unwrap();
    let rows = [("Acme", 2021, 3, 4, 10.0), ("Globex", 2020, 12, 31, 2.5)];
    for (i, (name, y, m, d, seats)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string(r, 0, *name).unwrap();
        let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
        ws.write_datetime_with_format(r, 1, &dt, &date).unwrap();
        ws.write_number(r, 2, *seats).unwrap();
        let result = (seats * 2.0).to_string();
        ws.write_formula(
            r,
            3,
            Formula::new(format!("=C{}*2", r + 1)).set_result(result),
        )
        .unwrap();
    }
    ws.write_string(4, 0, "Initech").unwrap();
    ws.write_formula(4, 3, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    let ws2 = wb.add_worksheet().set_name("Contacts").unwrap();
    ws2.write_string(0, 0, "Email").unwrap();
    ws2.write_string(1, 0, "a@acme.com").unwrap();
    wb.save(&path).unwrap();
    path
}

#[test]
fn xlsx_first_sheet_with_dates_formulas_and_errors() {
    let env = Env::workspace();
    let path = workbook(&env);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    assert_eq!(env.count("SELECT count(*) FROM src_book"), 3);
    assert_eq!(batch_field(&env, "sheet").as_deref(), Some("Accounts"));
    assert_eq!(batch_field(&env, "format").as_deref(), Some("xlsx"));
    assert_eq!(
        column(&env, "src_book", "signed"),
        [Some("2021-03-04".into()), Some("2020-12-31".into()), None]
    );
    assert_eq!(
        column(&env, "src_book", "double"),
        [Some("20".into()), Some("5".into()), Some("#N/A".into())]
    );
    assert_eq!(
        column(&env, "src_book", "seats"),
        [Some("10".into()), Some("2.5".into()), None]
    );
    assert_eq!(env.count("SELECT count(*) FROM _issues WHERE kind = 'excel_error' AND row = 3 AND column = 'double'"), 1);
}

#[test]
fn xlsx_sheets_by_name_and_all() {
    let env = Env::workspace();
    let path = workbook(&env);
    let p = path.to_str().unwrap();
    env.run_ws(&["ingest", p, "--sheet", "Contacts", "--as", "people"])
        .ok();
    assert_eq!(env.count("SELECT count(*) FROM src_people"), 1);
    let run = env.run_ws(&["ingest", p, "--sheet", "Contacs"]).fails(2);
    assert!(
        run.stderr().contains("did you mean `Contacts`"),
        "{}",
        run.stderr()
    );
    env.run_ws(&["ingest", p, "--all-sheets"]).ok();
    assert_eq!(env.count("SELECT count(*) FROM src_book_accounts"), 3);
    // Contacts was already loaded from this content: a no-op, not a duplicate.
    assert_eq!(env.count("SELECT count(*) FROM _batches"), 2);
}

#[test]
fn ingest_leaves_metrics_for_the_playbook() {
    let env = ingest("ragged.csv", &[]);
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'ingest.rows'"),
        4
    );
    assert_eq!(
        env.count("SELECT CAST(value AS INTEGER) FROM _metrics WHERE name = 'ingest.datasets'"),
        1
    );
    let rate: f64 = env
        .db()
        .query_row(
            "SELECT value FROM _metrics WHERE name = 'ingest.issue_rate'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rate, 0.5);
}

#[test]
fn xlsx_rows_with_empty_trailing_cells_are_not_ragged() {
    let env = Env::workspace();
    let path = workbook(&env);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    // Row 3 (Initech) has only a name and a formula; its empty cells are NULL, not missing.
    assert_eq!(
        env.count("SELECT count(*) FROM _issues WHERE kind = 'ragged_row'"),
        0
    );
}

#[test]
fn bundled_samples_ingest_without_issues() {
    let env = Env::workspace();
    let dir = crate::util::sample("");
    let mut args: Vec<String> = vec!["ingest".into()];
    for f in [
        "accounts.csv",
        "contacts.csv",
        "opportunities.csv",
        "activities.csv",
        "users.csv",
        "crm_usage.csv",
    ] {
        args.push(dir.join(f).display().to_string());
    }
    args.push(dir.join("accounts.xlsx").display().to_string());
    args.extend(["--as".into(), "x".into()]);
    // --as names one dataset only: several files are refused.
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run_ws(&refs).fails(2);
    let refs: Vec<&str> = args[..args.len() - 2].iter().map(String::as_str).collect();
    env.run_ws(&refs).ok();
    assert_eq!(env.count("SELECT count(*) FROM _issues"), 0);
    // The workbook copy of accounts lands as a second batch of src_accounts, row for row.
    assert_eq!(
        env.count("SELECT count(*) FROM _batches WHERE dataset = 'accounts'"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM src_accounts WHERE _batch = 1"),
        env.count("SELECT count(*) FROM src_accounts WHERE _batch = 7")
    );
}

#[test]
fn an_unclosed_quote_is_kept_and_flagged() {
    let env = ingest("unterminated_quote.csv", &[]);
    // The parser reads the rest of the file into the open field: nothing is lost...
    assert_eq!(
        column(&env, "src_unterminated_quote", "note"),
        [Some("unterminated\n2,Beta,ok\n3,Gamma\n".into())]
    );
    // ...and the record says why it swallowed three lines.
    let (row, kind, detail): (i64, String, String) = env
        .db()
        .query_row("SELECT row, kind, detail FROM _issues", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((row, kind.as_str()), (1, "unterminated_quote"));
    assert!(detail.contains("starting on line 2"), "{detail}");
    // Properly quoted newlines at the end of a file are not mistaken for it.
    let env = ingest("quoted_newlines.csv", &[]);
    assert_eq!(env.count("SELECT count(*) FROM _issues"), 0);
}
