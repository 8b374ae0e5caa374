//! Writes `metadata.json` beside `staging.db`, for `datasette staging.db -m metadata.json`.

use crate::error::{Error, Result};
use crate::safe_write::{self, Kind, Overwrite};
use crate::staging::Db;
use crate::workspace::{DB_FILE, Workspace};

/// The file's name in the workspace folder: an interface, documented in the README.
pub const FILE: &str = "metadata.json";

/// Describes the database as it is now; rewritten by each command that adds tables.
pub fn write(ws: &Workspace, db: &Db) -> Result<()> {
    let database = DB_FILE.trim_end_matches(".db");
    let metadata = db.datasette_metadata(database, &ws.config.client)?;
    let mut text = serde_json::to_string_pretty(&metadata)
        .map_err(|e| Error::Other(format!("Datasette metadata: {e}")))?;
    text.push('\n');
    safe_write::write(
        &ws.root.join(FILE),
        Kind::Metadata,
        Overwrite::OwnOutput,
        text.as_bytes(),
    )
}
