//! The life of a call: passing the chain, the answer, conversation turns
//! and their requests (with 429 retries), refusals (blocked, abandoned or
//! connected to silence), the hang-up and the redial.

use super::copy::KindRt;
use super::limits::Admission;
use super::{DialState, Event, Phase, Sim, NONE};
use crate::model::LoggedOutcome;
use rand::Rng;

impl Sim {
    /// Passes the remaining limits of caller `id`'s chain in order, until it
    /// is answered, queued or refused.
    #[inline]
    pub(super) fn advance(&mut self, id: u32) {
        let source = self.callers[id as usize].source as usize;
        loop {
            let c = &self.callers[id as usize];
            let k = c.held;
            // Only a campaign's dial is ever not placed (checked first: the
            // caller is at hand).
            if c.dial == DialState::NotPlaced && k == self.sources[source].place_at {
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
            if self.limits[l as usize].routed {
                if self.pass_routed(id, l, false) {
                    continue;
                }
                return;
            }
            match self.admit(id, l) {
                Admission::Passed => self.callers[id as usize].held += 1,
                Admission::Queued => return,
                Admission::Refused => return self.refuse_attempt(id, l, false),
            }
        }
    }

    /// Passes step `l` of caller `id`'s chain (or, with `request`, of its
    /// current request) where `l` overflows or fails: to its fallback when
    /// the call already moved off it or it is unhealthy, to its standby
    /// when it is full, and with a failure drawn where it admits. Whether
    /// the caller holds the step and goes on now (else it waits, detects a
    /// failure, or was refused).
    #[inline(never)]
    pub(super) fn pass_routed(&mut self, id: u32, l: u32, request: bool) -> bool {
        let mut l = l;
        loop {
            if self.limits[l as usize].failure.is_some() {
                match self.divert(id, l) {
                    NONE => {}
                    to => {
                        l = to;
                        continue;
                    }
                }
            }
            match self.admit(id, l) {
                Admission::Passed => {
                    let c = &mut self.callers[id as usize];
                    if request {
                        c.request_held += 1;
                    } else {
                        c.held += 1;
                    }
                    return !(self.limits[l as usize].failure.is_some() && self.fails(id, l));
                }
                Admission::Queued => return false,
                Admission::Refused => match self.overflow_from(id, l) {
                    NONE if request => {
                        self.refuse_request(id, l);
                        return false;
                    }
                    NONE => {
                        self.refuse_attempt(id, l, false);
                        return false;
                    }
                    to => l = to,
                },
            }
        }
    }

    /// Where a call (or request) that limit `l` refused goes next: `l`'s
    /// standby limit, counted as an overflow out of `l` and into it, or NONE.
    #[inline]
    fn overflow_from(&mut self, id: u32, l: u32) -> u32 {
        let to = self.limits[l as usize].overflow;
        if to != NONE && self.callers[id as usize].counted {
            self.limit_counts[l as usize].faults.overflowed_out += 1;
            self.limit_counts[to as usize].faults.overflowed_in += 1;
        }
        to
    }

    #[inline]
    pub(super) fn answer(&mut self, id: u32) {
        let now = self.now;
        let c = &mut self.callers[id as usize];
        c.phase = Phase::InCall;
        c.call_end_t = now + c.holding_s;
        let (source, serial, end_t) = (c.source as usize, c.serial, c.call_end_t);
        let dial = c.dial != DialState::NotADial;
        if c.counted {
            let (wait_s, holding_s, attempt_t) = (now - c.attempt_t, c.holding_s, c.attempt_t);
            let within = wait_s <= self.answer_within_s;
            c.answered_within = within;
            self.tally(source, attempt_t, |k| {
                k.carried_calls += 1;
                k.carried_holding_s += holding_s;
                k.answered_within_sla += within as u64;
                k.record_wait(wait_s);
            });
        }
        self.keep_attempt(id, LoggedOutcome::Answered, end_t - now);
        self.step_calls_in_progress(source, 1);
        self.events.push(end_t, Event::Hangup { caller: id, serial });
        if dial {
            let j = self.sources[source].campaign.expect("a dial belongs to a campaign");
            self.on_connected(j as usize, id);
        }
        if self.sources[source].turn_interval.is_some() {
            self.schedule_turn(id);
        }
    }

    pub(super) fn schedule_turn(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        if let Some(interval) = &s.turn_interval {
            let t = self.now + interval.sample(&mut s.rng.turns);
            if t < c.call_end_t {
                self.events.push(t, Event::TurnStart { caller: id, serial: c.serial });
            }
        }
    }

    pub(super) fn on_turn_start(&mut self, id: u32, serial: u32) {
        let c = &mut self.callers[id as usize];
        if c.serial != serial {
            return;
        }
        c.phase = Phase::Request;
        c.turn_t = self.now;
        c.request = 0;
        c.request_attempt = 1;
        c.request_held = 0;
        self.reset_faults(id, super::faults::MOVED_REQUEST);
        self.advance_request(id);
    }

    /// Passes the current request's limits in order, then serves the request.
    pub(super) fn advance_request(&mut self, id: u32) {
        let c = self.callers[id as usize];
        let source = c.source as usize;
        loop {
            let k = self.callers[id as usize].request_held as usize;
            let Some(&l) = self.sources[source].requests[c.request as usize].1.get(k) else { break };
            if self.limits[l as usize].routed {
                if self.pass_routed(id, l, true) {
                    continue;
                }
                return;
            }
            match self.admit(id, l) {
                Admission::Passed => self.callers[id as usize].request_held += 1,
                Admission::Queued => return,
                Admission::Refused => return self.refuse_request(id, l),
            }
        }
        let factor = if self.faults.any_service_factor { self.service_factor(id) } else { 1.0 };
        let s = &mut self.sources[source];
        let t = self.now + factor * s.requests[c.request as usize].0.sample(&mut s.rng.requests);
        self.events.push(t, Event::RequestDone { caller: id, serial: c.serial });
    }

    /// The product of the service factors of the limits the current
    /// request of caller `id` holds (each step's limit or the standby on
    /// its route that admitted it).
    fn service_factor(&self, id: u32) -> f64 {
        let c = self.callers[id as usize];
        let steps = &self.sources[c.source as usize].requests[c.request as usize].1;
        let mut factor = 1.0;
        for &l in &steps[..c.request_held as usize] {
            for &m in std::iter::once(&l).chain(&self.limits[l as usize].route) {
                if self.held_copy[self.slot(id, m)] != NONE {
                    factor *= self.limits[m as usize].service_factor;
                }
            }
        }
        factor
    }

    /// Releases the request-scoped limits the current request holds.
    pub(super) fn release_request(&mut self, id: u32) {
        let c = self.callers[id as usize];
        for k in 0..c.request_held as usize {
            let l = self.sources[c.source as usize].requests[c.request as usize].1[k];
            self.release(id, l);
        }
        self.callers[id as usize].request_held = 0;
    }

    pub(super) fn on_request_done(&mut self, id: u32, serial: u32) {
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
            self.reset_faults(id, super::faults::MOVED_REQUEST);
            return self.advance_request(id);
        }
        if c.counted {
            let (latency_s, budget_s) = (self.now - c.turn_t, s.latency_budget_s);
            self.tally(c.source as usize, c.attempt_t, |k| k.record_turn(latency_s, budget_s));
        }
        self.callers[id as usize].phase = Phase::InCall;
        self.schedule_turn(id);
    }

