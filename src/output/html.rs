//! The capacity-review report: one self-contained HTML file (`report.html`)
//! a reviewer reads top to bottom: the question and the answer, the
//! assumptions, the verdict per tier, capacity and cost, where the ceiling
//! comes from, a busy day at the recommended point, the charts (inline SVG,
//! text as outlines), how far to trust it and how to reproduce it. No
//! script, no network, no external file; readable when printed to PDF.
//! Rendered with minijinja from `assets/report.html.j2`.

use super::exporters::Exporter;
use super::{report, series, write_atomic};
use crate::config::{value_label, Experiment};
use crate::error::Result;
use crate::model::{Arrivals, Dist, LimitKind, Model, OnFull, Scope, SlaOver};
use crate::runs::{run_model, with_series, CellResult, SweepResult};
use crate::statistics::{SlaVerdict, Summary};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

const TEMPLATE: &str = include_str!("../../assets/report.html.j2");

/// The templates with the head and trust/reproduce sections every report shares.
pub(super) fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.add_template("head.html", include_str!("../../assets/report-head.html.j2")).expect("the head template parses");
    env.add_template("tail.html", include_str!("../../assets/report-tail.html.j2")).expect("the tail template parses");
    env
}

#[derive(Serialize)]
pub(super) struct SourceRow {
    name: String,
    arrivals: String,
    holding: String,
    patience: String,
    redial: String,
}

#[derive(Serialize)]
pub(super) struct LimitRow {
    name: String,
    kind: String,
    capacity: String,
    on_full: String,
    pool: String,
    scope: String,
}

#[derive(Serialize)]
struct TierRow {
    name: String,
    price: String,
    set: String,
}

#[derive(Serialize)]
struct VerdictRow {
    cells: Vec<String>,
    verdict: String,
    failing: String,
}

#[derive(Serialize)]
struct Ceiling {
    title: String,
    text: String,
}

#[derive(Serialize)]
struct ChartRow {
    id: String,
    svg: String,
    caption: String,
}

#[derive(Serialize)]
struct CheckRow {
    name: String,
    estimate: String,
    exact: String,
    t: String,
    verdict: String,
}

#[derive(Serialize)]
pub(super) struct SelfTestView {
    version: String,
    checks: Vec<CheckRow>,
}

#[derive(Serialize)]
pub(super) struct InputRow {
    pub(super) path: String,
    pub(super) sha256: String,
}

/// A distribution as a reviewer reads it.
fn describe(d: &Dist) -> String {
    match d {
        Dist::Exponential { mean_s } => format!("exponential, mean {mean_s} s"),
        Dist::Deterministic { value_s } => format!("always {value_s} s"),
        Dist::LogNormal { mean_s, cv } => format!("lognormal, mean {mean_s} s, cv {cv}"),
        Dist::Gamma { mean_s, cv } => format!("gamma, mean {mean_s} s, cv {cv}"),
        Dist::Weibull { mean_s, shape } => format!("Weibull, mean {mean_s} s, shape {shape:.3}"),
        Dist::Uniform { min_s, max_s } => format!("uniform {min_s}–{max_s} s"),
        Dist::Empirical { values_s } => format!("empirical, {} values, mean {:.1} s", values_s.len(), d.mean_s()),
    }
}

pub(super) fn sources(m: &Model) -> Vec<SourceRow> {
    m.sources
        .iter()
        .map(|s| SourceRow {
            name: s.name.clone(),
            arrivals: match &s.arrivals {
                Arrivals::Poisson => {
                    format!("Poisson, {:.2}/min ({:.1} Erl offered)", s.arrival_rate_per_s * 60.0, s.offered_load_erl())
                }
                Arrivals::Profile(p) => format!(
                    "profile {:?} over {} h, average {:.2}/min ({:.1} Erl), peak {:.2}/min",
                    p.name,
                    p.period_s / 3600.0,
                    p.mean_rate_per_s() * 60.0,
                    s.offered_load_erl(),
                    p.rates_per_s.iter().fold(0.0f64, |a, b| a.max(*b)) * 60.0
                ),
                Arrivals::Population { size, rate_per_idle_per_s } => {
                    format!("{size} callers, each idle one {:.3}/h", rate_per_idle_per_s * 3600.0)
                }
                Arrivals::Trace(calls) => format!("a call log replayed ({} calls)", calls.len()),
            },
            holding: describe(&s.holding),
            patience: s.patience.as_ref().map_or("waits forever".into(), describe),
            redial: s.redial.as_ref().map_or("gives up".into(), |r| {
                format!("up to {} attempts, after {}", r.max_attempts, describe(&r.delay))
            }),
        })
        .collect()
}

