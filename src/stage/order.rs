//! Load order: parents before children, from the references between objects.

use std::collections::{BTreeMap, BTreeSet};

/// Sorts `objects` so that every object comes after the objects it references; ties keep
/// `objects`' order. References to objects not in the list, and self-references, impose
/// nothing here (self-references are loaded in a second pass). A cycle between different
/// objects is broken at the first object of the cycle in list order.
pub fn order(objects: &[String], references: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut placed: Vec<String> = Vec::new();
    let mut left: Vec<&String> = objects.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|o| {
            references
                .get(*o)
                .map(|parents| {
                    parents
                        .iter()
                        .all(|p| p == *o || !objects.contains(p) || placed.contains(p))
                })
                .unwrap_or(true)
        });
        // No object is free of unplaced parents: a cycle; take the first to break it.
        let next = left.remove(ready.unwrap_or(0));
        placed.push(next.clone());
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(pairs: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        pairs
            .iter()
            .map(|(o, ps)| (o.to_string(), ps.iter().map(|p| p.to_string()).collect()))
            .collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parents_first_self_references_ignored() {
        let objects = names(&["opportunity", "contact", "account", "user"]);
        let r = refs(&[
            ("opportunity", &["account", "user"]),
            ("contact", &["account", "user"]),
            ("account", &["account", "user"]),
        ]);
        assert_eq!(
            order(&objects, &r),
            names(&["user", "account", "opportunity", "contact"])
        );
    }

    #[test]
    fn cycles_are_broken_not_fatal() {
        let objects = names(&["a", "b"]);
        let r = refs(&[("a", &["b"]), ("b", &["a"])]);
        assert_eq!(order(&objects, &r), names(&["a", "b"]));
    }
}
