//! A model: the traffic sources, outbound campaigns and the chain of limits
//! one system puts calls through, as checked plain data (seconds,
//! per-second rates) that the simulation uses. No I/O here: models are read
//! and checked by [`crate::config`].

mod call_log;
mod campaign;
mod days;
pub mod dist;
mod held;
mod sla;
mod timeline;
mod variation;
pub use call_log::{CallLog, LoggedOutcome};
pub use campaign::{Campaign, Outcome, Window};
pub use days::{DayFactor, DaySampler, DayVariation, WithinDay};
pub use sla::{HourWindow, JudgedDays, Objective, ObjectiveMetric, OverWhy, Sla, SlaOver, LOST_CALLER_OUTCOMES};
pub use timeline::{Failure, Incident, IncidentWhen, OnDrop, Stickiness};

pub use dist::{Dist, Sampler};
pub use held::CONTROL_MIN_REPLICATIONS;
use std::sync::Arc;

/// A checked model, all durations in seconds and rates per second.
#[derive(Debug, Clone)]
pub struct Model {
    /// Its name (output file names and tables use it).
    pub name: String,
    /// What it models.
    pub description: String,
    /// How long and how often to simulate.
    pub run: RunSpec,
    /// Inbound sources (may be empty when there are campaigns).
    pub sources: Vec<Source>,
    /// Outbound campaigns; in limits' `sources`, campaign `j` is index
    /// `sources.len() + j`.
    pub campaigns: Vec<Campaign>,
    /// The chain of limits, in the order calls pass them.
    pub limits: Vec<Limit>,
    /// The service objective.
    pub sla: Sla,
    /// Incidents striking limits (outages, throttling, failures, slowness).
    pub incidents: Vec<Incident>,
}

/// How long and how often to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Simulated time per replication counted in the statistics, after warm-up (s).
    pub horizon_s: f64,
    /// Simulated time discarded at the start of each replication (s).
    pub warmup_s: f64,
    /// Independent replications (≥ 1); with the sequential rule, the first
    /// batch and the size of every later one.
    pub replications: u32,
    /// Most replications the sequential rule may run (= `replications` when
    /// the number is fixed): batches are added while the SLA is undecided.
    pub max_replications: u32,
    /// Root seed of all random streams.
    pub seed: u64,
    /// Bucket width of the time series (s); `None` = no time series.
    pub timeseries_bucket_s: Option<f64>,
    /// The UTC date of simulated Monday 00:00, if given (for time-zone names).
    pub week_of: Option<chrono::NaiveDate>,
    /// Record how long each call holds each concurrency and token limit
    /// (for usage-based prices; set by planning, off by default since it
    /// takes every limit off the engine's fast path).
    pub record_holds: bool,
}

/// A stream of callers.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name (limits' `sources` name it).
    pub name: String,
    /// Mean arrival rate of first attempts (per second): the Poisson rate, a
    /// profile's time average, a population's rate without blocking
    /// (N·γ/(1 + γ·h)), or a trace's calls per second of its span.
    pub arrival_rate_per_s: f64,
    /// How first attempts arrive.
    pub arrivals: Arrivals,
    /// How the rate varies from day to day (a day factor and half-day
    /// factors, mean 1, drawn for each simulated day); default: none.
    pub day_variation: DayVariation,
    /// Holding time of an answered call.
    pub holding: Dist,
    /// How long a caller waits for an answer before hanging up; `None` = forever.
    pub patience: Option<Dist>,
    /// What a blocked or abandoned caller does; `None` = gives up.
    pub redial: Option<Redial>,
    /// Conversation turns of an answered call; `None` = no turns.
    pub turns: Option<Turns>,
    /// A turn slower than this counts in `turns_over_budget` (s; default 0.8).
    pub latency_budget_s: f64,
    /// Retries of a refused request.
    pub retry: Retry,
}

/// The turns of a call: every `interval` (the caller speaking) the agent
/// answers through `requests` in order; the turn's latency runs from the
/// caller's turn end to the end of the last request (the agent's first audio).
#[derive(Debug, Clone)]
pub struct Turns {
    /// Time between turns (the caller speaking).
    pub interval: Dist,
    /// The agent's requests of each turn, in order.
    pub requests: Vec<Request>,
}

/// One request of a turn (e.g. `stt`, `llm`, `tts`) and its service time.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its name (request-scoped limits name it).
    pub name: String,
    /// Service time.
    pub service: Dist,
}

