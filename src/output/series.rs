//! The time series as a table (one row per bucket) and a chart of one
//! simulated day or week: every limit's mean use per bucket as a share of
//! its capacity (slots, admissions per window or tokens per minute alike),
//! the busy hour shaded, and what arrived and was lost; clock labels on the
//! time axis, legends beside the data.

use super::charts::FONT_FAMILY;
use super::format::Pick;
use super::legend::{self, Entry, Key};
use super::{render_error, tables, Drawn, OutputFile};
use crate::error::Result;
use crate::record::{Bucket, SeriesTotals};
use crate::statistics::LimitSummary;
use crate::units::clock_label;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;
use std::path::Path;

/// One row per bucket: `bucket_start_s`, `clock` ("mon 09:35"), the totals
/// of [`SeriesTotals`], then per limit `<limit>_use` and `<limit>_capacity`
/// (capacity × pool, in the limit's unit).
pub fn frame(limits: &[LimitSummary], series: &[Bucket]) -> DataFrame {
    let mut cols = vec![
        Column::new("bucket_start_s".into(), series.iter().map(|b| b.start_s).collect::<Vec<_>>()),
        Column::new("clock".into(), series.iter().map(|b| clock_label(b.start_s)).collect::<Vec<_>>()),
    ];
    for (k, name) in SeriesTotals::<f64>::NAMES.iter().enumerate() {
        let values: Vec<f64> = series.iter().map(|b| *b.totals.fields().nth(k).expect("a named field").1).collect();
        cols.push(Column::new((*name).into(), values));
    }
    for (l, lim) in limits.iter().enumerate() {
        cols.push(Column::new(
            format!("{}_use", lim.name).into(),
            series.iter().map(|b| b.limits[l]).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("{}_capacity", lim.name).into(),
            vec![lim.capacity() * lim.pool as f64; series.len()],
        ));
    }
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// Size of the chart (pixels).
const SIZE: (u32, u32) = (1300, 700);

/// What a series chart shades behind its data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks<'a> {
    /// The busy hour, when the model's arrivals vary in time (with a
    /// constant rate the busiest hour is noise, not a peak).
    pub busy_hour: bool,
    /// Incidents' windows: (incident, start s, end s).
    pub incidents: &'a [(String, f64, f64)],
}

/// The chart of the series, titled `title`, with what `marks` asks shaded.
///
/// Errors ([`crate::error::Error::Output`], naming `stem`) when the drawing fails.
pub fn chart(stem: &Path, title: &str, limits: &[LimitSummary], series: &[Bucket], marks: Marks) -> Result<Drawn> {
    draw_chart!(SIZE, |area| draw(area, title, limits, series, marks))
        .map_err(|e| render_error(&stem.to_string_lossy(), e))
}

/// `<stem>.csv`, `<stem>.parquet`, `<stem>.png` and `<stem>.svg`, and the
/// chart's SVG text (for a page).
///
/// Errors as [`chart`] and [`tables::both`].
pub fn files(
    stem: &Path,
    title: &str,
    limits: &[LimitSummary],
    series: &[Bucket],
    marks: Marks,
) -> Result<(Vec<OutputFile>, String)> {
    let mut df = frame(limits, series);
    let drawn = chart(stem, title, limits, series, marks)?;
    let mut files = tables::both(&mut df, stem)?.to_vec();
    files.extend(drawn.files(stem));
    Ok((files, drawn.svg))
}

/// A line of a panel: its legend, points and colour, and whether it is a
/// dashed reference line (a capacity) rather than data.
struct Line {
    label: Option<String>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
}

