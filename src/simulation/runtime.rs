//! The state of one replication built from the model: each source's
//! arrival process, samplers and random streams, each limit's runtime form
//! and its records.

use super::copy::{CopyRt, KindRt};
use super::pool::PoolIndex;
use crate::arrivals::ArrivalProcess;
use crate::engine::{source_stream, Purpose, SimRng};
use crate::model::{
    Dist, Limit, LimitKind, Model, OnDrop, OnFull, Redial, Retry, Sampler, Scope, Select, Stickiness, WhenRefused,
};
use crate::record::LimitCounts;

/// A source (or a campaign's dials) at run time.
pub(super) struct SourceRt {
    pub(super) process: ArrivalProcess,
    /// Callers of this source alive (in a call, waiting, or about to redial):
    /// a finite population's busy members.
    pub(super) active: u32,
    pub(super) holding: Sampler,
    pub(super) patience: Option<Sampler>,
    /// The redial policy and a sampler of its delay.
    pub(super) redial: Option<(Redial, Sampler)>,
    /// Limits of the call chain that apply to this source, in order.
    pub(super) chain: Vec<u32>,
    pub(super) turn_interval: Option<Sampler>,
    /// Per request of a turn: its service time and the request-scoped limits it takes.
    pub(super) requests: Vec<(Sampler, Vec<u32>)>,
    pub(super) latency_budget_s: f64,
    pub(super) retry: Retry,
    pub(super) rng: Streams,
    /// The campaign whose dials these callers are, if any.
    pub(super) campaign: Option<u32>,
    /// A campaign's dial is placed once it holds `chain[..place_at]`; the
    /// rest of the chain are its agent limits. `u32::MAX` for sources.
    pub(super) place_at: u32,
}

/// A source's random streams, one per purpose ([`Purpose`]), each drawn
/// from one generator only.
pub(super) struct Streams {
    pub(super) arrivals: SimRng,
    pub(super) holding: SimRng,
    pub(super) patience: SimRng,
    pub(super) redial: SimRng,
    pub(super) turns: SimRng,
    pub(super) requests: SimRng,
    pub(super) retry: SimRng,
    pub(super) silence: SimRng,
    pub(super) days: SimRng,
    /// A campaign's dial outcomes.
    pub(super) outcomes: SimRng,
}

impl Streams {
    /// The streams of source (or campaign) `index` in replication `rep` of `point`.
    pub(super) fn new(seed: u64, point: u64, rep: u64, index: usize) -> Self {
        let id = |purpose| source_stream(seed, point, rep, index, purpose);
        Streams {
            arrivals: id(Purpose::Arrivals),
            holding: id(Purpose::Holding),
            patience: id(Purpose::Patience),
            redial: id(Purpose::Redial),
            turns: id(Purpose::Turns),
            requests: id(Purpose::Requests),
            retry: id(Purpose::Retry),
            silence: id(Purpose::Silence),
            days: id(Purpose::Days),
            outcomes: id(Purpose::Outcomes),
        }
    }
}

/// A limit at run time.
pub(super) struct LimitRt {
    pub(super) kind: KindRt,
    /// A single-copy, call-scoped concurrency limit: the plain case, which
    /// `advance` and `release` handle inline.
    pub(super) plain: bool,
    /// `Some((timeout_s, max_waiting))` for `on_full = queue`.
    pub(super) queue: Option<(f64, u32)>,
    pub(super) select: Select,
    pub(super) next_copy: u32,
    pub(super) setup: Option<Sampler>,
    pub(super) silence: Option<Sampler>,
    pub(super) copies: Vec<CopyRt>,
    /// The least-loaded copy, for `least_loaded` pools of two or more.
    pub(super) index: Option<PoolIndex>,
    /// It overflows or fails: passing it takes [`super::Sim::pass_routed`].
    pub(super) routed: bool,
    /// The standby limit a call that finds this one full tries, or NONE.
    pub(super) overflow: u32,
    /// Every standby limit its overflow and fallback routes reach.
    pub(super) route: Vec<u32>,
    /// What fails here, its fallback and health, if anything fails.
    pub(super) failure: Option<Box<FailureRt>>,
    /// `on_drop = "preempt"`: a capacity drop cuts the newest holders.
    pub(super) preempt: bool,
    /// Holders' seizure times are kept: to time holds (usage prices) or to
    /// find the newest (preemption).
    pub(super) timed: bool,
    /// Request service times through it are multiplied by this (incidents).
    pub(super) service_factor: f64,
    /// Its capacity per copy as the model gives it, and per hour of the
    /// week when it follows a schedule: what incidents' factors multiply.
    pub(super) base_capacity: f64,
    pub(super) schedule: Option<Vec<f64>>,
}

/// A failing limit at run time ([`crate::model::Failure`]) and its health.
pub(super) struct FailureRt {
    /// The failure probability now, and the model's (without incidents).
    pub(super) p: f64,
    pub(super) base_p: f64,
    pub(super) detection_s: f64,
    pub(super) retries: u32,
    pub(super) retry_interval_s: f64,
    /// The standby limit tried once the retries are spent, or NONE.
    pub(super) fallback: u32,
    /// Consecutive failures that make it unhealthy (`u32::MAX` = never).
    pub(super) unhealthy_after: u32,
    pub(super) probe_interval_s: f64,
    pub(super) sticky_call: bool,
    pub(super) unhealthy: bool,
    pub(super) consecutive: u32,
}

pub(super) fn sampler(d: &Dist) -> Sampler {
    d.sampler().expect("distributions are checked when the model is built")
}