/// Retry policy of a refused request: attempt k (k ≥ 2) waits
/// `base × {1, k−1, 2^(k−2)}` (constant, linear, exponential backoff) times
/// a uniform factor in [1 − jitter, 1 + jitter].
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Attempts in all, the first included (≥ 1; 1 = no retry).
    pub max_attempts: u32,
    /// How the delay grows.
    pub backoff: Backoff,
    /// Base delay (s).
    pub base_s: f64,
    /// Uniform jitter as a fraction of the delay (0–1).
    pub jitter: f64,
}

/// Growth of the retry delay with the attempt number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// The same delay each time.
    Constant,
    /// base × (k − 1).
    Linear,
    /// base × 2^(k − 2).
    Exponential,
}

impl Retry {
    /// The delay before attempt `attempt` (≥ 2), before jitter, in seconds.
    pub fn delay_s(&self, attempt: u32) -> f64 {
        let k = attempt.saturating_sub(1).max(1) as f64;
        match self.backoff {
            Backoff::Constant => self.base_s,
            Backoff::Linear => self.base_s * k,
            Backoff::Exponential => self.base_s * 2f64.powf(k - 1.0),
        }
    }
}

impl Source {
    /// Offered load of first attempts in Erlangs: arrival rate × mean holding time.
    pub fn offered_load_erl(&self) -> f64 {
        self.arrival_rate_per_s * self.holding.mean_s()
    }
}

/// How first attempts arrive.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Poisson at `arrival_rate_per_s`.
    Poisson,
    /// Nonhomogeneous Poisson with a piecewise-constant rate.
    Profile(Profile),
    /// `size` callers; each idle one calls at `rate_per_idle_per_s`, one in a
    /// call, waiting or about to redial does not (the Engset source model).
    Population {
        /// Members of the population.
        size: u32,
        /// Call rate of one idle member (per s).
        rate_per_idle_per_s: f64,
    },
    /// A call log replayed exactly: (start s, duration s), sorted by start.
    Trace(Arc<[(f64, f64)]>),
}

/// One call of a log (a trace to replay, or a log to fit).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// Seconds from Monday 00:00.
    pub start_s: f64,
    /// Holding time (s).
    pub duration_s: f64,
    /// The source it belongs to, if the log says.
    pub source: Option<String>,
}

/// A rate that repeats every `period_s` (a day or a week from Monday 00:00,
/// simulated time 0): `rates_per_s[k]` from `starts_s[k]` to the next start.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// Segment starts within the period, increasing, the first 0.
    pub starts_s: Vec<f64>,
    /// Rates per second, scale and burst factor applied.
    pub rates_per_s: Vec<f64>,
    /// Repeats after this (s): a day or a week.
    pub period_s: f64,
}

impl Profile {
    /// The time-average rate over a period (per second).
    pub fn mean_rate_per_s(&self) -> f64 {
        (0..self.starts_s.len())
            .map(|k| {
                self.rates_per_s[k] * (self.starts_s.get(k + 1).copied().unwrap_or(self.period_s) - self.starts_s[k])
            })
            .sum::<f64>()
            / self.period_s
    }
}

/// Redialing of a caller whose attempt was blocked or abandoned, or (unless
/// `after_failure` is false) connected and then failed.
#[derive(Debug, Clone)]
pub struct Redial {
    /// Attempts in all, the first included (≥ 1).
    pub max_attempts: u32,
    /// Time between the failure and the next attempt.
    pub delay: Dist,
    /// Probability of redialing after failed attempt k (k = 1, 2, …): the
    /// k-th entry, the last repeating; empty = always.
    pub probability: Vec<f64>,
    /// Whether a caller whose call connected and then failed (silence, or a
    /// turn refused for good) calls back too, as real callers who heard
    /// silence mostly do (default); `false`: such a caller gives up.
    pub after_failure: bool,
}

impl Redial {
    /// The probability of redialing after failed attempt `attempt` (≥ 1).
    pub fn probability_after(&self, attempt: u32) -> f64 {
        match self.probability.len() {
            0 => 1.0,
            n => self.probability[(attempt as usize).min(n) - 1],
        }
    }
}

/// One limit of the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Its name (paths and outputs use it).
    pub name: String,
    /// What it caps.
    pub kind: LimitKind,
    /// What a call that finds it full does.
    pub on_full: OnFull,
    /// Independent copies (phone numbers, API keys), each with the limit's caps (≥ 1).
    pub pool: u32,
    /// How a call picks a copy when `pool` > 1.
    pub select: Select,
    /// Indices of the sources (then campaigns) it applies to; `None` = all.
    pub sources: Option<Vec<usize>>,
    /// When a slot is held.
    pub scope: Scope,
    /// What a refusal means for the caller.
    pub when_refused: WhenRefused,
    /// Reachable only by overflow or fallback from the one limit whose
    /// `on_full` or `failure.fallback` names it ([`OnFull::Overflow`]): not
    /// a step of any chain by itself.
    pub standby: bool,
    /// Its capacity per copy in each hour of the week (Monday 00:00 = hour
    /// 0), when it follows a schedule: slots, rate `max` or tokens per minute.
    pub schedule: Option<Vec<f64>>,
    /// What a drop of capacity below the number in use does.
    pub on_drop: OnDrop,
    /// What fails, if anything fails.
    pub failure: Option<Failure>,
}

