//! The load plan: one insert step per object in load order (one per dataset when datasets
//! upsert on different external-id fields), then a second pass per self-reference field.

use super::metrics::DatasetOutcome;
use super::prepare::Prepared;
use super::scope::Scope;
use crate::error::Result;
use crate::staging::{PlanRow, StageTx};

/// Writes the plan of every mapped object, staged in this run or before.
pub(super) fn write(
    tx: &StageTx<'_>,
    scope: &Scope,
    prepared: &[Prepared],
    outcomes: &[DatasetOutcome],
) -> Result<()> {
    // The plan covers every mapped object, staged now or before.
    tx.reset_plan()?;
    let mut position = 0;
    for object in &scope.load_order {
        let mine: Vec<&Prepared> = prepared.iter().filter(|p| &p.object == object).collect();
        let mut self_fields: Vec<&str> = Vec::new();
        let mut insert_fields: Vec<&str> = Vec::new();
        for f in mine.iter().flat_map(|p| &p.fields) {
            let list = if f.parent.as_deref() == Some(object.as_str()) {
                &mut self_fields
            } else {
                &mut insert_fields
            };
            if !list.contains(&f.field.name.as_str()) {
                list.push(f.field.name.as_str());
            }
        }
        // Datasets upserting on different external-id fields load as separate steps: one
        // upsert key per file.
        let steps: Vec<Option<&str>> = if scope.split_objects.contains(object) {
            mine.iter()
                .map(|p| Some(p.mapping.dataset.as_str()))
                .collect()
        } else {
            vec![None]
        };
        let fields_of_self = |dataset: Option<&str>, field: &str| {
            mine.iter()
                .filter(|p| Some(p.mapping.dataset.as_str()) == dataset)
                .any(|p| p.fields.iter().any(|f| f.field.name == field))
        };
        // A dataset's own step writes the fields its mapping fills (not another dataset's key).
        let fields_of = |dataset: Option<&str>| -> Vec<&str> {
            insert_fields
                .iter()
                .copied()
                .filter(|name| {
                    dataset.is_none_or(|d| {
                        mine.iter()
                            .filter(|p| p.mapping.dataset == d)
                            .any(|p| p.fields.iter().any(|f| f.field.name == *name))
                    })
                })
                .collect()
        };
        for &dataset in &steps {
            // Counted while staging when staged in this run: a count(*) would read the table.
            let rows = if scope.to_stage.contains(object) {
                outcomes
                    .iter()
                    .filter(|o| &o.object == object && dataset.is_none_or(|d| o.dataset == d))
                    .map(|o| o.staged)
                    .sum()
            } else {
                tx.count_staged(object, None, dataset)?
            };
            position += 1;
            tx.plan(&PlanRow {
                position,
                object: object.clone(),
                target_object: mine[0].target_object.clone(),
                pass: "insert".into(),
                fields: serde_json::to_string(&fields_of(dataset)).unwrap_or_default(),
                rows,
                note: scope.parents.get(object).map(|ps| {
                    let others: Vec<&str> = ps
                        .iter()
                        .filter(|p| *p != object)
                        .map(String::as_str)
                        .collect();
                    format!(
                        "after {}",
                        if others.is_empty() {
                            "nothing".into()
                        } else {
                            others.join(", ")
                        }
                    )
                }),
                dataset: dataset.map(str::to_string),
            })?;
        }
        for field in self_fields {
            for &dataset in steps
                .iter()
                .filter(|d| d.is_none() || fields_of_self(**d, field))
            {
                position += 1;
                tx.plan(&PlanRow {
                    position,
                    object: object.clone(),
                    target_object: mine[0].target_object.clone(),
                    pass: format!("update {field}"),
                    fields: serde_json::to_string(&[field]).unwrap_or_default(),
                    rows: tx.count_staged(object, Some(field), dataset)?,
                    note: Some(format!(
                        "second pass: {field} points at records of the same object, all inserted first"
                    )),
                    dataset: dataset.map(str::to_string),
                })?;
            }
        }
    }
    Ok(())
}
