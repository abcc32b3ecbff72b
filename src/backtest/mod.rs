//! Backtesting a model against a call log: does what the model predicts,
//! interval by interval and day by day, cover what the log observed?
//!
//! Two predictions, each from `R` replications over the log's span (time 0
//! = the log's first Monday 00:00, no warm-up, days missing from the log
//! left out of every comparison):
//! - **traffic**: the model alone (its profile, day-of-week and day-to-day
//!   factors) against the calls the log offered (first attempts);
//! - **outcomes**: the log's own first attempts replayed through the
//!   model's limits (holding times, patience and redials drawn from the
//!   model), against the attempts, answers, abandonments, blockings, mean
//!   wait and peak of answered calls in progress the log recorded.
//!
//! Each observed value gets its place among the replications' (the
//! probability integral transform, randomized for ties as counts have
//! them: u = (#below + V·#equal) / R with V uniform on (0, 1); Czado,
//! Gneiting and Held 2009, *Biometrics* 65; V comes from a fixed stream,
//! so the same backtest gives the same table); a prediction band at level
//! L holds it when |u − ½| ≤ L/2. A calibrated
//! model covers about L of the intervals at every level; intervals where
//! every replication and the log agree exactly (nothing can happen there)
//! tell nothing and are left out.

pub mod intervals;

use crate::model::{Arrivals, CallLog, Model};
use crate::simulation::{simulate_keeping, Keep};
use crate::units::DAY_S;
use intervals::{is_count, per_interval, METRICS};
use rand::SeedableRng;
use rayon::prelude::*;

/// The band levels of the calibration.
pub const LEVELS: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

/// One metric in one interval (or on one day): what the log observed and
/// the replications' 2.5th, 50th and 97.5th percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The interval's (or day's) start (s from the log's time 0).
    pub start_s: f64,
    /// Index into [`METRICS`].
    pub metric: usize,
    /// The log's value.
    pub observed: f64,
    /// The replications' 2.5th, 50th and 97.5th percentiles.
    pub band: [f64; 3],
    /// Its place among the replications (0–1), ties randomized.
    pub pit: f64,
    /// Whether the replications and the log all agree exactly (no information).
    pub degenerate: bool,
}

/// A backtest's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Interval width (s).
    pub width_s: f64,
    /// Days from the log's time 0 to its last row's day, and those with
    /// no row (missing, left out).
    pub days: usize,
    /// Days with no row in the log.
    pub missing_days: Vec<usize>,
    /// Replications per prediction.
    pub replications: u32,
    /// Whether the log had outcomes (else only the traffic is compared).
    pub outcomes: bool,
    /// Per interval of the days present, per metric the log has.
    pub intervals: Vec<Compared>,
    /// Per day present, per count metric: the day's totals.
    pub daily: Vec<Compared>,
    /// The date of time 0, when the log's starts are dated.
    pub monday: Option<chrono::NaiveDate>,
}

impl Backtest {
    /// Per metric with compared intervals: the share of informative
    /// intervals each level's band holds, and how many there were.
    pub fn calibration(&self) -> Vec<(usize, [f64; 4], usize)> {
        (0..METRICS.len())
            .filter_map(|m| {
                let pits: Vec<f64> =
                    self.intervals.iter().filter(|c| c.metric == m && !c.degenerate).map(|c| c.pit).collect();
                (!pits.is_empty()).then(|| {
                    let share = LEVELS.map(|l| {
                        pits.iter().filter(|&&u| (u - 0.5).abs() <= l / 2.0 + 1e-12).count() as f64 / pits.len() as f64
                    });
                    (m, share, pits.len())
                })
            })
            .collect()
    }
}

