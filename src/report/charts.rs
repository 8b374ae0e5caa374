//! Inline SVG charts for reports: pure functions from figures to markup. Every text that
//! reaches the SVG is escaped here, so callers may pass client data as labels.

use std::fmt::Write;

/// Chart width in SVG units; the SVG scales to its container.
const WIDTH: f64 = 640.0;
/// Narrowest and widest label column of a bar chart; it fits the longest label.
const LABEL_MIN: f64 = 80.0;
const LABEL_MAX: f64 = 300.0;
/// Approximate width of one label character at the chart's font size.
const CHAR: f64 = 7.2;
/// Narrowest and widest value column after the bars; it fits the longest value text.
const VALUE_MIN: f64 = 60.0;
const VALUE_MAX: f64 = 240.0;
/// Approximate width of one value character (bold) at the chart's font size.
const CHAR_BOLD: f64 = 8.0;
/// Height of one bar row.
const ROW: f64 = 26.0;
/// Longest label shown, in characters.
const MAX_LABEL: usize = 40;
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/// The colour a figure is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Neutral,
}

impl Tone {
    /// The tone's name, as templates use it for CSS classes.
    pub fn name(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Neutral => "neutral",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Tone::Good => "#2f8a57",
            Tone::Warn => "#d4901c",
            Tone::Bad => "#c2452d",
            Tone::Neutral => "#4f6f9f",
        }
    }
}

/// Green from 75, amber from 50, red below: the bands reports use for 0-100 scores.
pub fn score_tone(score: f64) -> Tone {
    if score >= 75.0 {
        Tone::Good
    } else if score >= 50.0 {
        Tone::Warn
    } else {
        Tone::Bad
    }
}

/// One bar of a bar chart.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as printed after the bar (`72.5`, `1,204`).
    pub text: String,
    pub tone: Tone,
}

/// One segment of a stacked bar.
#[derive(Clone, Debug)]
pub struct Part {
    pub label: String,
    pub value: u64,
    pub tone: Tone,
}

/// Escapes text for SVG (XML) content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0 text.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to [`MAX_LABEL`] characters, with an ellipsis when cut.
fn short(label: &str) -> String {
    crate::text::excerpt(label, MAX_LABEL).into_owned()
}

/// A number for an SVG attribute: one decimal, no float noise.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn open(out: &mut String, title: &str, height: f64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
role=\"img\" aria-label=\"{t}\" font-family=\"{FONT}\" font-size=\"13\"><title>{t}</title>",
        w = n(WIDTH),
        h = n(height),
        t = escape(title),
    );
}

/// A horizontal bar chart scaled to `max` (e.g. 100 for scores); with `ticks`, a light scale
/// at quarters of `max` under the bars. Empty when there are no bars.
pub fn bars(title: &str, bars: &[Bar], max: f64, ticks: bool) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let longest = bars
        .iter()
        .map(|b| short(&b.label).chars().count())
        .max()
        .unwrap_or(0);
    let label = (CHAR * longest as f64 + 14.0).clamp(LABEL_MIN, LABEL_MAX);
    // A value text wider than its column runs off the SVG and is cut (`352 (73.3%`).
    let widest = bars
        .iter()
        .map(|b| b.text.chars().count())
        .max()
        .unwrap_or(0);
    let value = (CHAR_BOLD * widest as f64 + 12.0).clamp(VALUE_MIN, VALUE_MAX);
    let span = WIDTH - label - value;
    let top = 4.0;
    let height = top + ROW * bars.len() as f64 + if ticks { 22.0 } else { 4.0 };
    let mut out = String::new();
    open(&mut out, title, height);
    if ticks {
        let bottom = top + ROW * bars.len() as f64;
        for q in 0..=4 {
            let x = label + span * q as f64 / 4.0;
            let _ = write!(
                out,
                "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{b}\" stroke=\"#d6dbe3\" stroke-width=\"1\"/>\
<text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#7a8596\" font-size=\"11\">{v}</text>",
                x = n(x),
                top = n(top),
                b = n(bottom),
                ty = n(bottom + 15.0),
                v = n(max * q as f64 / 4.0),
            );
        }
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + ROW * i as f64;
        let share = if max > 0.0 {
            (b.value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let w = span * share;
        let _ = write!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#1d2430\">{label}</text>\
<rect x=\"{x}\" y=\"{by}\" width=\"{span}\" height=\"16\" rx=\"3\" fill=\"#eef1f6\"/>\
<rect x=\"{x}\" y=\"{by}\" width=\"{w}\" height=\"16\" rx=\"3\" fill=\"{color}\"/>\
<text x=\"{vx}\" y=\"{ty}\" fill=\"#1d2430\" font-weight=\"600\">{text}</text>",
            lx = n(label - 10.0),
            ty = n(y + 17.0),
            label = escape(&short(&b.label)),
            x = n(label),
            by = n(y + 4.0),
            span = n(span),
            w = n(w),
            color = b.tone.color(),
            vx = n(label + span + 8.0),
            text = escape(&b.text),
        );
    }
    out.push_str("</svg>");
    out
}

