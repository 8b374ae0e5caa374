//! The Fellegi-Sunter model of one dataset: m and u per role and comparison level, learned
//! without labels (u from random pairs, m by expectation-maximisation over candidate pairs,
//! the playbook weights as priors), plus term frequencies for rare-value agreement.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::levels;
use super::prepared::Prepared;
use super::rules::{Role, Rules};
use crate::error::{Error, Result};

/// Bits per role in a packed comparison vector (up to 16 levels, 16 roles).
pub(crate) const BITS: u32 = 4;
/// The most roles a comparison vector holds.
pub const MAX_ROLES: usize = (64 / BITS) as usize;

/// One comparison level's learned parameters.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LevelParams {
    pub level: String,
    /// P(level | the two records are one entity).
    pub m: f64,
    /// P(level | they are not).
    pub u: f64,
    /// ln(m / u): the log-odds points the level adds.
    pub weight: f64,
}

/// One role's levels (after `missing`, whose weight is 0).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RoleParams {
    pub role: String,
    /// Whether agreeing on a value is weighted by how rare the value is.
    #[serde(default)]
    pub tf: bool,
    /// Whether different entities share the value (colleagues' phone): its positive points
    /// count at most as far as the other roles' points argue for a match.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    pub levels: Vec<LevelParams>,
}

/// A dataset's learned model, as saved by `crmkit dedupe model`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// The chance that two records drawn at random are one entity: the prior of every
    /// comparison. Not the share of matches among candidate pairs: they were chosen for
    /// agreeing on a blocking key, and that agreement is already counted by its level weight.
    pub lambda: f64,
    /// In a run over several sources, `lambda` is the chance for two records of different
    /// sources and this one for two of the same source: each source's own duplicates are
    /// counted apart, so a source with none (one restaurant guide) needs more evidence within
    /// it than across, and one full of duplicates less.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_within: Option<f64>,
    /// Shared roles count in full unless the identifiers argue against a match (see
    /// [`combine`]); else at most as far as they argue for one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared_gate: bool,
    pub roles: Vec<RoleParams>,
    /// How it was learned (absent in a hand-written model).
    #[serde(default)]
    pub training: Training,
}

/// Where a model's figures came from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Training {
    pub candidate_pairs: u64,
    pub random_pairs: u64,
    pub em_rounds: usize,
    /// Reviewed pairs whose labels fixed part of the estimate.
    #[serde(default)]
    pub labelled_pairs: u64,
}

/// A role ready for comparison: its rules and the index of its swap partner.
#[derive(Clone, Debug)]
pub struct Compared {
    pub name: String,
    pub role: Role,
    pub swap: Option<usize>,
}

/// The roles of a run, with swap partners resolved.
pub fn compared(roles: &[(String, Role)]) -> Vec<Compared> {
    roles
        .iter()
        .map(|(name, role)| Compared {
            name: name.clone(),
            role: role.clone(),
            swap: role
                .swap
                .as_ref()
                .and_then(|s| roles.iter().position(|(n, _)| n == s)),
        })
        .collect()
}

/// The level of role `i` for a pair of cleaned records.
pub fn role_level(roles: &[Compared], i: usize, a: &[Option<String>], b: &[Option<String>]) -> u8 {
    match (&a[i], &b[i]) {
        (Some(x), Some(y)) => {
            let cross = roles[i]
                .swap
                .map_or((None, None), |s| (a[s].as_deref(), b[s].as_deref()));
            levels::level(&roles[i].role, x.as_str(), y.as_str(), cross)
        }
        _ => levels::MISSING,
    }
}

/// The comparison vector of a pair, packed `BITS` per role: the straightforward version of
/// [`super::prepared::Prepared::pattern`], which runs.
#[cfg(test)]
pub fn pattern(roles: &[Compared], a: &[Option<String>], b: &[Option<String>]) -> u64 {
    (0..roles.len()).fold(0u64, |acc, i| {
        acc | ((role_level(roles, i, a, b) as u64) << (BITS * i as u32))
    })
}

/// Level of role `i` in a packed pattern.
pub fn unpack(pattern: u64, i: usize) -> u8 {
    ((pattern >> (BITS * i as u32)) & ((1 << BITS) - 1)) as u8
}

/// A pair's log-odds from its roles' points: `own` the sum over roles that identify the
/// entity, `shared_gain` the positive points of shared roles (negative ones belong in `own`).
/// Shared agreement cannot outweigh the record's own identifiers: it counts at most as much as
/// they argue for a match (colleagues share a phone: a surname alone must not let it link
/// them), and not at all when they argue against one. With `gate` (organisations: most that
/// share a phone and street are one, a hotel's restaurants are not) it counts in full unless
/// the identifiers argue against a match.
pub fn combine(prior: f64, own: f64, shared_gain: f64, gate: bool) -> f64 {
    let counted = match (gate, own >= 0.0) {
        (_, false) => 0.0,
        (true, true) => shared_gain,
        (false, true) => shared_gain.min(own),
    };
    prior + own + counted
}

