//! Client values that would harm whoever opens the output: spreadsheet formulas, Markdown
//! that becomes live HTML, terminal escape sequences, and whole cells copied into profiles.

use crate::util::Env;

/// The dedupe accounts fixture with hostile values in names, ids and phones.
const HOSTILE: &str = "\
Account ID,Account Name,Website,Phone,Billing City,Last Activity
A-1,\"Northwind\u{1b}]0;pwned\u{7} Traders Inc\",www.northwind.com,(415) 555-0134,San Francisco,2024-01-01
A-2,\"NORTHWIND\u{1b}[2J TRADERS, INCORPORATED\",https://northwind.com/,415.555.0134,San Francisco,2024-05-01
A-3,Northwind Tradres LLC,,+1 415 555 0134,,
-5,Smith & Sons Ltd,smithsons.co.uk,+44 20 7946 0958,London,
=HYPERLINK(\"http://evil\",\"x\"),Smith and Sons Limited,http://www.smithsons.co.uk,+44 20 7946 0958,London,
@SUM(A1:A2),\"=cmd|' /C calc'!A0\",southridge.com,(212) 555-0100,New York,
";

fn hostile() -> Env {
    let env = Env::workspace();
    let path = env.write("accounts.csv", HOSTILE);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    env
}

fn assert_no_controls(what: &str, text: &str) {
    assert!(
        !text.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "{what} printed a control character:\n{text:?}"
    );
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let env = hostile();
    for args in [
        vec!["profile"],
        vec![
            "dedupe",
            "accounts",
            "--object",
            "account",
            "--id",
            "account_id",
        ],
        vec!["status"],
        vec!["trace", "accounts", "1"],
        vec!["trace", "accounts", "2", "--json"],
    ] {
        let run = env.run_ws(&args);
        assert_no_controls(&args.join(" "), &run.stdout());
        assert_no_controls(&args.join(" "), &run.stderr());
    }
    // The values are shown, in a visible form.
    let run = env.run_ws(&["trace", "accounts", "1"]).ok();
    assert!(
        run.stdout().contains("Northwind^[]0;pwned^G Traders"),
        "{}",
        run.stdout()
    );
}

const IMG: &str = "x`<img src=x onerror=alert(1)>";
const LINK: &str = "[click](javascript:alert(1))";

/// Markdown rendered the way a viewer would (CommonMark plus GFM tables) into HTML.
pub fn to_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// No live tag, link or handler once `md` is rendered.
pub fn assert_inert(what: &str, md: &str) {
    let html = to_html(md);
    for live in [
        "<img",
        "<a ",
        "<script",
        "href=",
        "javascript:",
        "onerror=alert(1)>",
    ] {
        assert!(
            !html.contains(live),
            "{what}: `{live}` in\n{html}\nfrom\n{md}"
        );
    }
}

#[test]
fn client_text_in_markdown_stays_text() {
    let env = Env::new();
    env.run(&["init", "ws", "--client", &format!("{IMG} {LINK}")])
        .ok();
    let csv = format!(
        "account_id,name,\"Email {h}\",website\n\
         A-1,\"{IMG}\",\"{IMG}\",\"{LINK}\"\n\
         A-2,\"{LINK}\",\"{LINK}\",acme.com\n\
         A-3,Acme,a@acme.com,acme.com\n",
        h = IMG.replace('"', "\"\"")
    );
    let path = env.write("accounts.csv", csv);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    env.run_ws(&["profile", "--as-of", "2025-06-30"]).ok();
    env.dedupe_accounts();
    env.run_ws(&["report", "readiness", "--format", "all"]).ok();
    let md = std::fs::read_to_string(env.ws().join("out/readiness.md")).unwrap();
    // The values are there, as text.
    let html = to_html(&md);
    assert!(
        html.contains("x`&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(html.contains("[click](javascript"), "{html}");
    assert_inert("readiness.md", &md);
    let checklist = env.run_ws(&["checklist", "--role", "admin"]).ok().stdout();
    assert!(checklist.contains("x\\`\\<img"), "{checklist}");
    assert_inert("checklist.md", &checklist);
    env.run_ws(&["checklist", "--role", "consultant", "--out", "c.md"])
        .ok();
    assert_inert(
        "checklist file",
        &std::fs::read_to_string(env.ws().join("c.md")).unwrap(),
    );
}

/// Accounts whose ids and values a spreadsheet would run as formulas, in three clusters.
const FORMULAS: &str = "\
Account ID,Account Name,Website,Phone,Billing City,Last Activity
A-1,Northwind Traders Inc,www.northwind.com,(415) 555-0134,San Francisco,2024-01-01
A-2,\"NORTHWIND TRADERS, INCORPORATED\",https://northwind.com/,415.555.0134,San Francisco,2024-05-01
-5,Smith & Sons Ltd,smithsons.co.uk,+44 20 7946 0958,London,
\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",Smith and Sons Limited,http://www.smithsons.co.uk,+44 20 7946 0958,London,
@SUM(A1:A2),Southridge Video,southridge.com,(212) 555-0100,\"=cmd|' /C calc'!A0\",
+44 20 7946 0000,Southridge Video Inc,southridge.com,(212) 555-0100,New York,
";
const HYPERLINK: &str = "=HYPERLINK(\"http://evil\",\"x\")";

fn formulas() -> Env {
    let env = Env::workspace();
    let path = env.write("accounts.csv", FORMULAS);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    env
}

fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn survivors(env: &Env) -> Vec<String> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT record_id FROM _clusters WHERE survivor = 1 ORDER BY cluster")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn csv_sheets_people_open_run_no_formulas_and_read_back_exactly() {
    use crmkit::escape::formula::is_formula;
    let env = formulas();
    env.dedupe_accounts_with(&["--pairs", "pairs.csv"]).ok();
    let review = env.ws().join("out/dedupe-review-accounts.csv");
    for path in [review.clone(), env.ws().join("pairs.csv")] {
        let rows = read_csv(&path);
        assert!(rows.len() >= 3, "{rows:?}");
        for cell in rows.iter().flatten() {
            assert!(!is_formula(cell), "{}: `{cell}` would run", path.display());
        }
    }
    let text = std::fs::read_to_string(&review).unwrap();
    for escaped in ["'@SUM(A1:A2)", "'+44 20 7946 0000", "'=cmd|", ",-5,"] {
        assert!(text.contains(escaped), "{escaped} in\n{text}");
    }
    // A person picks the other record of clusters 2 and 3 as survivor and saves.
    let header = read_csv_header(&review);
    let mut rows = read_csv(&review);
    for row in &mut rows {
        if row[1] != "1" {
            row[3] = if row[3] == "yes" {
                String::new()
            } else {
                "yes".into()
            };
        }
    }
    let mut w = csv::Writer::from_path(&review).unwrap();
    w.write_record(&header).unwrap();
    for row in &rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    env.run_ws(&["dedupe", "apply", review.to_str().unwrap()])
        .ok();
    assert_eq!(survivors(&env), ["A-2", HYPERLINK, "+44 20 7946 0000"]);
}

fn read_csv_header(path: &std::path::Path) -> Vec<String> {
    csv::Reader::from_path(path)
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect()
}

#[test]
fn xlsx_review_sheets_hold_strings_and_read_back() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let env = formulas();
    env.dedupe_accounts_with(&["--format", "xlsx"]).ok();
    let path = env.ws().join("out/dedupe-review-accounts.xlsx");
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert!(
        book.worksheet_formula("review")
            .unwrap()
            .used_cells()
            .next()
            .is_none(),
        "no cell is a formula"
    );
    let range = book.worksheet_range("review").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("not a string cell: {other:?}"),
                })
                .collect()
        })
        .collect();
    assert!(rows.iter().any(|r| r[4] == HYPERLINK), "{rows:?}");
    assert!(rows.iter().any(|r| r[4] == "-5"), "{rows:?}");
    // Edit: the second record of cluster 2 survives; save as a new workbook.
    let edited = env.ws().join("edited.xlsx");
    let mut out = rust_xlsxwriter::Workbook::new();
    let sheet = out.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let value = if r > 0 && row[1] == "2" && c == 3 {
                if cell == "yes" { "" } else { "yes" }
            } else {
                cell.as_str()
            };
            sheet.write_string(r as u32, c as u16, value).unwrap();
        }
    }
    out.save(&edited).unwrap();
    let run = env
        .run_ws(&["dedupe", "apply", edited.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout().contains("1 survivor changed"),
        "{}",
        run.stdout()
    );
    assert_eq!(survivors(&env)[1], HYPERLINK);
}

