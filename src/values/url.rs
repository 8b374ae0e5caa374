//! Web addresses: whether a value is a URL or a bare domain, as the profile recognises them.

/// `Some(has_scheme_or_www)` for a URL or a bare domain.
pub fn url(s: &str) -> Option<bool> {
    let lower = s.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut styled = false;
    for scheme in ["https://", "http://"] {
        if let Some(r) = rest.strip_prefix(scheme) {
            rest = r;
            styled = true;
            break;
        }
    }
    if let Some(r) = rest.strip_prefix("www.") {
        rest = r;
        styled = true;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    {
        return None;
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if path.chars().any(char::is_whitespace) {
        return None;
    }
    Some(styled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_bare_domains() {
        assert_eq!(url("https://www.acme.com/"), Some(true));
        assert_eq!(url("www.acme.com"), Some(true));
        assert_eq!(url("acme.co.uk"), Some(false));
        assert_eq!(url("acme"), None);
        assert_eq!(url("http://acme.c0m"), None);
    }
}
