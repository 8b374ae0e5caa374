//! Report rendering, the only minijinja user: the embedded templates, overridden file by file
//! from a folder, their one environment (HTML templates autoescape, so client data never
//! becomes markup; Markdown templates escape every value with [`escape::markdown`]), the
//! filters templates share, and the report models and charts.

pub mod adoption;
pub mod charts;
pub mod cleanup;
pub mod model;
pub mod names;
pub mod priorities;
pub mod quality;
pub mod readiness;
pub mod rollout;
pub mod sections;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, State, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::escape::markdown;
use crate::numbers;
use charts::{Bar, Part, Tone, score_tone};
use model::Readiness;

/// The templates compiled into the binary, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "adoption.html.j2",
        include_str!("../../report-templates/adoption.html.j2"),
    ),
    (
        "adoption.md.j2",
        include_str!("../../report-templates/adoption.md.j2"),
    ),
    (
        "checklist.html.j2",
        include_str!("../../report-templates/checklist.html.j2"),
    ),
    (
        "readiness.html.j2",
        include_str!("../../report-templates/readiness.html.j2"),
    ),
    (
        "readiness.md.j2",
        include_str!("../../report-templates/readiness.md.j2"),
    ),
    (
        "rollout.html.j2",
        include_str!("../../report-templates/rollout.html.j2"),
    ),
    (
        "rollout.md.j2",
        include_str!("../../report-templates/rollout.md.j2"),
    ),
];

/// The auto-escape mode of `*.md.j2` templates: every value printed is Markdown-escaped.
const MARKDOWN: &str = "markdown";

/// Findings drawn in the findings chart.
const CHART_FINDINGS: usize = 8;

/// The template environment: the builtin templates, with those of a folder replacing them by
/// file name (other `.j2` files there are added, for includes).
pub struct Templates {
    env: Environment<'static>,
    /// Where each overridden template came from, for error messages.
    origins: BTreeMap<String, PathBuf>,
}

impl Templates {
    /// The builtin templates, overridden by the `*.j2` files of `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else if name.ends_with(".md.j2") {
                AutoEscape::Custom(MARKDOWN.into())
            } else {
                AutoEscape::None
            }
        });
        // A Markdown template cannot forget to escape: every value it prints is plain text
        // unless a filter (`md`, `literal`) already made it safe Markdown.
        env.set_formatter(|out, state, value| {
            if !in_markdown(state) {
                return minijinja::escape_formatter(out, state, value);
            }
            if value.is_safe() || value.is_number() || value.is_undefined() || value.is_none() {
                write!(out, "{value}").map_err(minijinja::Error::from)
            } else {
                out.write_str(&markdown::text(&value.to_string()))
                    .map_err(minijinja::Error::from)
            }
        });
        // A misspelt field is an error, not a silently empty cell; `{% if x %}` still works.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // Markdown and text outputs end with their newline, as files should.
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| Error::Other(format!("template syntax: {e}")))?,
        );
        env.add_filter("code", code_filter);
        env.add_filter("md", md_text);
        env.add_filter("literal", literal);
        env.add_filter("thousands", numbers::whole);
        env.add_filter("pct", numbers::pct);
        env.add_filter("num", numbers::one_decimal);
        // A figure compared with a threshold: enough decimals to read the comparison.
        env.add_filter("decimal", numbers::decimal);
        let mut origins = BTreeMap::new();
        let mut sources: BTreeMap<String, String> = TEMPLATES
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read folder", dir, e))?;
            for entry in entries {
                let path = entry.map_err(|e| Error::io("read folder", dir, e))?.path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if path.is_file() && name.ends_with(".j2") {
                    let text =
                        std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                    sources.insert(name.clone(), text);
                    origins.insert(name, path);
                }
            }
        }
        for (name, source) in sources {
            let label = origins
                .get(&name)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| format!("report-templates/{name}"));
            env.add_template_owned(name, source)
                .map_err(|e| template_error(&label, &e))?;
        }
        Ok(Templates { env, origins })
    }

    /// Renders template `name` with `context`.
    pub fn render<T: Serialize>(&self, name: &str, context: &T) -> Result<String> {
        let label = self
            .origins
            .get(name)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("report-templates/{name}"));
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_error(&label, &e))?;
        template
            .render(minijinja::value::Serde(context))
            .map_err(|e| template_error(&label, &e))
    }
}

