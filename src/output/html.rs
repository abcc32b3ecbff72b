//! The capacity-review report: one self-contained HTML file (`report.html`)
//! a reviewer reads top to bottom: the question and the answer, the
//! assumptions, the verdict per tier, capacity and cost, where the ceiling
//! comes from, a busy day at the recommended point, the charts (inline SVG,
//! text as outlines), how far to trust it and how to reproduce it. No
//! script, no network, no external file; readable when printed to PDF.
//! Rendered with minijinja from `assets/report.html.j2`.

use super::text;
use crate::error::Result;
use crate::model::{Arrivals, Dist, LimitKind, Model, ObjectiveMetric, OnFull, Scope, WhenRefused};
use crate::report::{Provenance, RunReport};
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
    /// Other keys of the source the grid sets, and how.
    grid: String,
}

#[derive(Serialize)]
pub(super) struct LimitRow {
    name: String,
    kind: String,
    capacity: String,
    on_full: String,
    pool: String,
    scope: String,
    /// Other keys of the limit the grid sets, and how.
    grid: String,
}

/// One line of the sweep's answer: a tier (with the other axes' values)
/// and the highest load at which it holds the SLA.
#[derive(Serialize)]
pub(super) struct HoldRow {
    pub(super) line: String,
    pub(super) price: String,
    pub(super) holds: String,
    pub(super) note: String,
}

#[derive(Serialize)]
pub(super) struct TierRow {
    pub(super) name: String,
    pub(super) price: String,
    pub(super) set: String,
}

#[derive(Serialize)]
struct VerdictRow {
    cells: Vec<String>,
    verdict: String,
    failing: String,
}

#[derive(Serialize)]
pub(super) struct Ceiling {
    pub(super) title: String,
    pub(super) text: String,
}

#[derive(Serialize)]
pub(super) struct ChartRow {
    pub(super) id: String,
    pub(super) svg: String,
    pub(super) caption: String,
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
pub(super) fn describe(d: &Dist) -> String {
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
                // The probability of calling back is an assumption the page must show.
                let back = match r.probability.as_slice() {
                    [] => String::new(),
                    ps => format!(
                        ", {} calling back",
                        ps.iter().map(|p| crate::units::percent(*p)).collect::<Vec<_>>().join(" / ")
                    ),
                };
                format!("up to {} attempts{back}, after {}", r.max_attempts, describe(&r.delay))
            }),
            grid: String::new(),
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
            on_full: {
                let refused = match &l.when_refused {
                    WhenRefused::Busy => "the caller is refused (blocked or abandoned)".to_string(),
                    WhenRefused::Silence { silence_patience } => format!(
                        "the call connects to silence: the caller listens ({}) while holding what it seized, then hangs up (failed after connect)",
                        describe(silence_patience)
                    ),
                };
                let standby = if l.standby { "standby (reached only by overflow); " } else { "" };
                standby.to_string()
                    + &match l.on_full {
                    OnFull::Reject => format!("reject: {refused}"),
                    OnFull::Overflow { to } => format!("overflow to standby {:?}", m.limits[to].name),
                    OnFull::Queue { timeout_s, max_waiting } => format!(
                        "queue{}{}; then {refused}",
                        timeout_s.map_or(String::new(), |t| format!(", up to {t} s")),
                        max_waiting.map_or(String::new(), |w| format!(", at most {w} waiting"))
                    ),
                    }
            },
            pool: if l.pool > 1 { format!("{} copies ({:?})", l.pool, l.select) } else { "-".into() },
            scope: match &l.scope {
                Scope::Call => "whole call".into(),
                Scope::Setup { setup_time } => format!("setup ({})", describe(setup_time)),
                Scope::Request { requests } if l.standby => "requests that overflow into it".into(),
                Scope::Request { requests } => format!("requests {}", requests.join(", ")),
            },
            grid: String::new(),
        })
        .collect()
}

