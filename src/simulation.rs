//! The call model on top of the event engine: callers arrive, pass every
//! limit of the chain in order, wait or are refused where a limit is full,
//! talk for their holding time (making requests turn by turn, if the source
//! has turns) and release everything; refused callers may redial. One call
//! of [`simulate`] is one replication.
//!
//! Semantics (the contract the tests check against theory):
//! - A call passes each limit that applies to its source, in the order
//!   listed. A concurrency or token limit is held until the call ends
//!   (`scope = "call"`) or for `setup_time` (`scope = "setup"`); a rate limit
//!   is passed by an admission and holds nothing. Request-scoped limits are
//!   taken only while a request of a turn is served.
//! - A pooled limit (`pool = N`) first picks one copy (`select`); the call
//!   then deals with that copy alone.
//! - A refusal is a `reject` on a full copy, a full queue (`max_waiting`), or
//!   leaving a queue unserved: at the limit's `timeout` (from joining that
//!   queue) or at the caller's patience (from the attempt's arrival),
//!   whichever is first. A call refused with `when_refused = "busy"` is
//!   blocked (or abandoned, if it left a queue) and releases what it held;
//!   with `"silence"` it is connected to silence, holds what it has for its
//!   `silence_patience`, then hangs up (`failed_after_connect`).
//! - A request refused at a request-scoped limit is retried per the source's
//!   `retry`; once out of attempts the call ends as `failed_after_connect`.
//! - A freed slot (or budget, or rate) goes to the waiters of that copy in
//!   FIFO order, so a waiter and room for it never coexist.
//! - A refused caller redials after the `redial` delay until it has made
//!   `max_attempts` attempts; its holding time is drawn once.
//! - Memory is proportional to the callers in progress, waiting or about to
//!   redial: finished callers' slots are reused.
//! - A campaign's dial is a caller of the campaign: it passes the limits that
//!   apply to the campaign (CPS, numbers, trunk), is placed (if its lead's
//!   window is still open) and gets its outcome. An answered dial then passes
//!   the campaign's `agent_limits` within `abandon_after` of the pick-up, or
//!   is abandoned. The dialer keeps at most `max_concurrent` dials in flight,
//!   and dials beyond the idle agents (overdials) only while the abandonment
//!   budget allows: even if every overdial were answered and abandoned,
//!   abandoned / answered would stay within `max_abandonment`. A dial refused before
//!   placement pauses the dialer until another dial ends, or for 1 s. Limit
//!   counts include dials; source metrics and totals do not.

use crate::arrivals::ArrivalProcess;
use crate::dialer::{DialRecord, LeadBook, Pacing};
use crate::engine::{routing_stream, source_stream, EventQueue, Purpose, SimRng};
use crate::model::{
    Dist, LimitKind, Model, OnFull, Outcome, RateAlgorithm, Redial, Sampler, Scope, Select, WhenRefused,
};
use crate::statistics::{CampaignCounts, CopyCounts, Counts, LimitCounts, LimitUnit, ReplicationMetrics, TimeAverage};
use crate::timeseries::{Bucket, Recorder, Snapshot, UseScale, SERIES};
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use rayon::prelude::*;
use std::collections::VecDeque;

const NONE: u32 = u32::MAX;
/// `Caller::outcome` of a dial not placed yet, refused before placement, or
/// not placed because its lead's window closed (values past [`Outcome`]'s).
const NOT_PLACED: u8 = 100;
const BLOCKED: u8 = 101;
const CANCELLED: u8 = 102;
/// How long a dialer pauses after a dial is refused, if no dial ends first (s).
const BLOCKED_PAUSE_S: f64 = 1.0;

/// What one replication measured.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Per source, in model order.
    pub sources: Vec<Counts>,
    /// All sources together.
    pub total: Counts,
    /// Per limit, in model order.
    pub limits: Vec<LimitCounts>,
    /// Per limit: its unit and pool size.
    pub units: Vec<(LimitUnit, u32)>,
    /// End of the horizon (warm-up + horizon), s.
    pub end_t: f64,
    /// Length of the measured window, s.
    pub horizon_s: f64,
    /// The time series, if the model asks for one.
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignCounts>,
    /// Per campaign, every placed dial in order (empty unless asked for,
    /// with [`simulate_logged`]).
    pub dial_log: Vec<Vec<DialRecord>>,
}

/// Runs replication `replication` of `model` at sweep point `point`.
///
/// The random streams are derived from (model seed, point, replication), so
/// the result depends on nothing else: not the thread, not the order in which
/// replications run.
pub fn simulate(model: &Model, point: u64, replication: u32) -> Replication {
    Sim::new(model, point, replication, false).run()
}

/// [`simulate`], also keeping the log of every campaign dial (its placement
/// time, lead, attempt and outcome): the audit that no lead was dialed
/// outside its window or above its caps.
pub fn simulate_logged(model: &Model, point: u64, replication: u32) -> Replication {
    Sim::new(model, point, replication, true).run()
}

/// Runs all of `model`'s replications at sweep point `point` in parallel
/// (rayon) and returns their metrics in replication order.
pub fn replicate(model: &Model, point: u64) -> Vec<ReplicationMetrics> {
    (0..model.run.replications).into_par_iter().map(|r| ReplicationMetrics::of(&simulate(model, point, r))).collect()
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// A first attempt of a new caller from a source.
    Arrival { source: u32 },
    /// A caller's next attempt.
    Redial { caller: u32 },
    /// An answered call, or a silent one, ends.
    Hangup { caller: u32, serial: u32 },
    /// A waiting caller's timeout or patience runs out; ignored unless the
    /// caller's generation still equals `generation`.
    WaitExpiry { caller: u32, generation: u32, limit: u32 },
    /// A rate limit's copy may admit again.
    RateReady { limit: u32, copy: u32 },
    /// A setup-scoped slot is released.
    SetupDone { caller: u32, serial: u32, limit: u32 },
    /// The caller stops speaking: the agent's turn begins.
    TurnStart { caller: u32, serial: u32 },
    /// The current request of the turn is served.
    RequestDone { caller: u32, serial: u32 },
    /// A refused request is tried again.
    RequestRetry { caller: u32, serial: u32 },
    /// Statistics restart.
    WarmupEnd,
    /// The time series closes a bucket.
    SeriesTick,
    /// A campaign's answered dial is picked up (after its ring time).
    DialAnswered { caller: u32, serial: u32 },
    /// A campaign's dialer looks for leads to dial.
    DialerWake { campaign: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Passing the chain (or waiting in it).
    Chain,
    /// Answered, between turns.
    InCall,
    /// Answered, in a turn's request (or waiting for a request limit).
    Request,
    /// Connected to silence, waiting to hang up.
    Silence,
    /// Between attempts.
    Redialing,
    /// A campaign's dial is placed: ringing, or holding its line for an
    /// outcome other than an answer.
    Placed,
}

struct SourceRt {
    process: ArrivalProcess,
    /// Callers of this source alive (in a call, waiting, or about to redial):
    /// a finite population's busy members.
    active: u32,
    holding: Sampler,
    patience: Option<Sampler>,
    /// The redial policy and a sampler of its delay.
    redial: Option<(Redial, Sampler)>,
    /// Limits of the call chain that apply to this source, in order.
    chain: Vec<u32>,
    turn_interval: Option<Sampler>,
    /// Per request of a turn: its service time and the request-scoped limits it takes.
    requests: Vec<(Sampler, Vec<u32>)>,
    latency_budget_s: f64,
    retry: crate::model::Retry,
    rng: Streams,
    /// The campaign whose dials these callers are, if any.
    campaign: Option<u32>,
    /// A campaign's dial is placed once it holds `chain[..place_at]`; the
    /// rest of the chain are its agent limits. `u32::MAX` for sources.
    place_at: u32,
}

/// A source's random streams, one per purpose ([`Purpose`]).
struct Streams {
    arrivals: SimRng,
    holding: SimRng,
    patience: SimRng,
    redial: SimRng,
    turns: SimRng,
    requests: SimRng,
    retry: SimRng,
    silence: SimRng,
    days: SimRng,
}

impl Streams {
    /// The streams of source (or campaign) `index` in replication `rep` of `point`.
    fn new(seed: u64, point: u64, rep: u64, index: usize) -> Self {
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
        }
    }
}