pub(super) fn limits(m: &Model) -> Vec<LimitRow> {
    m.limits
        .iter()
        .map(|l| LimitRow {
            name: l.name.clone(),
            kind: l.kind.name().into(),
            capacity: match &l.kind {
                LimitKind::Concurrency { capacity } => format!("{capacity} at once"),
                LimitKind::Rate { max, window_s, .. } => format!("{max} per {window_s} s"),
                LimitKind::Tokens { tokens_per_minute, .. } => format!("{tokens_per_minute} tokens/min"),
            },
            on_full: match l.on_full {
                OnFull::Reject => "reject".into(),
                OnFull::Queue { timeout_s, max_waiting } => format!(
                    "queue{}{}",
                    timeout_s.map_or(String::new(), |t| format!(", up to {t} s")),
                    max_waiting.map_or(String::new(), |w| format!(", at most {w} waiting"))
                ),
            },
            pool: if l.pool > 1 { format!("{} copies ({:?})", l.pool, l.select) } else { "-".into() },
            scope: match &l.scope {
                Scope::Call => "whole call".into(),
                Scope::Setup { setup_time } => format!("setup ({})", describe(setup_time)),
                Scope::Request { requests } => format!("requests {}", requests.join(", ")),
            },
        })
        .collect()
}

pub(super) fn sla_text(m: &Model) -> String {
    let s = &m.sla;
    let mut parts: Vec<String> = s
        .objectives
        .iter()
        .map(|o| {
            let v = if o.metric.is_duration() { format!("{} s", o.limit) } else { format!("{}%", 100.0 * o.limit) };
            format!("{} {} {v}", o.metric.name(), if o.metric.is_floor() { "at least" } else { "at most" })
        })
        .collect();
    parts.extend(
        s.source_objectives
            .iter()
            .map(|(i, o)| format!("{}: {} limit {}", m.sources[*i].name, o.metric.name(), o.limit)),
    );
    if let Some(c) = s.max_completion_s {
        parts.push(format!("campaigns complete within {:.1} h", c / 3600.0));
    }
    let over = match &s.over {
        SlaOver::Run => "over the whole run".to_string(),
        SlaOver::BusyHour => "in the busy hour (ITU-T E.500)".to_string(),
        SlaOver::Window(w) => format!("in the window {}", w.label),
    };
    format!(
        "{}; judged {over}, each objective decided by a one-sided {:.0}% confidence bound (pass, fail or undecided).",
        if parts.is_empty() { "No objective".to_string() } else { parts.join("; ") },
        100.0 * s.confidence
    )
}

