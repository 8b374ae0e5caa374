//! The crate's error type: every user-facing failure message lives here, in one tone.

use std::path::PathBuf;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No `crmkit.yaml` above the starting folder.
    #[error(
        "not inside a crmkit workspace (searched `{}` and its parents)\n  hint: create one with `crmkit init DIR`, or point at one with `-w DIR`",
        .start.display()
    )]
    NotAWorkspace { start: PathBuf },

    /// `init` on a folder that already holds a workspace.
    #[error("`{}` already holds a crmkit workspace; refusing to overwrite it\n  hint: choose another folder, or delete this one first", .0.display())]
    WorkspaceExists(PathBuf),

    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A YAML file failed to parse or validate; serde_yaml's message carries line and column.
    #[error("invalid `{}`: {message}", .path.display())]
    Yaml { path: PathBuf, message: String },

    /// Input data that cannot be used as given: names the file and, where known, row/column/value.
    #[error("{0}")]
    Input(String),

    /// Wrong use of a command, e.g. incompatible flags or an unknown name.
    #[error("{0}")]
    Usage(String),

    /// The staging database failed.
    #[error("staging database: {0}")]
    Db(#[from] rusqlite::Error),

    /// Any other failure, already worded.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The closest candidate to `name` by Jaro-Winkler, for "did you mean" hints.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `1 row`, `2 rows`: a count with its noun, plural when needed.
pub fn plural(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", n, if n == 1 { singular } else { plural })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["accounts", "contacts", "opportunities"];
        assert_eq!(suggest("acounts", names), Some("accounts"));
        assert_eq!(suggest("zzz", names), None);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "row", "rows"), "1 row");
        assert_eq!(plural(0, "row", "rows"), "0 rows");
    }
}
