//! The committed `samples/` files compiled into the binary, so `crmkit demo` works after a
//! bare `cargo install`: the exports, the workbook and their truth file.

use std::path::{Path, PathBuf};

use super::{TRUTH_FILE, Truth};
use crate::error::{Error, Result};

/// The CSV exports, by file name, byte for byte as committed (contacts.csv is Windows-1252
/// with CRLF line ends).
pub const CSV: &[(&str, &[u8])] = &[
    ("accounts.csv", include_bytes!("../../samples/accounts.csv")),
    ("contacts.csv", include_bytes!("../../samples/contacts.csv")),
    (
        "opportunities.csv",
        include_bytes!("../../samples/opportunities.csv"),
    ),
    (
        "activities.csv",
        include_bytes!("../../samples/activities.csv"),
    ),
    ("users.csv", include_bytes!("../../samples/users.csv")),
    (
        "crm_usage.csv",
        include_bytes!("../../samples/crm_usage.csv"),
    ),
];

/// The adoption exports of the two snapshots, by path under `adoption/`, in ingest order.
pub const ADOPTION: &[(&str, &[u8])] = &[
    (
        "2025-05-31/users.csv",
        include_bytes!("../../samples/adoption/2025-05-31/users.csv"),
    ),
    (
        "2025-05-31/login_history.csv",
        include_bytes!("../../samples/adoption/2025-05-31/login_history.csv"),
    ),
    (
        "2025-05-31/activities.csv",
        include_bytes!("../../samples/adoption/2025-05-31/activities.csv"),
    ),
    (
        "2025-05-31/opportunities.csv",
        include_bytes!("../../samples/adoption/2025-05-31/opportunities.csv"),
    ),
    (
        "2025-05-31/opportunity_history.csv",
        include_bytes!("../../samples/adoption/2025-05-31/opportunity_history.csv"),
    ),
    (
        "2025-05-31/leads.csv",
        include_bytes!("../../samples/adoption/2025-05-31/leads.csv"),
    ),
    (
        "2025-06-30/users.csv",
        include_bytes!("../../samples/adoption/2025-06-30/users.csv"),
    ),
    (
        "2025-06-30/login_history.csv",
        include_bytes!("../../samples/adoption/2025-06-30/login_history.csv"),
    ),
    (
        "2025-06-30/activities.csv",
        include_bytes!("../../samples/adoption/2025-06-30/activities.csv"),
    ),
    (
        "2025-06-30/opportunities.csv",
        include_bytes!("../../samples/adoption/2025-06-30/opportunities.csv"),
    ),
    (
        "2025-06-30/opportunity_history.csv",
        include_bytes!("../../samples/adoption/2025-06-30/opportunity_history.csv"),
    ),
    (
        "2025-06-30/leads.csv",
        include_bytes!("../../samples/adoption/2025-06-30/leads.csv"),
    ),
];

/// The accounts workbook (sheet `Accounts`).
pub const XLSX: (&str, &[u8]) = (
    "accounts.xlsx",
    include_bytes!("../../samples/accounts.xlsx"),
);

/// truth.json: every problem injected into the files above.
pub const TRUTH: &[u8] = include_bytes!("../../samples/truth.json");

/// The bundled truth file, parsed.
pub fn truth() -> Result<Truth> {
    serde_json::from_slice(TRUTH)
        .map_err(|e| Error::Other(format!("the bundled {TRUTH_FILE} does not parse: {e}")))
}

/// Files written by [`write`]: the CSV exports (in load order) and the other files.
pub struct Written {
    pub csv: Vec<PathBuf>,
    pub others: Vec<PathBuf>,
    /// The adoption exports, in [`ADOPTION`] order.
    pub adoption: Vec<PathBuf>,
}

/// Writes every bundled file into `dir` (created if missing).
pub fn write(dir: &Path) -> Result<Written> {
    use crate::safe_write::{Kind, Overwrite};
    let put = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        let path = dir.join(name);
        crate::safe_write::write(&path, Kind::Samples, Overwrite::OwnOutput, bytes)?;
        Ok(path)
    };
    let csv = CSV
        .iter()
        .map(|(name, bytes)| put(name, bytes))
        .collect::<Result<Vec<_>>>()?;
    let others = vec![put(XLSX.0, XLSX.1)?, put(TRUTH_FILE, TRUTH)?];
    let mut adoption = Vec::new();
    for (name, bytes) in ADOPTION {
        let path = dir.join(super::adoption::DIR).join(name);
        if let Some(parent) = path.parent() {
            crate::safe_write::create_dir(parent)?;
        }
        crate::safe_write::write(&path, Kind::Samples, Overwrite::OwnOutput, bytes)?;
        adoption.push(path);
    }
    Ok(Written {
        csv,
        others,
        adoption,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_truth_describes_the_bundled_files() {
        let t = truth().unwrap();
        assert_eq!(t.as_of, "2025-06-30");
        for (name, bytes) in CSV {
            let rows = csv::ReaderBuilder::new()
                .from_reader(*bytes)
                .byte_records()
                .count() as u64;
            assert_eq!(t.files[*name].rows, rows, "{name}");
        }
        assert!(t.files.contains_key(XLSX.0));
    }
}
