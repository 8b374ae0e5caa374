//! Comparison levels: how two cleaned values of one role agree (exact, a fuzzy band, an
//! initial, a swap, a typo...), the categories a Fellegi-Sunter model weighs.

use super::rules::{Compare, Role};

/// Level 0 of every role: a value is missing on either side (weight 0).
pub const MISSING: u8 = 0;

/// The names of a comparison's levels after `missing`, strongest first; the last is `different`.
pub fn names(compare: Compare) -> &'static [&'static str] {
    match compare {
        Compare::Exact => &["exact", "different"],
        Compare::Code => &["exact", "one_edit", "different"],
        Compare::Fuzzy => &["exact", "reordered", "close", "similar", "different"],
        Compare::PersonName => &[
            "exact",
            "swapped",
            "close",
            "similar",
            "initial",
            "different",
        ],
        Compare::Date => &[
            "exact",
            "day_month_swapped",
            "one_digit",
            "same_year",
            "different",
        ],
    }
}

/// Number of levels including `missing`.
pub fn count(compare: Compare) -> usize {
    names(compare).len() + 1
}

/// The name of level `level` (0 = missing).
pub fn name(compare: Compare, level: u8) -> &'static str {
    if level == MISSING {
        "missing"
    } else {
        names(compare)[level as usize - 1]
    }
}

/// The playbook's prior weight (log-odds points) of a level, from the role's agree, partial
/// and disagree points.
pub fn prior_weight(role: &Role, level: u8) -> f64 {
    let strong = role.agree - 0.25 * (role.agree - role.partial).max(0.0);
    match name(role.compare, level) {
        "missing" => 0.0,
        "exact" => role.agree,
        "reordered" | "swapped" | "close" => strong,
        "similar" | "one_edit" | "day_month_swapped" | "one_digit" => role.partial,
        "initial" => role.partial * 0.5,
        "same_year" => role.disagree * 0.5,
        _ => role.disagree,
    }
}

/// The level at which `a` and `b` (cleaned, non-empty) agree. `cross` holds each side's value
/// of the role this one may be swapped with (first and last name), for the `swapped` level.
pub fn level(role: &Role, a: &str, b: &str, cross: (Option<&str>, Option<&str>)) -> u8 {
    let idx = |n: &str| {
        names(role.compare)
            .iter()
            .position(|x| *x == n)
            .map_or(0, |p| p as u8 + 1)
    };
    if a == b {
        return 1;
    }
    match role.compare {
        Compare::Exact => idx("different"),
        Compare::Code => {
            if a.len() >= 3 && strsim::damerau_levenshtein(a, b) <= 1 {
                idx("one_edit")
            } else {
                idx("different")
            }
        }
        Compare::Fuzzy => {
            if same_words(a, b) {
                return idx("reordered");
            }
            // Edit distance, not Jaro-Winkler: organisations often share a first word
            // (`sunflower foods` / `sunflower systems`), which Jaro-Winkler rewards.
            let sim = strsim::normalized_levenshtein(a, b);
            if sim >= role.high {
                idx("close")
            } else if sim >= role.mid || token_overlap(a, b) >= role.mid {
                idx("similar")
            } else {
                idx("different")
            }
        }
        Compare::PersonName => {
            if cross.1 == Some(a) || cross.0 == Some(b) {
                return idx("swapped");
            }
            let sim = strsim::jaro_winkler(a, b).max(strsim::normalized_levenshtein(a, b));
            if sim >= role.high || same_words(a, b) {
                idx("close")
            } else if sim >= role.mid {
                idx("similar")
            } else if initial_of(a, b) || initial_of(b, a) {
                idx("initial")
            } else {
                idx("different")
            }
        }
        Compare::Date => {
            if a.len() == 8
                && b.len() == 8
                && a[..4] == b[..4]
                && a[4..6] == b[6..8]
                && a[6..8] == b[4..6]
            {
                idx("day_month_swapped")
            } else if strsim::damerau_levenshtein(a, b) <= 1 {
                idx("one_digit")
            } else if a.len() >= 4 && b.len() >= 4 && a[..4] == b[..4] {
                idx("same_year")
            } else {
                idx("different")
            }
        }
    }
}

/// `short` is an initial (one letter, or a few letters ending a word) of `long`'s first word.
fn initial_of(short: &str, long: &str) -> bool {
    short.len() == 1 && long.len() > 1 && long.starts_with(short)
}

/// The same words in another order (`green mitchell` / `mitchell green`).
fn same_words(a: &str, b: &str) -> bool {
    let mut ta: Vec<&str> = a.split(' ').collect();
    let mut tb: Vec<&str> = b.split(' ').collect();
    if ta.len() < 2 && tb.len() < 2 {
        // Words run together differently: `hoseason street` / `hoseasonstreet`.
        return a.replace(' ', "") == b.replace(' ', "");
    }
    ta.sort_unstable();
    tb.sort_unstable();
    ta == tb || a.replace(' ', "") == b.replace(' ', "")
}

/// Share of distinct words the two values have in common (Jaccard).
pub fn token_overlap(a: &str, b: &str) -> f64 {
    let ta: std::collections::BTreeSet<&str> = a.split(' ').collect();
    let tb: std::collections::BTreeSet<&str> = b.split(' ').collect();
    let inter = ta.intersection(&tb).count();
    let union = ta.union(&tb).count();
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::rules::Rules;

    fn lv(role: &str, a: &str, b: &str) -> &'static str {
        let rules = Rules::builtin();
        let r = &rules.roles[role];
        name(r.compare, level(r, a, b, (None, None)))
    }

    #[test]
    fn levels_of_each_comparison() {
        assert_eq!(
            lv("name", "northwind traders", "northwind traders"),
            "exact"
        );
        assert_eq!(
            lv("name", "traders northwind", "northwind traders"),
            "reordered"
        );
        assert_eq!(
            lv("name", "northwind traders", "northwind tradres"),
            "similar"
        );
        assert_eq!(
            lv("name", "northwind traders", "southridge video"),
            "different"
        );
        assert_eq!(lv("first_name", "j", "john"), "initial");
        assert_eq!(lv("first_name", "jonathan", "jonathon"), "close");
        assert_eq!(lv("first_name", "jon", "john"), "similar");
        assert_eq!(
            lv("birth_date", "19560409", "19560904"),
            "day_month_swapped"
        );
        assert_eq!(lv("birth_date", "19560409", "19560419"), "one_digit");
        assert_eq!(lv("birth_date", "19560409", "19561230"), "same_year");
        assert_eq!(lv("birth_date", "19560409", "19870101"), "different");
        assert_eq!(lv("phone", "4155550134", "4155550143"), "one_edit");
        assert_eq!(lv("domain", "a.com", "b.com"), "different");
    }

    #[test]
    fn swapped_first_and_last_names() {
        let rules = Rules::builtin();
        let r = &rules.roles["first_name"];
        // a: first=green last=mitchell; b: first=mitchell last=green.
        let l = level(r, "green", "mitchell", (Some("mitchell"), Some("green")));
        assert_eq!(name(r.compare, l), "swapped");
    }
}
