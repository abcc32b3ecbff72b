//! A model: the traffic sources and the chain of limits one system puts calls
//! through, read from a `models/*.toml` file and checked into plain numbers
//! (seconds, per-second rates) that the simulation uses.
//!
//! Loading is two steps so that sweeps can change keys cheaply and safely:
//! [`ModelDoc::load`] reads the TOML (syntax and unknown keys are reported
//! with line and column), [`ModelDoc::set`] overrides keys by path, and
//! [`ModelDoc::build`] checks every value and yields a [`Model`].

mod campaign;
pub mod dist;
pub mod file;
pub mod overrides;
mod traffic;
pub use campaign::{parse_utc_offset_s, Campaign, Outcome, Window};
pub use traffic::{read_call_log, CallRecord};

use crate::error::{Error, Result};
use crate::units::parse_duration_s;
pub use dist::{Dist, Sampler};
use file::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A checked model, all durations in seconds and rates per second.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub run: RunSpec,
    /// Inbound sources (may be empty when there are campaigns).
    pub sources: Vec<Source>,
    /// Outbound campaigns; in limits' `sources`, campaign `j` is index
    /// `sources.len() + j`.
    pub campaigns: Vec<Campaign>,
    pub limits: Vec<Limit>,
    pub sla: Sla,
}

/// How long and how often to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Simulated time per replication counted in the statistics, after warm-up (s).
    pub horizon_s: f64,
    /// Simulated time discarded at the start of each replication (s).
    pub warmup_s: f64,
    /// Independent replications (≥ 1).
    pub replications: u32,
    /// Root seed of all random streams.
    pub seed: u64,
    /// Bucket width of the time series (s); `None` = no time series.
    pub timeseries_bucket_s: Option<f64>,
    /// The UTC date of simulated Monday 00:00, if given (for time-zone names).
    pub week_of: Option<chrono::NaiveDate>,
}

/// A stream of callers.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// Mean arrival rate of first attempts (per second): the Poisson rate, a
    /// profile's time average, a population's rate without blocking
    /// (N·γ/(1 + γ·h)), or a trace's calls per second of its span.
    pub arrival_rate_per_s: f64,
    /// How first attempts arrive.
    pub arrivals: Arrivals,
    /// Coefficient of variation of a day-level gamma multiplier of the rate
    /// (mean 1), drawn for each simulated day; `None` = none.
    pub overdispersion_cv: Option<f64>,
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
    pub interval: Dist,
    pub requests: Vec<Request>,
}

/// One request of a turn (e.g. `stt`, `llm`, `tts`) and its service time.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    pub service: Dist,
}

/// Retry policy of a refused request: attempt k (k ≥ 2) waits
/// `base × {1, k−1, 2^(k−2)}` (constant, linear, exponential backoff) times
/// a uniform factor in [1 − jitter, 1 + jitter].
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Attempts in all, the first included (≥ 1; 1 = no retry).
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub base_s: f64,
    pub jitter: f64,
}

/// Growth of the retry delay with the attempt number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    Constant,
    Linear,
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
    Population { size: u32, rate_per_idle_per_s: f64 },
    /// A call log replayed exactly: (start s, duration s), sorted by start.
    Trace(Arc<[(f64, f64)]>),
}

/// A rate that repeats every `period_s` (a day or a week from Monday 00:00,
/// simulated time 0): `rates_per_s[k]` from `starts_s[k]` to the next start.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// Segment starts within the period, increasing, the first 0.
    pub starts_s: Vec<f64>,
    /// Rates per second, scale and burst factor applied.
    pub rates_per_s: Vec<f64>,
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

/// Redialing of a caller whose attempt was blocked, abandoned or failed.
#[derive(Debug, Clone)]
pub struct Redial {
    /// Attempts in all, the first included (≥ 1).
    pub max_attempts: u32,
    /// Time between the failure and the next attempt.
    pub delay: Dist,
    /// Probability of redialing after failed attempt k (k = 1, 2, …): the
    /// k-th entry, the last repeating; empty = always.
    pub probability: Vec<f64>,
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
    pub name: String,
    pub kind: LimitKind,
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
}

