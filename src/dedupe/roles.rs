//! Which column plays which role (name, domain, phone...) for an object's dedupe.

use super::rules::Rules;
use crate::error::{Error, Result};

/// A column's profiled semantic type and the share of its values that fit it.
#[derive(Clone, Debug, PartialEq)]
pub struct Profiled {
    pub column: String,
    pub kind: String,
    pub share: f64,
}

/// A role and the column that fills it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoleColumn {
    pub role: String,
    pub column: String,
    /// `flag` (from --field), `mapping`, `name` (from the column name) or `profile` (its type).
    pub from: &'static str,
}

/// Assigns columns to the object's roles: explicit `overrides` first, then `mapped` (from a
/// mapping file), then the rules' column-name hints, then profiled types. Each column serves
/// one role.
pub fn assign(
    rules: &Rules,
    object: &str,
    columns: &[String],
    overrides: &[(String, String)],
    mapped: &[(String, String)],
    profiled: &[Profiled],
) -> Result<Vec<RoleColumn>> {
    let wanted = rules.objects.get(object).ok_or_else(|| {
        let names: Vec<&str> = rules.objects.keys().map(String::as_str).collect();
        let hint = crate::suggestion::did_you_mean(object, names.iter().copied());
        Error::Usage(format!(
            "dedupe has no rules for object `{object}`{hint} (objects: {})",
            names.join(", ")
        ))
    })?;
    let mut out: Vec<RoleColumn> = Vec::new();
    let excluded = |c: &str| rules.excluded_columns.iter().any(|x| x == c);
    let used = |out: &Vec<RoleColumn>, role: &str, col: &str| {
        out.iter().any(|r| r.role == role || r.column == col)
    };
    for (role, column) in overrides {
        if !rules.roles.contains_key(role) {
            let hint = crate::suggestion::did_you_mean(role, rules.role_names());
            return Err(Error::Usage(format!(
                "`--field {role}={column}`: unknown role `{role}`{hint} (roles: {})",
                rules.role_names().join(", ")
            )));
        }
        // The header as the user sees it ("Organisation Name") names its ingested column.
        let Some(found) = find_column(columns, column) else {
            let hint = crate::suggestion::did_you_mean(column, columns.iter().map(String::as_str));
            return Err(Error::Usage(format!(
                "`--field {role}={column}`: the dataset has no column `{column}`{hint}"
            )));
        };
        out.push(RoleColumn {
            role: role.clone(),
            column: found,
            from: "flag",
        });
    }
    for (role, column) in mapped {
        if wanted.contains(role) && columns.contains(column) && !used(&out, role, column) {
            out.push(RoleColumn {
                role: role.clone(),
                column: column.clone(),
                from: "mapping",
            });
        }
    }
    for role in wanted {
        if out.iter().any(|r| &r.role == role) {
            continue;
        }
        let hints = rules
            .column_hints
            .get(role)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // `full_name` is a fallback for files without separate first and last names.
        if role == "full_name"
            && out
                .iter()
                .any(|r| r.role == "first_name" || r.role == "last_name")
        {
            continue;
        }
        let col = hints.iter().find_map(|h| {
            let h = crate::intake::names::identifier(h);
            columns
                .iter()
                .find(|c| **c == h && !excluded(c) && !used(&out, role, c))
        });
        if let Some(col) = col {
            out.push(RoleColumn {
                role: role.clone(),
                column: col.clone(),
                from: "name",
            });
        }
    }
    for role in wanted {
        if out.iter().any(|r| &r.role == role) {
            continue;
        }
        let kinds = rules
            .type_hints
            .get(role)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let best = profiled
            .iter()
            .filter(|p| {
                kinds.contains(&p.kind)
                    && !excluded(&p.column)
                    && p.share >= rules.type_share
                    && !used(&out, role, &p.column)
            })
            .max_by(|a, b| a.share.total_cmp(&b.share));
        if let Some(p) = best {
            out.push(RoleColumn {
                role: role.clone(),
                column: p.column.clone(),
                from: "profile",
            });
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(format!(
            "no column of the dataset could be matched to a {object} role ({}); name them with `--field ROLE=COLUMN`",
            wanted.join(", ")
        )));
    }
    // The object's role order (name first) so results read the same way every time.
    out.sort_by_key(|r| {
        wanted
            .iter()
            .position(|k| *k == r.role)
            .unwrap_or(usize::MAX)
    });
    Ok(out)
}

/// The ingested column a user's header names: as written, or as its identifier
/// (`Organisation Name` -> `organisation_name`), or without regard to case.
pub fn find_column(columns: &[String], header: &str) -> Option<String> {
    let id = crate::intake::names::identifier(header);
    columns
        .iter()
        .find(|c| *c == header)
        .or_else(|| columns.iter().find(|c| **c == id))
        .or_else(|| columns.iter().find(|c| c.eq_ignore_ascii_case(header)))
        .cloned()
}

