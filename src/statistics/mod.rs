//! Statistics of a run: the counters one replication accumulates, the named
//! metrics derived from them, and estimates across replications with
//! Student-t confidence intervals.
//!
//! All metrics count only what happens after the warm-up: an attempt counts
//! if it arrives after the warm-up, and time averages integrate from the end
//! of the warm-up to the end of the horizon.

pub mod campaign;
pub use campaign::{CampaignCounts, CampaignMetrics, CampaignSummary, CAMPAIGN_METRICS};

use crate::model::{LimitKind, Model};
use crate::simulation::Replication;
use crate::timeseries::Bucket;
use hdrhistogram::Histogram;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Names of the per-source (and total) metrics, in output order.
pub const METRICS: [&str; 32] = [
    "offered_calls",
    "attempts",
    "carried_calls",
    "blocked_calls",
    "abandoned_calls",
    "failed_after_connect",
    "waiting_at_end",
    "blocking_probability",
    "abandonment_probability",
    "failure_probability",
    "loss_probability",
    "first_attempt_blocking",
    "attempts_per_caller",
    "mean_redialing",
    "inflated_load_erl",
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
    "turns",
    "mean_turn_latency_s",
    "p50_turn_latency_s",
    "p95_turn_latency_s",
    "p99_turn_latency_s",
    "turns_over_budget",
    "requests_refused",
];