#[test]
fn import_files_keep_formula_values_exact_and_the_load_plan_warns() {
    let env = Env::workspace();
    for f in ["accounts.yaml", "contacts.yaml"] {
        std::fs::copy(
            crate::util::fixture(&format!("stage/mappings/{f}")),
            env.ws().join("mappings").join(f),
        )
        .unwrap();
    }
    let accounts = std::fs::read_to_string(crate::util::fixture("stage/accounts.csv"))
        .unwrap()
        .replace("A-4,Fabrikam,", "A-4,=1+2,")
        .replace("A-6,Tailspin,", "A-6,-2+3,")
        .replace("Redmond", "@SUM(A1:A2)");
    let a = env.write("accounts.csv", accounts);
    let c = crate::util::fixture("stage/contacts.csv");
    env.run_ws(&["ingest", a.to_str().unwrap(), c.to_str().unwrap()])
        .ok();
    env.run_ws(&["stage"]).ok();
    let out = env
        .run_ws(&["export", "--format", "salesforce", "--json"])
        .ok()
        .json();
    let dir = env.ws().join("out/export-salesforce");
    let file = std::fs::read_to_string(dir.join("01_Account.csv")).unwrap();
    for exact in [",=1+2,", ",-2+3,", ",@SUM(A1:A2),"] {
        assert!(file.contains(exact), "{exact} in\n{file}");
    }
    let want = serde_json::json!([
        {"column": "Name", "values": 2},
        {"column": "BillingCity", "values": 1}
    ]);
    assert_eq!(out["files"][0]["formula_values"], want);
    assert_eq!(out["files"][2]["formula_values"], serde_json::json!([]));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("load-plan.json")).unwrap())
            .unwrap();
    assert_eq!(plan[0]["formula_values"], want);
    let md = std::fs::read_to_string(dir.join("load-plan.md")).unwrap();
    assert!(
        md.contains("(2 in `Name`, 1 in `BillingCity`)") && md.contains("run them as formulas"),
        "{md}"
    );
}