/// A campaign at run time: its leads, pacing state, samplers and counts.
struct DialerRt {
    book: LeadBook,
    /// Its index in `Sim::sources`.
    source: u32,
    max_concurrent: u32,
    /// Cumulative probabilities of answer, busy, no answer, voicemail.
    outcome_cdf: [f64; 4],
    /// The outcome drawn when `u` ≥ the last cumulative probability (rounding).
    last_outcome: usize,
    holding: [Sampler; 4],
    ring: Sampler,
    abandon_after_s: f64,
    max_abandonment: f64,
    outcome_rng: SimRng,
    holding_rng: SimRng,
    in_flight: u32,
    /// Dials connected to an agent and still talking.
    connected: u32,
    /// After a refusal: no dialing before this time (or another dial's end).
    paused_until: f64,
    paused_by: u32,
    /// Time of the earliest wake-up pending.
    wake_t: f64,
    /// A dial ended: the dialer should look for leads.
    due: bool,
    /// What holds the dialer back, since when.
    cause: Pacing,
    cause_t: f64,
    counts: CampaignCounts,
    log: Option<(Vec<DialRecord>, Vec<u32>)>,
}

impl DialerRt {
    /// Counts `lead`'s outcome at `now` and files it in the lead book; the
    /// campaign is complete when its last lead is finished.
    fn file(&mut self, lead: u32, outcome: Outcome, now: f64) {
        self.counts.outcomes[outcome as usize] += 1;
        if self.book.file_outcome(lead, outcome, now) && self.book.open == 0 {
            self.counts.completed_s = Some(now);
        }
    }

    /// Whether `excess` dials beyond the idle agents may be in flight: even
    /// if all of them were answered and abandoned, abandoned / answered
    /// would stay within the cap: X + e ≤ cap · (A + e), with X abandoned and
    /// A answered so far. A worst-case budget, so the cap holds for certain
    /// (unless other traffic takes the agents meanwhile).
    fn may_overdial(&self, excess: u32) -> bool {
        let o = &self.counts.outcomes;
        let abandoned = o[Outcome::Abandoned as usize] as f64;
        let answered = o[Outcome::Answer as usize] as f64 + abandoned;
        let e = excess as f64;
        self.max_abandonment >= 1.0 || abandoned + e <= self.max_abandonment * (answered + e) + 1e-9
    }
}

#[derive(Clone, Copy)]
enum KindRt {
    Concurrency { capacity: u32 },
    Rate { max: u32, window_s: f64, algorithm: RateAlgorithm, burst: f64, refill_per_s: f64 },
    Tokens { budget: f64, r0: f64, g: f64 },
}

struct LimitRt {
    kind: KindRt,
    /// A single-copy, call-scoped concurrency limit: the plain case, which
    /// `advance` and `release` handle inline.
    plain: bool,
    /// `Some((timeout_s, max_waiting))` for `on_full = queue`.
    queue: Option<(f64, u32)>,
    select: Select,
    next_copy: u32,
    setup: Option<Sampler>,
    silence: Option<Sampler>,
    copies: Vec<CopyRt>,
}

#[derive(Default)]
struct CopyRt {
    /// Holders (concurrency, tokens).
    holders: u32,
    /// Σ seizure times of the holders (tokens).
    sum_start_t: f64,
    /// (caller, generation at joining); entries whose caller has moved on
    /// are stale and skipped when they reach the head.
    fifo: VecDeque<(u32, u32)>,
    live_waiting: u32,
    /// Fixed window: index of the current window and admissions in it.
    window: i64,
    count: u32,
    /// Sliding window: admission times in the last window.
    log: VecDeque<f64>,
    /// Token bucket: tokens at `refill_t`.
    tokens: f64,
    refill_t: f64,
    /// A RateReady event is pending.
    wakeup: bool,
}

#[derive(Debug, Clone, Copy)]
struct Caller {
    source: u32,
    /// Attempts made so far, this one included.
    attempt: u32,
    /// Chain limits 0..held (indices into the source's chain) are passed.
    held: u32,
    /// Bumped whenever a pending expiry or queue entry must be ignored.
    generation: u32,
    /// Bumped when an attempt ends: events of an ended attempt are ignored.
    serial: u32,
    phase: Phase,
    /// This attempt arrived after the warm-up.
    counted: bool,
    /// The first attempt arrived after the warm-up.
    caller_counted: bool,
    attempt_t: f64,
    /// Absolute time the caller's patience ends (∞ without patience).
    patience_end_t: f64,
    holding_s: f64,
    /// When an answered call ends.
    call_end_t: f64,
    /// Current turn: start, request index, its attempt, request limits passed.
    turn_t: f64,
    request: u32,
    request_attempt: u32,
    request_held: u32,
    /// The limit and copy whose queue the caller (or its request) is in, or NONE.
    wait_limit: u32,
    wait_copy: u32,
    /// A campaign's dial: its lead and [`Outcome`] (or `NOT_PLACED`, …).
    lead: u32,
    outcome: u8,
}

impl Caller {
    /// A new caller of `source` arriving at `now` (its first attempt starts
    /// with [`Sim::start_attempt`]); `lead` is a campaign dial's lead, else NONE.
    #[inline(always)]
    fn new(source: u32, holding_s: f64, now: f64, counted: bool, lead: u32) -> Self {
        Caller {
            source,
            attempt: 0,
            held: 0,
            generation: 0,
            serial: 0,
            phase: Phase::Redialing,
            counted,
            caller_counted: counted,
            attempt_t: now,
            patience_end_t: f64::INFINITY,
            holding_s,
            call_end_t: 0.0,
            turn_t: 0.0,
            request: 0,
            request_attempt: 0,
            request_held: 0,
            wait_limit: NONE,
            wait_copy: NONE,
            lead,
            outcome: NOT_PLACED,
        }
    }
}

struct Sim {
    now: f64,
    end_t: f64,
    warmup_s: f64,
    horizon_s: f64,
    answer_within_s: f64,
    events: EventQueue<Event>,
    sources: Vec<SourceRt>,
    limits: Vec<LimitRt>,
    n_limits: usize,
    callers: Vec<Caller>,
    /// Per (caller, limit): the copy held, or NONE.
    held_copy: Vec<u32>,
    /// Per (caller, limit): when the hold began (token limits).
    held_t: Vec<f64>,
    /// Per (caller, limit): the copy a sticky pool gave this caller, or NONE.
    sticky: Vec<u32>,
    free: Vec<u32>,
    /// Callers that passed a limit by a release or a rate refill, to be
    /// advanced once the current event is complete.
    handed: VecDeque<u32>,
    routing_rng: SimRng,
    counts: Vec<Counts>,
    /// Calls in progress over all sources; with one source it is that
    /// source's and is not tracked twice.
    total_concurrency: TimeAverage,
    several_sources: bool,
    /// Some limit is `select = "sticky"`: callers' sticky copies need resetting.
    any_sticky: bool,
    limit_counts: Vec<LimitCounts>,
    units: Vec<(LimitUnit, u32)>,
    /// The time series being recorded, and the start of its open bucket.
    series: Option<(Recorder, f64)>,
    series_bucket_s: Option<f64>,
    /// Inbound sources come first in `sources` and `counts`; campaigns follow.
    n_inbound: usize,
    dialers: Vec<DialerRt>,
    /// Some dialer is `due`.
    pump_due: bool,
}

enum Admission {
    Passed,
    Queued,
    Refused,
}

fn sampler(d: &Dist) -> Sampler {
    d.sampler().expect("distributions are checked when the model is built")
}

