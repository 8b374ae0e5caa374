//! Delimited text (CSV, TSV, pipe, semicolon) in any encoding, streamed record by record.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csv::{ByteRecord, StringRecord};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::{Record, RecordIssue, RowSource, SourceInfo, TextOptions, sniff};
use crate::error::{Error, Result};

/// How bytes become text, per field.
#[derive(Clone, Copy)]
enum Decode {
    /// UTF-8 (the stream may be transcoded UTF-16); invalid bytes fall back to Windows-1252.
    Utf8,
    /// A single-byte legacy encoding, read directly.
    Legacy(&'static Encoding),
}

/// A delimited text file opened for reading.
pub struct DelimitedSource {
    reader: csv::Reader<Box<dyn Read>>,
    info: SourceInfo,
    decode: Decode,
    raw: ByteRecord,
    read_bytes: Arc<AtomicU64>,
    next_number: u64,
    /// For files read directly (not transcoded): the path, the BOM length and the size, so
    /// the last record can be re-read to spot a quote that is never closed.
    raw_file: Option<(std::path::PathBuf, u64, u64)>,
}

/// Counts the bytes taken from the file, so progress is true whatever the decoding.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl DelimitedSource {
    /// Opens `path`, detecting what `options` leaves open, and reads the header row.
    pub fn open(path: &Path, options: TextOptions) -> Result<Self> {
        let io_err = |e| Error::io("read", path, e);
        let mut sample = Vec::with_capacity(sniff::SAMPLE_BYTES);
        File::open(path)
            .and_then(|f| f.take(sniff::SAMPLE_BYTES as u64).read_to_end(&mut sample))
            .map_err(io_err)?;
        let mut detected = sniff::encoding(&sample);
        if let Some(forced) = options.encoding {
            // A BOM still wins over the label for how many bytes to skip.
            detected = sniff::Detected {
                encoding: forced,
                bom_len: if Encoding::for_bom(&sample).map(|(e, _)| e) == Some(forced) {
                    detected.bom_len
                } else {
                    0
                },
            };
        }
        let ascii_compatible = sniff::is_ascii_compatible(detected.encoding);
        let text_sample = sniff::decode_sample(&sample, detected);
        let delimiter = options.delimiter.unwrap_or_else(|| {
            if has_extension(path, &["tsv", "tab"]) {
                b'\t'
            } else {
                sniff::delimiter(&text_sample)
            }
        });

        let read_bytes = Arc::new(AtomicU64::new(0));
        let mut file = Counting {
            inner: File::open(path).map_err(io_err)?,
            count: read_bytes.clone(),
        };
        let (input, decode): (Box<dyn Read>, Decode) = if ascii_compatible {
            let mut bom = vec![0; detected.bom_len];
            file.read_exact(&mut bom).map_err(io_err)?;
            let decode = if detected.encoding == UTF_8 {
                Decode::Utf8
            } else {
                Decode::Legacy(detected.encoding)
            };
            (Box::new(file), decode)
        } else {
            let transcoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(detected.encoding))
                .build(BufReader::with_capacity(1 << 16, file));
            (Box::new(transcoded), Decode::Utf8)
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 18)
            .from_reader(input);