/// Counts of comparison vectors.
/// Ordered, so sums over patterns run in the same order every run (reruns give equal figures).
pub type Histogram = std::collections::BTreeMap<u64, f64>;

/// Random pairs compared per batch of records fetched together (see [`Prepared::warm`]):
/// enough for many loads in flight, few enough that they stay in cache until compared.
const WARM: usize = 16;

/// Random pairs are compared in bands of 2^BAND_BITS second records: a few megabytes of
/// prepared values, which the cache and the TLB hold.
const BAND_BITS: u32 = 13;

/// Random pairs one task compares and counts.
const PAIRS_PER_TASK: usize = 1 << 14;

/// Comparison vectors of random pairs (every pair when there are few), for u.
pub fn random_pairs(prepared: &Prepared<'_>, sample: usize) -> Histogram {
    let n = prepared.len();
    let all = (n as u64) * (n as u64).saturating_sub(1) / 2;
    let merge = |mut x: Histogram, y: Histogram| {
        for (k, v) in y {
            *x.entry(k).or_default() += v;
        }
        x
    };
    if all <= sample as u64 {
        return (0..n)
            .into_par_iter()
            .fold(Histogram::new, |mut h, a| {
                for b in a + 1..n {
                    *h.entry(prepared.pattern(a, b)).or_default() += 1.0;
                }
                h
            })
            .reduce(Histogram::new, merge);
    }
    let chunks = 64;
    // Seeded per chunk: the same data gives the same model on every run.
    let mut pairs: Vec<(u32, u32)> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed ^ c as u64);
            (0..sample / chunks).filter_map(move |_| {
                let a = rng.gen_range(0..n);
                let b = rng.gen_range(0..n);
                (a != b).then_some((a as u32, b as u32))
            })
        })
        .collect();
    // Compared a band of second records at a time, first records in order within it: the
    // band's values stay in cache (and its pages in the TLB) while the first records stream
    // past in storage order, where a random pair would otherwise miss memory twice. Counts
    // do not depend on the order pairs are compared in.
    pairs.par_sort_unstable_by_key(|&(a, b)| (b >> BAND_BITS, a, b));
    pairs
        .par_chunks(PAIRS_PER_TASK)
        .map(|pairs| {
            // Counted in a hash map (a lookup per pair), ordered once at the end; counts are
            // whole numbers, so the order they are added in does not change them.
            let mut h: hashbrown::HashMap<u64, u64, foldhash::fast::FixedState> =
                hashbrown::HashMap::default();
            // A few pairs at a time: their records fetched from memory together first, then
            // compared from cache (those that miss are otherwise a cache miss each, in turn).
            let mut batch = Vec::with_capacity(2 * WARM);
            for group in pairs.chunks(WARM) {
                batch.clear();
                batch.extend(group.iter().flat_map(|&(a, b)| [a, b]));
                prepared.warm(&batch);
                for &(a, b) in group {
                    *h.entry(prepared.pattern(a as usize, b as usize))
                        .or_default() += 1;
                }
            }
            h.into_iter().map(|(k, v)| (k, v as f64)).collect()
        })
        .reduce(Histogram::new, merge)
}

/// Counts of each comparison vector among the candidate pairs `(a, b, pattern, rules)` (in
/// runs, as blocking collected them): all of them, those within one source (when `sources`
/// says where records come from), and per blocking rule those whose bit `rules` sets. Counted in parallel as whole numbers, then
/// ordered: the same figures as adding 1.0 pair by pair, in any order.
pub fn count_patterns(
    pairs: &[Vec<(u32, u32, u64, u64)>],
    sources: &[u32],
    rules: usize,
) -> (Histogram, Histogram, Vec<Histogram>) {
    type Counts = hashbrown::HashMap<u64, u64, foldhash::fast::FixedState>;
    let empty = || {
        (
            Counts::default(),
            Counts::default(),
            vec![Counts::default(); rules],
        )
    };
    let add = |into: &mut Counts, from: Counts| {
        for (k, v) in from {
            *into.entry(k).or_default() += v;
        }
    };
    let (all, within, per_rule) = pairs
        .par_iter()
        .fold(empty, |(mut all, mut within, mut per_rule), chunk| {
            for &(a, b, p, mask) in chunk {
                *all.entry(p).or_default() += 1;
                if !sources.is_empty() && sources[a as usize] == sources[b as usize] {
                    *within.entry(p).or_default() += 1;
                }
                for (r, counts) in per_rule.iter_mut().enumerate() {
                    if mask & (1u64 << r) != 0 {
                        *counts.entry(p).or_default() += 1;
                    }
                }
            }
            (all, within, per_rule)
        })
        .reduce(empty, |(mut all, mut within, mut per_rule), (a, w, r)| {
            add(&mut all, a);
            add(&mut within, w);
            for (into, from) in per_rule.iter_mut().zip(r) {
                add(into, from);
            }
            (all, within, per_rule)
        });
    let ordered = |c: Counts| -> Histogram { c.into_iter().map(|(k, v)| (k, v as f64)).collect() };
    (
        ordered(all),
        ordered(within),
        per_rule.into_iter().map(ordered).collect(),
    )
}