impl Sim {
    fn new(model: &Model, point: u64, replication: u32, log_dials: bool) -> Self {
        let (seed, rep) = (model.run.seed, replication as u64);
        let sources = model
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let chain = (0..model.limits.len())
                    .filter(|&l| {
                        let lim = &model.limits[l];
                        lim.applies_to(i) && !matches!(lim.scope, Scope::Request { .. })
                    })
                    .map(|l| l as u32)
                    .collect();
                let requests = s
                    .turns
                    .iter()
                    .flat_map(|t| &t.requests)
                    .map(|r| {
                        let limits = (0..model.limits.len())
                            .filter(|&l| {
                                let lim = &model.limits[l];
                                lim.applies_to(i)
                                    && matches!(&lim.scope, Scope::Request { requests } if requests.contains(&r.name))
                            })
                            .map(|l| l as u32)
                            .collect();
                        (sampler(&r.service), limits)
                    })
                    .collect();
                SourceRt {
                    process: ArrivalProcess::new(&s.arrivals, s.arrival_rate_per_s, s.overdispersion_cv),
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
            })
            .collect::<Vec<_>>();
        let n_inbound = sources.len();
        // Campaigns' dials are callers of sources after the inbound ones.
        let (campaign_sources, dialers): (Vec<SourceRt>, Vec<DialerRt>) = (0..model.campaigns.len())
            .map(|j| campaign_rt(model, j, n_inbound + j, (seed, point, rep), log_dials))
            .unzip();
        let mut sources = sources;
        sources.extend(campaign_sources);
        let limits = model
            .limits
            .iter()
            .map(|l| {
                let kind = match l.kind {
                    LimitKind::Concurrency { capacity } => KindRt::Concurrency { capacity },
                    LimitKind::Rate { max, window_s, algorithm, burst } => KindRt::Rate {
                        max,
                        window_s,
                        algorithm,
                        burst: burst as f64,
                        refill_per_s: max as f64 / window_s,
                    },
                    LimitKind::Tokens { tokens_per_minute, tokens_per_call_minute, growth_per_minute } => {
                        KindRt::Tokens { budget: tokens_per_minute, r0: tokens_per_call_minute, g: growth_per_minute }
                    }
                };
                let burst = if let KindRt::Rate { burst, .. } = kind { burst } else { 0.0 };
                LimitRt {
                    kind,
                    plain: matches!(kind, KindRt::Concurrency { .. }) && l.pool == 1 && l.scope == Scope::Call,
                    queue: match l.on_full {
                        OnFull::Reject => None,
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
                }
            })
            .collect();
        let limit_counts = model
            .limits
            .iter()
            .map(|l| LimitCounts {
                capacity: l.capacity(),
                copies: if l.pool > 1 { vec![CopyCounts::default(); l.pool as usize] } else { Vec::new() },
                ..Default::default()
            })
            .collect();
        let units = model
            .limits
            .iter()
            .map(|l| {
                let unit = match l.kind {
                    LimitKind::Concurrency { .. } => LimitUnit::Slots,
                    LimitKind::Rate { window_s, .. } => LimitUnit::Rate { window_s },
                    LimitKind::Tokens { tokens_per_call_minute, growth_per_minute, .. } => {
                        LimitUnit::Tokens { r0: tokens_per_call_minute, g: growth_per_minute }
                    }
                };
                (unit, l.pool)
            })
            .collect();
        Sim {
            now: 0.0,
            end_t: model.run.warmup_s + model.run.horizon_s,
            warmup_s: model.run.warmup_s,
            horizon_s: model.run.horizon_s,
            answer_within_s: model.sla.answer_within_s,
            events: EventQueue::new(),
            sources,
            limits,
            n_limits: model.limits.len(),
            callers: Vec::new(),
            held_copy: Vec::new(),
            held_t: Vec::new(),
            sticky: Vec::new(),
            free: Vec::new(),
            handed: VecDeque::new(),
            routing_rng: routing_stream(seed, point, rep),
            counts: vec![Counts::default(); model.sources.len() + model.campaigns.len()],
            total_concurrency: TimeAverage::default(),
            several_sources: model.sources.len() > 1,
            any_sticky: model.limits.iter().any(|l| l.select == Select::Sticky && l.pool > 1),
            limit_counts,
            units,
            series: None,
            series_bucket_s: model.run.timeseries_bucket_s,
            n_inbound,
            dialers,
            pump_due: false,
        }
    }

    fn run(mut self) -> Replication {
        if self.warmup_s > 0.0 {
            self.events.push(self.warmup_s, Event::WarmupEnd);
        } else {
            self.start_series();
        }
        for s in 0..self.n_inbound {
            let slot = self.events.add_slot();
            debug_assert_eq!(slot, s);
            self.schedule_arrival(s as u32);
        }
        for j in 0..self.dialers.len() {
            let t = self.dialers[j].counts.start_s;
            self.events.push(t, Event::DialerWake { campaign: j as u32 });
        }
        while let Some((t, event)) = self.events.pop() {
            if t >= self.end_t {
                break;
            }
            self.now = t;
            match event {
                Event::Arrival { source } => self.on_arrival(source),
                Event::Redial { caller } => {
                    let source = self.callers[caller as usize].source as usize;
                    self.counts[source].redialing.step(self.now, -1);
                    self.start_attempt(caller)
                }
                Event::Hangup { caller, serial } => self.on_hangup(caller, serial),
                Event::WaitExpiry { caller, generation, limit } => self.on_wait_expiry(caller, generation, limit),
                Event::RateReady { limit, copy } => self.on_rate_ready(limit, copy),
                Event::SetupDone { caller, serial, limit } => {
                    if self.callers[caller as usize].serial == serial {
                        self.release(caller, limit);
                    }
                }
                Event::TurnStart { caller, serial } => self.on_turn_start(caller, serial),
                Event::RequestDone { caller, serial } => self.on_request_done(caller, serial),
                Event::RequestRetry { caller, serial } => {
                    if self.callers[caller as usize].serial == serial {
                        self.advance_request(caller);
                    }
                }
                Event::WarmupEnd => self.on_warmup_end(),
                Event::SeriesTick => self.on_series_tick(),
                Event::DialAnswered { caller, serial } => self.on_dial_answered(caller, serial),
                Event::DialerWake { campaign } => {
                    self.dialers[campaign as usize].wake_t = f64::INFINITY;
                    self.pump(campaign as usize);
                }
            }
            loop {
                while let Some(c) = self.handed.pop_front() {
                    match self.callers[c as usize].phase {
                        Phase::Request => self.advance_request(c),
                        _ => self.advance(c),
                    }
                }
                if !self.pump_due {
                    break;
                }
                self.pump_due = false;
                for j in 0..self.dialers.len() {
                    if std::mem::take(&mut self.dialers[j].due) {
                        self.pump(j);
                    }
                }
            }
        }
        self.finish()
    }

    /// Each source's next arrival waits in its own slot of the event list
    /// (slot index = source index), out of the heap. A source with no
    /// further arrivals (a profile that stays at zero, a finished trace, a
    /// population with no idle caller) leaves its slot empty.
    #[inline(always)]
    fn schedule_arrival(&mut self, source: u32) {
        let now = self.now;
        let s = &mut self.sources[source as usize];
        let next = match &mut s.process {
            ArrivalProcess::Poisson(gap) => Some(now + gap.sample(&mut s.rng.arrivals)),
            ArrivalProcess::Varying(rate) => rate.next_after(now, &mut s.rng.arrivals, &mut s.rng.days),
            ArrivalProcess::Population { size, rate_per_idle_per_s } => {
                let idle = size.saturating_sub(s.active);
                (idle > 0).then(|| {
                    let e: f64 = Exp1.sample(&mut s.rng.arrivals);
                    now + e / (idle as f64 * *rate_per_idle_per_s)
                })
            }
            ArrivalProcess::Trace { calls, next } => calls.get(*next).map(|c| c.0.max(now)),
            ArrivalProcess::Dialer => return, // its dialer places the calls
        };
        match next {
            Some(t) => self.events.set_slot(source as usize, t, Event::Arrival { source }),
            None => self.events.clear_slot(source as usize),
        }
    }

    /// A caller is done (served, or given up): its slot is reused, and a
    /// finite population has one more idle member.
    fn retire(&mut self, id: u32) {
        self.free.push(id);
        let source = self.callers[id as usize].source;
        let s = &mut self.sources[source as usize];
        s.active -= 1;
        match s.process {
            ArrivalProcess::Population { .. } => self.schedule_arrival(source),
            ArrivalProcess::Dialer => self.dial_ended(id),
            _ => {}
        }
    }

    #[inline]
    fn slot(&self, caller: u32, limit: u32) -> usize {
        caller as usize * self.n_limits + limit as usize
    }