/// What a limit caps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// At most `capacity` holders at once.
    Concurrency { capacity: u32 },
    /// At most `max` admissions per `window_s`. Nothing is held.
    Rate { max: u32, window_s: f64, algorithm: RateAlgorithm, burst: u32 },
    /// Holders consume `tokens_per_call_minute + growth_per_minute × age (min)`
    /// tokens per minute each; admission needs the total plus one new call's
    /// rate to stay within `tokens_per_minute`.
    Tokens { tokens_per_minute: f64, tokens_per_call_minute: f64, growth_per_minute: f64 },
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
    /// Copies in turn.
    RoundRobin,
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
    Setup { setup_time: Dist },
    /// During each request of a turn named in `requests` (indices into the
    /// source's requests are resolved by name at run time).
    Request { requests: Vec<String> },
}

/// What a refusal (block or wait expiry) at a limit means for the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum WhenRefused {
    /// The caller never connects: blocked or abandoned.
    Busy,
    /// The call connects but the AI part fails: the caller hears silence for
    /// `silence_patience`, holding every slot seized so far, then hangs up
    /// (`failed_after_connect`).
    Silence { silence_patience: Dist },
}

impl LimitKind {
    /// The cap in the limit's own unit, per copy: slots, admissions per
    /// window, or tokens per minute.
    pub fn capacity(&self) -> f64 {
        match *self {
            LimitKind::Concurrency { capacity } => capacity as f64,
            LimitKind::Rate { max, .. } => max as f64,
            LimitKind::Tokens { tokens_per_minute, .. } => tokens_per_minute,
        }
    }

    /// Its name in model files and outputs: `concurrency`, `rate` or `tokens`.
    pub fn name(&self) -> &'static str {
        match self {
            LimitKind::Concurrency { .. } => "concurrency",
            LimitKind::Rate { .. } => "rate",
            LimitKind::Tokens { .. } => "tokens",
        }
    }
}

impl Limit {
    /// The cap in the limit's own unit, per copy ([`LimitKind::capacity`]).
    pub fn capacity(&self) -> f64 {
        self.kind.capacity()
    }

    /// Whether it applies to source `s`.
    pub fn applies_to(&self, s: usize) -> bool {
        self.sources.as_ref().is_none_or(|v| v.contains(&s))
    }
}

/// What a limit does with a call that finds it full.
#[derive(Debug, Clone, PartialEq)]
pub enum OnFull {
    /// Block the attempt; slots already seized are released.
    Reject,
    /// Wait FIFO for a slot, at most `timeout_s` (or the caller's patience,
    /// whichever ends first); blocked at once if `max_waiting` already wait.
    Queue { timeout_s: Option<f64>, max_waiting: Option<u32> },
}

/// The service objective a sweep judges each tier against.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// Threshold for `service_level` (s); default 20 s.
    pub answer_within_s: f64,
    pub max_blocking: Option<f64>,
    pub max_abandonment: Option<f64>,
    pub max_p95_wait_s: Option<f64>,
    /// Every campaign finishes all its leads in every replication, on
    /// average within this of its start (s).
    pub max_completion_s: Option<f64>,
}

impl Model {
    /// Whether the model has campaigns and no inbound source: its outputs
    /// are judged by the campaigns (completion, reach), not by offered load.
    pub fn campaigns_only(&self) -> bool {
        self.sources.is_empty() && !self.campaigns.is_empty()
    }

    /// Total offered load of first attempts over all sources, in Erlangs.
    pub fn offered_load_erl(&self) -> f64 {
        // `+ 0.0`: an empty f64 sum is −0.0, which would print as "-0.0".
        self.sources.iter().map(Source::offered_load_erl).sum::<f64>() + 0.0
    }
}