/// Labelled pairs' comparison vectors: (pattern, is a match).
pub type Labels = Vec<(u64, bool)>;

/// Every candidate pair's comparison vector, and (over several sources) those of pairs
/// within one source apart.
#[derive(Default)]
pub struct Candidates {
    pub all: Histogram,
    /// The vectors of candidate pairs whose records come from one source (a subset of `all`).
    pub within: Histogram,
    /// How many of all pairs lie within one source (0: a single source, one prior for all).
    pub within_pairs: f64,
}

/// The candidate pairs one blocking rule produced, and the roles it blocks on.
pub struct Session {
    /// Roles whose m this session does not learn (they agree by construction).
    pub fixed: Vec<usize>,
    pub pairs: Histogram,
}

/// Learns m, u and lambda. `sessions` are the candidate pairs' vectors per blocking rule,
/// `random` random pairs' (drawn from `all_pairs`), `labels` reviewed pairs (counted as
/// known matches or non-matches).
pub fn train(
    rules: &Rules,
    roles: &[Compared],
    sessions: &[Session],
    candidates: &Candidates,
    random: &Histogram,
    all_pairs: f64,
    labels: &Labels,
) -> Model {
    let alpha = rules.prior_pairs;
    let k = roles.len();
    // Priors: u mostly `different`, a little mass on each agreeing level; m = u * e^weight.
    let u_prior: Vec<Vec<f64>> = roles
        .iter()
        .map(|r| {
            let k = levels::count(r.role.compare);
            let mut u = vec![0.01; k];
            u[0] = 0.0;
            u[k - 1] = 1.0 - 0.01 * (k - 2) as f64;
            u
        })
        .collect();
    let m_from = |u: &[Vec<f64>]| -> Vec<Vec<f64>> {
        roles
            .iter()
            .zip(u)
            .map(|(r, u)| {
                let raw: Vec<f64> = (0..u.len())
                    .map(|l| {
                        if l == 0 {
                            0.0
                        } else {
                            u[l] * levels::prior_weight(&r.role, l as u8).exp()
                        }
                    })
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|x| x / sum).collect()
            })
            .collect()
    };
    let n_cand: f64 = candidates.all.values().sum();
    let gate = roles.iter().any(|r| r.role.shared && r.role.shared_gate);
    let n_random: f64 = random.values().sum();
    let lambda_prior = 1.0 / (1.0 + (-rules.prior).exp());
    // `skip`: roles left out of the odds (a session's blocked roles). A blocked identifier
    // (the name a rule blocks on) still lets shared roles count: the pairs share it, so it
    // argues for a match as far as agreeing on it does, though it adds nothing to the odds.
    let odds = |pat: u64, m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64, skip: &[usize]| -> f64 {
        let (mut own, mut gain, mut blocked) = (0.0, 0.0, 0.0);
        for &i in skip.iter().filter(|&&i| !roles[i].role.shared) {
            blocked += (m[i][1] / u[i][1]).ln().max(0.0);
        }
        for i in (0..k).filter(|i| !skip.contains(i)) {
            let l = unpack(pat, i) as usize;
            if l != 0 {
                let w = (m[i][l] / u[i][l]).ln();
                if roles[i].role.shared && w > 0.0 {
                    gain += w;
                } else {
                    own += w;
                }
            }
        }
        let log = combine((lambda / (1.0 - lambda)).ln(), own + blocked, gain, gate) - blocked;
        1.0 / (1.0 + (-log).exp())
    };
    let match_prob =
        |pat: u64, m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64| odds(pat, m, u, lambda, &[]);
    // u from random pairs, less what the model takes for matches among them (which matters
    // only for small files, where the random pairs are all pairs and include the duplicates).
    let estimate_u = |m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64| -> Vec<Vec<f64>> {
        let lambda_random = (lambda * n_cand / all_pairs.max(1.0)).clamp(1e-12, 0.5);
        let mut count: Vec<Vec<f64>> = u_prior
            .iter()
            .map(|p| p.iter().map(|x| x * alpha).collect())
            .collect();
        for (&pat, &c) in random {
            let w = c * (1.0 - match_prob(pat, m, u, lambda_random));
            for (i, uc) in count.iter_mut().enumerate() {
                uc[unpack(pat, i) as usize] += w;
            }
        }
        for &(pat, is_match) in labels {
            if !is_match {
                for (i, uc) in count.iter_mut().enumerate() {
                    uc[unpack(pat, i) as usize] += 1.0;
                }
            }
        }
        normalise(count)
    };
    let mut u = estimate_u(&m_from(&u_prior), &u_prior, lambda_prior);
    let m_prior = m_from(&u_prior);
    // m by expectation-maximisation, one session per blocking rule.
    let mut m_sum: Vec<Vec<f64>> = m_prior.iter().map(|r| vec![0.0; r.len()]).collect();
    let mut m_weight = vec![0.0; k];
    let mut rounds = 0;
    for session in sessions {
        let pairs: f64 = session.pairs.values().sum();
        // A rule on shared roles only (contacts or restaurants sharing a phone) gathers
        // colleagues and neighbours too; it still trains, since shared roles count only as far
        // as identifiers agree, so its match class is "same entity", not "same building".
        if pairs < 1.0 {
            continue;
        }
        let mut m = m_prior.clone();
        let mut lambda = (lambda_prior * 10.0).min(0.5);
        let mut matches = 0.0;
        for round in 0..rules.em_rounds.max(1) {
            rounds = rounds.max(round + 1);
            let mut m_count: Vec<Vec<f64>> = m_prior
                .iter()
                .map(|p| p.iter().map(|x| x * alpha).collect())
                .collect();
            matches = 0.0;
            // The blocked roles agree on every pair of the session, so they say nothing
            // about which pairs match here; counted, their weight (learned on random pairs)
            // would make every pair a match and m would describe whatever the rule gathers,
            // e.g. colleagues sharing a company phone (Splink drops them the same way).
            for (&pat, &c) in &session.pairs {
                let w = c * odds(pat, &m, &u, lambda, &session.fixed);
                matches += w;
                for (i, mc) in m_count.iter_mut().enumerate() {
                    mc[unpack(pat, i) as usize] += w;
                }
            }
            for &(pat, is_match) in labels {
                if is_match {
                    for (i, mc) in m_count.iter_mut().enumerate() {
                        mc[unpack(pat, i) as usize] += 1.0;
                    }
                }
            }
            let mut new_m = normalise(m_count);
            for &f in &session.fixed {
                new_m[f] = m[f].clone();
            }
            cap_other_numbers(roles, &mut new_m);
            let new_lambda =
                ((matches + lambda_prior * alpha) / (pairs + alpha)).clamp(1e-9, 1.0 - 1e-9);
            let change = (new_lambda - lambda).abs()
                + new_m
                    .iter()
                    .zip(&m)
                    .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
                    .fold(0.0, f64::max);
            lambda = new_lambda;
            m = new_m;
            if change < 1e-5 {
                break;
            }
        }
        // A session's estimate counts by how many matches it saw.
        for i in (0..k).filter(|i| !session.fixed.contains(i)) {
            for (s, x) in m_sum[i].iter_mut().zip(&m[i]) {
                *s += matches * x;
            }
            m_weight[i] += matches;
        }
    }
    let m: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            if m_weight[i] > 0.0 {
                m_sum[i]
                    .iter()
                    .map(|x| (x / m_weight[i]).max(1e-12))
                    .collect()
            } else {
                m_prior[i].clone()
            }
        })
        .collect();
    // The share of matches among candidate pairs, m and u now fixed.
    let share = |pairs: &Histogram| -> f64 {
        let n: f64 = pairs.values().sum();
        let mut lambda = lambda_prior;
        for _ in 0..rules.em_rounds.max(1) {
            let mut matches = lambda_prior * alpha;
            for (&pat, &c) in pairs {
                matches += c * match_prob(pat, &m, &u, lambda);
            }
            let new_lambda = (matches / (n + alpha)).clamp(1e-9, 1.0 - 1e-9);
            let change = (new_lambda - lambda).abs();
            lambda = new_lambda;
            if change < 1e-6 {
                break;
            }
        }
        lambda
    };
    let lambda = share(&candidates.all);
    // Over several sources, within and across sources apart, each spread over its own pairs.
    let split = (candidates.within_pairs > 0.0 && candidates.within_pairs < all_pairs).then(|| {
        let mut across = candidates.all.clone();
        for (pat, c) in &candidates.within {
            if let Some(x) = across.get_mut(pat) {
                *x -= c;
            }
        }
        across.retain(|_, c| *c > 0.0);
        let per_pair = |pairs: &Histogram, all: f64| {
            let n: f64 = pairs.values().sum();
            (share(pairs) * n / all).clamp(1e-12, 1.0 - 1e-9)
        };
        (
            per_pair(&across, all_pairs - candidates.within_pairs),
            per_pair(&candidates.within, candidates.within_pairs),
        )
    });
    // Then u once more without matches.
    u = estimate_u(&m, &u, lambda);
    // A small file's random pairs are all its pairs, too few to bound a rare level's u: the
    // floor is never coarser than the resolution the playbook samples at (`u_sample`).
    floor_u(
        &mut u,
        &m,
        (n_random + labels.len() as f64).max(rules.u_sample as f64),
    );
    // Disagreeing is never evidence for a match. Splitting `different` (two companies'
    // addresses / the rest) can make the rest rarer among random pairs than among matches:
    // that says which kinds of disagreement are common, not that disagreeing links.
    for (i, r) in roles.iter().enumerate() {
        for l in 1..u[i].len() {
            if levels::disagrees(r.role.compare, l as u8) {
                u[i][l] = u[i][l].max(m[i][l]);
            }
        }
    }
    // The expected matches among candidate pairs, spread over all pairs of the file.
    let lambda = if all_pairs > n_cand {
        (lambda * n_cand / all_pairs).clamp(1e-12, 1.0 - 1e-9)
    } else {
        lambda
    };
    Model {
        lambda: split.map_or(lambda, |(across, _)| across),
        lambda_within: split.map(|(_, within)| within),
        shared_gate: gate,
        roles: roles
            .iter()
            .enumerate()
            .map(|(i, r)| RoleParams {
                role: r.name.clone(),
                tf: r.role.tf,
                shared: r.role.shared,
                levels: (1..m[i].len())
                    .map(|l| LevelParams {
                        level: levels::name(r.role.compare, l as u8).to_string(),
                        m: m[i][l],
                        u: u[i][l],
                        weight: (m[i][l] / u[i][l]).ln(),
                    })
                    .collect(),
            })
            .collect(),
        training: Training {
            candidate_pairs: n_cand as u64,
            random_pairs: n_random as u64,
            em_rounds: rounds,
            labelled_pairs: labels.len() as u64,
        },
    }
}

