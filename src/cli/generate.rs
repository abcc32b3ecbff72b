//! `simcall generate`: a log drawn from a model's sources alone (no
//! limits), as call records or as the interval counts call centres export,
//! with days left out to try fitting with gaps.

use super::commands::create_parent;
use crate::config::bounds::Reach;
use crate::config::ModelDoc;
use crate::error::{Error, Result};
use crate::model::Arrivals;
use crate::output::write_atomic;
use crate::units::DAY_S;
use std::collections::BTreeMap;
use std::path::Path;

/// What `simcall generate` writes besides the model's calls.
pub(super) struct GenerateOptions<'a> {
    /// Days of calls from Monday 00:00.
    pub(super) days: f64,
    /// Write interval counts of this width (s) instead of call records.
    pub(super) counts_s: Option<f64>,
    /// Days (from Monday 00:00 = day 0) left out of the log.
    pub(super) drop_days: &'a [u32],
}

/// Writes the log of `path`'s model to `out`: call records (`start`,
/// `duration`, `source`) or interval counts (`start`, `count`). Starts are
/// ISO 8601 local times when the model's `run.week_of` dates its Monday,
/// else seconds from Monday 00:00.
///
/// Errors (exit 2) on days outside (0, 3650], an interval that does not
/// divide a day, a log larger than the bounds allow, a model whose sources
/// cannot be generated, or a file that cannot be written.
pub(super) fn generate(path: &Path, o: &GenerateOptions, out: &Path, reach: Reach) -> Result<()> {
    let days = o.days;
    if !(days.is_finite() && days > 0.0 && days <= 3650.0) {
        return Err(Error::usage(format!("--days {days}: use a number of days between 0 and 3650")));
    }
    if let Some(w) = o.counts_s {
        crate::units::check_interval_s("--counts", w).map_err(Error::usage)?;
    }
    let model = ModelDoc::load(path)?.reaching(reach).build()?;
    if let Some(s) =
        model.sources.iter().find(|s| matches!(s.arrivals, Arrivals::Population { .. } | Arrivals::Trace(_)))
    {
        return Err(Error::input(
            path,
            &format!("sources.{}.arrivals", s.name),
            "only Poisson and profile arrivals can be generated (a population depends on the limits; a trace is a log already)",
        ));
    }
    // The log streams to its file, but a log of 10¹² calls still fills a
    // disk: it is held to the arrivals a replication may simulate.
    let calls: f64 = model.sources.iter().map(|s| s.arrival_rate_per_s * days * DAY_S).sum();
    let what = "the number of calls the log would hold (arrival rate × --days)";
    if let Some(why) = crate::config::bounds::soft(
        calls,
        crate::config::bounds::MAX_ARRIVALS_PER_REPLICATION,
        crate::config::bounds::HARD_ARRIVALS_PER_REPLICATION,
        what,
        reach,
    ) {
        return Err(Error::usage(format!(
            "--days {days}: {why}; at about 30 bytes a row that is {} of CSV: fewer days or a lower rate",
            crate::units::bytes_text(30.0 * calls)
        )));
    }
    let monday = model.run.week_of.map(|d| d.and_time(chrono::NaiveTime::MIN));
    let start = |t: f64| match monday {
        Some(m) => (m + chrono::Duration::milliseconds((t * 1000.0).round() as i64))
            .format("%Y-%m-%dT%H:%M:%S%.3f")
            .to_string(),
        None => format!("{t:.3}"),
    };
    let kept = |t: f64| !o.drop_days.contains(&((t / DAY_S).floor() as u32));
    create_parent(out)?;
    let mut count = 0;
    write_atomic(out, |tmp| {
        let mut w = csv::Writer::from_path(tmp).map_err(|e| e.to_string())?;
        match o.counts_s {
            None => {
                w.write_record(["start", "duration", "source"]).map_err(|e| e.to_string())?;
                crate::arrivals::stream_log(&model, days, |c| {
                    if !kept(c.start_s) {
                        return Ok(());
                    }
                    count += 1;
                    let row = [start(c.start_s), format!("{:.3}", c.duration_s), c.source.clone().unwrap_or_default()];
                    w.write_record(&row).map_err(|e| e.to_string())
                })?;
            }
            Some(width) => {
                // One number per interval with calls: bounded by days × intervals a day.
                let mut intervals: BTreeMap<u64, u64> = BTreeMap::new();
                crate::arrivals::stream_log(&model, days, |c| {
                    if kept(c.start_s) {
                        count += 1;
                        *intervals.entry((c.start_s / width).floor() as u64).or_default() += 1;
                    }
                    Ok(())
                })?;
                w.write_record(["start", "count"]).map_err(|e| e.to_string())?;
                for (k, n) in intervals {
                    w.write_record([start(k as f64 * width), n.to_string()]).map_err(|e| e.to_string())?;
                }
            }
        }
        w.flush().map_err(|e| e.to_string())
    })?;
    let dropped = if o.drop_days.is_empty() { String::new() } else { format!(" ({} left out)", o.drop_days.len()) };
    println!("{count} calls over {days} days{dropped} → {}", out.display());
    Ok(())
}