/// A template problem, naming the file and line; an overridden template is input to fix.
fn template_error(label: &str, e: &minijinja::Error) -> Error {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let mut text = format!("template `{label}{line}`: {}", e.kind());
    if let Some(detail) = e.detail() {
        text.push_str(&format!(": {detail}"));
    }
    Error::Input(format!(
        "{text}\n  hint: fix the template, or remove it from the templates folder to use the builtin one"
    ))
}

/// Renders a builtin template with `context`.
pub fn render<T: Serialize>(name: &str, context: &T) -> Result<String> {
    Templates::load(None)?.render(name, context)
}

/// Formats a readiness report is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
    Json,
}

impl Format {
    /// The file extension, which is also the format's name.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

/// The model plus its charts, as templates see it.
#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    report: &'a Readiness,
    charts: Charts,
}

/// Inline SVG charts of a readiness report (empty strings when there is nothing to draw).
#[derive(Serialize)]
struct Charts {
    dimensions: String,
    account_status: String,
    findings: String,
}

/// The readiness report in `format`.
pub fn render_readiness(templates: &Templates, r: &Readiness, format: Format) -> Result<String> {
    match format {
        Format::Json => serde_json::to_string_pretty(r)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("cannot encode JSON: {e}"))),
        Format::Html | Format::Md => templates.render(
            &format!("readiness.{}.j2", format.extension()),
            &Context {
                report: r,
                charts: readiness_charts(r),
            },
        ),
    }
}