/// Source `i` of `model` at run time, with streams from `(seed, point, replication)`.
pub(super) fn source_rt(model: &Model, i: usize, streams: (u64, u64, u64)) -> SourceRt {
    let (seed, point, rep) = streams;
    let s = &model.sources[i];
    let chain: Vec<u32> = (0..model.limits.len())
        .filter(|&l| {
            let lim = &model.limits[l];
            lim.applies_to(i) && !matches!(lim.scope, Scope::Request { .. })
        })
        .map(|l| l as u32)
        .collect();
    let requests: Vec<(Sampler, Vec<u32>)> = s
        .turns
        .iter()
        .flat_map(|t| &t.requests)
        .map(|r| {
            let limits = (0..model.limits.len())
                .filter(|&l| {
                    let lim = &model.limits[l];
                    lim.applies_to(i) && matches!(&lim.scope, Scope::Request { requests } if requests.contains(&r.name))
                })
                .map(|l| l as u32)
                .collect();
            (sampler(&r.service), limits)
        })
        .collect();
    SourceRt {
        process: ArrivalProcess::new(&s.arrivals, s.arrival_rate_per_s, &s.day_variation),
        active: 0,
        holding: sampler(&s.holding),
        patience: s.patience.as_ref().map(sampler),
        redial: s.redial.as_ref().map(|r| (r.clone(), sampler(&r.delay))),
        chain,
        turn_interval: s.turns.as_ref().map(|t| sampler(&t.interval)),
        requests,
        latency_budget_s: s.latency_budget_s,
        retry: s.retry.clone(),
        rng: Streams::new(seed, point, rep, i),
        campaign: None,
        place_at: u32::MAX,
    }
}

/// The largest `least_loaded` pool chosen by scanning every copy.
const SCAN_UP_TO: usize = 64;

/// Limit `i` of `model` at run time; `record_holds` keeps it off the plain
/// fast path (which does not time holds), as failures and preemption do.
pub(super) fn limit_rt(model: &Model, i: usize, record_holds: bool) -> LimitRt {
    let l = &model.limits[i];
    let kind = match l.kind {
        LimitKind::Concurrency { capacity } => KindRt::Concurrency { capacity },
        LimitKind::Rate { max, window_s, algorithm, burst } => {
            KindRt::Rate { max, window_s, algorithm, burst: burst as f64, refill_per_s: max as f64 / window_s }
        }
        LimitKind::Tokens { tokens_per_minute, tokens_per_call_minute, growth_per_minute } => {
            KindRt::Tokens { budget: tokens_per_minute, r0: tokens_per_call_minute, g: growth_per_minute }
        }
    };
    let burst = if let KindRt::Rate { burst, .. } = kind { burst } else { 0.0 };
    let mut rt = LimitRt {
        kind,
        plain: matches!(kind, KindRt::Concurrency { .. })
            && l.pool == 1
            && l.scope == Scope::Call
            && !record_holds
            && l.failure.is_none()
            && l.on_drop != OnDrop::Preempt,
        queue: match l.on_full {
            OnFull::Reject | OnFull::Overflow { .. } => None,
            OnFull::Queue { timeout_s, max_waiting } => {
                Some((timeout_s.unwrap_or(f64::INFINITY), max_waiting.unwrap_or(u32::MAX)))
            }
        },
        select: l.select,
        next_copy: 0,
        setup: match &l.scope {
            Scope::Setup { setup_time } => Some(sampler(setup_time)),
            _ => None,
        },
        silence: match &l.when_refused {
            WhenRefused::Silence { silence_patience } => Some(sampler(silence_patience)),
            WhenRefused::Busy => None,
        },
        copies: (0..l.pool).map(|_| CopyRt { tokens: burst, window: -1, ..Default::default() }).collect(),
        index: None,
        routed: l.overflow_to().is_some() || l.failure.is_some(),
        overflow: l.overflow_to().map_or(super::NONE, |to| to as u32),
        route: model.standbys_from(i).into_iter().map(|s| s as u32).collect(),
        failure: l.failure.as_ref().map(|f| {
            Box::new(FailureRt {
                p: f.probability,
                base_p: f.probability,
                detection_s: f.detection_s,
                retries: f.retries,
                retry_interval_s: f.retry_interval_s,
                fallback: f.fallback.map_or(super::NONE, |to| to as u32),
                unhealthy_after: f.unhealthy_after.unwrap_or(u32::MAX),
                probe_interval_s: f.probe_interval_s,
                sticky_call: f.stickiness == Stickiness::Call,
                unhealthy: false,
                consecutive: 0,
            })
        }),
        preempt: l.on_drop == OnDrop::Preempt,
        timed: (record_holds && !matches!(l.kind, LimitKind::Rate { .. })) || l.on_drop == OnDrop::Preempt,
        service_factor: 1.0,
        base_capacity: l.kind.capacity(),
        schedule: l.schedule.clone(),
    };
    // Small pools are scanned: a pass over a few dozen copies costs less
    // than keeping a tree (measured on the platform model's 40 LLM keys:
    // scan 0.44 s a simulated day, tree 1.6 s); both pick the same copy.
    if rt.select == Select::LeastLoaded && rt.copies.len() > SCAN_UP_TO {
        rt.index = Some(PoolIndex::new(rt.kind, &mut rt.copies));
    }
    rt
}

/// The empty records of limit `l`.
pub(super) fn limit_counts(l: &Limit, n_limits: usize, record_holds: bool) -> LimitCounts {
    let mut c = LimitCounts::new(&l.kind, l.pool, n_limits);
    if record_holds && !matches!(l.kind, LimitKind::Rate { .. }) {
        c.holds = Some(crate::record::histogram());
    }
    c
}
