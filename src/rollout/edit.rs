//! Per-entry edits of a phase (`rollout set --add-team X --remove-criterion EXPR ...`): one
//! team, user, account, module or exit criterion added or removed without retyping the list,
//! with errors that name the phase and the entry.

use super::catalogue::Catalogue;
use super::plan::Phase;
use crate::error::{Error, Result};

/// A list of a phase that takes single entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Modules,
    Teams,
    Users,
    Accounts,
}

impl List {
    fn singular(self) -> &'static str {
        match self {
            List::Modules => "module",
            List::Teams => "team",
            List::Users => "user",
            List::Accounts => "account",
        }
    }

    fn entries(self, phase: &mut Phase) -> &mut Vec<String> {
        match self {
            List::Modules => &mut phase.modules,
            List::Teams => &mut phase.teams,
            List::Users => &mut phase.users,
            List::Accounts => &mut phase.accounts,
        }
    }
}

/// The entry as stored: a module's catalogue id, anything else trimmed as written.
fn resolve(list: List, value: &str, catalogue: &Catalogue) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::Usage(format!(
            "an empty {} cannot be added or removed",
            list.singular()
        )));
    }
    match list {
        List::Modules => catalogue
            .find(value)
            .map(|m| m.id.clone())
            .ok_or_else(|| catalogue.unknown(value)),
        _ => Ok(value.to_string()),
    }
}