/// Names of the per-limit metrics, in output order. Occupancy is in the
/// limit's unit: holders (concurrency), admissions per window (rate), tokens
/// per minute (tokens), summed over a pool's copies. `headroom` is capacity ×
/// pool − p99 occupancy: the slots left at the 99th percentile (concurrency
/// limits only, like the p99).
pub const LIMIT_METRICS: [&str; 14] = [
    "utilization",
    "mean_occupancy",
    "peak_occupancy",
    "p99_occupancy",
    "headroom",
    "mean_waiting",
    "admitted",
    "blocked_by",
    "abandoned_at",
    "requests_refused",
    "request_retries",
    "failed_after_connect",
    "losses_caused",
    "loss_share",
];

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

    /// The integral from the last restart to `now`.
    pub fn integral(&self, now: f64) -> f64 {
        self.area + self.level as f64 * (now - self.last_t)
    }

    /// Integrates up to `end` (no later change may follow).
    pub fn close(&mut self, end: f64) {
        self.step(end, 0);
    }

    /// Adds another level closed at the same instant: the sum of two levels
    /// has the sum of their time averages (its peak is not known: the larger
    /// of the two is kept, a lower bound).
    pub fn add(&mut self, other: &TimeAverage) {
        debug_assert_eq!(self.last_t, other.last_t, "close both at the same instant first");
        self.area += other.area;
        self.level += other.level;
        self.peak = self.peak.max(other.peak);
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
        self.integral(now) / span_s
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
    /// Attempts connected whose AI part failed (silence, or a turn that
    /// failed for good); not in `carried_calls`.
    pub failed_after_connect: u64,
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
    /// Completed agent turns.
    pub turns: u64,
    pub turn_latency_sum_s: f64,
    /// Turns slower than the source's latency budget.
    pub turns_over_budget: u64,
    /// Turn latencies, in microseconds.
    pub turn_latency_us: Histogram<u64>,
    /// Request refusals (429s and queue timeouts), retried or not.
    pub requests_refused: u64,
    /// First attempts blocked.
    pub first_attempt_blocked: u64,
    /// Sum of the holding times of all attempts (s): traffic inflated by redials.
    pub attempt_holding_s: f64,
    /// Callers waiting to redial.
    pub redialing: TimeAverage,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            offered_calls: 0,
            attempts: 0,
            carried_calls: 0,
            blocked_calls: 0,
            abandoned_calls: 0,
            failed_after_connect: 0,
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
            turns: 0,
            turn_latency_sum_s: 0.0,
            turns_over_budget: 0,
            turn_latency_us: Histogram::new(3).expect("3 significant digits is a valid histogram precision"),
            requests_refused: 0,
            first_attempt_blocked: 0,
            attempt_holding_s: 0.0,
            redialing: TimeAverage::default(),
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

    /// Records a completed turn's latency (s) against the budget (s).
    #[inline]
    pub fn record_turn(&mut self, latency_s: f64, budget_s: f64) {
        self.turns += 1;
        self.turn_latency_sum_s += latency_s;
        self.turns_over_budget += (latency_s > budget_s) as u64;
        let us = (latency_s * 1e6).round() as u64;
        if self.turn_latency_us.record(us).is_err() {
            self.turn_latency_us.saturating_record(us);
        }
    }

    /// Adds another source's counts into this total (not the concurrency,
    /// whose peak is not additive: the simulation tracks the total's itself).
    /// Time averages must be closed at the same instant first.
    pub fn absorb(&mut self, o: &Counts) {
        self.offered_calls += o.offered_calls;
        self.attempts += o.attempts;
        self.carried_calls += o.carried_calls;
        self.blocked_calls += o.blocked_calls;
        self.abandoned_calls += o.abandoned_calls;
        self.failed_after_connect += o.failed_after_connect;
        self.waited += o.waited;
        self.answered_within_sla += o.answered_within_sla;
        self.callers_lost += o.callers_lost;
        self.waiting_at_end += o.waiting_at_end;
        self.wait_sum_s += o.wait_sum_s;
        self.offered_holding_s += o.offered_holding_s;
        self.carried_holding_s += o.carried_holding_s;
        self.waits_us.add(&o.waits_us).expect("auto-resizing histograms always merge");
        self.zero_waits += o.zero_waits;
        self.turns += o.turns;
        self.turn_latency_sum_s += o.turn_latency_sum_s;
        self.turns_over_budget += o.turns_over_budget;
        self.turn_latency_us.add(&o.turn_latency_us).expect("auto-resizing histograms always merge");
        self.requests_refused += o.requests_refused;
        self.first_attempt_blocked += o.first_attempt_blocked;
        self.redialing.add(&o.redialing);
        self.attempt_holding_s += o.attempt_holding_s;
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
        let t = &self.turn_latency_us;
        let tq = |p: f64| if self.turns == 0 { 0.0 } else { t.lowest_equivalent(t.value_at_quantile(p)) as f64 / 1e6 };
        [
            self.offered_calls as f64,
            self.attempts as f64,
            self.carried_calls as f64,
            self.blocked_calls as f64,
            self.abandoned_calls as f64,
            self.failed_after_connect as f64,
            self.waiting_at_end as f64,
            ratio(self.blocked_calls, self.attempts),
            ratio(self.abandoned_calls, self.attempts),
            ratio(self.failed_after_connect, self.attempts),
            ratio(self.callers_lost, self.offered_calls),
            ratio(self.first_attempt_blocked, self.offered_calls),
            ratio(self.attempts, self.offered_calls),
            self.redialing.mean(end_t, horizon_s),
            self.attempt_holding_s / horizon_s,
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
            self.turns as f64,
            if self.turns == 0 { 0.0 } else { self.turn_latency_sum_s / self.turns as f64 },
            tq(0.50),
            tq(0.95),
            tq(0.99),
            ratio(self.turns_over_budget, self.turns),
            self.requests_refused as f64,
        ]
    }
}

/// Time spent at each level of an integer quantity (slots in use): its
/// time average, peak and time percentiles such as the 99th-percentile
/// occupancy. The mean is Σ level × time at level, so no running area is
/// kept: one addition per change, like [`TimeAverage`].
#[derive(Debug, Clone, Default)]
pub struct LevelTime {
    pub level: u32,
    pub peak: u32,
    last_t: f64,
    /// Seconds spent at each level since the last restart.
    time_at: Vec<f64>,
}

impl LevelTime {
    /// Moves the level by `delta` at `now`.
    #[inline]
    pub fn step(&mut self, now: f64, delta: i32) {
        let dt = now - self.last_t;
        match self.time_at.get_mut(self.level as usize) {
            Some(t) => *t += dt,
            None => {
                self.time_at.resize(self.level as usize + 1, 0.0);
                self.time_at[self.level as usize] = dt;
            }
        }
        self.last_t = now;
        self.level = self.level.wrapping_add_signed(delta);
        self.peak = self.peak.max(self.level);
    }

