//! One streaming pass over a dataset, on both cores.
//!
//! The caller's thread reads rows (from a file or the staging database) into column-wise
//! chunks; a second thread takes each chunk and has rayon update every column's statistics
//! in parallel, while one more task hashes whole rows (exact duplicates) and keeps the few
//! columns needed later row by row (ids, parents, activity dates). Memory holds two chunks
//! in flight plus the statistics, whatever the size of the input.

use std::hash::{BuildHasher, Hasher};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rayon::prelude::*;

use super::column::{ColumnSpec, ColumnStats};
use super::values::KeySet;
use crate::error::{Error, Result};

/// Rows per chunk handed from the reader to the workers.
const CHUNK_ROWS: usize = 16_384;
/// Duplicate-row examples kept.
const DUPLICATE_EXAMPLES: usize = 5;

/// The cells of one column for one chunk of rows, packed.
#[derive(Default)]
struct Slab {
    text: String,
    ends: Vec<u32>,
    null: Vec<bool>,
}

impl Slab {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.null.clear();
    }

    fn push(&mut self, cell: Option<&str>) {
        if let Some(s) = cell {
            self.text.push_str(s);
        }
        self.ends.push(self.text.len() as u32);
        self.null.push(cell.is_none());
    }

    fn get(&self, row: usize) -> Option<&str> {
        if self.null[row] {
            return None;
        }
        let start = if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize
        };
        Some(&self.text[start..self.ends[row] as usize])
    }
}

/// A chunk of rows, column by column.
#[derive(Default)]
struct Chunk {
    numbers: Vec<u64>,
    cols: Vec<Slab>,
}

impl Chunk {
    fn with_width(width: usize) -> Chunk {
        Chunk {
            numbers: Vec::with_capacity(CHUNK_ROWS),
            cols: (0..width).map(|_| Slab::default()).collect(),
        }
    }

    fn clear(&mut self) {
        self.numbers.clear();
        self.cols.iter_mut().for_each(Slab::clear);
    }

    fn len(&self) -> usize {
        self.numbers.len()
    }
}

/// Every value of one column, row by row, for the checks that join rows.
#[derive(Default)]
pub struct Arena {
    text: String,
    ends: Vec<usize>,
}

impl Arena {
    fn push(&mut self, cell: Option<&str>) {
        self.push_value(cell.unwrap_or(""));
    }