pub(super) fn sla_text(m: &Model) -> String {
    let s = &m.sla;
    let mut parts: Vec<String> = s
        .objectives
        .iter()
        .map(|o| {
            let v = if o.metric.is_duration() { format!("{} s", o.limit) } else { crate::units::percent(o.limit) };
            let default = o
                .defaulted_from
                .map_or(String::new(), |f| format!(" (by default: a lost caller is lost, as {})", f.key()));
            format!("{} {} {v}{default}", o.metric.name(), if o.metric.is_floor() { "at least" } else { "at most" })
        })
        .collect();
    parts.extend(s.ignored.iter().map(|(who, metric)| {
        let who = who.map_or(String::new(), |i| format!("{}: ", m.sources[i].name));
        format!("{who}{} ignored on purpose (\"off\")", metric.name())
    }));
    parts.extend(
        s.source_objectives
            .iter()
            .map(|(i, o)| format!("{}: {} limit {}", m.sources[*i].name, o.metric.name(), o.limit)),
    );
    if let Some(c) = s.max_completion_s {
        parts.push(format!("campaigns complete within {:.1} h", c / 3600.0));
    }
    if let Some(d) = s.max_days_over {
        parts.push(format!(
            "at most {} of days break an objective in their own busy hour (ITU-T E.520)",
            crate::units::percent(d)
        ));
    }
    format!(
        "{}; judged over {} ({}), each objective decided by a one-sided {:.0}% confidence bound (pass, fail or undecided).",
        if parts.is_empty() { "No objective".to_string() } else { parts.join("; ") },
        s.place(),
        s.over_why.describe(),
        100.0 * s.confidence
    )
}

/// How the grid of `exp` varies the keys under `prefix` (e.g.
/// `sources.inbound.`): per key after the prefix, "5/min–400/min over 9
/// sweep points" for an axis, "per tier: Starter 50, Growth 200" for keys
/// tiers set; in axis order, then tier keys in first-set order.
fn grid_values(exp: &Experiment, prefix: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for a in exp.axes.iter().filter(|a| a.path.starts_with(prefix)) {
        let (first, last) = (a.values.first().map(value_label), a.values.last().map(value_label));
        let how = match (first, last) {
            (Some(f), Some(l)) if a.values.len() > 1 => format!("{f}–{l} over {} sweep points", a.values.len()),
            (Some(f), _) => f,
            _ => continue,
        };
        out.push((a.path[prefix.len()..].to_string(), how));
    }
    let mut keys: Vec<&str> = Vec::new();
    for (k, _) in exp.tiers.iter().flat_map(|t| &t.set) {
        if k.starts_with(prefix) && !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    for k in keys {
        let per: Vec<String> = exp
            .tiers
            .iter()
            .map(|t| {
                let v =
                    t.set.iter().find(|(key, _)| key == k).map_or("as the model".to_string(), |(_, v)| value_label(v));
                format!("{} {v}", t.name)
            })
            .collect();
        out.push((k[prefix.len()..].to_string(), format!("per tier: {}", per.join(", "))));
    }
    out
}

/// The assumption rows of `exp`'s model with what its grid varies: a swept
/// or per-tier arrival rate or capacity replaces the first cell's value
/// (which is not "the" assumption), other keys the grid sets are listed.
fn grid_rows(exp: &Experiment) -> (Vec<SourceRow>, Vec<LimitRow>) {
    let mut s = sources(&exp.base);
    for row in &mut s {
        let mut other = Vec::new();
        for (key, how) in grid_values(exp, &format!("sources.{}.", row.name)) {
            if key.starts_with("arrivals") {
                row.arrivals = format!("{key}: {how}");
            } else {
                other.push(format!("{key}: {how}"));
            }
        }
        row.grid = other.join("; ");
    }
    let mut l = limits(&exp.base);
    for row in &mut l {
        let mut other = Vec::new();
        for (key, how) in grid_values(exp, &format!("limits.{}.", row.name)) {
            if key == "capacity" || key == "max" || key == "tokens_per_minute" {
                row.capacity = format!("{key} {how}");
            } else {
                other.push(format!("{key}: {how}"));
            }
        }
        row.grid = other.join("; ");
    }
    (s, l)
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
        let drawn = super::series::chart(
            std::path::Path::new("report.html"),
            &title,
            &summary.limits,
            &summary.series,
            super::series::Marks {
                busy_hour: model.time_variation().is_some(),
                incidents: rep.failing.as_ref().map_or(&[][..], |f| &f.windows[..]),
            },
        )?;
        (
            scalable(drawn.svg),
            format!("Use of each limit against its capacity over the run (mean of {reps} replications per bucket)."),
        )
    };
    let cell = &rep.result.cells[0];
    let load = if rep.result.judged_in_hours() {
        format!(
            "{:.1} Erl offered in its {} ({:.1} Erl run average)",
            cell.judged_load_erl(),
            verdict.over,
            cell.offered_load_erl
        )
    } else {
        format!("{:.1} Erl offered", cell.offered_load_erl)
    };
    let binding =
        summary.binding_limit().map_or(String::new(), |b| format!(" {} binds first (below).", summary.limits[b].name));
    let framing = Framing {
        question: format!("Does {} stay inside its SLA at {load}, and where is its ceiling?", model.name),
        answer: format!(
            "Verdict: {}. Its ceiling as a load is not certified by one run: `simcall plan` with this model, or a \
             sweep over its arrival rate, certifies it.{binding}",
            verdict.summary()
        ),
        answer_rows: vec![],
        warnings: verdict.all_warnings(),
        single: true,
        tiers: vec![],
        ceilings: vec![Ceiling { title: format!("{} as modelled", model.name), text: text::headroom(summary) }],
        busy_day_title: "The run over time".into(),
        busy_day_svg,
        busy_day_caption,
        charts: vec![],
        failing: rep
            .failing
            .as_ref()
            .map(|f| super::page_failing::run_view(&rep.experiment, model, summary, verdict, f)),
    };
    Ok(render(&rep.experiment, &rep.result, framing, &rep.provenance))
}

