//! Email addresses: the one validity rule (profile, transforms, checks, target problems) and
//! the comparison form duplicate keys use.

/// A valid email: one `@`, a local part, a dotted domain with a letters-only TLD of 2+
/// characters, no empty labels, no spaces.
pub fn is_email(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) || s.matches('@').count() != 1 {
        return false;
    }
    let (local, domain) = s.split_once('@').unwrap_or_default();
    if local.is_empty() {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The address as loads and comparisons want it: trimmed and lowercased; None unless valid.
pub fn normalize(s: &str) -> Option<String> {
    let lower = s.trim().to_lowercase();
    is_email(&lower).then_some(lower)
}

/// The comparison key of an address: trimmed and lowercased, empty when it has no `@`
/// (a half-typed address still tells two records apart).
pub fn key(s: &str) -> String {
    let v = s.trim().to_lowercase();
    if v.contains('@') { v } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "john.smith@acme.com", "x+y@sub.acme.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "john.smith@",
            "jane@@acme.com",
            "bob at acme.com",
            "mary@acme",
            "@acme.com",
            "tom@acme..com",
            "a@b.c0",
            "",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert_eq!(normalize(" Ann@Acme.COM ").as_deref(), Some("ann@acme.com"));
        assert_eq!(normalize("ann at acme"), None);
        assert_eq!(key(" Ann@Acme "), "ann@acme");
        assert_eq!(key("ann"), "");
    }
}
