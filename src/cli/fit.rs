//! `simcall fit`: read a call log or interval counts, fit them
//! ([`crate::fit`]), print the fit and write its files.

use crate::config::{header_of, read_call_log_for_fit, read_interval_counts, CallColumns, OutcomeColumns};
use crate::error::{Error, Result};
use crate::fit::{Counts, LogFit};
use crate::output::write_files;
use std::path::{Path, PathBuf};

/// Fewest calls, and fewest distinct positive durations, a log needs to be fitted.
const MIN_CALLS_TO_FIT: usize = 30;
const MIN_DISTINCT_DURATIONS: usize = 10;
/// The interval call starts are counted in unless `--resolution` says.
const DEFAULT_RESOLUTION_S: f64 = 300.0;

/// What `simcall fit` reads and how.
pub(super) struct FitOptions<'a> {
    pub(super) columns: CallColumns,
    /// The outcome columns (read when the file has them).
    pub(super) outcomes: OutcomeColumns,
    /// The count column of interval counts.
    pub(super) count_column: &'a str,
    pub(super) source: Option<&'a str>,
    /// Interval width (s) call starts are counted in (default 5 minutes),
    /// or interval counts' width (default: inferred from their starts).
    pub(super) resolution_s: Option<f64>,
    pub(super) out: Option<PathBuf>,
}

/// Fits `path`: interval counts when it has the count column and no
/// duration column, else call records.
///
/// Errors (exit 2) on a file that cannot be read or parsed, too few calls,
/// durations that do not vary, or a resolution that does not divide a day.
pub(super) fn fit(path: &Path, o: &FitOptions) -> Result<()> {
    let shown = path.display();
    if let Some(r) = o.resolution_s {
        crate::units::check_interval_s("--resolution", r).map_err(Error::usage)?;
    }
    let header = header_of(path).map_err(Error::usage)?;
    let has = |c: &str| header.iter().any(|h| h == c);
    let interval_counts = has(o.count_column) && !has(&o.columns.duration);
    let (fit, durations) = if interval_counts {
        if o.source.is_some() {
            return Err(Error::usage(format!("{shown}: --source: interval counts have no source column")));
        }
        let rows = read_interval_counts(path, &o.columns.start, o.count_column).map_err(Error::usage)?;
        let counts = Counts::of_intervals(&rows, o.resolution_s).map_err(|e| Error::usage(format!("{shown}: {e}")))?;
        (LogFit::new(&counts, None), Vec::new())
    } else {
        let log = read_call_log_for_fit(path, &o.columns, &o.outcomes, o.source).map_err(Error::usage)?;
        let calls: Vec<(f64, f64)> = log.starts_s.iter().copied().zip(log.durations_s.iter().copied()).collect();
        let durations = check_durations(path, calls.len(), LogFit::holding_durations(&log), o.source)?;
        // Arrivals are first attempts: a redial is the model's to make again.
        let first = crate::fit::outcomes::first_attempts(&log);
        let starts = log.starts_s.iter().zip(&first).filter(|(_, f)| **f).map(|(t, _)| *t);
        let counts = Counts::of_starts(starts, o.resolution_s.unwrap_or(DEFAULT_RESOLUTION_S));
        let mut fit = LogFit::new(&counts, Some(&calls));
        fit.redials_left_out = first.iter().filter(|f| !**f).count();
        fit.with_outcomes(&log, &durations);
        (fit, durations)
    };
    let name = o.source.unwrap_or("fitted");
    let log = path.file_name().map_or("calls.csv".into(), |f| f.to_string_lossy().to_string());
    let snippet = fit.snippet(name, &log);
    let dir = o.out.clone().unwrap_or_else(|| {
        Path::new("output").join(format!("fit-{}", path.file_stem().map_or("calls".into(), |s| s.to_string_lossy())))
    });
    crate::output::set::recover(&dir);
    let files = crate::output::fit::files(&fit, &durations, &snippet)?;
    crate::output::set::write(&dir, |tmp| write_files(tmp, &files))?;
    print!("{}", crate::output::fit::text(&fit, &snippet));
    println!("→ {}", dir.display());
    Ok(())
}

/// `durations` (positive, of a log of `calls` calls), checked to be enough
/// and varied enough to fit.
fn check_durations(path: &Path, calls: usize, durations: Vec<f64>, source: Option<&str>) -> Result<Vec<f64>> {
    let whose = source.map_or(String::new(), |s| format!(" for source {s:?}"));
    if calls < MIN_CALLS_TO_FIT {
        return Err(Error::usage(format!(
            "{}: {} calls{whose}: too few to fit a profile and a holding time (at least {MIN_CALLS_TO_FIT})",
            path.display(),
            calls
        )));
    }
    let mean = durations.iter().sum::<f64>() / durations.len().max(1) as f64;
    let sd = (durations.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / durations.len().max(1) as f64).sqrt();
    if sd < crate::config::bounds::MIN_CV * mean {
        return Err(Error::usage(format!(
            "{}: the durations{whose} hardly vary (cv {:.1e} < {}): nothing to fit; model the holding time as \
             {{ dist = \"deterministic\", value = \"{mean:.1}s\" }}",
            path.display(),
            sd / mean,
            crate::config::bounds::MIN_CV
        )));
    }
    let mut distinct: Vec<f64> = durations.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_DURATIONS {
        return Err(Error::usage(format!(
            "{}: only {} distinct durations{whose}: too few to fit a distribution (at least \
             {MIN_DISTINCT_DURATIONS}); model the holding time as deterministic or empirical instead",
            path.display(),
            distinct.len()
        )));
    }
    Ok(durations)
}
