//! Duplicate detection: normalise, block, compare, cluster. Explainable and near-linear.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod distance;
pub mod evaluate;
pub mod labels;
pub mod levels;
pub mod link;
pub mod model;
pub mod normalize;
pub mod prepared;
pub mod review;
pub mod roles;
pub mod rules;
pub mod run;
pub mod survivorship;

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;
use serde::Serialize;

pub use compare::{FieldScore, PairScore};

pub use model::Model;
pub use rules::Rules;

use crate::error::{Error, Result};
use normalize::Normalizer;

/// Records to deduplicate: raw values per role, in the order of `roles`.
pub struct Input<'a> {
    pub roles: &'a [String],
    pub rows: &'a [Vec<Option<String>>],
}

/// A group of records judged to be one real-world entity.
#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    /// Record indexes, ascending.
    pub members: Vec<u32>,
    /// Every pair of members with its scores (not only the links that joined them).
    pub pairs: Vec<PairScore>,
}

/// What a dedupe pass found.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub records: usize,
    pub candidate_pairs: usize,
    pub skipped_blocks: usize,
    pub linked_pairs: usize,
    pub clusters: Vec<Cluster>,
    /// The model the pairs were scored with (learned here or given).
    pub model: Model,
    /// Unlabelled candidate pairs nearest the threshold, most uncertain first (when asked).
    pub questions: Vec<PairScore>,
}

impl Outcome {
    /// Records that would be merged away (cluster members beyond one survivor each).
    pub fn duplicates(&self) -> usize {
        self.clusters.iter().map(|c| c.members.len() - 1).sum()
    }
}

/// The rules of the named roles, in order; an unknown role is an error with a suggestion.
pub fn resolve_roles(rules: &Rules, names: &[String]) -> Result<Vec<(String, rules::Role)>> {
    names
        .iter()
        .map(|name| {
            rules
                .roles
                .get(name)
                .map(|r| (name.clone(), r.clone()))
                .ok_or_else(|| {
                    let hint = crate::suggestion::did_you_mean(name, rules.role_names());
                    Error::Usage(format!(
                        "unknown field role `{name}`{hint} (roles: {})",
                        rules.role_names().join(", ")
                    ))
                })
        })
        .collect()
}

/// Cleans raw role values into the form they are blocked and compared in.
pub struct Cleaner {
    roles: Vec<(String, rules::Role)>,
    normalizer: Normalizer,
}

impl Cleaner {
    /// A cleaner for these roles.
    pub fn new(rules: &Rules, roles: &[(String, rules::Role)]) -> Cleaner {
        Cleaner {
            roles: roles.to_vec(),
            normalizer: Normalizer::new(rules),
        }
    }

    /// One record's cleaned values, in role order.
    pub fn clean(&self, raw: &[Option<String>]) -> Vec<Option<String>> {
        self.roles
            .iter()
            .zip(raw)
            .map(|((_, role), v)| {
                v.as_deref()
                    .and_then(|v| self.normalizer.apply(role.normalize, v))
            })
            .collect()
    }
}

/// Finds duplicate clusters among `input.rows`; pairs link at `threshold` probability.
pub fn find(rules: &Rules, input: &Input<'_>, threshold: f64) -> Result<Outcome> {
    let roles = resolve_roles(rules, input.roles)?;
    let cleaner = Cleaner::new(rules, &roles);
    let clean: Vec<Vec<Option<String>>> = input
        .rows
        .par_iter()
        .map(|row| cleaner.clean(row))
        .collect();
    find_clean(rules, &roles, &clean, threshold, &Learn::default())
}

/// What the model learns from, besides the data: a fixed model, or reviewed pairs.
#[derive(Clone, Default)]
pub struct Learn<'a> {
    /// Where the comparison reports the pairs it has compared.
    pub progress: Option<&'a dyn crate::progress::Progress>,
    /// Use this model as it is (no training).
    pub model: Option<Model>,
    /// Reviewed pairs `(a, b, is a match)` by record index.
    pub labels: Vec<(u32, u32, bool)>,
    /// How many unlabelled candidate pairs nearest the threshold to return for review.
    pub questions: usize,
    /// Each record's source when several are linked (empty: one dataset): pairs within a
    /// source get their own prior.
    pub sources: Vec<u32>,
}

