//! The roll-out report's model (the plan reviewed on a day, with each phase's team adoption
//! from the latest snapshot) and its timeline chart: an inline SVG Gantt of phases coloured
//! by health, milestones and today's line. Every client text in the SVG is escaped here.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::charts::escape;
use super::{Format, Templates};
use crate::error::{Error, Result};
use crate::rollout::health::Health;
use crate::rollout::{PhaseView, Review};
use crate::staging::AdoptionFigures;

/// One adoption figure of one scope; `value` None is "not measured".
#[derive(Clone, Debug, Serialize)]
pub struct AdoptionFigure {
    pub name: String,
    /// The figure in a client's words (`weekly active users`).
    pub label: String,
    pub value: Option<f64>,
    /// A share (0 to 1), shown as a percentage.
    pub share: bool,
    pub detail: Option<String>,
}

/// The adoption of one team (or user) of a phase.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeAdoption {
    pub scope: String,
    /// The scope as a client reads it (`Inside Sales team`, `everyone`).
    pub label: String,
    pub figures: Vec<AdoptionFigure>,
}

/// One scope's exit verdict in a client's words.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeWords {
    /// `Inside Sales team`, `everyone`.
    pub label: String,
    /// `met`, `not met` or `not measured`.
    pub outcome: String,
    /// `weekly active users 40% (2 of 5 reps)`, one per metric.
    pub figures: Vec<String>,
}

/// A phase with its adoption.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseReport {
    #[serde(flatten)]
    pub phase: PhaseView,
    pub adoption: Vec<ScopeAdoption>,
    /// The exit criteria's conditions in words (`weekly active users at least 80%`).
    pub exit_terms: Vec<String>,
    /// The exit verdict per scope in words; the expression and raw figures are `exit`.
    pub exit_words: Vec<ScopeWords>,
}

/// A scope as a client reads it: `team:East` -> `East team`, `rep:Ann` -> `Ann`, `all` ->
/// `everyone`.
pub fn scope_label(scope: &str) -> String {
    match scope.split_once(':') {
        Some(("team", name)) => format!("{name} team"),
        Some((_, name)) => name.to_string(),
        None if scope == "all" => "everyone".into(),
        None => scope.to_string(),
    }
}

/// A metric in words (from the catalogue's `metric_words`, else its name without the prefix).
fn metric_words(metric: &str, words: &BTreeMap<String, String>) -> String {
    words.get(metric).cloned().unwrap_or_else(|| {
        metric
            .split_once('.')
            .map_or(metric, |(_, n)| n)
            .replace('_', " ")
    })
}

/// Shares and rates read as percentages; counts and averages as numbers.
fn is_share(metric: &str) -> bool {
    metric.ends_with("_share")
        || metric.ends_with("_rate")
        || metric.ends_with("completeness")
        || metric.ends_with("credibility")
}

fn value_words(metric: &str, v: f64) -> String {
    if is_share(metric) {
        crate::numbers::pct(v)
    } else {
        crate::numbers::one_decimal(v)
    }
}

/// Each condition of an exit expression in words: `weekly active users at least 80%`.
pub fn exit_terms(expression: &str, words: &BTreeMap<String, String>) -> Vec<String> {
    use crate::playbook::evidence::{Expr, Op, Operand};
    let Ok(expr) = expression.parse::<Expr>() else {
        return vec![expression.to_string()];
    };
    expr.terms
        .iter()
        .map(|t| {
            let name = metric_words(&t.metric, words);
            match &t.compare {
                None => name,
                Some((op, right)) => {
                    let relation = match op {
                        Op::Ge => "at least",
                        Op::Gt => "above",
                        Op::Le => "at most",
                        Op::Lt => "below",
                        Op::Eq => "exactly",
                        Op::Ne => "not",
                        Op::In => "one of",
                        Op::Contains => "including",
                    };
                    let right = match right {
                        Operand::Number(n) => value_words(&t.metric, *n),
                        Operand::Metric(m) => metric_words(m, words),
                        other => other.to_string(),
                    };
                    format!("{name} {relation} {right}")
                }
            }
        })
        .collect()
}

