//! Statistics of a run: the counters one replication accumulates, the named
//! metrics derived from them, and estimates across replications with
//! Student-t confidence intervals.
//!
//! All metrics count only what happens after the warm-up: an attempt counts
//! if it arrives after the warm-up, and time averages integrate from the end
//! of the warm-up to the end of the horizon.

use crate::model::Model;
use crate::simulation::Replication;
use hdrhistogram::Histogram;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Names of the per-source (and total) metrics, in output order.
pub const METRICS: [&str; 19] = [
    "offered_calls",
    "attempts",
    "carried_calls",
    "blocked_calls",
    "abandoned_calls",
    "waiting_at_end",
    "blocking_probability",
    "abandonment_probability",
    "loss_probability",
    "wait_probability",
    "mean_wait_s",
    "p50_wait_s",
    "p95_wait_s",
    "p99_wait_s",
    "service_level",
    "mean_concurrency",
    "peak_concurrency",
    "offered_load_erl",
    "carried_load_erl",
];

/// Names of the per-limit metrics, in output order.
pub const LIMIT_METRICS: [&str; 6] =
    ["utilization", "mean_occupancy", "peak_occupancy", "mean_waiting", "blocked_by", "abandoned_at"];

/// One value per name of [`METRICS`].
pub type Metrics = [f64; METRICS.len()];
/// One value per name of [`LIMIT_METRICS`].
pub type LimitMetrics = [f64; LIMIT_METRICS.len()];

/// Index of a metric in [`METRICS`]; panics on a name that is not there
/// (a programming error, never user input).
pub fn metric_index(name: &str) -> usize {
    METRICS.iter().position(|m| *m == name).unwrap_or_else(|| panic!("no metric named {name}"))
}

/// A level that changes at events (calls in progress, slots in use, callers
/// waiting) and its integral over time, for time averages and peaks.
#[derive(Debug, Clone, Default)]
pub struct TimeAverage {
    pub level: u32,
    pub peak: u32,
    area: f64,
    last_t: f64,
}

impl TimeAverage {
    /// Moves the level by `delta` at time `now` (≥ the last change).
    #[inline]
    pub fn step(&mut self, now: f64, delta: i32) {
        self.area += self.level as f64 * (now - self.last_t);
        self.last_t = now;
        self.level = self.level.wrapping_add_signed(delta);
        self.peak = self.peak.max(self.level);
    }

    /// Forgets the past at `now` (the end of the warm-up): the area restarts
    /// at zero and the peak at the current level.
    pub fn restart(&mut self, now: f64) {
        self.area = 0.0;
        self.last_t = now;
        self.peak = self.level;
    }

    /// The time average from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64) -> f64 {
        (self.area + self.level as f64 * (now - self.last_t)) / span_s
    }
}

/// What one source (or the total) counted in one replication.
#[derive(Debug, Clone)]
pub struct Counts {
    /// First attempts of callers.
    pub offered_calls: u64,
    /// All attempts, redials included.
    pub attempts: u64,
    pub carried_calls: u64,
    pub blocked_calls: u64,
    pub abandoned_calls: u64,
    /// Resolved attempts (answered, blocked or abandoned) that waited > 0.
    pub waited: u64,
    /// Attempts answered within the SLA's `answer_within`.
    pub answered_within_sla: u64,
    /// Callers (counted at their first attempt) that gave up unserved.
    pub callers_lost: u64,
    /// Attempts still waiting when the horizon ended.
    pub waiting_at_end: u64,
    /// Sum over resolved attempts of the time from arrival to answer or loss (s).
    pub wait_sum_s: f64,
    /// Sum of the holding times of first attempts (s): offered traffic.
    pub offered_holding_s: f64,
    /// Sum of the holding times of answered attempts (s): carried traffic.
    pub carried_holding_s: f64,
    /// Non-zero waits of resolved attempts, in microseconds.
    pub waits_us: Histogram<u64>,
    /// Resolved attempts that did not wait.
    pub zero_waits: u64,
    /// Calls in progress (answered, not yet ended).
    pub concurrency: TimeAverage,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            offered_calls: 0,
            attempts: 0,
            carried_calls: 0,
            blocked_calls: 0,
            abandoned_calls: 0,
            waited: 0,
            answered_within_sla: 0,
            callers_lost: 0,
            waiting_at_end: 0,
            wait_sum_s: 0.0,
            offered_holding_s: 0.0,
            carried_holding_s: 0.0,
            // Auto-resizing, 3 significant digits: percentiles within 0.1%.
            waits_us: Histogram::new(3).expect("3 significant digits is a valid histogram precision"),
            zero_waits: 0,
            concurrency: TimeAverage::default(),
        }
    }
}

