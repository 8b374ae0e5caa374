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

    /// A value in an input file that cannot be used: where it sits (file, row, column), the
    /// value itself, what is wrong with it and what to do.
    #[error("{0}")]
    Data(Box<DataProblem>),

    /// A name that matches nothing known: a dataset, column, object, target or key.
    #[error("{0}")]
    Unknown(Box<UnknownName>),

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

/// Where bad data sits and what to do about it; see [`Error::Data`].
#[derive(Debug)]
pub struct DataProblem {
    pub file: PathBuf,
    /// 1-based data row (the header is row 0), where one applies.
    pub row: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub problem: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for DataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&data_message(
            &self.file,
            self.row,
            self.column.as_deref(),
            self.value.as_deref(),
            &self.problem,
            self.hint.as_deref(),
        ))
    }
}

/// A name that matched nothing, with the closest known one; see [`Error::Unknown`].
#[derive(Debug)]
pub struct UnknownName {
    /// What kind of name: "dataset", "target CRM", "object"...
    pub what: &'static str,
    pub name: String,
    /// Where it was looked for, e.g. "in this workspace"; empty for nowhere in particular.
    pub scope: String,
    pub suggestion: Option<crate::suggestion::Suggestion>,
    /// The names that do exist, listed when there are few enough to read.
    pub known: Vec<String>,
    pub hint: Option<String>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&unknown_message(
            self.what,
            &self.name,
            &self.scope,
            self.suggestion.as_ref(),
            &self.known,
            self.hint.as_deref(),
        ))
    }
}

/// Most names listed after an unknown one; past this the list is noise.
const MAX_KNOWN_LISTED: usize = 12;

fn data_message(
    file: &std::path::Path,
    row: Option<u64>,
    column: Option<&str>,
    value: Option<&str>,
    problem: &str,
    hint: Option<&str>,
) -> String {
    let mut at = format!("`{}`", file.display());
    if let Some(row) = row {
        at.push_str(&format!(", row {row}"));
    }
    if let Some(column) = column {
        at.push_str(&format!(", column `{column}`"));
    }
    let mut out = format!("{at}: {problem}");
    if let Some(value) = value {
        let shown: String = value.chars().take(80).collect();
        let more = if shown.len() < value.len() { "..." } else { "" };
        out.push_str(&format!(" (value `{shown}{more}`)"));
    }
    if let Some(hint) = hint {
        out.push_str(&format!("\n  hint: {hint}"));
    }
    out
}

fn unknown_message(
    what: &str,
    name: &str,
    scope: &str,
    suggestion: Option<&crate::suggestion::Suggestion>,
    known: &[String],
    hint: Option<&str>,
) -> String {
    let mut out = format!("no {what} `{name}`");
    if !scope.is_empty() {
        out.push(' ');
        out.push_str(scope);
    }
    if let Some(s) = suggestion {
        out.push_str(&format!("; {s}"));
    }
    if known.is_empty() {
        out.push_str(&format!(" (there are no {what}s yet)"));
    } else if known.len() <= MAX_KNOWN_LISTED {
        out.push_str(&format!(" (known: {})", known.join(", ")));
    }
    if let Some(hint) = hint {
        out.push_str(&format!("\n  hint: {hint}"));
    }
    out
}

impl Error {
    /// An [`Error::Unknown`] for `name` among `known`, with the closest one suggested.
    pub fn unknown(
        what: &'static str,
        name: &str,
        scope: &str,
        known: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let known: Vec<String> = known.into_iter().map(Into::into).collect();
        Error::Unknown(Box::new(UnknownName {
            what,
            name: name.to_string(),
            scope: scope.to_string(),
            suggestion: crate::suggestion::Suggestion::closest(
                name,
                known.iter().map(String::as_str),
            ),
            known,
            hint: None,
        }))
    }

    /// The same error with a hint line; only [`Error::Unknown`] and [`Error::Data`] carry one.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Unknown(u) => u.hint = Some(text.into()),
            Error::Data(d) => d.hint = Some(text.into()),
            _ => {}
        }
        self
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The closest known name; the matching itself lives in [`crate::suggestion`].
pub use crate::suggestion::closest as suggest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_carry_the_closest_known_one() {
        let err = Error::unknown(
            "dataset",
            "acounts",
            "in this workspace",
            ["accounts", "contacts"],
        )
        .with_hint("`crmkit status` lists the datasets");
        assert_eq!(
            err.to_string(),
            "no dataset `acounts` in this workspace; did you mean `accounts`? (known: accounts, contacts)\n  hint: `crmkit status` lists the datasets"
        );
        let none: [&str; 0] = [];
        assert!(
            Error::unknown("dataset", "x", "", none)
                .to_string()
                .contains("no datasets yet")
        );
    }

    #[test]
    fn data_errors_name_file_row_column_and_value() {
        let err = Error::Data(Box::new(DataProblem {
            file: "in/accounts.csv".into(),
            row: Some(12),
            column: Some("Created".into()),
            value: Some("31/02/2024".into()),
            problem: "not a date".into(),
            hint: Some("set `date_format:` in the mapping".into()),
        }));
        assert_eq!(
            err.to_string(),
            "`in/accounts.csv`, row 12, column `Created`: not a date (value `31/02/2024`)\n  hint: set `date_format:` in the mapping"
        );
    }
}
