//! The one YAML loader: every crmkit.yaml, mapping, playbook, target schema, rule and answers
//! file is parsed here, after a linear scan that refuses nesting deeper than [`MAX_DEPTH`]
//! (the parser takes quadratic time to reject a deeply nested document).

use serde::de::{DeserializeOwned, Error as _};

/// Deepest nesting accepted; real files stay under ten levels.
pub const MAX_DEPTH: usize = 64;

/// Parses `text` as `T`, refusing deep nesting first. The error is serde_yaml's own type, so
/// callers word it as they word any other YAML error.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_yaml::Error> {
    if let Some((line, depth)) = too_deep(text) {
        return Err(serde_yaml::Error::custom(format!(
            "line {line}: nesting deeper than {MAX_DEPTH} levels ({depth} levels or more); crmkit refuses it"
        )));
    }
    serde_yaml::from_str(text)
}

/// The first line (1-based) where nesting passes [`MAX_DEPTH`], with the depth reached.
///
/// Depth counts the open block levels (a stack of indentations, plus the `- ` markers that
/// open sequences on one line) and the open flow collections (`[` and `{` from the start of a
/// flow node to its close, quotes skipped). Block scalar bodies (`|`, `>`) are skipped. It
/// may overcount odd but legal files a little, never undercount a nested one.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    // While inside a block scalar: the indentation its body must exceed.
    let mut scalar_above: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if let Some(parent) = scalar_above {
            if body.is_empty() || indent > parent {
                continue;
            }
            scalar_above = None;
        }
        let mut rest = body;
        let mut depth_here = 0;
        if flow == 0 {
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
            // `- - - x`: each marker opens a sequence.
            while let Some(after) = rest.strip_prefix("- ").or(rest.strip_prefix("-\t")) {
                depth_here += 1;
                rest = after.trim_start();
            }
            if rest == "-" {
                depth_here += 1;
            }
        }
        let in_flow = flow > 0;
        let (opened, block_scalar) = scan_flow(rest, &mut flow, in_flow);
        let depth = indents.len() + depth_here + opened.max(flow);
        if depth > MAX_DEPTH {
            return Some((i + 1, depth));
        }
        if block_scalar && flow == 0 {
            scalar_above = Some(indent);
        }
    }
    None
}

/// Walks one line's text, updating the open flow depth; returns the deepest flow depth seen
/// on the line and whether the line opens a block scalar. Outside flow collections a bracket
/// opens one only where a node starts (line start, after `: ` or `- `).
fn scan_flow(text: &str, flow: &mut usize, in_flow: bool) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut deepest = *flow;
    let mut at_node_start = !in_flow;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if *flow == 0 {
            match b {
                b'[' | b'{' if at_node_start => {
                    *flow = 1;
                    deepest = deepest.max(1);
                }
                b'#' if i == 0 || bytes[i - 1] == b' ' => break,
                b'|' | b'>' if at_node_start => {
                    let tail = text[i + 1..].trim();
                    let header = tail.split(" #").next().unwrap_or("").trim();
                    if header.chars().all(|c| matches!(c, '-' | '+' | '0'..='9')) {
                        return (deepest, true);
                    }
                    at_node_start = false;
                }
                b'\'' | b'"' if at_node_start => {
                    i = skip_quoted(bytes, i);
                    at_node_start = false;
                    continue;
                }
                b':' if bytes.get(i + 1).is_none_or(|c| *c == b' ') => at_node_start = true,
                b'-' if at_node_start && bytes.get(i + 1).is_none_or(|c| *c == b' ') => {}
                b' ' | b'\t' => {}
                _ => at_node_start = false,
            }
        } else {
            match b {
                b'[' | b'{' => {
                    *flow += 1;
                    deepest = deepest.max(*flow);
                }
                b']' | b'}' => *flow -= 1,
                b'\'' | b'"' => {
                    i = skip_quoted(bytes, i);
                    continue;
                }
                b'#' if i == 0 || bytes[i - 1] == b' ' => break,
                _ => {}
            }
        }
        i += 1;
    }
    (deepest, false)
}

/// The index just past the quoted scalar starting at `start` (or the line's end).
fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Result<serde_yaml::Value, serde_yaml::Error> {
        from_str(text)
    }

    #[test]
    fn deep_flow_block_and_dash_nesting_is_refused_quickly() {
        let n = 100_000;
        let hostile = [
            "[".repeat(n),
            "{a: ".repeat(n),
            format!("x: {}1{}", "[".repeat(n), "]".repeat(n)),
            (0..200)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect(),
            format!("{}x", "- ".repeat(n)),
            (0..200).map(|i| format!("{}-\n", " ".repeat(i))).collect(),
        ];
        for text in hostile {
            let started = std::time::Instant::now();
            let err = value(&text).unwrap_err().to_string();
            assert!(err.contains("nesting deeper than 64"), "{err}");
            assert!(
                started.elapsed().as_millis() < 500,
                "{:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn ordinary_files_pass_at_any_depth_up_to_the_limit() {
        let ok = format!("x: {}1{}", "[".repeat(60), "]".repeat(60));
        assert!(value(&ok).is_ok());
        let block: String = (0..60)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(value(&block).is_ok());
        // Brackets inside quotes, plain scalars, comments and block scalars are text.
        let text = format!(
            "a: \"{open}\"\nb: '{open}'\nc: see [1 and {{2\nd: |\n  {open}\n  more\ne: x # {open}\nf: [\"]]\", '[[', 2]\n",
            open = "[".repeat(200)
        );
        let v = value(&text).unwrap();
        assert_eq!(v["c"].as_str(), Some("see [1 and {2"));
        assert_eq!(v["f"][0].as_str(), Some("]]"));
        // Every bundled playbook, schema, rule and answers file passes.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("playbooks"), root.join("src/cli")];
        let mut seen = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert_eq!(too_deep(&text), None, "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 10, "{seen}");
    }
}
