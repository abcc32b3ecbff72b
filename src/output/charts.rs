//! The sweep's charts, drawn with plotters to PNG and SVG: blocking, p95
//! wait, abandonment, loss and every other objective the SLA judges, each
//! where the SLA is judged (the busy hour, a window or the run) against the
//! offered load there, with 95% confidence-interval bars; price; and losses
//! by limit over the run. Text uses the
//! embedded DejaVu Sans (assets/, Bitstream Vera licence), never a system
//! font, so charts look the same on every machine.

use super::legend::{self, Entry, Key};
use super::{render_error, Drawn};
use crate::error::Result;
use crate::ids::{PointId, TierId};
use crate::model::ObjectiveMetric;
use crate::statistics::{CellResult, Estimate, SweepResult};
use crate::study::{value_label, Experiment};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

pub use super::font::{register_font, FONT, FONT_FAMILY};
const SIZE: (u32, u32) = (1200, 620);
/// Blocking below this is drawn at this value on the log-scale chart.
const BLOCKING_FLOOR: f64 = 1e-5;

/// A line with markers; `pass` (if given) marks each point filled (true) or
/// hollow (false).
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    pass: Option<Vec<bool>>,
    show_line: bool,
    /// A marker at every point (off for long hourly lines).
    markers: bool,
    /// Per point, its 95% confidence interval (low, high), drawn as a bar.
    bounds: Option<Vec<(f64, f64)>>,
}

struct Chart {
    title: String,
    x_desc: String,
    /// x is hours from Monday 00:00: label it with the clock ("tue 09:00").
    x_clock: bool,
    y_desc: String,
    /// What y's ticks read as.
    y_unit: YUnit,
    log_y: bool,
    series: Vec<Series>,
    /// A thick step line (the cheapest passing tier), if any.
    step: Option<(String, Vec<(f64, f64)>)>,
}

/// How a chart's y ticks read: plain numbers ("1,200", "2.5"), a
/// probability as a percentage ("1%"), or dollars ("$1,499").
#[derive(Clone, Copy, PartialEq)]
enum YUnit {
    Plain,
    Percent,
    Dollars,
}

/// What the charts put on x: the nominal offered load, or, for a model of
/// campaigns alone, the first sweep axis (its value if a number, else the
/// point's index).
struct XAxis {
    outbound: bool,
    desc: String,
}

impl XAxis {
    fn new(exp: &Experiment, res: &SweepResult) -> Self {
        let outbound = exp.base.campaigns_only();
        let desc = match (outbound, exp.axes.first()) {
            (false, _) => res.judged_load_name(),
            (true, Some(a)) => a.path.clone(),
            (true, None) => "sweep point".to_string(),
        };
        XAxis { outbound, desc }
    }

    fn of(&self, exp: &Experiment, c: &CellResult) -> f64 {
        if !self.outbound {
            return c.judged_load_erl();
        }
        match exp.points[c.point].first() {
            Some(toml::Value::Integer(v)) => *v as f64,
            Some(toml::Value::Float(v)) => *v,
            _ => c.point.0 as f64,
        }
    }
}

/// One line of a sweep chart: a tier, and for a sweep of two or more axes
/// one value of the axes after the first (so a second axis is never
/// silently piled up at the same x).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesGroup {
    /// The legend: the tier's name, then `axis = value` of the other axes.
    pub name: String,
    /// Its tier.
    pub tier: TierId,
    /// The sweep points on this line, in grid order.
    pub points: Vec<PointId>,
}

/// The lines of the sweep charts: per tier, one per distinct value of the
/// axes after the first (just the tier with one axis or none), in grid order.
pub fn series_groups(exp: &Experiment) -> Vec<SeriesGroup> {
    let mut groups: Vec<SeriesGroup> = Vec::new();
    for (t, tier) in exp.tiers.iter().enumerate() {
        let (t, first_of_tier) = (TierId(t), groups.len());
        for (p, values) in exp.points.iter().enumerate() {
            let p = PointId(p);
            let rest: Vec<String> =
                exp.axes.iter().zip(values).skip(1).map(|(a, v)| format!("{} = {}", a.path, value_label(v))).collect();
            let name = if rest.is_empty() { tier.name.clone() } else { format!("{}, {}", tier.name, rest.join(", ")) };
            match groups[first_of_tier..].iter_mut().find(|g| g.name == name) {
                Some(g) => g.points.push(p),
                None => groups.push(SeriesGroup { name, tier: t, points: vec![p] }),
            }
        }
    }
    groups
}

