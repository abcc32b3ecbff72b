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
    /// Simulate the calls through the model's limits and write what became
    /// of each attempt (caller, outcome, wait, talk time).
    pub(super) outcomes: bool,
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
    if o.outcomes && o.counts_s.is_some() {
        return Err(Error::usage("--outcomes writes call records: leave out --counts"));
    }
    let model = ModelDoc::load(path)?.reaching(reach).build()?;
    let cannot = |s: &&crate::model::Source| match s.arrivals {
        Arrivals::Trace(_) => true,
        Arrivals::Population { .. } => !o.outcomes,
        _ => false,
    };
    if let Some(s) = model.sources.iter().find(cannot) {
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
            None if o.outcomes => {
                w.write_record(["start", "duration", "source", "caller", "outcome", "wait", "talk"])
                    .map_err(|e| e.to_string())?;
                let mut span = model.clone();
                (span.run.warmup_s, span.run.horizon_s) = (0.0, days * DAY_S);
                let keep = crate::simulation::Keep { dials: false, attempts: true };
                let log = crate::simulation::simulate_keeping(&span, 0, 0, keep).attempts.expect("attempts were kept");
                for i in log.by_start() {
                    let t = log.starts_s[i];
                    if !kept(t) {
                        continue;
                    }
                    count += 1;
                    let (wait, talk) = (log.waits_s[i] as f64, log.talks_s[i] as f64);
                    let row = [
                        start(t),
                        format!("{:.3}", wait + if talk.is_nan() { 0.0 } else { talk }),
                        model.sources[log.sources[i] as usize].name.clone(),
                        format!("c{}", log.callers[i]),
                        outcome_word(log.outcomes[i]).to_string(),
                        format!("{wait:.3}"),
                        if talk.is_nan() { String::new() } else { format!("{talk:.3}") },
                    ];
                    w.write_record(&row).map_err(|e| e.to_string())?;
                }
            }
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
    let what = if o.outcomes { "attempts" } else { "calls" };
    println!("{count} {what} over {days} days{dropped} → {}", out.display());
    Ok(())
}

/// The word a call record uses for `o`, as `simcall fit` reads it.
fn outcome_word(o: crate::model::LoggedOutcome) -> &'static str {
    match o {
        crate::model::LoggedOutcome::Answered => "answered",
        crate::model::LoggedOutcome::Abandoned => "abandoned",
        crate::model::LoggedOutcome::Blocked => "blocked",
    }
}