/// A phase's exit verdict per scope, in words.
fn exit_words(
    exit: &crate::rollout::exit::ExitResult,
    words: &BTreeMap<String, String>,
) -> Vec<ScopeWords> {
    use crate::rollout::exit::ExitOutcome;
    exit.scopes
        .iter()
        .map(|s| ScopeWords {
            label: scope_label(&s.scope),
            outcome: match s.outcome {
                ExitOutcome::Pass => "met",
                ExitOutcome::Fail => "not met",
                ExitOutcome::NotMeasured => "not measured",
                ExitOutcome::None => "no exit criteria",
            }
            .into(),
            figures: s
                .figures
                .iter()
                .map(|f| {
                    let value = f
                        .value
                        .map(|v| value_words(&f.metric, v))
                        .unwrap_or_else(|| "not measured".into());
                    let detail = f
                        .detail
                        .as_deref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default();
                    format!("{} {value}{detail}", metric_words(&f.metric, words))
                })
                .collect(),
        })
        .collect()
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct RolloutReport {
    pub client: String,
    pub target: String,
    pub generated_at: String,
    pub as_of: NaiveDate,
    pub adoption_snapshot: Option<String>,
    pub adoption_as_of: Option<String>,
    pub health_counts: Vec<HealthCount>,
    pub phases: Vec<PhaseReport>,
    pub milestones: Vec<crate::rollout::MilestoneView>,
    pub warnings: Vec<crate::rollout::check::Warning>,
    pub metrics: Vec<crate::rollout::MetricView>,
    /// `client` (the default: criteria in words, expressions in an appendix) or `team`.
    pub audience: String,
}

/// How many phases have one health.
#[derive(Clone, Debug, Serialize)]
pub struct HealthCount {
    pub health: Health,
    pub label: &'static str,
    pub phases: usize,
}

const HEALTHS: [Health; 5] = [
    Health::NotStarted,
    Health::OnTrack,
    Health::AtRisk,
    Health::Late,
    Health::Done,
];

/// Who reads the report and in which words.
pub struct View<'a> {
    /// `client` or `team`.
    pub audience: &'a str,
    /// Metrics in a client's words, from the catalogue.
    pub words: &'a BTreeMap<String, String>,
}

/// Builds the report from a review and the snapshot it read.
pub fn build(
    review: Review,
    adoption: &AdoptionFigures,
    headline: &[String],
    client: &str,
    target: &str,
    generated_at: String,
    view: &View,
) -> RolloutReport {
    let phases = review
        .phases
        .into_iter()
        .map(|p| {
            let mut names: Vec<String> = headline.to_vec();
            if let Some(expr) = p
                .exit
                .expression
                .as_deref()
                .and_then(|e| e.parse::<crate::playbook::evidence::Expr>().ok())
            {
                for m in expr.metrics() {
                    if let Some(n) = m.strip_prefix("adoption.")
                        && !names.iter().any(|x| x == n)
                    {
                        names.push(n.to_string());
                    }
                }
            }
            let adoption = crate::rollout::exit::scopes(&p.teams, &p.users)
                .into_iter()
                .map(|scope| ScopeAdoption {
                    label: scope_label(&scope),
                    figures: names
                        .iter()
                        .map(|n| {
                            let found = adoption.get(&scope, n);
                            AdoptionFigure {
                                label: metric_words(&format!("adoption.{n}"), view.words),
                                name: n.clone(),
                                value: found.and_then(|(v, _)| *v),
                                share: n.ends_with("_share") || n.ends_with("_rate"),
                                detail: found.and_then(|(_, d)| d.clone()),
                            }
                        })
                        .collect(),
                    scope,
                })
                .collect();
            PhaseReport {
                exit_terms: p
                    .exit
                    .expression
                    .as_deref()
                    .map(|e| exit_terms(e, view.words))
                    .unwrap_or_default(),
                exit_words: exit_words(&p.exit, view.words),
                phase: p,
                adoption,
            }
        })
        .collect::<Vec<_>>();
    let health_counts = HEALTHS
        .iter()
        .map(|&h| HealthCount {
            health: h,
            label: h.label(),
            phases: phases.iter().filter(|p| p.phase.health.health == h).count(),
        })
        .collect();
    RolloutReport {
        client: client.to_string(),
        target: target.to_string(),
        generated_at,
        as_of: review.as_of,
        adoption_snapshot: review.adoption_snapshot,
        adoption_as_of: review.adoption_as_of,
        health_counts,
        phases,
        milestones: review.milestones,
        warnings: review.warnings,
        metrics: review.metrics,
        audience: view.audience.to_string(),
    }
}

/// The model plus its chart, as templates see it.
#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    report: &'a RolloutReport,
    charts: Charts,
}

#[derive(Serialize)]
struct Charts {
    timeline: String,
}

/// The report in `format`.
pub fn render(templates: &Templates, r: &RolloutReport, format: Format) -> Result<String> {
    match format {
        Format::Json => serde_json::to_string_pretty(r)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("cannot encode JSON: {e}"))),
        Format::Html | Format::Md => templates.render(
            &format!("rollout.{}.j2", format.extension()),
            &Context {
                report: r,
                charts: Charts {
                    timeline: timeline(r),
                },
            },
        ),
    }
}

/// The colour of a health, as the report's legend shows it.
pub fn health_color(h: Health) -> &'static str {
    match h {
        Health::NotStarted => "#8a94a6",
        Health::OnTrack => "#2f8a57",
        Health::AtRisk => "#d4901c",
        Health::Late => "#c2452d",
        Health::Done => "#4f6f9f",
    }
}

