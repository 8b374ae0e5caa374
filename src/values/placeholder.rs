//! Placeholders: cell texts that stand in for "no value" (`N/A`, `-`, `unknown`, `tbd`,
//! `xxx`), from `playbooks/placeholders.yaml`.

use super::tables::tables;

/// Whether `value` (trimmed, any case) is a placeholder; a blank cell is not one.
pub fn is_placeholder(value: &str) -> bool {
    listed(value, &tables().placeholders)
}

/// Whether `value` (trimmed, any case) is a literal null marker (`NULL`, `\N`, `nil`,
/// `(null)`): an export's way of writing an empty cell, so it counts as empty.
pub fn is_null_marker(value: &str) -> bool {
    listed(value, &tables().nulls)
}

fn listed(value: &str, set: &super::tables::HashSet<String>) -> bool {
    let t = crate::text::trim(value);
    // No listed text is long: most cells leave here without lowercasing.
    if t.is_empty() || t.len() > 24 {
        return false;
    }
    let mut buf = [0u8; 24];
    if t.is_ascii() {
        let out = &mut buf[..t.len()];
        out.copy_from_slice(t.as_bytes());
        out.make_ascii_lowercase();
        // ASCII stays valid UTF-8 after lowercasing.
        std::str::from_utf8(out).is_ok_and(|s| set.contains(s))
    } else {
        set.contains(&t.to_lowercase())
    }
}

/// Whether `value` holds nothing: blank, whitespace or a placeholder.
pub fn is_blank_or_placeholder(value: &str) -> bool {
    crate::text::is_blank(value) || is_placeholder(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_trimmed_in_any_case() {
        for p in [
            "N/A", " n/a ", "-", "Unknown", "TBD", "xxx", "#N/A", "test", "?",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for n in ["NULL", " null ", "\\N", "nil", "(null)"] {
            assert!(is_null_marker(n) && !is_placeholder(n), "{n}");
        }
        for v in ["", "Acme", "Nancy", "n/a please call", "Test Corp"] {
            assert!(!is_placeholder(v), "{v}");
        }
        assert!(is_blank_or_placeholder("  "));
        assert!(is_blank_or_placeholder("N/A"));
        assert!(!is_blank_or_placeholder("Acme"));
    }
}
