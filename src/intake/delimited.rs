//! Delimited text (CSV, TSV, pipe, semicolon) in any encoding, streamed record by record.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, StringRecord};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::{Digest, Record, RecordIssue, RowSource, SourceInfo, Tap, TextOptions, sniff};
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
    /// Counts and hashes every byte the parser takes from the file.
    tap: Tap,
    next_number: u64,
    path: PathBuf,
    /// What detection alone found, for the hint when a forced encoding reads badly.
    sniffed: sniff::Detected,
    /// True when the stream is transcoded to UTF-8 before parsing (UTF-16, multi-byte legacy).
    transcoded: bool,
    /// What the decoding produced that text does not hold, to tell a wrong encoding.
    quality: Quality,
    /// For files read directly (not transcoded): the BOM length and the size, so the last
    /// record can be re-read to spot a quote that is never closed.
    raw_file: Option<(u64, u64)>,
}

/// Counts, over the whole file, of what a wrong decoding produces.
#[derive(Default)]
struct Quality {
    /// NUL characters decoded (kept as data, each field logged).
    nuls: u64,
    /// Fields where the decoder put U+FFFD for bytes it could not read.
    replaced: u64,
    /// Fields with non-ASCII text decoded by a legacy or transcoding decoder.
    non_ascii: u64,
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
        let sniffed = detected;
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

        let tap = Tap::default();
        let mut file = tap.reader(File::open(path).map_err(io_err)?);
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
            tap,
            next_number: 0,
            path: path.to_path_buf(),
            sniffed,
            transcoded: !ascii_compatible,
            quality: Quality::default(),
            raw_file: ascii_compatible.then(|| {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                (detected.bom_len as u64, size)
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

    /// Decodes the raw record into text, noting every field whose bytes were not valid and
    /// every field that holds NUL characters (kept as data).
    fn decode_into(&mut self, record: &mut Record) {
        record.issues.clear();
        record.empty.clear();
        let raw = std::mem::take(&mut self.raw);
        match self.decode {
            Decode::Utf8 => match StringRecord::from_byte_record(raw) {
                Ok(text) => {
                    self.raw = std::mem::replace(&mut record.fields, text).into_byte_record();
                    if self.transcoded && !record.fields.as_slice().is_ascii() {
                        for field in record.fields.iter().filter(|f| !f.is_ascii()) {
                            self.quality.non_ascii += 1;
                            self.quality.replaced += u64::from(field.contains('\u{FFFD}'));
                        }
                    }
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
                        // ASCII is the same in every single-byte encoding read here.
                        record
                            .fields
                            .push_field(std::str::from_utf8(bytes).unwrap_or_default());
                    } else {
                        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
                        record.fields.push_field(&text);
                        self.quality.non_ascii += 1;
                        self.quality.replaced += u64::from(had_errors);
                    }
                }
                self.raw = raw;
            }
        }
        // A NUL is a character like any other: kept, and logged so it can be found.
        if record.fields.as_slice().as_bytes().contains(&0) {
            for (i, field) in record.fields.iter().enumerate() {
                let n = field.bytes().filter(|&b| b == 0).count();
                if n > 0 {
                    self.quality.nuls += n as u64;
                    record.issues.push(RecordIssue {
                        field: Some(i),
                        kind: "nul_byte",
                        detail: format!(
                            "the value holds {} NUL {} (U+0000), kept as they are",
                            n,
                            if n == 1 { "character" } else { "characters" }
                        ),
                    });
                }
            }
        }
    }

    /// At the end of the file: refuses a decoding that yields no rows from a file of several
    /// lines, or text made mostly of NULs or replacement characters. Either means the
    /// encoding is wrong, and storing the result would record the file as ingested.
    fn check_decode(&self) -> Result<()> {
        let label = self.info.encoding.clone().unwrap_or_default();
        let hint = if self.sniffed.label() != label {
            format!(
                "\n  hint: detection reads it as {}; ingest it again without --encoding, or with the right one",
                self.sniffed.label()
            )
        } else {
            "\n  hint: name the right encoding with --encoding (e.g. utf-16le, windows-1250, shift_jis)".to_string()
        };
        let fail = |what: String| {
            Err(Error::Input(format!(
                "`{}` does not read as {label}: {what}; nothing was stored{hint}",
                self.path.display()
            )))
        };
        // Only a transcoded stream can hide its line breaks: direct reads split on the byte.
        if self.transcoded && self.next_number == 1 {
            let lines = raw_lines(&self.path);
            if lines > 1 {
                return fail(format!(
                    "the decoded text is a header and no rows, but the file holds {lines} lines"
                ));
            }
        }
        let q = &self.quality;
        let bytes = self.tap.bytes().max(1);
        if q.nuls * 4 > bytes {
            return fail(format!(
                "{} of its {} bytes decode to NUL characters",
                q.nuls, bytes
            ));
        }
        if q.replaced > 0 && q.replaced * 2 > q.non_ascii {
            return fail(format!(
                "{} of its {} values with non-ASCII text hold undecodable bytes (replaced by U+FFFD)",
                q.replaced, q.non_ascii
            ));
        }
        Ok(())
    }
}

impl RowSource for DelimitedSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_record(&mut self, record: &mut Record) -> Result<bool> {
        let start = self.reader.position().clone();
        let more = self.reader.read_byte_record(&mut self.raw).map_err(|e| {
            Error::Data(Box::new(crate::error::DataProblem {
                file: self.path.to_path_buf(),
                row: Some(self.next_number),
                column: None,
                value: None,
                problem: format!(
                    "cannot read the record at line {}: {e}; nothing was stored",
                    e.position().map(|p| p.line()).unwrap_or(0)
                ),
                hint: Some("check the file is complete and readable, then ingest it again".into()),
            }))
        })?;
        if !more {
            self.check_decode()?;
            return Ok(false);
        }
        self.decode_into(record);
        record.number = self.next_number;
        record.line = start.line();
        // More than one line read for a record without line breaks in its fields: blank lines
        // came before it. A record with breaks inside quoted fields never counts, since line
        // counting cannot tell those from blank lines (a report's footer line has none).
        // (The decoded fields: after decoding, `raw` holds the previous record's buffer.)
        let breaks = record.fields.iter().any(|f| f.contains(['\n', '\r']));
        record.blank_before = !breaks && self.reader.position().line() > start.line() + 1;
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
        self.tap.bytes()
    }

