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
        vec!["dedupe", "accounts", "--object", "account", "--id", "account_id"],
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
        .run_ws(&["dedupe", "accounts", "--object", "account", "--id", "account_id"])
        .ok();
    assert!(run.stdout().contains("Northwind^[]0;pwned^G Traders"), "{}", run.stdout());
}
