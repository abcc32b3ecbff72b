//! The call model on top of the event engine: callers arrive, seize a slot in
//! every limit in order, wait or are blocked where a limit is full, talk for
//! their holding time and release everything; blocked and abandoned callers
//! may redial. One call of [`simulate`] is one replication.
//!
//! Semantics (the contract the tests check against theory):
//! - A call seizes limits in the order listed and holds all of them until it
//!   ends. A full `reject` limit blocks the attempt and releases what it held.
//! - A full `queue` limit puts the caller in its FIFO, still holding the
//!   earlier limits. It leaves at the earlier of the limit's timeout (counted
//!   from joining that queue) and its patience (counted from the attempt's
//!   arrival): an abandonment. With `max_waiting` callers already there the
//!   attempt is blocked at once.
//! - A released slot goes straight to the head of that limit's queue, so a
//!   free slot and a waiting caller never coexist.
//! - A blocked or abandoned caller redials after the `redial` delay until it
//!   has made `max_attempts` attempts; its holding time is drawn once.
//! - Memory is proportional to the callers in progress, waiting or about to
//!   redial: finished callers' slots are reused.

use crate::engine::{stream, EventQueue, SimRng};
use crate::model::{Model, OnFull, Sampler};
use crate::statistics::{Counts, LimitCounts, ReplicationMetrics, TimeAverage};
use rayon::prelude::*;
use std::collections::VecDeque;

/// Random streams of a source, one per purpose, so that changing one part of
/// a model (a capacity, a patience) leaves the others' draws unchanged:
/// tiers compared at the same sweep point see the same callers.
const STREAMS_PER_SOURCE: u64 = 4;
const STREAM_ARRIVALS: u64 = 0;
const STREAM_HOLDING: u64 = 1;
const STREAM_PATIENCE: u64 = 2;
const STREAM_REDIAL: u64 = 3;

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
}

/// Runs replication `replication` of `model` at sweep point `point`.
///
/// The random streams are derived from (model seed, point, replication), so
/// the result depends on nothing else: not the thread, not the order in which
/// replications run.
pub fn simulate(model: &Model, point: u64, replication: u32) -> Replication {
    Sim::new(model, point, replication).run()
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
    /// An answered call ends.
    Departure { caller: u32 },
    /// A waiting caller's timeout or patience runs out; ignored unless the
    /// caller's generation still equals `generation`.
    WaitExpiry { caller: u32, generation: u32, limit: u32 },
    /// Statistics restart.
    WarmupEnd,
}

struct SourceRt {
    interarrival: Sampler,
    holding: Sampler,
    patience: Option<Sampler>,
    redial_delay: Option<Sampler>,
    max_attempts: u32,
    arrivals_rng: SimRng,
    holding_rng: SimRng,
    patience_rng: SimRng,
    redial_rng: SimRng,
}

struct LimitRt {
    capacity: u32,
    /// `Some` for `on_full = queue`.
    queue: Option<WaitQueue>,
}

struct WaitQueue {
    /// (caller, generation at joining); entries whose caller has moved on
    /// are stale and skipped when they reach the head.
    fifo: VecDeque<(u32, u32)>,
    timeout_s: f64,
    max_waiting: u32,
}

#[derive(Debug, Clone, Copy)]
struct Caller {
    source: u32,
    /// Attempts made so far, this one included.
    attempt: u32,
    /// Limits 0..held are seized.
    held: u32,
    /// Bumped whenever a pending expiry or queue entry must be ignored.
    generation: u32,
    /// This attempt arrived after the warm-up.
    counted: bool,
    /// The first attempt arrived after the warm-up.
    caller_counted: bool,
    attempt_t: f64,
    /// Absolute time the caller's patience ends (∞ without patience).
    patience_end_t: f64,
    holding_s: f64,
}

struct Sim {
    now: f64,
    horizon_s: f64,
    end_t: f64,
    warmup_s: f64,
    answer_within_s: f64,
    events: EventQueue<Event>,
    sources: Vec<SourceRt>,
    limits: Vec<LimitRt>,
    callers: Vec<Caller>,
    free: Vec<u32>,
    /// Callers handed a slot by a release, to be advanced through the rest of
    /// the chain once the release is complete.
    handed: VecDeque<u32>,
    counts: Vec<Counts>,
    total_concurrency: TimeAverage,
    limit_counts: Vec<LimitCounts>,
}

