//! HubSpot CRM v3 properties -> schema. `HUBSPOT_ACCESS_TOKEN` (a private-app token),
//! optional `HUBSPOT_BASE_URL` (default the public API).

use serde_json::Value;

use super::Connector;
use super::http::Api;
use crate::error::{Error, Result};
use crate::targets::{Field, FieldType, ObjectSchema, PicklistValue};
use crate::workspace::Target;

/// The public API.
pub const DEFAULT_BASE: &str = "https://api.hubapi.com";

/// A HubSpot portal.
pub struct Hubspot {
    api: Api,
}

impl Hubspot {
    /// Reads the token (and base URL) from the environment.
    pub fn from_env() -> Result<Hubspot> {
        let token = std::env::var("HUBSPOT_ACCESS_TOKEN")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::Usage("HUBSPOT_ACCESS_TOKEN is not set; crmkit reads HubSpot credentials from the environment only".into()))?;
        let base = std::env::var("HUBSPOT_BASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE.to_string());
        Ok(Hubspot {
            api: Api::new(
                "hubspot",
                &base,
                "HUBSPOT_BASE_URL",
                token,
                "HUBSPOT_ACCESS_TOKEN",
            )?,
        })
    }
}

impl Connector for Hubspot {
    fn target(&self) -> Target {
        Target::Hubspot
    }

    fn knows_required(&self) -> bool {
        false
    }

    fn schema(&self, object: &str) -> Result<ObjectSchema> {
        if object.is_empty()
            || !object
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::Usage(format!(
                "`{object}` is not a HubSpot object type"
            )));
        }
        let body = self
            .api
            .get_json(&format!("/crm/v3/properties/{object}?archived=false"))?;
        from_properties(object, &body)
    }
}

/// Converts a properties list response.
pub fn from_properties(object: &str, body: &Value) -> Result<ObjectSchema> {
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let b = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let results = body
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Other("hubspot: the properties response has no `results`".into()))?;
    let mut fields = Vec::new();
    for p in results {
        let field_type = s(p, "fieldType");
        let owner = s(p, "referencedObjectType") == "OWNER";
        let kind = match (s(p, "type").as_str(), field_type.as_str()) {
            _ if owner => FieldType::Reference,
            ("string", "textarea") => FieldType::Textarea,
            ("string", "phonenumber") | ("phone_number", _) => FieldType::Phone,
            ("string", _) => FieldType::Text,
            ("number", _) => FieldType::Number,
            ("date", _) => FieldType::Date,
            ("datetime", _) => FieldType::Datetime,
            ("bool", _) | ("enumeration", "booleancheckbox") => FieldType::Boolean,
            ("enumeration", "checkbox") => FieldType::Multipicklist,
            ("enumeration", _) => FieldType::Picklist,
            _ => continue,
        };
        let values = if matches!(kind, FieldType::Picklist | FieldType::Multipicklist) {
            p.get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|o| !o.get("hidden").and_then(Value::as_bool).unwrap_or(false))
                .map(|o| {
                    let value = s(o, "value");
                    let label = s(o, "label");
                    PicklistValue {
                        label: (!label.is_empty() && label != value).then_some(label),
                        value,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let read_only = b(p, "calculated")
            || p.get("modificationMetadata")
                .and_then(|m| m.get("readOnlyValue"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
        fields.push(Field {
            name: s(p, "name"),
            label: s(p, "label"),
            kind,
            length: None,
            required: false,
            read_only,
            external_id: b(p, "hasUniqueValue"),
            custom: p.get("hubspotDefined").and_then(Value::as_bool) == Some(false),
            references: if owner {
                vec!["owners".to_string()]
            } else {
                Vec::new()
            },
            values,
            restricted: None,
            aliases: Vec::new(),
            transform: Vec::new(),
            note: None,
        });
    }
    Ok(ObjectSchema {
        name: object.to_string(),
        label: String::new(),
        note: None,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_properties() {
        let body: Value = serde_json::from_str(
            r#"{"results":[
              {"name":"name","label":"Company name","type":"string","fieldType":"text","hubspotDefined":true},
              {"name":"industry","label":"Industry","type":"enumeration","fieldType":"select",
               "options":[{"label":"Banking","value":"BANKING","hidden":false},{"label":"Old","value":"OLD","hidden":true}]},
              {"name":"hubspot_owner_id","label":"Owner","type":"enumeration","fieldType":"select","referencedObjectType":"OWNER"},
              {"name":"legacy_id","label":"Legacy ID","type":"string","fieldType":"text","hasUniqueValue":true,"hubspotDefined":false},
              {"name":"hs_object_id","label":"Record ID","type":"number","fieldType":"number","modificationMetadata":{"readOnlyValue":true}}
            ]}"#,
        )
        .unwrap();
        let o = from_properties("companies", &body).unwrap();
        assert_eq!(o.fields.len(), 5);
        assert_eq!(o.field("industry").unwrap().values.len(), 1);
        assert_eq!(
            o.field("hubspot_owner_id").unwrap().kind,
            FieldType::Reference
        );
        let legacy = o.field("legacy_id").unwrap();
        assert!(legacy.external_id && legacy.custom);
        assert!(o.field("hs_object_id").unwrap().read_only);
    }
}
