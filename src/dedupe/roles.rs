//! Which column plays which role (name, domain, phone...) for an object's dedupe.

use super::rules::Rules;
use crate::error::{Error, Result};
use crate::staging::Db;

/// Rows sampled to recognise a role from its values when no name, mapping or profile does.
const VALUE_SAMPLE: u64 = 1_000;
/// The kind a column read as street addresses from its values gets (`type_hints` name it).
const STREET_VALUES: &str = "street_address";
/// The kind of the column a header calls a name (`Site name`, `Nom du centre`) whose sampled
/// values read as the most distinct names (`type_hints` name it).
const NAME_VALUES: &str = "named_name";
/// Words of a header that make its name a person's or a thing's, never an organisation's:
/// `Contact Name`, `Director name`, `File name`, `User name`.
const NOT_ORGANISATION: &[&str] = &[
    "first", "last", "given", "family", "middle", "maiden", "nick", "sur", "contact", "person",
    "user", "director", "manager", "owner", "rep", "agent", "employee", "staff", "file", "host",
    "domain", "display", "parent", "child", "student", "patient", "teacher", "mother", "father",
];

/// The roles of one dataset's columns: `overrides` (from `--field`), `mapped` (from a mapping
/// file), column names, the last profile's types and, for roles still open, the values.
pub fn detect(
    db: &Db,
    rules: &Rules,
    object: &str,
    dataset: &str,
    columns: &[String],
    overrides: &[(String, String)],
    mapped: &[(String, String)],
) -> Result<Vec<RoleColumn>> {
    let mut profiled: Vec<Profiled> = db
        .profiled_types(dataset)?
        .into_iter()
        .map(|(column, kind, share)| Profiled {
            column,
            kind,
            share,
        })
        .collect();
    let assigned = assign(rules, object, columns, overrides, mapped, &profiled)?;
    let open_role = |role: &str| {
        rules
            .objects
            .get(object)
            .is_some_and(|roles| roles.iter().any(|r| r == role))
            && !assigned.iter().any(|r| r.role == role)
    };
    let (street_open, name_open) = (open_role("street"), open_role("name"));
    if !street_open && !name_open {
        return Ok(assigned);
    }
    // A headers-silent street column (`addr`, `Anschrift 1`) still reads as addresses; a
    // name column the hints do not know (`Site name`) is told by its header and values.
    let open: Vec<String> = columns
        .iter()
        .filter(|c| {
            !assigned.iter().any(|r| &r.column == *c) && !rules.excluded_columns.contains(c)
        })
        .cloned()
        .collect();
    if open.is_empty() {
        return Ok(assigned);
    }
    let sample = db.sample_rows(dataset, &open, VALUE_SAMPLE)?;
    let mut by_values = Vec::new();
    if street_open {
        by_values.extend(street_columns(rules, &open, &sample));
    }
    if name_open {
        by_values.extend(name_column(rules, &open, &sample));
    }
    if by_values.is_empty() {
        return Ok(assigned);
    }
    profiled.extend(by_values);
    assign(rules, object, columns, overrides, mapped, &profiled)
}

/// Whether a header (as an identifier: `site_name`, `nom_du_centre`, `standortname`) calls
/// its column a name, and not a person's or a file's (`contact_name`, `first_name`).
fn names_a_name(rules: &Rules, column: &str) -> bool {
    let person = ["first_name", "last_name", "full_name"]
        .iter()
        .filter_map(|r| rules.column_hints.get(*r))
        .flatten()
        .any(|h| h == column);
    let words: Vec<&str> = column.split('_').filter(|w| !w.is_empty()).collect();
    if person || words.iter().any(|w| NOT_ORGANISATION.contains(w)) {
        return false;
    }
    // `name`, `nom`, `nombre`, `nome`, `naam`, `namn`, `navn`, `nimi`, and compounds
    // (`firmenname`, `standortnaam`).
    const NAME: &[&str] = &["name", "naam", "namn", "navn", "nimi"];
    words.iter().any(|w| {
        ["nom", "nombre", "nome"].contains(w)
            || NAME.iter().any(|n| {
                *w == *n
                    || w.len() > n.len() + 2
                        && w.strip_suffix(n)
                            .is_some_and(|p| !NOT_ORGANISATION.contains(&p))
            })
    })
}

