//! Input bounds: what simcall agrees to simulate, one place for every
//! bound on a model's figures, each with its reason. A model beyond them is
//! refused at the key, with exit code 2, before anything is allocated or
//! run: a typo (`1e13/s`, a pool of `1e9`) must not turn into an hour of
//! silence or an allocation failure. The work a model asks for is estimated
//! from its own figures ([`crate::work`]), and the bounds on work and memory
//! are soft: `--yes` ([`Reach::Hard`]) lifts them up to hard ones and the
//! memory the machine has available.

use crate::error::Diagnostic;
use crate::model::{Dist, LimitKind, Model};
use crate::units::{bytes_text, duration_text, number};
use std::path::Path;

/// How far the soft bounds hold. The command line says it once (`--yes`)
/// and every reader of a file is handed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    /// The soft bounds hold: a figure beyond one is refused as a likely typo.
    #[default]
    Soft,
    /// `--yes`: figures up to the hard bounds are allowed.
    Hard,
}

// Soft and hard limits. The `MAX_*` figures on work and memory (arrivals,
// replications, copies, capacity, time-series values, cells, estimated
// memory) are soft: a model beyond them is usually a typo, but a user who
// means it passes `--yes` and gets up to the `HARD_*` figure, and never
// more memory than the machine has available. Everything else is hard.

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
/// Soft: `--yes` allows up to [`HARD_ARRIVALS_PER_REPLICATION`].
pub const MAX_ARRIVALS_PER_REPLICATION: f64 = 2e9;
/// Most replications (first batch or `max`): 10,000. Confidence intervals
/// are then 100 times narrower than at one, and each replication's metrics
/// stay in memory until the cell is summarised.
/// Soft: `--yes` allows up to [`HARD_REPLICATIONS`].
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Most copies over all pools of a model: 10⁶. Each copy has its state and
/// its own metrics in every replication in flight (a few hundred bytes).
/// Soft: `--yes` allows up to [`HARD_COPIES`].
pub const MAX_COPIES: u64 = 1_000_000;
/// Largest capacity of one concurrency limit: 10⁷ slots (the time-at-level
/// table behind `p99_occupancy` has one entry per level reached).
/// Soft: `--yes` allows up to [`HARD_CAPACITY`].
pub const MAX_CAPACITY: u64 = 10_000_000;
/// Most time-series values kept at once: 10⁸ (buckets × columns ×
/// replications, 800 MB).
/// Soft: `--yes` allows up to [`HARD_SERIES_VALUES`].
pub const MAX_SERIES_VALUES: f64 = 1e8;
/// Most time-series buckets of one run: 10⁶ (a week at 0.6 s).
/// Soft: `--yes` allows up to [`HARD_SERIES_BUCKETS`].
pub const MAX_SERIES_BUCKETS: f64 = 1e6;
/// With `--yes`: most time-series buckets, 10⁸.
pub const HARD_SERIES_BUCKETS: f64 = 1e8;
/// Most cells in an experiment's grid: 10⁶ (each keeps its key and its
/// result until the outputs are written).
/// Soft: `--yes` allows up to [`HARD_CELLS`].
pub const MAX_CELLS: usize = 1_000_000;
/// Shortest mean interval between a call's turns: 1 ms. Each turn is a
/// few events; at zero the call would take turns forever at one instant.
pub const MIN_TURN_INTERVAL_S: f64 = 1e-3;
/// Most worker threads: 1,024. More threads than cores only add overhead.
pub const MAX_THREADS: usize = 1024;