/// One stacked horizontal bar of `parts` with a legend (label, count, share) below it.
/// Empty when the parts add up to nothing.
pub fn stacked(title: &str, parts: &[Part]) -> String {
    let total: u64 = parts.iter().map(|p| p.value).sum();
    if total == 0 {
        return String::new();
    }
    let mut out = String::new();
    open(&mut out, title, 70.0);
    let mut x = 0.0;
    for p in parts {
        let w = WIDTH * p.value as f64 / total as f64;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"4\" width=\"{w}\" height=\"28\" fill=\"{color}\"><title>{label}: {v}</title></rect>",
            x = n(x),
            w = n(w),
            color = p.tone.color(),
            label = escape(&p.label),
            v = p.value,
        );
        // The share is written inside the segment only where it fits.
        if w >= 44.0 {
            let _ = write!(
                out,
                "<text x=\"{cx}\" y=\"23\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"600\">{pct}%</text>",
                cx = n(x + w / 2.0),
                pct = n(100.0 * p.value as f64 / total as f64),
            );
        }
        x += w;
    }
    let slot = WIDTH / parts.len().max(1) as f64;
    for (i, p) in parts.iter().enumerate() {
        let lx = slot * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"48\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{color}\"/>\
<text x=\"{tx}\" y=\"58\" fill=\"#1d2430\">{label} {v} ({pct}%)</text>",
            lx = n(lx),
            tx = n(lx + 18.0),
            color = p.tone.color(),
            label = escape(&short(&p.label)),
            v = p.value,
            pct = n(100.0 * p.value as f64 / total as f64),
        );
    }
    out.push_str("</svg>");
    out
}

/// One series of a line chart: a value (or a gap) per x label.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub points: Vec<Option<f64>>,
    pub tone: Tone,
}