/// Among the columns whose header calls them a name, the one whose sampled values read most
/// as names (letters, no email or web address) and are the most distinct: `Site name` over
/// `Program Name` (`Head Start`, `Child Care`) in one directory of sites.
fn name_column(
    rules: &Rules,
    columns: &[String],
    sample: &[Vec<Option<String>>],
) -> Option<Profiled> {
    let mut best: Option<(usize, Profiled)> = None;
    for (i, column) in columns.iter().enumerate() {
        if !names_a_name(rules, column) {
            continue;
        }
        let (mut filled, mut names) = (0usize, 0usize);
        let mut distinct = std::collections::HashSet::new();
        for row in sample {
            let Some(value) = row.get(i).and_then(|v| v.as_deref()) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            filled += 1;
            if looks_like_name(value) {
                names += 1;
                distinct.insert(crate::values::fold::fold(value));
            }
        }
        if filled < 5 {
            continue;
        }
        let share = names as f64 / filled as f64;
        if share >= rules.type_share && best.as_ref().is_none_or(|(d, _)| distinct.len() > *d) {
            best = Some((
                distinct.len(),
                Profiled {
                    column: column.clone(),
                    kind: NAME_VALUES.to_string(),
                    share,
                },
            ));
        }
    }
    best.map(|(_, p)| p)
}

/// Mostly letters, and no email or web address: `Salvation Army - Temple`, `Müller & Söhne`.
fn looks_like_name(value: &str) -> bool {
    let letters = value.chars().filter(|c| c.is_alphabetic()).count();
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    let lower = value.to_lowercase();
    letters >= 2
        && letters > digits
        && !lower.contains('@')
        && !lower.contains("://")
        && !lower.starts_with("www.")
}

/// Columns whose sampled values mostly read as street addresses (a house number and a street
/// word: `435 s. la cienega blvd.`, `Hauptstrasse 12`), as `street_address` kinds.
fn street_columns(
    rules: &Rules,
    columns: &[String],
    sample: &[Vec<Option<String>>],
) -> Vec<Profiled> {
    let words = street_words(rules);
    let mut out = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let (mut filled, mut streets) = (0usize, 0usize);
        for row in sample {
            let Some(value) = row.get(i).and_then(|v| v.as_deref()) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            filled += 1;
            if looks_like_street(value, &words) {
                streets += 1;
            }
        }
        // Too few values say nothing about a column.
        if filled >= 5 {
            let share = streets as f64 / filled as f64;
            if share >= rules.type_share {
                out.push(Profiled {
                    column: column.clone(),
                    kind: STREET_VALUES.to_string(),
                    share,
                });
            }
        }
    }
    out
}

/// Every street word the rules know: both forms of each abbreviation, and `street_types`.
fn street_words(rules: &Rules) -> Vec<&str> {
    rules
        .street_abbreviations
        .iter()
        .flat_map(|(long, short)| [long.as_str(), short.as_str()])
        .chain(rules.street_types.iter().map(String::as_str))
        .collect()
}