    #[inline]
    fn on_arrival(&mut self, source: u32) {
        let s = &mut self.sources[source as usize];
        let holding_s = match &mut s.process {
            ArrivalProcess::Trace { calls, next } => {
                *next += 1;
                calls[*next - 1].1
            }
            _ => s.holding.sample(&mut s.rng.holding),
        };
        s.active += 1;
        self.schedule_arrival(source);
        let counted = self.now >= self.warmup_s;
        if counted {
            let c = &mut self.counts[source as usize];
            c.offered_calls += 1;
            c.offered_holding_s += holding_s;
        }
        let id = self.new_caller(Caller::new(source, holding_s, self.now, counted, NONE));
        self.start_attempt(id);
    }

    /// Files a new caller in a free slot (or a new one) and returns its id.
    #[inline(always)]
    fn new_caller(&mut self, caller: Caller) -> u32 {
        match self.free.pop() {
            Some(id) => {
                // Keep the slot's counters running so stale events stay stale.
                let old = self.callers[id as usize];
                self.callers[id as usize] =
                    Caller { generation: old.generation.wrapping_add(1), serial: old.serial.wrapping_add(1), ..caller };
                if self.any_sticky {
                    let base = id as usize * self.n_limits;
                    self.sticky[base..base + self.n_limits].fill(NONE);
                }
                id
            }
            None => {
                self.callers.push(caller);
                self.held_copy.extend(std::iter::repeat_n(NONE, self.n_limits));
                self.held_t.extend(std::iter::repeat_n(0.0, self.n_limits));
                self.sticky.extend(std::iter::repeat_n(NONE, self.n_limits));
                (self.callers.len() - 1) as u32
            }
        }
    }

    #[inline(always)]
    fn start_attempt(&mut self, id: u32) {
        let now = self.now;
        let c = &mut self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        c.attempt += 1;
        c.attempt_t = now;
        c.held = 0;
        c.phase = Phase::Chain;
        c.counted = now >= self.warmup_s;
        c.patience_end_t = match &s.patience {
            Some(p) => now + p.sample(&mut s.rng.patience),
            None => f64::INFINITY,
        };
        if c.counted {
            let counts = &mut self.counts[c.source as usize];
            counts.attempts += 1;
            counts.attempt_holding_s += c.holding_s;
        }
        self.advance(id);
    }

    /// Passes the remaining limits of caller `id`'s chain in order, until it
    /// is answered, queued or refused.
    #[inline]
    fn advance(&mut self, id: u32) {
        let source = self.callers[id as usize].source as usize;
        loop {
            let c = &self.callers[id as usize];
            let k = c.held;
            // Only a campaign's dial has a lead (checked first: the caller is at hand).
            if c.lead != NONE && k == self.sources[source].place_at && c.outcome == NOT_PLACED {
                if !self.place_dial(id) {
                    return;
                }
                continue;
            }
            let Some(&l) = self.sources[source].chain.get(k as usize) else {
                return self.answer(id);
            };
            let limit = &mut self.limits[l as usize];
            if let (true, KindRt::Concurrency { capacity }) = (limit.plain, limit.kind) {
                let cp = &mut limit.copies[0];
                if cp.holders < capacity && cp.live_waiting == 0 {
                    cp.holders += 1;
                    let lc = &mut self.limit_counts[l as usize];
                    lc.admitted += 1;
                    lc.occupancy.step(self.now, 1);
                    let slot = self.slot(id, l);
                    self.held_copy[slot] = 0;
                    self.callers[id as usize].held += 1;
                    continue;
                }
            }
            match self.admit(id, l) {
                Admission::Passed => self.callers[id as usize].held += 1,
                Admission::Queued => return,
                Admission::Refused => return self.refuse_attempt(id, l, false),
            }
        }
    }

    /// Picks a copy of limit `l` for caller `id`.
    #[inline]
    fn pick_copy(&mut self, id: u32, l: u32) -> u32 {
        let limit = &mut self.limits[l as usize];
        let n = limit.copies.len() as u32;
        if n == 1 {
            return 0;
        }
        match limit.select {
            Select::RoundRobin => {
                let c = limit.next_copy;
                limit.next_copy = (c + 1) % n;
                c
            }
            Select::Random => self.routing_rng.random_range(0..n),
            Select::LeastLoaded => {
                let now = self.now;
                let load = |c: &mut CopyRt| c.live_waiting as f64 + room_used(limit.kind, c, now);
                let mut best = (f64::INFINITY, 0);
                for i in 0..n {
                    let v = load(&mut limit.copies[i as usize]);
                    if v < best.0 {
                        best = (v, i);
                    }
                }
                best.1
            }
            Select::Sticky => {
                let slot = id as usize * self.n_limits + l as usize;
                if self.sticky[slot] == NONE {
                    self.sticky[slot] = limit.next_copy;
                    limit.next_copy = (limit.next_copy + 1) % n;
                }
                self.sticky[slot]
            }
        }
    }

    /// Tries to pass limit `l`: seizes it, queues for it, or is refused.
    #[inline]
    fn admit(&mut self, id: u32, l: u32) -> Admission {
        let copy = self.pick_copy(id, l);
        let now = self.now;
        let limit = &mut self.limits[l as usize];
        let cp = &mut limit.copies[copy as usize];
        if cp.live_waiting == 0 && fits(limit.kind, cp, now) {
            self.seize(id, l, copy);
            return Admission::Passed;
        }
        let Some((timeout_s, max_waiting)) = limit.queue else {
            self.note_refusal(l, copy);
            return Admission::Refused;
        };
        if cp.live_waiting >= max_waiting {
            self.note_refusal(l, copy);
            return Admission::Refused;
        }
        let c = &mut self.callers[id as usize];
        c.wait_limit = l;
        c.wait_copy = copy;
        cp.fifo.push_back((id, c.generation));
        cp.live_waiting += 1;
        self.limit_counts[l as usize].waiting.step(now, 1);
        // A request waits for the limit's timeout only; a caller in the chain
        // also until its patience ends.
        let patience_end_t = if c.phase == Phase::Chain { c.patience_end_t } else { f64::INFINITY };
        let leave_t = (now + timeout_s).min(patience_end_t);
        if leave_t.is_finite() {
            self.events.push(leave_t, Event::WaitExpiry { caller: id, generation: c.generation, limit: l });
        }
        if matches!(limit.kind, KindRt::Rate { .. }) {
            self.schedule_rate_ready(l, copy);
        }
        Admission::Queued
    }

    fn note_refusal(&mut self, l: u32, copy: u32) {
        if let Some(c) = self.limit_counts[l as usize].copies.get_mut(copy as usize) {
            c.refused += 1;
        }
    }

    /// Takes copy `copy` of limit `l` for caller `id` (the caller fits).
    #[inline]
    fn seize(&mut self, id: u32, l: u32, copy: u32) {
        let now = self.now;
        let limit = &mut self.limits[l as usize];
        let lc = &mut self.limit_counts[l as usize];
        let cp = &mut limit.copies[copy as usize];
        lc.admitted += 1;
        if let Some(c) = lc.copies.get_mut(copy as usize) {
            c.admitted += 1;
        }
        match limit.kind {
            KindRt::Rate { algorithm, .. } => {
                match algorithm {
                    RateAlgorithm::FixedWindow => cp.count += 1,
                    RateAlgorithm::SlidingWindow => cp.log.push_back(now),
                    RateAlgorithm::TokenBucket => cp.tokens -= 1.0,
                }
                return; // a rate admission holds nothing
            }
            KindRt::Concurrency { .. } => {}
            KindRt::Tokens { r0, g, .. } => {
                lc.tokens.step(now, r0, g, 1, now);
                cp.sum_start_t += now;
                let slot = id as usize * self.n_limits + l as usize;
                self.held_t[slot] = now;
            }
        }
        cp.holders += 1;
        lc.occupancy.step(now, 1);
        if let Some(c) = lc.copies.get_mut(copy as usize) {
            c.occupancy.step(now, 1);
        }
        let slot = self.slot(id, l);
        self.held_copy[slot] = copy;
        if let Some(setup) = &self.limits[l as usize].setup {
            let t = now + setup.sample(&mut self.routing_rng);
            let serial = self.callers[id as usize].serial;
            self.events.push(t, Event::SetupDone { caller: id, serial, limit: l });
        }
    }

