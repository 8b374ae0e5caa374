//! Human output for `schema list`, `schema show` and `schema pull`.

use super::table::Table;
use crate::targets::{ObjectSchema, TargetSchema};

/// One line per target and object.
pub fn render_list(schemas: &[TargetSchema]) -> String {
    let mut t = Table::new(&["target", "object", "target name", "fields", "required"]);
    for s in schemas {
        for (key, o) in &s.objects {
            t.row(vec![
                s.target.to_string(),
                key.clone(),
                o.name.clone(),
                o.fields.len().to_string(),
                o.fields.iter().filter(|f| f.required).count().to_string(),
            ]);
        }
    }
    t.render()
}

/// The objects of a target (all, or the one asked for) with their fields.
pub fn render_show(schema: &TargetSchema, objects: &[(&str, &ObjectSchema)]) -> String {
    let mut out = String::new();
    for (key, o) in objects {
        out.push_str(&format!(
            "{} {} ({key}): {} fields\n",
            schema.target,
            o.name,
            o.fields.len()
        ));
        if let Some(note) = &o.note {
            out.push_str(&format!("note: {note}\n"));
        }
        let mut t = Table::new(&[
            "field",
            "label",
            "type",
            "length",
            "flags",
            "values / references",
        ]);
        for f in &o.fields {
            let mut flags = Vec::new();
            if f.required {
                flags.push("required");
            }
            if f.read_only {
                flags.push("read-only");
            }
            if f.external_id {
                flags.push("external-id");
            }
            if f.custom {
                flags.push("custom");
            }
            let extra = if !f.references.is_empty() {
                format!("-> {}", f.references.join(", "))
            } else if !f.values.is_empty() {
                let shown: Vec<&str> = f.values.iter().take(6).map(|v| v.label()).collect();
                let more = f.values.len().saturating_sub(6);
                if more > 0 {
                    format!("{} (+{more})", shown.join(", "))
                } else {
                    shown.join(", ")
                }
            } else {
                String::new()
            };
            t.row(vec![
                f.name.clone(),
                f.label.clone(),
                f.kind.to_string(),
                f.length.map(|l| l.to_string()).unwrap_or_default(),
                flags.join(" "),
                extra,
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    out
}
