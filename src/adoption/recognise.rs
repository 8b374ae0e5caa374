//! Which adoption export a file is, from its headers: the role mapping. Recognised by the
//! vocabulary's header synonyms, or given by a reviewed `adoption/*.yaml` role mapping; for a
//! file that is not recognised, a suggested mapping for the user to review.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::vocab::{ROLES, Vocab};
use crate::error::{Error, Result};
use crate::mapping::text::compact;

/// A file's role and where each of the role's fields is.
#[derive(Clone, Debug, PartialEq)]
pub struct Recognised {
    pub role: &'static str,
    /// Field -> 0-based column.
    pub columns: BTreeMap<String, usize>,
    /// HubSpot `Date entered "STAGE (PIPELINE)"` columns: (column, stage), in file order.
    pub entered: Vec<(usize, String)>,
}

impl Recognised {
    pub fn get(&self, field: &str) -> Option<usize> {
        self.columns.get(field).copied()
    }
}

/// A role mapping file (`adoption/NAME.yaml`): the role of an export and its columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    /// The export's file name this mapping is for (any unrecognised file when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub role: String,
    /// Field -> header, as the export writes it.
    pub columns: BTreeMap<String, String>,
}

/// The stage a HubSpot `Date entered "Appointment Scheduled (Sales Pipeline)"` header names.
pub fn entered_stage(header: &str) -> Option<String> {
    let h = header.trim();
    let lower = h.to_lowercase();
    let rest = lower
        .strip_prefix("date entered")
        .map(|_| h["date entered".len()..].trim())?;
    let rest = rest.trim_matches(|c| c == '"' || c == '\'' || c == ':' || c == ' ');
    // The pipeline in brackets at the end names where the stage lives, not the stage.
    let stage = match rest.rfind(" (") {
        Some(i) if rest.ends_with(')') => &rest[..i],
        _ => rest,
    };
    let stage = stage.trim().trim_matches('"').trim();
    (!stage.is_empty()).then(|| stage.to_string())
}

/// Column of each field of `role`, by synonym order (a header is used once).
fn locate(vocab: &Vocab, role: &str, keys: &[String]) -> BTreeMap<String, usize> {
    let def = vocab.role(role);
    let mut used = vec![false; keys.len()];
    let mut out = BTreeMap::new();
    // Fields with the most specific synonyms claim their header first: required ones first.
    let mut order: Vec<&String> = def.required.iter().flatten().collect();
    order.extend(def.fields.keys());
    for field in order {
        if out.contains_key(field) {
            continue;
        }
        for syn in &def.fields[field] {
            let s = compact(syn);
            // Pipedrive writes `Deal - Owner`: the object prefix is not part of the name.
            let found = keys
                .iter()
                .position(|k| k.split('\u{1}').next() == Some(s.as_str()))
                .or_else(|| keys.iter().position(|k| key_is(k, &s)));
            if let Some(i) = found
                && !used[i]
            {
                used[i] = true;
                out.insert(field.clone(), i);
                break;
            }
        }
    }
    out
}

/// Whether any header names field `field` of any role.
fn names_field(vocab: &Vocab, field: &str, keys: &[String]) -> bool {
    vocab
        .roles
        .values()
        .filter_map(|r| r.fields.get(field))
        .flatten()
        .any(|syn| {
            let s = compact(syn);
            keys.iter().any(|k| key_is(k, &s))
        })
}

/// Whether a header key (see [`header_keys`]) matches a folded synonym.
fn key_is(key: &str, synonym: &str) -> bool {
    key.split('\u{1}').any(|part| part == synonym)
}

/// The match keys of headers: folded, and `Deal - Owner` also as `Owner` (after a `\u{1}`).
fn header_keys(headers: &[String]) -> Vec<String> {
    headers
        .iter()
        .map(|h| match h.split_once(" - ") {
            Some((_, rest)) if !rest.trim().is_empty() => {
                format!("{}\u{1}{}", compact(h), compact(rest))
            }
            _ => compact(h),
        })
        .collect()
}