impl Counts {
    /// Records a resolved attempt's wait (s).
    #[inline]
    pub fn record_wait(&mut self, wait_s: f64) {
        self.waited += (wait_s > 0.0) as u64;
        self.wait_sum_s += wait_s;
        // Zero waits (most attempts on a loss system) are only counted here
        // and added to the histogram once, in `metrics`.
        if wait_s == 0.0 {
            self.zero_waits += 1;
            return;
        }
        // The histogram grows as needed; only a wait past its absolute reach
        // (about 290,000 years) would be clamped.
        let us = (wait_s * 1e6).round() as u64;
        if self.waits_us.record(us).is_err() {
            self.waits_us.saturating_record(us);
        }
    }

    /// Adds another source's counts into this total (not the concurrency,
    /// whose peak is not additive: the simulation tracks the total's itself).
    pub fn absorb(&mut self, o: &Counts) {
        self.offered_calls += o.offered_calls;
        self.attempts += o.attempts;
        self.carried_calls += o.carried_calls;
        self.blocked_calls += o.blocked_calls;
        self.abandoned_calls += o.abandoned_calls;
        self.waited += o.waited;
        self.answered_within_sla += o.answered_within_sla;
        self.callers_lost += o.callers_lost;
        self.waiting_at_end += o.waiting_at_end;
        self.wait_sum_s += o.wait_sum_s;
        self.offered_holding_s += o.offered_holding_s;
        self.carried_holding_s += o.carried_holding_s;
        self.waits_us.add(&o.waits_us).expect("auto-resizing histograms always merge");
        self.zero_waits += o.zero_waits;
    }

    /// The metrics of [`METRICS`], for a window of `horizon_s` ending at `end_t`.
    ///
    /// Ratios over zero attempts are 0. Percentiles are over resolved
    /// attempts, zeros included, like `mean_wait_s`, with 3 significant digits.
    pub fn metrics(&self, end_t: f64, horizon_s: f64) -> Metrics {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let resolved = self.attempts - self.waiting_at_end;
        // The lowest value of the quantile's bucket (within 0.1%), so a wait of
        // exactly a timeout reads as that timeout, not 0.1% above it.
        let mut waits = self.waits_us.clone();
        waits.record_n(0, self.zero_waits).expect("0 is always recordable");
        let q = |p: f64| waits.lowest_equivalent(waits.value_at_quantile(p)) as f64 / 1e6;
        let mean_wait_s = if resolved == 0 { 0.0 } else { self.wait_sum_s / resolved as f64 };
        [
            self.offered_calls as f64,
            self.attempts as f64,
            self.carried_calls as f64,
            self.blocked_calls as f64,
            self.abandoned_calls as f64,
            self.waiting_at_end as f64,
            ratio(self.blocked_calls, self.attempts),
            ratio(self.abandoned_calls, self.attempts),
            ratio(self.callers_lost, self.offered_calls),
            ratio(self.waited, self.attempts),
            mean_wait_s,
            q(0.50),
            q(0.95),
            q(0.99),
            ratio(self.answered_within_sla, self.attempts),
            self.concurrency.mean(end_t, horizon_s),
            self.concurrency.peak as f64,
            self.offered_holding_s / horizon_s,
            self.carried_holding_s / horizon_s,
        ]
    }
}

/// What one limit counted in one replication.
#[derive(Debug, Clone, Default)]
pub struct LimitCounts {
    pub capacity: u32,
    /// Slots in use.
    pub occupancy: TimeAverage,
    /// Callers waiting for a slot.
    pub waiting: TimeAverage,
    /// Counted attempts blocked at this limit.
    pub blocked_by: u64,
    /// Counted attempts that left this limit's queue unserved.
    pub abandoned_at: u64,
}

impl LimitCounts {
    /// The metrics of [`LIMIT_METRICS`], for a window of `horizon_s` ending at `end_t`.
    pub fn metrics(&self, end_t: f64, horizon_s: f64) -> LimitMetrics {
        let mean_occupancy = self.occupancy.mean(end_t, horizon_s);
        [
            mean_occupancy / self.capacity as f64,
            mean_occupancy,
            self.occupancy.peak as f64,
            self.waiting.mean(end_t, horizon_s),
            self.blocked_by as f64,
            self.abandoned_at as f64,
        ]
    }
}