    /// Appends one row's value.
    pub fn push_value(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The value of row `i` (0-based), `""` for no value.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Every row's value in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// What to collect in a scan.
pub struct ScanSpec {
    pub columns: Vec<ColumnSpec>,
    /// Columns kept row by row (same order as `columns`).
    pub retain: Vec<bool>,
}

/// What one pass found.
pub struct Scan {
    pub rows: u64,
    pub columns: Vec<ColumnStats>,
    pub duplicate_rows: u64,
    /// Row numbers of some duplicate rows.
    pub duplicate_examples: Vec<u64>,
    /// Retained columns, row by row (None for the others).
    pub retained: Vec<Option<Arena>>,
}

/// Where a reader puts rows.
pub struct RowSink {
    chunk: Chunk,
    full: SyncSender<Chunk>,
    free: Receiver<Chunk>,
    width: usize,
}

impl RowSink {
    /// Adds one row: `number` is its position in the source (for examples), `cells` its
    /// values in column order (missing trailing cells are null, surplus ones ignored).
    pub fn push<'c>(
        &mut self,
        number: u64,
        cells: impl IntoIterator<Item = Option<&'c str>>,
    ) -> Result<()> {
        let mut n = 0;
        for (slab, cell) in self.chunk.cols.iter_mut().zip(cells) {
            slab.push(cell);
            n += 1;
        }
        for slab in &mut self.chunk.cols[n..] {
            slab.push(None);
        }
        self.chunk.numbers.push(number);
        if self.chunk.len() >= CHUNK_ROWS {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> Result<()> {
        let next = match self.free.try_recv() {
            Ok(mut c) => {
                c.clear();
                c
            }
            Err(_) => Chunk::with_width(self.width),
        };
        let full = std::mem::replace(&mut self.chunk, next);
        self.full
            .send(full)
            .map_err(|_| Error::Other("the profiling worker stopped unexpectedly".into()))
    }
}

/// Consumer-side state.
struct State {
    rows: u64,
    columns: Vec<ColumnStats>,
    row_hashes: KeySet,
    duplicate_rows: u64,
    duplicate_examples: Vec<u64>,
    retained: Vec<Option<Arena>>,
}

impl State {
    fn take(&mut self, chunk: &Chunk) {
        let n = chunk.len();
        let State {
            columns,
            row_hashes,
            duplicate_rows,
            duplicate_examples,
            retained,
            ..
        } = self;
        rayon::join(
            || {
                columns
                    .par_iter_mut()
                    .zip(chunk.cols.par_iter())
                    .for_each(|(stats, slab)| {
                        for r in 0..n {
                            stats.add(slab.get(r));
                        }
                    });
            },
            || {
                let state = foldhash::quality::FixedState::with_seed(0xd0b1e);
                for r in 0..n {
                    let mut h = state.build_hasher();
                    for slab in &chunk.cols {
                        match slab.get(r) {
                            None => h.write_u8(0),
                            Some(s) => {
                                h.write_u8(1);
                                h.write_usize(s.len());
                                h.write(s.as_bytes());
                            }
                        }
                    }
                    if !row_hashes.insert(h.finish()) {
                        *duplicate_rows += 1;
                        if duplicate_examples.len() < DUPLICATE_EXAMPLES {
                            duplicate_examples.push(chunk.numbers[r]);
                        }
                    }
                }
                for (arena, slab) in retained.iter_mut().zip(&chunk.cols) {
                    if let Some(arena) = arena {
                        for r in 0..n {
                            arena.push(slab.get(r));
                        }
                    }
                }
            },
        );
        self.rows += n as u64;
    }
}

/// Scans the rows `feed` pushes into the sink it is given.
pub fn scan(spec: ScanSpec, feed: impl FnOnce(&mut RowSink) -> Result<()>) -> Result<Scan> {
    let width = spec.columns.len();
    let (full_tx, full_rx) = sync_channel::<Chunk>(2);
    let (free_tx, free_rx) = sync_channel::<Chunk>(4);
    let mut state = State {
        rows: 0,
        columns: spec.columns.into_iter().map(ColumnStats::new).collect(),
        row_hashes: KeySet::default(),
        duplicate_rows: 0,
        duplicate_examples: Vec::new(),
        retained: spec
            .retain
            .iter()
            .map(|&keep| keep.then(Arena::default))
            .collect(),
    };
    let mut sink = RowSink {
        chunk: Chunk::with_width(width),
        full: full_tx,
        free: free_rx,
        width,
    };
    let (fed, state) = std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            for chunk in full_rx {
                state.take(&chunk);
                // The reader may have moved on; a full free list just drops the chunk.
                let _ = free_tx.try_send(chunk);
            }
            state
        });
        let mut fed = feed(&mut sink);
        if fed.is_ok() && sink.chunk.len() > 0 {
            fed = sink.send();
        }
        drop(sink);
        (fed, worker.join())
    });
    fed?;
    let state = state.map_err(|_| Error::Other("the profiling worker panicked".into()))?;
    Ok(Scan {
        rows: state.rows,
        columns: state.columns,
        duplicate_rows: state.duplicate_rows,
        duplicate_examples: state.duplicate_examples,
        retained: state.retained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(names: &[&str], retain: &[bool]) -> ScanSpec {
        ScanSpec {
            columns: names
                .iter()
                .map(|n| ColumnSpec {
                    name: n.to_string(),
                    header: n.to_string(),
                    future_invalid: false,
                    as_of: 0,
                })
                .collect(),
            retain: retain.to_vec(),
        }
    }

    #[test]
    fn counts_rows_duplicates_and_keeps_retained_columns() {
        let rows: Vec<Vec<Option<&str>>> = (0..40_000)
            .map(|i| {
                if i % 10_000 == 7 {
                    vec![Some("dup"), Some("x")]
                } else if i == 5 {
                    vec![Some("short")]
                } else {
                    vec![Some(["a", "b", "c"][i % 3]), None]
                }
            })
            .collect();
        let scan = scan(spec(&["k", "v"], &[true, false]), |sink| {
            for (i, row) in rows.iter().enumerate() {
                sink.push(i as u64 + 1, row.iter().copied())?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(scan.rows, 40_000);
        // Four "dup" rows: three repeat the first. The a/b/c rows repeat massively.
        assert_eq!(scan.duplicate_rows, 40_000 - 1 - 1 - 3);
        let arena = scan.retained[0].as_ref().unwrap();
        assert_eq!(arena.len(), 40_000);
        assert_eq!(arena.get(5), "short");
        assert_eq!(arena.get(7), "dup");
        assert!(scan.retained[1].is_none());
        let v = scan.columns[1].finish();
        assert_eq!(v.null, 40_000 - 4);
        assert_eq!(v.rows, 40_000);
    }

    #[test]
    fn reader_errors_stop_the_scan() {
        let result = scan(spec(&["k"], &[false]), |sink| {
            sink.push(1, [Some("a")])?;
            Err(Error::Input("broken record 2".into()))
        });
        assert!(matches!(result, Err(Error::Input(m)) if m.contains("record 2")));
    }
}
