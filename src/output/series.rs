//! The time series as a table (one row per bucket) and a chart of one
//! simulated day or week: each concurrency limit's mean use per bucket with
//! its capacity drawn as a line, and what arrived and was lost.

use super::charts::{COLORS, FONT_FAMILY};
use super::format::Pick;
use super::{tables, write_atomic};
use crate::error::Result;
use crate::model::LimitKind;
use crate::record::{Bucket, SeriesTotals};
use crate::statistics::LimitSummary;
use crate::units::clock_label;
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

/// Writes `<stem>.csv`, `<stem>.parquet`, `<stem>.png` and `<stem>.svg`.
pub fn write(stem: &Path, title: &str, limits: &[LimitSummary], series: &[Bucket]) -> Result<()> {
    let mut df = frame(limits, series);
    tables::write_csv(&mut df, &stem.with_extension("csv"))?;
    tables::write_parquet(&mut df, &stem.with_extension("parquet"))?;
    let size = (1100, 700);
    write_atomic(&stem.with_extension("png"), |tmp| {
        draw(BitMapBackend::new(tmp, size).into_drawing_area(), title, limits, series)
    })?;
    super::write_svg(&stem.with_extension("svg"), size, |area| draw(area, title, limits, series))
}

/// A line of a panel: its legend, points and colour, and whether it is a
/// dashed reference line (a capacity) rather than data.
struct Line {
    label: Option<String>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    limits: &[LimitSummary],
    series: &[Bucket],
) -> std::result::Result<(), String> {
    super::charts::register_font();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, bottom) = root.split_vertically(440);
    let hours = |b: &Bucket| b.start_s / 3600.0;
    let x0 = series.first().map_or(0.0, hours);
    let x1 = series.last().map_or(1.0, hours).max(x0 + 1e-6);
    // Top: concurrency limits (slots) against their capacity; rate and
    // token limits are in other units and stay in the table.
    let mut top_lines = Vec::new();
    let concurrency = limits.iter().filter(|l| matches!(l.kind, LimitKind::Concurrency { .. }));
    for (i, l) in concurrency.enumerate() {
        let (color, cap) = (COLORS[i % COLORS.len()], l.capacity() * l.pool as f64);
        let k = limits.iter().position(|m| m.name == l.name).expect("a limit of the list");
        let points = series.iter().map(|b| (hours(b), b.limits[k])).collect();
        top_lines.push(Line { label: Some(format!("{} (capacity {cap})", l.name)), points, color, dashed: false });
        top_lines.push(Line { label: None, points: vec![(x0, cap), (x1, cap)], color, dashed: true });
    }
    panel(&top, Some(title), "slots in use (mean per bucket)", (x0, x1), top_lines, SeriesLabelPosition::LowerRight)?;
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
            Line { label: Some(name.to_string()), points, color: COLORS[c % COLORS.len()], dashed: false }
        })
        .collect();
    panel(&bottom, None, "calls per bucket", (x0, x1), bottom_lines, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(|e| e.to_string())
}

/// One panel: time in hours on x, the lines on y from 0.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: Option<&str>,
    y_desc: &str,
    (x0, x1): (f64, f64),
    lines: Vec<Line>,
    legend: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let ymax = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(1.0, f64::max) * 1.1;
    let mut builder = ChartBuilder::on(area);
    if let Some(c) = caption {
        builder.caption(c, (FONT_FAMILY, 20));
    }
    let mut ctx = builder
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(|e| err(&e))?;
    ctx.configure_mesh()
        .x_desc("hours from Monday 00:00")
        .y_desc(y_desc)
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    for line in lines {
        let color = line.color;
        if line.dashed {
            ctx.draw_series(DashedLineSeries::new(line.points, 8, 5, color.stroke_width(1))).map_err(|e| err(&e))?;
            continue;
        }
        let drawn = ctx.draw_series(LineSeries::new(line.points, color.stroke_width(2))).map_err(|e| err(&e))?;
        if let Some(label) = line.label {
            drawn.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
    }
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT_FAMILY, 13))
        .position(legend)
        .draw()
        .map_err(|e| err(&e))
}
