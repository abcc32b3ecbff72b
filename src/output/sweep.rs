//! A sweep's output set, rendered from its [`SweepReport`]: the tables
//! (CSV and Parquet), the charts, each tier's worst-point time series, the
//! busy day at the recommended point, the recommendation text and the
//! capacity-review page. One pure function of the report (after hyperfine's
//! `src/export/`): the page embeds the charts drawn here, so nothing is
//! read back and no file depends on another being written first.

use super::{charts, page_sweep, series, tables, text, OutputFile};
use crate::error::Result;
use crate::report::SweepReport;
use std::path::Path;

/// Every file of the sweep's output set, by name.
///
/// Errors ([`crate::error::Error::Output`]) when a table or chart cannot be
/// rendered.
pub fn files(rep: &SweepReport) -> Result<Vec<OutputFile>> {
    let (exp, res) = (&rep.experiment, &rep.result);
    let mut files = Vec::new();
    let frames = [
        ("summary", Some(tables::summary(exp, res))),
        ("limits", Some(tables::limits(exp, res))),
        ("recommendation", Some(tables::recommendation(exp, res))),
        ("copies", tables::copies(exp, res)),
        ("campaigns", tables::campaigns(exp, res)),
    ];
    for (name, df) in frames {
        let Some(mut df) = df else { continue };
        if name == "recommendation" {
            let file = format!("{name}.csv");
            files.push(OutputFile::new(&file, tables::csv(&mut df, &file)?));
        } else {
            files.extend(tables::both(&mut df, Path::new(name))?);
        }
    }
    let drawn = charts::draw_all(exp, res)?;
    // The busy hour is shaded on the time series only where traffic varies.
    let varies = exp.base.time_variation().is_some();
    for (name, d) in &drawn {
        files.extend(d.files(Path::new(name)));
    }
    for (tier, worst) in exp.tiers.iter().zip(&rep.worst) {
        let Some(w) = worst else { continue };
        let name: String =
            tier.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        // Campaigns alone have no offered load: name the point by its axis values.
        let at = if exp.base.campaigns_only() {
            exp.point_label(exp.cells[w.cell].point)
        } else {
            format!("{:.0} Erl", res.cells[w.cell].offered_load_erl)
        };
        let title = format!("{}: tier {} at its worst point ({at})", exp.name, tier.name);
        let stem = format!("timeseries_{name}");
        let marks = series::Marks { busy_hour: varies, incidents: &[] };
        files.extend(series::files(Path::new(&stem), &title, &w.summary.limits, &w.summary.series, marks)?.0);
    }
    let busy_day = match &rep.busy_day {
        Some(b) => {
            let cell = &exp.cells[b.cell];
            let title = format!("{}: tier {} at {}", exp.name, exp.tiers[cell.tier].name, exp.point_label(cell.point));
            let stem = Path::new("timeseries_recommended");
            let incidents = rep.failing.as_ref().map_or(&[][..], |f| &f.windows[..]);
            let marks = series::Marks { busy_hour: varies, incidents };
            let (more, svg) = series::files(stem, &title, &b.summary.limits, &b.summary.series, marks)?;
            files.extend(more);
            Some(svg)
        }
        None => None,
    };
    files.push(OutputFile::new("recommendation.txt", text::recommendation_text(exp, res, &rep.warnings)));
    files.push(OutputFile::new("report.html", page_sweep::sweep_page(rep, &drawn, busy_day.as_deref())));
    Ok(files)
}
