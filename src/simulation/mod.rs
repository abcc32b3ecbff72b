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
//! - A pooled limit (`pool = N`) first picks one copy (`select`;
//!   `round_robin` moves past a full copy to the next with room); the call
//!   then deals with that copy alone.
//! - A refusal is a `reject` on a full copy, a full queue (`max_waiting`), or
//!   leaving a queue unserved: at the limit's `timeout` (from joining that
//!   queue) or at the caller's patience (from the attempt's arrival),
//!   whichever is first. A call refused with `when_refused = "busy"` is
//!   blocked (or abandoned, if it left a queue) and releases what it held;
//!   with `"silence"` it is connected to silence (`failed_after_connect`, a
//!   call in progress), holds what it has for its `silence_patience`, then
//!   hangs up.
//! - A request refused at a request-scoped limit is retried per the source's
//!   `retry`; once out of attempts the call ends as `failed_after_connect`.
//! - A freed slot (or budget, or rate) goes to the waiters of that copy in
//!   FIFO order, so a waiter and room for it never coexist.
//! - A refused caller (and, unless `redial.after_failure` is false, one
//!   whose call failed after connecting) redials after the `redial` delay
//!   until it has made `max_attempts` attempts; its holding time is drawn
//!   once, its patience for every attempt.
//! - A call that fails after being answered leaves the carried calls and
//!   the service level; per-limit counts restart at the warm-up.
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

//!
//! The code follows the concerns of one replication: this file holds the
//! state and the event loop; `runtime` builds the per-replication state
//! from the model; `limits` passes, queues at, seizes and releases limits;
//! `call` is the life of a call (answer, turns and requests, refusals,
//! hang-up, redial); `observe` the counting (by source, hour and day),
//! calls in progress, the warm-up restart and the time series; `held` the
//! lost-calls-held system of the control variate;
//! `dial` the outbound campaigns' dialer and the life of a dial.

mod attempts;
mod call;
mod copy;
mod dial;
mod faults;
mod held;
mod limits;
mod observe;
mod pool;
mod runtime;
mod timeline;

use crate::arrivals::ArrivalProcess;
use crate::engine::{failure_stream, incident_stream, routing_stream, EventQueue, SimRng};
use crate::model::{JudgedDays, Model, Outcome};
use crate::record::{
    hour_of_week, Counts, DayCounts, HourCounts, LimitCounts, Recorder, Replication, TimeAverage, HOURS_PER_WEEK,
};
use crate::units::DAY_S;
use dial::DialerRt;
use rand_distr::{Distribution, Exp1};
use runtime::{LimitRt, SourceRt};
use std::collections::VecDeque;

/// "No caller, limit, copy or entry" in the compact `u32` indices of the
/// state and of the pool indexes: one sentinel for every such index.
pub(crate) const NONE: u32 = u32::MAX;

/// Runs replication `replication` of `model` at sweep point `point`.
///
/// The random streams are derived from (model seed, point, replication), so
/// the result depends on nothing else: not the thread, not the order in which
/// replications run.
pub fn simulate(model: &Model, point: u64, replication: u32) -> Replication {
    Sim::new(model, point, replication, Keep::default()).run()
}

/// [`simulate`], also keeping the log of every campaign dial (its placement
/// time, lead, attempt and outcome): the audit that no lead was dialed
/// outside its window or above its caps.
pub fn simulate_logged(model: &Model, point: u64, replication: u32) -> Replication {
    Sim::new(model, point, replication, Keep { dials: true, attempts: false }).run()
}

/// What a replication keeps beyond its counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keep {
    /// Every campaign dial ([`simulate_logged`]).
    pub dials: bool,
    /// Every inbound attempt after the warm-up
    /// ([`crate::record::attempts::AttemptLog`]): what call records hold.
    pub attempts: bool,
}

/// [`simulate`], keeping what `keep` asks for.
pub fn simulate_keeping(model: &Model, point: u64, replication: u32, keep: Keep) -> Replication {
    Sim::new(model, point, replication, keep).run()
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
    /// The caller (or its request) learns that limit `limit`, which it
    /// holds, failed it; ignored unless its generation is still `generation`.
    AttemptFailed { caller: u32, generation: u32, limit: u32 },
    /// The caller (or its request) goes on after a failure's retry interval.
    Resume { caller: u32, serial: u32 },
    /// An unhealthy limit is probed.
    Probe { limit: u32 },
    /// A limit's schedule moves to its next capacity.
    ScheduleStep { limit: u32 },
    /// An incident begins (`begins` = 1) or ends (0); a `u32`, as every
    /// other payload, keeps the event a plain 16-byte copy in the heap.
    Incident { incident: u32, begins: u32 },
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

/// Where a campaign's dial stands (inbound callers stay `NotADial`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum DialState {
    /// An inbound caller.
    NotADial,
    /// Passing the dial-stage limits, not placed yet.
    NotPlaced,
    /// Refused by a dial-stage limit before placement.
    Blocked,
    /// Through the chain after its lead's window closed: not placed.
    Cancelled,
    /// Placed, with this outcome.
    Placed(Outcome),
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
    /// This attempt was answered within the SLA's `answer_within`.
    answered_within: bool,
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
    /// The hour of the week of the caller's first attempt (a lost caller is
    /// counted there).
    first_hour: u8,
    /// A campaign's dial: its lead (else NONE) and where it stands.
    lead: u32,
    dial: DialState,
}

