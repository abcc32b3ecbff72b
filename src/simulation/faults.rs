//! Limits that fail part of what they admit: the failure drawn at
//! admission, the caller holding the limit until it detects the failure,
//! retries on the same limit, the move to the fallback, and health checks
//! that send new work straight to the fallback until a probe succeeds.
//!
//! A failure is decided when the limit admits (the provider took the
//! request and will not answer it): the caller keeps what it holds for the
//! limit's `detection` time, releases the failed step (a request releases
//! every limit of its request, as a client that gives up on a call does),
//! and tries the same limit again after `retry_interval`, up to `retries`
//! times; then it moves to the `fallback` (counted as a fallback out of
//! the limit and into the standby) or, with none, gives up: a call not yet
//! answered is refused at the limit, a request ends the call
//! `failed_after_connect`.

use super::{Event, Phase, Sim, NONE};
use crate::engine::SimRng;
use rand::Rng;

/// A request moved to the fallback of this limit (cleared at its next request).
pub(super) const MOVED_REQUEST: u8 = 1;
/// The call moved to the fallback of this limit (`stickiness = "call"`; cleared at its next attempt).
pub(super) const MOVED_CALL: u8 = 2;

/// What a replication keeps for failures and incidents (nothing is drawn
/// from its streams in a model without them).
pub(super) struct Faults {
    pub(super) failure_rng: SimRng,
    pub(super) incident_rng: SimRng,
    /// Per (caller, limit), when some limit fails: [`MOVED_REQUEST`] and
    /// [`MOVED_CALL`] bits.
    pub(super) moved: Vec<u8>,
    /// Per caller, when some limit fails: failures in a row of its current
    /// step (or request) at its current limit. Kept here, not in the
    /// caller, so that models without failures do not carry it.
    pub(super) fail_count: Vec<u32>,
    /// Per caller: its serial when its moves and failures were written.
    /// They hold for that attempt only: read under another serial (a new
    /// attempt, a new caller in the slot) they are forgotten first, so
    /// ending a call costs nothing here.
    pub(super) stamp: Vec<u32>,
    pub(super) any_failure: bool,
    /// Some incident slows a limit's service: a request's service time is
    /// multiplied by its limits' factors.
    pub(super) any_service_factor: bool,
}

impl Sim {
    /// Where a call (or request) about to try failing limit `l` goes
    /// instead: `l`'s fallback when `l` is unhealthy or the call (request)
    /// already moved off it, counted as a fallback; else NONE (try `l`).
    #[inline(never)]
    pub(super) fn divert(&mut self, id: u32, l: u32) -> u32 {
        let Some(f) = &self.limits[l as usize].failure else { return NONE };
        let (to, unhealthy) = (f.fallback, f.unhealthy);
        if to == NONE {
            return NONE;
        }
        self.fresh_faults(id);
        let moved = self.faults.moved[self.slot(id, l)] != 0;
        if !(moved || unhealthy) {
            return NONE;
        }
        if self.callers[id as usize].counted {
            self.limit_counts[l as usize].faults.fallbacks_out += 1;
            self.limit_counts[to as usize].faults.fallbacks_in += 1;
        }
        to
    }

    /// Whether limit `l`, which just admitted caller `id`, fails it. A
    /// success ends the limit's run of consecutive failures; a failure is
    /// counted and the caller starts detecting it.
    #[inline(never)]
    pub(super) fn fails(&mut self, id: u32, l: u32) -> bool {
        let Some(f) = &mut self.limits[l as usize].failure else { return false };
        let failed = f.p > 0.0 && (f.p >= 1.0 || self.faults.failure_rng.random::<f64>() < f.p);
        if !failed {
            f.consecutive = 0;
            return false;
        }
        f.consecutive = f.consecutive.saturating_add(1);
        let (detection_s, mark) = (f.detection_s, !f.unhealthy && f.consecutive >= f.unhealthy_after);
        if mark {
            f.unhealthy = true;
            self.limit_counts[l as usize].faults.unhealthy.step(self.now, 1);
            let t = self.now + f.probe_interval_s;
            self.events.push(t, Event::Probe { limit: l });
        }
        let c = &self.callers[id as usize];
        if c.counted {
            self.limit_counts[l as usize].faults.failures += 1;
        }
        let generation = c.generation;
        self.events.push(self.now + detection_s, Event::AttemptFailed { caller: id, generation, limit: l });
        true
    }

