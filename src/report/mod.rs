//! Report rendering, the only minijinja user: the embedded templates and their environment
//! (HTML templates autoescape, so client data never becomes markup).

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use crate::error::{Error, Result};

/// The templates compiled into the binary, by name.
pub const TEMPLATES: &[(&str, &str)] = &[(
    "checklist.html.j2",
    include_str!("../../report-templates/checklist.html.j2"),
)];

/// The environment with every builtin template; `.html.j2` templates escape HTML.
pub fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("code", code_spans);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::Other(format!("template `{name}`: {e}")))?;
    }
    Ok(env)
}

/// Renders template `name` with `context`.
pub fn render<T: Serialize>(name: &str, context: &T) -> Result<String> {
    let env = environment()?;
    let template = env
        .get_template(name)
        .map_err(|e| Error::Other(format!("template `{name}`: {e}")))?;
    template
        .render(minijinja::value::Serde(context))
        .map_err(|e| Error::Other(format!("cannot render `{name}`: {e}")))
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
        environment().unwrap();
    }
}
