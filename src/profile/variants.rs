//! Near-duplicate category values: spellings of one value in one column (`Technology` beside
//! `Tecnology`, `US` / `USA` / `United States`), grouped with the canonical value to keep.
//! The profile reports them; `map suggest` maps a variant as its canonical value.

use std::collections::HashMap;

use crate::mapping::text::{compact, words};
use crate::values::country::code as country_code;

/// Distinct values looked at; a column with more is not a picklist.
pub const MAX_VALUES: usize = 500;

/// One value and the other spellings of it.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantGroup {
    /// The spelling to keep: the most used one.
    pub canonical: String,
    pub canonical_count: u64,
    /// The other spellings with their record counts, most used first.
    pub variants: Vec<(String, u64)>,
}

impl VariantGroup {
    /// Records holding a spelling other than the canonical one.
    pub fn variant_records(&self) -> u64 {
        self.variants.iter().map(|v| v.1).sum()
    }
}

/// Edits allowed between two spellings of a value of `len` characters: a typo is one slip in a
/// value of five letters or more, two in a long one; short codes (`CA`, `NY`) are never typos.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=11 => 1,
        _ => 2,
    }
}

/// True when `a` and `b` differ only as a typo does: within the allowed edits, and not in
/// their digits (`Tier 1` and `Tier 2` are two values).
fn typo(a: &str, b: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if digits(a) != digits(b) {
        return false;
    }
    let len = a.chars().count().min(b.chars().count());
    let edits = allowed_edits(len);
    edits > 0 && strsim::damerau_levenshtein(a, b) <= edits
}

/// True when two values differ in a short word of their own (`HR Manager`, `IT Manager`):
/// a different abbreviation is a different value, not a slip of the keyboard.
fn differ_in_a_short_word(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    wa.len() == wb.len()
        && wa
            .iter()
            .zip(&wb)
            .any(|(x, y)| x != y && x.chars().count().min(y.chars().count()) <= 3)
}

/// Groups `values` (distinct values with record counts) into spellings of one value. With
/// `countries`, names and codes of one country are one value (`US`, `USA`, `United States`).
/// Only groups with more than one spelling are returned, largest first.
pub fn groups(values: &[(String, u64)], countries: bool) -> Vec<VariantGroup> {
    if values.len() > MAX_VALUES {
        return Vec::new();
    }
    // Exact keys first: case, accents, spacing and punctuation folded (or the country code).
    let mut keys: Vec<String> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, (value, _)) in values.iter().enumerate() {
        let folded = compact(value);
        if folded.is_empty() {
            continue;
        }
        let key = countries
            .then(|| country_code(value))
            .flatten()
            .map(|c| format!("country:{c}"))
            .unwrap_or(folded);
        match index.get(&key) {
            Some(&g) => members[g].push(i),
            None => {
                index.insert(key.clone(), keys.len());
                keys.push(key);
                members.push(vec![i]);
            }
        }
    }
    // Then typos between keys, merged into the larger group.
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn root(parent: &mut [usize], mut g: usize) -> usize {
        while parent[g] != g {
            parent[g] = parent[parent[g]];
            g = parent[g];
        }
        g
    }
    for a in 0..keys.len() {
        for b in a + 1..keys.len() {
            if keys[a].starts_with("country:") || keys[b].starts_with("country:") {
                continue;
            }
            let (va, vb) = (&values[members[a][0]].0, &values[members[b][0]].0);
            if typo(&keys[a], &keys[b]) && !differ_in_a_short_word(va, vb) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[rb] = ra;
                }
            }
        }
    }
    let mut merged: HashMap<usize, Vec<usize>> = HashMap::new();
    for (g, group) in members.iter().enumerate() {
        let r = root(&mut parent, g);
        merged.entry(r).or_default().extend(group.iter().copied());
    }
    let mut out: Vec<VariantGroup> = merged
        .into_values()
        .filter(|m| m.len() > 1)
        .map(|mut m| {
            // The most used spelling wins; on a tie the one written with capitals.
            m.sort_by(|&x, &y| {
                values[y]
                    .1
                    .cmp(&values[x].1)
                    .then_with(|| {
                        let caps = |s: &str| s.chars().any(char::is_uppercase);
                        caps(&values[y].0).cmp(&caps(&values[x].0))
                    })
                    .then_with(|| values[x].0.cmp(&values[y].0))
            });
            VariantGroup {
                canonical: values[m[0]].0.clone(),
                canonical_count: values[m[0]].1,
                variants: m[1..].iter().map(|&i| values[i].clone()).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.variant_records() + b.canonical_count)
            .cmp(&(a.variant_records() + a.canonical_count))
            .then_with(|| a.canonical.cmp(&b.canonical))
    });
    out
}

/// The canonical spelling of `value` among `values`, when it is a variant of another one.
pub fn canonical_of<'a>(groups: &'a [VariantGroup], value: &str) -> Option<&'a str> {
    groups
        .iter()
        .find(|g| g.variants.iter().any(|(v, _)| v == value))
        .map(|g| g.canonical.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    }

    #[test]
    fn misspellings_and_case_join_the_common_spelling() {
        let g = groups(
            &vals(&[
                ("Technology", 40),
                ("Tecnology", 3),
                ("technology ", 2),
                ("Manufacturing", 30),
                ("Retail", 20),
                ("Tier 1", 5),
                ("Tier 2", 5),
                ("HR Manager", 6),
                ("IT Manager", 8),
                ("Active", 9),
                ("Inactive", 4),
            ]),
            false,
        );
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].canonical, "Technology");
        assert_eq!(g[0].variant_records(), 5);
    }

    #[test]
    fn country_names_and_codes_are_one_value() {
        let g = groups(
            &vals(&[("United States", 50), ("USA", 12), ("US", 7), ("Canada", 9)]),
            true,
        );
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].canonical, "United States");
        assert_eq!(canonical_of(&g, "USA"), Some("United States"));
        assert_eq!(canonical_of(&g, "Canada"), None);
        // Without the country reading, codes are distinct values.
        assert!(groups(&vals(&[("US", 5), ("USA", 3)]), false).is_empty());
    }
}
