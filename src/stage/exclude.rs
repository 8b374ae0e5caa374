//! Exclusion rules of `crmkit.yaml` bound to a dataset's columns: which source rows stay out
//! of the load, under which rule.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::prepare::Prepared;
use crate::error::{Error, Result};
use crate::staging::Db;
use crate::workspace::{ExcludeRule, Workspace};

/// A workspace exclusion rule bound to a dataset's columns.
pub(super) struct BoundRule<'a> {
    pub(super) rule: &'a ExcludeRule,
    pub(super) column: usize,
    /// For `status` rules: the keys the profile gave that status.
    pub(super) keys: Option<HashSet<String>>,
}

impl BoundRule<'_> {
    pub(super) fn matches(
        &self,
        vals: &[Option<String>],
        as_of: NaiveDate,
    ) -> Option<(String, String)> {
        let value = vals[self.column].as_deref().unwrap_or("").trim();
        let r = self.rule;
        if let (Some(keys), Some(state)) = (&self.keys, r.status) {
            return keys.contains(value).then(|| {
                (
                    r.name.clone(),
                    format!("{} `{value}` is {} in the profile", r.column, state.name()),
                )
            });
        }
        let hit = if value.is_empty() {
            r.blank || r.older_than_days.is_some()
        } else if r
            .values
            .iter()
            .any(|v| v.trim().eq_ignore_ascii_case(value))
        {
            true
        } else if let Some(days) = r.older_than_days {
            crate::values::date::any_date(value)
                .is_some_and(|d| (as_of - d).num_days() > days as i64)
        } else {
            false
        };
        hit.then(|| (r.name.clone(), format!("{} = `{value}`", r.column)))
    }
}

pub(super) fn exclusion_rules<'a>(
    ws: &'a Workspace,
    db: &Db,
    p: &Prepared,
) -> Result<Vec<BoundRule<'a>>> {
    ws.config
        .exclude
        .iter()
        .filter(|r| r.dataset == p.mapping.dataset)
        .map(|r| {
            let column = p
                .headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(&r.column))
                .or_else(|| p.columns.iter().position(|c| *c == r.column))
                .ok_or_else(|| {
                    let hint = crate::suggestion::did_you_mean(&r.column, p.headers.iter().map(String::as_str));
                    Error::Input(format!(
                        "crmkit.yaml: exclusion rule `{}` names column `{}`, which dataset `{}` does not have{hint}",
                        r.name, r.column, r.dataset
                    ))
                })?;
            let keys = match r.status {
                Some(state) => Some(db.profiled_status_keys(&r.dataset, state.name())?.ok_or_else(|| {
                    Error::Usage(format!(
                        "crmkit.yaml: exclusion rule `{}` needs the account status of a profile\n  hint: run `crmkit profile` first",
                        r.name
                    ))
                })?),
                None => None,
            };
            Ok(BoundRule { rule: r, column, keys })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(older_than_days: Option<u32>, values: &[&str], blank: bool) -> ExcludeRule {
        ExcludeRule {
            name: "r".into(),
            dataset: "d".into(),
            column: "c".into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            blank,
            older_than_days,
            status: None,
        }
    }

    #[test]
    fn exclusion_rules_match_values_blanks_and_old_dates_in_any_format() {
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let cases: [(ExcludeRule, Option<&str>, bool); 7] = [
            (rule(Some(730), &[], false), Some("2020-01-15"), true),
            (rule(Some(730), &[], false), Some("01/15/2020"), true),
            (rule(Some(730), &[], false), Some("15 Jan 2025"), false),
            (rule(Some(730), &[], false), None, true),
            (
                rule(None, &["Former Customer"], false),
                Some(" former customer "),
                true,
            ),
            (
                rule(None, &["Former Customer"], false),
                Some("Customer"),
                false,
            ),
            (rule(None, &[], true), Some("  "), true),
        ];
        for (r, value, want) in cases {
            let bound = BoundRule {
                rule: &r,
                column: 0,
                keys: None,
            };
            let hit = bound.matches(&[value.map(String::from)], as_of).is_some();
            assert_eq!(hit, want, "{value:?} with {r:?}");
        }
    }
}
