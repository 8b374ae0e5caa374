//! The target schema model: targets, objects and fields, strict in YAML.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::mapping::transforms::Transform;
use crate::workspace::Target;

/// The generic object names every builtin target defines, in load order.
pub const GENERIC_OBJECTS: [&str; 5] = ["user", "account", "contact", "lead", "opportunity"];

/// One target CRM's schema: the objects a migration loads, keyed by generic name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSchema {
    /// The CRM this schema describes.
    pub target: Target,
    /// Display name, e.g. `HubSpot`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Whether picklist fields reject values outside their list unless a field says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_picklists: Option<bool>,
    /// How the target names custom fields (for proposals of new fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomNaming>,
    /// Objects by generic name (`account`, `contact`, ...).
    pub objects: BTreeMap<String, ObjectSchema>,
}

/// One object (table, module) of a target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSchema {
    /// The target's own API name: `Account`, `companies`, `account`, `Accounts`, `organization`.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Anything a consultant should know about loading this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub fields: Vec<Field>,
}

/// One field (property, column, attribute) of an object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// API name, exactly as the target spells it.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Maximum length in characters for text types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Must be given on create (and has no default the target fills in).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Set by the system; a load cannot write it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// Usable as the key of an upsert (external id, unique property, alternate key).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_id: bool,
    /// A custom (org-defined) field rather than a standard one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub custom: bool,
    /// For references: the generic objects this field points at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// For picklists: the allowed values (out-of-the-box defaults for builtins).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<PicklistValue>,
    /// Overrides the target's `restricted_picklists` for this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted: Option<bool>,
    /// Source headers that mean this field on this target (beyond its label and synonyms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Transforms `map suggest` proposes for this field on this target (e.g. `[domain]`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_yaml::with::singleton_map_recursive"
    )]
    pub transform: Vec<Transform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Field types: one vocabulary for every target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Id,
    Text,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Boolean,
    Integer,
    Number,
    Currency,
    Percent,
    Date,
    Datetime,
    Reference,
}

impl FieldType {
    /// The name used in YAML and output.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Picklist => "picklist",
            FieldType::Multipicklist => "multipicklist",
            FieldType::Boolean => "boolean",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Reference => "reference",
        }
    }

    /// Numeric types, whose values must parse as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Integer | FieldType::Number | FieldType::Currency | FieldType::Percent
        )
    }

    /// Free-text types, where only the length matters.
    pub fn is_text(self) -> bool {
        matches!(self, FieldType::Text | FieldType::Textarea)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a target names custom fields: `Legacy_Id__c`, `legacy_id`, `new_legacyid`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomNaming {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suffix: String,
    pub case: NameCase,
    /// Longest API name the target accepts, suffix included.
    pub max_length: usize,
}

/// Letter case and separators of generated API names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameCase {
    /// `Legacy_Account_ID`
    TitleSnake,
    /// `legacy_account_id`
    LowerSnake,
    /// `legacyaccountid`
    LowerCompact,
}

impl Default for CustomNaming {
    fn default() -> Self {
        CustomNaming {
            prefix: String::new(),
            suffix: String::new(),
            case: NameCase::LowerSnake,
            max_length: 64,
        }
    }
}

impl CustomNaming {
    /// The API name for a new custom field called `words` (already split into words).
    pub fn api_name(&self, words: &[String]) -> String {
        let body = match self.case {
            NameCase::TitleSnake => words
                .iter()
                .map(|w| {
                    if w.len() <= 3 && w.chars().all(|c| c.is_ascii_alphabetic()) && is_acronym(w) {
                        w.to_uppercase()
                    } else {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    }
                })
                .collect::<Vec<_>>()
                .join("_"),
            NameCase::LowerSnake => words.join("_"),
            NameCase::LowerCompact => words.concat(),
        };
        let room = self
            .max_length
            .saturating_sub(self.prefix.len() + self.suffix.len());
        let body: String = body.chars().take(room).collect();
        let body = body.trim_end_matches('_');
        format!("{}{}{}", self.prefix, body, self.suffix)
    }
}

fn is_acronym(word: &str) -> bool {
    matches!(word, "id" | "url" | "vat" | "sic" | "crm" | "erp" | "sku")
}