    /// Releases caller `id`'s hold on limit `l`, if any, and serves that copy's waiters.
    #[inline]
    fn release(&mut self, id: u32, l: u32) {
        let slot = self.slot(id, l);
        let copy = std::mem::replace(&mut self.held_copy[slot], NONE);
        if copy == NONE {
            return;
        }
        let now = self.now;
        let limit = &mut self.limits[l as usize];
        let lc = &mut self.limit_counts[l as usize];
        let cp = &mut limit.copies[copy as usize];
        if limit.plain {
            cp.holders -= 1;
            lc.occupancy.step(now, -1);
            if cp.live_waiting > 0 {
                self.serve_waiters(l, copy);
            }
            return;
        }
        if let KindRt::Tokens { r0, g, .. } = limit.kind {
            lc.tokens.step(now, r0, g, -1, self.held_t[slot]);
            cp.sum_start_t -= self.held_t[slot];
        }
        cp.holders -= 1;
        lc.occupancy.step(now, -1);
        if let Some(c) = lc.copies.get_mut(copy as usize) {
            c.occupancy.step(now, -1);
        }
        if cp.live_waiting > 0 {
            self.serve_waiters(l, copy);
        }
    }

    /// Admits the waiters of a copy, first come first served, while they fit.
    fn serve_waiters(&mut self, l: u32, copy: u32) {
        let now = self.now;
        loop {
            let limit = &mut self.limits[l as usize];
            let cp = &mut limit.copies[copy as usize];
            let Some(&(w, generation)) = cp.fifo.front() else { return };
            if self.callers[w as usize].generation != generation {
                cp.fifo.pop_front(); // stale: that caller left
                continue;
            }
            if !fits(limit.kind, cp, now) {
                return;
            }
            cp.fifo.pop_front();
            cp.live_waiting -= 1;
            self.limit_counts[l as usize].waiting.step(now, -1);
            let waiter = &mut self.callers[w as usize];
            waiter.generation = waiter.generation.wrapping_add(1); // cancels its expiry
            waiter.wait_limit = NONE;
            match waiter.phase {
                Phase::Request => waiter.request_held += 1,
                _ => waiter.held += 1,
            }
            self.seize(w, l, copy);
            self.handed.push_back(w);
        }
    }

    fn schedule_rate_ready(&mut self, l: u32, copy: u32) {
        let limit = &mut self.limits[l as usize];
        let KindRt::Rate { window_s, algorithm, refill_per_s, .. } = limit.kind else { return };
        let cp = &mut limit.copies[copy as usize];
        if cp.wakeup {
            return;
        }
        let t = match algorithm {
            RateAlgorithm::FixedWindow => (cp.window + 1) as f64 * window_s,
            RateAlgorithm::SlidingWindow => cp.log.front().map_or(self.now, |t0| t0 + window_s),
            RateAlgorithm::TokenBucket => cp.refill_t + (1.0 - cp.tokens).max(0.0) / refill_per_s,
        };
        cp.wakeup = true;
        self.events.push(t.max(self.now), Event::RateReady { limit: l, copy });
    }

    fn on_rate_ready(&mut self, l: u32, copy: u32) {
        self.limits[l as usize].copies[copy as usize].wakeup = false;
        self.serve_waiters(l, copy);
        if self.limits[l as usize].copies[copy as usize].live_waiting > 0 {
            self.schedule_rate_ready(l, copy);
        }
    }

    #[inline]
    fn answer(&mut self, id: u32) {
        let now = self.now;
        let c = &mut self.callers[id as usize];
        c.phase = Phase::InCall;
        c.call_end_t = now + c.holding_s;
        let (source, serial, end_t, dial) = (c.source as usize, c.serial, c.call_end_t, c.lead != NONE);
        let counts = &mut self.counts[source];
        if c.counted {
            let wait_s = now - c.attempt_t;
            counts.carried_calls += 1;
            counts.carried_holding_s += c.holding_s;
            counts.answered_within_sla += (wait_s <= self.answer_within_s) as u64;
            counts.record_wait(wait_s);
        }
        counts.concurrency.step(now, 1);
        if self.several_sources && source < self.n_inbound {
            self.total_concurrency.step(now, 1);
        }
        self.events.push(end_t, Event::Hangup { caller: id, serial });
        if dial {
            let j = self.sources[source].campaign.expect("a dial belongs to a campaign");
            self.on_connected(j as usize, id);
        }
        if self.sources[source].turn_interval.is_some() {
            self.schedule_turn(id);
        }
    }

    fn schedule_turn(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        if let Some(interval) = &s.turn_interval {
            let t = self.now + interval.sample(&mut s.rng.turns);
            if t < c.call_end_t {
                self.events.push(t, Event::TurnStart { caller: id, serial: c.serial });
            }
        }
    }

    fn on_turn_start(&mut self, id: u32, serial: u32) {
        let c = &mut self.callers[id as usize];
        if c.serial != serial {
            return;
        }
        c.phase = Phase::Request;
        c.turn_t = self.now;
        c.request = 0;
        c.request_attempt = 1;
        c.request_held = 0;
        self.advance_request(id);
    }

    /// Passes the current request's limits in order, then serves the request.
    fn advance_request(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let source = c.source as usize;
        loop {
            let k = self.callers[id as usize].request_held as usize;
            let Some(&l) = self.sources[source].requests[c.request as usize].1.get(k) else { break };
            match self.admit(id, l) {
                Admission::Passed => self.callers[id as usize].request_held += 1,
                Admission::Queued => return,
                Admission::Refused => return self.refuse_request(id, l),
            }
        }
        let s = &mut self.sources[source];
        let t = self.now + s.requests[c.request as usize].0.sample(&mut s.rng.requests);
        self.events.push(t, Event::RequestDone { caller: id, serial: c.serial });
    }

    /// Releases the request-scoped limits the current request holds.
    fn release_request(&mut self, id: u32) {
        let c = self.callers[id as usize];
        for k in 0..c.request_held as usize {
            let l = self.sources[c.source as usize].requests[c.request as usize].1[k];
            self.release(id, l);
        }
        self.callers[id as usize].request_held = 0;
    }

    fn on_request_done(&mut self, id: u32, serial: u32) {
        if self.callers[id as usize].serial != serial {
            return;
        }
        self.release_request(id);
        let c = &mut self.callers[id as usize];
        c.request += 1;
        c.request_attempt = 1;
        let c = *c;
        let s = &self.sources[c.source as usize];
        if (c.request as usize) < s.requests.len() {
            return self.advance_request(id);
        }
        if c.counted {
            self.counts[c.source as usize].record_turn(self.now - c.turn_t, s.latency_budget_s);
        }
        self.callers[id as usize].phase = Phase::InCall;
        self.schedule_turn(id);
    }

    /// A request was refused at limit `l`: retry it, or end the call.
    fn refuse_request(&mut self, id: u32, l: u32) {
        self.release_request(id);
        let c = self.callers[id as usize];
        let lc = &mut self.limit_counts[l as usize];
        if c.counted {
            self.counts[c.source as usize].requests_refused += 1;
            lc.requests_refused += 1;
        }
        let s = &mut self.sources[c.source as usize];
        if c.request_attempt < s.retry.max_attempts {
            let next = c.request_attempt + 1;
            let jitter = s.retry.jitter * (2.0 * s.rng.retry.random::<f64>() - 1.0);
            let delay = s.retry.delay_s(next) * (1.0 + jitter);
            if c.counted {
                lc.request_retries += 1;
            }
            self.callers[id as usize].request_attempt = next;
            self.events.push(self.now + delay, Event::RequestRetry { caller: id, serial: c.serial });
            return;
        }
        // The turn failed for good: the caller gives up on the call.
        let now = self.now;
        let counts = &mut self.counts[c.source as usize];
        if c.counted {
            counts.carried_calls -= 1;
            counts.carried_holding_s -= c.call_end_t - now;
            counts.failed_after_connect += 1;
            self.limit_counts[l as usize].failed_after_connect += 1;
        }
        counts.concurrency.step(now, -1);
        if self.several_sources {
            self.total_concurrency.step(now, -1);
        }
        self.end_attempt(id);
        self.redial_or_give_up(id);
    }

