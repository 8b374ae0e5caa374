//! Client text inside Markdown: the one escape that keeps it plain text (no HTML, links,
//! emphasis, code, headings or table cells of its own), and the one code span builder.
//!
//! Every backtick is escaped, not paired: a value with an odd backtick would otherwise end a
//! code span early and turn what follows into live HTML. CommonMark escapes any ASCII
//! punctuation with a backslash, so `<` (the start of every tag and autolink) is `\<`, and the
//! file still reads as written in a text editor: `>` only matters at the start of a line (a
//! quote) and `&` only before an entity's name and `;` (`&amp;`, `&#60;`), so elsewhere
//! they stay as they are (`AT&T`, `A -> B`). `javascript:`, `vbscript:` and `data:` get a
//! zero-width space before the colon so no renderer or linkifier takes them for a link.

/// Schemes a link must never carry.
const SCHEMES: [&str; 3] = ["javascript", "vbscript", "data"];

/// `text` as inline Markdown that renders as exactly that text, on one line, safe in a table.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut at_start = true;
    for (i, ch) in text.char_indices() {
        match ch {
            '<' => out.push_str("\\<"),
            '>' if at_start => out.push_str("\\>"),
            '&' if entity_follows(&text[i + 1..]) => out.push_str("\\&"),
            // Inside a word `_` cannot start emphasis (`invalid_email_rate` reads as is).
            '_' if intraword(text, i) => out.push(ch),
            // `!` only matters as the start of an image, `![`.
            '!' if next(text, i) != Some('[') => out.push(ch),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            // A list marker, thematic break or heading underline at the start of a line; a
            // sign before a number (`-5`) is none of those.
            '-' | '+' | '=' if at_start && !next(text, i).is_some_and(|c| c.is_ascii_digit()) => {
                out.push('\\');
                out.push(ch);
            }
            '.' | ')' if at_start_number(&out) && next(text, i).is_none_or(char::is_whitespace) => {
                out.push('\\');
                out.push(ch);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() && c != '\t' => out.push('\u{FFFD}'),
            ':' if ends_with_scheme(&text[..i]) => out.push_str("\u{200B}:"),
            _ => out.push(ch),
        }
        if !ch.is_whitespace() {
            at_start = false;
        }
    }
    out
}

/// crmkit's own text with `back-ticked` runs (commands, field names, checks) as code spans and
/// the rest as plain text; an unclosed last run is code to the end.
pub fn with_code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(part));
        } else {
            out.push_str(&self::text(part));
        }
    }
    out
}

/// `text` as one Markdown code span (shown verbatim, never markup), on one line, safe in a
/// table: the fence is one backtick longer than any run inside.
pub fn code(text: &str) -> String {
    let mut body = String::with_capacity(text.len());
    for (i, ch) in text.char_indices() {
        match ch {
            // GFM splits table cells on `|` even inside code; `\|` stays one cell.
            '|' => body.push_str("\\|"),
            '\r' | '\n' => body.push(' '),
            c if c.is_control() && c != '\t' => body.push('\u{FFFD}'),
            ':' if ends_with_scheme(&text[..i]) => body.push_str("\u{200B}:"),
            _ => body.push(ch),
        }
    }
    let mut longest = 0;
    let mut run = 0;
    for ch in body.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space keeps a backtick at either end from joining the fence; CommonMark strips it.
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// The character after the one at byte `i`.
fn next(text: &str, i: usize) -> Option<char> {
    let mut rest = text[i..].chars();
    rest.next();
    rest.next()
}

/// True when the run of `_` around byte `i` has a letter or digit on both sides.
fn intraword(text: &str, i: usize) -> bool {
    let before = text[..i].trim_end_matches('_').chars().next_back();
    let after = text[i..].trim_start_matches('_').chars().next();
    before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric)
}

/// True when `rest` starts like an entity's name and end (`amp;`, `#60;`), which a renderer
/// would turn into another character.
fn entity_follows(rest: &str) -> bool {
    let name = rest.strip_prefix('#').unwrap_or(rest);
    let len = name.bytes().take_while(u8::is_ascii_alphanumeric).count();
    len > 0 && name.as_bytes().get(len) == Some(&b';')
}

/// True when `out` is only digits since its start, so a `.` or `)` would make a numbered item.
fn at_start_number(out: &str) -> bool {
    let trimmed = out.trim_start();
    !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit())
}

/// True when `before` ends with a dangerous scheme name (any case) as a whole word.
fn ends_with_scheme(before: &str) -> bool {
    SCHEMES.iter().any(|s| {
        before.len() >= s.len()
            && before.is_char_boundary(before.len() - s.len())
            && before[before.len() - s.len()..].eq_ignore_ascii_case(s)
            && !before[..before.len() - s.len()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        for (raw, want) in [
            ("Acme Ltd", "Acme Ltd"),
            (
                "<img src=x onerror=alert(1)>",
                "\\<img src=x onerror=alert(1)>",
            ),
            ("x`<b>`", "x\\`\\<b>\\`"),
            ("[click](http://x)", "\\[click\\](http://x)"),
            ("a|b", "a\\|b"),
            ("*bold* _it_", "\\*bold\\* \\_it\\_"),
            ("invalid_email_rate", "invalid_email_rate"),
            (
                "Region__c _x a_ __init__",
                "Region__c \\_x a\\_ \\_\\_init\\_\\_",
            ),
            ("Hi! ![x](y)", "Hi! \\!\\[x\\](y)"),
            ("# heading", "\\# heading"),
            ("- item", "\\- item"),
            ("a - b", "a - b"),
            ("12. item", "12\\. item"),
            ("v1.2", "v1.2"),
            ("a\\b", "a\\\\b"),
            ("line\nbreak\r\n", "line break  "),
            ("bell\u{7}", "bell\u{FFFD}"),
            ("AT&T", "AT&T"),
            ("AT&T;", "AT\\&T;"),
            ("R & D -> done", "R & D -> done"),
            ("&amp; &#60;", "\\&amp; \\&\\#60;"),
            ("> quoted", "\\> quoted"),
            ("-5", "-5"),
            ("--x", "\\--x"),
            ("1.5", "1.5"),
            ("3) x", "3\\) x"),
        ] {
            assert_eq!(text(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn dangerous_schemes_lose_their_colon() {
        assert_eq!(
            text("JavaScript:alert(1) data:x vbscript:y http://ok metadata:z"),
            "JavaScript\u{200B}:alert(1) data\u{200B}:x vbscript\u{200B}:y http://ok metadata:z"
        );
        assert_eq!(code("javascript:1"), "`javascript\u{200B}:1`");
    }

    #[test]
    fn back_ticked_runs_become_code_spans() {
        assert_eq!(
            with_code_spans("evidence `a >= 1 && b < 0.01`: a = 6 <b>"),
            "evidence `a >= 1 && b < 0.01`: a = 6 \\<b>"
        );
        assert_eq!(with_code_spans("run `crmkit x"), "run `crmkit x`");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("Email"), "`Email`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
        assert_eq!(code(""), "`  `");
    }
}
