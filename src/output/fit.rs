//! What `simcall fit` prints and writes: the fits, the concurrency figures,
//! the model snippet, the profile table and two charts (the arrival profile,
//! and the fitted holding time against the data's histogram).

use super::charts::{register_font, FONT_FAMILY};
use super::legend::COLORS;
use super::{render_error, tables, OutputFile};
use crate::error::Result;
use crate::fit::{HoldingFit, LogFit, ProfileFit, VariationFit};
use crate::units::{thousands, WEEKDAYS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;
use std::path::Path;

/// The printed report.
pub fn text(f: &LogFit, snippet: &str) -> String {
    let p = &f.profile;
    let mut out = format!(
        "{} arrivals{} over {} days ({} observed, {} missing), {}-minute intervals; {}\n",
        thousands(f.arrivals),
        if f.redials_left_out > 0 {
            format!(" (first attempts; {} redials left out)", thousands(f.redials_left_out as f64))
        } else {
            String::new()
        },
        f.span_days,
        f.observed_days,
        f.span_days - f.observed_days,
        p.resolution_s / 60.0,
        if p.weekly {
            "weekly profile (weekdays' and weekends' shapes apart)"
        } else {
            "daily profile (under a week of log)"
        }
    );
    for w in &p.unobserved {
        out += &if *w < 5 {
            format!("  no {} in the log: it takes the weekdays' mean level\n", DAY_NAMES[*w])
        } else {
            format!("  no {} in the log: the profile has no calls then\n", DAY_NAMES[*w])
        };
    }
    out += &format!(
        "busy hour {:02}:00-{:02}:00{}: {:.1} arrivals on average\n",
        p.busy_hour,
        p.busy_hour + 1,
        if p.weekly && p.observed[..5].iter().any(|n| *n > 0) { " on weekdays" } else { "" },
        p.busy_hour_calls
    );
    if p.weekly {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "day",
            "days observed",
            "arrivals a day",
            "factor (over its kind's mean; 95% interval)",
        ]);
        for (w, day) in DAY_NAMES.iter().enumerate() {
            t.add_row(vec![
                day.to_string(),
                p.observed[w].to_string(),
                p.levels[w].map_or("-".into(), |l| format!("{l:.1}")),
                f.day_of_week[w].map_or("-".into(), |e| e.text(3)),
            ]);
        }
        out += &format!("{t}\n");
    }
    match &f.variation {
        None => {
            out += &format!(
                "day to day: too few busy days to estimate ({} with calls; at least {})\n",
                f.daily.iter().filter(|d| p.busy_days()(d.0) && d.1 > 0.0).count(),
                crate::fit::variation::MIN_DAYS
            )
        }
        Some(v) => out += &variation_text(v, p.busy_hour),
    }
    if !f.holding.is_empty() {
        out += &format!("holding time fitted to {}\n{}\n", f.holding_from, holding_table(&f.holding));
    }
    out += &outcomes_text(f);
    if let Some(c) = &f.concurrency {
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
    }
    out + "\nmodel snippet:\n" + snippet
}

const DAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn variation_text(v: &VariationFit, busy_hour: usize) -> String {
    let mut out = format!(
        "day to day ({} busy days; busy hour {:02}:00-{:02}:00, halves split at {:02}:00):\n\
         \x20 busy-hour cv beyond Poisson {} (Poisson alone {:.3})\n\
         \x20 day totals' cv beyond Poisson {} (totals average the halves: they understate the busy hour's)\n\
         \x20 morning-afternoon correlation beyond Poisson {}\n\
         \x20 day factor cv {}, half-day factor cv {}\n\
         \x20 within-hour dispersion index {:.3} (Poisson: 1)\n",
        v.days,
        busy_hour,
        busy_hour + 1,
        (v.split_s / 3600.0) as u32,
        v.busy_hour_cv.text(3),
        v.poisson_cv,
        v.daily_cv.text(3),
        v.half_correlation.text(2),
        v.day_cv.text(3),
        v.within_cv.text(3),
        v.dispersion_index
    );
    let on: Vec<String> = (0..7)
        .filter(|w| v.busiest_5_weekdays[*w] > 0)
        .map(|w| {
            format!(
                "{} {}{}",
                v.busiest_5_weekdays[w],
                DAY_NAMES[w],
                if v.busiest_5_weekdays[w] > 1 { "s" } else { "" }
            )
        })
        .collect();
    out += &format!("  busiest 5 days' busy hour: {:.3}× the mean ({})", v.busiest_5_ratio, on.join(", "));
    if let Some(r) = v.busiest_30_ratio {
        out += &format!("; busiest 30: {r:.3}×");
    }
    out += "\n";
    if v.tails.is_empty() {
        out += "  no day factor: the day-to-day variation's interval includes none beyond Poisson\n";
        return out;
    }
    let chosen = v.chosen.factor.as_ref().map_or("", |f| f.name());
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["day factor", "AIC", "busiest-5 ratio it gives (log: above)"]);
    for tail in &v.tails {
        t.add_row(vec![
            if tail.dist == chosen { format!("{} (chosen)", tail.dist) } else { tail.dist.to_string() },
            if tail.aic.is_finite() { format!("{:.1}", tail.aic) } else { "-".into() },
            format!("{:.3}", tail.busiest_5_ratio),
        ]);
    }
    out += &format!("{t}\n");
    if chosen == "empirical" {
        out += &format!(
            "  the log's own {} day factors are resampled (from {} busy days on: its tail as it is)\n",
            v.factors.len(),
            crate::fit::variation::EMPIRICAL_DAYS
        );
    }
    out
}

