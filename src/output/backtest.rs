//! What `simcall backtest` shows: the calibration of the prediction bands
//! (printed, `calibration.csv` and its chart), every interval and every day
//! compared (`intervals.csv`, `daily.csv`) and the days drawn against their
//! bands (`daily.png`, `.svg`).

use super::charts::{register_font, FONT_FAMILY};
use super::format::table;
use super::legend::COLORS;
use super::{render_error, tables, OutputFile};
use crate::backtest::intervals::METRICS;
use crate::backtest::{Backtest, Compared, LEVELS};
use crate::error::Result;
use crate::units::{significant, DAY_S, WEEKDAYS};
use comfy_table::Cell;
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

/// A day of the log as people name it: `2026-09-07 Mon` (dated logs), or
/// `day 3 (Thu)`.
fn day_label(b: &Backtest, day: usize) -> String {
    let weekday = WEEKDAYS[day % 7];
    match b.monday.and_then(|m| m.checked_add_days(chrono::Days::new(day as u64))) {
        Some(d) => format!("{} {weekday}", d.format("%Y-%m-%d")),
        None => format!("day {day} ({weekday})"),
    }
}

/// Where each metric's prediction comes from.
fn source_of(metric: usize) -> &'static str {
    if metric == 0 {
        "the model alone"
    } else {
        "the log's arrivals replayed"
    }
}

/// The calibration as a table: per metric, what predicts it, its
/// informative intervals and the share each band level holds.
fn calibration_table(b: &Backtest) -> (Vec<String>, Vec<Vec<String>>) {
    let header =
        ["metric", "predicted by", "intervals", "in 50% band", "in 80%", "in 90%", "in 95%"].map(String::from).to_vec();
    let rows = b
        .calibration()
        .iter()
        .map(|(m, share, n)| {
            let mut row = vec![METRICS[*m].to_string(), source_of(*m).to_string(), n.to_string()];
            row.extend(share.iter().map(|s| format!("{:.1}%", 100.0 * s)));
            row
        })
        .collect();
    (header, rows)
}

/// The printed summary: what was compared, the calibration per metric, and
/// the days whose totals fell outside their 95% band.
pub fn text(name: &str, b: &Backtest) -> String {
    let present = b.days - b.missing_days.len();
    let mut out = format!(
        "{name}: backtest over {present} days of the log ({} missing, left out), {} intervals of {} a day, {} \
         replications per prediction\n",
        b.missing_days.len(),
        (DAY_S / b.width_s).round(),
        crate::units::duration_text(b.width_s),
        b.replications
    );
    if !b.outcomes {
        out += "the log has no outcomes (outcome, wait): only the calls offered are compared\n";
    }
    let (header, rows) = calibration_table(b);
    let mut t = table(header);
    for row in rows {
        t.add_row(row.into_iter().map(Cell::new).collect::<Vec<_>>());
    }
    out += &format!("{t}\n");
    out += &format!("{}\n", answer(b));
    let outside: Vec<&Compared> =
        b.daily.iter().filter(|c| !c.degenerate && (c.observed < c.band[0] || c.observed > c.band[2])).collect();
    if outside.is_empty() {
        out += "every day's totals lie inside their 95% bands\n";
    } else {
        out += &format!("days whose total lies outside its 95% band ({}):\n", outside.len());
        for c in outside.iter().take(12) {
            out += &format!(
                "  {}: {} {} observed, band {}–{}\n",
                day_label(b, (c.start_s / DAY_S) as usize),
                METRICS[c.metric],
                significant(c.observed, 4),
                significant(c.band[0], 4),
                significant(c.band[2], 4)
            );
        }
        if outside.len() > 12 {
            out += &format!("  … and {} more (daily.csv)\n", outside.len() - 12);
        }
    }
    out
}

