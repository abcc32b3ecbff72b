//! The model file as written (`models/*.toml`): private serde types that
//! mirror the TOML one to one. Unknown keys are rejected
//! (`deny_unknown_fields`), so a typo is reported with the allowed names.
//! Values stay as written here; `build` checks and converts them.

use serde::Deserialize;

/// The top level of a model file; each part is checked on its own, so one
/// bad entry does not hide the problems of the others.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[schemars(with = "RunFile")]
    pub run: toml::Value,
    /// Inbound traffic; may be empty when the model has `campaigns`.
    #[serde(default)]
    #[schemars(with = "Vec<SourceFile>")]
    pub sources: Vec<toml::Value>,
    /// Outbound dialing campaigns.
    #[serde(default)]
    #[schemars(with = "Vec<CampaignFile>")]
    pub campaigns: Vec<toml::Value>,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::sla")]
    pub sla: Option<toml::Value>,
    #[schemars(with = "Vec<LimitFile>")]
    pub limits: Vec<toml::Value>,
    /// Outages, throttling, failures and slowness striking limits.
    #[serde(default)]
    #[schemars(with = "Vec<IncidentFile>")]
    pub incidents: Vec<toml::Value>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub horizon: String,
    #[serde(default)]
    pub warmup: Option<String>,
    /// Bucket of the time series (e.g. "5m"); absent = no time series.
    #[serde(default)]
    pub timeseries: Option<String>,
    #[serde(default)]
    pub replications: Option<ReplicationsFile>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// The UTC date of simulated Monday 00:00 ("2026-11-23"), for time-zone names.
    #[serde(default)]
    pub week_of: Option<String>,
}

/// `replications = 10`, or `{ min = 10, max = 400 }` for the sequential rule.
#[derive(Debug)]
pub enum ReplicationsFile {
    Fixed(i64),
    Range { min: i64, max: i64 },
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    min: i64,
    max: i64,
}

impl schemars::JsonSchema for ReplicationsFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Replications".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let range = g.subschema_for::<RangeFile>();
        schemars::json_schema!({
            "description": "A number of replications such as 10, or { min = 10, max = 400 } for the sequential rule",
            "oneOf": [{ "type": "integer", "minimum": 1 }, range]
        })
    }
}

impl<'de> Deserialize<'de> for ReplicationsFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_untagged::UntaggedEnumVisitor::new()
            .expecting("a number of replications such as 10, or { min = 10, max = 400 } for the sequential rule")
            .i64(|n| Ok(ReplicationsFile::Fixed(n)))
            .map(|m| m.deserialize::<RangeFile>().map(|r| ReplicationsFile::Range { min: r.min, max: r.max }))
            .deserialize(d)
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub name: String,
    pub arrivals: ArrivalsFile,
    /// Required unless the arrivals replay a trace (which has its own durations).
    #[serde(default)]
    pub holding: Option<DistFile>,
    #[serde(default)]
    pub patience: Option<DistFile>,
    #[serde(default)]
    pub redial: Option<RedialFile>,
    #[serde(default)]
    pub turns: Option<TurnsFile>,
    #[serde(default)]
    pub latency_budget: Option<String>,
    #[serde(default)]
    pub retry: Option<RetryFile>,
}

/// Conversation turns of an answered call: every `interval` the agent
/// answers through a chain of requests.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnsFile {
    pub interval: DistFile,
    pub requests: Vec<RequestFile>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFile {
    pub name: String,
    pub service: DistFile,
}