/// Where the busiest hour starts (s): the 60 minutes of consecutive buckets
/// with the most offered calls (ITU-T E.500's busy hour, read on one
/// simulated period). `None` with no bucket.
pub fn busy_hour_start_s(series: &[Bucket]) -> Option<f64> {
    let width = series.get(1).map_or(3600.0, |b| b.start_s - series[0].start_s);
    let n = ((3600.0 / width).round() as usize).clamp(1, series.len().max(1));
    series
        .windows(n)
        .map(|w| (w[0].start_s, w.iter().map(|b| b.totals.offered_calls).sum::<f64>()))
        .fold(None, |best: Option<(f64, f64)>, (t, v)| if best.is_none_or(|b| v > b.1) { Some((t, v)) } else { best })
        .map(|b| b.0)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    limits: &[LimitSummary],
    series: &[Bucket],
    marks: Marks,
) -> std::result::Result<(), String> {
    super::charts::register_font();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let root = root.titled(title, (FONT_FAMILY, 20)).map_err(|e| e.to_string())?;
    // A model of campaigns alone has no inbound call to count: its use of
    // capacity takes the whole chart (dials per hour are `run --hourly`'s).
    let inbound = series.iter().any(|b| b.totals.offered_calls > 0.0);
    let (top, bottom) = if inbound { root.split_vertically(400) } else { root.split_vertically(root.dim_in_pixel().1) };
    let hours = |b: &Bucket| b.start_s / 3600.0;
    let x0 = series.first().map_or(0.0, hours);
    let x1 = series.last().map_or(1.0, hours).max(x0 + 1e-6);
    let busy = busy_hour_start_s(series)
        .filter(|_| inbound && marks.busy_hour)
        .map(|t| (t / 3600.0, (t / 3600.0 + 1.0).min(x1)));
    let shaded = Shaded {
        busy,
        incidents: marks
            .incidents
            .iter()
            .map(|(name, a, b)| (name.as_str(), a / 3600.0, (b / 3600.0).min(x1)))
            .filter(|(_, a, b)| a < b)
            .collect(),
    };
    // Top: every limit's use over its capacity (× pool), so slots, rate and
    // token limits share one axis and one 100% line.
    let mut top_lines = Vec::new();
    for (k, l) in limits.iter().enumerate() {
        let cap = l.capacity() * l.pool as f64;
        let points = series.iter().map(|b| (hours(b), 100.0 * b.limits[k] / cap)).collect();
        let unit = l.kind.kind().unit();
        let label = format!("{} ({} {unit})", l.name, cap);
        let (color, dashed) = legend::style(k);
        top_lines.push(Line { label: Some(label), points, color, dashed });
    }
    top_lines.push(Line {
        label: Some("capacity".into()),
        points: vec![(x0, 100.0), (x1, 100.0)],
        color: BLACK,
        dashed: true,
    });
    panel(&top, "use of capacity (%, mean per bucket)", (x0, x1), top_lines, &shaded)?;
    if !inbound {
        return root.present().map_err(|e| e.to_string());
    }
    // Bottom: offered calls, blocked, abandoned and failed per bucket.
    let pick: [Pick<SeriesTotals>; 4] = [
        ("offered_calls", |t| t.offered_calls),
        ("blocked_calls", |t| t.blocked_calls),
        ("abandoned_calls", |t| t.abandoned_calls),
        ("failed_after_connect", |t| t.failed_after_connect),
    ];
    let bottom_lines = pick
        .iter()
        .enumerate()
        .map(|(c, (name, get))| {
            let points = series.iter().map(|b| (hours(b), get(&b.totals))).collect();
            Line { label: Some(name.to_string()), points, color: legend::style(c).0, dashed: false }
        })
        .collect();
    panel(&bottom, "calls per bucket", (x0, x1), bottom_lines, &shaded)?;
    root.present().map_err(|e| e.to_string())
}

/// Clock ticks (hours from Monday 00:00) over [`x0`, `x1`]: whole hours,
/// every 1, 2, 3, 6 or 12 hours, or whole days, at most `most` of them.
pub(super) fn clock_ticks_h(x0: f64, x1: f64, most: usize) -> Vec<f64> {
    let most = most.max(2) as f64;
    let step = [1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 168.0]
        .into_iter()
        .find(|s| (x1 - x0) / s <= most)
        .unwrap_or_else(|| 168.0 * ((x1 - x0) / (168.0 * most)).ceil());
    let first = (x0 / step).ceil() as i64;
    (first..).map(|k| k as f64 * step).take_while(|t| *t <= x1).collect()
}