/// One metric estimated from independent replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    /// Standard error of the mean, s/√R (NaN with one replication).
    pub std_error: f64,
    /// Half-width of the 95% confidence interval, t(0.975, R−1)·s/√R
    /// (Student 1908; NaN with one replication).
    pub ci95: f64,
    /// The value of each replication, in replication order.
    pub replications: Vec<f64>,
}

impl Estimate {
    /// The estimate from one value per replication (at least one).
    pub fn new(values: Vec<f64>) -> Self {
        let r = values.len() as f64;
        let mean = values.iter().sum::<f64>() / r;
        let (std_error, ci95) = if values.len() < 2 {
            (f64::NAN, f64::NAN)
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0);
            let se = (var / r).sqrt();
            (se, t_quantile_975(values.len() - 1) * se)
        };
        Estimate { mean, std_error, ci95, replications: values }
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (≥ 1).
pub fn t_quantile_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df ≥ 1 gives a valid Student t").inverse_cdf(0.975)
}

/// The metrics of one replication: what is kept of it once it has run (the
/// counters and histograms are dropped, so a sweep's memory does not grow
/// with its replications' sizes).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationMetrics {
    pub sources: Vec<Metrics>,
    pub total: Metrics,
    pub limits: Vec<LimitMetrics>,
}

impl ReplicationMetrics {
    /// The metrics of a finished replication.
    pub fn of(r: &Replication) -> Self {
        ReplicationMetrics {
            sources: r.sources.iter().map(|c| c.metrics(r.end_t, r.horizon_s)).collect(),
            total: r.total.metrics(r.end_t, r.horizon_s),
            limits: r.limits.iter().map(|l| l.metrics(r.end_t, r.horizon_s)).collect(),
        }
    }
}

/// Every metric of a run, estimated across its replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Per source, in model order: (name, one estimate per [`METRICS`] entry).
    pub sources: Vec<(String, Vec<Estimate>)>,
    /// All sources together.
    pub total: Vec<Estimate>,
    /// Per limit, in model order: (name, capacity, one estimate per [`LIMIT_METRICS`] entry).
    pub limits: Vec<(String, u32, Vec<Estimate>)>,
}

impl Summary {
    /// Estimates from the replications of `model` (at least one).
    pub fn new(model: &Model, reps: &[ReplicationMetrics]) -> Self {
        let across = |n: usize, get: &dyn Fn(&ReplicationMetrics, usize) -> f64| {
            (0..n).map(|k| Estimate::new(reps.iter().map(|r| get(r, k)).collect())).collect::<Vec<_>>()
        };
        Summary {
            sources: model
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.clone(), across(METRICS.len(), &|r, k| r.sources[i][k])))
                .collect(),
            total: across(METRICS.len(), &|r, k| r.total[k]),
            limits: model
                .limits
                .iter()
                .enumerate()
                .map(|(i, l)| (l.name.clone(), l.capacity, across(LIMIT_METRICS.len(), &|r, k| r.limits[i][k])))
                .collect(),
        }
    }

    /// The total's estimate of the metric `name` (one of [`METRICS`]).
    pub fn total(&self, name: &str) -> &Estimate {
        &self.total[metric_index(name)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard table values (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
        assert!((t_quantile_975(1) - 12.706).abs() < 1e-3);
        assert!((t_quantile_975(9) - 2.262).abs() < 1e-3);
        assert!((t_quantile_975(99) - 1.984).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_known_values() {
        let e = Estimate::new(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.std_error - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        assert!(Estimate::new(vec![1.0]).ci95.is_nan());
    }

    #[test]
    fn time_average_integrates_steps() {
        let mut ta = TimeAverage::default();
        ta.step(0.0, 2); // 2 on [0, 1)
        ta.step(1.0, 1); // 3 on [1, 3)
        ta.step(3.0, -3); // 0 on [3, 4)
        assert_eq!(ta.mean(4.0, 4.0), (2.0 + 6.0) / 4.0);
        assert_eq!(ta.peak, 3);
        ta.restart(4.0);
        assert_eq!(ta.mean(5.0, 1.0), 0.0);
    }
}
