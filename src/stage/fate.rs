//! What one field's value costs a record: the reject reasons `map check` and `stage` share, and
//! the policy for a value that fails its transform or the target's rules (a bad value costs a
//! field, not a record, unless the field is required or the record's key).

use serde::{Deserialize, Serialize};

use crate::mapping::check::value_problem;
use crate::mapping::transforms::{Applied, Failure};
use crate::targets::{Field, FieldType};

/// Why a record is rejected. The codes are what `_rejects.reason`, `map check` and the rejects
/// file say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// A required field is blank after transforms.
    RequiredMissing,
    /// A value the field's type cannot hold (and the field cannot lose it).
    BadType,
    /// A value a restricted picklist does not allow, or one whose value map is undecided.
    PicklistNotAllowed,
    /// Longer than the field holds.
    OverLength,
    /// A reference to a record that is not loaded.
    BadReference,
    /// Another record of the object has the same key.
    DuplicateKey,
    /// The source row itself is broken (ragged: fields shifted by an unquoted delimiter).
    IngestIssue,
}

impl Reason {
    /// Every reason, in the order reports list them.
    pub const ALL: [Reason; 7] = [
        Reason::RequiredMissing,
        Reason::BadType,
        Reason::PicklistNotAllowed,
        Reason::OverLength,
        Reason::BadReference,
        Reason::DuplicateKey,
        Reason::IngestIssue,
    ];

    /// The reason a code names.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::RequiredMissing => "required_missing",
            Reason::BadType => "bad_type",
            Reason::PicklistNotAllowed => "picklist_not_allowed",
            Reason::OverLength => "over_length",
            Reason::BadReference => "bad_reference",
            Reason::DuplicateKey => "duplicate_key",
            Reason::IngestIssue => "ingest_issue",
        }
    }
}

/// What to do with a value that fails (`on_invalid:` on a mapping entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Reject the whole record.
    Reject,
    /// Load the record with this field blank.
    Blank,
    /// Load the source text as written (cut to the field's length).
    Keep,
}

impl OnInvalid {
    /// The default for a field: free text in the target keeps what the source wrote; typed
    /// fields lose the value; a required field or the record's key cannot lose it.
    pub fn default_for(field: &Field) -> OnInvalid {
        if field.required || field.external_id {
            OnInvalid::Reject
        } else if free_text(field.kind) {
            OnInvalid::Keep
        } else {
            OnInvalid::Blank
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OnInvalid::Reject => "reject",
            OnInvalid::Blank => "blank",
            OnInvalid::Keep => "keep",
        }
    }
}

/// What a reference that leads to no loaded record costs (its parent missing, rejected or not
/// loaded): the field, blanked with a warning, unless the field is required or the record's
/// key, or the mapping says `on_invalid: reject`. A reference cannot keep what it names: the
/// target would refuse a name where it expects a record.
pub fn unresolved_reference(field: &Field, on_invalid: Option<OnInvalid>) -> OnInvalid {
    if field.required || field.external_id || on_invalid == Some(OnInvalid::Reject) {
        OnInvalid::Reject
    } else {
        OnInvalid::Blank
    }
}

/// Target types that accept any text (Salesforce Phone and URL are free text up to their
/// length; HubSpot phone is a string).
fn free_text(kind: FieldType) -> bool {
    matches!(
        kind,
        FieldType::Text | FieldType::Textarea | FieldType::Phone | FieldType::Url
    )
}

/// A value problem: the reason it would be rejected and what to say.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub reason: Reason,
    /// The value the problem is about (source text for transform failures).
    pub value: String,
    pub detail: String,
}

/// The fate of one field of one record.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldFate {
    /// Loads this value (blank: nothing to load).
    Value(String),
    /// Loads with a warning: the value kept as written, cut, or blanked (`None`).
    Warned {
        value: Option<String>,
        action: &'static str,
        problem: Problem,
    },
    /// The record cannot load.
    Reject(Problem),
}

/// The problem of a transformed value against the target field, if any. Unrestricted picklists
/// take new values (they load as inactive ones), so those are not problems.
pub fn target_problem(value: &str, field: &Field, restricted: bool) -> Option<Problem> {
    // A reference's value is a key or a name to resolve, not what the target field holds.
    if field.kind == FieldType::Reference {
        return None;
    }
    let (kind, detail) = value_problem(value, field)?;
    let name = &field.name;
    let (reason, detail) = match kind {
        "picklist_value" if !restricted => return None,
        "picklist_value" => (
            Reason::PicklistNotAllowed,
            format!("`{value}` is not an allowed value of `{name}`"),
        ),
        "too_long" => (
            Reason::OverLength,
            format!(
                "{} characters, `{name}` holds {detail}",
                value.chars().count()
            ),
        ),
        _ => (Reason::BadType, format!("`{name}` needs {detail}")),
    };
    Some(Problem {
        reason,
        value: value.to_string(),
        detail,
    })
}