/// The sweep charts, each with its name (`<name>.png` and `<name>.svg`):
/// `price`, `blocking` (log scale), `p95_wait`, `abandonment`, `loss` and
/// `losses`; for a model of campaigns alone, `price` and `completion`
/// against the first sweep axis.
///
/// Errors ([`crate::error::Error::Output`]) when a chart cannot be drawn.
pub fn draw_all(exp: &Experiment, res: &SweepResult) -> Result<Vec<(&'static str, Drawn)>> {
    let mut drawn = Vec::new();
    register_font();
    let x = XAxis::new(exp, res);
    let groups = series_groups(exp);
    fn cells_of<'a>(res: &'a SweepResult, g: &'a SeriesGroup) -> impl Iterator<Item = &'a CellResult> {
        res.cells.iter().filter(move |c| c.tier == g.tier && g.points.contains(&c.point))
    }
    let per_tier = |value: &dyn Fn(&CellResult) -> f64| -> Vec<Series> {
        groups
            .iter()
            .map(|g| {
                let mut points: Vec<(f64, f64)> =
                    cells_of(res, g).map(|c| (x.of(exp, c), value(c))).filter(|p| p.1.is_finite()).collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series { name: g.name.clone(), points, pass: None, show_line: true, markers: true, bounds: None }
            })
            .collect()
    };
    // Each group's estimates with their 95% intervals, drawn at `floor` or above.
    let per_tier_ci = |get: &dyn Fn(&CellResult) -> &Estimate, floor: f64| -> Vec<Series> {
        groups
            .iter()
            .map(|g| {
                let mut rows: Vec<(f64, &Estimate)> =
                    cells_of(res, g).map(|c| (x.of(exp, c), get(c))).filter(|(_, e)| e.mean.is_finite()).collect();
                rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                let half = |e: &Estimate| if e.ci95.is_finite() { e.ci95 } else { 0.0 };
                Series {
                    name: g.name.clone(),
                    points: rows.iter().map(|(x, e)| (*x, e.mean.max(floor))).collect(),
                    pass: None,
                    show_line: true,
                    markers: true,
                    bounds: Some(
                        rows.iter()
                            .map(|(_, e)| ((e.mean - half(e)).max(floor), (e.mean + half(e)).max(floor)))
                            .collect(),
                    ),
                }
            })
            .collect()
    };
    let sla = &exp.base.sla;
    drawn.push(("price", render(&price_chart(exp, res, &x), "price")?));
    if x.outbound {
        // The latest campaign's mean completion; a tier where some campaign
        // does not complete in some replication has no point there.
        let completion = |c: &CellResult| {
            c.summary
                .campaigns
                .iter()
                .try_fold(f64::NEG_INFINITY, |latest, k| k.completion_h().map(|h| latest.max(h)))
                .unwrap_or(f64::NAN)
        };
        let mut chart = Chart {
            title: format!("{}: campaign completion (no point: not complete within the run)", exp.name),
            x_desc: x.desc.clone(),
            x_clock: false,
            y_desc: "hours from the campaign's start until every lead is finished".into(),
            y_unit: YUnit::Plain,
            log_y: false,
            series: per_tier(&completion),
            step: None,
        };
        if let Some(m) = sla.max_completion_s {
            let xs = x_range(&chart.series);
            chart.step =
                Some((format!("SLA max completion {:.0} h", m / 3600.0), vec![(xs.0, m / 3600.0), (xs.1, m / 3600.0)]));
        }
        drawn.push(("completion", render(&chart, "completion")?));
        return Ok(drawn);
    }
    // A chart for each outcome every review reads and each other objective
    // the SLA judges, all where the SLA is judged (the busy hour, a window
    // or the run), with 95% CI bars and the SLA's line.
    let place = if res.judged_in_hours() { format!(" in the {}", res.judged_over()) } else { String::new() };
    let mut metrics: Vec<ObjectiveMetric> =
        vec![ObjectiveMetric::Blocking, ObjectiveMetric::P95Wait, ObjectiveMetric::Abandonment, ObjectiveMetric::Loss];
    metrics.extend(sla.objectives.iter().map(|o| o.metric).filter(|m| !metrics.contains(m)).collect::<Vec<_>>());
    for metric in metrics {
        let (name, desc) = chart_of(metric);
        let log_y = metric == ObjectiveMetric::Blocking;
        let floor = if log_y { BLOCKING_FLOOR } else { 0.0 };
        let y_desc = if log_y {
            format!("{desc}{place} (log; below {BLOCKING_FLOOR:e} drawn at it)")
        } else {
            format!("{desc}{place}")
        };
        let mut chart = Chart {
            title: format!("{}: {desc}{place} (95% CI bars; lines join grid points)", exp.name),
            x_desc: x.desc.clone(),
            x_clock: false,
            y_desc,
            y_unit: if metric.is_duration() { YUnit::Plain } else { YUnit::Percent },
            log_y,
            series: per_tier_ci(&|c: &CellResult| c.judged_value(metric), floor),
            step: None,
        };
        if let Some(l) = sla.limit(metric) {
            let xs = x_range(&chart.series);
            let shown = if metric.is_duration() { format!("{l} s") } else { crate::units::percent(l) };
            chart.step = Some((format!("SLA {} {shown}", metric.key()), vec![(xs.0, l), (xs.1, l)]));
        }
        drawn.push((name, render(&chart, name)?));
    }

    let losses = draw_chart!((1200, 380 * exp.tiers.len() as u32), |area| draw_losses(area, exp, res))
        .map_err(|e| render_error("losses", e))?;
    drawn.push(("losses", losses));
    Ok(drawn)
}

