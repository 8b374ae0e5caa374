//! `schema pull`: a live object schema, made consistent with the builtin one (generic
//! references, required flags HubSpot does not report, aliases and transforms kept).

use std::collections::BTreeMap;

use super::{FieldType, ObjectSchema, TargetSchema};
use crate::connectors::Connector;
use crate::error::Result;

/// Pulls `object` (generic name like `account`, or the target's own API name such as
/// `Invoice__c`) and returns a schema file holding just that object.
pub fn pull(conn: &dyn Connector, builtin: &TargetSchema, object: &str) -> Result<TargetSchema> {
    let (key, own) = match builtin.object(object) {
        Ok((key, o)) => (key.to_string(), o.name.clone()),
        Err(_) => (generic_key(object), object.trim().to_string()),
    };
    let mut live = conn.schema(&own)?;
    let known = builtin.objects.get(&key);
    if let Some(k) = known {
        live.note = live.note.or_else(|| k.note.clone());
        if live.label.is_empty() {
            live.label = k.label.clone();
        }
    }
    merge(&mut live, known, builtin, conn.knows_required());
    let mut objects = BTreeMap::new();
    objects.insert(key, live);
    let schema = TargetSchema {
        target: builtin.target,
        label: builtin.label.clone(),
        restricted_picklists: builtin.restricted_picklists,
        custom_fields: builtin.custom_fields.clone(),
        objects,
    };
    Ok(schema)
}

/// A lowercase object key for an object the builtin schema does not know.
fn generic_key(object: &str) -> String {
    let k: String = object
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() { c } else { '_' })
        .collect();
    let k = k.trim_matches('_').to_string();
    if k.is_empty() {
        "object".to_string()
    } else {
        k
    }
}

/// Rewrites references to generic names (dropping objects the schema does not cover) and
/// carries over what the builtin schema knows about standard fields.
fn merge(
    live: &mut ObjectSchema,
    known: Option<&ObjectSchema>,
    builtin: &TargetSchema,
    knows_required: bool,
) {
    for f in &mut live.fields {
        f.references = f
            .references
            .iter()
            .filter_map(|r| builtin.generic_name(r).map(String::from))
            .collect();
        f.references.dedup();
        let Some(b) = known.and_then(|k| k.field(&f.name)) else {
            continue;
        };
        if !knows_required {
            f.required = b.required;
        }
        if f.kind == FieldType::Reference && f.references.is_empty() {
            f.references = b.references.clone();
        }
        f.aliases = b.aliases.clone();
        f.transform = b.transform.clone();
        if f.note.is_none() {
            f.note = b.note.clone();
        }
        if f.required && f.read_only {
            f.required = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{Field, builtin};
    use crate::workspace::Target;

    struct Fake;
    impl Connector for Fake {
        fn target(&self) -> Target {
            Target::Hubspot
        }
        fn knows_required(&self) -> bool {
            false
        }
        fn schema(&self, object: &str) -> Result<ObjectSchema> {
            let field = |name: &str, kind, references: Vec<String>| Field {
                name: name.into(),
                label: String::new(),
                kind,
                length: None,
                required: false,
                read_only: false,
                external_id: false,
                custom: false,
                references,
                values: Vec::new(),
                restricted: None,
                aliases: Vec::new(),
                transform: Vec::new(),
                note: None,
            };
            Ok(ObjectSchema {
                name: object.into(),
                label: String::new(),
                note: None,
                fields: vec![
                    field("dealname", FieldType::Text, vec![]),
                    field(
                        "hubspot_owner_id",
                        FieldType::Reference,
                        vec!["owners".into()],
                    ),
                    field("my_custom", FieldType::Text, vec![]),
                ],
            })
        }
    }

    #[test]
    fn pulled_objects_keep_builtin_knowledge() {
        let b = builtin(Target::Hubspot).unwrap();
        let s = pull(&Fake, &b, "opportunity").unwrap();
        let deals = &s.objects["opportunity"];
        assert_eq!(deals.name, "deals");
        assert!(deals.field("dealname").unwrap().required);
        assert_eq!(
            deals.field("hubspot_owner_id").unwrap().references,
            ["user"]
        );
        s.validate("pulled").unwrap();
        let s = pull(&Fake, &b, "p_tickets").unwrap();
        assert!(s.objects.contains_key("p_tickets"));
    }
}