/// The role the headers fit best, when one fits: every required group present, no excluded
/// field present; among those, the most fields matched.
pub fn recognise(vocab: &Vocab, headers: &[String]) -> Option<Recognised> {
    let keys = header_keys(headers);
    let entered: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| entered_stage(h).map(|s| (i, s)))
        .collect();
    let mut best: Option<(usize, Recognised)> = None;
    for role in ROLES {
        let def = vocab.role(role);
        let columns = locate(vocab, role, &keys);
        let fits = def
            .required
            .iter()
            .all(|group| group.iter().any(|f| columns.contains_key(f)))
            && !def.exclude.iter().any(|f| names_field(vocab, f, &keys));
        if !fits {
            continue;
        }
        let score = columns.len();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Recognised {
                    role,
                    columns,
                    entered: if *role == "opportunities" {
                        entered.clone()
                    } else {
                        Vec::new()
                    },
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// A suggested role mapping for headers that fit no role: the role whose fields match most,
/// with every field listed (matched ones filled in, the others blank for the user).
pub fn suggest(vocab: &Vocab, file: &str, headers: &[String]) -> String {
    let keys = header_keys(headers);
    let (role, columns) = ROLES
        .iter()
        .map(|r| (*r, locate(vocab, r, &keys)))
        .max_by_key(|(_, c)| c.len())
        .expect("roles are listed");
    let def = vocab.role(role);
    let mut out = format!(
        "# Suggested role mapping for `{file}`: review it, then run\n#   crmkit adoption ingest {file} --mapping adoption/<this file>\n\
# role: one of {}. columns: field -> header as the export writes it; blank = not in the export.\n\
# This role needs at least one of each: {}\n# Headers in the file: {}\n",
        ROLES.join(", "),
        def.required
            .iter()
            .map(|g| g.join(" or "))
            .collect::<Vec<_>>()
            .join("; "),
        headers.join(", ")
    );
    out.push_str(&format!(
        "file: {}\nrole: {role}\ncolumns:\n",
        yaml_text(file)
    ));
    for field in def.fields.keys() {
        match columns.get(field) {
            Some(&i) => out.push_str(&format!("  {field}: {}\n", yaml_text(&headers[i]))),
            None => out.push_str(&format!("  {field}:\n")),
        }
    }
    out
}

fn yaml_text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Reads a reviewed role mapping file.
pub fn read_mapping(path: &Path) -> Result<RoleMapping> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        file: Option<String>,
        role: String,
        #[serde(default)]
        columns: BTreeMap<String, Option<String>>,
    }
    let raw: Raw = crate::yaml::from_str(&text).map_err(|e| Error::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(RoleMapping {
        file: raw.file,
        role: raw.role,
        columns: raw
            .columns
            .into_iter()
            .filter_map(|(k, v)| v.filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
            .collect(),
    })
}

/// Applies a role mapping to a file's headers, checking role, fields and headers.
pub fn apply_mapping(
    vocab: &Vocab,
    mapping: &RoleMapping,
    origin: &Path,
    file: &Path,
    headers: &[String],
) -> Result<Recognised> {
    let bad = |message: String| Error::Yaml {
        path: origin.to_path_buf(),
        message,
    };
    let role = ROLES.iter().find(|r| **r == mapping.role).ok_or_else(|| {
        bad(format!(
            "unknown role `{}` (known: {})",
            mapping.role,
            ROLES.join(", ")
        ))
    })?;
    let def = vocab.role(role);
    let mut columns = BTreeMap::new();
    for (field, header) in &mapping.columns {
        if !def.fields.contains_key(field) {
            let known: Vec<&str> = def.fields.keys().map(String::as_str).collect();
            return Err(bad(format!(
                "role `{role}` has no field `{field}` (known: {})",
                known.join(", ")
            )));
        }
        let i = headers
            .iter()
            .position(|h| h == header)
            .or_else(|| headers.iter().position(|h| compact(h) == compact(header)))
            .ok_or_else(|| {
                bad(format!(
                    "`{}` has no column `{header}` (for `{field}`); its headers: {}",
                    file.display(),
                    headers.join(", ")
                ))
            })?;
        columns.insert(field.clone(), i);
    }
    for group in &def.required {
        if !group.iter().any(|f| columns.contains_key(f)) {
            return Err(bad(format!(
                "role `{role}` needs a column for {}",
                group.join(" or ")
            )));
        }
    }
    let entered = if *role == "opportunities" {
        headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| entered_stage(h).map(|s| (i, s)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Recognised {
        role,
        columns,
        entered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(headers: &str) -> Option<&'static str> {
        let v = Vocab::load(None).unwrap();
        let h: Vec<String> = headers.split(',').map(String::from).collect();
        recognise(&v, &h).map(|r| r.role)
    }

    #[test]
    fn real_export_headers_are_recognised() {
        for (headers, want) in [
            (
                "Opportunity Owner,Account Name,Opportunity Name,Stage,Amount,Close Date,Created Date,Last Modified Date,Next Step",
                Some("opportunities"),
            ),
            (
                "ID,OPPORTUNITYID,CREATEDBYID,CREATEDDATE,STAGENAME,AMOUNT,EXPECTEDREVENUE,CLOSEDATE,PROBABILITY,FORECASTCATEGORY,SYSTEMMODSTAMP,ISDELETED",
                Some("stage_history"),
            ),
            (
                "ID,ISDELETED,OPPORTUNITYID,CREATEDBYID,CREATEDDATE,FIELD,DATATYPE,OLDVALUE,NEWVALUE",
                Some("stage_history"),
            ),
            (
                "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Create Date,Date entered \"Appointment Scheduled (Sales Pipeline)\"",
                Some("opportunities"),
            ),
            (
                "User ID,Full Name,Email,Role,Team,Manager,Region,Active,Last Login",
                Some("users"),
            ),
            ("User ID,Full Name,Email,Role,Region,Active", Some("users")),
            (
                "USERID,LOGINTIME,LOGINTYPE,SOURCEIP,BROWSER,PLATFORM,STATUS,APPLICATION",
                Some("logins"),
            ),
            (
                "Activity ID,Account ID,Contact ID,Type,Subject,Date,Owner",
                Some("activities"),
            ),
            (
                "Assigned,Subject,Task Subtype,Due Date,Status,Related To",
                Some("activities"),
            ),
            (
                "Lead ID,First Name,Last Name,Company,Lead Status,Lead Source,Lead Owner,Created Date,Converted,Converted Opportunity ID",
                Some("leads"),
            ),
            (
                "User Email,Week,Logins,Records Created,Records Updated,Opportunities Updated",
                Some("usage"),
            ),
            (
                "Deal - ID,Deal - Title,Deal - Owner,Deal - Value,Deal - Stage,Deal - Status,Deal - Deal created,Deal - Update time,Deal - Expected close date",
                Some("opportunities"),
            ),
            (
                "Topic,Potential Customer,Est. Revenue,Est. Close Date,Owner,Pipeline Phase,Status,Status Reason,Created On,Modified On",
                Some("opportunities"),
            ),
            ("Foo,Bar,Baz", None),
        ] {
            assert_eq!(role(headers), want, "{headers}");
        }
    }

    #[test]
    fn hubspot_entered_columns_name_their_stage() {
        assert_eq!(
            entered_stage("Date entered \"Appointment Scheduled (Sales Pipeline)\"").as_deref(),
            Some("Appointment Scheduled")
        );
        assert_eq!(
            entered_stage("Date entered Closed Won (Sales Pipeline)").as_deref(),
            Some("Closed Won")
        );
        assert_eq!(entered_stage("Date exited \"X (P)\""), None);
        assert_eq!(entered_stage("Close Date"), None);
    }

    #[test]
    fn suggestions_name_the_best_role_and_apply_back() {
        let v = Vocab::load(None).unwrap();
        let headers: Vec<String> = ["Rep Name", "Phase", "Deal Value", "Close Date"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(recognise(&v, &headers).is_none());
        let text = suggest(&v, "deals.csv", &headers);
        assert!(text.contains("role: opportunities"), "{text}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deals.yaml");
        std::fs::write(
            &path,
            text.replace("  owner:\n", "  owner: Rep Name\n")
                .replace("  stage:\n", "  stage: Phase\n"),
        )
        .unwrap();
        let m = read_mapping(&path).unwrap();
        let r = apply_mapping(&v, &m, &path, Path::new("deals.csv"), &headers).unwrap();
        assert_eq!(r.role, "opportunities");
        assert_eq!(r.get("owner"), Some(0));
        assert_eq!(r.get("amount"), Some(2));
        let err = apply_mapping(
            &v,
            &RoleMapping {
                file: None,
                role: "opportunities".into(),
                columns: [("owner".to_string(), "Nope".to_string())].into(),
            },
            &path,
            Path::new("deals.csv"),
            &headers,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no column `Nope`"), "{err}");
    }
}