/// A metric's chart: its file name and what its axis says.
fn chart_of(metric: ObjectiveMetric) -> (&'static str, &'static str) {
    match metric {
        ObjectiveMetric::Blocking => ("blocking", "blocking probability"),
        ObjectiveMetric::Abandonment => ("abandonment", "abandonment probability"),
        ObjectiveMetric::Loss => ("loss", "callers never served (loss probability)"),
        ObjectiveMetric::Failure => ("failure", "failure after connect probability"),
        ObjectiveMetric::P95Wait => ("p95_wait", "p95 wait (s)"),
        ObjectiveMetric::ServiceLevel => ("service_level", "service level (answered within the SLA's time)"),
        ObjectiveMetric::P95TurnLatency => ("p95_turn_latency", "p95 turn latency (s)"),
        ObjectiveMetric::TurnsOverBudget => ("turns_over_budget", "turns over the latency budget"),
    }
}

/// Losses by limit against offered load, stacked, one panel per tier: the
/// share of attempts lost (blocked, abandoned or failed) at each limit, so
/// the top of the stack is the tier's total loss and each band shows which
/// limit caused it.
fn draw_losses<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    exp: &Experiment,
    res: &SweepResult,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let panels = root.split_evenly((exp.tiers.len(), 1));
    let names: Vec<String> =
        res.cells.first().map(|c| c.summary.limits.iter().map(|l| l.name.clone()).collect()).unwrap_or_default();
    for (t, (tier, panel)) in exp.tiers.iter().zip(&panels).enumerate() {
        let mut cells: Vec<_> = res.cells.iter().filter(|c| c.tier == TierId(t)).collect();
        cells.sort_by(|a, b| a.offered_load_erl.total_cmp(&b.offered_load_erl));
        // stack[k][i]: share of attempts lost at limits 0..=k, at the i-th load.
        let mut stack = vec![vec![0.0; cells.len()]; names.len()];
        for (i, c) in cells.iter().enumerate() {
            let attempts = c.summary.total.attempts.mean.max(1.0);
            let mut acc = 0.0;
            for (k, l) in c.summary.limits.iter().enumerate() {
                acc += l.metrics.losses_caused.mean / attempts;
                stack[k][i] = acc;
            }
        }
        let xs: Vec<f64> = cells.iter().map(|c| c.offered_load_erl).collect();
        let (x0, x1) = (xs.first().copied().unwrap_or(0.0), xs.last().copied().unwrap_or(1.0));
        let ymax = stack.last().map_or(0.0, |v| v.iter().copied().fold(0.0, f64::max));
        let panel = panel
            .titled(&format!("{}: losses by limit, tier {}", exp.name, tier.name), (FONT_FAMILY, 20))
            .map_err(|e| err(&e))?;
        let (data, strip) = legend::split(&panel);
        let mut ctx = ChartBuilder::on(&data)
            .margin(12)
            .margin_right(36)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1.max(x0 + 1e-9), 0.0..(ymax * 1.1).max(0.01))
            .map_err(|e| err(&e))?;
        ctx.configure_mesh()
            .x_desc("offered load, run average (Erl)")
            .y_desc("share of attempts lost over the run")
            .label_style((FONT_FAMILY, 14))
            .draw()
            .map_err(|e| err(&e))?;
        // Top band first, so each lower band paints over the one above it.
        for k in (0..names.len()).rev() {
            let color = legend::style(k).0;
            ctx.draw_series(
                AreaSeries::new(xs.iter().copied().zip(stack[k].iter().copied()), 0.0, color.mix(0.75))
                    .border_style(color),
            )
            .map_err(|e| err(&e))?;
        }
        // Listed top band first, as the stack reads.
        let entries: Vec<Entry> = (0..names.len())
            .rev()
            .map(|k| Entry { label: names[k].clone(), color: legend::style(k).0, key: Key::Area })
            .collect();
        legend::draw(&strip, &entries, 24)?;
    }
    root.present().map_err(|e| err(&e))
}