/// Patience and redials, when the log has outcomes.
fn outcomes_text(f: &LogFit) -> String {
    let mut out = String::new();
    if let Some(p) = &f.patience {
        let (m, lo, hi) = p.exponential;
        let lognormal = p.lognormal.map_or("lognormal: -".to_string(), |(m, lo, hi, cv)| {
            format!("lognormal mean {m:.1} s ({lo:.1}–{hi:.1}), cv {cv:.2}")
        });
        out += &format!(
            "patience ({} abandoned, {} answered after waiting: censored):\n\
             \x20 Kaplan-Meier median {}; exponential mean {m:.1} s ({lo:.1}–{hi:.1}); {lognormal}; chosen by AIC: {}\n\
             \x20 the abandoned callers' own waits average {:.1} s: biased low, they keep only the impatient\n",
            thousands(p.abandoned as f64),
            thousands(p.answered as f64),
            if p.km_median_s.is_finite() {
                format!("{:.1} s", p.km_median_s)
            } else {
                "- (half wait longer than any answer)".into()
            },
            p.chosen(),
            p.naive_mean_s
        );
    }
    if let Some(r) = &f.redial {
        let parts: Vec<String> = r
            .by_attempt
            .iter()
            .enumerate()
            .map(|(k, (n, redialled))| {
                format!(
                    "after failed attempt {}: {:.1}% of {}",
                    k + 1,
                    100.0 * *redialled as f64 / (*n).max(1) as f64,
                    thousands(*n as f64)
                )
            })
            .collect();
        out += &format!("redials (the same caller again within a day): {}\n", parts.join("; "));
        if let Some(d) = f.redial_delay.first() {
            out += &format!(
                "  delay from the failure: {} mean {:.1} s, cv {:.2}; up to {} attempts in a row\n",
                d.dist, d.mean_s, d.cv, r.max_attempts
            );
        }
    }
    out
}

fn holding_table(fits: &[HoldingFit]) -> Table {
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
    t
}

/// The fit's output set: `snippet.toml`, `arrivals.csv` (a profile finer
/// than hourly, which the snippet names), `profile.csv`/`.parquet`,
/// `days.csv`/`.parquet` (each observed day's arrivals and busy-hour
/// arrivals), `patience.csv`/`.parquet` (the Kaplan–Meier curve, with
/// outcomes), `profile.png`/`.svg` and, for call records,
/// `holding.png`/`.svg`.
///
/// Errors ([`crate::error::Error::Output`]) when a table or chart cannot be
/// rendered.
pub fn files(f: &LogFit, durations: &[f64], snippet: &str) -> Result<Vec<OutputFile>> {
    let mut files = vec![OutputFile::new("snippet.toml", snippet)];
    if let Some(csv) = f.arrivals_csv() {
        files.push(OutputFile::new("arrivals.csv", csv));
    }
    let p = &f.profile;
    let hours: Vec<f64> = (0..p.rates_per_h.len()).map(|i| i as f64 * p.resolution_s / 3600.0).collect();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("hour".into(), hours),
        Column::new("calls_per_hour".into(), p.rates_per_h.clone()),
    ])
    .expect("two columns of equal length");
    files.extend(tables::both(&mut df, Path::new("profile"))?);
    let mut days = DataFrame::new_infer_height(vec![
        Column::new("day".into(), f.daily.iter().map(|d| d.0).collect::<Vec<_>>()),
        Column::new("weekday".into(), f.daily.iter().map(|d| WEEKDAYS[d.0.rem_euclid(7) as usize]).collect::<Vec<_>>()),
        Column::new("arrivals".into(), f.daily.iter().map(|d| d.1).collect::<Vec<_>>()),
        Column::new("busy_hour_arrivals".into(), f.daily.iter().map(|d| d.2).collect::<Vec<_>>()),
    ])
    .expect("columns of equal length");
    files.extend(tables::both(&mut days, Path::new("days"))?);
    if let Some(p) = &f.patience {
        let mut km = DataFrame::new_infer_height(vec![
            Column::new("wait_s".into(), p.km.iter().map(|x| x.0).collect::<Vec<_>>()),
            Column::new("still_waiting".into(), p.km.iter().map(|x| x.1).collect::<Vec<_>>()),
        ])
        .expect("two columns of equal length");
        files.extend(tables::both(&mut km, Path::new("patience"))?);
    }
    let profile = draw_chart!((1000, 420), |area| draw_profile(area, p)).map_err(|e| render_error("profile", e))?;
    files.extend(profile.files(Path::new("profile")));
    if let Some(best) = f.holding.first() {
        let holding = draw_chart!((1000, 480), |area| draw_holding(area, best, durations))
            .map_err(|e| render_error("holding", e))?;
        files.extend(holding.files(Path::new("holding")));
    }
    Ok(files)
}

fn draw_profile<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, p: &ProfileFit) -> std::result::Result<(), String> {
    let rates = &p.rates_per_h;
    let hours = rates.len() as f64 * p.resolution_s / 3600.0;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    register_font();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let ymax = rates.iter().copied().fold(1.0, f64::max) * 1.1;
    let mut ctx = ChartBuilder::on(&root)
        .caption("fitted arrival rate", (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..hours, 0.0..ymax)
        .map_err(|e| err(&e))?;
    let x_desc = if p.weekly { "hour of the week (from Monday 00:00)" } else { "hour of the day" };
    ctx.configure_mesh()
        .x_desc(x_desc)
        .y_desc("calls per hour")
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    let w = p.resolution_s / 3600.0;
    let steps = rates.iter().enumerate().flat_map(|(i, r)| [(i as f64 * w, *r), ((i + 1) as f64 * w, *r)]);
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