/// With `--yes`: most first attempts per replication, 10¹² (about 12 days
/// of one core).
pub const HARD_ARRIVALS_PER_REPLICATION: f64 = 1e12;
/// With `--yes`: most replications, 10⁶.
pub const HARD_REPLICATIONS: u32 = 1_000_000;
/// With `--yes`: most copies over all pools, 10⁸.
pub const HARD_COPIES: u64 = 100_000_000;
/// With `--yes`: largest capacity of one concurrency limit, 10⁹ (slots are
/// counted in 32 bits).
pub const HARD_CAPACITY: u64 = 1_000_000_000;
/// With `--yes`: most time-series values kept, 10¹⁰.
pub const HARD_SERIES_VALUES: f64 = 1e10;
/// With `--yes`: most cells in one experiment, 10⁸.
pub const HARD_CELLS: usize = 100_000_000;
/// Most memory one run may be estimated to need without `--yes`: 4 GiB.
/// With it, the machine's available memory (`MemAvailable` in
/// `/proc/meminfo`) is the limit, so the run never ends in an allocation
/// failure hours in.
pub const MAX_MEMORY_BYTES: f64 = 4.0 * GIB;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Checks `value` against a soft limit `soft` and a hard one `hard`, as
/// far as `reach` allows: `None` if allowed, else the end of the message
/// (what is allowed and whether `--yes` would help). `what` names the
/// quantity in the message.
pub fn soft(value: f64, soft: f64, hard: f64, what: &str, reach: Reach) -> Option<String> {
    if value.is_nan() {
        return Some(format!("{what} is not a number"));
    }
    if value <= soft {
        return None;
    }
    if value > hard {
        return Some(format!("{} is not allowed as {what}: at most {}, even with --yes", number(value), number(hard)));
    }
    if reach == Reach::Hard {
        return None;
    }
    Some(format!(
        "{} is not allowed as {what}: at most {} without --yes (beyond is usually a typo); pass --yes if you mean it, up to {}",
        number(value),
        number(soft),
        number(hard)
    ))
}

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