/// Monthly price of each tier against offered load, each point filled if the
/// tier meets the SLA there and hollow if not, and the cheapest passing tier
/// as a step line.
fn price_chart(exp: &Experiment, res: &SweepResult, x: &XAxis) -> Chart {
    let series = exp
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, t)| t.price_per_month.is_some())
        .map(|(t, tier)| {
            let mut cells: Vec<_> = res.cells.iter().filter(|c| c.tier == TierId(t)).collect();
            cells.sort_by(|a, b| x.of(exp, a).total_cmp(&x.of(exp, b)));
            Series {
                name: format!("{} (filled = meets SLA)", tier.name),
                points: cells.iter().map(|c| (x.of(exp, c), tier.price_per_month.unwrap_or(0.0))).collect(),
                pass: Some(cells.iter().map(|c| c.meets_sla()).collect()),
                show_line: false,
                markers: true,
                bounds: None,
            }
        })
        .collect();
    let mut best: Vec<(f64, f64)> = res
        .recommendations()
        .filter_map(|(p, t)| {
            let t = t?;
            let at = x.of(exp, res.cells.iter().find(|c| c.point == p)?);
            Some((at, exp.tiers[t].price_per_month?))
        })
        .collect();
    best.sort_by(|a, b| a.0.total_cmp(&b.0));
    let step = best.windows(2).flat_map(|w| [w[0], (w[1].0, w[0].1)]).chain(best.last().copied()).collect();
    // Where no tier passes, the step has no point: the title names those loads.
    let none: Vec<String> = res
        .recommendations()
        .filter(|(_, t)| t.is_none())
        .filter_map(|(p, _)| res.cells.iter().find(|c| c.point == p).map(|c| crate::units::tick(x.of(exp, c).round())))
        .collect();
    let gap = if none.is_empty() { String::new() } else { format!(" (no tier meets the SLA at {})", none.join(", ")) };
    Chart {
        title: format!("{}: monthly price vs {}{gap}", exp.name, if x.outbound { &x.desc } else { "offered load" }),
        x_desc: x.desc.clone(),
        x_clock: false,
        y_desc: "price per month".into(),
        y_unit: YUnit::Dollars,
        log_y: false,
        series,
        step: Some(("cheapest tier meeting the SLA".into(), step)),
    }
}

/// Leads reached and dials placed per hour of each campaign (means over
/// replications), against hours from Monday 00:00 UTC.
///
/// Errors ([`crate::error::Error::Output`]) when the chart cannot be drawn.
pub fn hourly(title: &str, campaigns: &[crate::statistics::CampaignSummary]) -> Result<Drawn> {
    register_font();
    let series = campaigns
        .iter()
        .flat_map(|c| {
            let line = |name: &str, get: fn(&(f64, f64)) -> f64| Series {
                name: format!("{}: {name}", c.name),
                points: c.hourly.iter().enumerate().map(|(h, v)| (h as f64, get(v))).collect(),
                pass: None,
                show_line: true,
                markers: false,
                bounds: None,
            };
            [line("leads reached", |v| v.0), line("dials placed", |v| v.1)]
        })
        .collect();
    let chart = Chart {
        title: title.to_string(),
        x_desc: "simulated clock (UTC)".into(),
        x_clock: true,
        y_desc: "per hour (mean over replications)".into(),
        y_unit: YUnit::Plain,
        log_y: false,
        series,
        step: None,
    };
    render(&chart, "hourly")
}

