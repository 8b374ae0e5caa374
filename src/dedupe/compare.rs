//! Scoring a candidate pair under a dataset's model: each role's level and its weight.

use serde::Serialize;

use super::levels;
use super::model::{self, Compared, Frequencies, Model};
use super::rules::Compare;

/// How one role compared on a pair.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldScore {
    pub role: String,
    /// Similarity in [0, 1]; None when either side has no value.
    pub similarity: Option<f64>,
    /// The comparison level (`exact`, `close`, `initial`, `missing`...).
    pub level: String,
    /// Log-odds points this role added (negative: it argued against a match): the level's
    /// weight ln(m/u), plus the term-frequency adjustment on an exact match.
    pub points: f64,
    /// The term-frequency part of `points` (rare values count more).
    pub tf: f64,
}

/// A scored pair of records (indexes into the input).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PairScore {
    pub a: u32,
    pub b: u32,
    /// Match probability in [0, 1].
    pub probability: f64,
    /// Log-odds total: the model's prior plus every role's points.
    pub total: f64,
    pub fields: Vec<FieldScore>,
}

/// The log-odds total of a pair from its packed comparison vector.
pub fn total(model: &Model, freq: &Frequencies, pattern: u64, a: u32, b: u32) -> f64 {
    let (mut own, mut gain) = (0.0, 0.0);
    for i in 0..model.roles.len() {
        let level = model::unpack(pattern, i);
        let mut points = model.weight(i, level);
        if level == 1 {
            points += freq.adjustment(model, i, a.min(b));
        }
        if model.roles[i].shared && points > 0.0 {
            gain += points;
        } else {
            own += points;
        }
    }
    model.combine(freq.prior(model, a, b), own, gain)
}

/// Similarity of two cleaned values under a role's comparison, for people to read.
pub fn similarity(compare: Compare, a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    match compare {
        Compare::Exact => 0.0,
        _ => strsim::jaro_winkler(a, b)
            .max(strsim::normalized_levenshtein(a, b))
            .max(levels::token_overlap(a, b)),
    }
}

/// Scores records `a` and `b` given their cleaned values per role, with explanations.
pub fn score(
    roles: &[Compared],
    model: &Model,
    freq: &Frequencies,
    a: (u32, &[Option<String>]),
    b: (u32, &[Option<String>]),
) -> PairScore {
    let mut fields: Vec<FieldScore> = roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let level = model::role_level(roles, i, a.1, b.1);
            let tf = if level == 1 {
                freq.adjustment(model, i, a.0.min(b.0))
            } else {
                0.0
            };
            let points = model.weight(i, level) + tf;
            let similarity = match (&a.1[i], &b.1[i]) {
                (Some(x), Some(y)) => Some(similarity(r.role.compare, x, y)),
                _ => None,
            };
            FieldScore {
                role: r.name.clone(),
                similarity,
                level: levels::name(r.role.compare, level).to_string(),
                points,
                tf,
            }
        })
        .collect();
    // Shared roles' gain as counted (see model::combine), spread over those roles' points.
    let shared = |i: usize, f: &FieldScore| model.roles[i].shared && f.points > 0.0;
    let (mut own, mut gain) = (0.0, 0.0);
    for (i, f) in fields.iter().enumerate() {
        if shared(i, f) {
            gain += f.points;
        } else {
            own += f.points;
        }
    }
    let prior = freq.prior(model, a.0, b.0);
    let total = model.combine(prior, own, gain);
    if gain > 0.0 {
        let kept = (total - prior - own) / gain;
        for (i, f) in fields.iter_mut().enumerate() {
            if shared(i, f) {
                f.points *= kept;
                f.tf *= kept;
            }
        }
    }
    PairScore {
        a: a.0,
        b: b.0,
        probability: 1.0 / (1.0 + (-total).exp()),
        total,
        fields,
    }
}
