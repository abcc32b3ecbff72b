//! What one replication records: counters, levels integrated over time,
//! histograms and the time series, as the simulation writes them. Metrics
//! (ratios, percentiles, estimates across replications) are derived from
//! these in [`crate::statistics`]; this module imports nothing above it, so
//! both the simulation and the statistics can depend on it.

pub mod attempts;
pub mod campaign;
mod levels;
pub mod series;

pub use campaign::CampaignCounts;
pub use levels::{token_rate_per_min, LevelTime, TimeAverage, TokenUse};
pub use series::{Bucket, Recorder, SeriesTotals, Snapshot, UseScale};

use crate::model::{LimitKind, SlaOver};
use hdrhistogram::Histogram;

/// Defines a set of named metrics as a struct generic over the value type:
/// `Name<f64>` holds one replication's values, `Name<Estimate>` their
/// estimates across replications. The field order is the output order (the
/// column order of tables), so adding a metric touches one struct (and the
/// README's metric table). Generated: `NAMES`, `fields()` (name, value) in
/// order, `map`, and `zip_with` (one value per replication → one result).
macro_rules! metric_set {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name<T = f64> {
            $($(#[$fmeta])* pub $field: T,)*
        }

        impl<T> $name<T> {
            /// The metrics' names, in output order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Each metric's name and value, in output order.
            pub fn fields(&self) -> impl Iterator<Item = (&'static str, &T)> {
                [$((stringify!($field), &self.$field)),*].into_iter()
            }

            /// Applies `f` to every metric.
            pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> $name<U> {
                $name { $($field: f(&self.$field),)* }
            }
        }

        impl $name<f64> {
            /// Combines one set per replication metric by metric: `f` gets a
            /// metric's values in replication order.
            pub fn zip_with<'a, U>(
                sets: impl Iterator<Item = &'a Self> + Clone,
                mut f: impl FnMut(Vec<f64>) -> U,
            ) -> $name<U> {
                $name { $($field: f(sets.clone().map(|s| s.$field).collect()),)* }
            }
        }
    };
}
pub(crate) use metric_set;

/// What one source (or the total) counted in one replication.
#[derive(Debug, Clone)]
pub struct Counts {
    /// First attempts of callers.
    pub offered_calls: u64,
    /// All attempts, redials included.
    pub attempts: u64,
    /// Attempts answered (and not failed later).
    pub carried_calls: u64,
    /// Attempts refused by a full limit.
    pub blocked_calls: u64,
    /// Attempts that left a queue unserved.
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
    /// First attempts that found the lost-calls-held system's capacity or
    /// more calls in progress there (the control variate's measurement;
    /// 0 when the model has none: [`crate::model::Model::held_capacity`]).
    pub held_overflow: u64,
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
    /// Sum of the completed turns' latencies (s).
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

/// An empty auto-resizing histogram with 3 significant digits (quantiles
/// within 0.1%).
pub fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid histogram precision")
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
            held_overflow: 0,
            carried_holding_s: 0.0,
            waits_us: histogram(),
            zero_waits: 0,
            concurrency: TimeAverage::default(),
            turns: 0,
            turn_latency_sum_s: 0.0,
            turns_over_budget: 0,
            turn_latency_us: histogram(),
            requests_refused: 0,
            first_attempt_blocked: 0,
            attempt_holding_s: 0.0,
            redialing: TimeAverage::default(),
        }
    }
}

/// Records `s` seconds in `h`, in microseconds. The histogram grows as
/// needed; only a value past its absolute reach (about 290,000 years) is clamped.
#[inline]
pub fn record_s(h: &mut Histogram<u64>, s: f64) {
    let us = (s * 1e6).round() as u64;
    if h.record(us).is_err() {
        h.saturating_record(us);
    }
}

impl Counts {
    /// Records a resolved attempt's wait (s).
    #[inline]
    pub fn record_wait(&mut self, wait_s: f64) {
        self.waited += (wait_s > 0.0) as u64;
        self.wait_sum_s += wait_s;
        // Zero waits (most attempts on a loss system) are only counted here
        // and added to the histogram once, when metrics are taken.
        if wait_s == 0.0 {
            self.zero_waits += 1;
            return;
        }
        record_s(&mut self.waits_us, wait_s);
    }

