//! What makes a limit change or fail while a run goes on: a weekly capacity
//! schedule, failures with retries, a fallback and health checks, and
//! incidents (a window or random outages that cut capacity, raise the
//! failure probability or slow the service).

use super::Dist;

/// What happens to the calls a limit holds when its capacity drops below
/// the number in use.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum OnDrop {
    /// The running calls finish; nothing new is admitted until the use is
    /// below the new capacity (default).
    #[default]
    Drain,
    /// The newest holders are cut at once: an answered call ends
    /// `failed_after_connect`, a call not answered yet is refused there, a
    /// request is refused there (and retried per the source's `retry`).
    Preempt,
}

/// A limit that fails part of what it admits (a provider answering 5xx, a
/// trunk answering SIP 503), what the client does about it, and how it
/// tracks the provider's health (LiveKit's `FallbackAdapter`: attempt
/// timeout, retries, retry interval, unavailable providers probed and
/// restored).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Chance that an admission fails (0–1), when no incident raises it.
    pub probability: f64,
    /// How long the caller (or the request) holds the limit before it knows
    /// the attempt failed: the client's timeout (s).
    pub detection_s: f64,
    /// Attempts on the same limit after the first failed one, before the
    /// fallback (or, with none, before giving up).
    pub retries: u32,
    /// Wait between a failure and the retry (s).
    pub retry_interval_s: f64,
    /// The standby limit tried once the retries are spent, if any.
    pub fallback: Option<usize>,
    /// Health checks: after this many consecutive failures the limit is
    /// unhealthy and new work goes straight to the fallback; `None` = never.
    pub unhealthy_after: Option<u32>,
    /// How often an unhealthy limit is probed; a probe succeeds with the
    /// limit's current success probability and restores it (s).
    pub probe_interval_s: f64,
    /// Whether a call that moved to the fallback stays there.
    pub stickiness: Stickiness,
}

/// Whether a call that moved to a limit's fallback stays there.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Stickiness {
    /// The next request tries the primary again (LiveKit; default).
    #[default]
    Request,
    /// The call stays on the fallback until it ends (Retell, Bolna).
    Call,
}

/// An incident: a limit's capacity cut, failures raised or service slowed,
/// over windows of time.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Its name (paths and outputs use it).
    pub name: String,
    /// The limit it strikes (index into the model's limits).
    pub limit: usize,
    /// When.
    pub when: IncidentWhen,
    /// The limit's capacity (slots, rate `max` or tokens per minute) is
    /// multiplied by this meanwhile (0 = outage; whole-number caps round down).
    pub capacity_factor: f64,
    /// The limit's failure probability meanwhile, if raised.
    pub failure_probability: Option<f64>,
    /// Service times of requests that hold the limit are multiplied by this.
    pub service_factor: f64,
}

/// When an incident strikes.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentWhen {
    /// From `start_s` for `duration_s`, again every `every_s` if given.
    Window {
        /// Simulated time of the first start (s from Monday 00:00).
        start_s: f64,
        /// Length of each window (s).
        duration_s: f64,
        /// Period of repetition (s; ≥ the duration).
        every_s: Option<f64>,
    },
    /// Outages at random: up for a time drawn from `between`, down for one
    /// drawn from `repair`, and so on (an alternating renewal process).
    Random {
        /// Time between failures (up time).
        between: Dist,
        /// Time to repair (down time).
        repair: Dist,
    },
}

impl Incident {
    /// Whether it changes nothing: its limit's capacity and service as they
    /// are, no failure probability (a sweep's baseline).
    pub fn is_neutral(&self) -> bool {
        self.capacity_factor == 1.0 && self.service_factor == 1.0 && self.failure_probability.is_none()
    }
}

impl IncidentWhen {
    /// The windows `[start, end)` of a scheduled incident that overlap
    /// `[0, end_t)` (none for random outages, which differ per replication).
    pub fn windows(&self, end_t: f64) -> Vec<(f64, f64)> {
        let IncidentWhen::Window { start_s, duration_s, every_s } = *self else { return Vec::new() };
        let mut out = Vec::new();
        let mut t = start_s;
        while t < end_t && out.len() < 10_000 {
            out.push((t, (t + duration_s).min(end_t)));
            match every_s {
                Some(p) => t += p,
                None => break,
            }
        }
        out
    }
}