const W: f64 = 960.0;
const LABEL: f64 = 190.0;
const ROW: f64 = 30.0;
const TOP: f64 = 34.0;
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/// The Gantt chart: one row per phase, a milestone row, month ticks, today's line.
pub fn timeline(r: &RolloutReport) -> String {
    if r.phases.is_empty() && r.milestones.is_empty() {
        return String::new();
    }
    let dates = r
        .phases
        .iter()
        .flat_map(|p| [p.phase.start, p.phase.end])
        .chain(r.milestones.iter().map(|m| m.date))
        .chain([r.as_of]);
    let (lo, hi) = dates.fold((NaiveDate::MAX, NaiveDate::MIN), |(lo, hi), d| {
        (lo.min(d), hi.max(d))
    });
    let from = lo.with_day(1).unwrap_or(lo);
    let to = first_of_next_month(hi);
    let span = (to - from).num_days().max(1) as f64;
    let x = |d: NaiveDate| LABEL + (W - LABEL - 10.0) * ((d - from).num_days() as f64 / span);
    let rows = r.phases.len() + usize::from(!r.milestones.is_empty());
    let bottom = TOP + ROW * rows as f64;
    let h = bottom + 52.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" aria-labelledby="tl-title" font-family="{FONT}" font-size="12"><title id="tl-title">Roll-out timeline as of {}</title>"#,
        r.as_of
    );
    // Month ticks; labels thin out on long plans so they never overlap.
    let mut m = from;
    let mut last_label = f64::MIN;
    while m < to {
        let mx = x(m);
        let _ = write!(
            s,
            r##"<line x1="{mx:.1}" y1="{}" x2="{mx:.1}" y2="{:.1}" stroke="#e3e7ee"/>"##,
            TOP - 14.0,
            bottom,
        );
        if mx - last_label >= 58.0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" fill="#5b6678" font-size="11">{}</text>"##,
                mx + 3.0,
                TOP - 18.0,
                m.format("%b %Y")
            );
            last_label = mx;
        }
        m = first_of_next_month(m);
    }
    for (i, p) in r.phases.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let (x0, x1) = (x(p.phase.start), x(p.phase.end + chrono::Days::new(1)));
        let color = health_color(p.phase.health.health);
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1d2430">{}</text><rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="4" fill="{color}"><title>{}: {} to {}, {}</title></rect><text x="{:.1}" y="{:.1}" fill="#5b6678" font-size="11">{}</text>"##,
            LABEL - 8.0,
            y + ROW / 2.0 + 4.0,
            escape(&truncate(&p.phase.name, 26)),
            y + 6.0,
            (x1 - x0).max(2.0),
            ROW - 12.0,
            escape(&p.phase.name),
            p.phase.start,
            p.phase.end,
            p.phase.health.health.label(),
            if x1 + 150.0 < W { x1 + 5.0 } else { x0 + 4.0 },
            y + ROW / 2.0 + 4.0,
            if x1 + 150.0 < W {
                escape(p.phase.health.health.label())
            } else {
                String::new()
            }
        );
    }
    if !r.milestones.is_empty() {
        let y = TOP + ROW * r.phases.len() as f64 + ROW / 2.0;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1d2430" font-style="italic">Milestones</text>"##,
            LABEL - 8.0,
            y + 4.0
        );
        for (i, ms) in r.milestones.iter().enumerate() {
            let mx = x(ms.date);
            let color = if ms.done {
                "#4f6f9f"
            } else if ms.overdue {
                "#c2452d"
            } else {
                "#24405f"
            };
            let label_y = if i % 2 == 0 { y + 20.0 } else { y - 10.0 };
            let _ = write!(
                s,
                r##"<path d="M{mx:.1} {:.1} l6 6 l-6 6 l-6 -6 z" fill="{color}"><title>{} {}</title></path><text x="{mx:.1}" y="{label_y:.1}" text-anchor="middle" fill="#1d2430" font-size="10.5">{}</text>"##,
                y - 6.0,
                escape(&ms.name),
                ms.date,
                escape(&truncate(&ms.name, 22))
            );
        }
    }
    let tx = x(r.as_of);
    let _ = write!(
        s,
        r##"<line x1="{tx:.1}" y1="{}" x2="{tx:.1}" y2="{:.1}" stroke="#c2452d" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#c2452d" font-size="11" font-weight="600">today {}</text>"##,
        TOP - 6.0,
        bottom + 2.0,
        bottom + 15.0,
        r.as_of
    );
    // Legend.
    let mut lx = 10.0;
    for hth in HEALTHS {
        let _ = write!(
            s,
            r##"<rect x="{lx:.1}" y="{:.1}" width="10" height="10" rx="2" fill="{}"/><text x="{:.1}" y="{:.1}" fill="#5b6678" font-size="11">{}</text>"##,
            h - 16.0,
            health_color(hth),
            lx + 14.0,
            h - 7.0,
            hth.label()
        );
        lx += 14.0 + 7.0 * hth.label().len() as f64 + 14.0;
    }
    s.push_str("</svg>");
    s
}

fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