    /// A request was refused at limit `l`: retry it, or end the call.
    pub(super) fn refuse_request(&mut self, id: u32, l: u32) {
        self.release_request(id);
        let c = self.callers[id as usize];
        if c.counted {
            self.limit_counts[l as usize].requests_refused += 1;
            self.tally(c.source as usize, c.attempt_t, |k| k.requests_refused += 1);
        }
        let lc = &mut self.limit_counts[l as usize];
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
        self.fail_call(id, l);
    }

    /// The call of caller `id`, answered, fails for good because of limit
    /// `l` (a request refused or failed on every limit, a preempted slot):
    /// the caller gives up on it, and redials per its policy.
    pub(super) fn fail_call(&mut self, id: u32, l: u32) {
        let c = self.callers[id as usize];
        if c.counted {
            // Answered but not served: out of the carried calls and of the
            // service level, into the failures.
            let unserved_s = c.call_end_t - self.now;
            self.tally(c.source as usize, c.attempt_t, |k| {
                k.carried_calls -= 1;
                k.carried_holding_s -= unserved_s;
                k.answered_within_sla -= c.answered_within as u64;
                k.failed_after_connect += 1;
            });
            self.limit_counts[l as usize].failed_after_connect += 1;
        }
        self.step_calls_in_progress(c.source as usize, -1);
        self.end_attempt(id);
        self.redial_or_give_up(id, true);
    }

