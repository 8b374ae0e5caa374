//! Choosing each cluster's surviving record and its merged (golden) values.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::rules::{Criterion, FieldPick, Survivorship};

/// What survivorship needs to know about one cluster member.
#[derive(Clone, Debug)]
pub struct Member {
    /// Position of the record in the source (lower = earlier).
    pub order: u64,
    /// The dataset it came from (for source priority).
    pub dataset: String,
    /// Its role values (raw), in role order.
    pub values: Vec<Option<String>>,
    /// Non-blank values across all its columns.
    pub filled: usize,
    /// Its latest activity date, if any.
    pub recency: Option<NaiveDate>,
}

/// A merged value and where it came from.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Golden {
    pub role: String,
    pub value: Option<String>,
    /// Index (into the members) of the record that gave the value.
    pub from: usize,
    pub pick: FieldPick,
}

/// The index of the surviving member and the name of the criterion that decided it.
pub fn survivor(rules: &Survivorship, members: &[Member]) -> (usize, &'static str) {
    let mut candidates: Vec<usize> = (0..members.len()).collect();
    for criterion in &rules.order {
        if candidates.len() == 1 {
            break;
        }
        let key = |i: &usize| -> i64 {
            let m = &members[*i];
            match criterion {
                Criterion::MostComplete => m.filled as i64,
                Criterion::MostRecent => {
                    m.recency.map_or(i64::MIN, |d| d.num_days_from_ce() as i64)
                }
                Criterion::SourcePriority => {
                    let p = rules
                        .source_priority
                        .iter()
                        .position(|d| *d == m.dataset)
                        .unwrap_or(usize::MAX / 2);
                    -(p as i64)
                }
                Criterion::FirstRow => -(m.order as i64),
            }
        };
        let best = candidates.iter().map(key).max().unwrap_or(0);
        let before = candidates.len();
        candidates.retain(|i| key(i) == best);
        if candidates.len() == 1 && before > 1 {
            return (candidates[0], criterion_name(*criterion));
        }
    }
    let first = candidates
        .into_iter()
        .min_by_key(|i| members[*i].order)
        .unwrap_or(0);
    (first, "first_row")
}

fn criterion_name(c: Criterion) -> &'static str {
    match c {
        Criterion::MostComplete => "most_complete",
        Criterion::MostRecent => "most_recent",
        Criterion::SourcePriority => "source_priority",
        Criterion::FirstRow => "first_row",
    }
}

/// Merged values per role: the survivor's, unless the rules pick another member's.
pub fn golden(
    rules: &Survivorship,
    roles: &[String],
    members: &[Member],
    survivor: usize,
) -> Vec<Golden> {
    roles
        .iter()
        .enumerate()
        .map(|(r, role)| {
            let pick = rules
                .fields
                .get(role)
                .copied()
                .unwrap_or(FieldPick::Survivor);
            let filled: Vec<usize> = (0..members.len())
                .filter(|&i| {
                    members[i].values[r]
                        .as_deref()
                        .is_some_and(|v| !v.trim().is_empty())
                })
                .collect();
            let value_of = |i: usize| members[i].values[r].clone();
            let from = match pick {
                FieldPick::Survivor => survivor,
                FieldPick::Longest => filled
                    .iter()
                    .copied()
                    .max_by_key(|&i| (value_of(i).map_or(0, |v| v.chars().count()), i == survivor))
                    .unwrap_or(survivor),
                FieldPick::MostRecent => filled
                    .iter()
                    .copied()
                    .max_by_key(|&i| (members[i].recency, i == survivor))
                    .unwrap_or(survivor),
                FieldPick::MostCommon => {
                    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                    for &i in &filled {
                        *counts.entry(value_of(i).unwrap_or_default()).or_default() += 1;
                    }
                    filled
                        .iter()
                        .copied()
                        .max_by_key(|&i| (counts[&value_of(i).unwrap_or_default()], i == survivor))
                        .unwrap_or(survivor)
                }
            };
            // A blank survivor value is filled from another member rather than kept blank.
            let from = if value_of(from).is_none() {
                filled.first().copied().unwrap_or(from)
            } else {
                from
            };
            Golden {
                role: role.clone(),
                value: value_of(from),
                from,
                pick,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::rules::Rules;
    use crate::values::date::any_date as parse_date;

    fn member(order: u64, filled: usize, recency: Option<&str>, phone: Option<&str>) -> Member {
        Member {
            order,
            dataset: "accounts".into(),
            values: vec![phone.map(String::from)],
            filled,
            recency: recency.and_then(parse_date),
        }
    }

    #[test]
    fn most_complete_then_most_recent_then_first() {
        let rules = Rules::builtin().survivorship;
        let m = [
            member(1, 5, None, None),
            member(2, 7, Some("2024-01-01"), None),
            member(3, 7, Some("2024-06-01"), None),
        ];
        assert_eq!(survivor(&rules, &m), (2, "most_recent"));
        let m = [
            member(1, 9, None, None),
            member(2, 7, Some("2024-01-01"), None),
        ];
        assert_eq!(survivor(&rules, &m), (0, "most_complete"));
        let m = [member(5, 3, None, None), member(4, 3, None, None)];
        assert_eq!(survivor(&rules, &m), (1, "first_row"));
    }

    #[test]
    fn golden_values_follow_the_picks() {
        let rules = Rules::builtin().survivorship;
        let roles = vec!["phone".to_string()];
        let m = [
            member(1, 9, None, Some("415-555-0134")),
            member(2, 3, None, Some("212-555-0100")),
            member(3, 3, None, Some("212-555-0100")),
        ];
        let g = golden(&rules, &roles, &m, 0);
        assert_eq!(g[0].value.as_deref(), Some("212-555-0100"));
        assert_eq!(g[0].pick, FieldPick::MostCommon);
        let m = [
            member(1, 9, None, None),
            member(2, 3, None, Some("212-555-0100")),
        ];
        assert_eq!(
            golden(&rules, &roles, &m, 0)[0].value.as_deref(),
            Some("212-555-0100")
        );
    }

    #[test]
    fn dates() {
        for v in [
            "2021-03-04",
            "03/04/2021",
            "4 Mar 2021",
            "2021-03-04T10:00:00",
            "Mar 4, 2021",
        ] {
            assert_eq!(parse_date(v), NaiveDate::from_ymd_opt(2021, 3, 4), "{v}");
        }
        assert_eq!(parse_date("2021-02-30"), None);
        assert_eq!(parse_date("soon"), None);
    }
}
