//! Human output for `ingest` and `status`.

use super::table::Table;
use crate::ingest::{Outcome, Status};
use crate::numbers::thousands;
use crate::staging::DatasetSummary;
use crate::workspace::Config;

/// One line per file or sheet, then totals and issues by kind.
pub fn render(outcomes: &[Outcome]) -> String {
    let mut table = Table::new(&[
        "file",
        "dataset",
        "status",
        "rows read",
        "rows stored",
        "cols",
        "read as",
        "issues",
    ]);
    for o in outcomes {
        let file = match &o.sheet {
            Some(sheet) => format!("{} [{sheet}]", o.file),
            None => o.file.clone(),
        };
        let read_as = match (&o.encoding, &o.delimiter) {
            (Some(enc), Some(d)) => format!("{enc} '{d}'"),
            _ => o.format.clone(),
        };
        let status = match o.status {
            Status::Loaded => "loaded",
            Status::Replaced => "replaced",
            Status::Unchanged => "unchanged",
        };
        let count = |n: u64| {
            if o.status == Status::Unchanged {
                "-".to_string()
            } else {
                thousands(n)
            }
        };
        table.row(vec![
            file,
            format!("src_{}", o.dataset),
            status.into(),
            count(o.rows_read),
            count(o.rows_stored),
            o.columns.to_string(),
            read_as,
            thousands(o.issues.values().sum()),
        ]);
    }
    let mut out = table.render();
    let read: u64 = outcomes.iter().map(|o| o.rows_read).sum();
    let stored: u64 = outcomes.iter().map(|o| o.rows_stored).sum();
    out.push_str(&format!(
        "\n{} {} read, {} stored",
        thousands(read),
        if read == 1 { "row" } else { "rows" },
        thousands(stored)
    ));
    let mut kinds = std::collections::BTreeMap::<&str, u64>::new();
    for o in outcomes {
        for (k, n) in &o.issues {
            *kinds.entry(k).or_default() += n;
        }
    }
    if kinds.is_empty() {
        out.push_str(", no issues\n");
    } else {
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push_str(&format!(
            "; issues: {} (see the _issues table)\n",
            list.join(", ")
        ));
    }
    for o in outcomes {
        let batches = |b: &[i64]| b.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        match o.status {
            Status::Unchanged => out.push_str(&format!(
                "note: `{}` is already ingested with the same content (batch {}); nothing to do. Use --replace to reload it.\n",
                o.file, o.batch
            )),
            Status::Loaded if !o.earlier.is_empty() => out.push_str(&format!(
                "note: `{}` was ingested before into src_{} ({} {}); this version was added beside it as batch {}. Use --replace to replace the earlier version instead.\n",
                o.file,
                o.dataset,
                if o.earlier.len() == 1 { "batch" } else { "batches" },
                batches(&o.earlier),
                o.batch
            )),
            Status::Replaced => out.push_str(&format!(
                "note: `{}` replaced {} {} of src_{}.\n",
                o.file,
                if o.earlier.len() == 1 { "batch" } else { "batches" },
                batches(&o.earlier),
                o.dataset
            )),
            Status::Loaded => {}
        }
    }
    out
}

/// The workspace's datasets as a table.
pub fn render_status(config: &Config, datasets: &[DatasetSummary]) -> String {
    let mut out = format!("client: {}\ntarget: {}\n\n", config.client, config.target);
    if datasets.is_empty() {
        out.push_str("no data ingested yet\nnext: crmkit ingest FILE...\n");
        return out;
    }
    let mut table = Table::new(&["dataset", "table", "rows", "columns", "files", "issues"]);
    for d in datasets {
        let issues: Vec<String> = d
            .issues
            .iter()
            .map(|i| format!("{} {}", i.kind, i.count))
            .collect();
        table.row(vec![
            d.name.clone(),
            d.table.clone(),
            thousands(d.rows as u64),
            d.columns.to_string(),
            d.batches.to_string(),
            if issues.is_empty() {
                "-".into()
            } else {
                issues.join(", ")
            },
        ]);
    }
    out.push_str(&table.render());
    out
}
