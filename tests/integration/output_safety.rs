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
    let run = env
        .run_ws(&[
            "dedupe",
            "accounts",
            "--object",
            "account",
            "--id",
            "account_id",
        ])
        .ok();
    assert!(
        run.stdout().contains("Northwind^[]0;pwned^G Traders"),
        "{}",
        run.stdout()
    );
}

const IMG: &str = "x`<img src=x onerror=alert(1)>";
const LINK: &str = "[click](javascript:alert(1))";

/// Markdown rendered the way a viewer would (CommonMark plus GFM tables) into HTML.
fn to_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

fn assert_inert(what: &str, md: &str) {
    let html = to_html(md);
    for live in ["<img", "<a ", "href=", "javascript:", "onerror=alert(1)>"] {
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
    env.run_ws(&[
        "dedupe",
        "accounts",
        "--object",
        "account",
        "--id",
        "account_id",
    ])
    .ok();
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
    assert!(checklist.contains("x\\`&lt;img"), "{checklist}");
    assert_inert("checklist.md", &checklist);
    env.run_ws(&["checklist", "--role", "consultant", "--out", "c.md"])
        .ok();
    assert_inert(
        "checklist file",
        &std::fs::read_to_string(env.ws().join("c.md")).unwrap(),
    );
}