/// Floors u by what `sampled` random pairs can tell: a level seen in none of them is rarer
/// than about one in `sampled`, not impossible, so its u is at least 1 / `sampled` (finite
/// weight). And a weaker agreement (reordered, a fuzzy band, a typo) is no rarer among
/// non-matches, relative to its m, than exact agreement: its weight is capped at the exact
/// level's, so a level that almost never occurs (`city reordered`) cannot outweigh agreeing.
/// Caps each street role's `other_number` m at its `close` m: a typo in a house number is no
/// likelier among matches than a typo anywhere else in the street. Without the cap, records
/// of one organisation at several sites (one name, one head-office phone, a street each) make
/// EM's match class "the same organisation", and addresses that name two buildings stop
/// counting against a match. The mass taken off goes to the role's other levels in proportion.
pub fn cap_other_numbers(roles: &[Compared], m: &mut [Vec<f64>]) {
    for (r, m) in roles.iter().zip(m.iter_mut()) {
        let (Some(other), Some(close)) = (
            levels::index(r.role.compare, "other_number"),
            levels::index(r.role.compare, "close"),
        ) else {
            continue;
        };
        let (old, cap) = (m[other], m[close]);
        if old <= cap || old >= 1.0 {
            continue;
        }
        let scale = (1.0 - cap) / (1.0 - old);
        for (l, x) in m.iter_mut().enumerate().skip(1) {
            *x = if l == other { cap } else { *x * scale };
        }
    }
}