    /// The attempt of caller `id` was refused at chain limit `l` (blocked or,
    /// when `left_queue`, abandoned).
    fn refuse_attempt(&mut self, id: u32, l: u32, left_queue: bool) {
        let c = self.callers[id as usize];
        if let Some(j) = self.sources[c.source as usize].campaign {
            return self.refuse_dial(j as usize, id, l, left_queue);
        }
        let wait_s = self.now - c.attempt_t;
        let counts = &mut self.counts[c.source as usize];
        let lc = &mut self.limit_counts[l as usize];
        let limit = &mut self.limits[l as usize];
        if let Some(silence) = &limit.silence {
            // Connected to silence: hold what was seized until the caller hangs up.
            if c.counted {
                counts.failed_after_connect += 1;
                counts.record_wait(wait_s);
                lc.failed_after_connect += 1;
            }
            let s = &mut self.sources[c.source as usize];
            let t = self.now + silence.sample(&mut s.rng.silence);
            self.callers[id as usize].phase = Phase::Silence;
            self.events.push(t, Event::Hangup { caller: id, serial: c.serial });
            return;
        }
        if c.counted {
            if left_queue {
                counts.abandoned_calls += 1;
                lc.abandoned_at += 1;
            } else {
                counts.blocked_calls += 1;
                counts.first_attempt_blocked += (c.attempt == 1) as u64;
                lc.blocked_by += 1;
            }
            counts.record_wait(wait_s);
        }
        self.end_attempt(id);
        self.redial_or_give_up(id);
    }

    fn on_wait_expiry(&mut self, id: u32, generation: u32, l: u32) {
        if self.callers[id as usize].generation != generation {
            return; // served (or moved on) before its wait ran out
        }
        let copy = self.callers[id as usize].wait_copy;
        self.leave_queue(id);
        self.note_refusal(l, copy);
        match self.callers[id as usize].phase {
            Phase::Request => self.refuse_request(id, l),
            _ => self.refuse_attempt(id, l, true),
        }
    }

    #[inline]
    fn on_hangup(&mut self, id: u32, serial: u32) {
        let c = self.callers[id as usize];
        if c.serial != serial {
            return;
        }
        let source = c.source as usize;
        match c.phase {
            Phase::Silence => {
                self.end_attempt(id);
                self.redial_or_give_up(id);
            }
            Phase::Placed => {
                self.end_attempt(id);
                self.retire(id);
            }
            _ => {
                // The call ends normally (a turn in progress is dropped).
                self.counts[source].concurrency.step(self.now, -1);
                if self.several_sources && source < self.n_inbound {
                    self.total_concurrency.step(self.now, -1);
                }
                if c.phase == Phase::InCall {
                    // Between turns nothing waits or is in a request: release
                    // the chain directly (the common case, kept lean).
                    let c = &mut self.callers[id as usize];
                    c.serial = c.serial.wrapping_add(1);
                    self.release_chain(id);
                } else {
                    self.end_attempt(id);
                }
                self.retire(id);
            }
        }
    }

    /// Ends the current attempt: leaves any queue, releases every slot and
    /// makes the attempt's pending events stale.
    #[inline]
    fn end_attempt(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        c.generation = c.generation.wrapping_add(1);
        c.serial = c.serial.wrapping_add(1);
        let (phase, waiting) = (c.phase, c.wait_limit != NONE);
        if waiting {
            self.leave_queue(id);
        }
        if phase == Phase::Request {
            self.release_request(id);
        }
        self.release_chain(id);
        self.callers[id as usize].phase = Phase::Redialing;
    }

    /// Releases the chain limits caller `id` holds, last seized first.
    #[inline]
    fn release_chain(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        let (source, held) = (c.source as usize, std::mem::replace(&mut c.held, 0));
        for k in (0..held as usize).rev() {
            let l = self.sources[source].chain[k];
            self.release(id, l);
        }
    }

    /// Takes caller `id` out of the queue it waits in, if any. Its FIFO
    /// entry stays behind, stale (the caller's generation moves on), and is
    /// skipped when it reaches the head.
    fn leave_queue(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        if c.wait_limit == NONE {
            return;
        }
        let (l, copy) = (std::mem::replace(&mut c.wait_limit, NONE), c.wait_copy);
        c.generation = c.generation.wrapping_add(1);
        self.limits[l as usize].copies[copy as usize].live_waiting -= 1;
        self.limit_counts[l as usize].waiting.step(self.now, -1);
    }

    fn redial_or_give_up(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        if let Some((redial, delay)) = &s.redial {
            let p = redial.probability_after(c.attempt);
            if c.attempt < redial.max_attempts && (p >= 1.0 || s.rng.redial.random::<f64>() < p) {
                let t = self.now + delay.sample(&mut s.rng.redial);
                self.counts[c.source as usize].redialing.step(self.now, 1);
                self.events.push(t, Event::Redial { caller: id });
                return;
            }
        }
        if c.caller_counted {
            self.counts[c.source as usize].callers_lost += 1;
        }
        self.retire(id);
    }

    /// Starts the time series at the end of the warm-up (after the restart).
    fn start_series(&mut self) {
        let Some(bucket_s) = self.series_bucket_s else { return };
        let scales = self
            .units
            .iter()
            .map(|(unit, _)| match unit {
                LimitUnit::Rate { window_s } => UseScale::PerWindow(*window_s),
                _ => UseScale::Integral,
            })
            .collect();
        self.series = Some((Recorder::new(bucket_s, scales, self.snapshot()), self.now));
        self.events.push(self.now + bucket_s, Event::SeriesTick);
    }

    fn on_series_tick(&mut self) {
        let snapshot = self.snapshot();
        let Some((recorder, start)) = &mut self.series else { return };
        recorder.tick(*start, snapshot);
        *start = self.now;
        let next = self.now + recorder.bucket_s;
        if next <= self.end_t {
            self.events.push(next, Event::SeriesTick);
        }
    }

    /// Cumulative counters and integrals now, for the time series.
    fn snapshot(&self) -> Snapshot {
        let now = self.now;
        let mut totals = [0.0; SERIES.len()];
        for c in &self.counts[..self.n_inbound] {
            let counts = [
                c.offered_calls,
                c.attempts,
                c.carried_calls,
                c.blocked_calls,
                c.abandoned_calls,
                c.failed_after_connect,
            ];
            for (k, v) in counts.iter().enumerate() {
                totals[k] += *v as f64;
            }
            totals[6] += c.concurrency.integral(now);
        }
        totals[7] = self.limit_counts.iter().map(|l| l.waiting.integral(now)).sum();
        let limits = self
            .limit_counts
            .iter()
            .zip(&self.units)
            .map(|(l, (unit, _))| match unit {
                LimitUnit::Slots => l.occupancy.integral(now),
                LimitUnit::Rate { .. } => l.admitted as f64,
                LimitUnit::Tokens { r0, g } => l.tokens.integral(now, *r0, *g),
            })
            .collect();
        Snapshot { totals, limits }
    }

    fn on_warmup_end(&mut self) {
        let now = self.now;
        for c in &mut self.counts {
            c.concurrency.restart(now);
            c.redialing.restart(now);
        }
        self.total_concurrency.restart(now);
        for (lc, limit) in self.limit_counts.iter_mut().zip(&self.limits) {
            lc.occupancy.restart(now);
            lc.waiting.restart(now);
            if let KindRt::Tokens { r0, g, .. } = limit.kind {
                lc.tokens.restart(now, r0, g);
            }
            for c in &mut lc.copies {
                c.occupancy.restart(now);
            }
        }
        self.start_series();
    }

