//! Guessing what a delimited text file is: its encoding, its delimiter, or that it is not text.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many bytes of a file are looked at to decide.
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A zip container: XLSX, XLSM, XLSB or ODS.
    Zip,
    /// An OLE compound file: legacy XLS.
    Ole,
    /// Text in some encoding.
    Text,
    /// Not text: NUL bytes outside UTF-16.
    Binary,
    /// Zero bytes.
    Empty,
}

/// The encoding a text file was read with, and whether it carried a byte-order mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
}

impl Detected {
    /// The label recorded in the catalog: `utf-8`, `utf-8-bom`, `utf-16le`, `windows-1252`, ...
    pub fn label(&self) -> String {
        let name = self.encoding.name().to_lowercase();
        if self.bom_len > 0 && self.encoding == UTF_8 {
            "utf-8-bom".to_string()
        } else {
            name
        }
    }
}

/// Classifies a file from its first bytes.
pub fn kind(sample: &[u8]) -> Kind {
    if sample.is_empty() {
        Kind::Empty
    } else if sample.starts_with(b"PK\x03\x04") {
        Kind::Zip
    } else if sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Kind::Ole
    } else if Encoding::for_bom(sample).is_some() || utf16_without_bom(sample).is_some() {
        Kind::Text
    } else if looks_binary(sample) {
        Kind::Binary
    } else {
        Kind::Text
    }
}

/// True when the bytes are not text in any encoding: the signature of a common binary format,
/// more than 1 byte in 20 a control character that no text export holds, or more than a
/// third NULs (UTF-16, half NULs in a regular pattern, is recognised before this). A few NULs
/// in otherwise textual bytes are data (kept and logged), not a reason to refuse the file.
fn looks_binary(sample: &[u8]) -> bool {
    // Only signatures no header starts with: `MZ` (executables) could be a column name;
    // executables are caught by their control bytes instead.
    const SIGNATURES: [&[u8]; 6] = [
        b"\x7fELF",
        b"%PDF-",
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"\x1F\x8B",
        b"SQLite format 3\0",
    ];
    if SIGNATURES.iter().any(|s| sample.starts_with(s)) {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| matches!(b, 1..=8 | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F))
        .count();
    let nuls = sample.iter().filter(|&&b| b == 0).count();
    (control >= 4 && control * 20 > sample.len()) || nuls * 3 > sample.len()
}

/// What a file that is not a table turned out to be, and the bytes that said so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotTabular {
    /// "a PDF document", "JSON", "a Word document (DOCX)"...
    pub looks_like: &'static str,
    /// Why: "it starts with `%PDF-`", "its first non-space character is `{`".
    pub evidence: String,
}

/// Formats crmkit cannot read as a table, by their leading bytes.
const SIGNATURES: [(&[u8], &str, &str); 9] = [
    (b"%PDF-", "a PDF document", "%PDF-"),
    (b"\x89PNG", "a PNG image", "\\x89PNG"),
    (b"\xFF\xD8\xFF", "a JPEG image", "\\xFF\\xD8\\xFF"),
    (b"GIF8", "a GIF image", "GIF8"),
    (b"\x1F\x8B", "a gzip archive", "\\x1F\\x8B"),
    (
        b"SQLite format 3\0",
        "an SQLite database",
        "SQLite format 3",
    ),
    (b"\x7fELF", "a program (ELF executable)", "\\x7FELF"),
    (b"7z\xBC\xAF", "a 7-Zip archive", "7z\\xBC\\xAF"),
    (b"Rar!", "a RAR archive", "Rar!"),
];

