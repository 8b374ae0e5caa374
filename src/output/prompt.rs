//! Terminal dialogue: prompts go to stderr, replies are read a line at a time from stdin.

use std::io::{self, BufRead, Write};

use crate::error::{Error, Result};

/// What the person typed.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// An answer to parse.
    Text(String),
    /// Enter on an empty line.
    Skip,
    /// `later`: leave it open on purpose, to be asked again next time.
    Later,
    /// `?`: explain the item.
    Help,
    /// `q`, `quit` or end of input.
    Quit,
}

/// Writes dialogue text to stderr (stdout stays for data).
pub fn say(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(super::terminal::clean(text).as_bytes());
    let _ = err.flush();
}

/// Shows `hint` as the prompt and reads one reply.
pub fn ask(hint: &str) -> Result<Reply> {
    say(&format!("{hint} > "));
    let mut line = String::new();
    let n = io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("read", "standard input", e))?;
    Ok(if n == 0 { Reply::Quit } else { classify(&line) })
}

fn classify(line: &str) -> Reply {
    match line.trim() {
        "" => Reply::Skip,
        "later" | "Later" | "LATER" => Reply::Later,
        "?" => Reply::Help,
        "q" | "quit" | "Q" => Reply::Quit,
        text => Reply::Text(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        assert_eq!(classify("\n"), Reply::Skip);
        assert_eq!(classify(" ? \n"), Reply::Help);
        assert_eq!(classify("later\n"), Reply::Later);
        assert_eq!(classify("q\n"), Reply::Quit);
        assert_eq!(classify(" Jane Doe\r\n"), Reply::Text("Jane Doe".into()));
    }
}
