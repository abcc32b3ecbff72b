//! `simcall backtest MODEL LOG`: what the model predicts per interval and
//! per day against what the log observed ([`crate::backtest`]).

use crate::config::bounds::Reach;
use crate::config::{read_call_log_for_fit, CallColumns, ModelDoc, OutcomeColumns};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What `simcall backtest` was asked.
pub(super) struct BacktestOptions<'a> {
    /// Interval width (s).
    pub interval_s: f64,
    /// Replications per prediction.
    pub replications: u32,
    /// Only the log's rows of this source.
    pub source: Option<&'a str>,
    /// `--set` arguments applied to the model.
    pub sets: &'a [String],
    /// Output folder (default `output/backtest-<model name>/`).
    pub out: Option<PathBuf>,
    /// How far the soft bounds hold.
    pub reach: Reach,
}

/// Most replications a backtest runs per prediction.
const MAX_REPLICATIONS: u32 = 1000;

/// Backtests the model at `model_path` against the log at `log_path`.
///
/// Errors (exit 2) on a model or log that does not read, an interval that
/// does not divide a day, replications outside 20–1000, or a model with
/// more than one source.
pub(super) fn backtest(model_path: &Path, log_path: &Path, o: &BacktestOptions) -> Result<()> {
    crate::units::check_interval_s("--interval", o.interval_s).map_err(Error::usage)?;
    if !(20..=MAX_REPLICATIONS).contains(&o.replications) {
        return Err(Error::usage(format!(
            "--replications {}: use 20 to {MAX_REPLICATIONS} (a 95% band needs at least 20 replications)",
            o.replications
        )));
    }
    let mut doc = ModelDoc::load(model_path)?.reaching(o.reach);
    for (k, v) in crate::config::experiment::parse_sets(o.sets)? {
        doc.set(&k, v)?;
    }
    let model = doc.build()?;
    let defaults = |c: &str| c.to_string();
    let columns = CallColumns { start: defaults("start"), duration: defaults("duration"), source: defaults("source") };
    let outcomes = OutcomeColumns {
        outcome: defaults("outcome"),
        wait: defaults("wait"),
        talk: defaults("talk"),
        caller: defaults("caller"),
    };
    let log = read_call_log_for_fit(log_path, &columns, &outcomes, o.source).map_err(Error::usage)?;
    let result = crate::backtest::backtest(&model, &log, o.interval_s, o.replications)
        .map_err(|e| Error::usage(format!("{}: {e}", log_path.display())))?;
    let dir = o.out.clone().unwrap_or_else(|| Path::new("output").join(format!("backtest-{}", model.name)));
    crate::output::set::recover(&dir);
    crate::output::set::check_replaceable(&dir)?;
    let log_bytes =
        std::fs::read(log_path).map_err(|e| Error::usage(format!("cannot read {}: {e}", log_path.display())))?;
    let inputs = vec![doc.file(), crate::study::InputFile::of(log_path, &log_bytes)];
    drop(log_bytes);
    let mut command = format!("simcall backtest {} {}", model_path.display(), log_path.display());
    command += &format!(
        " --interval {} --replications {}",
        crate::units::duration_text(o.interval_s).replace(' ', ""),
        o.replications
    );
    if let Some(s) = o.source {
        command += &format!(" --source {s}");
    }
    for s in o.sets {
        command += &format!(" --set {s}");
    }
    let provenance = crate::report::Provenance::new(command, inputs);
    let log_name = log_path.display().to_string();
    let files = crate::output::backtest::files(&result, &model, doc.header(), &log_name, &provenance)?;
    crate::output::set::write(&dir, |tmp| crate::output::write_files(tmp, &files))?;
    print!("{}", crate::output::backtest::text(&model.name, &result));
    println!("→ {}", dir.display());
    Ok(())
}