/// Retries of a refused (429) request.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryFile {
    pub max_attempts: i64,
    #[serde(default)]
    pub backoff: BackoffFile,
    pub base: String,
    #[serde(default)]
    pub jitter: Option<f64>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackoffFile {
    #[default]
    Constant,
    Linear,
    Exponential,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsFile {
    #[serde(default)]
    pub rate: Option<String>,
    #[serde(default)]
    pub offered_load: Option<String>,
    /// A name for the profile (informational, e.g. "weekday").
    #[serde(default)]
    pub profile: Option<String>,
    /// 24 or 168 rates, one per hour of the day or of the week (Monday first).
    #[serde(default)]
    pub hourly: Option<Vec<String>>,
    /// Rates from given times on: `{ at = "mon 09:30", rate = "40/min" }`.
    #[serde(default)]
    pub points: Option<Vec<PointFile>>,
    /// A CSV of `at,rate` rows, like `points`.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub burst_factor: Option<f64>,
    /// Coefficient of variation of a day-level gamma multiplier of the rate
    /// (shorthand for `day_to_day = { dist = "gamma", cv = … }`).
    #[serde(default)]
    pub overdispersion: Option<f64>,
    /// A factor (mean 1) multiplying each simulated day's rate.
    #[serde(default)]
    pub day_to_day: Option<DayToDayFile>,
    /// Seven factors multiplying the rate on each day of the week, Monday first.
    #[serde(default)]
    pub day_of_week: Option<Vec<f64>>,
    /// A factor (mean 1) multiplying each half of each day's rate.
    #[serde(default)]
    pub within_day: Option<WithinDayFile>,
    /// A finite population of callers, each calling at `rate_per_idle` while idle.
    #[serde(default)]
    pub population: Option<i64>,
    #[serde(default)]
    pub rate_per_idle: Option<String>,
    /// A call log to replay: CSV with `start`, `duration`, optional `source`.
    #[serde(default)]
    pub trace: Option<String>,
}

/// `day_to_day = { dist = "lognormal", cv = 0.1 }` or `{ factors = [...] }`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DayToDayFile {
    /// `gamma` (default), `lognormal`, or `empirical` with `factors`.
    #[serde(default)]
    pub dist: Option<String>,
    /// Coefficient of variation of the factor.
    #[serde(default)]
    pub cv: Option<f64>,
    /// A log's own day factors, drawn with replacement (divided by their mean).
    #[serde(default)]
    pub factors: Option<Vec<f64>>,
}

/// `within_day = { cv = 0.05, split = "12:00" }`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WithinDayFile {
    /// Coefficient of variation of each half-day's gamma factor.
    pub cv: f64,
    /// Where the second half starts (default "12:00").
    #[serde(default)]
    pub split: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointFile {
    pub at: String,
    pub rate: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedialFile {
    pub max_attempts: i64,
    pub delay: DistFile,
    /// Probability of redialing after a failed attempt: one number, or one
    /// per failed attempt (the last repeats).
    #[serde(default)]
    pub probability: Option<ProbabilityFile>,
    /// Whether a caller whose call connected and then failed (silence, a
    /// turn refused for good) calls back; default true.
    #[serde(default)]
    pub after_failure: Option<bool>,
}

#[derive(Debug, Clone)]
pub enum ProbabilityFile {
    One(f64),
    PerAttempt(Vec<f64>),
}

impl schemars::JsonSchema for ProbabilityFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Probability".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A probability such as 0.8, or one per failed attempt such as [0.8, 0.5]",
            "oneOf": [
                { "type": "number", "minimum": 0, "maximum": 1 },
                { "type": "array", "items": { "type": "number", "minimum": 0, "maximum": 1 }, "minItems": 1 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for ProbabilityFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_untagged::UntaggedEnumVisitor::new()
            .expecting("a probability such as 0.8, or one per failed attempt such as [0.8, 0.5]")
            .f64(|p| Ok(ProbabilityFile::One(p)))
            .i64(|p| Ok(ProbabilityFile::One(p as f64)))
            .seq(|s| s.deserialize().map(ProbabilityFile::PerAttempt))
            .deserialize(d)
    }
}

/// An outbound campaign: a lead list dialed inside local calling hours.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    pub name: String,
    /// A number of leads, or a CSV with a `utc_offset` per lead.
    pub leads: LeadsFile,
    /// With a number of leads: their time zones and shares (default: all at UTC+0).
    #[serde(default)]
    pub time_zones: Option<Vec<TimeZoneFile>>,
    /// When dialing starts ("mon 08:00" or "08:00"; default the run's start).
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub window: Option<WindowFile>,
    pub max_concurrent: i64,
    pub outcomes: OutcomesFile,
    #[serde(default)]
    pub retry: Option<CampaignRetryFile>,
    /// Limits an answered call must pass to reach the agent (taken after the answer).
    #[serde(default)]
    pub agent_limits: Vec<String>,
    #[serde(default)]
    pub abandon_after: Option<String>,
    #[serde(default)]
    pub max_abandonment: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum LeadsFile {
    Count(i64),
    File(String),
}

impl schemars::JsonSchema for LeadsFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Leads".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number of leads such as 5000, or a CSV file such as \"leads.csv\"",
            "oneOf": [{ "type": "integer", "minimum": 1 }, { "type": "string" }]
        })
    }
}