impl Sim {
    fn new(model: &Model, point: u64, replication: u32) -> Self {
        let seed = model.run.seed;
        let sources = model
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let id = |k| stream(seed, point, replication as u64, i as u64 * STREAMS_PER_SOURCE + k);
                let sampler =
                    |d: &crate::model::Dist| d.sampler().expect("distributions are checked when the model is built");
                SourceRt {
                    interarrival: sampler(&crate::model::Dist::Exponential { mean_s: 1.0 / s.arrival_rate_per_s }),
                    holding: sampler(&s.holding),
                    patience: s.patience.as_ref().map(sampler),
                    redial_delay: s.redial.as_ref().map(|r| sampler(&r.delay)),
                    max_attempts: s.redial.as_ref().map_or(1, |r| r.max_attempts),
                    arrivals_rng: id(STREAM_ARRIVALS),
                    holding_rng: id(STREAM_HOLDING),
                    patience_rng: id(STREAM_PATIENCE),
                    redial_rng: id(STREAM_REDIAL),
                }
            })
            .collect();
        let limits = model
            .limits
            .iter()
            .map(|l| LimitRt {
                capacity: l.capacity,
                queue: match l.on_full {
                    OnFull::Reject => None,
                    OnFull::Queue { timeout_s, max_waiting } => Some(WaitQueue {
                        fifo: VecDeque::new(),
                        timeout_s: timeout_s.unwrap_or(f64::INFINITY),
                        max_waiting: max_waiting.unwrap_or(u32::MAX),
                    }),
                },
            })
            .collect();
        let limit_counts =
            model.limits.iter().map(|l| LimitCounts { capacity: l.capacity, ..Default::default() }).collect();
        Sim {
            now: 0.0,
            horizon_s: model.run.horizon_s,
            end_t: model.run.warmup_s + model.run.horizon_s,
            warmup_s: model.run.warmup_s,
            answer_within_s: model.sla.answer_within_s,
            events: EventQueue::new(),
            sources,
            limits,
            callers: Vec::new(),
            free: Vec::new(),
            handed: VecDeque::new(),
            counts: vec![Counts::default(); model.sources.len()],
            total_concurrency: TimeAverage::default(),
            limit_counts,
        }
    }

    fn run(mut self) -> Replication {
        if self.warmup_s > 0.0 {
            self.events.push(self.warmup_s, Event::WarmupEnd);
        }
        for s in 0..self.sources.len() {
            let slot = self.events.add_slot();
            debug_assert_eq!(slot, s);
            self.schedule_arrival(s as u32);
        }
        while let Some((t, event)) = self.events.pop() {
            if t >= self.end_t {
                break;
            }
            self.now = t;
            match event {
                Event::Arrival { source } => self.on_arrival(source),
                Event::Redial { caller } => self.start_attempt(caller),
                Event::Departure { caller } => self.on_departure(caller),
                Event::WaitExpiry { caller, generation, limit } => self.on_wait_expiry(caller, generation, limit),
                Event::WarmupEnd => self.on_warmup_end(),
            }
            while let Some(c) = self.handed.pop_front() {
                self.advance(c);
            }
        }
        self.finish()
    }

    /// Each source's next arrival waits in its own slot of the event list
    /// (slot index = source index), out of the heap.
    fn schedule_arrival(&mut self, source: u32) {
        let s = &mut self.sources[source as usize];
        let gap = s.interarrival.sample(&mut s.arrivals_rng);
        self.events.set_slot(source as usize, self.now + gap, Event::Arrival { source });
    }

    fn on_arrival(&mut self, source: u32) {
        self.schedule_arrival(source);
        let s = &mut self.sources[source as usize];
        let holding_s = s.holding.sample(&mut s.holding_rng);
        let counted = self.now >= self.warmup_s;
        if counted {
            let c = &mut self.counts[source as usize];
            c.offered_calls += 1;
            c.offered_holding_s += holding_s;
        }
        let caller = Caller {
            source,
            attempt: 0,
            held: 0,
            generation: 0,
            counted,
            caller_counted: counted,
            attempt_t: self.now,
            patience_end_t: f64::INFINITY,
            holding_s,
        };
        let id = match self.free.pop() {
            Some(id) => {
                // Keep the slot's generation running so stale events stay stale.
                let generation = self.callers[id as usize].generation.wrapping_add(1);
                self.callers[id as usize] = Caller { generation, ..caller };
                id
            }
            None => {
                self.callers.push(caller);
                (self.callers.len() - 1) as u32
            }
        };
        self.start_attempt(id);
    }

    fn start_attempt(&mut self, id: u32) {
        let now = self.now;
        let c = &mut self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        c.attempt += 1;
        c.attempt_t = now;
        c.held = 0;
        c.counted = now >= self.warmup_s;
        c.patience_end_t = match &s.patience {
            Some(p) => now + p.sample(&mut s.patience_rng),
            None => f64::INFINITY,
        };
        if c.counted {
            self.counts[c.source as usize].attempts += 1;
        }
        self.advance(id);
    }

    /// Seizes the remaining limits of caller `id` in order, until it is
    /// answered, queued or blocked.
    fn advance(&mut self, id: u32) {
        let n = self.limits.len() as u32;
        let mut i = self.callers[id as usize].held;
        while i < n {
            let limit = &mut self.limits[i as usize];
            let lc = &mut self.limit_counts[i as usize];
            if lc.occupancy.level < limit.capacity {
                lc.occupancy.step(self.now, 1);
                i += 1;
                self.callers[id as usize].held = i;
                continue;
            }
            let Some(q) = &mut limit.queue else {
                return self.block(id, i);
            };
            if lc.waiting.level >= q.max_waiting {
                return self.block(id, i);
            }
            let c = &self.callers[id as usize];
            q.fifo.push_back((id, c.generation));
            lc.waiting.step(self.now, 1);
            let leave_t = (self.now + q.timeout_s).min(c.patience_end_t);
            if leave_t.is_finite() {
                self.events.push(leave_t, Event::WaitExpiry { caller: id, generation: c.generation, limit: i });
            }
            return;
        }
        self.answer(id);
    }

    fn answer(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let wait_s = self.now - c.attempt_t;
        let counts = &mut self.counts[c.source as usize];
        if c.counted {
            counts.carried_calls += 1;
            counts.carried_holding_s += c.holding_s;
            counts.answered_within_sla += (wait_s <= self.answer_within_s) as u64;
            counts.record_wait(wait_s);
        }
        counts.concurrency.step(self.now, 1);
        self.total_concurrency.step(self.now, 1);
        self.events.push(self.now + c.holding_s, Event::Departure { caller: id });
    }

    fn on_departure(&mut self, id: u32) {
        let source = self.callers[id as usize].source as usize;
        self.counts[source].concurrency.step(self.now, -1);
        self.total_concurrency.step(self.now, -1);
        self.release_all(id);
        self.free.push(id);
    }

    fn block(&mut self, id: u32, limit: u32) {
        let c = self.callers[id as usize];
        if c.counted {
            let counts = &mut self.counts[c.source as usize];
            counts.blocked_calls += 1;
            counts.record_wait(self.now - c.attempt_t);
            self.limit_counts[limit as usize].blocked_by += 1;
        }
        self.release_all(id);
        self.redial_or_give_up(id);
    }

    fn on_wait_expiry(&mut self, id: u32, generation: u32, limit: u32) {
        let c = &mut self.callers[id as usize];
        if c.generation != generation {
            return; // answered (or moved on) before its wait ran out
        }
        // Its FIFO entry goes stale with the new generation.
        c.generation = c.generation.wrapping_add(1);
        let c = *c;
        self.limit_counts[limit as usize].waiting.step(self.now, -1);
        if c.counted {
            let counts = &mut self.counts[c.source as usize];
            counts.abandoned_calls += 1;
            counts.record_wait(self.now - c.attempt_t);
            self.limit_counts[limit as usize].abandoned_at += 1;
        }
        self.release_all(id);
        self.redial_or_give_up(id);
    }

    fn redial_or_give_up(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        match &s.redial_delay {
            Some(delay) if c.attempt < s.max_attempts => {
                let t = self.now + delay.sample(&mut s.redial_rng);
                self.events.push(t, Event::Redial { caller: id });
            }
            _ => {
                if c.caller_counted {
                    self.counts[c.source as usize].callers_lost += 1;
                }
                self.free.push(id);
            }
        }
    }

    /// Releases every slot caller `id` holds, last seized first. A slot of a
    /// limit with callers waiting passes to the first of them.
    fn release_all(&mut self, id: u32) {
        let held = std::mem::replace(&mut self.callers[id as usize].held, 0);
        for i in (0..held).rev() {
            self.release_slot(i);
        }
    }

    fn release_slot(&mut self, i: u32) {
        let lc = &mut self.limit_counts[i as usize];
        if let Some(q) = &mut self.limits[i as usize].queue {
            while let Some((w, generation)) = q.fifo.pop_front() {
                let waiter = &mut self.callers[w as usize];
                if waiter.generation != generation {
                    continue;
                }
                waiter.generation = waiter.generation.wrapping_add(1); // cancels its expiry
                waiter.held = i + 1;
                lc.waiting.step(self.now, -1);
                self.handed.push_back(w);
                return;
            }
        }
        lc.occupancy.step(self.now, -1);
    }

    fn on_warmup_end(&mut self) {
        let now = self.now;
        for c in &mut self.counts {
            c.concurrency.restart(now);
        }
        self.total_concurrency.restart(now);
        for lc in &mut self.limit_counts {
            lc.occupancy.restart(now);
            lc.waiting.restart(now);
        }
    }

    fn finish(mut self) -> Replication {
        // Attempts still waiting are "in progress": count them for conservation.
        for limit in &self.limits {
            if let Some(q) = &limit.queue {
                for &(w, generation) in &q.fifo {
                    let c = &self.callers[w as usize];
                    if c.generation == generation && c.counted {
                        self.counts[c.source as usize].waiting_at_end += 1;
                    }
                }
            }
        }
        let mut total = Counts::default();
        for c in &self.counts {
            total.absorb(c);
        }
        total.concurrency = self.total_concurrency;
        Replication {
            sources: self.counts,
            total,
            limits: self.limit_counts,
            end_t: self.end_t,
            horizon_s: self.horizon_s,
        }
    }
}