    fn finish(&mut self) -> Result<Digest> {
        // The parser stops at the end of the input; drain whatever a reader left unread so
        // the digest covers every byte of the file.
        std::io::copy(self.reader.get_mut(), &mut std::io::sink())
            .map_err(|e| Error::io("read", &self.path, e))?;
        Ok(self.tap.digest())
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
        let (base, size) = self.raw_file.as_ref()?;
        // Only the record that runs to the end of the file can hold an unclosed quote; past
        // the size the read began with, the file is growing (ingest refuses it), and reading
        // the growing tail again for every record would never end.
        if base + self.reader.position().byte() != *size {
            return None;
        }
        let mut tail = Vec::new();
        let mut file = File::open(&self.path).ok()?;
        file.seek(SeekFrom::Start(base + offset)).ok()?;
        file.read_to_end(&mut tail).ok()?;
        Some(tail.iter().filter(|&&b| b == b'"').count())
    }
}

/// Lines of the file's first megabyte as bytes, a line feed ending each, counting only lines
/// with something besides NULs and white space.
fn raw_lines(path: &Path) -> usize {
    let mut head = Vec::new();
    if File::open(path)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut head))
        .is_err()
    {
        return 0;
    }
    head.split(|&b| b == b'\n')
        .filter(|line| line.iter().any(|&b| !matches!(b, 0 | b' ' | b'\t' | b'\r')))
        .count()
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