/// Names what a file is when it is plainly not a table: a known binary signature, a ZIP
/// that is not a workbook, or text that is JSON, XML or HTML. `None` for anything that may
/// be a table; the readers then judge it. Deliberately narrow: a CSV whose first header is
/// `[Id]` or `<Name>` must not be refused.
pub fn not_tabular(sample: &[u8]) -> Option<NotTabular> {
    for (magic, looks_like, shown) in SIGNATURES {
        if sample.starts_with(magic) {
            return Some(NotTabular {
                looks_like,
                evidence: format!("it starts with `{shown}`"),
            });
        }
    }
    if sample.starts_with(b"PK\x03\x04") {
        return zip_not_workbook(sample);
    }
    let text = match Encoding::for_bom(sample) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&sample[bom..]).0,
        None => match utf16_without_bom(sample) {
            Some(enc) => enc.decode_without_bom_handling(sample).0,
            None => String::from_utf8_lossy(sample),
        },
    };
    structured_text(text.trim_start())
}

/// A ZIP holds a workbook when its entry names (stored in the clear in each local header)
/// include the workbook parts; other Office files and plain archives are named.
fn zip_not_workbook(sample: &[u8]) -> Option<NotTabular> {
    let has = |needle: &[u8]| sample.windows(needle.len()).any(|w| w == needle);
    if has(b"xl/")
        || has(b"opendocument.spreadsheet")
        || (has(b"[Content_Types].xml") && !has(b"word/") && !has(b"ppt/"))
    {
        return None;
    }
    let looks_like = if has(b"word/") {
        "a Word document (DOCX)"
    } else if has(b"ppt/") {
        "a PowerPoint presentation (PPTX)"
    } else if has(b"opendocument.text") {
        "an OpenDocument text file (ODT)"
    } else {
        "a ZIP archive"
    };
    Some(NotTabular {
        looks_like,
        evidence: "it is a ZIP container without a workbook inside".to_string(),
    })
}

/// JSON, XML and HTML told apart from a delimited header by their first characters.
fn structured_text(text: &str) -> Option<NotTabular> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let next = chars.find(|c| !c.is_whitespace());
    let json = match first {
        // `{"id": ...` or `{}`: no header row starts with a brace followed by a quote.
        '{' => matches!(next, Some('"' | '}')),
        // `[{`, `[[`, `["a"`, `[1`, `[]`; a `[Id]` header has a letter next.
        '[' => matches!(next, Some('{' | '[' | '"' | ']' | '0'..='9' | '-')),
        _ => false,
    };
    if json {
        return Some(NotTabular {
            looks_like: "JSON",
            evidence: format!("its first non-space character is `{first}`"),
        });
    }
    let lower: String = text.chars().take(256).collect::<String>().to_lowercase();
    let (looks_like, mark) = if lower.starts_with("<?xml") {
        if lower.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            ("an XML Spreadsheet 2003 file", "<?xml")
        } else {
            ("an XML document", "<?xml")
        }
    } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        ("an HTML page", "<html")
    } else {
        return None;
    };
    Some(NotTabular {
        looks_like,
        evidence: format!("it starts with `{mark}`"),
    })
}

/// UTF-16 without a byte-order mark, recognised by its NUL half of every ASCII character:
/// in little-endian text most odd bytes are NUL and few even ones, in big-endian the reverse.
pub fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // At least 40% of one half NUL, at most 5% of the other.
    let many = |n: usize| n * 5 >= pairs * 2;
    let few = |n: usize| n * 20 <= pairs;
    if many(odd) && few(even) {
        Some(UTF_16LE)
    } else if many(even) && few(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Picks the encoding: a BOM decides; then UTF-16 recognised by its NULs; then UTF-8 when the
/// sample's non-ASCII text is mostly valid UTF-8 (stray legacy bytes are then decoded per
/// field and logged); else the legacy encoding the sample's bytes read best as (chardetng:
/// Windows-1252 for Western text, 1250 for Central European, 1251 for Cyrillic, Shift_JIS...).
/// Only the sample, a bounded prefix of the file, is examined.
pub fn encoding(sample: &[u8]) -> Detected {
    if let Some((encoding, bom_len)) = Encoding::for_bom(sample) {
        return Detected { encoding, bom_len };
    }
    if let Some(encoding) = utf16_without_bom(sample) {
        return Detected {
            encoding,
            bom_len: 0,
        };
    }
    let (valid, invalid) = utf8_sequences(sample);
    Detected {
        encoding: if valid >= invalid {
            UTF_8
        } else {
            legacy(sample)
        },
        bom_len: 0,
    }
}

/// The legacy encoding that reads `sample` best. ISO-2022-JP is never guessed: it is not
/// ASCII-compatible, and a stray escape byte should not switch a whole file to it.
fn legacy(sample: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, false);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    if guess == UTF_8 || !guess.is_ascii_compatible() {
        WINDOWS_1252
    } else {
        guess
    }
}

