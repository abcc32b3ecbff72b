//! What `simcall fit` prints and writes: the fits, the concurrency figures,
//! the model snippet, the profile table and two charts (the arrival profile,
//! and the fitted holding time against the data's histogram).

use super::charts::{register_font, FONT_FAMILY};
use super::legend::COLORS;
use super::{render_error, tables, OutputFile};
use crate::error::Result;
use crate::fit::{Concurrency, HoldingFit};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;
use std::path::Path;

/// The printed report.
pub fn text(
    calls: usize,
    span_days: f64,
    rates: &[f64],
    fits: &[HoldingFit],
    c: &Concurrency,
    snippet: &str,
) -> String {
    let mut out = format!(
        "{calls} calls over {span_days:.1} days; arrival profile by hour of the {} ({} values, calls per hour)\n",
        if rates.len() == 168 { "week" } else { "day" },
        rates.len()
    );
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "holding fit",
        "mean (s)",
        "cv",
        "shape",
        "log-likelihood",
        "AIC",
        "KS distance",
    ]);
    for (i, f) in fits.iter().enumerate() {
        let shape = if f.shape.is_finite() { format!("{:.4}", f.shape) } else { "-".into() };
        let name = if i == 0 { format!("{} (chosen)", f.dist) } else { f.dist.to_string() };
        t.add_row(vec![
            name,
            format!("{:.1}", f.mean_s),
            format!("{:.4}", f.cv),
            shape,
            format!("{:.1}", f.log_likelihood),
            format!("{:.1}", f.aic),
            format!("{:.4}", f.ks),
        ]);
    }
    out += &format!("{t}\n");
    out += &format!(
        "concurrency: peak {:.0}, 99th percentile {:.0}, median {:.0}, mean {:.2}\n\
         busy hour {:02}:00-{:02}:00: mean {:.2}, peak {:.0}; burst factor (busy-hour peak / busy-hour mean) {}\n",
        c.peak,
        c.p99,
        c.median,
        c.mean,
        c.busy_hour,
        c.busy_hour + 1,
        c.busy_hour_mean,
        c.busy_hour_peak,
        if c.burst_factor().is_finite() { format!("{:.2}", c.burst_factor()) } else { "- (no calls)".into() }
    );
    for (w, (peak, p99)) in c.weekly.iter().enumerate() {
        out += &format!("  week {}: peak {peak:.0}, 99th percentile {p99:.0}\n", w + 1);
    }
    out + "\nmodel snippet:\n" + snippet
}

/// The fit's output set: `snippet.toml`, `profile.csv`/`.parquet`,
/// `profile.png`/`.svg` and `holding.png`/`.svg`.
///
/// Errors ([`crate::error::Error::Output`]) when a table or chart cannot be
/// rendered.
pub fn files(rates: &[f64], fits: &[HoldingFit], durations: &[f64], snippet: &str) -> Result<Vec<OutputFile>> {
    let mut files = vec![OutputFile::new("snippet.toml", snippet)];
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("hour".into(), (0..rates.len() as u32).collect::<Vec<_>>()),
        Column::new("calls_per_hour".into(), rates.to_vec()),
    ])
    .expect("two columns of equal length");
    files.extend(tables::both(&mut df, Path::new("profile"))?);
    let profile = draw_chart!((1000, 420), |area| draw_profile(area, rates)).map_err(|e| render_error("profile", e))?;
    files.extend(profile.files(Path::new("profile")));
    if let Some(best) = fits.first() {
        let holding = draw_chart!((1000, 480), |area| draw_holding(area, best, durations))
            .map_err(|e| render_error("holding", e))?;
        files.extend(holding.files(Path::new("holding")));
    }
    Ok(files)
}

fn draw_profile<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, rates: &[f64]) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    register_font();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let ymax = rates.iter().copied().fold(1.0, f64::max) * 1.1;
    let mut ctx = ChartBuilder::on(&root)
        .caption("fitted arrival rate by hour", (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..rates.len() as f64, 0.0..ymax)
        .map_err(|e| err(&e))?;
    let x_desc = if rates.len() == 168 { "hour of the week (from Monday 00:00)" } else { "hour of the day" };
    ctx.configure_mesh()
        .x_desc(x_desc)
        .y_desc("calls per hour")
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    let steps = rates.iter().enumerate().flat_map(|(h, r)| [(h as f64, *r), (h as f64 + 1.0, *r)]);
    ctx.draw_series(LineSeries::new(steps, COLORS[0].stroke_width(2))).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

fn draw_holding<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    fit: &HoldingFit,
    xs: &[f64],
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    register_font();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    // Histogram up to the 99th percentile, as a density.
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let hi = sorted.get((sorted.len() as f64 * 0.99) as usize).copied().unwrap_or(1.0).max(1e-9);
    let bins = 60;
    let w = hi / bins as f64;
    let mut counts = vec![0.0; bins];
    for &x in xs.iter().filter(|x| **x < hi) {
        counts[((x / w) as usize).min(bins - 1)] += 1.0;
    }
    let density: Vec<f64> = counts.iter().map(|c| c / (xs.len() as f64 * w)).collect();
    let curve: Vec<(f64, f64)> = (1..=200).map(|i| hi * i as f64 / 200.0).map(|x| (x, fit.pdf(x))).collect();
    let ymax =
        density.iter().chain(curve.iter().map(|p| &p.1)).copied().filter(|v| v.is_finite()).fold(1e-12, f64::max) * 1.1;
    let mut ctx = ChartBuilder::on(&root)
        .caption(
            format!("holding time: data and the fitted {} (mean {:.0} s, cv {:.2})", fit.dist, fit.mean_s, fit.cv),
            (FONT_FAMILY, 20),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..hi, 0.0..ymax)
        .map_err(|e| err(&e))?;
    ctx.configure_mesh()
        .x_desc("holding time (s)")
        .y_desc("density")
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    ctx.draw_series(
        density
            .iter()
            .enumerate()
            .map(|(i, d)| Rectangle::new([(i as f64 * w, 0.0), ((i + 1) as f64 * w, *d)], COLORS[0].mix(0.5).filled())),
    )
    .map_err(|e| err(&e))?
    .label("data")
    .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], COLORS[0].mix(0.5).filled()));
    ctx.draw_series(LineSeries::new(curve, COLORS[1].stroke_width(3)))
        .map_err(|e| err(&e))?
        .label(format!("fitted {}", fit.dist))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[1].stroke_width(3)));
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT_FAMILY, 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