/// What one part of a blocking key reads from a record (by role index).
#[derive(Clone, Copy, Debug)]
enum KeyPart {
    /// The name's first five letters, spaces taken out (when it has at least three bytes).
    NamePrefix(usize),
    /// The name's longest word of at least four bytes.
    NameToken(usize),
    FirstInitial(usize),
    Value(usize),
}

impl KeyPart {
    /// The part's text for a record; borrowed from the record except the name prefix.
    fn of<'r>(self, row: &'r [Option<String>]) -> Option<Cow<'r, str>> {
        match self {
            KeyPart::NamePrefix(i) => {
                let v = row[i].as_deref()?;
                let compact = v.len() - v.bytes().filter(|&c| c == b' ').count();
                (compact >= 3)
                    .then(|| Cow::Owned(v.chars().filter(|c| *c != ' ').take(5).collect()))
            }
            KeyPart::NameToken(i) => row[i]
                .as_deref()?
                .split(' ')
                .filter(|t| t.len() >= 4)
                .max_by_key(|t| t.len())
                .map(Cow::Borrowed),
            KeyPart::FirstInitial(i) => {
                let v = row[i].as_deref()?;
                let c = v.chars().next()?;
                Some(Cow::Borrowed(&v[..c.len_utf8()]))
            }
            KeyPart::Value(i) => row[i].as_deref().map(Cow::Borrowed),
        }
    }
}

/// The hash of rule `r`'s key for a record (0: the rule does not apply, a part is missing or
/// names a role not compared). Hashed part by part as `(r, Vec<String>)` hashes, without
/// building the vector: a million records make millions of keys.
fn key_hash(r: usize, parts: &[Option<KeyPart>], row: &[Option<String>]) -> u64 {
    let mut h = DefaultHasher::new();
    r.hash(&mut h);
    // A vector's hash starts with its length.
    parts.len().hash(&mut h);
    for part in parts {
        let Some(text) = part.and_then(|p| p.of(row)) else {
            return 0;
        };
        text.as_ref().hash(&mut h);
    }
    // 0 marks "no key"; a real hash of 0 is moved aside.
    h.finish().max(1)
}

/// Blocking-key hashes of every record under every rule (0: the rule does not apply).
fn block_keys(
    rules: &Rules,
    roles: &[(String, rules::Role)],
    clean: &[Vec<Option<String>>],
) -> block::Keys {
    let role_index = |name: &str| roles.iter().position(|(n, _)| n == name);
    let name_i = role_index("name").or_else(|| role_index("full_name"));
    let first_i = role_index("first_name");
    let plan: Vec<Vec<Option<KeyPart>>> = rules
        .blocking
        .iter()
        .map(|parts| {
            parts
                .iter()
                .map(|p| match p.as_str() {
                    "name_prefix" => name_i.map(KeyPart::NamePrefix),
                    "name_token" => name_i.map(KeyPart::NameToken),
                    "first_initial" => first_i.map(KeyPart::FirstInitial),
                    role => role_index(role).map(KeyPart::Value),
                })
                .collect()
        })
        .collect();
    let plan = &plan;
    let hashes: Vec<u64> = clean
        .par_iter()
        .flat_map_iter(|row| {
            plan.iter()
                .enumerate()
                .map(move |(r, parts)| key_hash(r, parts, row))
        })
        .collect();
    block::Keys {
        rules: rules.blocking.len(),
        hashes,
    }
}

