//! Scoring a candidate pair: per-role similarity and its log-odds contribution.

use serde::Serialize;

use super::rules::{Compare, Role};

/// How one role compared on a pair.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldScore {
    pub role: String,
    /// Similarity in [0, 1]; None when either side has no value.
    pub similarity: Option<f64>,
    /// Log-odds points this role added (negative: it argued against a match).
    pub points: f64,
}

/// A scored pair of records (indexes into the input).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PairScore {
    pub a: u32,
    pub b: u32,
    /// Match probability in [0, 1].
    pub probability: f64,
    /// Log-odds total: prior plus every role's points.
    pub total: f64,
    pub fields: Vec<FieldScore>,
}

/// Points a role contributes for two cleaned values, computing no more similarity than the
/// decision needs (the hot path of a dedupe run).
pub fn quick_points(role: &Role, a: &str, b: &str) -> f64 {
    if a == b {
        return role.agree;
    }
    match role.compare {
        Compare::Exact => role.disagree,
        Compare::Fuzzy => {
            let jw = strsim::jaro_winkler(a, b);
            if jw >= role.high {
                return role.agree;
            }
            points(
                role,
                jw.max(token_set(a, b))
                    .max(strsim::normalized_levenshtein(a, b)),
            )
        }
    }
}

/// The log-odds total of a pair, or None as soon as it cannot reach `needed`: exact roles
/// are summed first, then fuzzy ones only while the best case still could.
pub fn quick_total(
    roles: &[(String, Role)],
    prior: f64,
    needed: f64,
    a: &[Option<String>],
    b: &[Option<String>],
) -> Option<f64> {
    let mut total = prior;
    let mut upside = 0.0;
    for (i, (_, role)) in roles.iter().enumerate() {
        if let (Some(x), Some(y)) = (&a[i], &b[i]) {
            match role.compare {
                Compare::Exact => total += if x == y { role.agree } else { role.disagree },
                Compare::Fuzzy => upside += role.agree.max(0.0),
            }
        }
    }
    if total + upside < needed {
        return None;
    }
    for (i, (_, role)) in roles.iter().enumerate() {
        if role.compare != Compare::Fuzzy {
            continue;
        }
        if let (Some(x), Some(y)) = (&a[i], &b[i]) {
            upside -= role.agree.max(0.0);
            total += quick_points(role, x, y);
            if total + upside < needed {
                return None;
            }
        }
    }
    Some(total)
}

/// Similarity of two cleaned values under a role's comparison.
pub fn similarity(compare: Compare, a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    match compare {
        Compare::Exact => 0.0,
        Compare::Fuzzy => strsim::jaro_winkler(a, b)
            .max(strsim::normalized_levenshtein(a, b))
            .max(token_set(a, b)),
    }
}

/// Share of distinct words the two values have in common (Jaccard), so that word order and
/// an extra word matter less.
fn token_set(a: &str, b: &str) -> f64 {
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

/// Points a role contributes for a given similarity.
pub fn points(role: &Role, sim: f64) -> f64 {
    match role.compare {
        Compare::Exact if sim >= 1.0 => role.agree,
        Compare::Exact => role.disagree,
        Compare::Fuzzy if sim >= role.high => role.agree,
        Compare::Fuzzy if sim >= role.mid => role.partial,
        Compare::Fuzzy => role.disagree,
    }
}

/// Scores records `a` and `b` given their cleaned values per role (same order as `roles`).
pub fn score(
    roles: &[(String, Role)],
    prior: f64,
    a: (u32, &[Option<String>]),
    b: (u32, &[Option<String>]),
) -> PairScore {
    let mut total = prior;
    let fields = roles
        .iter()
        .enumerate()
        .map(|(i, (name, role))| {
            let (similarity, pts) = match (&a.1[i], &b.1[i]) {
                (Some(x), Some(y)) => {
                    let sim = similarity(role.compare, x, y);
                    (Some(sim), points(role, sim))
                }
                // A missing value neither helps nor hurts.
                _ => (None, 0.0),
            };
            total += pts;
            FieldScore {
                role: name.clone(),
                similarity,
                points: pts,
            }
        })
        .collect();
    PairScore {
        a: a.0,
        b: b.0,
        probability: 1.0 / (1.0 + (-total).exp()),
        total,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::rules::Rules;

    fn roles(names: &[&str]) -> Vec<(String, Role)> {
        let rules = Rules::builtin();
        names
            .iter()
            .map(|n| (n.to_string(), rules.roles[*n].clone()))
            .collect()
    }

    fn v(s: &[Option<&str>]) -> Vec<Option<String>> {
        s.iter().map(|x| x.map(str::to_string)).collect()
    }

    #[test]
    fn similarities() {
        assert_eq!(similarity(Compare::Exact, "a", "a"), 1.0);
        assert_eq!(similarity(Compare::Exact, "a", "b"), 0.0);
        assert!(similarity(Compare::Fuzzy, "northwind traders", "northwind tradres") > 0.95);
        assert!(similarity(Compare::Fuzzy, "traders northwind", "northwind traders") >= 1.0);
        assert!(similarity(Compare::Fuzzy, "northwind traders", "southridge video") < 0.7);
    }

    #[test]
    fn agreement_on_name_and_domain_is_a_match_name_alone_is_not() {
        let r = roles(&["name", "domain", "phone"]);
        let prior = Rules::builtin().prior;
        let a = v(&[Some("northwind traders"), Some("northwind.com"), None]);
        let b = v(&[
            Some("northwind traders"),
            Some("northwind.com"),
            Some("4155550134"),
        ]);
        assert!(score(&r, prior, (0, &a), (1, &b)).probability > 0.9);
        let c = v(&[Some("northwind traders"), None, None]);
        let d = v(&[
            Some("northwind traders"),
            Some("other.com"),
            Some("2125550100"),
        ]);
        assert!(score(&r, prior, (0, &c), (1, &d)).probability < 0.5);
        let s = score(&r, prior, (0, &a), (1, &d));
        assert_eq!(s.fields[2].similarity, None, "missing phone on one side");
        assert_eq!(s.fields[2].points, 0.0);
    }

    #[test]
    fn quick_total_agrees_with_the_full_score_or_prunes() {
        let r = roles(&["name", "domain", "phone", "city"]);
        let prior = Rules::builtin().prior;
        let rows = [
            v(&[
                Some("northwind traders"),
                Some("northwind.com"),
                Some("4155550134"),
                Some("sf"),
            ]),
            v(&[
                Some("northwind tradres"),
                Some("northwind.com"),
                None,
                Some("sf"),
            ]),
            v(&[
                Some("southridge video"),
                Some("other.com"),
                Some("4155550134"),
                None,
            ]),
            v(&[None, None, None, None]),
        ];
        for a in &rows {
            for b in &rows {
                let full = score(&r, prior, (0, a), (1, b)).total;
                match quick_total(&r, prior, 0.0, a, b) {
                    Some(t) => assert!((t - full).abs() < 1e-9, "{a:?} {b:?}"),
                    None => assert!(full < 0.0, "pruned a pair scoring {full}"),
                }
            }
        }
    }
}