pub fn floor_u(u: &mut [Vec<f64>], m: &[Vec<f64>], sampled: f64) {
    let least = 1.0 / sampled.max(1.0);
    for (u, m) in u.iter_mut().zip(m) {
        for x in u.iter_mut().skip(1) {
            *x = x.max(least);
        }
        // Only agreeing levels (not the last, `different`), and only where exact agreement
        // argues for a match at all: capping by a ratio below one would push u above one.
        let exact = m[1] / u[1];
        if exact > 1.0 {
            for l in 2..u.len().saturating_sub(1) {
                u[l] = u[l].max(m[l] / exact);
            }
        }
    }
}

/// Each role's counts as probabilities over its levels after `missing` (index 0 stays 0).
fn normalise(counts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    counts
        .into_iter()
        .map(|c| {
            let sum: f64 = c[1..].iter().sum();
            c.iter()
                .enumerate()
                .map(|(l, x)| if l == 0 { 0.0 } else { (x / sum).max(1e-12) })
                .collect()
        })
        .collect()
}

/// How rare each record's value is, per tf role: the chance that another record shares it,
/// shrunk towards the role's exact-level u for values seen few times.
pub struct Frequencies {
    /// Per role (None: no adjustment), per record: the shrunk share.
    per_record: Vec<Option<Vec<f32>>>,
    /// Each record's source in a run over several (empty: one source), for the prior.
    sources: Vec<u32>,
}