/// Counts valid multi-byte UTF-8 characters and invalid sequences; a sequence cut by the
/// sample's end counts as neither.
fn utf8_sequences(mut bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return (valid + multibyte(s), invalid),
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                valid += multibyte(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        bytes = &rest[n..];
                    }
                    None => return (valid, invalid),
                }
            }
        }
    }
}

fn multibyte(s: &str) -> usize {
    s.chars().filter(|c| !c.is_ascii()).count()
}

/// Decodes a sample to text for delimiter sniffing.
pub fn decode_sample(sample: &[u8], detected: Detected) -> String {
    let body = &sample[detected.bom_len..];
    let (text, _) = detected.encoding.decode_without_bom_handling(body);
    text.into_owned()
}

/// True for encodings whose bytes are read directly and decoded field by field: UTF-8 and the
/// single-byte legacy encodings, where a delimiter, quote or line-feed byte is always that
/// character. Others (UTF-16, Shift_JIS, GBK, Big5...: a second byte can be `|` or a backslash) are
/// transcoded to UTF-8 before parsing.
pub fn is_ascii_compatible(encoding: &'static Encoding) -> bool {
    encoding == UTF_8 || (encoding.is_single_byte() && encoding.is_ascii_compatible())
}

/// Candidate delimiters, in order of preference on a tie.
const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Guesses the field delimiter: the candidate that splits the most sample records into the
/// same number (at least two) of fields, counting only delimiters outside quotes.
pub fn delimiter(text: &str) -> u8 {
    let mut best = (0usize, 0usize, b',');
    for &cand in &CANDIDATES {
        let counts = per_record_counts(text, cand);
        if counts.is_empty() {
            continue;
        }
        let mode = mode(&counts);
        if mode == 0 {
            continue;
        }
        let agree = counts.iter().filter(|&&c| c == mode).count();
        if (agree, mode) > (best.0, best.1) {
            best = (agree, mode, cand);
        }
    }
    best.2
}

/// Delimiter counts per record over the sample, quotes respected; the last, possibly cut,
/// record is left out when there are others.
fn per_record_counts(text: &str, delim: u8) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut in_quotes, mut count, mut any) = (false, 0usize, false);
    for &b in text.as_bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if any || count > 0 {
                    counts.push(count);
                }
                count = 0;
                any = false;
                if counts.len() >= 100 {
                    return counts;
                }
            }
            b'\r' => {}
            _ if b == delim && !in_quotes => count += 1,
            _ => any = true,
        }
    }
    if counts.is_empty() && (any || count > 0) {
        counts.push(count);
    }
    counts
}

