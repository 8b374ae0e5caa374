//! The profiler's embedded reference data: column-name hints, placeholders, countries, regions.
//!
//! The lists live in `src/profile/data/` as plain files so they can be read and extended
//! without touching code; they are parsed once, on first use.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use super::types::SemanticType;

const COLUMNS_YAML: &str = include_str!("data/columns.yaml");
const PLACEHOLDERS: &str = include_str!("data/placeholders.txt");
const NULLS: &str = include_str!("data/nulls.txt");
const COUNTRIES: &str = include_str!("data/countries.txt");
const REGIONS: &str = include_str!("data/regions.txt");

/// A rule matching snake_case column names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NameRule {
    /// Whole names that match.
    pub names: Vec<String>,
    /// Words (between underscores) any of which matches.
    pub tokens: Vec<String>,
    /// Words that match only as the last word.
    pub last: Vec<String>,
    /// Words that match when they follow the word `last` (last_activity_date).
    pub after_last: Vec<String>,
    /// Text that matches anywhere in the name: API names run words together
    /// (`BillingPostalCode` -> billingpostalcode).
    pub contains: Vec<String>,
}

impl NameRule {
    /// True when `column` (snake_case) matches this rule.
    pub fn matches(&self, column: &str) -> bool {
        if self.names.iter().any(|n| n == column) {
            return true;
        }
        let words: Vec<&str> = column.split('_').filter(|w| !w.is_empty()).collect();
        if words.iter().any(|w| self.tokens.iter().any(|t| t == w)) {
            return true;
        }
        if let Some(last) = words.last()
            && self.last.iter().any(|t| t == last)
        {
            return true;
        }
        if self.contains.iter().any(|t| column.contains(t.as_str())) {
            return true;
        }
        words
            .windows(2)
            .any(|pair| pair[0] == "last" && self.after_last.iter().any(|t| t == pair[1]))
    }
}

/// One type hint: a semantic type and the names that suggest it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeHint {
    #[serde(rename = "type")]
    pub kind: SemanticType,
    #[serde(flatten)]
    pub rule: NameRule,
}

/// Everything `data/columns.yaml` holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnVocab {
    pub types: Vec<TypeHint>,
    pub activity: NameRule,
    pub parent: NameRule,
    pub stage: NameRule,
    pub close_date: NameRule,
    pub required: NameRule,
    pub retain: NameRule,
    pub future_allowed: NameRule,
    /// Columns naming a record's owner by name (references into a users-like dataset).
    pub owner: NameRule,
    /// Singular dataset names that hold the users owners are.
    pub owner_datasets: Vec<String>,
}

/// The column-name vocabulary.
pub fn columns() -> &'static ColumnVocab {
    static VOCAB: OnceLock<ColumnVocab> = OnceLock::new();
    VOCAB.get_or_init(|| {
        crate::yaml::from_str(COLUMNS_YAML)
            .unwrap_or_else(|e| panic!("embedded src/profile/data/columns.yaml is invalid: {e}"))
    })
}

/// The semantic type a column's name suggests, if any.
pub fn type_hint(column: &str) -> Option<SemanticType> {
    columns()
        .types
        .iter()
        .find(|h| h.rule.matches(column))
        .map(|h| h.kind)
}

/// Lines of an embedded list, comments and blank lines skipped.
fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every `|`-separated name of a list, lowercased.
fn name_set(text: &'static str) -> HashSet<String> {
    lines(text)
        .flat_map(|l| l.split('|'))
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Placeholder values, lowercased.
fn placeholders() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| lines(PLACEHOLDERS).map(str::to_lowercase).collect())
}

/// True when `trimmed` stands in for "no value" (`N/A`, `-`, `unknown`, `test`, ...).
pub fn is_placeholder(trimmed: &str) -> bool {
    if trimmed.len() > 16 {
        return false;
    }
    with_lower(trimmed, |lower| placeholders().contains(lower))
}

