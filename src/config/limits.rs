//! What simcall agrees to simulate: one place for the model's limits, each
//! with its reason. A model beyond them is refused at the key, with exit
//! code 2, before anything is allocated or run: a typo (`1e13/s`, a pool of
//! `1e9`) must not turn into an hour of silence or an allocation failure.
//! The work a model asks for is estimated from its own figures (arrivals per
//! replication, replications, copies, time-series values).

use crate::error::Diagnostic;
use crate::model::{Arrivals, Dist, Model};
use std::path::Path;

/// Longest duration anywhere in a model: 10 years (3.2·10⁸ s). Event times
/// are `f64` seconds, which keep microsecond resolution to about 2.8·10⁸ s
/// … well past any planning horizon; beyond, a value is a typo.
pub const MAX_DURATION_S: f64 = 10.0 * 365.25 * 86_400.0;
/// Shortest nonzero duration: 1 µs. Below, sums of times lose the
/// difference (and subnormal numbers slow every operation on them).
pub const MIN_DURATION_S: f64 = 1e-6;
/// Largest coefficient of variation of a distribution: 100. Beyond, the
/// lognormal's σ² = ln(1 + cv²) still works but almost every draw is near
/// zero and the mean rests on draws of 10⁶ times it: no measured holding
/// time or patience looks like that.
pub const MAX_CV: f64 = 100.0;
/// Smallest coefficient of variation (of a distribution or of the daily
/// overdispersion): 0.001. Below, the draws equal the mean to 0.1% (use a
/// deterministic distribution, or no overdispersion), and the gamma shape
/// 1/cv² leaves the range its sampler takes.
pub const MIN_CV: f64 = 1e-3;
/// Largest arrival overdispersion (the cv of the daily rate multiplier): 10.
pub const MAX_OVERDISPERSION: f64 = 10.0;
/// Most first attempts one replication may expect: 2·10⁹, about half an
/// hour at the ~10⁶ calls/s simcall runs through a full chain on one core.
pub const MAX_ARRIVALS_PER_REPLICATION: f64 = 2e9;
/// Most replications (first batch or `max`): 10,000. Confidence intervals
/// are then 100 times narrower than at one, and each replication's metrics
/// stay in memory until the cell is summarised.
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Most copies over all pools of a model: 10⁶. Each copy has its state and
/// its own metrics in every replication in flight (a few hundred bytes).
pub const MAX_COPIES: u64 = 1_000_000;
/// Largest capacity of one concurrency limit: 10⁷ slots (the time-at-level
/// table behind `p99_occupancy` has one entry per level reached).
pub const MAX_CAPACITY: u64 = 10_000_000;
/// Most time-series values kept at once: 10⁸ (buckets × columns ×
/// replications, 800 MB).
pub const MAX_SERIES_VALUES: f64 = 1e8;
/// Most cells in an experiment's grid: 10⁶ (each keeps its key and its
/// result until the outputs are written).
pub const MAX_CELLS: usize = 1_000_000;
/// Shortest mean interval between a call's turns: 1 ms. Each turn is a
/// few events; at zero the call would take turns forever at one instant.
pub const MIN_TURN_INTERVAL_S: f64 = 1e-3;
/// Most worker threads: 1,024. More threads than cores only add overhead.
pub const MAX_THREADS: usize = 1024;

/// A name that becomes a folder or file name (an experiment's, a plan's, a
/// tier's): not empty, at most 100 characters, no path separator, not
/// starting with a dot, no control character, so nothing is written outside
/// the output folder.
pub fn file_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("must not be empty: it names the output folder".into());
    }
    if name.chars().count() > 100 {
        return Err(format!("{name:?} is longer than 100 characters"));
    }
    if name.starts_with('.') || name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(format!(
            "{name:?} cannot name a folder inside output/: use letters, digits, spaces, '-', '_' and '.' (not first), no '/'"
        ));
    }
    Ok(())
}

/// The duration `v` (seconds) checked against the limits; `text` is what
/// was written, for the message.
pub fn duration(v: f64, text: &str) -> Result<f64, String> {
    if !v.is_finite() || v > MAX_DURATION_S {
        return Err(format!("{text:?} is longer than 10 years, the longest duration simcall takes"));
    }
    if v != 0.0 && v.abs() < MIN_DURATION_S {
        return Err(format!("{text:?} is shorter than a microsecond, the shortest nonzero duration simcall takes"));
    }
    Ok(v)
}

/// A coefficient of variation: in [[`MIN_CV`], [`MAX_CV`]].
pub fn cv(cv: f64) -> Result<f64, String> {
    if (MIN_CV..=MAX_CV).contains(&cv) {
        Ok(cv)
    } else {
        Err(format!(
            "{} is not allowed: a coefficient of variation is {MIN_CV} to {MAX_CV} (for no variation use a deterministic distribution)",
            number(cv)
        ))
    }
}