impl<'de> Deserialize<'de> for LeadsFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_untagged::UntaggedEnumVisitor::new()
            .expecting("a number of leads such as 5000, or a CSV file such as \"leads.csv\"")
            .i64(|n| Ok(LeadsFile::Count(n)))
            .string(|s| Ok(LeadsFile::File(s.to_string())))
            .deserialize(d)
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneFile {
    #[serde(default)]
    pub utc_offset: Option<String>,
    /// An IANA name such as "America/Chicago" (needs `run.week_of`).
    #[serde(default)]
    pub time_zone: Option<String>,
    pub share: f64,
}

/// Calling hours in the lead's local time.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowFile {
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub days: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomesFile {
    #[serde(default)]
    pub answer: Option<OutcomeFile>,
    #[serde(default)]
    pub busy: Option<OutcomeFile>,
    #[serde(default)]
    pub no_answer: Option<OutcomeFile>,
    #[serde(default)]
    pub voicemail: Option<OutcomeFile>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeFile {
    pub probability: f64,
    /// How long the dial holds its line with this outcome (for `answer`: the conversation).
    pub holding: DistFile,
    /// `answer` only: time from placing the dial to the pick-up.
    #[serde(default)]
    pub ring_time: Option<DistFile>,
}

/// When a lead is dialed again, by the outcome of its last attempt.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRetryFile {
    #[serde(default)]
    pub busy: Option<String>,
    #[serde(default)]
    pub no_answer: Option<String>,
    #[serde(default)]
    pub voicemail: Option<String>,
    #[serde(default)]
    pub abandoned: Option<String>,
    #[serde(default)]
    pub max_attempts: Option<i64>,
    #[serde(default)]
    pub max_per_day: Option<i64>,
}

