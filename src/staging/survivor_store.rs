//! Survivors stage chose in place of a dedupe survivor it could not load: who survives a
//! cluster whose survivor was excluded or rejected, and what each member merged into.

use rusqlite::{OptionalExtension, params};

use super::{Db, StageTx};
use crate::error::Result;

/// A record whose cluster's survivor stage replaced: the record that survives (the record
/// itself when it was promoted), and the survivor dedupe had chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Replaced {
    /// (dataset, batch, row) of the record that survives.
    pub survivor: (String, i64, i64),
    /// (dataset, batch, row) of the survivor dedupe chose.
    pub replaces: (String, i64, i64),
}

impl StageTx<'_> {
    /// Forgets the dataset's replaced survivors before it is staged again.
    pub fn reset_survivors(&self, dataset: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM _stage_survivors WHERE dataset = ?1", [dataset])?;
        Ok(())
    }

    /// Records where a record went when its cluster's survivor was replaced.
    pub fn replaced(&self, (dataset, batch, row): (&str, i64, i64), r: &Replaced) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO _stage_survivors VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                dataset,
                batch,
                row,
                r.survivor.0,
                r.survivor.1,
                r.survivor.2,
                r.replaces.0,
                r.replaces.1,
                r.replaces.2
            ],
        )?;
        Ok(())
    }
}

impl Db {
    /// Where stage put a record whose cluster's survivor it replaced, with the survivor's
    /// external id when it was staged.
    pub fn replaced_survivor(
        &self,
        dataset: &str,
        batch: i64,
        row: i64,
    ) -> Result<Option<(Replaced, Option<String>)>> {
        let found: Option<Replaced> = self
            .conn
            .query_row(
                "SELECT survivor_dataset, survivor_batch, survivor_row, replaces_dataset,
                        replaces_batch, replaces_row
                 FROM _stage_survivors WHERE dataset = ?1 AND _batch = ?2 AND _row = ?3",
                params![dataset, batch, row],
                |r| {
                    Ok(Replaced {
                        survivor: (r.get(0)?, r.get(1)?, r.get(2)?),
                        replaces: (r.get(3)?, r.get(4)?, r.get(5)?),
                    })
                },
            )
            .optional()?;
        let Some(found) = found else {
            return Ok(None);
        };
        let (d, b, r) = &found.survivor;
        let external_id = self
            .staged_as(d, *b, *r)?
            .into_iter()
            .next()
            .map(|(_, ext)| ext);
        Ok(Some((found, external_id)))
    }
}