impl Caller {
    /// A new caller of `source` arriving at `now` (its first attempt starts
    /// with [`Sim::start_attempt`]).
    #[inline(always)]
    fn new(source: u32, holding_s: f64, now: f64, counted: bool) -> Self {
        Caller {
            source,
            attempt: 0,
            held: 0,
            generation: 0,
            serial: 0,
            phase: Phase::Redialing,
            counted,
            answered_within: false,
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
            lead: NONE,
            first_hour: 0,
            dial: DialState::NotADial,
        }
    }
}

/// The state of one replication.
struct Sim {
    now: f64,
    end_t: f64,
    warmup_s: f64,
    horizon_s: f64,
    answer_within_s: f64,
    events: EventQueue<Event>,
    /// Inbound sources, then one per campaign (its dials' source).
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
    /// Per source (campaigns' entries stay empty: they report their own counts).
    counts: Vec<Counts>,
    /// Calls in progress over all inbound sources; with one source it is
    /// that source's and is not tracked twice.
    total_concurrency: TimeAverage,
    several_sources: bool,
    /// Some limit is `select = "sticky"`: callers' sticky copies need resetting.
    any_sticky: bool,
    limit_counts: Vec<LimitCounts>,
    /// The time series being recorded, and the start of its open bucket.
    series: Option<(Recorder, f64)>,
    series_bucket_s: Option<f64>,
    /// Inbound sources come first in `sources` and `counts`; campaigns follow.
    n_inbound: usize,
    dialers: Vec<DialerRt>,
    /// Some dialer is `due`.
    pump_due: bool,
    /// Counts per (inbound source, hour of the week), when the SLA is judged
    /// over hours ([`crate::record::HourCounts`]).
    hours: Option<Vec<Counts>>,
    /// Counts per (inbound source, day) in the busy clock hour, when the
    /// SLA reads the busiest days or counts days over target: (busy hour,
    /// `[source][day]`).
    days: Option<(usize, Vec<Vec<Counts>>)>,
    /// Where the SLA is judged.
    sla_over: crate::model::SlaOver,
    /// Which days' busy hours it reads.
    judged_days: JudgedDays,
    /// Whether it judges each day's busy hour too (`max_days_over`).
    each_day: bool,
    /// Failures, fallbacks and incidents' streams and per-caller moves.
    /// Boxed: the replication's hot state stays together without it.
    faults: Box<faults::Faults>,
    incidents: Vec<timeline::IncidentRt>,
    /// Every inbound attempt, when kept.
    attempts: Option<Box<attempts::AttemptsRt>>,
    /// The lost-calls-held system, when the SLA's control variate reads it.
    held: Option<held::HeldSystem>,
}

