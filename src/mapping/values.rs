//! Picklist value matching: a target value for each distinct source value, with how sure.

use serde::Serialize;

use super::synonyms::Synonyms;
use super::text;
use crate::profile::variants;
use crate::targets::PicklistValue;
use crate::values::placeholder::is_blank_or_placeholder as is_placeholder;

/// The suggestion for one distinct source value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueSuggestion {
    pub source: String,
    /// Rows holding this value.
    pub count: u64,
    /// The target's stored value; None when nothing fits (the user decides).
    pub target: Option<String>,
    pub score: f64,
    /// `same`, `placeholder`, `synonym`, `abbreviation`, `similar`, `variant` (another
    /// spelling of a source value that matches) or `unknown`.
    pub how: &'static str,
}

/// Upper-snake values (`FINANCIAL_SERVICES`) read as words for matching.
fn candidates(v: &PicklistValue) -> Vec<String> {
    let mut out = vec![v.value.clone(), v.label().to_string()];
    if v.value.contains('_') {
        out.push(v.value.replace('_', " "));
    }
    out
}

/// The best target value for `source` among `allowed`.
pub fn match_value(
    source: &str,
    allowed: &[PicklistValue],
    syn: &Synonyms,
) -> (Option<String>, f64, &'static str) {
    if is_placeholder(source) {
        return (Some(String::new()), 1.0, "placeholder");
    }
    let src = text::compact(source);
    let src_words = text::words(source);
    let mut best: (Option<String>, f64, &'static str) = (None, 0.0, "unknown");
    for v in allowed {
        for cand in candidates(v) {
            let c = text::compact(&cand);
            let (score, how) = if !c.is_empty() && c == src {
                (1.0, "same")
            } else if let Some(rank) = syn.value_rank(source, &cand) {
                (0.9 - 0.001 * rank as f64, "synonym")
            } else if src.len() >= 3 && c.len() >= 3 && (c.starts_with(&src) || src.starts_with(&c))
            {
                (0.8, "abbreviation")
            } else {
                let s =
                    text::word_similarity(&src_words, &text::words(&cand)).max(if src.len() >= 5 {
                        strsim::jaro_winkler(&src, &c)
                    } else {
                        0.0
                    });
                if s >= 0.9 {
                    (s * 0.85, "similar")
                } else {
                    (0.0, "unknown")
                }
            };
            if score > best.1 {
                best = (Some(v.value.clone()), score, how);
            }
        }
    }
    best
}

/// Suggestions for every distinct source value (with counts), most frequent first.
pub fn suggest_values(
    distinct: &[(String, u64)],
    allowed: &[PicklistValue],
    syn: &Synonyms,
) -> Vec<ValueSuggestion> {
    // A misspelling or another spelling of a more common value (`Tecnology`, `USA`) maps
    // where that value maps: the profile's `variant_values` groups, one implementation.
    let trimmed: Vec<(String, u64)> = distinct
        .iter()
        .map(|(v, n)| (v.trim().to_string(), *n))
        .collect();
    let countries = trimmed
        .iter()
        .filter(|(v, _)| crate::values::country::code(v).is_some())
        .count()
        * 2
        > trimmed.len();
    let groups = variants::groups(&trimmed, countries);
    distinct
        .iter()
        .map(|(source, count)| {
            let (mut target, mut score, mut how) = match_value(source.trim(), allowed, syn);
            if how == "unknown"
                && let Some(canonical) = variants::canonical_of(&groups, source.trim())
            {
                let (t, s, h) = match_value(canonical, allowed, syn);
                if t.is_some() && h != "unknown" && h != "placeholder" {
                    (target, score, how) = (t, s * 0.9, "variant");
                }
            }
            ValueSuggestion {
                source: source.trim().to_string(),
                count: *count,
                target,
                score: (score * 100.0).round() / 100.0,
                how,
            }
        })
        .collect()
}

/// Share of rows whose value matches an allowed value without a value map (same or synonym).
pub fn overlap(distinct: &[(String, u64)], allowed: &[PicklistValue], syn: &Synonyms) -> f64 {
    let total: u64 = distinct
        .iter()
        .filter(|(v, _)| !is_placeholder(v))
        .map(|(_, n)| n)
        .sum();
    if total == 0 || allowed.is_empty() {
        return 0.0;
    }
    let hit: u64 = distinct
        .iter()
        .filter(|(v, _)| !is_placeholder(v))
        .filter(|(v, _)| {
            matches!(
                match_value(v, allowed, syn).2,
                "same" | "synonym" | "abbreviation"
            )
        })
        .map(|(_, n)| n)
        .sum();
    hit as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(values: &[&str]) -> Vec<PicklistValue> {
        values
            .iter()
            .map(|v| PicklistValue {
                value: v.to_string(),
                label: None,
            })
            .collect()
    }

    #[test]
    fn table() {
        let syn = Synonyms::load(None).unwrap();
        let sf = list(&[
            "Banking",
            "Technology",
            "Healthcare",
            "Food & Beverage",
            "Other",
        ]);
        let hs = list(&[
            "BANKING",
            "COMPUTER_SOFTWARE",
            "INTERNET",
            "INFORMATION_TECHNOLOGY_AND_SERVICES",
            "HOSPITAL_HEALTH_CARE",
        ]);
        let stages = vec![
            PicklistValue {
                value: "closedwon".into(),
                label: Some("Closed Won".into()),
            },
            PicklistValue {
                value: "qualifiedtobuy".into(),
                label: Some("Qualified To Buy".into()),
            },
        ];
        let cases: Vec<(&str, &[PicklistValue], Option<&str>, &str)> = vec![
            ("Technology", &sf, Some("Technology"), "same"),
            ("technology ", &sf, Some("Technology"), "same"),
            ("Tech", &sf, Some("Technology"), "synonym"),
            ("hi-tech", &sf, Some("Technology"), "synonym"),
            ("Food and Beverage", &sf, Some("Food & Beverage"), "synonym"),
            ("Bank", &sf, Some("Banking"), "synonym"),
            ("Healthcre", &sf, Some("Healthcare"), "similar"),
            ("Healthc", &sf, Some("Healthcare"), "abbreviation"),
            ("Widgets", &sf, None, "unknown"),
            ("N/A", &sf, Some(""), "placeholder"),
            (
                "Technology",
                &hs,
                Some("INFORMATION_TECHNOLOGY_AND_SERVICES"),
                "synonym",
            ),
            ("Banking", &hs, Some("BANKING"), "same"),
            ("Healthcare", &hs, Some("HOSPITAL_HEALTH_CARE"), "synonym"),
            ("Closed Won", &stages, Some("closedwon"), "same"),
            ("Qualification", &stages, Some("qualifiedtobuy"), "synonym"),
        ];
        for (source, allowed, want, how) in cases {
            let (got, _, got_how) = match_value(source, allowed, &syn);
            assert_eq!((got.as_deref(), got_how), (want, how), "{source}");
        }
    }

    #[test]
    fn overlap_counts_rows() {
        let syn = Synonyms::load(None).unwrap();
        let allowed = list(&["Hot", "Warm", "Cold"]);
        let distinct = vec![
            ("Hot".to_string(), 6),
            ("Lukewarm".to_string(), 2),
            ("N/A".to_string(), 5),
        ];
        assert_eq!(overlap(&distinct, &allowed, &syn), 0.75);
        let s = suggest_values(&distinct, &allowed, &syn);
        assert_eq!(s[1].target, None);
        assert_eq!(s[1].how, "unknown");
    }

    #[test]
    fn a_misspelling_maps_where_its_common_spelling_maps() {
        let syn = Synonyms::load(None).unwrap();
        let allowed = list(&["INFORMATION_TECHNOLOGY_AND_SERVICES", "BANKING"]);
        let distinct = vec![
            ("Technology".to_string(), 40),
            ("Technolgy".to_string(), 3),
            ("Widgets".to_string(), 2),
        ];
        let s = suggest_values(&distinct, &allowed, &syn);
        assert_eq!(s[0].how, "synonym");
        assert_eq!(
            (s[1].target.as_deref(), s[1].how),
            (Some("INFORMATION_TECHNOLOGY_AND_SERVICES"), "variant")
        );
        assert!(s[1].score < s[0].score);
        assert_eq!(s[2].how, "unknown");
    }
}