/// A model file as parsed TOML, open to overrides before it is built.
#[derive(Debug, Clone)]
pub struct ModelDoc {
    /// Where it was read from; relative paths inside resolve against its folder.
    pub path: PathBuf,
    pub table: toml::Table,
    /// The overrides applied so far, named in error messages.
    applied: Vec<String>,
}

impl ModelDoc {
    /// Reads and parses `path`.
    ///
    /// Errors when the file cannot be read, is not TOML, or has an unknown or
    /// missing key or a value of the wrong type (with line and column).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(path, "", format!("cannot read the model file: {e}")))?;
        Self::parse(&text, path)
    }

    /// Parses model TOML held in memory; `path` names it in errors and
    /// anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        // Deserialize from the text first: its errors carry line and column.
        toml::from_str::<ModelFile>(text).map_err(|e| Error::input(path, "", e))?;
        let table = text.parse::<toml::Table>().map_err(|e| Error::input(path, "", e))?;
        Ok(ModelDoc { path: path.to_path_buf(), table, applied: Vec::new() })
    }

    /// Overrides the key at a dotted `key_path` (see [`overrides::set_path`]).
    pub fn set(&mut self, key_path: &str, value: toml::Value) -> Result<()> {
        let shown = format!("{key_path}={value}");
        overrides::set_path(&mut self.table, key_path, value)
            .map_err(|e| Error::input(&self.path, "", format!("cannot set {shown}: {e}")))?;
        self.applied.push(shown);
        Ok(())
    }

    /// Checks every value and builds the model.
    ///
    /// Errors name the file, the key and what is allowed: non-positive rates,
    /// capacity 0, an unknown distribution, durations without units, etc.
    pub fn build(&self) -> Result<Model> {
        let parsed: ModelFile = self.table.clone().try_into().map_err(|e: toml::de::Error| {
            let after = if self.applied.is_empty() {
                String::new()
            } else {
                format!(" (after setting {})", self.applied.join(", "))
            };
            Error::input(&self.path, "", format!("{}{after}", e.message()))
        })?;
        Builder { path: &self.path }.model(parsed)
    }
}

struct Builder<'a> {
    path: &'a Path,
}