fn listed(entries: &[String]) -> String {
    if entries.is_empty() {
        "none".into()
    } else {
        entries
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether a stored entry is `entry`: ignoring case, and for modules by the catalogue entry
/// either names (a plan written by hand may hold a module's name or alias, not its id).
fn same(list: List, stored: &str, entry: &str, catalogue: &Catalogue) -> bool {
    stored.eq_ignore_ascii_case(entry)
        || (list == List::Modules && catalogue.find(stored).is_some_and(|m| m.id == entry))
}

/// Adds an entry; one already there (ignoring case) is left as it is, so a re-run is safe.
pub fn add(phase: &mut Phase, list: List, value: &str, catalogue: &Catalogue) -> Result<bool> {
    let entry = resolve(list, value, catalogue)?;
    let entries = list.entries(phase);
    if entries.iter().any(|e| same(list, e, &entry, catalogue)) {
        return Ok(false);
    }
    entries.push(entry);
    Ok(true)
}

/// Removes an entry (ignoring case); refuses one the phase does not have, naming both.
pub fn remove(phase: &mut Phase, list: List, value: &str, catalogue: &Catalogue) -> Result<()> {
    let entry = resolve(list, value, catalogue)?;
    let name = phase.name.clone();
    let entries = list.entries(phase);
    match entries
        .iter()
        .position(|e| same(list, e, &entry, catalogue))
    {
        Some(i) => {
            entries.remove(i);
            Ok(())
        }
        None => Err(Error::Usage(format!(
            "phase `{name}` has no {} `{}` to remove (its {}s: {})",
            list.singular(),
            value.trim(),
            list.singular(),
            listed(entries)
        ))),
    }
}

/// The criteria of an exit expression: its top-level `&&` terms. An expression with a
/// top-level `||` is one criterion (splitting it would change what it means).
pub fn criteria(expr: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let (mut depth, mut quote, mut start, mut any_or) = (0i32, None::<char>, 0usize, false);
    let bytes: Vec<(usize, char)> = expr.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (at, c) = bytes[i];
        let next = bytes.get(i + 1).map(|x| x.1);
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, '&') if depth == 0 && next == Some('&') => {
                terms.push(expr[start..at].trim().to_string());
                start = at + 2;
                i += 1;
            }
            (None, '|') if depth == 0 && next == Some('|') => {
                any_or = true;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    terms.push(expr[start..].trim().to_string());
    if any_or {
        return vec![expr.trim().to_string()];
    }
    terms.retain(|t| !t.is_empty());
    terms
}

/// Text compared without its spacing, so `a>=1` matches `a >= 1`.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn join(terms: &[String]) -> Option<String> {
    match terms {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(
            many.iter()
                .map(|t| {
                    if criteria(t).len() == 1 && t.contains("||") && !t.starts_with('(') {
                        format!("({t})")
                    } else {
                        t.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" && "),
        ),
    }
}

/// Adds a criterion (checked as an evidence expression) to the phase's exit criteria with
/// `&&`; one already there is left as it is.
pub fn add_criterion(phase: &mut Phase, expr: &str) -> Result<bool> {
    let expr = expr.trim().to_string();
    if expr.is_empty() {
        return Err(Error::Usage(format!(
            "phase `{}`: an empty exit criterion cannot be added",
            phase.name
        )));
    }
    expr.parse::<crate::playbook::evidence::Expr>()
        .map_err(|why| {
            Error::Usage(format!(
                "phase `{}`: --add-criterion `{expr}`: {why}",
                phase.name
            ))
        })?;
    let mut terms = phase.exit.as_deref().map(criteria).unwrap_or_default();
    if terms.iter().any(|t| squeeze(t) == squeeze(&expr)) {
        return Ok(false);
    }
    terms.push(expr);
    phase.exit = join(&terms);
    Ok(true)
}

/// Removes one criterion (as written, spacing aside); refuses one the phase does not have.
pub fn remove_criterion(phase: &mut Phase, expr: &str) -> Result<()> {
    let mut terms = phase.exit.as_deref().map(criteria).unwrap_or_default();
    match terms.iter().position(|t| squeeze(t) == squeeze(expr)) {
        Some(i) => {
            terms.remove(i);
            phase.exit = join(&terms);
            Ok(())
        }
        None => Err(Error::Usage(format!(
            "phase `{}` has no exit criterion `{}` to remove (its criteria: {})",
            phase.name,
            expr.trim(),
            listed(&terms)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::plan::Status;

    fn phase() -> Phase {
        Phase {
            name: "Pilot".into(),
            modules: vec!["contacts".into()],
            teams: vec!["East".into()],
            users: vec![],
            accounts: vec![],
            start: "2027-01-11".parse().unwrap(),
            end: "2027-02-05".parse().unwrap(),
            exit: Some(
                "adoption.weekly_active_share >= 0.8 && adoption.stale_open_share < 0.1".into(),
            ),
            status: Status::Planned,
            completed: None,
        }
    }

    #[test]
    fn criteria_are_the_top_level_and_terms() {
        assert_eq!(
            criteria("a >= 1 && (b < 2 && c > 3) && d == 'x && y'"),
            vec!["a >= 1", "(b < 2 && c > 3)", "d == 'x && y'"]
        );
        assert_eq!(
            criteria("a >= 1 || b < 2 && c"),
            vec!["a >= 1 || b < 2 && c"]
        );
    }

    #[test]
    fn entries_are_added_once_and_removed_by_name_with_clear_errors() {
        let cat = Catalogue::load(None).unwrap();
        let mut p = phase();
        assert!(add(&mut p, List::Teams, "West", &cat).unwrap());
        assert!(!add(&mut p, List::Teams, "west", &cat).unwrap());
        assert_eq!(p.teams, vec!["East", "West"]);
        remove(&mut p, List::Teams, "EAST", &cat).unwrap();
        assert_eq!(p.teams, vec!["West"]);
        let err = remove(&mut p, List::Teams, "North", &cat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("phase `Pilot` has no team `North`"), "{err}");
        assert!(err.contains("`West`"), "{err}");
        assert!(add(&mut p, List::Modules, "Pipeline", &cat).is_ok());
        assert!(p.modules.len() == 2, "{:?}", p.modules);
        let err = add(&mut p, List::Modules, "telepathy", &cat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown module `telepathy`"), "{err}");
    }

    #[test]
    fn criteria_are_added_and_removed_one_at_a_time() {
        let mut p = phase();
        remove_criterion(&mut p, "adoption.weekly_active_share>=0.8").unwrap();
        assert_eq!(p.exit.as_deref(), Some("adoption.stale_open_share < 0.1"));
        assert!(add_criterion(&mut p, "adoption.never_logged_in == 0").unwrap());
        assert!(!add_criterion(&mut p, "adoption.never_logged_in==0").unwrap());
        assert_eq!(
            p.exit.as_deref(),
            Some("adoption.stale_open_share < 0.1 && adoption.never_logged_in == 0")
        );
        let err = remove_criterion(&mut p, "adoption.win_rate > 0.3")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("phase `Pilot` has no exit criterion `adoption.win_rate > 0.3`"),
            "{err}"
        );
        assert!(add_criterion(&mut p, "adoption.win_rate >").is_err());
        remove_criterion(&mut p, "adoption.stale_open_share < 0.1").unwrap();
        remove_criterion(&mut p, "adoption.never_logged_in == 0").unwrap();
        assert_eq!(p.exit, None);
        p.exit = Some("adoption.a > 1 || adoption.b > 2".into());
        add_criterion(&mut p, "adoption.c > 3").unwrap();
        assert_eq!(
            p.exit.as_deref(),
            Some("(adoption.a > 1 || adoption.b > 2) && adoption.c > 3")
        );
    }
}