        let mut source = DelimitedSource {
            reader,
            info: SourceInfo {
                format: "csv".to_string(),
                encoding: Some(detected.label()),
                delimiter: Some(delimiter),
                sheet: None,
                headers: Vec::new(),
            },
            decode,
            raw: ByteRecord::new(),
            read_bytes,
            next_number: 0,
            raw_file: ascii_compatible.then(|| {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                (path.to_path_buf(), detected.bom_len as u64, size)
            }),
        };
        let mut header = Record::default();
        if !source.read_raw(path)? {
            return Err(Error::Input(format!(
                "`{}` has no header row (the file holds only blank lines)",
                path.display()
            )));
        }
        source.decode_into(&mut header);
        source.info.headers = header.fields.iter().map(str::to_string).collect();
        source.next_number = 1;
        Ok(source)
    }

    fn read_raw(&mut self, path: &Path) -> Result<bool> {
        self.reader.read_byte_record(&mut self.raw).map_err(|e| {
            Error::Input(format!(
                "cannot read `{}` near line {}: {e}",
                path.display(),
                e.position().map(|p| p.line()).unwrap_or(0)
            ))
        })
    }

    /// Decodes the raw record into text, noting every field whose bytes were not valid.
    fn decode_into(&mut self, record: &mut Record) {
        record.issues.clear();
        record.empty.clear();
        let raw = std::mem::take(&mut self.raw);
        match self.decode {
            Decode::Utf8 => match StringRecord::from_byte_record(raw) {
                Ok(text) => {
                    self.raw = std::mem::replace(&mut record.fields, text).into_byte_record();
                }
                Err(err) => {
                    let raw = err.into_byte_record();
                    record.fields.clear();
                    for (i, bytes) in raw.iter().enumerate() {
                        match std::str::from_utf8(bytes) {
                            Ok(s) => record.fields.push_field(s),
                            Err(_) => {
                                let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
                                record.fields.push_field(&text);
                                record.issues.push(RecordIssue {
                                    field: Some(i),
                                    kind: "invalid_encoding",
                                    detail: format!(
                                        "bytes that are not valid UTF-8 ({}) were read as Windows-1252: {:?}",
                                        hex_of_invalid(bytes),
                                        text
                                    ),
                                });
                            }
                        }
                    }
                    self.raw = raw;
                }
            },
            Decode::Legacy(encoding) => {
                record.fields.clear();
                for bytes in raw.iter() {
                    if bytes.is_ascii() {
                        // ASCII is the same in every legacy encoding read here.
                        record
                            .fields
                            .push_field(std::str::from_utf8(bytes).unwrap_or_default());
                    } else {
                        let (text, _) = encoding.decode_without_bom_handling(bytes);
                        record.fields.push_field(&text);
                    }
                }
                self.raw = raw;
            }
        }
    }
}

impl RowSource for DelimitedSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_record(&mut self, record: &mut Record) -> Result<bool> {
        let start = self.reader.position().clone();
        let more = self.reader.read_byte_record(&mut self.raw).map_err(|e| {
            Error::Input(format!(
                "cannot read record {} (line {}): {e}",
                self.next_number,
                e.position().map(|p| p.line()).unwrap_or(0)
            ))
        })?;
        if !more {
            return Ok(false);
        }
        self.decode_into(record);
        record.number = self.next_number;
        self.next_number += 1;
        // A quote that is never closed swallows the rest of the file into one field; the
        // parser accepts it silently, so the last record is checked for it.
        if self.reader.position().line() > start.line() && self.unterminated_quote(start.byte()) {
            record.issues.push(RecordIssue {
                    field: None,
                    kind: "unterminated_quote",
                    detail: format!(
                        "a quote opened in the record starting on line {} is never closed: everything from there to the end of the file is kept in this one record; fix the quote and ingest again with --replace",
                        start.line()
                    ),
                });
        }
        Ok(true)
    }

    fn position(&self) -> u64 {
        self.read_bytes.load(Ordering::Relaxed)
    }
}

impl DelimitedSource {
    /// True when the record starting at `offset` runs to the end of the file and holds an
    /// odd number of quotes: a quoted field that is never closed.
    fn unterminated_quote(&self, offset: u64) -> bool {
        self.tail_quotes(offset).is_some_and(|n| n % 2 == 1)
    }

    /// Quotes from `offset` to the end of the file, if the current record ends there.
    fn tail_quotes(&self, offset: u64) -> Option<usize> {
        use std::io::{Seek, SeekFrom};
        let (path, base, size) = self.raw_file.as_ref()?;
        // Only the record that runs to the end of the file can hold an unclosed quote.
        if base + self.reader.position().byte() < *size {
            return None;
        }
        let mut tail = Vec::new();
        let mut file = File::open(path).ok()?;
        file.seek(SeekFrom::Start(base + offset)).ok()?;
        file.read_to_end(&mut tail).ok()?;
        Some(tail.iter().filter(|&&b| b == b'"').count())
    }
}

/// The first invalid UTF-8 bytes of a field, as hex, for the issue log.
fn hex_of_invalid(bytes: &[u8]) -> String {
    let start = match std::str::from_utf8(bytes) {
        Ok(_) => return String::new(),
        Err(e) => e.valid_up_to(),
    };
    bytes[start..]
        .iter()
        .take(4)
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn has_extension(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}
