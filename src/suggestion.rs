//! "Did you mean ...?": the one place a mistyped name is matched to the closest known one and
//! the hint is worded, so every unknown dataset, column, object, target or key reads alike.

use std::fmt;

/// Jaro-Winkler similarity a candidate must exceed to be offered: below it the "closest" name
/// is just another name, and offering it would mislead.
const MIN_SIMILARITY: f64 = 0.8;

/// A known name offered in place of one that was not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The known name offered.
    pub name: String,
    /// The sentence shown to the user: "did you mean `name`?".
    pub message: String,
}

impl Suggestion {
    /// The candidate closest to `wanted` (case-insensitive Jaro-Winkler), if one is close enough.
    pub fn closest<'a>(
        wanted: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<Suggestion> {
        closest(wanted, candidates).map(|name| Suggestion {
            message: format!("did you mean `{name}`?"),
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The closest candidate to `wanted` itself, for callers that act on it (an answer that
/// resolves a near-miss) rather than word a hint.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > MIN_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` to append to a one-line error about an unknown `wanted`, or
/// nothing when no candidate is close.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    Suggestion::closest(wanted, candidates)
        .map(|s| format!("; {s}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["accounts", "contacts", "opportunities"];
        let s = Suggestion::closest("acounts", names).unwrap();
        assert_eq!(s.name, "accounts");
        assert_eq!(s.to_string(), "did you mean `accounts`?");
        assert_eq!(Suggestion::closest("zzz", names), None);
    }

    #[test]
    fn case_and_spaces_do_not_hide_a_match() {
        assert_eq!(closest(" ACOUNTS ", ["accounts"]), Some("accounts"));
    }

    #[test]
    fn hint_suffix_is_empty_without_a_match() {
        assert_eq!(
            did_you_mean("acount", ["account"]),
            "; did you mean `account`?"
        );
        assert_eq!(did_you_mean("qqq", ["account"]), "");
    }
}