/// Every limit `m` is beyond, as errors naming the key (from `path`).
pub fn check(m: &Model, path: &Path, reach: Reach) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err = |key: &str, msg: String| out.push(Diagnostic::error(path, key, msg));
    if m.name.trim().is_empty() {
        err("name", "the model needs a name (it titles every output)".into());
    }
    if m.run.horizon_s + m.run.warmup_s > MAX_DURATION_S {
        err("run.horizon", "warm-up and horizon together exceed 10 years, the longest run simcall takes".into());
    }
    if let crate::model::JudgedDays::Busiest(k) = m.sla.days {
        let days = (m.run.horizon_s / crate::units::DAY_S).floor();
        if days < k as f64 {
            err(
                "sla.days",
                format!(
                    "a replication measures {days:.0} whole days, so it has no {k} busiest: a horizon of at least \
                     {k} days (365 reads a year, as ITU-T E.500 does)"
                ),
            );
        }
    }
    if m.sla.max_days_over.is_some() && m.run.horizon_s < crate::units::DAY_S {
        err(
            "sla.max_days_over",
            "counts the days whose busy hour breaks an objective, and a replication here measures no whole day: a \
             horizon of whole days (at least \"1d\"; a year reads as ITU-T E.520 does)"
                .into(),
        );
    }
    let arrivals = crate::work::arrivals_per_replication(m);
    let what = "the number of arrivals one replication would simulate (rate × (warm-up + horizon))";
    if let Some(why) = soft(arrivals, MAX_ARRIVALS_PER_REPLICATION, HARD_ARRIVALS_PER_REPLICATION, what, reach) {
        let at = m
            .sources
            .iter()
            .max_by(|a, b| a.arrival_rate_per_s.total_cmp(&b.arrival_rate_per_s))
            .map_or("run.horizon".to_string(), |s| format!("sources.{}.arrivals", s.name));
        err(
            &at,
            format!(
                "{why}; about {} of one core each: lower the rate or the horizon",
                duration_text(arrivals / crate::work::ARRIVALS_PER_CORE_S)
            ),
        );
    }
    // Replications are held to their limits where `[run]` is read.
    let copies: u64 = m.limits.iter().map(|l| l.pool as u64).sum();
    if let Some(why) =
        soft(copies as f64, MAX_COPIES as f64, HARD_COPIES as f64, "the number of copies over all pools", reach)
    {
        let big = m.limits.iter().max_by_key(|l| l.pool).map_or(String::new(), |l| l.name.clone());
        err(&format!("limits.{big}.pool"), format!("{why} (each copy has its own state and metrics)"));
    }
    for l in &m.limits {
        if let LimitKind::Concurrency { capacity } = l.kind {
            if let Some(why) = soft(capacity as f64, MAX_CAPACITY as f64, HARD_CAPACITY as f64, "the capacity", reach) {
                err(&format!("limits.{}.capacity", l.name), why);
            }
        }
    }
    if m.run.timeseries_bucket_s.is_some() {
        let values = crate::work::series_values(m);
        let what = "the time-series values kept (buckets × columns × replications)";
        if let Some(why) = soft(values, MAX_SERIES_VALUES, HARD_SERIES_VALUES, what, reach) {
            err("run.timeseries", format!("{why}; a wider bucket keeps fewer"));
        }
    }
    for s in &m.sources {
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
    // Probes and incidents are events of their own: as many per replication
    // as arrivals are allowed, and none at one instant forever.
    let span_s = m.run.warmup_s + m.run.horizon_s;
    for l in &m.limits {
        if let Some(f) = l.failure.as_ref().filter(|f| f.unhealthy_after.is_some()) {
            let key = format!("limits.{}.health.probe_interval", l.name);
            if f.probe_interval_s < MIN_TURN_INTERVAL_S {
                err(
                    &key,
                    format!(
                        "{} s is not allowed: at least {MIN_TURN_INTERVAL_S} s between probes",
                        number(f.probe_interval_s)
                    ),
                );
            } else if let Some(why) = soft(
                span_s / f.probe_interval_s,
                MAX_ARRIVALS_PER_REPLICATION,
                HARD_ARRIVALS_PER_REPLICATION,
                "the probes one replication could make",
                reach,
            ) {
                err(&key, format!("{why}: probe less often"));
            }
        }
    }
    for i in &m.incidents {
        let (key, cycle_s) = match &i.when {
            crate::model::IncidentWhen::Window { every_s, duration_s, .. } => {
                (format!("incidents.{}.every", i.name), every_s.unwrap_or(span_s.max(*duration_s)))
            }
            crate::model::IncidentWhen::Random { between, repair } => {
                (format!("incidents.{}.between", i.name), between.mean_s() + repair.mean_s())
            }
        };
        if cycle_s.is_nan() || cycle_s < MIN_TURN_INTERVAL_S {
            err(
                &key,
                format!(
                    "an incident every {} s is not allowed: at least {MIN_TURN_INTERVAL_S} s apart on average",
                    number(cycle_s)
                ),
            );
        } else if let Some(why) = soft(
            2.0 * span_s / cycle_s,
            MAX_ARRIVALS_PER_REPLICATION,
            HARD_ARRIVALS_PER_REPLICATION,
            "the incident starts and ends one replication would simulate",
            reach,
        ) {
            err(&key, format!("{why}: make them rarer"));
        }
    }
    // Memory last: only a model within every other limit is worth the estimate.
    if out.is_empty() {
        let w = crate::work::work(m, rayon::current_num_threads());
        if let Some(why) = memory(w.memory_bytes, reach) {
            out.push(Diagnostic::error(path, w.memory_key, why));
        }
    }
    out
}

/// Checks an estimated peak memory (bytes): `None` if allowed, else why
/// not. Beyond [`MAX_MEMORY_BYTES`] needs `--yes` ([`Reach::Hard`]); beyond the memory this
/// machine has available is refused whatever the flag.
pub fn memory(bytes: f64, reach: Reach) -> Option<String> {
    if let Some(avail) = available_memory_bytes().filter(|a| bytes > *a) {
        return Some(format!(
            "the run would need about {} of memory and this machine has {} available: \
             use fewer threads, replications, copies or a wider time-series bucket",
            bytes_text(bytes),
            bytes_text(avail)
        ));
    }
    (bytes > MAX_MEMORY_BYTES && reach == Reach::Soft).then(|| {
        format!(
            "the run would need about {} of memory: simcall takes at most {} without --yes; \
             pass --yes if you mean it (up to the memory available)",
            bytes_text(bytes),
            bytes_text(MAX_MEMORY_BYTES)
        )
    })
}

/// `MemAvailable` of `/proc/meminfo` in bytes, where there is one.
fn available_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}