/// A house number (`12`, `12a`) and a street word, or a word ending in a long one
/// (`hauptstrasse`), among the value's words.
fn looks_like_street(value: &str, words: &[&str]) -> bool {
    let folded = crate::values::fold::fold(value);
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let number = tokens.iter().any(|t| {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && t.len() - digits <= 1
    });
    let word = tokens.iter().any(|t| {
        words
            .iter()
            .any(|w| t == w || (w.len() >= 5 && t.len() > w.len() && t.ends_with(w)))
    });
    number && word
}

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
    /// `flag` (from --field), `mapping`, `name` (from the column name), `profile` (its type)
    /// or `values` (read from a sample of its values).
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
                // Kinds the profile does not store were read from the values just now.
                from: if p.kind == STREET_VALUES || p.kind == NAME_VALUES {
                    "values"
                } else {
                    "profile"
                },
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

    #[test]
    fn an_address_column_is_told_by_its_values() {
        let rules = Rules::builtin();
        let words = street_words(&rules);
        for street in [
            "435 s. la cienega blvd.",
            "Hauptstraße 12",
            "12a Rue de la Paix",
            "1600 Amphitheatre Pkwy",
        ] {
            assert!(looks_like_street(street, &words), "{street}");
        }
        for other in [
            "Suite Dreams Bakery",
            "2nd fl.",
            "Route 66 Diner",
            "12 Monkeys",
            "42",
        ] {
            assert!(!looks_like_street(other, &words), "{other}");
        }
        let sample: Vec<Vec<Option<String>>> = [
            ("arts deli", "12224 ventura blvd."),
            ("katsu", "1972 n. hillhurst ave."),
            ("the palm", "9001 santa monica blvd."),
            ("spago", "1114 horn ave."),
            ("fenix", "8358 sunset blvd. west"),
            ("grill on the alley", "9560 dayton way"),
        ]
        .iter()
        .map(|(n, a)| vec![Some(n.to_string()), Some(a.to_string())])
        .collect();
        let found = street_columns(&rules, &cols(&["title", "where"]), &sample);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].column, "where");
        let got = assign(
            &rules,
            "account",
            &cols(&["title", "where"]),
            &[],
            &[],
            &found,
        )
        .unwrap();
        let street = got.iter().find(|r| r.role == "street").unwrap();
        assert_eq!((street.column.as_str(), street.from), ("where", "values"));
    }

    #[test]
    fn a_name_column_is_told_by_its_header_and_values() {
        let rules = Rules::builtin();
        for yes in [
            "site_name",
            "organisation_name",
            "business_name",
            "nom_du_centre",
            "nombre_del_centro",
            "standortname",
            "naam_locatie",
            "program_name",
        ] {
            assert!(names_a_name(&rules, yes), "{yes}");
        }
        for no in [
            "contact_name",
            "first_name",
            "nombre",
            "director_name",
            "file_name",
            "username",
            "agency",
            "rename_me",
        ] {
            assert!(!names_a_name(&rules, no), "{no}");
        }
        // `Program Name` repeats a few programmes; `Site name` names each site; `Contact
        // Name` is a person's; `Email name` holds addresses.
        let rows = [
            (
                "Child Care",
                "Salvation Army - Temple",
                "Ann Lee",
                "a@x.org",
            ),
            (
                "Head Start",
                "El Valor - Little Tykes I",
                "Bo Chen",
                "b@x.org",
            ),
            (
                "Child Care",
                "El Valor - Little Tykes II",
                "Cy Diaz",
                "c@x.org",
            ),
            (
                "Head Start",
                "Christopher House - Logan Square",
                "Di Eke",
                "d@x.org",
            ),
            ("Child Care", "South East Asia Center", "Ed Fox", "e@x.org"),
            (
                "Child Care",
                "Easter Seals - Gilchrist Marchman",
                "Flo Gu",
                "f@x.org",
            ),
        ];
        let sample: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|(a, b, c, d)| [a, b, c, d].iter().map(|v| Some(v.to_string())).collect())
            .collect();
        let columns = cols(&["program_name", "site", "contact_name", "email_name"]);
        // `site` is no name by its header; nothing else qualifies but the programme.
        let found = name_column(&rules, &columns, &sample).unwrap();
        assert_eq!(found.column, "program_name");
        let columns = cols(&["program_name", "nom_du_site", "contact_name", "email_name"]);
        let found = name_column(&rules, &columns, &sample).unwrap();
        assert_eq!(found.column, "nom_du_site");
        let got = assign(&rules, "account", &columns, &[], &[], &[found]).unwrap();
        let name = got.iter().find(|r| r.role == "name").unwrap();
        assert_eq!((name.column.as_str(), name.from), ("nom_du_site", "values"));
        for (value, want) in [
            ("Salvation Army - Temple", true),
            ("Müller & Söhne", true),
            ("info@acme.com", false),
            ("www.acme.com", false),
            ("12345", false),
        ] {
            assert_eq!(looks_like_name(value), want, "{value}");
        }
    }
}
