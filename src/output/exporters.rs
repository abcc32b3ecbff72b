//! A sweep's outputs, one [`Exporter`] per kind (after hyperfine's
//! `src/export/`): the tables (CSV and Parquet), the charts, each tier's
//! worst-point time series and the recommendation text. The `sweep` command
//! runs them in order into one folder.

use super::{charts, report, series, tables, write_atomic};
use crate::config::{value_label, Experiment};
use crate::error::Result;
use crate::runs::{run_model, with_series, worst_cells, SweepResult};
use std::path::Path;

/// Writes one kind of a sweep's outputs into a folder.
pub trait Exporter {
    /// Writes this kind's files for `res` of `exp` into `dir` (each file
    /// atomically).
    ///
    /// Errors when a file cannot be written.
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()>;
}

/// The exporters of `simcall sweep`, in the order they run.
pub fn sweep_exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(Tables), Box::new(Charts), Box::new(WorstPointSeries), Box::new(RecommendationText)]
}

/// `summary`, `limits`, `recommendation`, `copies` and `campaigns` tables
/// (CSV; Parquet too except for the recommendation).
pub struct Tables;

impl Exporter for Tables {
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()> {
        let frames = [
            ("summary", tables::summary(exp, res)),
            ("limits", tables::limits(exp, res)),
            ("recommendation", tables::recommendation(exp, res)),
        ];
        let frames = frames
            .into_iter()
            .chain(tables::copies(exp, res).map(|df| ("copies", df)))
            .chain(tables::campaigns(exp, res).map(|df| ("campaigns", df)));
        for (name, mut df) in frames {
            tables::write_csv(&mut df, &dir.join(format!("{name}.csv")))?;
            if name != "recommendation" {
                tables::write_parquet(&mut df, &dir.join(format!("{name}.parquet")))?;
            }
        }
        Ok(())
    }
}

/// The charts against offered load (PNG and SVG).
pub struct Charts;

impl Exporter for Charts {
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()> {
        charts::write_all(exp, res, dir)
    }
}

/// For each tier, the time series of its worst sweep point
/// (`timeseries_<tier>.*`). The cell runs again with the series switched
/// on: same streams, so the same replications.
pub struct WorstPointSeries;

impl Exporter for WorstPointSeries {
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()> {
        for (tier, worst) in exp.tiers.iter().zip(worst_cells(exp, res)) {
            let Some(i) = worst else { continue };
            let cell = &exp.cells[i];
            let model = with_series(&exp.model(i)?);
            let summary = run_model(&model, cell.point_key);
            let name: String =
                tier.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            // Campaigns alone have no offered load: name the point by its axis values.
            let at = if model.campaigns_only() {
                let values: Vec<String> = exp.points[cell.point].iter().map(value_label).collect();
                values.join(", ")
            } else {
                format!("{:.0} Erl", res.cells[i].offered_load_erl)
            };
            let title = format!("{}: tier {} at its worst point ({at})", exp.name, tier.name);
            series::write(&dir.join(format!("timeseries_{name}")), &title, &summary.limits, &summary.series)?;
        }
        Ok(())
    }
}

/// `recommendation.txt`: the table the command also prints.
pub struct RecommendationText;

impl Exporter for RecommendationText {
    fn export(&self, exp: &Experiment, res: &SweepResult, dir: &Path) -> Result<()> {
        let text = report::recommendation_text(exp, res);
        write_atomic(&dir.join("recommendation.txt"), |tmp| std::fs::write(tmp, &text).map_err(|e| e.to_string()))
    }
}