/// What a limit caps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// At most `capacity` holders at once.
    Concurrency {
        /// Holders at once, per copy.
        capacity: u32,
    },
    /// At most `max` admissions per `window_s`. Nothing is held.
    Rate {
        /// Admissions per window, per copy.
        max: u32,
        /// The window (s).
        window_s: f64,
        /// How admissions are counted.
        algorithm: RateAlgorithm,
        /// Bucket size of a token bucket.
        burst: u32,
    },
    /// Holders consume `tokens_per_call_minute + growth_per_minute × age (min)`
    /// tokens per minute each; admission needs the total plus one new call's
    /// rate to stay within `tokens_per_minute`.
    Tokens {
        /// The budget, per copy.
        tokens_per_minute: f64,
        /// Use of a new call.
        tokens_per_call_minute: f64,
        /// Growth of a call's use per minute of its age.
        growth_per_minute: f64,
    },
}

/// How a rate limit counts admissions.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateAlgorithm {
    /// Windows [k·w, (k+1)·w) from time 0, each admitting `max`.
    FixedWindow,
    /// At most `max` admissions in any window (t − w, t].
    SlidingWindow,
    /// A bucket of `burst` tokens refilled at `max` per window; an admission takes one.
    TokenBucket,
}

/// Copy selection in a pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Select {
    /// Copies in turn, moving on to the next copy with room (with no waiters)
    /// when the one whose turn it is is full, as dialers rotating caller IDs
    /// and clients rotating API keys do; if none has room, the call queues at
    /// (or is refused by) the copy whose turn it was.
    RoundRobin,
    /// Copies strictly in turn: the copy whose turn it is queues or refuses
    /// the call even if another copy has room.
    StrictRoundRobin,
    /// The copy with the most room (ties: the lowest index).
    LeastLoaded,
    /// A copy uniformly at random.
    Random,
    /// Round robin for a caller's first attempt; its redials and requests keep that copy.
    Sticky,
}

/// When a limit's slot is held.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// From seizure to the end of the call.
    Call,
    /// From seizure for `setup_time` (the call goes on meanwhile).
    Setup {
        /// How long the slot is held.
        setup_time: Dist,
    },
    /// During each request of a turn named in `requests` (indices into the
    /// source's requests are resolved by name at run time).
    Request {
        /// Names of the requests it limits.
        requests: Vec<String>,
    },
}

/// What a refusal (block or wait expiry) at a limit means for the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum WhenRefused {
    /// The caller never connects: blocked or abandoned.
    Busy,
    /// The call connects but the AI part fails: the caller hears silence for
    /// `silence_patience`, holding every slot seized so far, then hangs up
    /// (`failed_after_connect`).
    Silence {
        /// How long a caller listens to silence.
        silence_patience: Dist,
    },
}

/// What a limit caps, without its figures: the name a model file gives it
/// (`kind = "rate"`) and every output shows. Its names are derived from the
/// variants in one place (snake_case, for serde and strum alike); the
/// engine's own form ([`crate::simulation`]'s `KindRt`) is built from
/// [`LimitKind`] once per run.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// Holders at once (slots).
    #[default]
    Concurrency,
    /// Admissions per window.
    Rate,
    /// Tokens per minute.
    Tokens,
}

impl Kind {
    /// Its name in model files and outputs: `concurrency`, `rate` or `tokens`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The unit of its capacity as a chart's legend shows it.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Concurrency => "slots",
            Kind::Rate => "per window",
            Kind::Tokens => "tokens/min",
        }
    }
}

impl LimitKind {
    /// What it caps, without its figures.
    pub fn kind(&self) -> Kind {
        match self {
            LimitKind::Concurrency { .. } => Kind::Concurrency,
            LimitKind::Rate { .. } => Kind::Rate,
            LimitKind::Tokens { .. } => Kind::Tokens,
        }
    }

    /// The cap in the limit's own unit, per copy: slots, admissions per
    /// window, or tokens per minute.
    pub fn capacity(&self) -> f64 {
        match *self {
            LimitKind::Concurrency { capacity } => capacity as f64,
            LimitKind::Rate { max, .. } => max as f64,
            LimitKind::Tokens { tokens_per_minute, .. } => tokens_per_minute,
        }
    }

