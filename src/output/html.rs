//! The capacity-review report: one self-contained HTML file (`report.html`)
//! a reviewer reads top to bottom: the question and the answer, the
//! assumptions, the verdict per tier, capacity and cost, where the ceiling
//! comes from, a busy day at the recommended point, the charts (inline SVG,
//! text as outlines), how far to trust it and how to reproduce it. No
//! script, no network, no external file; readable when printed to PDF.
//! Rendered with minijinja from `assets/report.html.j2`.

use super::{text, Drawn};
use crate::error::Result;
use crate::ids::{PointId, TierId};
use crate::model::{Arrivals, Dist, LimitKind, Model, OnFull, Scope, SlaOver};
use crate::report::{Provenance, RunReport, SweepReport};
use crate::statistics::SweepResult;
use crate::study::{value_label, Experiment, InputFile};
use serde::Serialize;

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

/// The saved `validate --self-test` of `p`, if any, as the trust section shows it.
pub(super) fn self_test_view(p: &Provenance) -> Option<SelfTestView> {
    p.self_test.as_ref().map(|s| SelfTestView {
        version: s.version.clone(),
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

/// The input files of `p` as the reproduce section lists them.
pub(super) fn input_rows(p: &Provenance) -> Vec<InputRow> {
    p.inputs
        .iter()
        .map(|InputFile { path, sha256 }| InputRow { path: path.display().to_string(), sha256: sha256.clone() })
        .collect()
}

/// `report.html` of a sweep: its report with the charts drawn for the
/// output set (`charts`, by name) and the busy day's chart (`busy_day_svg`).
pub fn sweep_page(rep: &SweepReport, charts: &[(&str, Drawn)], busy_day_svg: Option<&str>) -> String {
    let framing = sweep_framing(rep, charts, busy_day_svg);
    render(&rep.experiment, &rep.result, framing, &rep.provenance)
}

/// The capacity review of one model's run (`simcall run --report FILE`):
/// the same sections as a sweep's page with one cell; the busy day is the
/// run's own time series (empty if the run kept none), the ceiling its
/// headroom whatever the verdict.
///
/// Errors ([`crate::error::Error::Output`]) when the chart cannot be drawn.
pub fn run_page(rep: &RunReport) -> Result<String> {
    let (model, summary, verdict) = (&rep.model, &rep.summary, &rep.verdict);
    let reps = summary.total.attempts.replications.len();
    let (busy_day_svg, busy_day_caption) = if summary.series.is_empty() {
        (String::new(), "The run kept no time series.".to_string())
    } else {
        let title = format!("{}: use of each limit per bucket (mean of {reps} replications)", model.name);
        let drawn =
            super::series::chart(std::path::Path::new("report.html"), &title, &summary.limits, &summary.series)?;
        (
            scalable(drawn.svg),
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
        ceilings: vec![Ceiling { title: format!("{} as modelled", model.name), text: text::headroom(summary) }],
        busy_day_title: "The run over time".into(),
        busy_day_svg,
        busy_day_caption,
        charts: vec![],
    };
    Ok(render(&rep.experiment, &rep.result, framing, &rep.provenance))
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

/// A sweep's framing, with the charts drawn for its output set and the
/// busy day at the recommended point of the highest load.
fn sweep_framing(rep: &SweepReport, drawn: &[(&str, Drawn)], busy_day_svg: Option<&str>) -> Framing {
    let (exp, res) = (&rep.experiment, &rep.result);
    let base = &exp.base;
    let point_label = |p: PointId| exp.point_label(p);
    let axes = exp.axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>().join(", ");
    // The answer: per point the cheapest passing tier.
    let answers: Vec<String> = res
        .recommendations()
        .map(|(p, rec)| {
            let load = res.cells.iter().find(|c| c.point == p).map_or(0.0, |c| c.offered_load_erl);
            match rec {
                Some(t) => format!(
                    "{} ({load:.0} Erl): {}{}",
                    point_label(p),
                    exp.tiers[t].name,
                    exp.tiers[t].price_per_month.map_or(String::new(), |v| format!(" at ${v}/month"))
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
                .filter(|c| c.tier == TierId(t) && c.meets_sla())
                .max_by(|a, b| a.offered_load_erl.total_cmp(&b.offered_load_erl))?;
            Some(Ceiling {
                title: format!("{} at {:.0} Erl, its busiest passing point", tier.name, c.offered_load_erl),
                text: text::headroom(&c.summary),
            })
        })
        .collect();
    let (busy_day_svg, busy_day_caption) = match (&rep.busy_day, busy_day_svg) {
        (Some(b), Some(svg)) => {
            let cell = &exp.cells[b.cell];
            (scalable(svg.to_string()), format!("Use of each limit against its capacity, tier {} at {}: the busiest point it is recommended for (mean of {} replications per bucket).", exp.tiers[cell.tier].name, point_label(cell.point), b.summary.total.attempts.replications.len()))
        }
        _ => (String::new(), "No point has a recommended tier.".into()),
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
            let (_, d) = drawn.iter().find(|(name, _)| name == id)?;
            Some(ChartRow { id: id.to_string(), svg: scalable(d.svg.clone()), caption: caption.to_string() })
        })
        .collect();
    Framing {
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
    }
}

/// The report's HTML: the framing, then what every report has (the
/// assumptions, the verdicts, capacity and cost, trust and reproduce).
fn render(exp: &Experiment, res: &SweepResult, f: Framing, p: &Provenance) -> String {
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
        .recommendations()
        .map(|(p, rec)| {
            let mut row: Vec<String> = exp.points[p].iter().map(value_label).collect();
            let any = res.cells.iter().find(|c| c.point == p).expect("every point has cells");
            row.push(format!("{:.1}", any.offered_load_erl));
            match rec.and_then(|t| res.cell(p, t)) {
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
    let self_test = self_test_view(p);
    let inputs = input_rows(p);
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
        sources_cited => exp.model_header,
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
        command => p.command,
        seed => base.run.seed,
        inputs => inputs,
    };
    env.get_template("report.html").expect("added above").render(ctx).expect("the report renders from its own data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ModelDoc;
    use crate::report::CellSeries;
    use crate::statistics::CellResult;
    use std::path::Path;

    /// A sweep's report of one cell, built in memory: no file is read or
    /// written.
    fn report() -> SweepReport {
        let text = r#"
            name = "page <test> & co"
            description = "two limits, one queue"
            [run]
            horizon = "1h"
            warmup = "10m"
            replications = 3
            seed = 11
            [[sources]]
            name = "inbound"
            arrivals = { rate = "20/min" }
            holding = { dist = "exponential", mean = "2m" }
            patience = { dist = "exponential", mean = "30s" }
            [sla]
            max_blocking = "1%"
            [[limits]]
            name = "trunk"
            capacity = 60
            [[limits]]
            name = "tts"
            capacity = 30
            on_full = { queue = { timeout = "5s" } }
        "#;
        let path = Path::new("page.toml");
        let model = ModelDoc::parse(text, path).unwrap().build().unwrap();
        let (summary, verdict) = crate::runs::run_judged(&crate::runs::with_series(&model), 0);
        let inputs = vec![InputFile::of(path, text.as_bytes())];
        let exp = Experiment::of_model(path, model, inputs.clone(), "Sources: a test of the page.".into());
        let cell = CellResult {
            point: PointId(0),
            tier: TierId(0),
            offered_load_erl: 40.0,
            summary: summary.clone(),
            verdict,
        };
        let result = SweepResult::new(&exp, vec![cell]);
        let series = CellSeries { cell: crate::ids::CellId(0), summary };
        SweepReport {
            experiment: exp,
            result,
            worst: vec![Some(series.clone())],
            busy_day: Some(series),
            provenance: Provenance { command: "simcall sweep page.toml".into(), inputs, self_test: None },
        }
    }

    #[test]
    fn the_sweep_page_shows_every_section_from_the_value_alone() {
        let rep = report();
        let charts = super::super::charts::draw_all(&rep.experiment, &rep.result).unwrap();
        let b = rep.busy_day.as_ref().unwrap();
        let busy =
            super::super::series::chart(Path::new("busy"), "busy", &b.summary.limits, &b.summary.series).unwrap();
        let page = sweep_page(&rep, &charts, Some(&busy.svg));
        for id in ["question", "assumptions", "verdicts", "capacity", "ceiling", "busy-day", "charts"] {
            assert!(page.contains(&format!("<section id=\"{id}\">")), "section {id}");
        }
        for (name, _) in &charts {
            assert!(page.contains(&format!("<figure id=\"chart-{name}\"><svg")), "chart {name} inline");
        }
        // The assumptions, verdict and provenance are the value's own.
        assert!(page.contains("trunk") && page.contains("tts") && page.contains("up to 5 s"));
        assert!(page.contains("Sources: a test of the page."));
        assert!(page.contains(&rep.provenance.inputs[0].sha256), "the input's digest as read");
        assert!(page.contains("simcall sweep page.toml"));
        assert!(page.contains(rep.result.cells[0].verdict.verdict.name()));
        assert!(page.contains("the busiest point it is recommended for"));
        // User text is escaped; nothing is fetched or run.
        assert!(page.contains("page &lt;test&gt; &amp; co") && !page.contains("page <test>"));
        assert!(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"));
        // The same value gives the same bytes.
        assert_eq!(page, sweep_page(&rep, &charts, Some(&busy.svg)));
    }

    #[test]
    fn a_page_without_a_busy_day_says_so() {
        let mut rep = report();
        rep.busy_day = None;
        let page = sweep_page(&rep, &[], None);
        assert!(page.contains("No point has a recommended tier."));
        assert!(!page.contains("<figure id=\"chart-"));
    }
}