/// What a sweep's report and a single run's say differently: the question
/// and answer, the ceilings, the busy day and the charts.
pub(super) struct Framing {
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) answer_rows: Vec<HoldRow>,
    pub(super) warnings: Vec<String>,
    /// One model's run: no tiers, prices or charts to speak of.
    pub(super) single: bool,
    pub(super) tiers: Vec<TierRow>,
    pub(super) ceilings: Vec<Ceiling>,
    pub(super) busy_day_title: String,
    pub(super) busy_day_svg: String,
    pub(super) busy_day_caption: String,
    pub(super) charts: Vec<ChartRow>,
    /// "What if it fails", when the model fails, overflows or changes.
    pub(super) failing: Option<super::page_failing::FailingView>,
}

/// The report's HTML: the framing, then what every report has (the
/// assumptions, the verdicts, capacity and cost, trust and reproduce).
pub(super) fn render(exp: &Experiment, res: &SweepResult, f: Framing, p: &Provenance) -> String {
    let base = &exp.base;
    // Loads and outcomes where the SLA is judged, the run's average load beside.
    let hours = res.judged_in_hours();
    let load_cols: Vec<String> = if hours {
        vec![res.judged_load_name(), "run average offered load, Erl".into()]
    } else {
        vec![res.judged_load_name()]
    };
    let loads = |c: &crate::statistics::CellResult| -> Vec<String> {
        let mut v = vec![format!("{:.1}", c.judged_load_erl())];
        if hours {
            v.push(format!("{:.1}", c.offered_load_erl));
        }
        v
    };
    let mut verdict_header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    verdict_header.extend(load_cols.iter().cloned());
    if !f.single {
        verdict_header.extend(["tier", "price/month"].map(String::from));
    }
    verdict_header.extend(["replications", "verdict", "failing objectives"].map(String::from));
    let verdict_rows = res
        .cells
        .iter()
        .map(|c| {
            let mut cells: Vec<String> = exp.points[c.point].iter().map(value_label).collect();
            cells.extend(loads(c));
            if !f.single {
                cells.push(exp.tiers[c.tier].name.clone());
                cells.push(exp.tiers[c.tier].price_per_month.map_or("-".into(), |v| format!("{v}")));
            }
            cells.push(c.summary.total.attempts.replications.len().to_string());
            VerdictRow { cells, verdict: c.verdict.verdict.name().into(), failing: c.verdict.failing().join("; ") }
        })
        .collect::<Vec<_>>();
    let place = if hours { format!(" ({})", res.judged_over()) } else { String::new() };
    let mut capacity_header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    capacity_header.extend(load_cols.iter().cloned());
    capacity_header.extend(["recommended tier".to_string(), "price/month".to_string()]);
    // The outcomes every review reads, then each other objective the SLA judges.
    let mut shown = vec![ObjectiveMetric::Blocking, ObjectiveMetric::Abandonment, ObjectiveMetric::P95Wait];
    shown.extend(base.sla.objectives.iter().map(|o| o.metric).filter(|m| !shown.contains(m)).collect::<Vec<_>>());
    capacity_header.extend(shown.iter().map(|m| {
        let unit = if m.is_duration() { " (s)" } else { "" };
        format!("{}{unit}{place}", m.name())
    }));
    capacity_header.push("binding limit (run)".into());
    let capacity_rows: Vec<Vec<String>> = res
        .recommendations()
        .map(|(p, rec)| {
            let mut row: Vec<String> = exp.points[p].iter().map(value_label).collect();
            let any = res.cells.iter().find(|c| c.point == p).expect("every point has cells");
            row.extend(loads(any));
            match rec.and_then(|t| res.cell(p, t)) {
                Some(c) => {
                    let (s, j) = (&c.summary, c.judged());
                    row.push(exp.tiers[c.tier].name.clone());
                    row.push(exp.tiers[c.tier].price_per_month.map_or("-".into(), |v| format!("{v}")));
                    row.extend(
                        [&j.blocking_probability, &j.abandonment_probability, &j.p95_wait_s].map(super::format::pm),
                    );
                    row.push(s.binding_limit().map_or("-".into(), |b| s.limits[b].name.clone()));
                }
                None => {
                    row.push("none meets the SLA".into());
                    row.extend(std::iter::repeat_n("-".to_string(), shown.len() + 2));
                }
            }
            row
        })
        .collect();
    let judged = match res.cells.first() {
        Some(_) if !base.sla.is_empty() => format!(
            "Each cell is judged over {} ({}); the loads and outcomes in these tables are the ones judged there.",
            crate::statistics::sla::place(&res.judged_over()),
            res.judged_why()
        ),
        _ => String::new(),
    };
    let reps: Vec<usize> = res.cells.iter().map(|c| c.summary.total.attempts.replications.len()).collect();
    let undecided = res.cells.iter().filter(|c| c.verdict.verdict == crate::statistics::Verdict::Undecided).count();
    let (lo, hi) = (reps.iter().min().copied().unwrap_or(0), reps.iter().max().copied().unwrap_or(0));
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let ratios: Vec<f64> = res.cells.iter().filter_map(|c| c.verdict.variance_ratio()).collect();
    let control = super::format::control_sentence(&ratios, &format!("in {}", count(ratios.len(), "cell")));
    let trust = format!(
        "{}, {} independent replications{} (sequential: more while a verdict is undecided); every estimate carries a 95% Student-t interval; {} left undecided.{control} Same model and seed give byte-identical results on any thread count.",
        count(res.cells.len(), "cell"),
        if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") },
        if res.cells.len() > 1 { " each" } else { "" },
        count(undecided, "cell"),
    );
    let self_test = self_test_view(p);
    let inputs = input_rows(p);
    let (grid_sources, grid_limits) = grid_rows(exp);
    let mut env = environment();
    env.add_template("report.html", TEMPLATE).expect("the report template parses");
    let ctx = minijinja::context! {
        title => exp.name,
        description => exp.description,
        version => env!("CARGO_PKG_VERSION"),
        question => f.question,
        answer => f.answer,
        sources => grid_sources,
        limits => grid_limits,
        tiers => f.tiers,
        sla => sla_text(base),
        sources_cited => exp.model_header,
        verdict_header => verdict_header,
        verdict_rows => verdict_rows,
        capacity_header => capacity_header,
        capacity_rows => capacity_rows,
        judged => judged,
        single => f.single,
        answer_rows => f.answer_rows,
        warnings => f.warnings,
        ceilings => f.ceilings,
        busy_day_title => f.busy_day_title,
        busy_day_svg => f.busy_day_svg,
        busy_day_caption => f.busy_day_caption,
        charts => f.charts,
        failing => f.failing,
        trust => trust,
        self_test => self_test,
        command => p.command,
        seed => base.run.seed,
        inputs => inputs,
    };
    env.get_template("report.html").expect("added above").render(ctx).expect("the report renders from its own data")
}
