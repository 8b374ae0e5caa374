//! Placeholders: cell texts that stand in for "no value" (`N/A`, `-`, `unknown`, `tbd`,
//! `xxx`), from `playbooks/placeholders.yaml`.

use super::tables::tables;

/// Whether `value` (trimmed, any case) is a placeholder; a blank cell is not one.
pub fn is_placeholder(value: &str) -> bool {
    let t = value.trim();
    // No placeholder is long: most cells leave here without lowercasing.
    if t.is_empty() || t.len() > 24 {
        return false;
    }
    let set = &tables().placeholders;
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
    value.trim().is_empty() || is_placeholder(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_trimmed_in_any_case() {
        for p in [
            "N/A", " n/a ", "-", "Unknown", "TBD", "xxx", "null", "#N/A", "test", "?",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for v in ["", "Acme", "Nancy", "n/a please call", "Test Corp"] {
            assert!(!is_placeholder(v), "{v}");
        }
        assert!(is_blank_or_placeholder("  "));
        assert!(is_blank_or_placeholder("N/A"));
        assert!(!is_blank_or_placeholder("Acme"));
    }
}
