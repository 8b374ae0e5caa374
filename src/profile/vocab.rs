//! The profiler's column-name vocabulary (`src/profile/data/columns.yaml`): which names hint
//! at which type, activity, parent, stage and retention columns. Value tables (placeholders,
//! countries, regions) live with the values they describe, in [`crate::values`].

use std::sync::OnceLock;

use serde::Deserialize;

use super::types::SemanticType;

const COLUMNS_YAML: &str = include_str!("data/columns.yaml");

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
    /// Singular words naming what records a dataset holds.
    #[serde(default)]
    pub entities: Vec<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabulary_parses() {
        assert!(!columns().types.is_empty());
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
}