/// Rows of compared values as a table: `day`, `start` (interval) or not,
/// the metric, what it is predicted by, observed, the band and the PIT.
fn compared_frame(b: &Backtest, rows: &[Compared], with_time: bool) -> DataFrame {
    let mut cols = vec![Column::new(
        "day".into(),
        rows.iter().map(|c| day_label(b, (c.start_s / DAY_S) as usize)).collect::<Vec<_>>(),
    )];
    if with_time {
        cols.push(Column::new(
            "start".into(),
            rows.iter().map(|c| crate::units::clock_label(c.start_s)[4..].to_string()).collect::<Vec<_>>(),
        ));
    }
    cols.extend([
        Column::new("metric".into(), rows.iter().map(|c| METRICS[c.metric]).collect::<Vec<_>>()),
        Column::new("predicted_by".into(), rows.iter().map(|c| source_of(c.metric)).collect::<Vec<_>>()),
        Column::new("observed".into(), rows.iter().map(|c| c.observed).collect::<Vec<_>>()),
        Column::new("p2_5".into(), rows.iter().map(|c| c.band[0]).collect::<Vec<_>>()),
        Column::new("p50".into(), rows.iter().map(|c| c.band[1]).collect::<Vec<_>>()),
        Column::new("p97_5".into(), rows.iter().map(|c| c.band[2]).collect::<Vec<_>>()),
        Column::new("pit".into(), rows.iter().map(|c| c.pit).collect::<Vec<_>>()),
        Column::new("informative".into(), rows.iter().map(|c| !c.degenerate).collect::<Vec<_>>()),
    ]);
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// The calibration table: per metric, the share each band level holds.
fn calibration_frame(b: &Backtest) -> DataFrame {
    let c = b.calibration();
    let mut cols = vec![
        Column::new("metric".into(), c.iter().map(|x| METRICS[x.0]).collect::<Vec<_>>()),
        Column::new("predicted_by".into(), c.iter().map(|x| source_of(x.0)).collect::<Vec<_>>()),
        Column::new("intervals".into(), c.iter().map(|x| x.2 as u64).collect::<Vec<_>>()),
    ];
    for (k, level) in LEVELS.iter().enumerate() {
        cols.push(Column::new(
            format!("in_{:.0}_band", 100.0 * level).into(),
            c.iter().map(|x| x.1[k]).collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// The answer in words: which metrics' 95% bands hold far fewer (the
/// model is too sure or biased there) or far more (too unsure) of the
/// intervals than 95%, or that none does.
pub fn answer(b: &Backtest) -> String {
    let c = b.calibration();
    let miss: Vec<String> = c
        .iter()
        .filter(|x| x.2 >= 20 && x.1[3] < 0.90)
        .map(|x| format!("{} ({:.0}% of {} intervals)", METRICS[x.0], 100.0 * x.1[3], x.2))
        .collect();
    let loose: Vec<String> = c
        .iter()
        .filter(|x| x.2 >= 50 && x.1[3] > 0.99)
        .map(|x| format!("{} ({:.1}%)", METRICS[x.0], 100.0 * x.1[3]))
        .collect();
    let mut out = if miss.is_empty() {
        "The model predicts the log: every metric's 95% band holds at least 90% of its intervals.".to_string()
    } else {
        format!(
            "The model misses the log: the 95% band holds too few intervals of {} (the model is too sure or biased \
             there; the per-interval table says when).",
            miss.join(", ")
        )
    };
    if !loose.is_empty() {
        out += &format!(" Its bands are wider than the log needs for {}.", loose.join(", "));
    }
    out
}

/// The review page's parts that are the backtest's own: the question, the
/// answer, the notes on the log and the calibration table.
pub fn page(
    b: &Backtest,
    model: &crate::model::Model,
    header: String,
    log: &str,
    provenance: &crate::report::Provenance,
    charts: &[(&'static str, String, String)],
) -> String {
    let (header_row, rows) = calibration_table(b);
    let present = b.days - b.missing_days.len();
    let missing: Vec<String> = b.missing_days.iter().map(|d| day_label(b, *d)).collect();
    let notes = vec![
        format!(
            "The log {log}: {present} days with calls from {} ({} missing, left out of every comparison{}), compared in intervals of {}.",
            day_label(b, 0),
            b.missing_days.len(),
            if missing.is_empty() { String::new() } else { format!(": {}", missing.join(", ")) },
            crate::units::duration_text(b.width_s)
        ),
        "Calls offered are predicted by the model alone (its profile, day-of-week and day-to-day factors); the other metrics by the log's own first attempts replayed through the model's limits, with holding times, patience and redials drawn from the model.".to_string(),
    ];
    let trust = format!(
        "Each prediction comes from {} replications of the log's span (no warm-up: time 0 is the log's first Monday 00:00). An observed value's place among them is the probability integral transform, ties between counts placed by a uniform draw from a fixed stream (Czado, Gneiting and Held 2009), so the same backtest gives the same table. Intervals where every replication and the log agree exactly tell nothing and are left out. Hours of one day share that day's factor, so a band's share varies more than independent intervals would; a share within a few points of its level is calibrated.",
        b.replications
    );
    super::study_page::page(&super::study_page::StudyPage {
        kind: "backtest",
        question: format!("Does {} predict the log {log}, interval by interval and day by day?", model.name),
        answer: answer(b),
        warnings: Vec::new(),
        model,
        sources_cited: header,
        notes,
        table: ("Calibration: the intervals each band holds".into(), header_row, rows),
        charts: charts.to_vec(),
        trust,
        provenance,
    })
}

/// The backtest's files: `intervals.csv`, `daily.csv`, `calibration.csv`,
/// the calibration and daily charts, and `report.html` (the review page
/// of [`page`], with `model`, its file's `header`, the `log`'s name and
/// the `provenance`).
///
/// Errors ([`crate::error::Error::Output`]) when a file cannot be written or drawn.
pub fn files(
    b: &Backtest,
    model: &crate::model::Model,
    header: String,
    log: &str,
    provenance: &crate::report::Provenance,
) -> Result<Vec<OutputFile>> {
    let name = &model.name;
    register_font();
    let mut files = vec![
        OutputFile::new("intervals.csv", tables::csv(&mut compared_frame(b, &b.intervals, true), "intervals.csv")?),
        OutputFile::new("daily.csv", tables::csv(&mut compared_frame(b, &b.daily, false), "daily.csv")?),
        OutputFile::new("calibration.csv", tables::csv(&mut calibration_frame(b), "calibration.csv")?),
    ];
    let calibration =
        draw_chart!((800, 600), |area| draw_calibration(area, name, b)).map_err(|e| render_error("calibration", e))?;
    files.extend(calibration.files(std::path::Path::new("calibration")));
    let daily = draw_chart!((1100, 700), |area| draw_daily(area, name, b)).map_err(|e| render_error("daily", e))?;
    files.extend(daily.files(std::path::Path::new("daily")));
    let charts = [
        ("calibration", calibration.svg.clone(), "The share of intervals each band holds against the band's level: a calibrated model follows the diagonal.".to_string()),
        ("daily", daily.svg.clone(), "Each day of the log: calls offered and abandoned, the model's 95% band (bar) and what the log observed (dot; coloured outside the band).".to_string()),
    ];
    files.push(OutputFile::new("report.html", page(b, model, header, log, provenance, &charts)));
    Ok(files)
}

/// Observed coverage against each band's level, one line per metric, with
/// the diagonal a calibrated model follows.
fn draw_calibration<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    name: &str,
    b: &Backtest,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut ctx = ChartBuilder::on(&root)
        .caption(format!("{name}: calibration of the prediction bands"), (FONT_FAMILY, 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(40.0..100.0, 40.0..100.0)
        .map_err(|e| err(&e))?;
    let pct = |v: &f64| format!("{v:.0}%");
    ctx.configure_mesh()
        .x_desc("band level")
        .y_desc("intervals the band holds")
        .x_label_formatter(&pct)
        .y_label_formatter(&pct)
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    ctx.draw_series(LineSeries::new([(40.0, 40.0), (100.0, 100.0)], BLACK.mix(0.4).stroke_width(1)))
        .map_err(|e| err(&e))?
        .label("calibrated")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
    for (k, (m, share, _)) in b.calibration().into_iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points: Vec<(f64, f64)> = LEVELS.iter().zip(share).map(|(l, s)| (100.0 * l, 100.0 * s)).collect();
        ctx.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(METRICS[m])
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        ctx.draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled()))).map_err(|e| err(&e))?;
    }
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT_FAMILY, 12))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

/// Per day of the log: the calls offered (top) and abandoned (bottom), the
/// 95% band as a bar and what the log observed as a dot.
fn draw_daily<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    name: &str,
    b: &Backtest,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let panels = if b.outcomes { vec![0usize, 3] } else { vec![0] };
    let areas = root.split_evenly((panels.len(), 1));
    for (area, &m) in areas.iter().zip(&panels) {
        let rows: Vec<&Compared> = b.daily.iter().filter(|c| c.metric == m).collect();
        let top = rows.iter().map(|c| c.band[2].max(c.observed)).fold(1.0, f64::max) * 1.1;
        let mut ctx = ChartBuilder::on(area)
            .caption(format!("{name}: {} per day, 95% band and observed", METRICS[m]), (FONT_FAMILY, 16))
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..(b.days as f64 - 0.5), 0.0..top)
            .map_err(|e| err(&e))?;
        let day = |v: &f64| {
            if (v - v.round()).abs() < 1e-9 {
                WEEKDAYS[(v.round() as usize) % 7].to_string()
            } else {
                String::new()
            }
        };
        let y_tick = |v: &f64| crate::units::tick(*v);
        ctx.configure_mesh()
            .x_desc("day of the log")
            .x_labels(b.days.min(60))
            .x_label_formatter(&day)
            .y_label_formatter(&y_tick)
            .label_style((FONT_FAMILY, 12))
            .draw()
            .map_err(|e| err(&e))?;
        let x = |c: &Compared| (c.start_s / DAY_S).round();
        ctx.draw_series(
            rows.iter().map(|c| {
                Rectangle::new([(x(c) - 0.3, c.band[0]), (x(c) + 0.3, c.band[2])], COLORS[0].mix(0.35).filled())
            }),
        )
        .map_err(|e| err(&e))?;
        ctx.draw_series(rows.iter().map(|c| {
            let outside = c.observed < c.band[0] || c.observed > c.band[2];
            Circle::new((x(c), c.observed), 4, if outside { COLORS[1].filled() } else { BLACK.filled() })
        }))
        .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}