    /// Caller `id` (or its request) detects the failure of limit `l`, which
    /// it holds: it releases the failed step and retries, moves to the
    /// fallback, or gives up. Ignored when the caller's generation moved on
    /// (its attempt ended, or a capacity drop cut the request meanwhile).
    #[cold]
    #[inline(never)]
    pub(super) fn on_attempt_failed(&mut self, id: u32, generation: u32, l: u32) {
        let c = self.callers[id as usize];
        if c.generation != generation {
            return;
        }
        if c.phase == Phase::Request {
            self.release_request(id);
        } else {
            // The failed step is the last one held: take it back.
            let source = c.source as usize;
            let step = self.sources[source].chain[c.held as usize - 1];
            self.release(id, step);
            self.callers[id as usize].held -= 1;
        }
        let f = self.limits[l as usize].failure.as_ref().expect("only a failing limit fails");
        let (retries, interval_s, fallback, sticky) = (f.retries, f.retry_interval_s, f.fallback, f.sticky_call);
        self.fresh_faults(id);
        let count = &mut self.faults.fail_count[id as usize];
        if *count < retries {
            *count += 1;
            let serial = c.serial;
            self.events.push(self.now + interval_s, Event::Resume { caller: id, serial });
            return;
        }
        *count = 0;
        if fallback == NONE {
            return match c.phase {
                Phase::Request => self.fail_call(id, l),
                _ => self.refuse_attempt(id, l, false),
            };
        }
        let bit = if sticky && c.phase == Phase::Request { MOVED_CALL } else { MOVED_REQUEST };
        let slot = self.slot(id, l);
        self.faults.moved[slot] |= bit;
        self.resume(id);
    }

    /// Caller `id` goes on where it stopped: its chain, or its request.
    #[inline]
    pub(super) fn resume(&mut self, id: u32) {
        match self.callers[id as usize].phase {
            Phase::Request => self.advance_request(id),
            _ => self.advance(id),
        }
    }

    /// Probes unhealthy limit `l`: it succeeds with the limit's current
    /// success probability and restores it; else the next probe follows.
    #[cold]
    #[inline(never)]
    pub(super) fn on_probe(&mut self, l: u32) {
        let f = self.limits[l as usize].failure.as_mut().expect("only a failing limit is probed");
        let ok = f.p < 1.0 && (f.p <= 0.0 || self.faults.failure_rng.random::<f64>() >= f.p);
        if ok {
            f.unhealthy = false;
            f.consecutive = 0;
            self.limit_counts[l as usize].faults.unhealthy.step(self.now, -1);
        } else {
            let t = self.now + f.probe_interval_s;
            self.events.push(t, Event::Probe { limit: l });
        }
    }

    /// Forgets caller `id`'s moves and failures written in an earlier
    /// attempt (or by an earlier caller in its slot).
    #[inline]
    fn fresh_faults(&mut self, id: u32) {
        let serial = self.callers[id as usize].serial;
        if self.faults.stamp[id as usize] != serial {
            self.faults.stamp[id as usize] = serial;
            self.forget_faults(id, MOVED_REQUEST | MOVED_CALL);
        }
    }

    /// Forgets the moves of caller `id` marked `mask` and its failures in a
    /// row (a new request).
    #[inline(always)]
    pub(super) fn reset_faults(&mut self, id: u32, mask: u8) {
        if self.faults.any_failure {
            self.forget_faults(id, mask);
        }
    }

    #[cold]
    #[inline(never)]
    fn forget_faults(&mut self, id: u32, mask: u8) {
        let base = id as usize * self.n_limits;
        self.faults.moved[base..base + self.n_limits].iter_mut().for_each(|m| *m &= !mask);
        self.faults.fail_count[id as usize] = 0;
    }
}