fn mode(values: &[usize]) -> usize {
    let mut freq = std::collections::HashMap::new();
    for &v in values {
        *freq.entry(v).or_insert(0usize) += 1;
    }
    freq.into_iter()
        .max_by_key(|&(v, n)| (n, v))
        .map(|(v, _)| v)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_a_non_table_is() {
        let said = |bytes: &[u8]| not_tabular(bytes).map(|n| n.looks_like);
        assert_eq!(said(b"%PDF-1.7\n%\xE2\xE3"), Some("a PDF document"));
        assert_eq!(said(b"\x89PNG\r\n\x1a\n"), Some("a PNG image"));
        assert_eq!(said(b"  {\n  \"records\": []}"), Some("JSON"));
        assert_eq!(said(b"[{\"Id\": 1}]"), Some("JSON"));
        assert_eq!(said(b"\xEF\xBB\xBF[\n  {\"a\":1}]"), Some("JSON"));
        assert_eq!(
            said(b"<?xml version=\"1.0\"?><root/>"),
            Some("an XML document")
        );
        assert_eq!(said(b"<!DOCTYPE html><html>"), Some("an HTML page"));
        assert_eq!(
            said(b"PK\x03\x04....word/document.xml"),
            Some("a Word document (DOCX)")
        );
        assert_eq!(said(b"PK\x03\x04....notes.txt"), Some("a ZIP archive"));
    }

    #[test]
    fn tables_that_start_oddly_are_not_refused() {
        for ok in [
            &b"[Id],[Name]\n1,Acme\n"[..],
            b"{Id},Name\n1,Acme\n",
            b"<Name>,Email\nAcme,a@b.c\n",
            b"Id,Name\n1,Acme\n",
            b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml",
            b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        ] {
            assert_eq!(not_tabular(ok), None, "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn delimiters() {
        let cases = [
            ("a,b,c\n1,2,3\n4,5,6\n", b','),
            ("a;b;c\n1;2,5;3\n4;5;6\n", b';'),
            ("a\tb\tc\n1\t2\t3\n", b'\t'),
            ("a|b\n1|2\n", b'|'),
            (
                "name,note\n\"x\",\"has ; and | and\nnewline\"\n\"y\",\"z\"\n",
                b',',
            ),
            ("single\nvalue\n", b','),
        ];
        for (text, want) in cases {
            assert_eq!(delimiter(text) as char, want as char, "{text:?}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(encoding(b"abc,d\n").label(), "utf-8");
        assert_eq!(encoding(b"\xEF\xBB\xBFabc").label(), "utf-8-bom");
        assert_eq!(encoding(b"\xFF\xFEa\x00").label(), "utf-16le");
        assert_eq!(encoding(b"\xFE\xFF\x00a").label(), "utf-16be");
        assert_eq!(encoding(b"caf\xE9,1\n").label(), "windows-1252");
        assert_eq!(encoding("café".as_bytes()).label(), "utf-8");
        // Mostly UTF-8 with one stray legacy byte stays UTF-8.
        assert_eq!(
            encoding(b"Ren\xC3\xA9,Z\xC3\xBCrich\nCaf\xE9\n").label(),
            "utf-8"
        );
        // A sequence cut by the end of the sample is not a reason to switch.
        assert_eq!(encoding(b"ok,\xC3").label(), "utf-8");
    }

    #[test]
    fn legacy_encodings_are_told_apart() {
        let czech =
            "jméno,město\nAntonín Dvořák,Nelahozeves\nŠťastný Žluťoučký kůň,Brno\nŁódź,Kraków\n"
                .repeat(4);
        let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode(&czech);
        assert_eq!(encoding(&bytes).label(), "windows-1250");
        let russian =
            "имя,город\nПётр Ильич Чайковский,Воткинск\nФёдор Достоевский,Москва\n".repeat(4);
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&russian);
        assert_eq!(encoding(&bytes).label(), "windows-1251");
        let western = "name,city\nJosé Müller,Zürich\nFrançoise Dœuf,Besançon\n".repeat(4);
        let (bytes, _, _) = WINDOWS_1252.encode(&western);
        assert_eq!(encoding(&bytes).label(), "windows-1252");
    }

    #[test]
    fn utf16_without_a_bom_is_recognised() {
        let text = "id,name\n1,Anaïs\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(kind(&le), Kind::Text);
        assert_eq!(encoding(&le).label(), "utf-16le");
        assert_eq!(encoding(&be).label(), "utf-16be");
    }

    #[test]
    fn kinds() {
        assert_eq!(kind(b"id,name\n1,a\x00b\n2,c\n"), Kind::Text);
        assert_eq!(kind(b"%PDF-1.7\n"), Kind::Binary);
        assert_eq!(kind(b"MZ,name\n1,a\n"), Kind::Text);
        assert_eq!(kind(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(kind(b"\x7fELF\x02\x01\x00\x00"), Kind::Binary);
        assert_eq!(kind(b"\xFF\xFEa\x00b\x00"), Kind::Text);
        assert_eq!(kind(b"id,name\n"), Kind::Text);
    }
}