/// A distribution of durations, tagged by `dist`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistFile {
    Exponential {
        mean: String,
    },
    Deterministic {
        value: String,
    },
    Lognormal {
        mean: String,
        cv: f64,
    },
    Gamma {
        mean: String,
        cv: f64,
    },
    Weibull {
        mean: String,
        #[serde(default)]
        cv: Option<f64>,
        #[serde(default)]
        shape: Option<f64>,
    },
    Uniform {
        min: String,
        max: String,
    },
    Empirical {
        #[serde(default)]
        values: Option<Vec<String>>,
        #[serde(default)]
        file: Option<String>,
    },
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitFile {
    pub name: String,
    #[serde(default)]
    pub kind: crate::model::Kind,
    /// kind = "concurrency": slots.
    #[serde(default)]
    pub capacity: Option<i64>,
    /// kind = "rate": admissions per `window`.
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub algorithm: Option<AlgorithmFile>,
    #[serde(default)]
    pub burst: Option<i64>,
    /// kind = "tokens".
    #[serde(default)]
    pub tokens_per_minute: Option<f64>,
    #[serde(default)]
    pub tokens_per_call_minute: Option<f64>,
    #[serde(default)]
    pub growth_per_minute: Option<f64>,
    /// `"reject"` (default), `"queue"`, `{ queue = { timeout, max_waiting } }`
    /// or `{ overflow = "NAME" }`: read by `build` (so a plain `"queue"`
    /// works and a typo is named).
    #[serde(default)]
    #[schemars(schema_with = "super::schema::on_full")]
    pub on_full: Option<toml::Value>,
    #[serde(default)]
    pub pool: Option<i64>,
    #[serde(default)]
    pub select: Option<SelectFile>,
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    #[serde(default)]
    pub scope: ScopeFile,
    #[serde(default)]
    pub setup_time: Option<DistFile>,
    #[serde(default)]
    pub requests: Option<Vec<String>>,
    #[serde(default)]
    pub when_refused: WhenRefusedFile,
    #[serde(default)]
    pub silence_patience: Option<DistFile>,
    /// Reachable only by overflow (another limit's `on_full`) or fallback
    /// (another limit's `fallback`).
    #[serde(default)]
    pub standby: bool,
    /// The capacity by hour of the week, overriding `capacity`, `max` or
    /// `tokens_per_minute` in the hours listed.
    #[serde(default)]
    pub schedule: Option<Vec<ScheduleEntryFile>>,
    /// `"drain"` (default) or `"preempt"`: what a capacity drop below the
    /// number in use does.
    #[serde(default)]
    pub on_drop: Option<OnDropFile>,
    /// A share of admissions fails.
    #[serde(default)]
    pub failure: Option<FailureFile>,
    /// The standby limit a failed call or request moves to.
    #[serde(default)]
    pub fallback: Option<String>,
    /// Health checks of a failing limit.
    #[serde(default)]
    pub health: Option<HealthFile>,
    /// `"request"` (default) or `"call"`: whether a call stays on the fallback.
    #[serde(default)]
    pub stickiness: Option<StickinessFile>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntryFile {
    /// Hours of the week, such as "mon-fri 09:00-18:00".
    pub hours: String,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub tokens_per_minute: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDropFile {
    Drain,
    Preempt,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StickinessFile {
    Request,
    Call,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// Chance an admission fails (0–1, or "2%").
    #[schemars(schema_with = "super::schema::percentage")]
    pub probability: toml::Value,
    /// The client's timeout (default "10s").
    #[serde(default)]
    pub detection: Option<String>,
    /// Retries on the same limit (default 1).
    #[serde(default)]
    pub retries: Option<i64>,
    /// Wait before a retry (default "5s").
    #[serde(default)]
    pub retry_interval: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthFile {
    /// Consecutive failures that mark the limit unhealthy.
    pub unhealthy_after: i64,
    /// How often an unhealthy limit is probed (default "5s").
    #[serde(default)]
    pub probe_interval: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentFile {
    pub name: String,
    /// The limit it strikes.
    pub limit: String,
    /// First start: "mon 10:00", a UTC date and time ("2026-12-08 02:00",
    /// with `run.week_of`), or a duration from the start of the run ("36h").
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
    /// Repeat every ("1d", "7d").
    #[serde(default)]
    pub every: Option<String>,
    /// Random outages: up time between failures.
    #[serde(default)]
    pub between: Option<DistFile>,
    /// Random outages: time to repair.
    #[serde(default)]
    pub repair: Option<DistFile>,
    /// Capacity multiplied by this meanwhile (default 1; 0 = outage).
    #[serde(default)]
    pub capacity_factor: Option<f64>,
    /// The limit's failure probability meanwhile.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::percentage")]
    pub failure_probability: Option<toml::Value>,
    /// Request service times multiplied by this meanwhile (default 1).
    #[serde(default)]
    pub service_factor: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmFile {
    FixedWindow,
    SlidingWindow,
    TokenBucket,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelectFile {
    RoundRobin,
    StrictRoundRobin,
    LeastLoaded,
    Random,
    Sticky,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScopeFile {
    #[default]
    Call,
    Setup,
    Request,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WhenRefusedFile {
    #[default]
    Busy,
    Silence,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub max_waiting: Option<i64>,
}
