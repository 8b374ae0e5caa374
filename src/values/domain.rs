//! Domains: the host of a URL or bare domain, and the registrable domain by the Public Suffix
//! List (`psl`), so `mail.example.co.uk` is `example.co.uk` and `foo.github.io` stays itself.

/// The host of a URL or bare domain (`https://www.Acme.com/x` -> `acme.com`), if it has one.
pub fn host(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.contains('@') || s.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = s.to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    let ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    ok.then(|| host.to_string())
}

/// The registrable domain of a URL, host or email address (`https://www.Acme.co.uk/x` and
/// `ann@mail.acme.co.uk` -> `acme.co.uk`); empty when there is none.
pub fn registrable(value: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    let v = v.rsplit('@').next().unwrap_or(&v);
    let v = v.split("://").last().unwrap_or(v);
    let host = v
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    if !host.contains('.') || host.split('.').any(str::is_empty) {
        return String::new();
    }
    match psl::domain_str(host) {
        Some(d) => d.to_string(),
        // A host that is itself a public suffix (`co.uk`) names no organisation.
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let cases = [
            ("https://www.Acme.com/", Some("acme.com")),
            ("http://acme.co.uk/about?x=1", Some("acme.co.uk")),
            ("www.acme.com", Some("acme.com")),
            ("acme.com:8080", Some("acme.com")),
            ("acme", None),
            ("bob@acme.com", None),
            ("not a url", None),
        ];
        for (input, want) in cases {
            assert_eq!(host(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        let cases = [
            ("mail.example.co.uk", "example.co.uk"),
            ("https://www.Acme.co.uk/about", "acme.co.uk"),
            ("ann@mail.acme.com.au", "acme.com.au"),
            ("foo.github.io", "foo.github.io"),
            ("shop.acme.de", "acme.de"),
            ("acme.com.br", "acme.com.br"),
            ("co.uk", ""),
            ("localhost", ""),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(registrable(input), want, "{input}");
        }
    }

    /// `cargo test --release --lib values::domain::tests::bench_registrable -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn bench_registrable() {
        let hosts = [
            "www.acme.com",
            "mail.example.co.uk",
            "ann@shop.acme.de",
            "foo.github.io",
        ];
        let n = 1_000_000;
        let t = std::time::Instant::now();
        let mut total = 0;
        for i in 0..n {
            total += registrable(hosts[i % hosts.len()]).len();
        }
        println!(
            "psl registrable: {:?} for {n} values ({total})",
            t.elapsed()
        );
    }
}