/// Roles implied by a mapping: `(role, column)` for each mapped `(column, target field)` whose
/// target field the rules' `target_hints` name.
pub fn from_mapping(rules: &Rules, mapped: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (role, targets) in &rules.target_hints {
        let hit = targets.iter().find_map(|t| {
            mapped
                .iter()
                .find(|(_, target)| target.eq_ignore_ascii_case(t))
        });
        if let Some((column, _)) = hit {
            out.push((role.clone(), column.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roles_from_column_names() {
        let rules = Rules::builtin();
        let columns = cols(&[
            "account_id",
            "account_name",
            "website",
            "phone",
            "billing_city",
            "billing_zip",
        ]);
        let got = assign(&rules, "account", &columns, &[], &[], &[]).unwrap();
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|r| (r.role.as_str(), r.column.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("name", "account_name"),
                ("domain", "website"),
                ("phone", "phone"),
                ("city", "billing_city"),
                ("postcode", "billing_zip")
            ]
        );
    }

    #[test]
    fn headers_in_other_languages_and_full_names() {
        let rules = Rules::builtin();
        let got = assign(
            &rules,
            "contact",
            &cols(&[
                "vorname",
                "nachname",
                "geburtsdatum",
                "ort",
                "plz",
                "bemerkung",
                "name",
            ]),
            &[],
            &[],
            &[],
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|r| (r.role.as_str(), r.column.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("first_name", "vorname"),
                ("last_name", "nachname"),
                ("birth_date", "geburtsdatum"),
                ("city", "ort"),
                ("postcode", "plz")
            ]
        );
        let got = assign(
            &rules,
            "contact",
            &cols(&["name", "e_mail", "notes"]),
            &[],
            &[],
            &[],
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|r| (r.role.as_str(), r.column.as_str()))
            .collect();
        assert_eq!(pairs, [("full_name", "name"), ("email", "e_mail")]);
    }

    #[test]
    fn profiled_types_fill_roles_names_left_open() {
        let rules = Rules::builtin();
        let columns = cols(&["label", "contact_point", "net", "notes"]);
        let profiled = [
            Profiled {
                column: "label".into(),
                kind: "company_name".into(),
                share: 0.97,
            },
            Profiled {
                column: "contact_point".into(),
                kind: "phone".into(),
                share: 0.9,
            },
            Profiled {
                column: "net".into(),
                kind: "url".into(),
                share: 0.5,
            },
        ];
        let got = assign(&rules, "account", &columns, &[], &[], &profiled).unwrap();
        let pairs: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|r| (r.role.as_str(), r.column.as_str(), r.from))
            .collect();
        assert_eq!(
            pairs,
            [
                ("name", "label", "profile"),
                ("phone", "contact_point", "profile")
            ]
        );
    }

    #[test]
    fn mapping_targets_imply_roles() {
        let rules = Rules::builtin();
        let mapped = [
            ("org".to_string(), "Name".to_string()),
            ("web".to_string(), "Website".to_string()),
            ("zip".to_string(), "BillingPostalCode".to_string()),
        ];
        let roles = from_mapping(&rules, &mapped);
        assert!(roles.contains(&("name".into(), "org".into())));
        assert!(roles.contains(&("domain".into(), "web".into())));
        assert!(roles.contains(&("postcode".into(), "zip".into())));
        let got = assign(
            &rules,
            "account",
            &cols(&["org", "web", "zip", "company"]),
            &[],
            &roles,
            &[],
        )
        .unwrap();
        assert!(
            got.iter()
                .any(|r| r.role == "name" && r.column == "org" && r.from == "mapping")
        );
    }

    #[test]
    fn flags_win_and_are_checked() {
        let rules = Rules::builtin();
        let columns = cols(&["company", "org_name", "url"]);
        let got = assign(
            &rules,
            "account",
            &columns,
            &[("name".into(), "org_name".into())],
            &[],
            &[],
        )
        .unwrap();
        assert!(
            got.iter()
                .any(|r| r.role == "name" && r.column == "org_name" && r.from == "flag")
        );
        let err = assign(
            &rules,
            "account",
            &columns,
            &[("name".into(), "org_nam".into())],
            &[],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("did you mean `org_name`"), "{err}");
        let got = assign(
            &rules,
            "account",
            &cols(&["organisation_name", "notes"]),
            &[("name".into(), "Organisation Name".into())],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(got[0].column, "organisation_name");
        let err = assign(&rules, "acount", &columns, &[], &[], &[]).unwrap_err();
        assert!(err.to_string().contains("did you mean `account`"), "{err}");
        let err = assign(&rules, "contact", &cols(&["x"]), &[], &[], &[]).unwrap_err();
        assert!(err.to_string().contains("--field ROLE=COLUMN"), "{err}");
    }
}