/// Decides one field: `raw` is the source text, `result` what its transforms made of it.
pub fn settle(
    field: &Field,
    restricted: bool,
    on_invalid: Option<OnInvalid>,
    raw: &str,
    result: Result<Applied, Failure>,
) -> FieldFate {
    let problem = match result {
        Ok(applied) => {
            let value = applied.value;
            if crate::text::is_blank(&value) {
                if field.required {
                    return FieldFate::Reject(Problem {
                        reason: Reason::RequiredMissing,
                        value: raw.to_string(),
                        detail: format!("required `{}` is blank", field.name),
                    });
                }
                return FieldFate::Value(value);
            }
            match target_problem(&value, field, restricted) {
                None => return FieldFate::Value(value),
                Some(p) => p,
            }
        }
        Err(failure) => Problem {
            // An undecided picklist value (`~` in `values:`) is a picklist problem.
            reason: if failure.transform == "map" {
                Reason::PicklistNotAllowed
            } else {
                Reason::BadType
            },
            value: raw.to_string(),
            detail: format!("transform `{}`: {}", failure.transform, failure.message),
        },
    };
    let policy = match on_invalid {
        // A required field or key cannot be left blank, whatever the mapping says.
        Some(OnInvalid::Blank) if field.required || field.external_id => OnInvalid::Reject,
        Some(p) => p,
        None => OnInvalid::default_for(field),
    };
    match policy {
        OnInvalid::Reject => FieldFate::Reject(problem),
        OnInvalid::Blank => FieldFate::Warned {
            value: None,
            action: "blanked",
            problem,
        },
        OnInvalid::Keep => {
            let text = crate::text::trim(raw);
            let kept = match field.length {
                Some(max) if text.chars().count() > max as usize => {
                    (text.chars().take(max as usize).collect::<String>(), "cut")
                }
                _ => (text.to_string(), "kept"),
            };
            // Kept text must still be loadable: a typed field keeps nothing it cannot hold.
            if !free_text(field.kind)
                && target_problem(&kept.0, field, restricted)
                    .is_some_and(|p| p.reason != Reason::OverLength)
            {
                if field.required || field.external_id {
                    return FieldFate::Reject(problem);
                }
                return FieldFate::Warned {
                    value: None,
                    action: "blanked",
                    problem,
                };
            }
            if kept.0.is_empty() && field.required {
                return FieldFate::Reject(problem);
            }
            FieldFate::Warned {
                value: (!kept.0.is_empty()).then_some(kept.0),
                action: kept.1,
                problem,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldType, required: bool, length: Option<u32>) -> Field {
        let mut f: Field =
            serde_yaml::from_str(&format!("name: f\ntype: {}", kind.name())).unwrap();
        f.required = required;
        f.length = length;
        f
    }

    fn applied(v: &str) -> Result<Applied, Failure> {
        Ok(Applied {
            value: v.to_string(),
            warnings: Vec::new(),
        })
    }

    fn failed(t: &'static str) -> Result<Applied, Failure> {
        Err(Failure {
            transform: t,
            message: "no".into(),
        })
    }

    #[test]
    fn free_text_keeps_the_source_typed_fields_blank_required_rejects() {
        let phone = field(FieldType::Phone, false, Some(40));
        match settle(&phone, false, None, " (336) 222-7000 ", failed("phone")) {
            FieldFate::Warned { value, action, .. } => {
                assert_eq!(value.as_deref(), Some("(336) 222-7000"));
                assert_eq!(action, "kept");
            }
            other => panic!("{other:?}"),
        }
        let amount = field(FieldType::Currency, false, None);
        assert!(matches!(
            settle(&amount, false, None, "lots", failed("number")),
            FieldFate::Warned {
                value: None,
                action: "blanked",
                ..
            }
        ));
        let required = field(FieldType::Currency, true, None);
        assert!(matches!(
            settle(&required, false, None, "lots", failed("number")),
            FieldFate::Reject(Problem {
                reason: Reason::BadType,
                ..
            })
        ));
        assert!(matches!(
            settle(
                &required,
                false,
                Some(OnInvalid::Blank),
                "lots",
                failed("number")
            ),
            FieldFate::Reject(_)
        ));
        assert!(matches!(
            settle(
                &amount,
                false,
                Some(OnInvalid::Reject),
                "lots",
                failed("number")
            ),
            FieldFate::Reject(_)
        ));
    }

    #[test]
    fn blank_required_is_required_missing_and_long_text_is_cut() {
        let last = field(FieldType::Text, true, Some(80));
        assert!(matches!(
            settle(&last, false, None, "", applied("")),
            FieldFate::Reject(Problem {
                reason: Reason::RequiredMissing,
                ..
            })
        ));
        let city = field(FieldType::Text, false, Some(5));
        match settle(&city, false, None, "Burlington", applied("Burlington")) {
            FieldFate::Warned {
                value,
                action,
                problem,
            } => {
                assert_eq!(value.as_deref(), Some("Burli"));
                assert_eq!(action, "cut");
                assert_eq!(problem.reason, Reason::OverLength);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            settle(&city, false, None, "Rome", applied("Rome")),
            FieldFate::Value("Rome".into())
        );
    }

    #[test]
    fn keep_on_a_typed_field_never_loads_what_the_field_cannot_hold() {
        let amount = field(FieldType::Number, false, None);
        assert!(matches!(
            settle(
                &amount,
                false,
                Some(OnInvalid::Keep),
                "lots",
                failed("number")
            ),
            FieldFate::Warned { value: None, .. }
        ));
    }

    #[test]
    fn reason_codes_read_back() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
        assert_eq!(Reason::from_code("nonsense"), None);
    }
}