    /// Forgets the past at `now`.
    pub fn restart(&mut self, now: f64) {
        self.last_t = now;
        self.peak = self.level;
        self.time_at.iter_mut().for_each(|t| *t = 0.0);
    }

    /// Time at each level from the last restart to `now`.
    fn times(&self, now: f64) -> Vec<f64> {
        let mut t = self.time_at.clone();
        if t.len() <= self.level as usize {
            t.resize(self.level as usize + 1, 0.0);
        }
        t[self.level as usize] += now - self.last_t;
        t
    }

    /// The integral from the last restart to `now`.
    pub fn integral(&self, now: f64) -> f64 {
        self.times(now).iter().enumerate().map(|(l, t)| l as f64 * t).sum::<f64>()
    }

    /// The time average from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64) -> f64 {
        self.integral(now) / span_s
    }

    /// The smallest level at or below which the quantity spent a fraction
    /// `q` of the time from the last restart to `now`.
    pub fn quantile(&self, now: f64, q: f64) -> f64 {
        let times = self.times(now);
        let total: f64 = times.iter().sum();
        let mut acc = 0.0;
        for (level, t) in times.iter().enumerate() {
            acc += t;
            if acc >= q * total {
                return level as f64;
            }
        }
        (times.len() - 1) as f64
    }
}

/// Token use of the holders of a token limit: n holders that started at
/// times s_i use n·r₀ + g·Σ(t − s_i)/60 tokens per minute at time t, linear
/// between events, so its integral is exact.
#[derive(Debug, Clone, Default)]
pub struct TokenUse {
    pub holders: u32,
    pub sum_start_t: f64,
    area: f64,
    last_t: f64,
    pub peak: f64,
}

impl TokenUse {
    /// Tokens per minute in use at `t`, with per-call rate `r0` and growth `g` (per minute of age).
    #[inline]
    pub fn rate(&self, t: f64, r0: f64, g: f64) -> f64 {
        let n = self.holders as f64;
        n * r0 + g * (n * t - self.sum_start_t) / 60.0
    }

    /// Moves to `now` and adds (`delta` = 1, start `t_i`) or removes (−1) a holder.
    #[inline]
    pub fn step(&mut self, now: f64, r0: f64, g: f64, delta: i32, start_t: f64) {
        let (a, b) = (self.rate(self.last_t, r0, g), self.rate(now, r0, g));
        self.area += 0.5 * (a + b) * (now - self.last_t);
        self.peak = self.peak.max(b);
        self.last_t = now;
        self.holders = self.holders.wrapping_add_signed(delta);
        self.sum_start_t += delta as f64 * start_t;
        self.peak = self.peak.max(self.rate(now, r0, g));
    }

    /// Forgets the past at `now`.
    pub fn restart(&mut self, now: f64, r0: f64, g: f64) {
        self.area = 0.0;
        self.last_t = now;
        self.peak = self.rate(now, r0, g);
    }

    /// The integral of tokens per minute from the last restart to `now`.
    pub fn integral(&self, now: f64, r0: f64, g: f64) -> f64 {
        self.area + 0.5 * (self.rate(self.last_t, r0, g) + self.rate(now, r0, g)) * (now - self.last_t)
    }

    /// Time-average tokens per minute from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64, r0: f64, g: f64) -> f64 {
        self.integral(now, r0, g) / span_s
    }
}

/// What one limit counted in one replication, over all its copies.
#[derive(Debug, Clone, Default)]
pub struct LimitCounts {
    /// Cap per copy, in the limit's unit.
    pub capacity: f64,
    /// Holders (concurrency and token limits), over all copies.
    pub occupancy: LevelTime,
    /// Token use (token limits only).
    pub tokens: TokenUse,
    /// Callers or requests waiting.
    pub waiting: TimeAverage,
    /// Admissions (seizures; for rate limits, admitted calls or requests).
    pub admitted: u64,
    /// Counted attempts blocked here.
    pub blocked_by: u64,
    /// Counted attempts that left this limit's queue unserved.
    pub abandoned_at: u64,
    /// Requests refused here (429 or queue timeout).
    pub requests_refused: u64,
    /// Refused requests retried.
    pub request_retries: u64,
    /// Counted attempts that connected and failed because of this limit.
    pub failed_after_connect: u64,
    /// Per copy of a pool (empty without a pool): holders and admissions.
    pub copies: Vec<CopyCounts>,
}