/// A line chart of shares (0 to 1, drawn as 0 to 100%) over `labels` (e.g. snapshot dates),
/// with a legend. Empty with fewer than two labels or no series.
pub fn lines(title: &str, labels: &[String], series: &[Line]) -> String {
    if labels.len() < 2 || series.is_empty() {
        return String::new();
    }
    let (left, right, top, plot_h) = (44.0, 24.0, 10.0, 180.0);
    let legend_y = top + plot_h + 40.0;
    let height = legend_y + 18.0 * series.len().div_ceil(3) as f64 + 6.0;
    let span = WIDTH - left - right;
    let x = |i: usize| left + span * i as f64 / (labels.len() - 1) as f64;
    let y = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let mut out = String::new();
    open(&mut out, title, height);
    for q in 0..=4 {
        let v = q as f64 / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{l}\" y1=\"{yy}\" x2=\"{r}\" y2=\"{yy}\" stroke=\"#e3e7ee\" stroke-width=\"1\"/>\
<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#7a8596\" font-size=\"11\">{p}%</text>",
            l = n(left),
            r = n(WIDTH - right),
            yy = n(y(v)),
            tx = n(left - 6.0),
            ty = n(y(v) + 4.0),
            p = q * 25,
        );
    }
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{a}\" fill=\"#5b6678\" font-size=\"11\">{t}</text>",
            x = n(x(i)),
            a = if i == 0 {
                "start"
            } else if i + 1 == labels.len() {
                "end"
            } else {
                "middle"
            },
            y = n(top + plot_h + 18.0),
            t = escape(&short(label)),
        );
    }
    for s in series {
        let mut path = String::new();
        let mut pen_up = true;
        for (i, p) in s.points.iter().enumerate() {
            match p {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{},{} ",
                        if pen_up { "M" } else { "L" },
                        n(x(i)),
                        n(y(*v))
                    );
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        let _ = write!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/>",
            d = path.trim_end(),
            c = s.tone.color(),
        );
        for (i, p) in s.points.iter().enumerate() {
            if let Some(v) = p {
                let _ = write!(
                    out,
                    "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3.5\" fill=\"{c}\"><title>{t}: {v}%</title></circle>",
                    cx = n(x(i)),
                    cy = n(y(*v)),
                    c = s.tone.color(),
                    t = escape(&s.label),
                    v = n(v * 100.0),
                );
            }
        }
    }
    let slot = WIDTH / 3.0;
    for (i, s) in series.iter().enumerate() {
        let lx = slot * (i % 3) as f64 + left;
        let ly = legend_y + 18.0 * (i / 3) as f64;
        let last = s.points.iter().rev().flatten().next();
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"{ry}\" width=\"12\" height=\"4\" fill=\"{c}\"/>\
<text x=\"{tx}\" y=\"{ty}\" fill=\"#1d2430\">{label}{v}</text>",
            lx = n(lx),
            ry = n(ly - 6.0),
            c = s.tone.color(),
            tx = n(lx + 18.0),
            ty = n(ly),
            label = escape(&short(&s.label)),
            v = last
                .map(|v| format!(" {}%", n(v * 100.0)))
                .unwrap_or_default(),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            text: format!("{value}"),
            tone: score_tone(value),
        }
    }

    #[test]
    fn escape_table() {
        for (input, want) in [
            ("plain", "plain"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("a & b \"c\" 'd'", "a &amp; b &quot;c&quot; &#39;d&#39;"),
            ("tab\there", "tab here"),
        ] {
            assert_eq!(escape(input), want);
        }
    }

    #[test]
    fn hostile_labels_and_titles_are_escaped() {
        let evil = "<script>alert(1)</script>";
        let svg = bars(evil, &[bar(evil, 50.0)], 100.0, true);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        let svg = stacked(
            evil,
            &[Part {
                label: "\"><img src=x onerror=alert(1)>".into(),
                value: 3,
                tone: Tone::Bad,
            }],
        );
        assert!(!svg.contains("<img"), "{svg}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    }

    #[test]
    fn bar_widths_are_proportional_and_clamped() {
        let span = WIDTH - LABEL_MIN - VALUE_MIN;
        let svg = bars(
            "t",
            &[bar("a", 50.0), bar("b", 150.0), bar("c", -5.0)],
            100.0,
            false,
        );
        assert!(
            svg.contains(&format!("width=\"{}\"", n(span / 2.0))),
            "{svg}"
        );
        assert!(svg.contains(&format!(
            "width=\"{}\" height=\"16\" rx=\"3\" fill=\"#c2452d\"",
            n(0.0)
        )));
        // 150 of 100 is drawn full, not past the track.
        assert_eq!(svg.matches(&format!("width=\"{}\"", n(span))).count(), 4);
    }

    #[test]
    fn nothing_to_draw_draws_nothing() {
        assert_eq!(bars("t", &[], 100.0, true), "");
        assert_eq!(
            stacked(
                "t",
                &[Part {
                    label: "a".into(),
                    value: 0,
                    tone: Tone::Good
                }]
            ),
            ""
        );
        // A zero scale draws empty bars instead of dividing by zero.
        assert!(!bars("t", &[bar("a", 3.0)], 0.0, false).contains("NaN"));
    }

    #[test]
    fn stacked_segments_fill_the_width_and_show_shares() {
        let parts = [
            Part {
                label: "Active".into(),
                value: 380,
                tone: Tone::Good,
            },
            Part {
                label: "Dormant".into(),
                value: 22,
                tone: Tone::Warn,
            },
            Part {
                label: "Dead".into(),
                value: 98,
                tone: Tone::Bad,
            },
        ];
        let svg = stacked("status", &parts);
        assert!(svg.contains("Active 380 (76%)"), "{svg}");
        assert!(svg.contains("Dead 98 (19.6%)"), "{svg}");
        assert!(svg.contains(">76%</text>"));
        // Dormant (4.4% of 640 = 28 units) is too narrow for its share inside.
        assert!(!svg.contains(">4.4%</text>"));
    }

    #[test]
    fn line_charts_draw_gaps_and_escape_labels() {
        let labels = vec![
            "2025-05-31".to_string(),
            "<b>".to_string(),
            "2025-06-30".to_string(),
        ];
        let svg = lines(
            "t",
            &labels,
            &[Line {
                label: "<script>".into(),
                points: vec![Some(0.5), None, Some(1.0)],
                tone: Tone::Good,
            }],
        );
        assert!(!svg.contains("<script") && !svg.contains("<b>"), "{svg}");
        // Two separate pen-down moves around the gap.
        assert_eq!(svg.matches('M').count(), 2, "{svg}");
        assert!(lines("t", &labels[..1], &[]).is_empty());
    }

    #[test]
    fn score_bands() {
        assert_eq!(score_tone(75.0), Tone::Good);
        assert_eq!(score_tone(74.9), Tone::Warn);
        assert_eq!(score_tone(50.0), Tone::Warn);
        assert_eq!(score_tone(10.0), Tone::Bad);
    }

    #[test]
    fn long_value_texts_widen_the_value_column_and_stay_inside_the_chart() {
        let mut b = bar("Inside Sales", 9_945_000.0);
        b.text = "9,945,000 · 83 won (45.6%)".into();
        let svg = bars("t", &[b, bar("MQL", 1.0)], 9_945_000.0, false);
        let vx: f64 = svg
            .split("<text x=\"")
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .fold(0.0, f64::max);
        assert!(vx + CHAR_BOLD * 26.0 <= WIDTH, "value text starts at {vx}");
    }

    #[test]
    fn long_labels_are_cut_and_widen_the_label_column() {
        let svg = bars("t", &[bar(&"x".repeat(60), 1.0)], 1.0, false);
        assert!(svg.contains(&format!("{}…", "x".repeat(MAX_LABEL - 1))));
        let x = n((CHAR * MAX_LABEL as f64 + 14.0).min(LABEL_MAX));
        assert!(svg.contains(&format!("<rect x=\"{x}\"")), "{svg}");
    }
}
