//! Each field of a row through its transforms and policy, worked out a chunk of rows ahead of
//! the rows' fate on a second thread: that work needs only the mapping and the row, while the
//! fate (keys, references, the staging database) must run one row after another.

use std::sync::mpsc::sync_channel;

use super::fate::{self, FieldFate};
use super::prepare::{self, Prepared};
use crate::error::Result;

/// Rows handed to the second thread at a time: enough that passing them costs nothing per
/// row, few enough that what one thread wrote is still in a near cache when the other reads
/// it (64 rows took 5-10% less CPU than 512).
const CHUNK: usize = 64;

/// One field of one row, settled.
pub(super) struct Settled {
    /// What the transforms said while they worked (a value cut to fit, ...).
    pub(super) notes: Vec<String>,
    /// The transform that failed, if one did.
    pub(super) failed: Option<&'static str>,
    /// None when the field loads its source text as written, the common case: the row's own
    /// string is then loaded, not a copy this thread made, which the deciding thread would
    /// read from another core's cache and free into another thread's heap.
    pub(super) fate: Option<FieldFate>,
}

/// A row's fields, settled, in the mapping's order, and the record's key.
pub(super) struct Worked {
    /// The key field's transformed value, trimmed; none when blank or failed.
    pub(super) key: Option<String>,
    pub(super) fields: Vec<Settled>,
}

/// Settles every field of a row.
pub(super) fn work(p: &Prepared, vals: &[Option<String>]) -> Worked {
    let own_key = prepare::own_key(p, vals);
    let mut key = None;
    let fields = p
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (raw, mut result) = prepare::apply_field(p, i, vals, own_key);
            if p.key == Some(i) {
                key = prepare::key_text(&result);
            }
            let notes = result
                .as_mut()
                .map(|a| std::mem::take(&mut a.warnings))
                .unwrap_or_default();
            let failed = result.as_ref().err().map(|e| e.transform);
            // References resolve through the key index, not the field's type.
            let restricted = f.parent.is_none() && f.restricted;
            let fate = match fate::settle(&f.field, restricted, f.on_invalid, raw, result) {
                FieldFate::Value(v) if v == raw => None,
                other => Some(other),
            };
            Settled {
                notes,
                failed,
                fate,
            }
        })
        .collect();
    Worked { key, fields }
}

/// What a scan calls with each row it reads: (batch, row, values). The values are swapped
/// for an earlier row's, whose strings the scan fills again.
pub(super) type Emit<'a> = &'a mut dyn FnMut(i64, i64, &mut Vec<Option<String>>) -> Result<()>;

/// A source row as read.
pub(super) struct Row {
    pub(super) batch: i64,
    pub(super) row: i64,
    pub(super) vals: Vec<Option<String>>,
}

/// Calls `decide` for every row `scan` feeds it, in the order fed, each with what `work` made
/// of it on a second thread while the rows before it were decided (stage's `work` is
/// [`work`]). At most two chunks are out at once, so the thread never waits on a result
/// nobody takes, and an error stops both: the channels close as this returns, before the
/// thread is joined.
pub(super) fn each_row<W: Send>(
    work: impl Fn(&Row) -> W + Sync,
    scan: impl FnOnce(Emit<'_>) -> Result<()>,
    mut decide: impl FnMut(&Row, W) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|s| {
        let (to_worker, chunks) = sync_channel::<Vec<Row>>(1);
        let (worker_out, done) = sync_channel::<(Vec<Row>, Vec<W>)>(1);
        let work = &work;
        s.spawn(move || {
            for rows in chunks {
                let worked = rows.iter().map(work).collect();
                if worker_out.send((rows, worked)).is_err() {
                    break;
                }
            }
        });
        let mut out = 0;
        // Rows come back after they are decided, and the scan reads into their strings: no
        // allocation per value once the first chunks are out, and no copy.
        let mut spare: Vec<Vec<Row>> = Vec::new();
        let mut fill = Vec::with_capacity(CHUNK);
        let mut take_one = |spare: &mut Vec<Vec<Row>>| -> Result<()> {
            let (rows, worked) = done
                .recv()
                .expect("the worker settles every chunk it is sent");
            for (r, w) in rows.iter().zip(worked) {
                decide(r, w)?;
            }
            spare.push(rows);
            Ok(())
        };
        let mut filled = 0;
        scan(&mut |batch, row, vals| {
            if filled == CHUNK {
                let next = spare.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
                to_worker
                    .send(std::mem::replace(&mut fill, next))
                    .expect("the worker takes chunks until the channel closes");
                filled = 0;
                out += 1;
                if out == 2 {
                    take_one(&mut spare)?;
                    out -= 1;
                }
            }
            match fill.get_mut(filled) {
                Some(r) => {
                    r.batch = batch;
                    r.row = row;
                    std::mem::swap(&mut r.vals, vals);
                }
                None => fill.push(Row {
                    batch,
                    row,
                    vals: std::mem::take(vals),
                }),
            }
            filled += 1;
            Ok(())
        })?;
        if filled > 0 {
            fill.truncate(filled);
            to_worker
                .send(fill)
                .expect("the worker takes chunks until the channel closes");
            out += 1;
        }
        for _ in 0..out {
            take_one(&mut spare)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    /// Feeds `n` rows whose first value names the row, through one buffer as a scan does.
    fn rows(n: i64) -> impl FnOnce(Emit<'_>) -> Result<()> {
        move |emit| {
            let mut buf = Vec::new();
            for i in 0..n {
                buf.clear();
                buf.push(Some(format!("r{i}")));
                buf.push((i % 3 == 0).then(|| "x".repeat(i as usize % 7)));
                emit(1 + i / 1000, i, &mut buf)?;
            }
            Ok(())
        }
    }

    #[test]
    fn every_row_is_decided_once_in_order_with_its_own_work() {
        for n in [
            0,
            1,
            CHUNK as i64,
            CHUNK as i64 * 2 + 1,
            5 * CHUNK as i64 + 17,
        ] {
            let mut seen = Vec::new();
            each_row(
                |r| format!("{}:{:?}", r.row, r.vals),
                rows(n),
                |r, w| {
                    assert_eq!(w, format!("{}:{:?}", r.row, r.vals));
                    assert_eq!(r.vals[0].as_deref(), Some(format!("r{}", r.row).as_str()));
                    seen.push((r.batch, r.row));
                    Ok(())
                },
            )
            .unwrap();
            let want: Vec<(i64, i64)> = (0..n).map(|i| (1 + i / 1000, i)).collect();
            assert_eq!(seen, want, "{n} rows");
        }
    }

    #[test]
    fn an_error_stops_the_pass_without_waiting_on_the_second_thread() {
        let mut decided = 0;
        // In the middle of a chunk, with chunks out on both sides of it.
        let failing = 3 * CHUNK as i64 + 5;
        let err = each_row(
            |r| r.row,
            rows(10 * CHUNK as i64),
            |_, row| {
                decided += 1;
                match row == failing {
                    true => Err(Error::Other(format!("row {row}"))),
                    false => Ok(()),
                }
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains(&format!("row {failing}")));
        assert_eq!(decided, failing + 1);
        let failing_scan = |emit: Emit<'_>| {
            for i in 0..3 * CHUNK as i64 {
                emit(1, i, &mut vec![None])?;
            }
            Err(Error::Other("read failed".into()))
        };
        let err = each_row(|r| r.row, failing_scan, |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("read failed"));
    }
}