/// The comment block at the top of a file (its cited sources), if any.
pub(super) fn leading_comments(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// An SVG file's text, made to scale with the page: its fixed `width` and
/// `height` become a `viewBox`, so CSS can size it.
pub(super) fn scalable(svg: String) -> String {
    let Some(start) = svg.find("<svg ") else { return svg };
    let end = start + svg[start..].find('>').unwrap_or(0);
    let head = &svg[start..end];
    let attr = |name: &str| -> Option<String> {
        let i = head.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(head[i..i + head[i..].find('"')?].to_string())
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => {
            let new_head =
                head.replacen(&format!(" width=\"{w}\" height=\"{h}\""), &format!(" viewBox=\"0 0 {w} {h}\""), 1);
            format!("{}{new_head}{}", &svg[..start], &svg[end..])
        }
        _ => svg,
    }
}

pub(super) fn sha256_of(path: &Path) -> String {
    std::fs::read(path).map_or("(unreadable)".into(), |b| format!("{:x}", Sha256::digest(b)))
}

/// The last saved `validate --self-test`, if any, as the trust section shows it.
pub(super) fn self_test_view() -> Option<SelfTestView> {
    std::fs::read_to_string(crate::selftest::SAVED_FILE)
        .ok()
        .and_then(|t| serde_json::from_str::<crate::selftest::SelfTest>(&t).ok())
        .map(|s| SelfTestView {
            version: s.version,
            checks: s
                .checks
                .iter()
                .map(|c| CheckRow {
                    name: c.name.clone(),
                    estimate: format!("{:.6}", c.estimate),
                    exact: format!("{:.6}", c.exact),
                    t: format!("{:+.2}", c.t),
                    verdict: if c.pass { "pass".into() } else { "fail".into() },
                })
                .collect(),
        })
}

/// `report.html` of a sweep.
pub struct Report {
    /// The command line that made it, as typed.
    pub command: String,
}

impl Exporter for Report {
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()> {
        let html = render(exp, res, sweep_framing(exp, res, dir)?, &self.command);
        write_atomic(&dir.join("report.html"), |tmp| std::fs::write(tmp, &html).map_err(|e| e.to_string()))
    }
}

/// Writes `file`, the capacity review of one model's run (`simcall run
/// --report FILE`): the same sections as a sweep's report with one cell;
/// the busy day is the run's own time series (`summary.series`, empty if
/// the run kept none), the ceiling its headroom whatever the verdict.
///
/// Errors ([`crate::error::Error::Output`]) when `file` cannot be written or
/// the chart cannot be drawn.
pub fn write_run(
    file: &Path,
    model_path: &Path,
    model: &Model,
    summary: &Summary,
    verdict: &SlaVerdict,
    command: &str,
) -> Result<()> {
    let exp = Experiment::of_model(model_path, model.clone());
    let cell = CellResult {
        point: 0,
        tier: 0,
        offered_load_erl: model.offered_load_erl(),
        summary: summary.clone(),
        verdict: verdict.clone(),
    };
    let res = SweepResult { recommendation: vec![cell.meets_sla().then_some(0)], cells: vec![cell] };
    let reps = summary.total.attempts.replications.len();
    let (busy_day_svg, busy_day_caption) = if summary.series.is_empty() {
        (String::new(), "The run kept no time series.".to_string())
    } else {
        let title = format!("{}: use of each limit per bucket (mean of {reps} replications)", model.name);
        let svg = super::series::svg(&title, &summary.limits, &summary.series)
            .map_err(|e| crate::error::Error::output(file, std::io::Error::other(e)))?;
        (
            scalable(svg),
            format!("Use of each limit against its capacity over the run (mean of {reps} replications per bucket)."),
        )
    };
    let failing = verdict.failing();
    let framing = Framing {
        question: format!(
            "Does {} stay inside its SLA at {:.1} Erl offered, and where is its ceiling?",
            model.name,
            model.offered_load_erl()
        ),
        answer: format!(
            "Verdict: {}{}.",
            verdict.verdict.name(),
            if failing.is_empty() { String::new() } else { format!(" ({})", failing.join("; ")) }
        ),
        tiers: vec![],
        ceilings: vec![Ceiling { title: format!("{} as modelled", model.name), text: report::headroom(summary) }],
        busy_day_title: "The run over time".into(),
        busy_day_svg,
        busy_day_caption,
        charts: vec![],
    };
    let html = render(&exp, &res, framing, command);
    write_atomic(file, |tmp| std::fs::write(tmp, &html).map_err(|e| e.to_string()))
}

/// What a sweep's report and a single run's say differently: the question
/// and answer, the ceilings, the busy day and the charts.
struct Framing {
    question: String,
    answer: String,
    tiers: Vec<TierRow>,
    ceilings: Vec<Ceiling>,
    busy_day_title: String,
    busy_day_svg: String,
    busy_day_caption: String,
    charts: Vec<ChartRow>,
}

fn point_label(exp: &Experiment, p: usize) -> String {
    exp.points[p].iter().map(value_label).collect::<Vec<_>>().join(", ")
}

/// A sweep's framing, reading the charts the other exporters wrote in `dir`
/// and running the busy day at the recommended point of the highest load.
fn sweep_framing(exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<Framing> {
    let base = &exp.base;
    let point_label = |p: usize| point_label(exp, p);
    let axes = exp.axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>().join(", ");
    // The answer: per point the cheapest passing tier.
    let answers: Vec<String> = res
        .recommendation
        .iter()
        .enumerate()
        .map(|(p, rec)| {
            let load = res.cells.iter().find(|c| c.point == p).map_or(0.0, |c| c.offered_load_erl);
            match rec {
                Some(t) => format!(
                    "{} ({load:.0} Erl): {}{}",
                    point_label(p),
                    exp.tiers[*t].name,
                    exp.tiers[*t].price_per_month.map_or(String::new(), |v| format!(" at ${v}/month"))
                ),
                None => format!("{} ({load:.0} Erl): no tier", point_label(p)),
            }
        })
        .collect();
    let answer = format!(
        "The cheapest tier that meets the SLA with confidence, per {}: {}.",
        if axes.is_empty() { "run".into() } else { axes.clone() },
        answers.join("; ")
    );
    // The ceiling at each tier's last passing point (its busiest pass).
    let ceilings: Vec<Ceiling> = exp
        .tiers
        .iter()
        .enumerate()
        .filter_map(|(t, tier)| {
            let c = res
                .cells
                .iter()
                .filter(|c| c.tier == t && c.meets_sla())
                .max_by(|a, b| a.offered_load_erl.total_cmp(&b.offered_load_erl))?;
            Some(Ceiling {
                title: format!("{} at {:.0} Erl, its busiest passing point", tier.name, c.offered_load_erl),
                text: report::headroom(&c.summary),
            })
        })
        .collect();
    // A busy day at the recommended point of the highest load that has one.
    let marginal = res.recommendation.iter().enumerate().rev().find_map(|(p, r)| r.map(|t| (p, t)));
    let (busy_day_svg, busy_day_caption) = match marginal
        .and_then(|(p, t)| exp.cells.iter().position(|c| c.point == p && c.tier == t))
    {
        Some(i) => {
            let cell = &exp.cells[i];
            let model = with_series(&exp.model(i)?);
            let summary = run_model(&model, cell.point_key);
            let stem = dir.join("timeseries_recommended");
            let title = format!("{}: tier {} at {}", exp.name, exp.tiers[cell.tier].name, point_label(cell.point));
            series::write(&stem, &title, &summary.limits, &summary.series)?;
            let svg = scalable(std::fs::read_to_string(stem.with_extension("svg")).unwrap_or_default());
            (svg, format!("Use of each limit against its capacity, tier {} at {}: the busiest point it is recommended for (mean of {} replications per bucket).", exp.tiers[cell.tier].name, point_label(cell.point), summary.total.attempts.replications.len()))
        }
        None => (String::new(), "No point has a recommended tier.".into()),
    };
    let chart_files = [
        ("price", "Monthly price per tier; filled points meet the SLA, the step is the cheapest passing tier."),
        ("blocking", "Blocking probability per tier (log scale) with 95% confidence-interval bars and the SLA line."),
        ("abandonment", "Abandonment probability per tier with 95% confidence-interval bars."),
        ("loss", "Callers never served per tier with 95% confidence-interval bars."),
        ("p95_wait", "95th-percentile wait per tier with 95% confidence-interval bars."),
        ("losses", "Where each tier's losses come from: attempts lost at each limit, stacked."),
        ("completion", "Campaign completion per tier."),
    ];
    let charts: Vec<ChartRow> = chart_files
        .iter()
        .filter_map(|(id, caption)| {
            let svg = scalable(std::fs::read_to_string(dir.join(format!("{id}.svg"))).ok()?);
            Some(ChartRow { id: id.to_string(), svg, caption: caption.to_string() })
        })
        .collect();
    Ok(Framing {
        question: format!(
            "Which tier keeps {} inside its SLA at each offered load, and at what cost? ({} sweep points × {} tiers)",
            base.name,
            exp.points.len(),
            exp.tiers.len()
        ),
        answer,
        tiers: exp
            .tiers
            .iter()
            .map(|t| TierRow {
                name: t.name.clone(),
                price: t.price_per_month.map_or("no price".into(), |v| format!("${v}/month")),
                set: t.set.iter().map(|(k, v)| format!("{k} = {}", value_label(v))).collect::<Vec<_>>().join(", "),
            })
            .collect(),
        ceilings,
        busy_day_title: "A busy day at the recommended point".into(),
        busy_day_svg,
        busy_day_caption,
        charts,
    })
}

/// The report's HTML: the framing, then what every report has (the
/// assumptions, the verdicts, capacity and cost, trust and reproduce).
fn render(exp: &Experiment, res: &SweepResult, f: Framing, command: &str) -> String {
    let base = &exp.base;
    let mut verdict_header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    verdict_header.extend(
        ["offered load (Erl)", "tier", "price/month", "replications", "verdict", "failing objectives"]
            .map(String::from),
    );
    let verdict_rows = res
        .cells
        .iter()
        .map(|c| {
            let mut cells: Vec<String> = exp.points[c.point].iter().map(value_label).collect();
            cells.push(format!("{:.1}", c.offered_load_erl));
            cells.push(exp.tiers[c.tier].name.clone());
            cells.push(exp.tiers[c.tier].price_per_month.map_or("-".into(), |v| format!("{v}")));
            cells.push(c.summary.total.attempts.replications.len().to_string());
            VerdictRow { cells, verdict: c.verdict.verdict.name().into(), failing: c.verdict.failing().join("; ") }
        })
        .collect::<Vec<_>>();
    let mut capacity_header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    capacity_header.extend(
        [
            "offered load (Erl)",
            "recommended tier",
            "price/month",
            "blocking",
            "abandonment",
            "p95 wait (s)",
            "binding limit",
        ]
        .map(String::from),
    );
    let capacity_rows: Vec<Vec<String>> = res
        .recommendation
        .iter()
        .enumerate()
        .map(|(p, rec)| {
            let mut row: Vec<String> = exp.points[p].iter().map(value_label).collect();
            let any = res.cells.iter().find(|c| c.point == p).expect("every point has cells");
            row.push(format!("{:.1}", any.offered_load_erl));
            match rec.and_then(|t| res.cells.iter().find(|c| c.point == p && c.tier == t)) {
                Some(c) => {
                    let s = &c.summary;
                    row.push(exp.tiers[c.tier].name.clone());
                    row.push(exp.tiers[c.tier].price_per_month.map_or("-".into(), |v| format!("{v}")));
                    row.extend(
                        [&s.total.blocking_probability, &s.total.abandonment_probability, &s.total.p95_wait_s]
                            .map(super::format::pm),
                    );
                    row.push(s.binding_limit().map_or("-".into(), |b| s.limits[b].name.clone()));
                }
                None => row.extend(["none meets the SLA", "-", "-", "-", "-", "-"].map(String::from)),
            }
            row
        })
        .collect();
    let reps: Vec<usize> = res.cells.iter().map(|c| c.summary.total.attempts.replications.len()).collect();
    let undecided = res.cells.iter().filter(|c| c.verdict.verdict == crate::statistics::Verdict::Undecided).count();
    let (lo, hi) = (reps.iter().min().copied().unwrap_or(0), reps.iter().max().copied().unwrap_or(0));
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let trust = format!(
        "{}, {} independent replications{} (sequential: more while a verdict is undecided); every estimate carries a 95% Student-t interval; {} left undecided. Same model and seed give byte-identical results on any thread count.",
        count(res.cells.len(), "cell"),
        if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") },
        if res.cells.len() > 1 { " each" } else { "" },
        count(undecided, "cell"),
    );
    let self_test = self_test_view();
    let model_path = &exp.model_path;
    let mut inputs = vec![InputRow { path: exp.path.display().to_string(), sha256: sha256_of(&exp.path) }];
    if model_path != &exp.path {
        inputs.push(InputRow { path: model_path.display().to_string(), sha256: sha256_of(model_path) });
    }
    let mut env = environment();
    env.add_template("report.html", TEMPLATE).expect("the report template parses");
    let ctx = minijinja::context! {
        title => exp.name,
        description => exp.description,
        version => env!("CARGO_PKG_VERSION"),
        question => f.question,
        answer => f.answer,
        sources => sources(base),
        limits => limits(base),
        tiers => f.tiers,
        sla => sla_text(base),
        sources_cited => leading_comments(model_path),
        verdict_header => verdict_header,
        verdict_rows => verdict_rows,
        capacity_header => capacity_header,
        capacity_rows => capacity_rows,
        ceilings => f.ceilings,
        busy_day_title => f.busy_day_title,
        busy_day_svg => f.busy_day_svg,
        busy_day_caption => f.busy_day_caption,
        charts => f.charts,
        trust => trust,
        self_test => self_test,
        command => command,
        seed => base.run.seed,
        inputs => inputs,
    };
    env.get_template("report.html").expect("added above").render(ctx).expect("the report renders from its own data")
}