/// One allowed picklist value: the stored value and, when different, its display label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicklistValue {
    pub value: String,
    pub label: Option<String>,
}

impl PicklistValue {
    /// The label, or the value when there is none.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.value)
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PicklistValueMap {
    value: String,
    #[serde(default)]
    label: Option<String>,
}

impl Serialize for PicklistValue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.label {
            Some(label) if label != &self.value => PicklistValueMap {
                value: self.value.clone(),
                label: Some(label.clone()),
            }
            .serialize(s),
            _ => s.serialize_str(&self.value),
        }
    }
}

impl<'de> Deserialize<'de> for PicklistValue {
    /// A plain string (`Hot`) or a map (`{value: "1", label: Hot}`); the map stays strict.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PicklistValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a picklist value: a string or {value, label}")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(PicklistValue {
                    value: v.to_string(),
                    label: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let m = PicklistValueMap::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(PicklistValue {
                    value: m.value,
                    label: m.label,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl TargetSchema {
    /// Parses a schema file's text; `origin` names it in errors (file path or `builtin:x`).
    pub fn parse(text: &str, origin: &str) -> Result<TargetSchema> {
        let schema: TargetSchema = crate::yaml::from_str(text).map_err(|e| Error::Yaml {
            path: origin.into(),
            message: e.to_string(),
        })?;
        schema.validate(origin)?;
        Ok(schema)
    }

    /// Checks what serde cannot: unique names, known references, sane lengths.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let bad = |msg: String| Err(Error::Input(format!("invalid schema `{origin}`: {msg}")));
        for (key, object) in &self.objects {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return bad(format!(
                    "object key `{key}` must be a lowercase generic name such as `account`"
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for field in &object.fields {
                if !seen.insert(field.name.as_str()) {
                    return bad(format!("{key}: field `{}` is listed twice", field.name));
                }
                if field.length == Some(0) {
                    return bad(format!("{key}.{}: length 0", field.name));
                }
                if field.required && field.read_only {
                    return bad(format!(
                        "{key}.{}: a field cannot be both required and read_only",
                        field.name
                    ));
                }
                for r in &field.references {
                    // A file may hold one object (a pulled one) and point at the others.
                    if !self.objects.contains_key(r) && !GENERIC_OBJECTS.contains(&r.as_str()) {
                        let names = self
                            .objects
                            .keys()
                            .map(String::as_str)
                            .chain(GENERIC_OBJECTS);
                        let hint = crate::suggestion::did_you_mean(r, names);
                        return bad(format!(
                            "{key}.{}: references unknown object `{r}`{hint}",
                            field.name
                        ));
                    }
                }
                if !field.references.is_empty() && field.kind != FieldType::Reference {
                    return bad(format!(
                        "{key}.{}: `references` needs `type: reference`",
                        field.name
                    ));
                }
                let mut values = std::collections::HashSet::new();
                for v in &field.values {
                    if !values.insert(v.value.as_str()) {
                        return bad(format!(
                            "{key}.{}: picklist value `{}` is listed twice",
                            field.name, v.value
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The object by generic name (`account`) or the target's own name (`companies`).
    pub fn object(&self, name: &str) -> Result<(&str, &ObjectSchema)> {
        let lower = name.trim().to_lowercase();
        if let Some((k, o)) = self.objects.get_key_value(&lower) {
            return Ok((k.as_str(), o));
        }
        if let Some((k, o)) = self
            .objects
            .iter()
            .find(|(_, o)| o.name.eq_ignore_ascii_case(name.trim()))
        {
            return Ok((k.as_str(), o));
        }
        let hint = crate::suggestion::did_you_mean(&lower, self.objects.keys().map(String::as_str));
        Err(Error::Usage(format!(
            "{} has no object `{name}`{hint} (known: {})",
            self.target,
            self.objects.keys().cloned().collect::<Vec<_>>().join(", ")
        )))
    }

    /// The generic name of the object the target calls `own` (`Account` -> `account`).
    pub fn generic_name(&self, own: &str) -> Option<&str> {
        self.objects
            .iter()
            .find(|(_, o)| o.name.eq_ignore_ascii_case(own))
            .map(|(k, _)| k.as_str())
    }

    /// Whether picklist `field` rejects values outside its list.
    pub fn is_restricted(&self, field: &Field) -> bool {
        field
            .restricted
            .unwrap_or(self.restricted_picklists.unwrap_or(false))
    }

    /// The custom-field naming rule (default: lower snake case).
    pub fn naming(&self) -> CustomNaming {
        self.custom_fields.clone().unwrap_or_default()
    }

    /// Replaces or adds the objects of `custom` (same target) in this schema.
    pub fn overlay(&mut self, custom: TargetSchema, origin: &str) -> Result<()> {
        if custom.target != self.target {
            return Err(Error::Usage(format!(
                "schema file `{origin}` is for {}, not {}\n  hint: pass --target {} or use a {} schema file",
                custom.target, self.target, custom.target, self.target
            )));
        }
        if let Some(r) = custom.restricted_picklists {
            self.restricted_picklists = Some(r);
        }
        if custom.custom_fields.is_some() {
            self.custom_fields = custom.custom_fields;
        }
        self.objects.extend(custom.objects);
        self.validate(origin)
    }
}

impl ObjectSchema {
    /// The field with API name `name` (exact first, then ignoring case).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    /// The label, or the API name when there is none.
    pub fn display(&self) -> &str {
        if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
}

impl Field {
    /// Whether a record upserts on this field: an external id that is the record's own, not a
    /// reference to another record's.
    pub fn keys_records(&self) -> bool {
        self.external_id && self.kind != FieldType::Reference
    }

    /// The label, or the API name when there is none.
    pub fn display(&self) -> &str {
        if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "target: salesforce\nobjects:\n  account:\n    name: Account\n    fields:\n      - {name: Name, type: text, length: 255, required: true}\n      - {name: ParentId, type: reference, references: [account]}\n      - name: Rating\n        type: picklist\n        values: [Hot, {value: \"2\", label: Warm}]\n";

    #[test]
    fn parses_a_small_schema() {
        let s = TargetSchema::parse(SMALL, "t.yaml").unwrap();
        let (key, account) = s.object("Account").unwrap();
        assert_eq!(key, "account");
        let rating = account.field("rating").unwrap();
        assert_eq!(rating.values[1].label(), "Warm");
        assert_eq!(rating.values[0].label(), "Hot");
    }

    #[test]
    fn rejects_unknown_keys_with_line() {
        let text = SMALL.replace("required: true", "requird: true");
        let err = TargetSchema::parse(&text, "t.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("requird") && err.contains("line 6"), "{err}");
        let text = SMALL.replace("label: Warm", "lable: Warm");
        let err = TargetSchema::parse(&text, "t.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lable"), "{err}");
    }

    #[test]
    fn rejects_unknown_references_and_duplicates() {
        let text = SMALL.replace("references: [account]", "references: [acount]");
        let err = TargetSchema::parse(&text, "t.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `account`"), "{err}");
        let text = SMALL.replace("name: ParentId", "name: Name");
        assert!(TargetSchema::parse(&text, "t.yaml").is_err());
    }

    #[test]
    fn picklist_values_round_trip() {
        let s = TargetSchema::parse(SMALL, "t.yaml").unwrap();
        let back = TargetSchema::parse(&serde_yaml::to_string(&s).unwrap(), "t2").unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn custom_field_names_follow_the_target() {
        let words: Vec<String> = ["legacy", "account", "id"].map(String::from).to_vec();
        let sf = CustomNaming {
            prefix: String::new(),
            suffix: "__c".into(),
            case: NameCase::TitleSnake,
            max_length: 40,
        };
        assert_eq!(sf.api_name(&words), "Legacy_Account_ID__c");
        let dyn365 = CustomNaming {
            prefix: "new_".into(),
            suffix: String::new(),
            case: NameCase::LowerCompact,
            max_length: 50,
        };
        assert_eq!(dyn365.api_name(&words), "new_legacyaccountid");
        let short = CustomNaming {
            max_length: 12,
            ..sf
        };
        assert_eq!(short.api_name(&words), "Legacy_Ac__c");
    }
}