    /// Records a completed turn's latency (s) against the budget (s).
    #[inline]
    pub fn record_turn(&mut self, latency_s: f64, budget_s: f64) {
        self.turns += 1;
        self.turn_latency_sum_s += latency_s;
        self.turns_over_budget += (latency_s > budget_s) as u64;
        record_s(&mut self.turn_latency_us, latency_s);
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
        self.held_overflow += o.held_overflow;
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
}

/// What one limit counted in one replication, over all its copies.
#[derive(Debug, Clone)]
pub struct LimitCounts {
    /// What it caps (the unit its use is counted in).
    pub kind: LimitKind,
    /// Cap per copy, in the limit's unit.
    pub capacity: f64,
    /// Copies in its pool (≥ 1).
    pub pool: u32,
    /// Holders (concurrency and token limits), over all copies.
    pub occupancy: LevelTime,
    /// Token use (token limits only).
    pub tokens: TokenUse,
    /// Callers or requests waiting.
    pub waiting: TimeAverage,
    /// Admissions after the warm-up (seizures; for rate limits, admitted
    /// calls or requests), whenever the attempt arrived.
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
    /// Overflows, failures, fallbacks, preemption and incidents (boxed:
    /// most models have none, and the engine's hot counters stay together).
    pub faults: Box<FaultCounts>,
    /// Per copy of a pool (empty without a pool): holders and admissions.
    pub copies: Vec<CopyCounts>,
    /// Per limit of the model: of the losses caused here, how many happened
    /// while that limit was full too (its own entry stays 0).
    pub co_full: Vec<u64>,
    /// How long each hold released after the warm-up lasted (µs), when the
    /// run records holds (usage-based prices).
    pub holds: Option<Histogram<u64>>,
}

impl LimitCounts {
    /// Empty counts of a limit of `kind` with `pool` copies, in a model of `n_limits` limits.
    pub fn new(kind: &LimitKind, pool: u32, n_limits: usize) -> Self {
        let tokens = match *kind {
            LimitKind::Tokens { tokens_per_call_minute, growth_per_minute, .. } => {
                TokenUse::new(tokens_per_call_minute, growth_per_minute)
            }
            _ => TokenUse::default(),
        };
        LimitCounts {
            kind: kind.clone(),
            capacity: kind.capacity(),
            pool,
            occupancy: LevelTime::default(),
            tokens: tokens.clone(),
            waiting: TimeAverage::default(),
            admitted: 0,
            blocked_by: 0,
            abandoned_at: 0,
            requests_refused: 0,
            request_retries: 0,
            failed_after_connect: 0,
            faults: Box::default(),
            copies: if pool > 1 {
                vec![CopyCounts { tokens: tokens.clone(), ..CopyCounts::default() }; pool as usize]
            } else {
                Vec::new()
            },
            co_full: vec![0; n_limits],
            holds: None,
        }
    }

    /// Losses (blocked, abandoned, failed after connect) caused here.
    pub fn losses(&self) -> u64 {
        self.blocked_by + self.abandoned_at + self.failed_after_connect
    }

    /// Its use integrated from the last restart to `now`, in the limit's
    /// unit × seconds (slots, tokens per minute), or its admissions for a
    /// rate limit.
    pub fn use_integral(&self, now: f64) -> f64 {
        match self.kind {
            LimitKind::Concurrency { .. } => self.occupancy.integral(now),
            LimitKind::Rate { .. } => self.admitted as f64,
            LimitKind::Tokens { .. } => self.tokens.integral(now),
        }
    }
}

/// What a limit counted of the failing world (after the warm-up).
#[derive(Debug, Clone, Default)]
pub struct FaultCounts {
    /// Counted calls or requests that found it full and overflowed to its
    /// standby limit.
    pub overflowed_out: u64,
    /// Counted calls or requests that overflowed into it (a standby limit).
    pub overflowed_in: u64,
    /// Counted admissions that failed here (detected after `detection`).
    pub failures: u64,
    /// Counted calls or requests sent on from here to its fallback.
    pub fallbacks_out: u64,
    /// Counted calls or requests that fell back into it (a standby limit).
    pub fallbacks_in: u64,
    /// Counted holders cut by a capacity drop (`on_drop = "preempt"`).
    pub preempted: u64,
    /// Incidents that began on it (after the warm-up).
    pub incidents: u64,
    /// 1 while it is marked unhealthy, else 0.
    pub unhealthy: TimeAverage,
}

/// What one copy of a pooled limit counted (after the warm-up).
#[derive(Debug, Clone, Default)]
pub struct CopyCounts {
    /// Holders of this copy.
    pub occupancy: TimeAverage,
    /// Token use of this copy (token limits only).
    pub tokens: TokenUse,
    /// Admissions to this copy.
    pub admitted: u64,
    /// Refusals at this copy.
    pub refused: u64,
}

impl LimitCounts {
    /// Forgets the past at `now` (the end of the warm-up): levels restart,
    /// admissions and refusals count from zero.
    pub fn restart(&mut self, now: f64) {
        self.occupancy.restart(now);
        self.waiting.restart(now);
        self.tokens.restart(now);
        self.faults.unhealthy.restart(now);
        self.faults.incidents = 0;
        self.admitted = 0;
        for c in &mut self.copies {
            c.occupancy.restart(now);
            c.tokens.restart(now);
            c.admitted = 0;
            c.refused = 0;
        }
    }