    /// Its name in model files and outputs ([`Kind::name`]).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

impl Limit {
    /// The cap in the limit's own unit, per copy ([`LimitKind::capacity`]).
    pub fn capacity(&self) -> f64 {
        self.kind.capacity()
    }

    /// Whether it is a step of source `s`'s chain (or of its requests):
    /// it applies to `s` and is not a standby limit, which only overflow
    /// reaches.
    pub fn applies_to(&self, s: usize) -> bool {
        !self.standby && self.sources.as_ref().is_none_or(|v| v.contains(&s))
    }

    /// The standby limit a call that finds this limit full overflows to, if any.
    pub fn overflow_to(&self) -> Option<usize> {
        match self.on_full {
            OnFull::Overflow { to } => Some(to),
            _ => None,
        }
    }

    /// The standby limit a call or request that failed here moves to, if any.
    pub fn fallback_to(&self) -> Option<usize> {
        self.failure.as_ref().and_then(|f| f.fallback)
    }

    /// The standby limits a call here may move on to: its overflow's and
    /// its fallback's.
    pub fn routes(&self) -> impl Iterator<Item = usize> {
        self.overflow_to().into_iter().chain(self.fallback_to())
    }
}

/// What a limit does with a call that finds it full.
#[derive(Debug, Clone, PartialEq)]
pub enum OnFull {
    /// Block the attempt; slots already seized are released.
    Reject,
    /// Wait FIFO for a slot, at most `timeout_s` (or the caller's patience,
    /// whichever ends first); blocked at once if `max_waiting` already wait.
    Queue {
        /// Longest wait in this queue (s); `None` = none.
        timeout_s: Option<f64>,
        /// Most callers waiting; `None` = no cap.
        max_waiting: Option<u32>,
    },
    /// Try standby limit `to` instead (alternate routing): the call (or
    /// request) is admitted there, queues there or is refused there as that
    /// limit's own `on_full` and `when_refused` say, and, admitted, goes on
    /// with the chain after this limit.
    Overflow {
        /// Index of the standby limit in the model's limits.
        to: usize,
    },
}

impl Model {
    /// Whether the model has campaigns and no inbound source: its outputs
    /// are judged by the campaigns (completion, reach), not by offered load.
    pub fn campaigns_only(&self) -> bool {
        self.sources.is_empty() && !self.campaigns.is_empty()
    }

    /// The model with every source's arrival rate multiplied by `x` (> 0):
    /// constant rates and profiles exactly, a finite population's rate per
    /// idle member. Campaigns and limits are unchanged.
    ///
    /// Errors naming the source when it replays a trace (a log cannot be scaled).
    pub fn with_load_scale(&self, x: f64) -> Result<Model, String> {
        let mut m = self.clone();
        for s in &mut m.sources {
            match &mut s.arrivals {
                Arrivals::Poisson => {}
                Arrivals::Profile(p) => p.rates_per_s.iter_mut().for_each(|r| *r *= x),
                Arrivals::Population { rate_per_idle_per_s, .. } => *rate_per_idle_per_s *= x,
                Arrivals::Trace(_) => {
                    return Err(format!("source {:?} replays a trace, which cannot be scaled to other loads", s.name))
                }
            }
            s.arrival_rate_per_s *= x;
        }
        Ok(m)
    }

    /// The model with no limit at all (campaigns keep their own caps, no
    /// agent limit): what its SLA's objectives come to with unlimited
    /// capacity, the floor no tier can go below.
    pub fn without_limits(&self) -> Model {
        let mut m = self.clone();
        m.limits.clear();
        m.incidents.clear();
        m.campaigns.iter_mut().for_each(|c| c.agent_limits.clear());
        m
    }

    /// Every standby limit a call at limit `l` may reach by its routes
    /// (overflow and fallback, followed on), not `l` itself.
    pub fn standbys_from(&self, l: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut frontier: Vec<usize> = self.limits[l].routes().collect();
        while let Some(at) = frontier.pop() {
            if !out.contains(&at) && at != l {
                out.push(at);
                frontier.extend(self.limits[at].routes());
            }
        }
        out
    }

    /// Total offered load of first attempts over all sources, in Erlangs.
    pub fn offered_load_erl(&self) -> f64 {
        // `+ 0.0`: an empty f64 sum is −0.0, which would print as "-0.0".
        self.sources.iter().map(Source::offered_load_erl).sum::<f64>() + 0.0
    }
}
