//! Playbook answers in `_answers`: every answer is kept; the latest per item is in force.

use rusqlite::params;
use serde::Serialize;

use super::Db;
use crate::error::Result;

/// One stored answer.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AnswerRecord {
    pub playbook: String,
    pub item: String,
    /// The answer as JSON text (`true`, `4`, `"Jane"`, `["a","b"]`).
    pub answer: String,
    pub author: String,
    pub answered_at: String,
}

/// An answer to record.
#[derive(Clone, Debug)]
pub struct NewAnswer<'a> {
    pub playbook: &'a str,
    pub item: &'a str,
    pub answer: &'a str,
    pub author: &'a str,
}

impl Db {
    /// Records answers in one transaction, all stamped with the current time.
    pub fn put_answers(&mut self, answers: &[NewAnswer<'_>]) -> Result<()> {
        let now = super::now();
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO _answers (playbook, item, answer, author, answered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for a in answers {
                stmt.execute(params![a.playbook, a.item, a.answer, a.author, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The answer in force for every answered item: the latest row per item.
    pub fn answers(&self) -> Result<Vec<AnswerRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT playbook, item, answer, author, answered_at FROM _answers
             WHERE id IN (SELECT max(id) FROM _answers GROUP BY item)
             ORDER BY item",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AnswerRecord {
                playbook: r.get(0)?,
                item: r.get(1)?,
                answer: r.get(2)?,
                author: r.get(3)?,
                answered_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many answers have ever been recorded for `item` (history included).
    pub fn answer_count(&self, item: &str) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM _answers WHERE item = ?1",
            [item],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_answer_per_item_is_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("a.db")).unwrap();
        let a = |item: &'static str, answer: &'static str| NewAnswer {
            playbook: "implementation",
            item,
            answer,
            author: "Jane",
        };
        db.put_answers(&[a("data.owner", "\"Jane\""), a("pre.leader", "\"Sam\"")])
            .unwrap();
        db.put_answers(&[a("data.owner", "\"Ann\"")]).unwrap();
        let answers = db.answers().unwrap();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].item, "data.owner");
        assert_eq!(answers[0].answer, "\"Ann\"");
        assert_eq!(answers[0].author, "Jane");
        assert!(answers[0].answered_at.ends_with('Z'));
        assert_eq!(db.answer_count("data.owner").unwrap(), 2);
    }
}