/// A number as a person reads it: plain, or in e-notation when very large
/// or small.
pub fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e9 || x.abs() < 1e-4) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// First attempts a replication of `m` expects (sources and campaigns).
pub fn arrivals_per_replication(m: &Model) -> f64 {
    let span = m.run.horizon_s + m.run.warmup_s;
    let sources: f64 = m
        .sources
        .iter()
        .map(|s| match &s.arrivals {
            Arrivals::Trace(calls) => calls.len() as f64,
            Arrivals::Population { size, rate_per_idle_per_s } => *size as f64 * rate_per_idle_per_s * span,
            _ => s.arrival_rate_per_s * span,
        })
        .sum();
    let dials: f64 = m.campaigns.iter().map(|c| c.lead_zones.len() as f64 * c.max_attempts as f64).sum();
    sources + dials
}

/// Every limit `m` is beyond, as errors naming the key (from `path`).
pub fn check(m: &Model, path: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err = |key: &str, msg: String| out.push(Diagnostic::error(path, key, msg));
    if m.name.trim().is_empty() {
        err("name", "the model needs a name (it titles every output)".into());
    }
    if m.run.horizon_s + m.run.warmup_s > MAX_DURATION_S {
        err("run.horizon", "warm-up and horizon together exceed 10 years, the longest run simcall takes".into());
    }
    let arrivals = arrivals_per_replication(m);
    if arrivals.is_nan() || arrivals > MAX_ARRIVALS_PER_REPLICATION {
        let at = m
            .sources
            .iter()
            .max_by(|a, b| a.arrival_rate_per_s.total_cmp(&b.arrival_rate_per_s))
            .map_or("run.horizon".to_string(), |s| format!("sources.{}.arrivals", s.name));
        err(
            &at,
            format!(
                "one replication would simulate about {arrivals:.2e} arrivals (rate × (warm-up + horizon)); \
                 simcall takes at most {MAX_ARRIVALS_PER_REPLICATION:.0e} (about half an hour each): lower the rate or the horizon"
            ),
        );
    }
    // Replications are held to MAX_REPLICATIONS where `[run]` is read.
    let copies: u64 = m.limits.iter().map(|l| l.pool as u64).sum();
    if copies > MAX_COPIES {
        let big = m.limits.iter().max_by_key(|l| l.pool).map_or(String::new(), |l| l.name.clone());
        err(
            &format!("limits.{big}.pool"),
            format!("{copies} copies over all pools: simcall takes at most {MAX_COPIES} (each copy has its own state and metrics)"),
        );
    }
    for l in &m.limits {
        if let crate::model::LimitKind::Concurrency { capacity } = l.kind {
            if capacity as u64 > MAX_CAPACITY {
                err(
                    &format!("limits.{}.capacity", l.name),
                    format!("{capacity} is not allowed: use 1 to {MAX_CAPACITY}"),
                );
            }
        }
    }
    if let Some(b) = m.run.timeseries_bucket_s {
        let values = (m.run.horizon_s / b).ceil() * (8 + 2 * m.limits.len()) as f64 * m.run.max_replications as f64;
        if values > MAX_SERIES_VALUES {
            err(
                "run.timeseries",
                format!(
                    "{values:.1e} time-series values (buckets × columns × replications) would be kept: at most {MAX_SERIES_VALUES:.0e}; use a wider bucket"
                ),
            );
        }
    }
    for s in &m.sources {
        if let Some(cv) = s.overdispersion_cv.filter(|cv| !(MIN_CV..=MAX_OVERDISPERSION).contains(cv)) {
            err(
                &format!("sources.{}.arrivals.overdispersion", s.name),
                format!(
                    "{} is not allowed: use {MIN_CV} to {MAX_OVERDISPERSION}, or leave it out for none",
                    number(cv)
                ),
            );
        }
        if s.arrival_rate_per_s != 0.0 && s.arrival_rate_per_s.abs() < 1e-12 {
            err(
                &format!("sources.{}.arrivals", s.name),
                "a rate below 10⁻¹² per second (one call in 30,000 years) is a typo: give 0 or a real rate".into(),
            );
        }
        if let Some(t) = &s.turns {
            if t.interval.mean_s().is_nan() || t.interval.mean_s() < MIN_TURN_INTERVAL_S {
                err(
                    &format!("sources.{}.turns.interval", s.name),
                    format!(
                        "a mean interval of {} s between turns is not allowed: at least {MIN_TURN_INTERVAL_S} s (a turn every instant never ends)",
                        number(t.interval.mean_s())
                    ),
                );
            }
        }
        let huge = |d: &Dist| d.mean_s() > MAX_DURATION_S;
        if huge(&s.holding) {
            err(&format!("sources.{}.holding", s.name), "the mean holding time exceeds 10 years".into());
        }
    }
    out
}