/// Backtests `model` against `log` (sorted by start, from the log's
/// Monday 00:00) in intervals of `width_s`, with `replications` each.
///
/// Errors when the model has more or fewer than one inbound source, or
/// campaigns (the log is one source's calls), or the log is empty.
pub fn backtest(model: &Model, log: &CallLog, width_s: f64, replications: u32) -> Result<Backtest, String> {
    if model.sources.len() != 1 || !model.campaigns.is_empty() {
        return Err(format!(
            "a backtest replays one source's calls: the model has {} inbound sources and {} campaigns (keep one \
             source, or read one source's rows with --source)",
            model.sources.len(),
            model.campaigns.len()
        ));
    }
    let last = log.starts_s.last().copied().ok_or("the log has no call")?;
    let days = (last / DAY_S).floor() as usize + 1;
    let mut present = vec![false; days];
    log.starts_s.iter().for_each(|t| present[(t / DAY_S) as usize] = true);
    let end_s = days as f64 * DAY_S;
    let mut span = model.clone();
    (span.run.warmup_s, span.run.horizon_s) = (0.0, end_s);
    let outcomes = log.outcomes.is_some() && log.waits_s.is_some();
    // The model alone, then the log's first attempts through its limits.
    let alone = simulated(&span, replications, width_s, end_s);
    let replayed = outcomes.then(|| {
        let mut replay = span.clone();
        let first = crate::fit::outcomes::first_attempts(log);
        let calls: Vec<(f64, f64)> =
            log.starts_s.iter().zip(&first).filter(|(_, f)| **f).map(|(t, _)| (*t, f64::NAN)).collect();
        let s = &mut replay.sources[0];
        s.arrival_rate_per_s = calls.len() as f64 / end_s;
        s.arrivals = Arrivals::Trace(calls.into());
        simulated(&replay, replications, width_s, end_s)
    });
    let observed = per_interval(log, width_s, end_s);
    let per_day = (DAY_S / width_s).round() as usize;
    let mut result = Backtest {
        width_s,
        days,
        missing_days: (0..days).filter(|d| !present[*d]).collect(),
        replications,
        outcomes,
        intervals: Vec::new(),
        daily: Vec::new(),
        monday: log.monday,
    };
    // The uniform draws that place an observed value among equal simulated ones.
    let mut ties = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(model.run.seed ^ 0xBAC7_7E57);
    for m in 0..METRICS.len() {
        // Offered calls from the model alone; the rest from the replay.
        let Some(sims) = (if m == 0 { Some(&alone) } else { replayed.as_ref() }) else { continue };
        for (k, obs) in observed.iter().enumerate() {
            let day = k * width_s as usize / DAY_S as usize;
            if !present[day.min(days - 1)] || obs[m].is_nan() {
                continue;
            }
            let values: Vec<f64> = sims.iter().map(|r| r[k][m]).filter(|v| !v.is_nan()).collect();
            if let Some(c) = compare(k as f64 * width_s, m, obs[m], values, &mut ties) {
                result.intervals.push(c);
            }
        }
        if is_count(m) {
            for d in (0..days).filter(|d| present[*d]) {
                let total =
                    |v: &[[f64; 7]]| v[d * per_day..((d + 1) * per_day).min(v.len())].iter().map(|r| r[m]).sum();
                let values: Vec<f64> = sims.iter().map(|r| total(r)).collect();
                if let Some(c) = compare(d as f64 * DAY_S, m, total(&observed), values, &mut ties) {
                    result.daily.push(c);
                }
            }
        }
    }
    Ok(result)
}

/// The streams of a backtest's replications: point 1, not 0, whose
/// replication 0 is the log `simcall generate --outcomes` writes (a model
/// backtested on its own log must not predict it with the log itself).
const BACKTEST_POINT: u64 = 1;

/// `replications` replications of `model` (the same streams for the same
/// model), each read as a log per interval.
fn simulated(model: &Model, replications: u32, width_s: f64, end_s: f64) -> Vec<Vec<[f64; 7]>> {
    (0..replications)
        .into_par_iter()
        .map(|r| {
            let rep = simulate_keeping(model, BACKTEST_POINT, r, Keep { dials: false, attempts: true });
            let log = rep.attempts.expect("attempts were kept").to_call_log(None);
            per_interval(&log, width_s, end_s)
        })
        .collect()
}

/// The comparison of `observed` with the replications' `values` (ties
/// placed by a draw from `ties`); `None` without a value.
fn compare(
    start_s: f64,
    metric: usize,
    observed: f64,
    mut values: Vec<f64>,
    ties: &mut impl rand::Rng,
) -> Option<Compared> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let below = values.iter().filter(|v| **v < observed).count() as f64;
    let equal = values.iter().filter(|v| **v == observed).count() as f64;
    let q = |p: f64| values[((p * (n - 1.0)).round() as usize).min(values.len() - 1)];
    Some(Compared {
        start_s,
        metric,
        observed,
        band: [q(0.025), q(0.5), q(0.975)],
        pit: (below + ties.random::<f64>() * equal) / n,
        degenerate: equal == n,
    })
}