impl Builder<'_> {
    fn err(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(self.path, key, msg)
    }

    fn duration(&self, key: &str, text: &str) -> Result<f64> {
        parse_duration_s(text).map_err(|e| self.err(key, e))
    }

    fn positive_duration(&self, key: &str, text: &str) -> Result<f64> {
        let v = self.duration(key, text)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(key, format!("{text:?} must be greater than zero")))
        }
    }

    fn model(&self, f: ModelFile) -> Result<Model> {
        let run = self.run(&f.run)?;
        if f.sources.is_empty() && f.campaigns.is_empty() {
            return Err(self.err("sources", "a model needs at least one [[sources]] or [[campaigns]] entry"));
        }
        if f.limits.is_empty() {
            return Err(self.err("limits", "a model needs at least one [[limits]] entry"));
        }
        let sources = f.sources.iter().map(|s| self.source(s)).collect::<Result<Vec<_>>>()?;
        // Limits name sources and campaigns alike in `sources`.
        let names: Vec<&str> =
            sources.iter().map(|s| s.name.as_str()).chain(f.campaigns.iter().map(|c| c.name.as_str())).collect();
        unique_names(names.iter().copied(), "sources and campaigns").map_err(|e| self.err("sources", e))?;
        let limits = f.limits.iter().map(|l| self.limit(l, &sources, &names)).collect::<Result<Vec<_>>>()?;
        unique_names(limits.iter().map(|l| l.name.as_str()), "limits").map_err(|e| self.err("limits", e))?;
        if names.len() > u16::MAX as usize || limits.len() > u16::MAX as usize {
            return Err(self.err("", "at most 65535 sources and campaigns and 65535 limits"));
        }
        let campaigns = f.campaigns.iter().map(|c| self.campaign(c, &limits, &run)).collect::<Result<Vec<_>>>()?;
        Ok(Model { name: f.name, description: f.description, run, sources, campaigns, limits, sla: self.sla(&f.sla)? })
    }

    fn run(&self, r: &RunFile) -> Result<RunSpec> {
        let horizon_s = self.positive_duration("run.horizon", &r.horizon)?;
        let warmup_s = match &r.warmup {
            Some(w) => self.duration("run.warmup", w)?,
            None => 0.0,
        };
        let replications = r.replications.unwrap_or(10);
        if !(1..=1_000_000).contains(&replications) {
            return Err(self.err(
                "run.replications",
                format!("{replications} is not allowed: use 1 to 1000000 (2 or more for confidence intervals)"),
            ));
        }
        let timeseries_bucket_s =
            r.timeseries.as_ref().map(|t| self.positive_duration("run.timeseries", t)).transpose()?;
        if timeseries_bucket_s.is_some_and(|b| horizon_s / b > 1e6) {
            return Err(self.err("run.timeseries", "more than 1,000,000 buckets: use a wider bucket"));
        }
        let week_of = match &r.week_of {
            None => None,
            Some(d) => {
                use chrono::Datelike;
                let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| self.err("run.week_of", format!("{d:?} is not a date such as \"2026-11-23\"")))?;
                if date.weekday() != chrono::Weekday::Mon {
                    return Err(self.err(
                        "run.week_of",
                        format!("{d} is a {:?}: give the Monday that simulated time 0 falls on", date.weekday()),
                    ));
                }
                Some(date)
            }
        };
        Ok(RunSpec {
            horizon_s,
            warmup_s,
            replications: replications as u32,
            seed: r.seed.unwrap_or(1),
            timeseries_bucket_s,
            week_of,
        })
    }

    fn source(&self, s: &SourceFile) -> Result<Source> {
        let key = format!("sources.{}", s.name);
        let trace = match &s.arrivals.trace {
            Some(f) => Some(self.trace_csv(&format!("{key}.arrivals.trace"), f, &s.name)?),
            None => None,
        };
        let holding = match (&s.holding, &trace) {
            (Some(h), _) => self.dist(&format!("{key}.holding"), h)?,
            (None, Some(calls)) => Dist::Empirical { values_s: calls.iter().map(|c| c.1).collect() },
            (None, None) => {
                return Err(self.err(
                    &format!("{key}.holding"),
                    "a source needs `holding` (a distribution) unless it replays a `trace`",
                ))
            }
        };
        if holding.mean_s() <= 0.0 {
            return Err(self.err(&format!("{key}.holding"), "the mean holding time must be greater than zero"));
        }
        let (arrival_rate_per_s, arrivals, overdispersion_cv) = self.arrivals(&key, &s.arrivals, &holding, trace)?;
        let patience = s.patience.as_ref().map(|p| self.dist(&format!("{key}.patience"), p)).transpose()?;
        let redial = match &s.redial {
            None => None,
            Some(r) => {
                if !(1..=1000).contains(&r.max_attempts) {
                    return Err(self.err(
                        &format!("{key}.redial.max_attempts"),
                        "must be 1 to 1000 (attempts in all, the first included)",
                    ));
                }
                let delay = self.dist(&format!("{key}.redial.delay"), &r.delay)?;
                let probability = match &r.probability {
                    None => vec![],
                    Some(ProbabilityFile::One(p)) => vec![*p],
                    Some(ProbabilityFile::PerAttempt(ps)) => ps.clone(),
                };
                if let Some(p) = probability.iter().find(|p| !(0.0..=1.0).contains(*p)) {
                    return Err(self.err(
                        &format!("{key}.redial.probability"),
                        format!("{p} is not a probability between 0 and 1"),
                    ));
                }
                Some(Redial { max_attempts: r.max_attempts as u32, delay, probability })
            }
        };
        let turns = match &s.turns {
            None => None,
            Some(t) => {
                if t.requests.is_empty() {
                    return Err(self.err(&format!("{key}.turns.requests"), "a turn needs at least one request"));
                }
                let requests = t
                    .requests
                    .iter()
                    .map(|r| {
                        Ok(Request {
                            name: r.name.clone(),
                            service: self.dist(&format!("{key}.turns.requests.{}.service", r.name), &r.service)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                unique_names(requests.iter().map(|r| r.name.as_str()), "requests")
                    .map_err(|e| self.err(&format!("{key}.turns.requests"), e))?;
                Some(Turns { interval: self.dist(&format!("{key}.turns.interval"), &t.interval)?, requests })
            }
        };
        let latency_budget_s = match &s.latency_budget {
            Some(t) => self.positive_duration(&format!("{key}.latency_budget"), t)?,
            None => 0.8,
        };
        let retry = match &s.retry {
            None => Retry { max_attempts: 1, backoff: Backoff::Constant, base_s: 0.0, jitter: 0.0 },
            Some(r) => {
                if !(1..=1000).contains(&r.max_attempts) {
                    return Err(self.err(
                        &format!("{key}.retry.max_attempts"),
                        "must be 1 to 1000 (attempts in all, the first included)",
                    ));
                }
                let jitter = r.jitter.unwrap_or(0.0);
                if !(0.0..=1.0).contains(&jitter) {
                    return Err(self.err(&format!("{key}.retry.jitter"), format!("{jitter} must be between 0 and 1")));
                }
                let backoff = match r.backoff {
                    BackoffFile::Constant => Backoff::Constant,
                    BackoffFile::Linear => Backoff::Linear,
                    BackoffFile::Exponential => Backoff::Exponential,
                };
                Retry {
                    max_attempts: r.max_attempts as u32,
                    backoff,
                    base_s: self.duration(&format!("{key}.retry.base"), &r.base)?,
                    jitter,
                }
            }
        };
        Ok(Source {
            name: s.name.clone(),
            arrival_rate_per_s,
            arrivals,
            overdispersion_cv,
            holding,
            patience,
            redial,
            turns,
            latency_budget_s,
            retry,
        })
    }

    fn dist(&self, key: &str, d: &DistFile) -> Result<Dist> {
        let cv_ok = |cv: f64| {
            if cv.is_finite() && cv > 0.0 {
                Ok(cv)
            } else {
                Err(self.err(&format!("{key}.cv"), format!("{cv} must be greater than zero")))
            }
        };
        let dist = match d {
            DistFile::Exponential { mean } => {
                Dist::Exponential { mean_s: self.positive_duration(&format!("{key}.mean"), mean)? }
            }
            DistFile::Deterministic { value } => {
                Dist::Deterministic { value_s: self.duration(&format!("{key}.value"), value)? }
            }
            DistFile::Lognormal { mean, cv } => {
                Dist::LogNormal { mean_s: self.positive_duration(&format!("{key}.mean"), mean)?, cv: cv_ok(*cv)? }
            }
            DistFile::Gamma { mean, cv } => {
                Dist::Gamma { mean_s: self.positive_duration(&format!("{key}.mean"), mean)?, cv: cv_ok(*cv)? }
            }
            DistFile::Weibull { mean, cv, shape } => {
                let mean_s = self.positive_duration(&format!("{key}.mean"), mean)?;
                let shape = match (cv, shape) {
                    (Some(cv), None) => {
                        dist::weibull_shape_for_cv(cv_ok(*cv)?).map_err(|e| self.err(&format!("{key}.cv"), e))?
                    }
                    (None, Some(k)) if k.is_finite() && *k > 0.0 => *k,
                    (None, Some(k)) => {
                        return Err(self.err(&format!("{key}.shape"), format!("{k} must be greater than zero")))
                    }
                    _ => return Err(self.err(key, "weibull needs exactly one of `cv` or `shape`")),
                };
                Dist::Weibull { mean_s, shape }
            }
            DistFile::Uniform { min, max } => {
                let (min_s, max_s) =
                    (self.duration(&format!("{key}.min"), min)?, self.duration(&format!("{key}.max"), max)?);
                if min_s > max_s {
                    return Err(self.err(key, format!("min {min:?} is greater than max {max:?}")));
                }
                Dist::Uniform { min_s, max_s }
            }
            DistFile::Empirical { values, file } => {
                let values_s: Vec<f64> = match (values, file) {
                    (Some(vs), None) => {
                        vs.iter().map(|v| self.duration(&format!("{key}.values"), v)).collect::<Result<_>>()?
                    }
                    (None, Some(f)) => self.durations_csv(&format!("{key}.file"), f)?,
                    _ => {
                        return Err(self.err(
                            key,
                            "empirical needs exactly one of `values` (a list of durations) or `file` (a CSV)",
                        ))
                    }
                };
                if values_s.is_empty() {
                    return Err(self.err(key, "empirical needs at least one value"));
                }
                Dist::Empirical { values_s: Arc::from(values_s) }
            }
        };
        dist.sampler().map_err(|e| self.err(key, e))?;
        Ok(dist)
    }

    /// Durations from a CSV: a column `duration_s` (seconds) or `duration`
    /// (durations with units), or a file of one column.
    fn durations_csv(&self, key: &str, file: &str) -> Result<Vec<f64>> {
        let path = self.path.parent().unwrap_or(Path::new(".")).join(file);
        let mut rdr =
            csv::Reader::from_path(&path).map_err(|e| self.err(key, format!("cannot read {}: {e}", path.display())))?;
        let headers = rdr.headers().map_err(|e| self.err(key, format!("{}: {e}", path.display())))?.clone();
        let col = headers
            .iter()
            .position(|h| h == "duration_s" || h == "duration")
            .or(if headers.len() == 1 { Some(0) } else { None })
            .ok_or_else(|| {
                self.err(
                    key,
                    format!("{}: needs a column `duration_s` (seconds) or `duration` (with units)", path.display()),
                )
            })?;
        let seconds = headers.get(col) == Some("duration_s");
        let mut out = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| self.err(key, format!("{} line {line}: {e}", path.display())))?;
            let cell = rec.get(col).unwrap_or("").trim();
            let v = if seconds {
                cell.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
                    self.err(key, format!("{} line {line}: {cell:?} is not a number of seconds ≥ 0", path.display()))
                })?
            } else {
                parse_duration_s(cell).map_err(|e| self.err(key, format!("{} line {line}: {e}", path.display())))?
            };
            out.push(v);
        }
        Ok(out)
    }

    /// Limit `l`; `names` are the sources' then the campaigns' names.
    fn limit(&self, l: &LimitFile, sources: &[Source], names: &[&str]) -> Result<Limit> {
        let key = format!("limits.{}", l.name);
        let k = |sub: &str| format!("{key}.{sub}");
        let whole = |sub: &str, v: i64, min: i64| -> Result<u32> {
            if (min..=u32::MAX as i64 / 2).contains(&v) {
                Ok(v as u32)
            } else {
                Err(self.err(&k(sub), format!("{v} is not allowed: a whole number of at least {min}")))
            }
        };
        let kind_name = match l.kind {
            KindFile::Concurrency => "concurrency",
            KindFile::Rate => "rate",
            KindFile::Tokens => "tokens",
        };
        // Keys of one kind are errors on another: a typo should not pass silently.
        let foreign: [(&str, bool, KindFile); 8] = [
            ("capacity", l.capacity.is_some(), KindFile::Concurrency),
            ("max", l.max.is_some(), KindFile::Rate),
            ("window", l.window.is_some(), KindFile::Rate),
            ("algorithm", l.algorithm.is_some(), KindFile::Rate),
            ("burst", l.burst.is_some(), KindFile::Rate),
            ("tokens_per_minute", l.tokens_per_minute.is_some(), KindFile::Tokens),
            ("tokens_per_call_minute", l.tokens_per_call_minute.is_some(), KindFile::Tokens),
            ("growth_per_minute", l.growth_per_minute.is_some(), KindFile::Tokens),
        ];
        if let Some((name, _, owner)) = foreign.iter().find(|(_, given, owner)| *given && *owner != l.kind) {
            let owner = format!("{owner:?}").to_lowercase();
            return Err(
                self.err(&k(name), format!("`{name}` belongs to kind = \"{owner}\", not kind = \"{kind_name}\""))
            );
        }
        let need = |name: &str| self.err(&k(name), format!("kind = \"{kind_name}\" needs `{name}`"));
        let kind = match l.kind {
            KindFile::Concurrency => {
                LimitKind::Concurrency { capacity: whole("capacity", l.capacity.ok_or_else(|| need("capacity"))?, 1)? }
            }
            KindFile::Rate => {
                let max = whole("max", l.max.ok_or_else(|| need("max"))?, 1)?;
                let window_s =
                    self.positive_duration(&k("window"), l.window.as_deref().ok_or_else(|| need("window"))?)?;
                let algorithm = match l.algorithm.unwrap_or(AlgorithmFile::FixedWindow) {
                    AlgorithmFile::FixedWindow => RateAlgorithm::FixedWindow,
                    AlgorithmFile::SlidingWindow => RateAlgorithm::SlidingWindow,
                    AlgorithmFile::TokenBucket => RateAlgorithm::TokenBucket,
                };
                if l.burst.is_some() && algorithm != RateAlgorithm::TokenBucket {
                    return Err(self.err(&k("burst"), "`burst` is the bucket size of algorithm = \"token_bucket\""));
                }
                let burst = whole("burst", l.burst.unwrap_or(max as i64), 1)?;
                LimitKind::Rate { max, window_s, algorithm, burst }
            }
            KindFile::Tokens => {
                let positive = |name: &str, v: Option<f64>| match v {
                    Some(x) if x.is_finite() && x > 0.0 => Ok(x),
                    Some(x) => Err(self.err(&k(name), format!("{x} must be greater than zero"))),
                    None => Err(need(name)),
                };
                let growth = l.growth_per_minute.unwrap_or(0.0);
                if !(growth.is_finite() && growth >= 0.0) {
                    return Err(self.err(&k("growth_per_minute"), format!("{growth} must be ≥ 0")));
                }
                LimitKind::Tokens {
                    tokens_per_minute: positive("tokens_per_minute", l.tokens_per_minute)?,
                    tokens_per_call_minute: positive("tokens_per_call_minute", l.tokens_per_call_minute)?,
                    growth_per_minute: growth,
                }
            }
        };
        let on_full = match &l.on_full {
            OnFullFile::Reject => OnFull::Reject,
            OnFullFile::Queue(q) => {
                let timeout_s =
                    q.timeout.as_ref().map(|t| self.duration(&k("on_full.queue.timeout"), t)).transpose()?;
                let max_waiting = match q.max_waiting {
                    None => None,
                    Some(m) if (0..=u32::MAX as i64).contains(&m) => Some(m as u32),
                    Some(m) => {
                        return Err(self.err(&k("on_full.queue.max_waiting"), format!("{m} must be a whole number ≥ 0")))
                    }
                };
                OnFull::Queue { timeout_s, max_waiting }
            }
        };
        let pool = whole("pool", l.pool.unwrap_or(1), 1)?;
        let select = match l.select.unwrap_or(SelectFile::RoundRobin) {
            SelectFile::RoundRobin => Select::RoundRobin,
            SelectFile::LeastLoaded => Select::LeastLoaded,
            SelectFile::Random => Select::Random,
            SelectFile::Sticky => Select::Sticky,
        };
        let limit_sources = match &l.sources {
            None => None,
            Some(listed) => Some(
                listed
                    .iter()
                    .map(|n| {
                        names.iter().position(|s| s == n).ok_or_else(|| {
                            self.err(
                                &k("sources"),
                                format!("no source or campaign is named {n:?} (names: {})", names.join(", ")),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let scope = match l.scope {
            ScopeFile::Call => Scope::Call,
            ScopeFile::Setup => {
                let d = l.setup_time.as_ref().ok_or_else(|| {
                    self.err(&k("setup_time"), "scope = \"setup\" needs `setup_time` (a distribution)")
                })?;
                Scope::Setup { setup_time: self.dist(&k("setup_time"), d)? }
            }
            ScopeFile::Request => {
                let requests = l.requests.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
                    self.err(
                        &k("requests"),
                        "scope = \"request\" needs `requests`, the names of the requests it limits",
                    )
                })?;
                let applies = |i: usize| limit_sources.as_ref().is_none_or(|v| v.contains(&i));
                for r in &requests {
                    let made = sources.iter().enumerate().any(|(i, s)| {
                        applies(i) && s.turns.as_ref().is_some_and(|t| t.requests.iter().any(|q| &q.name == r))
                    });
                    if !made {
                        return Err(self.err(
                            &k("requests"),
                            format!("no source it applies to makes a request named {r:?} (in `turns.requests`)"),
                        ));
                    }
                }
                Scope::Request { requests }
            }
        };
        if l.setup_time.is_some() && l.scope != ScopeFile::Setup {
            return Err(self.err(&k("setup_time"), "`setup_time` is for scope = \"setup\""));
        }
        if l.requests.is_some() && l.scope != ScopeFile::Request {
            return Err(self.err(&k("requests"), "`requests` is for scope = \"request\""));
        }
        let when_refused = match l.when_refused {
            WhenRefusedFile::Busy => {
                if l.silence_patience.is_some() {
                    return Err(
                        self.err(&k("silence_patience"), "`silence_patience` is for when_refused = \"silence\"")
                    );
                }
                WhenRefused::Busy
            }
            WhenRefusedFile::Silence => {
                let d = l.silence_patience.as_ref().ok_or_else(|| {
                    self.err(
                        &k("silence_patience"),
                        "when_refused = \"silence\" needs `silence_patience` (a distribution)",
                    )
                })?;
                WhenRefused::Silence { silence_patience: self.dist(&k("silence_patience"), d)? }
            }
        };
        Ok(Limit { name: l.name.clone(), kind, on_full, pool, select, sources: limit_sources, scope, when_refused })
    }

    fn sla(&self, s: &SlaFile) -> Result<Sla> {
        let prob = |key: &str, v: Option<f64>| match v {
            Some(p) if !(0.0..=1.0).contains(&p) => {
                Err(self.err(key, format!("{p} must be a probability between 0 and 1")))
            }
            _ => Ok(v),
        };
        Ok(Sla {
            answer_within_s: match &s.answer_within {
                Some(t) => self.duration("sla.answer_within", t)?,
                None => 20.0,
            },
            max_blocking: prob("sla.max_blocking", s.max_blocking)?,
            max_abandonment: prob("sla.max_abandonment", s.max_abandonment)?,
            max_p95_wait_s: s.max_p95_wait.as_ref().map(|t| self.duration("sla.max_p95_wait", t)).transpose()?,
            max_completion_s: s
                .max_completion
                .as_ref()
                .map(|t| self.positive_duration("sla.max_completion", t))
                .transpose()?,
        })
    }
}

fn unique_names<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() || n.contains('.') {
            return Err(format!("{what} name {n:?} must be non-empty and contain no '.' (paths use it)"));
        }
        if !seen.insert(n) {
            return Err(format!("two {what} are named {n:?}; names must be unique"));
        }
    }
    Ok(())
}