impl Sim {
    fn new(model: &Model, point: u64, replication: u32, keep: Keep) -> Self {
        let (seed, rep) = (model.run.seed, replication as u64);
        let mut sources: Vec<SourceRt> =
            (0..model.sources.len()).map(|i| runtime::source_rt(model, i, (seed, point, rep))).collect();
        let n_inbound = sources.len();
        // Campaigns' dials are callers of sources after the inbound ones.
        let (campaign_sources, dialers): (Vec<SourceRt>, Vec<DialerRt>) = (0..model.campaigns.len())
            .map(|j| dial::campaign_rt(model, j, n_inbound + j, (seed, point, rep), keep.dials))
            .unzip();
        sources.extend(campaign_sources);
        Sim {
            now: 0.0,
            end_t: model.run.warmup_s + model.run.horizon_s,
            warmup_s: model.run.warmup_s,
            horizon_s: model.run.horizon_s,
            answer_within_s: model.sla.answer_within_s,
            events: EventQueue::new(),
            sources,
            limits: (0..model.limits.len()).map(|i| runtime::limit_rt(model, i, model.run.record_holds)).collect(),
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
            any_sticky: model.limits.iter().any(|l| l.select == crate::model::Select::Sticky && l.pool > 1),
            limit_counts: model
                .limits
                .iter()
                .map(|l| runtime::limit_counts(l, model.limits.len(), model.run.record_holds))
                .collect(),
            series: None,
            series_bucket_s: model.run.timeseries_bucket_s,
            n_inbound,
            dialers,
            pump_due: false,
            hours: model.sla.needs_hours().then(|| vec![Counts::default(); model.sources.len() * HOURS_PER_WEEK]),
            days: model.sla.reads_days().then(|| {
                let days = ((model.run.warmup_s + model.run.horizon_s) / DAY_S).ceil() as usize;
                (model.busy_clock_hour(), vec![vec![Counts::default(); days]; model.sources.len()])
            }),
            attempts: keep.attempts.then(Box::default),
            judged_days: model.sla.days,
            each_day: model.sla.max_days_over.is_some(),
            sla_over: model.sla.over.clone(),
            faults: Box::new(faults::Faults {
                failure_rng: failure_stream(seed, point, rep),
                incident_rng: incident_stream(seed, point, rep),
                moved: Vec::new(),
                fail_count: Vec::new(),
                stamp: Vec::new(),
                any_failure: model.limits.iter().any(|l| l.failure.is_some()),
                any_service_factor: model.incidents.iter().any(|i| i.service_factor != 1.0),
            }),
            incidents: timeline::incidents(model),
            held: model.held_capacity().map(held::HeldSystem::new),
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
        self.start_timeline();
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
                Event::AttemptFailed { caller, generation, limit } => self.on_attempt_failed(caller, generation, limit),
                Event::Resume { caller, serial } => {
                    if self.callers[caller as usize].serial == serial {
                        self.resume(caller);
                    }
                }
                Event::Probe { limit } => self.on_probe(limit),
                Event::ScheduleStep { limit } => self.on_schedule_step(limit),
                Event::Incident { incident, begins } => self.on_incident(incident, begins == 1),
            }
            loop {
                while let Some(c) = self.handed.pop_front() {
                    self.resume(c);
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
    /// finite population has one more idle member. Inlined where callers
    /// hang up; populations and dials go on out of line.
    #[inline(always)]
    fn retire(&mut self, id: u32) {
        self.free.push(id);
        let source = self.callers[id as usize].source;
        let s = &mut self.sources[source as usize];
        s.active -= 1;
        if matches!(s.process, ArrivalProcess::Population { .. } | ArrivalProcess::Dialer) {
            self.retired_from(source, id);
        }
    }

    #[inline(never)]
    fn retired_from(&mut self, source: u32, id: u32) {
        match self.sources[source as usize].process {
            ArrivalProcess::Population { .. } => self.schedule_arrival(source),
            _ => self.dial_ended(id),
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
                match calls[*next - 1].1 {
                    // A replayed log's arrival without a holding time (`simcall backtest`): the model's.
                    d if d.is_nan() => s.holding.sample(&mut s.rng.holding),
                    d => d,
                }
            }
            _ => s.holding.sample(&mut s.rng.holding),
        };
        s.active += 1;
        self.schedule_arrival(source);
        let counted = self.now >= self.warmup_s;
        let over = self.held.as_mut().is_some_and(|h| h.arrive(self.now, holding_s)) as u64;
        if counted {
            self.tally(source as usize, self.now, |c| {
                c.offered_calls += 1;
                c.offered_holding_s += holding_s;
                c.held_overflow += over;
            });
        }
        // Only an SLA judged over hours needs the caller's first hour.
        let first_hour = if self.hours.is_some() { hour_of_week(self.now) as u8 } else { 0 };
        let id = self.new_caller(Caller { first_hour, ..Caller::new(source, holding_s, self.now, counted) });
        self.number_caller(id);
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
                // (Its moves to fallbacks are stamped with the old serial: forgotten when read.)
                id
            }
            None => {
                self.callers.push(caller);
                self.held_copy.extend(std::iter::repeat_n(NONE, self.n_limits));
                self.held_t.extend(std::iter::repeat_n(0.0, self.n_limits));
                self.sticky.extend(std::iter::repeat_n(NONE, self.n_limits));
                if self.faults.any_failure {
                    self.faults.moved.extend(std::iter::repeat_n(0, self.n_limits));
                    self.faults.fail_count.push(0);
                    self.faults.stamp.push(caller.serial);
                }
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
            let (source, holding_s) = (c.source as usize, c.holding_s);
            self.tally(source, now, |k| {
                k.attempts += 1;
                k.attempt_holding_s += holding_s;
            });
        }
        self.advance(id);
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
        let mut waiting = Vec::new();
        for limit in &self.limits {
            for cp in &limit.copies {
                for &(w, generation) in &cp.fifo {
                    let c = &self.callers[w as usize];
                    let inbound = (c.source as usize) < self.n_inbound;
                    if inbound && c.generation == generation && c.counted && c.phase == Phase::Chain {
                        waiting.push((c.source as usize, c.attempt_t));
                    }
                }
            }
        }
        for (source, t) in waiting {
            self.tally(source, t, |c| c.waiting_at_end += 1);
        }
        let end_t = self.end_t;
        for d in &mut self.dialers {
            d.close(end_t);
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
        let (campaigns, dial_log) = self.dialers.into_iter().map(DialerRt::into_records).unzip();
        Replication {
            attempts: self.attempts.map(|a| a.log),
            campaigns,
            dial_log,
            sources: self.counts,
            total,
            limits: self.limit_counts,
            end_t: self.end_t,
            horizon_s: self.horizon_s,
            series: self.series.map(|(r, _)| r.buckets).unwrap_or_default(),
            hours: self.hours.map(|h| HourCounts {
                over: self.sla_over,
                per_source: h.chunks(HOURS_PER_WEEK).map(<[Counts]>::to_vec).collect(),
                days: self.days.map(|(busy_hour, per_source)| DayCounts {
                    busy_hour,
                    judged: self.judged_days,
                    each_day: self.each_day,
                    per_source,
                }),
            }),
        }
    }
}