/// Finds duplicate clusters among records already cleaned by a [`Cleaner`]: blocks, learns
/// the dataset's model (unless one is given), scores, and clusters.
pub fn find_clean(
    rules: &Rules,
    roles: &[(String, rules::Role)],
    clean: &[Vec<Option<String>>],
    threshold: f64,
    learn: &Learn,
) -> Result<Outcome> {
    if roles.len() > model::MAX_ROLES {
        return Err(Error::Usage(format!(
            "dedupe compares at most {} roles at once ({} given)",
            model::MAX_ROLES,
            roles.len()
        )));
    }
    let mut compared = model::compared(roles);
    // What a shared word of a company name is worth depends on how many names carry it.
    for (i, c) in compared.iter_mut().enumerate() {
        if c.role.compare == rules::Compare::CompanyName {
            let values = clean.par_iter().filter_map(|row| row[i].as_deref());
            c.role.common_words = std::sync::Arc::new(levels::common_words(values));
        }
    }
    let compared = compared;
    let (keys, prepared) = rayon::join(
        || block_keys(rules, roles, clean),
        || prepared::Prepared::new(&compared, clean),
    );
    let prepared = prepared?;
    // Every candidate pair with its comparison vector: 16 bytes a pair, so scoring after
    // training needs no second comparison.
    let progress = learn.progress.unwrap_or(&crate::progress::Silent);
    // Each pair with the set of blocking rules it satisfies (a bit per rule): a rule's training
    // session holds every candidate pair sharing its key, not only those first visited there.
    let n_rules = keys.rules;
    let (visited, stats) = block::for_each_pair(
        &keys,
        rules.max_block,
        progress,
        |records| prepared.warm(records),
        |a, b, rule| {
            let key = |i: u32, r: usize| keys.hashes[i as usize * n_rules + r];
            let mask = (0..n_rules)
                .filter(|&r| r == rule || (key(a, r) != 0 && key(a, r) == key(b, r)))
                .fold(0u64, |m, r| m | 1 << r);
            Some((a, b, prepared.pattern(a as usize, b as usize), mask))
        },
    );
    let model = match &learn.model {
        Some(m) => m.clone(),
        None => {
            // One training session per blocking rule, as Splink does: the roles a rule blocks
            // on agree by construction among its pairs, so their m is not learned there.
            let role_index = |name: &str| roles.iter().position(|(n, _)| n == name);
            let name_i = role_index("name").or_else(|| role_index("full_name"));
            let mut sessions: Vec<model::Session> = rules
                .blocking
                .iter()
                .map(|parts| model::Session {
                    fixed: parts
                        .iter()
                        .filter_map(|p| match p.as_str() {
                            "name_prefix" | "name_token" => name_i,
                            "first_initial" => role_index("first_name"),
                            role => role_index(role),
                        })
                        .collect(),
                    pairs: model::Histogram::new(),
                })
                .collect();
            let mut all = model::Candidates::default();
            let sources = &learn.sources;
            if !sources.is_empty() {
                let mut per_source: std::collections::BTreeMap<u32, f64> = Default::default();
                for s in sources {
                    *per_source.entry(*s).or_default() += 1.0;
                }
                all.within_pairs = per_source.values().map(|n| n * (n - 1.0) / 2.0).sum();
            }
            let (every, within, per_rule) = model::count_patterns(&visited, sources, n_rules);
            (all.all, all.within) = (every, within);
            for (session, pairs) in sessions.iter_mut().zip(per_rule) {
                session.pairs = pairs;
            }
            let random = model::random_pairs(&prepared, rules.u_sample);
            let n = clean.len() as f64;
            let labels: model::Labels = learn
                .labels
                .iter()
                .filter(|(a, b, _)| (*a as usize) < clean.len() && (*b as usize) < clean.len())
                .map(|&(a, b, m)| (prepared.pattern(a as usize, b as usize), m))
                .collect();
            model::train(
                rules,
                &compared,
                &sessions,
                &all,
                &random,
                n * (n - 1.0) / 2.0,
                &labels,
            )
        }
    };
    let candidates = visited;
    let freq = model::Frequencies::new(&model, &prepared, rules.prior_pairs, &learn.sources);
    let needed = (threshold / (1.0 - threshold)).ln();
    let links: Vec<(u32, u32, f64)> = candidates
        .par_iter()
        .flat_map_iter(|run| {
            run.iter().filter_map(|&(a, b, p, _)| {
                let t = compare::total(&model, &freq, p, a, b);
                (t >= needed).then(|| (a, b, 1.0 / (1.0 + (-t).exp())))
            })
        })
        .collect();
    let questions = if learn.questions > 0 {
        let labelled: std::collections::HashSet<(u32, u32)> = learn
            .labels
            .iter()
            .map(|&(a, b, _)| (a.min(b), a.max(b)))
            .collect();
        let mut near: Vec<(f64, u32, u32)> = candidates
            .par_iter()
            .flat_map_iter(|run| {
                run.iter()
                    .filter(|(a, b, _, _)| !labelled.contains(&(*a, *b)))
                    .map(|&(a, b, p, _)| {
                        (
                            (compare::total(&model, &freq, p, a, b) - needed).abs(),
                            a,
                            b,
                        )
                    })
            })
            .collect();
        near.par_sort_unstable_by(|x, y| {
            x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2))
        });
        near.truncate(learn.questions);
        near.iter()
            .map(|&(_, a, b)| {
                compare::score(
                    &compared,
                    &model,
                    &freq,
                    (a, &clean[a as usize]),
                    (b, &clean[b as usize]),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    drop(candidates);
    let groups = cluster::clusters(clean.len(), &links, rules.strong_link);
    let clusters = groups
        .into_par_iter()
        .map(|members| {
            let pairs = members
                .iter()
                .enumerate()
                .flat_map(|(i, &a)| members[i + 1..].iter().map(move |&b| (a, b)))
                .map(|(a, b)| {
                    compare::score(
                        &compared,
                        &model,
                        &freq,
                        (a, &clean[a as usize]),
                        (b, &clean[b as usize]),
                    )
                })
                .collect();
            Cluster { members, pairs }
        })
        .collect();
    Ok(Outcome {
        records: clean.len(),
        candidate_pairs: stats.pairs,
        skipped_blocks: stats.skipped_blocks,
        linked_pairs: links.len(),
        clusters,
        model,
        questions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[[&str; 3]]) -> Vec<Vec<Option<String>>> {
        data.iter()
            .map(|r| {
                r.iter()
                    .map(|v| (!v.is_empty()).then(|| v.to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn finds_variants_of_one_company_and_explains_them() {
        let roles: Vec<String> = ["name", "domain", "phone"].map(String::from).to_vec();
        let data = rows(&[
            [
                "Northwind Traders Inc",
                "www.northwind.com",
                "(415) 555-0134",
            ],
            [
                "NORTHWIND TRADERS, INCORPORATED",
                "https://northwind.com/",
                "415.555.0134",
            ],
            ["Northwind Traders LLC", "", "+1 415 555 0134"],
            ["Southridge Video", "southridge.com", "(212) 555-0100"],
            ["Northwind Systems", "northwindsys.com", "(503) 555-0199"],
        ]);
        let out = find(
            &Rules::builtin(),
            &Input {
                roles: &roles,
                rows: &data,
            },
            0.5,
        )
        .unwrap();
        assert_eq!(out.clusters.len(), 1);
        assert_eq!(out.clusters[0].members, vec![0, 1, 2]);
        assert_eq!(out.clusters[0].pairs.len(), 3);
        assert_eq!(out.duplicates(), 2);
        let pair = &out.clusters[0].pairs[0];
        assert_eq!(
            pair.fields
                .iter()
                .map(|f| f.role.as_str())
                .collect::<Vec<_>>(),
            ["name", "domain", "phone"]
        );
    }

    /// Keys hash as the vector of their parts' text did (so blocks, and the order pairs are
    /// visited in, stay as they were), the name prefix and initial included.
    #[test]
    fn key_hashes_equal_hashing_the_parts_as_strings() {
        let old = |r: usize, v: Vec<String>| {
            let mut h = DefaultHasher::new();
            (r, v).hash(&mut h);
            h.finish().max(1)
        };
        let s = |v: &str| Some(v.to_string());
        let row = vec![s("north wind traders"), s("élodie"), None, s("4155550134")];
        let parts = [
            Some(KeyPart::NamePrefix(0)),
            Some(KeyPart::FirstInitial(1)),
            Some(KeyPart::Value(3)),
        ];
        assert_eq!(
            key_hash(2, &parts, &row),
            old(2, vec!["north".into(), "é".into(), "4155550134".into()])
        );
        assert_eq!(
            key_hash(0, &[Some(KeyPart::NameToken(0))], &row),
            old(0, vec!["traders".into()])
        );
        assert_eq!(key_hash(1, &[Some(KeyPart::Value(2))], &row), 0);
        assert_eq!(key_hash(1, &[None], &row), 0);
        // Under three letters without spaces there is no prefix.
        let short = vec![s("a b"), None, None, None];
        assert_eq!(key_hash(0, &[Some(KeyPart::NamePrefix(0))], &short), 0);
    }

    #[test]
    fn unknown_roles_get_a_suggestion() {
        let roles = vec!["domian".to_string()];
        let err = find(
            &Rules::builtin(),
            &Input {
                roles: &roles,
                rows: &[],
            },
            0.5,
        )
        .unwrap_err();
        assert!(err.to_string().contains("did you mean `domain`"), "{err}");
    }
}