    fn finish(mut self) -> Replication {
        // A bucket that ends exactly at the horizon closes here: its tick
        // lies at the end, where the event loop stops.
        if let Some((recorder, start)) = &self.series {
            if *start + recorder.bucket_s <= self.end_t * (1.0 + 1e-12) {
                self.now = self.end_t;
                self.on_series_tick();
            }
        }
        // Attempts still waiting in the chain are "in progress": count them
        // for conservation.
        for limit in &self.limits {
            for cp in &limit.copies {
                for &(w, generation) in &cp.fifo {
                    let c = &self.callers[w as usize];
                    let inbound = (c.source as usize) < self.n_inbound;
                    if inbound && c.generation == generation && c.counted && c.phase == Phase::Chain {
                        self.counts[c.source as usize].waiting_at_end += 1;
                    }
                }
            }
        }
        let end_t = self.end_t;
        for d in &mut self.dialers {
            d.counts.pacing_s[d.cause.index()] += end_t - d.cause_t.min(end_t);
            d.counts.in_flight.close(end_t);
            d.counts.leads_finished = d.counts.leads - d.book.open as u64;
        }
        self.counts.truncate(self.n_inbound); // campaigns report their own counts
        let mut total = Counts::default();
        total.redialing.close(self.end_t);
        for c in &mut self.counts {
            c.redialing.close(self.end_t);
            total.absorb(c);
        }
        total.concurrency = match self.counts.as_slice() {
            [one] => one.concurrency.clone(),
            _ => self.total_concurrency,
        };
        let (campaigns, dial_log) =
            self.dialers.into_iter().map(|d| (d.counts, d.log.map(|l| l.0).unwrap_or_default())).unzip();
        Replication {
            campaigns,
            dial_log,
            sources: self.counts,
            total,
            limits: self.limit_counts,
            units: self.units,
            end_t: self.end_t,
            horizon_s: self.horizon_s,
            series: self.series.map(|(r, _)| r.buckets).unwrap_or_default(),
        }
    }
}

/// The runtime of campaign `j` of `model`: its callers' source (index
/// `index` in `Sim::sources`: its dial-stage limits, then its agent limits)
/// and its dialer, with streams from `(seed, point, replication)`.
fn campaign_rt(
    model: &Model,
    j: usize,
    index: usize,
    streams: (u64, u64, u64),
    log_dials: bool,
) -> (SourceRt, DialerRt) {
    let (seed, point, rep) = streams;
    let c = &model.campaigns[j];
    let end_t = model.run.warmup_s + model.run.horizon_s;
    let id = |purpose| source_stream(seed, point, rep, index, purpose);
    let mut chain: Vec<u32> = (0..model.limits.len())
        .filter(|&l| {
            let lim = &model.limits[l];
            lim.applies_to(index) && !matches!(lim.scope, Scope::Request { .. }) && !c.agent_limits.contains(&l)
        })
        .map(|l| l as u32)
        .collect();
    let place_at = chain.len() as u32;
    chain.extend(c.agent_limits.iter().map(|&l| l as u32));
    let source = SourceRt {
        process: ArrivalProcess::Dialer,
        active: 0,
        holding: Sampler::Const(0.0),
        patience: None,
        redial: None,
        chain,
        turn_interval: None,
        requests: Vec::new(),
        latency_budget_s: 0.0,
        retry: crate::model::Retry {
            max_attempts: 1,
            backoff: crate::model::Backoff::Constant,
            base_s: 0.0,
            jitter: 0.0,
        },
        rng: Streams::new(seed, point, rep, index),
        campaign: Some(j as u32),
        place_at,
    };
    let mut cdf = [0.0; 4];
    let mut acc = 0.0;
    for (k, (p, _)) in c.outcomes.iter().enumerate() {
        acc += p;
        cdf[k] = acc;
    }
    let leads = c.lead_zones.len();
    let dialer = DialerRt {
        book: LeadBook::new(c),
        source: index as u32,
        max_concurrent: c.max_concurrent,
        outcome_cdf: cdf,
        last_outcome: c.outcomes.iter().rposition(|o| o.0 > 0.0).unwrap_or(0),
        holding: std::array::from_fn(|k| sampler(&c.outcomes[k].1)),
        ring: sampler(&c.ring_time),
        abandon_after_s: c.abandon_after_s,
        max_abandonment: c.max_abandonment,
        outcome_rng: id(Purpose::Outcomes),
        holding_rng: id(Purpose::Holding),
        in_flight: 0,
        connected: 0,
        paused_until: 0.0,
        paused_by: 0,
        wake_t: f64::INFINITY,
        due: false,
        cause: Pacing::Window,
        cause_t: c.start_s,
        counts: CampaignCounts::new(leads as u64, c.start_s, end_t, model.limits.len()),
        log: log_dials.then(|| (Vec::new(), vec![NONE; leads])),
    };
    (source, dialer)
}

// Campaigns: the dialer's pacing and the life of a dial.
impl Sim {
    /// Dials leads of campaign `j` while nothing holds the dialer back, and
    /// books the time until now under the cause that held it back before.
    #[cold]
    #[inline(never)]
    fn pump(&mut self, j: usize) {
        let now = self.now;
        if now < self.dialers[j].counts.start_s {
            return; // its start wake-up is pending
        }
        let cause = loop {
            let d = &self.dialers[j];
            if d.in_flight >= d.max_concurrent {
                break self.congested_limit(j).map_or(Pacing::MaxConcurrent, Pacing::Limit);
            }
            if now < d.paused_until {
                let (t, l) = (d.paused_until, d.paused_by);
                self.wake(j, t);
                break Pacing::Limit(l);
            }
            let (pending, idle) = (d.in_flight - d.connected, self.idle_agents(j));
            if pending >= idle && !d.may_overdial(pending + 1 - idle) {
                // Dial ends wake the dialer; with none in flight (agents busy
                // with other traffic), look again in a second.
                if d.in_flight == 0 {
                    self.wake(j, now + BLOCKED_PAUSE_S);
                }
                // Dials queued at a dial-stage limit count in the budget (they
                // will ring): if some are, that limit is what holds them.
                break self.congested_limit(j).map_or(Pacing::AbandonmentCap, Pacing::Limit);
            }
            let d = &mut self.dialers[j];
            match d.book.next_lead(now) {
                Some(lead) => self.dial(j, lead),
                None => {
                    let cause = if !d.book.has_waiting() {
                        Pacing::Done
                    } else if d.book.any_window_open(now) {
                        Pacing::RetrySchedule
                    } else {
                        Pacing::Window
                    };
                    if let Some(t) = d.book.next_eligible(now) {
                        self.wake(j, t);
                    }
                    break cause;
                }
            }
        };
        let d = &mut self.dialers[j];
        d.counts.pacing_s[d.cause.index()] += now - d.cause_t;
        d.cause = cause;
        d.cause_t = now;
    }

    /// Schedules a wake-up of dialer `j` at `t` unless an earlier one is pending.
    fn wake(&mut self, j: usize, t: f64) {
        // Callers pass times after `now` (see `LeadBook::eligible_from`);
        // the floor only keeps a broken invariant from spinning the dialer
        // at one instant.
        let t = t.max(self.now + 1e-6);
        let d = &mut self.dialers[j];
        if t < d.wake_t {
            d.wake_t = t;
            self.events.push(t, Event::DialerWake { campaign: j as u32 });
        }
    }

    /// The dial-stage limit where the most callers wait, if any wait.
    fn congested_limit(&self, j: usize) -> Option<u32> {
        let s = &self.sources[self.dialers[j].source as usize];
        s.chain[..s.place_at as usize]
            .iter()
            .map(|&l| (l, self.limits[l as usize].copies.iter().map(|c| c.live_waiting).sum::<u32>()))
            .filter(|&(_, w)| w > 0)
            .fold(None, |best: Option<(u32, u32)>, x| if best.is_some_and(|b| b.1 >= x.1) { best } else { Some(x) })
            .map(|(l, _)| l)
    }

    /// Agents free for campaign `j`: the fewest free, not-waited-for slots
    /// over its concurrency agent limits (`u32::MAX` without any).
    fn idle_agents(&self, j: usize) -> u32 {
        let s = &self.sources[self.dialers[j].source as usize];
        s.chain[s.place_at as usize..]
            .iter()
            .filter_map(|&l| match self.limits[l as usize].kind {
                KindRt::Concurrency { capacity } => Some(
                    self.limits[l as usize]
                        .copies
                        .iter()
                        .map(|c| capacity.saturating_sub(c.holders + c.live_waiting))
                        .sum::<u32>(),
                ),
                _ => None,
            })
            .min()
            .unwrap_or(u32::MAX)
    }

    /// Starts a dial of `lead` for campaign `j`: it passes the dial-stage limits.
    fn dial(&mut self, j: usize, lead: u32) {
        let now = self.now;
        let d = &mut self.dialers[j];
        d.in_flight += 1;
        d.counts.in_flight.step(now, 1);
        let source = d.source;
        self.sources[source as usize].active += 1;
        // Campaign figures have their own counts: the caller counters stay out.
        let id = self.new_caller(Caller::new(source, 0.0, now, false, lead));
        self.start_attempt(id);
    }