    /// Copy `c`'s use from the last restart to `end_t` over `span_s`, as a
    /// share of one copy's cap: time-average holders (concurrency),
    /// admissions per window (rate) or tokens per minute (tokens) over the
    /// capacity. These average to the pool's utilization.
    pub fn copy_utilization(&self, c: &CopyCounts, end_t: f64, span_s: f64) -> f64 {
        let mean = match self.kind {
            LimitKind::Concurrency { .. } => c.occupancy.mean(end_t, span_s),
            LimitKind::Rate { window_s, .. } => c.admitted as f64 / span_s * window_s,
            LimitKind::Tokens { .. } => c.tokens.mean(end_t, span_s),
        };
        mean / self.capacity
    }
}

/// Hours in a week: attempts are also counted per hour of the week
/// (Monday 00:00 = hour 0) when an SLA is judged over the busy hour or a window.
pub const HOURS_PER_WEEK: usize = 168;

/// The hour of the week (0–167) of simulated time `t_s` (≥ 0).
#[inline]
pub fn hour_of_week(t_s: f64) -> usize {
    (t_s / 3600.0) as usize % HOURS_PER_WEEK
}

/// Counts of each inbound source by the hour of the week its attempts
/// arrived in (a lost caller by its first attempt's hour): what judging an
/// SLA over the busy hour or a window needs. Time averages are not kept.
#[derive(Debug, Clone)]
pub struct HourCounts {
    /// Where the SLA is judged.
    pub over: SlaOver,
    /// `[source][hour of week]`.
    pub per_source: Vec<Vec<Counts>>,
    /// Per simulated day, when the SLA reads the busiest days or counts
    /// the days over target.
    pub days: Option<DayCounts>,
}

/// Counts of each inbound source in the busy clock hour of each simulated
/// day (from time 0, warm-up included), when the SLA reads the busiest days
/// ([`crate::model::JudgedDays`]).
#[derive(Debug, Clone)]
pub struct DayCounts {
    /// The clock hour counted (0–23): the model's time-consistent busy hour.
    pub busy_hour: usize,
    /// Which days are judged.
    pub judged: crate::model::JudgedDays,
    /// Whether each day is judged on its own too (`max_days_over`).
    pub each_day: bool,
    /// `[source][day]`.
    pub per_source: Vec<Vec<Counts>>,
}

/// What one replication measured.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Per source, in model order.
    pub sources: Vec<Counts>,
    /// All sources together.
    pub total: Counts,
    /// Per limit, in model order.
    pub limits: Vec<LimitCounts>,
    /// End of the horizon (warm-up + horizon), s.
    pub end_t: f64,
    /// Length of the measured window, s.
    pub horizon_s: f64,
    /// The time series, if the model asks for one.
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignCounts>,
    /// Per campaign, every placed dial in order (empty unless asked for).
    pub dial_log: Vec<Vec<campaign::DialRecord>>,
    /// Counts by hour of the week, when the SLA is judged over hours.
    pub hours: Option<HourCounts>,
    /// Every inbound attempt after the warm-up, when asked for.
    pub attempts: Option<attempts::AttemptLog>,
}