fn x_range(series: &[Series]) -> (f64, f64) {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if lo.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

/// `chart` drawn; `name` names it in an error.
fn render(chart: &Chart, name: &str) -> Result<Drawn> {
    draw_chart!(SIZE, |area| draw(area, chart)).map_err(|e| render_error(name, e))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let all: Vec<(f64, f64)> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .chain(chart.series.iter().flat_map(|s| s.bounds.iter().flatten().zip(&s.points).map(|(b, p)| (p.0, b.1))))
        .chain(chart.step.iter().flat_map(|s| s.1.iter().copied()))
        .collect();
    let (x0, x1) = x_range(&chart.series);
    let pad = ((x1 - x0) * 0.05).max(1e-9);
    let (xr, ymax) = ((x0 - pad)..(x1 + pad), all.iter().map(|p| p.1).fold(0.0, f64::max));
    // A chart whose every value is zero says so once, in its title.
    let data_max = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let zero = !chart.series.iter().all(|s| s.points.is_empty()) && data_max == 0.0 && !chart.log_y;
    let title = if zero { format!("{}: all zero", chart.title) } else { chart.title.clone() };
    let root = root.titled(&title, (FONT_FAMILY, 22)).map_err(|e| err(&e))?;
    let (data, strip) = legend::split(&root);
    let mut builder = ChartBuilder::on(&data);
    builder.margin(16).margin_right(36).x_label_area_size(44).y_label_area_size(70);
    if chart.log_y {
        let ymin = all.iter().map(|p| p.1).filter(|y| *y > 0.0).fold(f64::INFINITY, f64::min).min(ymax) / 2.0;
        let ctx = builder
            .build_cartesian_2d(xr, (ymin.max(1e-12)..(ymax * 2.0).max(1e-11)).log_scale())
            .map_err(|e| err(&e))?;
        plot(ctx, chart)?;
    } else {
        let ctx = builder.build_cartesian_2d(xr, 0.0..(ymax * 1.1).max(1e-9)).map_err(|e| err(&e))?;
        plot(ctx, chart)?;
    }
    legend::draw(&strip, &entries(chart), 30)?;
    root.present().map_err(|e| err(&e))
}

/// The legend of a chart: one entry per series (a series with the same
/// points as an earlier one says so: it is drawn over it), then the step line.
fn entries(chart: &Chart) -> Vec<Entry> {
    let mut out: Vec<Entry> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (color, dashed) = legend::style(i);
            let key = match (s.show_line, dashed) {
                (false, _) => Key::Dot,
                (true, false) => Key::Line,
                (true, true) => Key::Dashed,
            };
            let twin = chart.series[..i].iter().find(|t| !s.points.is_empty() && t.points == s.points);
            let label = match twin {
                Some(t) => format!("{} (identical to {})", s.name, t.name),
                None => s.name.clone(),
            };
            Entry { label, color, key }
        })
        .collect();
    if let Some((name, _)) = &chart.step {
        out.push(Entry { label: name.clone(), color: BLACK, key: Key::Thick });
    }
    out
}

fn plot<'a, DB, Y>(
    mut ctx: ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
    chart: &Chart,
) -> std::result::Result<(), String>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let clock = |h: &f64| crate::units::clock_label(h * 3600.0);
    let x_tick = |v: &f64| crate::units::tick(*v);
    let y_tick = |v: &f64| match chart.y_unit {
        YUnit::Plain => crate::units::tick(*v),
        YUnit::Percent => crate::units::percent(*v),
        YUnit::Dollars => crate::units::money(*v),
    };
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(&chart.x_desc).y_desc(&chart.y_desc).label_style((FONT_FAMILY, 14)).y_label_formatter(&y_tick);
    if chart.x_clock {
        mesh.x_label_formatter(&clock);
    } else {
        mesh.x_label_formatter(&x_tick);
    }
    mesh.draw().map_err(|e| err(&e))?;
    for (i, s) in chart.series.iter().enumerate() {
        let (color, dashed) = legend::style(i);
        if s.show_line && dashed {
            ctx.draw_series(DashedLineSeries::new(s.points.iter().copied(), 8, 5, color.stroke_width(2)))
                .map_err(|e| err(&e))?;
        } else if s.show_line {
            ctx.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2))).map_err(|e| err(&e))?;
        }
        if let Some(bounds) = &s.bounds {
            let bars = s.points.iter().zip(bounds).filter(|(_, b)| b.1 > b.0);
            ctx.draw_series(bars.map(|(p, b)| PathElement::new(vec![(p.0, b.0), (p.0, b.1)], color.stroke_width(2))))
                .map_err(|e| err(&e))?;
        }
        if !s.markers {
            continue;
        }
        // Earlier lines' markers are larger, so a line drawn over another
        // with equal values leaves a ring of the first showing.
        let radius = 5 + (2 * (chart.series.len() - 1 - i)).min(6) as i32;
        ctx.draw_series(s.points.iter().enumerate().map(|(k, &p)| {
            let filled = s.pass.as_ref().is_none_or(|pass| pass[k]);
            Circle::new(p, radius, if filled { color.filled() } else { color.stroke_width(2) })
        }))
        .map_err(|e| err(&e))?;
    }
    if let Some((_, points)) = &chart.step {
        ctx.draw_series(LineSeries::new(points.iter().copied(), BLACK.stroke_width(3))).map_err(|e| err(&e))?;
    }
    Ok(())
}