impl Frequencies {
    /// Counts values of the tf roles (by interned id: equal ids, equal text).
    /// `sources`: each record's source over several sources (empty for one).
    pub fn new(
        model: &Model,
        prepared: &Prepared<'_>,
        prior_pairs: f64,
        sources: &[u32],
    ) -> Frequencies {
        let n = prepared.len();
        let per_record = model
            .roles
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                if !r.tf {
                    return None;
                }
                let mut counts = vec![0u32; prepared.distinct()];
                let mut filled = 0u32;
                for id in (0..n).filter_map(|record| prepared.id(record, i)) {
                    counts[id as usize] += 1;
                    filled += 1;
                }
                let u_exact = r.levels[0].u;
                let others = (filled as f64 - 1.0).max(0.0);
                Some(
                    (0..n)
                        .map(|record| match prepared.id(record, i) {
                            Some(id) => {
                                let c = (counts[id as usize] as f64 - 1.0).max(0.0);
                                ((c + prior_pairs * u_exact) / (others + prior_pairs)) as f32
                            }
                            None => 0.0,
                        })
                        .collect(),
                )
            })
            .collect();
        Frequencies {
            per_record,
            sources: sources.to_vec(),
        }
    }

    /// The prior log-odds of records `a` and `b`: the model's, or its within-source one when
    /// both come from one source of several.
    pub fn prior(&self, model: &Model, a: u32, b: u32) -> f64 {
        match model.lambda_within {
            Some(within)
                if !self.sources.is_empty()
                    && self.sources[a as usize] == self.sources[b as usize] =>
            {
                (within / (1.0 - within)).ln()
            }
            _ => model.prior(),
        }
    }

    /// The term-frequency points of role `i` when records agree exactly on it: positive
    /// for a rare value, negative for a common one (bounded, so one value cannot decide).
    pub fn adjustment(&self, model: &Model, i: usize, record: u32) -> f64 {
        match &self.per_record[i] {
            Some(shares) => {
                let share = (shares[record as usize] as f64).max(1e-9);
                (model.roles[i].levels[0].u / share).ln().clamp(-4.0, 4.0)
            }
            None => 0.0,
        }
    }
}

impl Model {
    /// A pair's log-odds from its prior and roles' points, as [`combine`] counts them.
    pub fn combine(&self, prior: f64, own: f64, shared_gain: f64) -> f64 {
        combine(prior, own, shared_gain, self.shared_gate)
    }