/// What one copy of a pooled limit counted.
#[derive(Debug, Clone, Default)]
pub struct CopyCounts {
    pub occupancy: TimeAverage,
    pub admitted: u64,
    pub refused: u64,
}

/// What each limit's metrics need to know of the limit.
#[derive(Debug, Clone, Copy)]
pub enum LimitUnit {
    /// Slots held; `capacity` per copy.
    Slots,
    /// Admissions per window of `window_s`.
    Rate { window_s: f64 },
    /// Tokens per minute, per-call rate and growth.
    Tokens { r0: f64, g: f64 },
}

impl LimitCounts {
    /// Losses (blocked, abandoned, failed after connect) caused here.
    pub fn losses(&self) -> u64 {
        self.blocked_by + self.abandoned_at + self.failed_after_connect
    }

    /// The metrics of [`LIMIT_METRICS`], for a window of `horizon_s` ending at
    /// `end_t`, a pool of `copies`, and `all_losses` lost attempts in total.
    pub fn metrics(&self, unit: LimitUnit, copies: u32, end_t: f64, horizon_s: f64, all_losses: u64) -> LimitMetrics {
        let cap = self.capacity * copies as f64;
        let (mean, peak, p99) = match unit {
            LimitUnit::Slots => (
                self.occupancy.mean(end_t, horizon_s),
                self.occupancy.peak as f64,
                self.occupancy.quantile(end_t, 0.99),
            ),
            LimitUnit::Rate { window_s } => (self.admitted as f64 / horizon_s * window_s, f64::NAN, f64::NAN),
            LimitUnit::Tokens { r0, g } => (self.tokens.mean(end_t, horizon_s, r0, g), self.tokens.peak, f64::NAN),
        };
        let losses = self.losses();
        [
            mean / cap,
            mean,
            peak,
            p99,
            cap - p99,
            self.waiting.mean(end_t, horizon_s),
            self.admitted as f64,
            self.blocked_by as f64,
            self.abandoned_at as f64,
            self.requests_refused as f64,
            self.request_retries as f64,
            self.failed_after_connect as f64,
            losses as f64,
            if all_losses == 0 { 0.0 } else { losses as f64 / all_losses as f64 },
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
    /// Per limit, per copy of its pool (empty without a pool): one value per
    /// name of [`COPY_METRICS`].
    pub copies: Vec<Vec<CopyMetrics>>,
    /// The time series (empty unless the model asks for one).
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignMetrics>,
}

/// Names of the per-copy metrics of a pooled limit.
pub const COPY_METRICS: [&str; 3] = ["utilization", "admitted", "refused"];
/// One value per name of [`COPY_METRICS`].
pub type CopyMetrics = [f64; COPY_METRICS.len()];

impl ReplicationMetrics {
    /// The metrics of a finished replication.
    pub fn of(r: &Replication) -> Self {
        let all_losses = r.limits.iter().map(LimitCounts::losses).sum();
        ReplicationMetrics {
            series: r.series.clone(),
            campaigns: r.campaigns.iter().map(|c| c.metrics(r.end_t)).collect(),
            sources: r.sources.iter().map(|c| c.metrics(r.end_t, r.horizon_s)).collect(),
            total: r.total.metrics(r.end_t, r.horizon_s),
            limits: r
                .limits
                .iter()
                .zip(&r.units)
                .map(|(l, (unit, copies))| l.metrics(*unit, *copies, r.end_t, r.horizon_s, all_losses))
                .collect(),
            copies: r
                .limits
                .iter()
                .map(|l| {
                    l.copies
                        .iter()
                        .map(|c| {
                            [c.occupancy.mean(r.end_t, r.horizon_s) / l.capacity, c.admitted as f64, c.refused as f64]
                        })
                        .collect()
                })
                .collect(),
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
    /// Per limit, in model order.
    pub limits: Vec<LimitSummary>,
    /// The time series, each bucket's mean over replications (empty unless
    /// the model asks for one).
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignSummary>,
}

/// One limit's estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitSummary {
    pub name: String,
    /// `concurrency`, `rate` or `tokens`.
    pub kind: &'static str,
    /// Cap per copy in the limit's unit (slots, admissions per window, tokens per minute).
    pub capacity: f64,
    pub pool: u32,
    /// One estimate per [`LIMIT_METRICS`] entry.
    pub metrics: Vec<Estimate>,
    /// Per copy (empty without a pool), one estimate per [`COPY_METRICS`] entry.
    pub copies: Vec<Vec<Estimate>>,
}

impl LimitSummary {
    /// The estimate of the limit metric `name`.
    pub fn get(&self, name: &str) -> &Estimate {
        &self.metrics[LIMIT_METRICS.iter().position(|m| *m == name).unwrap_or_else(|| panic!("no limit metric {name}"))]
    }

    /// How close the limit runs to its cap: the 99th-percentile occupancy
    /// over the pool's capacity where it is defined, else the utilization.
    pub fn closeness(&self) -> f64 {
        let p99 = self.get("p99_occupancy").mean / (self.capacity * self.pool as f64);
        if p99.is_finite() {
            p99
        } else {
            self.get("utilization").mean
        }
    }
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
                .map(|(i, l)| LimitSummary {
                    name: l.name.clone(),
                    kind: match l.kind {
                        LimitKind::Concurrency { .. } => "concurrency",
                        LimitKind::Rate { .. } => "rate",
                        LimitKind::Tokens { .. } => "tokens",
                    },
                    capacity: l.capacity(),
                    pool: l.pool,
                    metrics: across(LIMIT_METRICS.len(), &|r, k| r.limits[i][k]),
                    copies: (0..reps[0].copies[i].len())
                        .map(|c| across(COPY_METRICS.len(), &|r, k| r.copies[i][c][k]))
                        .collect(),
                })
                .collect(),
            series: crate::timeseries::mean_over(&reps.iter().map(|r| r.series.as_slice()).collect::<Vec<_>>()),
            campaigns: CampaignSummary::of_all(model, &reps.iter().map(|r| r.campaigns.as_slice()).collect::<Vec<_>>()),
        }
    }

    /// The total's estimate of the metric `name` (one of [`METRICS`]).
    pub fn total(&self, name: &str) -> &Estimate {
        &self.total[metric_index(name)]
    }

    /// The binding limit: the one that caused the largest share of losses,
    /// or, with no losses, the one running closest to its cap. Ties: the
    /// first listed.
    pub fn binding_limit(&self) -> Option<usize> {
        let share = |l: &LimitSummary| l.get("loss_share").mean;
        let key: &dyn Fn(&LimitSummary) -> f64 =
            if self.limits.iter().any(|l| share(l) > 0.0) { &share } else { &LimitSummary::closeness };
        (0..self.limits.len()).fold(None, |best: Option<usize>, i| match best {
            Some(b) if key(&self.limits[b]) >= key(&self.limits[i]) => Some(b),
            _ => Some(i),
        })
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
    fn level_time_gives_mean_peak_and_percentiles() {
        let mut lt = LevelTime::default();
        lt.step(0.0, 2); // 2 on [0, 1)
        lt.step(1.0, 1); // 3 on [1, 3)
        lt.step(3.0, -3); // 0 on [3, 100)
        assert_eq!(lt.mean(100.0, 100.0), (2.0 + 6.0) / 100.0);
        assert_eq!(lt.peak, 3);
        assert_eq!(lt.quantile(100.0, 0.97), 0.0);
        assert_eq!(lt.quantile(100.0, 0.98), 2.0);
        assert_eq!(lt.quantile(100.0, 0.99), 3.0);
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