/// An axis of hours from Monday 00:00 whose ticks fall on whole hours or
/// days ([`clock_ticks_h`]), where plotters' own ticks would fall on
/// decimal steps (every 5 or 20 hours); labelled as the clock by the mesh.
pub(super) struct ClockHours(RangedCoordf64);

impl ClockHours {
    pub(super) fn new(x0: f64, x1: f64) -> Self {
        ClockHours((x0..x1).into())
    }
}

impl Ranged for ClockHours {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.0.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let r = self.0.range();
        clock_ticks_h(r.start, r.end, hint.max_num_points().min(12))
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.0.range()
    }
}

/// The spans a panel shades, in hours from Monday 00:00.
struct Shaded<'a> {
    busy: Option<(f64, f64)>,
    incidents: Vec<(&'a str, f64, f64)>,
}

/// The shade of incidents' windows.
const INCIDENT: RGBColor = RGBColor(220, 40, 40);

/// One panel: clock time on x, the lines on y from 0, the busy hour and
/// incidents shaded and the legend in a strip to the right of the data.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_desc: &str,
    (x0, x1): (f64, f64),
    lines: Vec<Line>,
    shaded: &Shaded,
) -> std::result::Result<(), String> {
    let busy = shaded.busy;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let (plot_area, legend_area) = legend::split(area);
    let ymax =
        lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).filter(|v| v.is_finite()).fold(1.0, f64::max) * 1.1;
    let mut ctx = ChartBuilder::on(&plot_area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(ClockHours::new(x0, x1), 0.0..ymax)
        .map_err(|e| err(&e))?;
    let clock = |h: &f64| clock_label(h * 3600.0);
    let y_tick = |v: &f64| crate::units::tick(*v);
    ctx.configure_mesh()
        .x_desc("simulated clock")
        .x_label_formatter(&clock)
        .y_label_formatter(&y_tick)
        .y_desc(y_desc)
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    if let Some((b0, b1)) = busy {
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(b0, 0.0), (b1, ymax)],
            RGBColor(255, 200, 0).mix(0.25).filled(),
        )))
        .map_err(|e| err(&e))?;
    }
    for &(_, a, b) in &shaded.incidents {
        ctx.draw_series(std::iter::once(Rectangle::new([(a, 0.0), (b, ymax)], INCIDENT.mix(0.15).filled())))
            .map_err(|e| err(&e))?;
    }
    let mut entries: Vec<Entry> = Vec::new();
    for line in lines {
        let color = line.color;
        // Thick polylines with sharp turns grow miter spikes in plotters'
        // bitmap backend: a dense line (more points than pixels) is drawn thin.
        let width = if line.points.len() > 400 { 1 } else { 2 };
        if line.dashed {
            ctx.draw_series(DashedLineSeries::new(line.points, 8, 5, color.stroke_width(width)))
                .map_err(|e| err(&e))?;
        } else {
            ctx.draw_series(LineSeries::new(line.points, color.stroke_width(width))).map_err(|e| err(&e))?;
        }
        if let Some(label) = line.label {
            entries.push(Entry { label, color, key: if line.dashed { Key::Dashed } else { Key::Thick } });
        }
    }
    if busy.is_some() {
        entries.push(Entry {
            label: "busy hour (most offered calls)".into(),
            color: RGBColor(255, 200, 0),
            key: Key::Area,
        });
    }
    let mut named: Vec<&str> = shaded.incidents.iter().map(|i| i.0).collect();
    named.dedup();
    for name in named {
        entries.push(Entry { label: format!("incident {name}"), color: INCIDENT, key: Key::Area });
    }
    legend::draw(&legend_area, &entries, 24)?;
    Ok(())
}