/// True when `trimmed` is a literal null marker (`NULL`, `\\N`, `nil`, `(null)`): an export's
/// way of writing an empty cell, so it counts as empty.
pub fn is_null_marker(trimmed: &str) -> bool {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    let set = SET.get_or_init(|| lines(NULLS).map(str::to_lowercase).collect());
    trimmed.len() <= 8 && with_lower(trimmed, |lower| set.contains(lower))
}

/// True when `value` names a country (name, alias, ISO alpha-2 or alpha-3 code).
pub fn is_country(value: &str) -> bool {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    let set = SET.get_or_init(|| name_set(COUNTRIES));
    value.len() <= 60 && with_lower(value.trim(), |lower| set.contains(lower))
}

/// True when `value` names a state, province or region (name or code).
pub fn is_region(value: &str) -> bool {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    let set = SET.get_or_init(|| name_set(REGIONS));
    value.len() <= 60 && with_lower(value.trim(), |lower| set.contains(lower))
}

/// Runs `f` on the lowercase form of `s`, without allocating for short ASCII text.
fn with_lower<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    if s.len() <= buf.len() && s.is_ascii() {
        let out = &mut buf[..s.len()];
        out.copy_from_slice(s.as_bytes());
        out.make_ascii_lowercase();
        // ASCII stays valid UTF-8 after lowercasing.
        f(std::str::from_utf8(out).unwrap_or_default())
    } else {
        f(&s.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabulary_parses() {
        assert!(!columns().types.is_empty());
        assert!(is_placeholder("N/A"));
        assert!(is_placeholder("Unknown"));
        assert!(!is_placeholder("Acme"));
        for marker in ["NULL", "\\N", "nil", "(null)"] {
            assert!(
                is_null_marker(marker) && !is_placeholder(marker),
                "{marker}"
            );
        }
        assert!(!is_null_marker("N") && !is_null_marker("none"));
    }

    #[test]
    fn type_hints_from_names() {
        let cases = [
            ("email", Some(SemanticType::Email)),
            ("user_email", Some(SemanticType::Email)),
            ("phone", Some(SemanticType::Phone)),
            ("phone_number", Some(SemanticType::Phone)),
            ("billing_zip", Some(SemanticType::Postcode)),
            ("billingpostalcode", Some(SemanticType::Postcode)),
            ("mailingzipcode", Some(SemanticType::Postcode)),
            ("billing_state", Some(SemanticType::State)),
            ("billing_country", Some(SemanticType::Country)),
            ("account_id", Some(SemanticType::Identifier)),
            ("parent_account_id", Some(SemanticType::Identifier)),
            ("created_date", Some(SemanticType::Date)),
            ("last_activity", Some(SemanticType::Date)),
            ("annual_revenue", Some(SemanticType::Currency)),
            ("employees", Some(SemanticType::Integer)),
            ("probability", Some(SemanticType::Percent)),
            ("account_name", Some(SemanticType::CompanyName)),
            ("last_name", Some(SemanticType::PersonName)),
            ("account_owner", Some(SemanticType::PersonName)),
            ("email_opt_out", Some(SemanticType::Boolean)),
            ("description", Some(SemanticType::Text)),
            ("industry", None),
        ];
        for (name, want) in cases {
            assert_eq!(type_hint(name), want, "{name}");
        }
    }

    #[test]
    fn activity_and_parent_names() {
        let v = columns();
        for name in [
            "last_activity",
            "last_modified",
            "last_activity_date",
            "updated_at",
            "lastmodifieddate",
        ] {
            assert!(v.activity.matches(name), "{name}");
        }
        for name in ["created_date", "close_date", "activity_id"] {
            assert!(!v.activity.matches(name), "{name}");
        }
        assert!(v.parent.matches("parent_account_id"));
        assert!(!v.parent.matches("account_id"));
    }

    #[test]
    fn countries_and_regions() {
        assert!(is_country("USA"));
        assert!(is_country("united states"));
        assert!(is_country("DE"));
        assert!(is_country("Côte d'Ivoire"));
        assert!(!is_country("Atlantis"));
        assert!(is_region("CA"));
        assert!(is_region("ontario"));
        assert!(!is_region("West"));
    }
}
