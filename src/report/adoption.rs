//! The adoption report: one model (the JSON document) built from a snapshot's stored
//! analysis and the snapshots before it, and its charts (trend lines, per-rep bars, funnel).

use std::collections::BTreeMap;

use serde::Serialize;

use super::charts::{self, Bar, Line, Tone};
use super::{Format, Templates};
use crate::adoption::measure::{Analysis, Row};
use crate::error::{Error, Result};
use crate::numbers::{one_decimal as num_text, pct, whole as thousands_text};

/// A success criterion is met at this score (share, 0 to 1).
const CRITERION_MET: f64 = 0.8;
/// Reps drawn in the per-rep charts.
const CHART_REPS: usize = 25;

/// The whole adoption report: the snapshot's analysis (its keys at the top level of the
/// JSON document) with what only the report adds.
#[derive(Clone, Debug, Serialize)]
pub struct AdoptionReport {
    pub client: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// `client` (the default: the figures, and how many rows could not be used) or `team`
    /// (also each of those rows, with where it is kept).
    pub audience: String,
    /// Snapshot, as-of date, sources, figures (null = not measured), reps, teams, managers,
    /// regions, funnel, stages, adherence and coaching, as measured.
    #[serde(flatten)]
    pub analysis: Analysis,
    pub previous: Option<SnapshotRef>,
    /// Headline figures with their change since the previous snapshot.
    pub summary: Vec<Headline>,
    pub criteria: Vec<Criterion>,
    /// Headline figures of every snapshot up to this one, oldest first.
    pub trend: Vec<TrendPoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotRef {
    pub snapshot: String,
    pub as_of: String,
}

/// One headline figure.
#[derive(Clone, Debug, Serialize)]
pub struct Headline {
    pub name: String,
    pub label: String,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub delta: Option<f64>,
    /// How to print it: `share`, `count`, `amount`, `days`, `rate`.
    pub unit: String,
    /// Whether a rise is good (`up`) or bad (`down`).
    pub better: String,
    /// `good`, `bad` or `flat` for the change; None without a previous value.
    pub trend: Option<String>,
    /// The value as printed.
    pub text: String,
    pub delta_text: Option<String>,
}

/// A success criterion, scored 0 to 1 from its figures.
#[derive(Clone, Debug, Serialize)]
pub struct Criterion {
    pub name: String,
    pub score: Option<f64>,
    pub met: Option<bool>,
    pub basis: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrendPoint {
    pub snapshot: String,
    pub as_of: String,
    pub figures: BTreeMap<String, Option<f64>>,
}

/// Headlines: (name, label, unit, better).
const HEADLINES: &[(&str, &str, &str, &str)] = &[
    ("weekly_active_share", "Weekly active users", "share", "up"),
    ("never_logged_in", "Never logged in", "count", "down"),
    (
        "activities_per_rep_week",
        "Activities per rep a week",
        "rate",
        "up",
    ),
    ("win_rate", "Win rate", "share", "up"),
    ("won_amount", "Won amount", "amount", "up"),
    ("avg_cycle_days", "Sales cycle", "days", "down"),
    (
        "stale_open_share",
        "Open deals stale (30 days)",
        "share",
        "down",
    ),
    (
        "past_close_share",
        "Open deals past close date",
        "share",
        "down",
    ),
    ("key_field_completeness", "Key fields filled", "share", "up"),
    (
        "updated_every_stage_share",
        "Deals updated at every stage",
        "share",
        "up",
    ),
];

/// Figures drawn as trend lines.
const TREND_LINES: &[(&str, &str, Tone)] = &[
    ("weekly_active_share", "Weekly active", Tone::Good),
    ("win_rate", "Win rate", Tone::Neutral),
    ("stale_open_share", "Stale open deals", Tone::Bad),
    ("key_field_completeness", "Key fields filled", Tone::Warn),
];

fn value_text(unit: &str, v: f64) -> String {
    match unit {
        "share" => pct(v),
        "amount" | "count" => thousands_text(v),
        "days" => format!("{} days", num_text(v)),
        _ => num_text(v),
    }
}

/// Builds the report of `current` with the snapshots before it (`history`, oldest first,
/// `current` not among them).
pub fn build(
    client: &str,
    generated_at: &str,
    audience: &str,
    current: &Analysis,
    history: &[Analysis],
) -> AdoptionReport {
    let previous = history.last();
    let summary = HEADLINES
        .iter()
        .map(|(name, label, unit, better)| {
            let value = current.figures.get(*name).copied().flatten();
            let before = previous.and_then(|p| p.figures.get(*name).copied().flatten());
            let delta = value.zip(before).map(|(a, b)| a - b);
            let trend = delta.map(|d| {
                if d.abs() < 1e-9 {
                    "flat"
                } else if (d > 0.0) == (*better == "up") {
                    "good"
                } else {
                    "bad"
                }
                .to_string()
            });
            let delta_text = delta.map(|d| {
                let sign = if d > 0.0 {
                    "+"
                } else if d < 0.0 {
                    "-"
                } else {
                    "±"
                };
                let body = match *unit {
                    "share" => format!("{} pts", num_text(d.abs() * 100.0)),
                    _ => value_text(unit, d.abs()),
                };
                format!("{sign}{body}")
            });
            Headline {
                name: name.to_string(),
                label: label.to_string(),
                value,
                previous: before,
                delta,
                unit: unit.to_string(),
                better: better.to_string(),
                trend,
                text: value
                    .map(|v| value_text(unit, v))
                    .unwrap_or_else(|| "not measured".into()),
                delta_text,
            }
        })
        .collect();
    let criteria = [
        (
            "transparency",
            "share of licensed users active weekly, and of open pipeline updated in 30 days",
        ),
        (
            "actionability",
            "share of reps with open deals that have next steps, and of open deals with a next step",
        ),
        (
            "credibility",
            "key fields filled, forecast categories filled, close dates not past",
        ),
    ]
    .iter()
    .map(|(name, basis)| {
        let score = current.figures.get(*name).copied().flatten();
        Criterion {
            name: name.to_string(),
            score,
            met: score.map(|s| s >= CRITERION_MET),
            basis: basis.to_string(),
        }
    })
    .collect();
    let names: Vec<&str> = TREND_LINES
        .iter()
        .map(|t| t.0)
        .chain(HEADLINES.iter().map(|h| h.0))
        .collect();
    let trend = history
        .iter()
        .chain(std::iter::once(current))
        .map(|a| TrendPoint {
            snapshot: a.snapshot.clone(),
            as_of: a.as_of.clone(),
            figures: names
                .iter()
                .map(|n| (n.to_string(), a.figures.get(*n).copied().flatten()))
                .collect(),
        })
        .collect();
    AdoptionReport {
        client: client.to_string(),
        generated_at: generated_at.to_string(),
        audience: audience.to_string(),
        analysis: current.clone(),
        previous: previous.map(|p| SnapshotRef {
            snapshot: p.snapshot.clone(),
            as_of: p.as_of.clone(),
        }),
        summary,
        criteria,
        trend,
    }
}

/// The model plus its charts, as templates see it.
#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    report: &'a AdoptionReport,
    charts: Charts,
}

#[derive(Serialize)]
struct Charts {
    trend: String,
    win_rate: String,
    activity: String,
    funnel: String,
    teams: String,
}

/// The adoption report in `format`.
pub fn render(templates: &Templates, r: &AdoptionReport, format: Format) -> Result<String> {
    match format {
        Format::Json => serde_json::to_string_pretty(r)
            .map(|s| s + "\n")
            .map_err(|e| Error::Other(format!("cannot encode JSON: {e}"))),
        Format::Html | Format::Md => templates.render(
            &format!("adoption.{}.j2", format.extension()),
            &Context {
                report: r,
                charts: charts_of(r),
            },
        ),
    }
}

fn charts_of(r: &AdoptionReport) -> Charts {
    let labels: Vec<String> = r.trend.iter().map(|p| p.as_of.clone()).collect();
    let lines: Vec<Line> = TREND_LINES
        .iter()
        .map(|(name, label, tone)| Line {
            label: label.to_string(),
            points: r
                .trend
                .iter()
                .map(|p| p.figures.get(*name).copied().flatten())
                .collect(),
            tone: *tone,
        })
        .filter(|l| l.points.iter().any(Option::is_some))
        .collect();
    let trend = if r.trend.len() >= 2 {
        charts::lines(
            "Adoption across snapshots (share, 0 to 100%)",
            &labels,
            &lines,
        )
    } else {
        String::new()
    };
    let mut by_win: Vec<&Row> = r
        .analysis
        .reps
        .iter()
        .filter(|x| x.win_rate.is_some())
        .collect();
    by_win.sort_by(|a, b| {
        b.win_rate
            .unwrap_or(0.0)
            .total_cmp(&a.win_rate.unwrap_or(0.0))
            .then(a.rep.cmp(&b.rep))
    });
    by_win.truncate(CHART_REPS);
    let team_rate = r
        .analysis
        .figures
        .get("win_rate")
        .copied()
        .flatten()
        .unwrap_or(0.0);
    let win_rate = charts::bars(
        "Win rate per rep (won of closed), %",
        &by_win
            .iter()
            .map(|x| {
                let w = x.win_rate.unwrap_or(0.0);
                Bar {
                    label: x.rep.clone().unwrap_or_default(),
                    value: w * 100.0,
                    text: pct(w),
                    tone: if w < 0.6 * team_rate {
                        Tone::Bad
                    } else if w < team_rate {
                        Tone::Warn
                    } else {
                        Tone::Good
                    },
                }
            })
            .collect::<Vec<_>>(),
        100.0,
        true,
    );
    let mut by_act: Vec<&Row> = r
        .analysis
        .reps
        .iter()
        .filter(|x| x.activities_per_week.is_some())
        .collect();
    by_act.sort_by(|a, b| {
        b.activities_per_week
            .unwrap_or(0.0)
            .total_cmp(&a.activities_per_week.unwrap_or(0.0))
            .then(a.rep.cmp(&b.rep))
    });
    by_act.truncate(CHART_REPS);
    let max_act = by_act
        .first()
        .and_then(|x| x.activities_per_week)
        .unwrap_or(0.0);
    let activity = charts::bars(
        "Activities per rep a week (last 4 weeks)",
        &by_act
            .iter()
            .map(|x| Bar {
                label: x.rep.clone().unwrap_or_default(),
                value: x.activities_per_week.unwrap_or(0.0),
                text: num_text(x.activities_per_week.unwrap_or(0.0)),
                tone: Tone::Neutral,
            })
            .collect::<Vec<_>>(),
        max_act,
        false,
    );
    let top = r.analysis.funnel.first().and_then(|s| s.count).unwrap_or(0) as f64;
    let funnel = charts::bars(
        "Funnel: leads to won",
        &r.analysis
            .funnel
            .iter()
            .filter_map(|s| {
                s.count.map(|c| Bar {
                    label: funnel_label(&s.stage).to_string(),
                    value: c as f64,
                    text: match s.conversion {
                        Some(cv) => format!("{} ({})", thousands_text(c as f64), pct(cv)),
                        None => thousands_text(c as f64),
                    },
                    tone: Tone::Neutral,
                })
            })
            .collect::<Vec<_>>(),
        top,
        false,
    );
    let max_team = r
        .analysis
        .teams
        .iter()
        .map(|t| t.won_amount)
        .fold(0.0, f64::max);
    let teams = charts::bars(
        "Won amount per team",
        &r.analysis
            .teams
            .iter()
            .map(|t| Bar {
                label: t.team.clone().unwrap_or_default(),
                value: t.won_amount,
                text: format!(
                    "{} · win {}",
                    thousands_text(t.won_amount),
                    t.win_rate.map(pct).unwrap_or_else(|| "-".into())
                ),
                tone: Tone::Neutral,
            })
            .collect::<Vec<_>>(),
        max_team,
        false,
    );
    Charts {
        trend,
        win_rate,
        activity,
        funnel,
        teams,
    }
}

fn funnel_label(stage: &str) -> &str {
    match stage {
        "lead" => "Leads",
        "mql" => "MQL",
        "sql" => "SQL",
        "opportunity" => "Opportunities",
        "won" => "Won",
        other => other,
    }
}
