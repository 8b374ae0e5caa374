//! Salesforce REST: object describe -> schema. `SALESFORCE_INSTANCE_URL`,
//! `SALESFORCE_ACCESS_TOKEN`, optional `SALESFORCE_API_VERSION` (default: the newest offered).

use serde_json::Value;

use super::Connector;
use super::http::Api;
use crate::error::{Error, Result};
use crate::targets::{Field, FieldType, ObjectSchema, PicklistValue};
use crate::workspace::Target;

/// A Salesforce org.
pub struct Salesforce {
    api: Api,
    version: Option<String>,
}

impl Salesforce {
    /// Reads the instance URL and token from the environment.
    pub fn from_env() -> Result<Salesforce> {
        let url = env("SALESFORCE_INSTANCE_URL")?;
        let token = env("SALESFORCE_ACCESS_TOKEN")?;
        let version = std::env::var("SALESFORCE_API_VERSION")
            .ok()
            .map(|v| v.trim().trim_start_matches('v').to_string())
            .filter(|v| !v.is_empty());
        Ok(Salesforce {
            api: Api::new(
                "salesforce",
                &url,
                "SALESFORCE_INSTANCE_URL",
                token,
                "SALESFORCE_ACCESS_TOKEN",
            )?,
            version,
        })
    }

    /// The API version to use: the configured one, else the newest the org lists.
    fn version(&self) -> Result<String> {
        if let Some(v) = &self.version {
            return Ok(v.clone());
        }
        let list = self.api.get_json("/services/data/")?;
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("version").and_then(Value::as_str))
            .max_by(|a, b| {
                let num = |s: &str| s.parse::<f64>().unwrap_or(0.0);
                num(a).total_cmp(&num(b))
            })
            .map(String::from)
            .ok_or_else(|| Error::Other("salesforce: /services/data/ lists no API versions".into()))
    }
}

fn env(name: &str) -> Result<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{name} is not set; crmkit reads Salesforce credentials from the environment only"
            ))
        })
}

impl Connector for Salesforce {
    fn target(&self) -> Target {
        Target::Salesforce
    }

    fn knows_required(&self) -> bool {
        true
    }

    fn schema(&self, object: &str) -> Result<ObjectSchema> {
        if object.is_empty()
            || !object
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::Usage(format!(
                "`{object}` is not a Salesforce object API name"
            )));
        }
        let version = self.version()?;
        let describe = self.api.get_json(&format!(
            "/services/data/v{version}/sobjects/{object}/describe"
        ))?;
        from_describe(&describe)
    }
}

/// Converts an sObject describe response.
pub fn from_describe(d: &Value) -> Result<ObjectSchema> {
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let b = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let name = s(d, "name");
    let raw = d
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Other("salesforce: the describe response has no `fields`".into()))?;
    let mut fields = Vec::new();
    for f in raw {
        let Some(kind) = field_type(&s(f, "type")) else {
            continue;
        };
        let createable = b(f, "createable");
        let updateable = b(f, "updateable");
        let length = f
            .get("length")
            .and_then(Value::as_u64)
            .filter(|l| *l > 0)
            .map(|l| l as u32);
        let values = f
            .get("picklistValues")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("active").and_then(Value::as_bool).unwrap_or(true))
            .map(|p| {
                let value = s(p, "value");
                let label = s(p, "label");
                PicklistValue {
                    label: (!label.is_empty() && label != value).then_some(label),
                    value,
                }
            })
            .collect();
        let references = f
            .get("referenceTo")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(String::from))
            .collect();
        let relationship = s(f, "relationshipName");
        fields.push(Field {
            name: s(f, "name"),
            label: s(f, "label"),
            kind,
            length: if kind.is_text()
                || matches!(
                    kind,
                    FieldType::Email
                        | FieldType::Phone
                        | FieldType::Url
                        | FieldType::Picklist
                        | FieldType::Multipicklist
                ) {
                length
            } else {
                None
            },
            required: createable && !b(f, "nillable") && !b(f, "defaultedOnCreate"),
            read_only: (!createable && !updateable) || b(f, "calculated"),
            external_id: b(f, "externalId"),
            custom: b(f, "custom"),
            references,
            values,
            restricted: matches!(kind, FieldType::Picklist | FieldType::Multipicklist)
                .then(|| b(f, "restrictedPicklist")),
            aliases: Vec::new(),
            transform: Vec::new(),
            note: (!relationship.is_empty()).then(|| format!("relationship `{relationship}`")),
        });
    }
    Ok(ObjectSchema {
        label: s(d, "label"),
        name,
        note: None,
        fields,
    })
}

/// Describe types to crmkit's; compound and binary types are left out.
fn field_type(t: &str) -> Option<FieldType> {
    Some(match t {
        "id" => FieldType::Id,
        "string" | "combobox" | "encryptedstring" | "time" => FieldType::Text,
        "textarea" => FieldType::Textarea,
        "email" => FieldType::Email,
        "phone" => FieldType::Phone,
        "url" => FieldType::Url,
        "picklist" => FieldType::Picklist,
        "multipicklist" => FieldType::Multipicklist,
        "reference" => FieldType::Reference,
        "boolean" => FieldType::Boolean,
        "currency" => FieldType::Currency,
        "double" => FieldType::Number,
        "percent" => FieldType::Percent,
        "int" | "long" => FieldType::Integer,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_a_describe() {
        let d: Value = serde_json::from_str(
            r#"{"name":"Account","label":"Account","fields":[
              {"name":"Name","label":"Account Name","type":"string","length":255,"nillable":false,"createable":true,"updateable":true,"defaultedOnCreate":false},
              {"name":"ParentId","type":"reference","length":18,"nillable":true,"createable":true,"updateable":true,"referenceTo":["Account"],"relationshipName":"Parent"},
              {"name":"Rating","type":"picklist","length":40,"nillable":true,"createable":true,"updateable":true,"restrictedPicklist":true,
               "picklistValues":[{"value":"Hot","label":"Hot","active":true},{"value":"Old","label":"Old","active":false}]},
              {"name":"BillingAddress","type":"address","createable":false,"updateable":false},
              {"name":"Legacy_Id__c","type":"string","length":20,"externalId":true,"custom":true,"createable":true,"updateable":true,"nillable":true},
              {"name":"CreatedDate","type":"datetime","createable":false,"updateable":false,"nillable":false}
            ]}"#,
        )
        .unwrap();
        let o = from_describe(&d).unwrap();
        assert_eq!(o.fields.len(), 5);
        let name = o.field("Name").unwrap();
        assert!(name.required && !name.read_only);
        assert_eq!(o.field("ParentId").unwrap().references, ["Account"]);
        let rating = o.field("Rating").unwrap();
        assert_eq!(rating.values.len(), 1);
        assert_eq!(rating.restricted, Some(true));
        assert!(o.field("Legacy_Id__c").unwrap().external_id);
        assert!(o.field("CreatedDate").unwrap().read_only);
        assert!(!o.field("CreatedDate").unwrap().required);
    }
}