    /// The prior log-odds of a candidate pair.
    pub fn prior(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).ln()
    }

    /// The weight of role `i` at `level` (0 for missing).
    pub fn weight(&self, i: usize, level: u8) -> f64 {
        if level == levels::MISSING {
            0.0
        } else {
            self.roles[i].levels[level as usize - 1].weight
        }
    }

    /// Checks that a loaded model fits these roles (same roles, same levels, in order).
    pub fn check(&self, roles: &[Compared], path: &Path) -> Result<()> {
        let want: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
        let got: Vec<&str> = self.roles.iter().map(|r| r.role.as_str()).collect();
        if want != got {
            return Err(Error::Usage(format!(
                "model `{}` is for roles {} but this run compares {}; re-run `crmkit dedupe model` or name the same columns with --field",
                path.display(),
                got.join(", "),
                want.join(", ")
            )));
        }
        for (r, p) in roles.iter().zip(&self.roles) {
            let names = levels::names(r.role.compare);
            let have: Vec<&str> = p.levels.iter().map(|l| l.level.as_str()).collect();
            if have != names {
                return Err(Error::Usage(format!(
                    "model `{}`: role `{}` needs levels {} (it has {})",
                    path.display(),
                    r.name,
                    names.join(", "),
                    have.join(", ")
                )));
            }
        }
        if let Some(w) = self.lambda_within
            && !(w > 0.0 && w < 1.0)
        {
            return Err(Error::Usage(format!(
                "model `{}`: lambda_within {w} must be between 0 and 1",
                path.display()
            )));
        }
        if !(self.lambda > 0.0 && self.lambda < 1.0) {
            return Err(Error::Usage(format!(
                "model `{}`: lambda {} must be between 0 and 1",
                path.display(),
                self.lambda
            )));
        }
        Ok(())
    }

    /// Reads a saved model; weights are recomputed from m and u, so an edit of either counts.
    pub fn load(path: &Path) -> Result<Model> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let mut model: Model = crate::yaml::from_str(&text).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        for r in &mut model.roles {
            for l in &mut r.levels {
                if !(l.m > 0.0 && l.u > 0.0) {
                    return Err(Error::Yaml {
                        path: path.to_path_buf(),
                        message: format!(
                            "role `{}` level `{}`: m and u must be above 0 (m {}, u {})",
                            r.role, l.level, l.m, l.u
                        ),
                    });
                }
                l.weight = (l.m / l.u).ln();
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulated comparison vectors from known m and u: EM, given u from random pairs,
    /// recovers m and the share of matches.
    #[test]
    fn em_recovers_known_m_and_u_on_simulated_vectors() {
        let rules = Rules::builtin();
        let names = ["name", "phone", "city"];
        let roles: Vec<Compared> = compared(
            &names
                .iter()
                .map(|n| (n.to_string(), rules.roles[*n].clone()))
                .collect::<Vec<_>>(),
        );
        // name: exact, reordered, close, similar, contained, abbreviated, shared_word,
        // different; phone: exact, one_edit, different; city: exact, reordered, close,
        // similar, contained, different.
        let true_m = [
            vec![0.0, 0.6, 0.05, 0.1, 0.1, 0.05, 0.02, 0.03, 0.05],
            vec![0.0, 0.7, 0.1, 0.2],
            vec![0.0, 0.8, 0.0, 0.1, 0.03, 0.02, 0.05],
        ];
        let true_u = [
            vec![0.0, 0.001, 0.001, 0.004, 0.02, 0.004, 0.0005, 0.0095, 0.96],
            vec![0.0, 0.002, 0.003, 0.995],
            vec![0.0, 0.05, 0.0, 0.01, 0.04, 0.01, 0.89],
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut draw = |p: &[f64]| -> u64 {
            let x: f64 = rng.r#gen();
            let mut acc = 0.0;
            for (l, q) in p.iter().enumerate() {
                acc += q;
                if x < acc {
                    return l as u64;
                }
            }
            (p.len() - 1) as u64
        };
        let mut vector = |p: &[Vec<f64>; 3]| -> u64 {
            (0..3).fold(0, |acc, i| acc | (draw(&p[i]) << (BITS * i as u32)))
        };
        let (mut candidates, mut random) = (Histogram::new(), Histogram::new());
        // 20,000 candidate pairs of which 30% match; 200,000 random pairs (no matches).
        for k in 0..20_000 {
            let v = if k % 10 < 3 {
                vector(&true_m)
            } else {
                vector(&true_u)
            };
            *candidates.entry(v).or_default() += 1.0;
        }
        for _ in 0..200_000 {
            *random.entry(vector(&true_u)).or_default() += 1.0;
        }
        let sessions = [Session {
            fixed: Vec::new(),
            pairs: candidates.clone(),
        }];
        let candidates = Candidates {
            all: candidates,
            ..Candidates::default()
        };
        let all_pairs = 1e9;
        let model = train(
            &rules,
            &roles,
            &sessions,
            &candidates,
            &random,
            all_pairs,
            &Vec::new(),
        );
        // lambda is per random pair: 6,000 matches among 1e9 pairs.
        let share = model.lambda * all_pairs / 20_000.0;
        assert!((share - 0.3).abs() < 0.02, "share of matches {share}");
        for (i, r) in model.roles.iter().enumerate() {
            for (l, p) in r.levels.iter().enumerate() {
                assert!(
                    (p.m - true_m[i][l + 1]).abs() < 0.03,
                    "{} {}: m {} want {}",
                    r.role,
                    p.level,
                    p.m,
                    true_m[i][l + 1]
                );
                if true_u[i][l + 1] > 0.0 {
                    assert!(
                        (p.u - true_u[i][l + 1]).abs() < 0.003 + 0.1 * true_u[i][l + 1],
                        "{} {}: u {} want {}",
                        r.role,
                        p.level,
                        p.u,
                        true_u[i][l + 1]
                    );
                }
            }
        }
    }

    /// Listings of one kind: name (an identifier), phone and street (shared: a hotel's
    /// restaurants share both). Vectors drawn from known m and u.
    fn listings() -> (Rules, Vec<Compared>) {
        let rules = Rules::builtin();
        let names = ["name", "phone", "street"];
        let roles = compared(
            &rules.mark_shared(
                "account",
                names
                    .iter()
                    .map(|n| (n.to_string(), rules.roles[*n].clone()))
                    .collect(),
            ),
        );
        assert!(!roles[0].role.shared && roles[1].role.shared && roles[2].role.shared);
        (rules, roles)
    }

    fn draw(rng: &mut rand_chacha::ChaCha8Rng, p: &[Vec<f64>]) -> u64 {
        p.iter().enumerate().fold(0, |acc, (i, p)| {
            let x: f64 = rng.r#gen();
            let mut sum = 0.0;
            let level = p
                .iter()
                .position(|q| {
                    sum += q;
                    x < sum
                })
                .unwrap_or(p.len() - 1);
            acc | ((level as u64) << (BITS * i as u32))
        })
    }

    /// A session blocked on the name learns the phone's m although the phone is shared: the
    /// pairs share the name, so the phone counts as far as agreeing on a name does (before,
    /// shared roles counted nothing there and m stayed at the playbook's prior).
    #[test]
    fn a_name_blocked_session_learns_a_shared_phones_m() {
        let (rules, roles) = listings();
        // name: exact always (blocked); phone: exact, one_edit, different; street: exact,
        // reordered, close, similar, contained, different.
        let m = [
            vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            vec![0.0, 0.95, 0.0, 0.05],
            vec![0.0, 0.7, 0.0, 0.1, 0.1, 0.05, 0.05],
        ];
        let u_named = [
            vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            vec![0.0, 0.001, 0.001, 0.998],
            vec![0.0, 0.002, 0.0, 0.002, 0.01, 0.006, 0.98],
        ];
        let u = [
            vec![0.0, 0.0001, 0.0001, 0.0001, 0.001, 0.0002, 0.9985],
            u_named[1].clone(),
            u_named[2].clone(),
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut session = Histogram::new();
        for k in 0..5_000 {
            let v = draw(&mut rng, if k % 4 == 0 { &m } else { &u_named });
            *session.entry(v).or_default() += 1.0;
        }
        let mut random = Histogram::new();
        for _ in 0..200_000 {
            *random.entry(draw(&mut rng, &u)).or_default() += 1.0;
        }
        let candidates = Candidates {
            all: session.clone(),
            ..Candidates::default()
        };
        let sessions = [Session {
            fixed: vec![0],
            pairs: session,
        }];
        let model = train(
            &rules,
            &roles,
            &sessions,
            &candidates,
            &random,
            1e8,
            &Vec::new(),
        );
        let phone_exact = model.roles[1].levels[0].m;
        assert!(
            (phone_exact - 0.95).abs() < 0.05,
            "phone m(exact) {phone_exact}"
        );
        let street_exact = model.roles[2].levels[0].m;
        assert!(
            (street_exact - 0.7).abs() < 0.07,
            "street m(exact) {street_exact}"
        );
    }

    /// Over two sources, pairs within one source get their own prior: where a source lists
    /// each entity once, its within-source candidates are non-matches and that prior is low.
    #[test]
    fn within_source_pairs_get_their_own_lower_prior() {
        let (rules, roles) = listings();
        let m = [
            vec![0.0, 0.8, 0.05, 0.05, 0.05, 0.03, 0.02],
            vec![0.0, 0.9, 0.02, 0.08],
            vec![0.0, 0.7, 0.0, 0.1, 0.1, 0.05, 0.05],
        ];
        let u = [
            vec![0.0, 0.0001, 0.0001, 0.0001, 0.001, 0.0002, 0.9985],
            vec![0.0, 0.001, 0.001, 0.998],
            vec![0.0, 0.002, 0.0, 0.002, 0.01, 0.006, 0.98],
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut candidates = Candidates {
            within_pairs: 5e5,
            ..Candidates::default()
        };
        // 2,000 pairs across sources, half matches; 2,000 within, non-matches only.
        for k in 0..4_000 {
            let within = k >= 2_000;
            let v = draw(&mut rng, if !within && k % 2 == 0 { &m } else { &u });
            *candidates.all.entry(v).or_default() += 1.0;
            if within {
                *candidates.within.entry(v).or_default() += 1.0;
            }
        }
        let mut random = Histogram::new();
        for _ in 0..200_000 {
            *random.entry(draw(&mut rng, &u)).or_default() += 1.0;
        }
        let sessions = [Session {
            fixed: Vec::new(),
            pairs: candidates.all.clone(),
        }];
        let model = train(
            &rules,
            &roles,
            &sessions,
            &candidates,
            &random,
            1e6,
            &Vec::new(),
        );
        let within = model.lambda_within.expect("a within-source prior");
        // About 1,000 matches among the 5e5 pairs across: 0.002; within, next to none.
        assert!(
            (model.lambda - 0.002).abs() < 0.0005,
            "lambda {}",
            model.lambda
        );
        assert!(
            within < model.lambda / 20.0,
            "within {within} vs {}",
            model.lambda
        );
    }

    /// A level no random pair showed gets u = 1 / (random pairs), a finite weight, and no
    /// weaker level outweighs exact agreement.
    #[test]
    fn an_unseen_level_gets_the_sample_floor_and_a_finite_weight() {
        // city: missing, exact, reordered, close, similar, different.
        let m = vec![vec![0.0, 0.2, 0.02, 0.05, 0.03, 0.7]];
        let mut u = vec![vec![0.0, 0.02, 1e-12, 1e-12, 0.004, 0.976]];
        floor_u(&mut u, &m, 1_000_000.0);
        let exact = (m[0][1] / u[0][1]).ln();
        // Unseen `reordered` and `close`: at least one in a million, and capped at exact.
        assert!(u[0][2] >= 1e-6 && u[0][3] >= 1e-6, "{:?}", u[0]);
        for l in 2..6 {
            let w = (m[0][l] / u[0][l]).ln();
            assert!(
                w.is_finite() && w <= exact + 1e-9,
                "level {l}: {w} vs exact {exact}"
            );
        }
        // `similar` was seen often enough: its u stays as counted.
        assert_eq!(u[0][4], 0.004);
        // With few matches behind m, the sample floor alone decides.
        let m = vec![vec![0.0, 0.9, 1e-5, 0.05, 0.03, 0.02]];
        let mut u = vec![vec![0.0, 0.001, 1e-12, 0.01, 0.01, 0.978]];
        floor_u(&mut u, &m, 1000.0);
        assert_eq!(u[0][2], 1.0 / 1000.0);
        // Where exact agreement is no evidence of a match (a tiny file's EM), nothing is
        // capped: every u stays a probability, `different` keeps its own.
        let m = vec![vec![0.0, 0.0787, 0.0548, 0.0548, 0.0438, 0.7679]];
        let mut u = vec![vec![0.0, 0.1667, 0.1667, 0.1667, 0.1667, 0.3332]];
        floor_u(&mut u, &m, 1_000_000.0);
        assert!(u[0].iter().all(|&x| x <= 1.0), "{:?}", u[0]);
        assert_eq!(u[0][5], 0.3332);
    }
}
