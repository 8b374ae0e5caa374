//! Control characters kept off the terminal: client values can hold escape sequences
//! (`ESC ] 0 ; title BEL`, `ESC [ 2 J`) that retitle, clear or rewrite the screen.
//!
//! Every C0 control but newline and tab, DEL and every C1 control is shown in a visible
//! form: caret notation for C0 and DEL (`^[` for ESC, `^G` for BEL, `^M` for CR, `^?`), and
//! `<U+009B>` for C1. The text stays readable and nothing reaches the terminal as a command.

use std::borrow::Cow;

/// `text` with every control character but `\n` and `\t` made visible.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_unsafe(ch) {
            push_visible(&mut out, ch);
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// One table cell: also no line breaks or tabs, which would break the columns.
pub fn cell(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text with C1 controls and DEL written as `\u` escapes, which serde_json leaves raw;
/// they can only occur inside strings, so the document means the same.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if ch.is_control() && ch != '\n' {
            out.push_str(&format!("\\u{:04x}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(ch: char) -> bool {
    ch.is_control() && ch != '\n' && ch != '\t'
}

fn push_visible(out: &mut String, ch: char) {
    let code = ch as u32;
    match code {
        0..=0x1f => {
            out.push('^');
            out.push(char::from_u32(code + 0x40).unwrap_or('?'));
        }
        0x7f => out.push_str("^?"),
        _ => out.push_str(&format!("<U+{code:04X}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(
            clean("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\r\nx\ty\u{7f}\u{9b}z"),
            "a^[]0;pwned^Gb^[[2J^M\nx\ty^?<U+009B>z"
        );
        assert!(matches!(clean("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn cells_stay_on_one_line() {
        assert_eq!(cell("a\nb\tc\u{1b}[0m"), "a b c^[[0m");
    }

    #[test]
    fn json_escapes_controls_serde_leaves_raw() {
        let text = serde_json::to_string_pretty(&serde_json::json!({"v": "a\u{9b}b\u{7f}\u{1b}"}))
            .unwrap();
        let cleaned = json(&text);
        assert!(!cleaned.chars().any(|c| c.is_control() && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&cleaned).unwrap();
        assert_eq!(back["v"], "a\u{9b}b\u{7f}\u{1b}");
    }
}