    /// Dial `id` holds its dial-stage limits: place it (if its lead may
    /// still be dialed) and draw its outcome. Returns whether it goes on to
    /// the agent stage at once (an answer with no ring time).
    #[cold]
    #[inline(never)]
    fn place_dial(&mut self, id: u32) -> bool {
        let now = self.now;
        let c = self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("only a campaign's dials are placed") as usize;
        let d = &mut self.dialers[j];
        if !d.book.may_dial(c.lead, now) {
            // Its window closed (or its day's cap filled) while it waited.
            d.counts.dials_cancelled += 1;
            self.callers[id as usize].outcome = CANCELLED;
            self.end_attempt(id);
            self.retire(id);
            return false;
        }
        d.book.record_attempt(c.lead, now);
        let attempt = d.book.attempts(c.lead);
        d.counts.leads_dialed += (attempt == 1) as u64;
        d.counts.dials += 1;
        CampaignCounts::count_hour(&mut d.counts.dials_by_hour, now);
        let u: f64 = d.outcome_rng.random();
        let o = d.outcome_cdf.iter().position(|&p| u < p).unwrap_or(d.last_outcome);
        let holding_s = d.holding[o].sample(&mut d.holding_rng);
        let utc_offset_s = d.book.offset_s(c.lead);
        if let Some((log, last)) = &mut d.log {
            last[c.lead as usize] = log.len() as u32;
            log.push(DialRecord { lead: c.lead, attempt, placed_s: now, utc_offset_s, outcome: Outcome::ALL[o] });
        }
        let ring_s = if o == Outcome::Answer as usize { Some(d.ring.sample(&mut d.holding_rng)) } else { None };
        let caller = &mut self.callers[id as usize];
        caller.outcome = o as u8;
        caller.holding_s = holding_s;
        caller.phase = Phase::Placed;
        let serial = caller.serial;
        match ring_s {
            None => self.events.push(now + holding_s, Event::Hangup { caller: id, serial }),
            Some(ring_s) if ring_s > 0.0 => {
                self.events.push(now + ring_s, Event::DialAnswered { caller: id, serial });
            }
            Some(_) => {
                self.start_agent_stage(id);
                return true;
            }
        }
        false
    }

    /// A dial's ring time is over: the callee picks up.
    #[cold]
    #[inline(never)]
    fn on_dial_answered(&mut self, id: u32, serial: u32) {
        if self.callers[id as usize].serial == serial {
            self.start_agent_stage(id);
            self.advance(id);
        }
    }

    /// The callee picked up: the dial must reach an agent within `abandon_after`.
    fn start_agent_stage(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("a campaign's dial") as usize;
        c.phase = Phase::Chain;
        c.attempt_t = self.now;
        c.patience_end_t = self.now + self.dialers[j].abandon_after_s;
    }

    /// Dial `id` of campaign `j` is connected to an agent: its lead is reached.
    #[cold]
    #[inline(never)]
    fn on_connected(&mut self, j: usize, id: u32) {
        let now = self.now;
        let lead = self.callers[id as usize].lead;
        let d = &mut self.dialers[j];
        d.connected += 1;
        d.counts.leads_reached += 1;
        CampaignCounts::count_hour(&mut d.counts.reached_by_hour, now);
        d.file(lead, Outcome::Answer, now);
    }

    /// Dial `id` of campaign `j` was refused at limit `l`: before placement
    /// it is blocked (the dialer pauses); after the answer it is abandoned.
    #[cold]
    #[inline(never)]
    fn refuse_dial(&mut self, j: usize, id: u32, l: u32, left_queue: bool) {
        let c = self.callers[id as usize];
        if c.counted {
            let lc = &mut self.limit_counts[l as usize];
            if left_queue {
                lc.abandoned_at += 1;
            } else {
                lc.blocked_by += 1;
            }
        }
        let d = &mut self.dialers[j];
        if c.outcome == NOT_PLACED {
            d.counts.dials_blocked += 1;
            d.paused_until = self.now + BLOCKED_PAUSE_S;
            d.paused_by = l;
            self.callers[id as usize].outcome = BLOCKED;
        } else {
            self.callers[id as usize].outcome = Outcome::Abandoned as u8;
            if let Some((log, last)) = &mut d.log {
                log[last[c.lead as usize] as usize].outcome = Outcome::Abandoned;
            }
        }
        self.end_attempt(id);
        self.retire(id);
    }

    /// Dial `id` is over (its slots are released): file its lead's outcome
    /// and let the dialer look for the next lead.
    #[cold]
    #[inline(never)]
    fn dial_ended(&mut self, id: u32) {
        let now = self.now;
        let c = self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("a campaign's dial") as usize;
        let d = &mut self.dialers[j];
        d.in_flight -= 1;
        d.counts.in_flight.step(now, -1);
        match c.outcome {
            NOT_PLACED | BLOCKED | CANCELLED => d.book.put_back(c.lead, now),
            o => {
                d.paused_until = 0.0; // a dial ended: room may have come free
                let outcome = Outcome::ALL[o as usize];
                if outcome == Outcome::Answer {
                    d.connected -= 1; // its lead was filed when it connected
                } else {
                    d.file(c.lead, outcome, now);
                }
            }
        }
        d.due = true;
        self.pump_due = true;
    }
}

/// Whether one more holder or admission fits copy `cp` at `now`. Brings a
/// rate copy's state up to `now` first (window roll-over, sliding-window
/// expiry, bucket refill).
#[inline(always)]
fn fits(kind: KindRt, cp: &mut CopyRt, now: f64) -> bool {
    match kind {
        KindRt::Concurrency { capacity } => cp.holders < capacity,
        KindRt::Tokens { budget, r0, g } => {
            let n = cp.holders as f64;
            n * r0 + g * (n * now - cp.sum_start_t) / 60.0 + r0 <= budget * (1.0 + 1e-12)
        }
        KindRt::Rate { max, window_s, algorithm, burst, refill_per_s } => match algorithm {
            RateAlgorithm::FixedWindow => {
                // The wake-up comes at (window + 1) × w: that instant must open
                // the next window even if now / w rounds just below it.
                let next = if now >= (cp.window + 1) as f64 * window_s { cp.window + 1 } else { cp.window };
                let w = ((now / window_s).floor() as i64).max(next);
                if w != cp.window {
                    cp.window = w;
                    cp.count = 0;
                }
                cp.count < max
            }
            RateAlgorithm::SlidingWindow => {
                // `t + w`, the very sum the wake-up is scheduled at, so that
                // rounding cannot keep an expired admission in the window.
                while cp.log.front().is_some_and(|&t| t + window_s <= now) {
                    cp.log.pop_front();
                }
                (cp.log.len() as u32) < max
            }
            RateAlgorithm::TokenBucket => {
                cp.tokens = (cp.tokens + (now - cp.refill_t) * refill_per_s).min(burst);
                cp.refill_t = now;
                // A wake-up computed for the instant the bucket reaches one
                // token may land a rounding error short of it.
                cp.tokens >= 1.0 - 1e-9
            }
        },
    }
}

/// How much of a copy is in use, for `least_loaded`: holders, token use as a
/// share of the per-call rate, or admissions in the current window.
fn room_used(kind: KindRt, cp: &mut CopyRt, now: f64) -> f64 {
    match kind {
        KindRt::Concurrency { .. } => cp.holders as f64,
        KindRt::Tokens { r0, g, .. } => {
            let n = cp.holders as f64;
            (n * r0 + g * (n * now - cp.sum_start_t) / 60.0) / r0
        }
        KindRt::Rate { .. } => {
            fits(kind, cp, now);
            match kind {
                KindRt::Rate { algorithm: RateAlgorithm::FixedWindow, .. } => cp.count as f64,
                KindRt::Rate { algorithm: RateAlgorithm::SlidingWindow, .. } => cp.log.len() as f64,
                KindRt::Rate { burst, .. } => burst - cp.tokens,
                _ => unreachable!("matched a rate limit above"),
            }
        }
    }
}