    /// The attempt of caller `id` was refused at chain limit `l` (blocked or,
    /// when `left_queue`, abandoned).
    pub(super) fn refuse_attempt(&mut self, id: u32, l: u32, left_queue: bool) {
        let c = self.callers[id as usize];
        if let Some(j) = self.sources[c.source as usize].campaign {
            return self.refuse_dial(j as usize, id, l, left_queue);
        }
        let wait_s = self.now - c.attempt_t;
        let source = c.source as usize;
        if c.counted {
            self.note_co_full(id, l);
        }
        if self.limits[l as usize].silence.is_some() {
            // Connected to silence: hold what was seized until the caller hangs up.
            if c.counted {
                self.limit_counts[l as usize].failed_after_connect += 1;
                self.tally(source, c.attempt_t, |k| {
                    k.failed_after_connect += 1;
                    k.record_wait(wait_s);
                });
            }
            let silence = self.limits[l as usize].silence.as_ref().expect("checked above");
            let s = &mut self.sources[source];
            let t = self.now + silence.sample(&mut s.rng.silence);
            // Connected (to silence): a call record shows it answered.
            self.keep_attempt(id, LoggedOutcome::Answered, t - self.now);
            self.callers[id as usize].phase = Phase::Silence;
            self.events.push(t, Event::Hangup { caller: id, serial: c.serial });
            // Connected, so in progress (holding its slots) until it hangs up.
            self.step_calls_in_progress(c.source as usize, 1);
            return;
        }
        self.keep_attempt(id, if left_queue { LoggedOutcome::Abandoned } else { LoggedOutcome::Blocked }, f64::NAN);
        if c.counted {
            self.count_refusal_at(l, left_queue);
            let first = (c.attempt == 1) as u64;
            self.tally(source, c.attempt_t, |k| {
                if left_queue {
                    k.abandoned_calls += 1;
                } else {
                    k.blocked_calls += 1;
                    k.first_attempt_blocked += first;
                }
                k.record_wait(wait_s);
            });
        }
        self.end_attempt(id);
        self.redial_or_give_up(id, false);
    }

    pub(super) fn on_wait_expiry(&mut self, id: u32, generation: u32, l: u32) {
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

    #[inline(always)]
    pub(super) fn on_hangup(&mut self, id: u32, serial: u32) {
        let c = self.callers[id as usize];
        if c.serial != serial {
            return;
        }
        let source = c.source as usize;
        match c.phase {
            Phase::Silence => {
                self.step_calls_in_progress(source, -1);
                self.end_attempt(id);
                self.redial_or_give_up(id, true);
            }
            Phase::Placed => {
                self.end_attempt(id);
                self.retire(id);
            }
            _ => {
                // The call ends normally (a turn in progress is dropped).
                self.step_calls_in_progress(source, -1);
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
    pub(super) fn end_attempt(&mut self, id: u32) {
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
    #[inline(always)]
    pub(super) fn release_chain(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        let (source, held) = (c.source as usize, std::mem::replace(&mut c.held, 0));
        for k in (0..held as usize).rev() {
            let l = self.sources[source].chain[k];
            self.release(id, l);
        }
    }

    /// After a blocked, abandoned or (`after_failure`) failed attempt: the
    /// caller redials if its policy says so, else gives up unserved.
    pub(super) fn redial_or_give_up(&mut self, id: u32, after_failure: bool) {
        let c = self.callers[id as usize];
        let s = &mut self.sources[c.source as usize];
        if let Some((redial, delay)) = &s.redial {
            let p = redial.probability_after(c.attempt);
            let may = c.attempt < redial.max_attempts && (redial.after_failure || !after_failure);
            if may && (p >= 1.0 || s.rng.redial.random::<f64>() < p) {
                let t = self.now + delay.sample(&mut s.rng.redial);
                self.counts[c.source as usize].redialing.step(self.now, 1);
                self.events.push(t, Event::Redial { caller: id });
                return;
            }
        }
        if c.caller_counted {
            // A lost caller counts in the hour of its first attempt.
            let first_hour_t = c.first_hour as f64 * 3600.0;
            self.tally(c.source as usize, first_hour_t, |k| k.callers_lost += 1);
        }
        self.retire(id);
    }
}