fn db_bytes(env: &Env) -> u64 {
    ["staging.db", "staging.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(env.ws().join(f)).ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn profiles_keep_short_examples_of_huge_cells() {
    const CELL: usize = 5 << 20;
    let env = Env::workspace();
    let huge = "lorem ipsum ".repeat(CELL / 12);
    let mut csv = String::from("account_id,email,notes\n");
    for i in 1..=3 {
        csv.push_str(&format!("A-{i},{huge}{i},{huge}\n"));
    }
    for i in 4..=12 {
        csv.push_str(&format!("A-{i},a{i}@acme.com,short\n"));
    }
    let path = env.write("accounts.csv", csv);
    env.run_ws(&["ingest", path.to_str().unwrap()]).ok();
    let before = db_bytes(&env);
    env.run_ws(&["profile", "--as-of", "2025-06-30"]).ok();
    let grown = db_bytes(&env) - before;
    assert!(
        grown < CELL as u64 / 10,
        "the profile added {grown} bytes for 5 MB cells"
    );
    // The examples are there, cut short.
    let doc = env.run_ws(&["profile", "--json"]).ok().json();
    let columns = doc["datasets"][0]["columns"].as_array().unwrap();
    let notes = columns.iter().find(|c| c["name"] == "notes").unwrap();
    let top = notes["top_values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"].as_str().unwrap().starts_with("lorem"))
        .unwrap();
    let text = top["value"].as_str().unwrap();
    assert!(text.ends_with('…') && text.chars().count() == 200, "{text}");
    assert_eq!(top["count"], 3, "the three huge cells are one value");
    let email = columns.iter().find(|c| c["name"] == "email").unwrap();
    assert_eq!(email["distinct"], 12, "long values are still told apart");
    let example = email["invalid"]["examples"][0].as_str().unwrap();
    assert!(example.chars().count() <= 200, "{}", example.len());
    // Reports built from the profile stay small too.
    env.run_ws(&["report", "readiness", "--format", "all"]).ok();
    for f in ["readiness.json", "readiness.md", "readiness.html"] {
        let size = std::fs::metadata(env.ws().join("out").join(f))
            .unwrap()
            .len();
        assert!(size < 200_000, "{f} is {size} bytes");
    }
}