fn readiness_charts(r: &Readiness) -> Charts {
    let dimensions = charts::bars(
        "Readiness per dimension, 0 to 100",
        &r.readiness
            .dimensions
            .iter()
            .map(|d| Bar {
                label: capitalise(&d.name),
                value: d.score,
                text: numbers::one_decimal(d.score),
                tone: score_tone(d.score),
            })
            .collect::<Vec<_>>(),
        100.0,
        true,
    );
    let account_status = r
        .data_quality
        .as_ref()
        .and_then(|q| q.account_status.as_ref())
        .map(|a| {
            charts::stacked(
                "Accounts by status",
                &[
                    Part {
                        label: "Active".into(),
                        value: a.active,
                        tone: Tone::Good,
                    },
                    Part {
                        label: "Dormant".into(),
                        value: a.dormant,
                        tone: Tone::Warn,
                    },
                    Part {
                        label: "Dead".into(),
                        value: a.dead,
                        tone: Tone::Bad,
                    },
                ],
            )
        })
        .unwrap_or_default();
    let findings = r
        .data_quality
        .as_ref()
        .map(|q| {
            // Similar findings read as one bar, as the table groups them.
            let mut top: Vec<_> = q.groups.iter().collect();
            top.sort_by_key(|f| std::cmp::Reverse(f.count));
            top.truncate(CHART_FINDINGS);
            let max = top.first().map(|f| f.count as f64).unwrap_or(0.0);
            charts::bars(
                "Records affected per kind of finding",
                &top.iter()
                    .map(|f| Bar {
                        label: f.label.clone(),
                        value: f.count as f64,
                        text: numbers::thousands(f.count),
                        tone: Tone::Neutral,
                    })
                    .collect::<Vec<_>>(),
                max,
                false,
            )
        })
        .unwrap_or_default();
    Charts {
        dimensions,
        account_status,
        findings,
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// crmkit's own text with `back-ticked` runs (commands, field names) shown as code: Markdown
/// code spans in Markdown, `<code>` elements in HTML; everything else escaped as text.
fn code_filter(state: &State, text: &str) -> Value {
    if !in_markdown(state) {
        return code_spans(text);
    }
    Value::from_safe_string(markdown::with_code_spans(text))
}

/// Escapes text for HTML, then turns `back-ticked` runs into `<code>` elements.
fn code_spans(text: &str) -> minijinja::Value {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for ch in text.chars() {
        match ch {
            '`' => {
                out.push_str(if open { "</code>" } else { "<code>" });
                open = !open;
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(ch),
        }
    }
    if open {
        out.push_str("</code>");
    }
    minijinja::Value::from_safe_string(out)
}

fn in_markdown(state: &State) -> bool {
    matches!(state.auto_escape(), AutoEscape::Custom(name) if name == MARKDOWN)
}

/// Client text as plain Markdown text ([`markdown::text`]); elsewhere the text as is, for
/// the template's own escaping.
fn md_text(state: &State, text: &str) -> Value {
    if in_markdown(state) {
        Value::from_safe_string(markdown::text(text))
    } else {
        Value::from(text)
    }
}

/// A value shown verbatim as code: a Markdown code span, or an HTML `<code>` element.
fn literal(state: &State, text: &str) -> Value {
    if in_markdown(state) {
        Value::from_safe_string(markdown::code(text))
    } else {
        let escaped = minijinja::HtmlEscape(text).to_string();
        Value::from_safe_string(format!("<code>{escaped}</code>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_escape_before_marking_up() {
        assert_eq!(
            code_spans("run `a <b>` & <script>").to_string(),
            "run <code>a &lt;b&gt;</code> &amp; &lt;script&gt;"
        );
    }

    #[test]
    fn every_template_compiles() {
        Templates::load(None).unwrap();
    }

    #[test]
    fn number_filters() {
        for (v, t, p, n) in [
            (0.0249, "0", "2.5%", "0"),
            (1.0, "1", "100%", "1"),
            (1234567.4, "1,234,567", "123,456,740%", "1,234,567.4"),
            (-1500.0, "-1,500", "-150,000%", "-1,500"),
            (41.25, "41", "4,125%", "41.3"),
        ] {
            assert_eq!(
                (
                    numbers::whole(v).as_str(),
                    numbers::pct(v).as_str(),
                    numbers::one_decimal(v).as_str()
                ),
                (t, p, n),
                "{v}"
            );
        }
    }

    #[test]
    fn a_folder_overrides_templates_by_name_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("readiness.md.j2"),
            "client={{ client | md }}",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        let out = t
            .render(
                "readiness.md.j2",
                &serde_json::json!({"client": "<b>A|B</b>"}),
            )
            .unwrap();
        assert_eq!(out, "client=\\<b>A\\|B\\</b>");
        // The HTML template is still the builtin one.
        assert!(!t.origins.contains_key("readiness.html.j2"));
        std::fs::write(
            dir.path().join("readiness.md.j2"),
            "line 1\n{{ client | nosuch }}",
        )
        .unwrap();
        let err = Templates::load(Some(dir.path()))
            .and_then(|t| t.render("readiness.md.j2", &serde_json::json!({"client": "x"})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("readiness.md.j2:2"), "{err}");
        std::fs::write(dir.path().join("readiness.md.j2"), "{% if %}").unwrap();
        let err = Templates::load(Some(dir.path()))
            .err()
            .expect("a syntax error fails the load")
            .to_string();
        assert!(
            err.contains("readiness.md.j2:1") && err.contains("syntax"),
            "{err}"
        );
    }

    #[test]
    fn html_and_markdown_templates_both_escape_every_value() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.html.j2"), "{{ v }}").unwrap();
        std::fs::write(
            dir.path().join("x.md.j2"),
            "{{ v }} {{ v | md }} {{ v | literal }} {{ n }} {{ '**ok**' }}",
        )
        .unwrap();
        std::fs::write(dir.path().join("x.txt.j2"), "{{ v }}").unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        let ctx = serde_json::json!({"v": "x`<img src=x onerror=alert(1)>", "n": -3});
        assert_eq!(
            t.render("x.html.j2", &ctx).unwrap(),
            "x`&lt;img src=x onerror=alert(1)&gt;"
        );
        let esc = "x\\`\\<img src=x onerror=alert(1)>";
        assert_eq!(
            t.render("x.md.j2", &ctx).unwrap(),
            format!("{esc} {esc} ``x`<img src=x onerror=alert(1)>`` -3 \\*\\*ok\\*\\*")
        );
        assert_eq!(
            t.render("x.txt.j2", &ctx).unwrap(),
            "x`<img src=x onerror=alert(1)>"
        );
    }
}
