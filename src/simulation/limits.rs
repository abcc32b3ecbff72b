//! Limits at run time: picking a copy of a pool, admitting (seize, queue
//! or refuse), releasing and serving a copy's waiters first come first
//! served, and the rate limits' windows and wake-ups.

use super::copy;
use super::copy::{CopyRt, KindRt};
use super::{Event, Phase, Sim, NONE};
use crate::model::{RateAlgorithm, Select};
use crate::record::token_rate_per_min;
use rand::Rng;

/// What trying to pass a limit did.
pub(super) enum Admission {
    /// Seized (or admitted, for a rate limit).
    Passed,
    /// Waiting in the copy's queue.
    Queued,
    /// Refused: full and no queue, or the queue full.
    Refused,
}

impl Sim {
    /// Picks a copy of limit `l` for caller `id`.
    #[inline]
    pub(super) fn pick_copy(&mut self, id: u32, l: u32) -> u32 {
        let limit = &mut self.limits[l as usize];
        let n = limit.copies.len() as u32;
        if n == 1 {
            return 0;
        }
        match limit.select {
            Select::StrictRoundRobin => {
                let c = limit.next_copy;
                limit.next_copy = (c + 1) % n;
                c
            }
            Select::RoundRobin => {
                // The copy whose turn it is, else the next one with room.
                let (start, now) = (limit.next_copy, self.now);
                let kind = limit.kind;
                let c = (0..n)
                    .map(|k| (start + k) % n)
                    .find(|&c| {
                        let cp = &mut limit.copies[c as usize];
                        cp.live_waiting == 0 && fits(kind, cp, now)
                    })
                    .unwrap_or(start);
                limit.next_copy = (c + 1) % n;
                c
            }
            Select::Random => self.routing_rng.random_range(0..n),
            Select::LeastLoaded => match &mut limit.index {
                Some(index) => index.best(limit.kind, &mut limit.copies, self.now),
                None => copy::scan(limit.kind, &mut limit.copies, self.now),
            },
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
    pub(super) fn admit(&mut self, id: u32, l: u32) -> Admission {
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
        let rate = matches!(limit.kind, KindRt::Rate { .. });
        self.changed(l, copy);
        if rate {
            self.schedule_rate_ready(l, copy);
        }
        Admission::Queued
    }

    pub(super) fn note_refusal(&mut self, l: u32, copy: u32) {
        if let Some(c) = self.limit_counts[l as usize].copies.get_mut(copy as usize) {
            c.refused += 1;
        }
    }

    /// Takes copy `copy` of limit `l` for caller `id` (the caller fits).
    #[inline]
    pub(super) fn seize(&mut self, id: u32, l: u32, copy: u32) {
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
                    RateAlgorithm::TokenBucket => {
                        let KindRt::Rate { burst, refill_per_s, .. } = limit.kind else { unreachable!() };
                        cp.tokens = copy::bucket_tokens(cp, burst, refill_per_s, now) - 1.0;
                        cp.refill_t = now;
                    }
                }
                self.changed(l, copy);
                return; // a rate admission holds nothing
            }
            KindRt::Concurrency { .. } => {
                if limit.timed {
                    let slot = id as usize * self.n_limits + l as usize;
                    self.held_t[slot] = now;
                }
            }
            KindRt::Tokens { .. } => {
                lc.tokens.step(now, 1, now);
                if let Some(c) = lc.copies.get_mut(copy as usize) {
                    c.tokens.step(now, 1, now);
                }
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
        self.changed(l, copy);
        if let Some(setup) = &self.limits[l as usize].setup {
            let t = now + setup.sample(&mut self.routing_rng);
            let serial = self.callers[id as usize].serial;
            self.events.push(t, Event::SetupDone { caller: id, serial, limit: l });
        }
    }

    /// Releases caller `id`'s hold on limit `l`, if any, and serves that copy's waiters.
    #[inline]
    pub(super) fn release(&mut self, id: u32, l: u32) {
        let slot = self.slot(id, l);
        let copy = std::mem::replace(&mut self.held_copy[slot], NONE);
        if copy == NONE {
            // Not held: released already (setup), never seized, or the
            // call holds a standby of its route instead.
            if !self.limits[l as usize].route.is_empty() {
                self.release_route(id, l);
            }
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
        if let KindRt::Tokens { .. } = limit.kind {
            lc.tokens.step(now, -1, self.held_t[slot]);
            if let Some(c) = lc.copies.get_mut(copy as usize) {
                c.tokens.step(now, -1, self.held_t[slot]);
            }
            cp.drop_token_holder(self.held_t[slot]);
        }
        cp.holders -= 1;
        lc.occupancy.step(now, -1);
        if let Some(c) = lc.copies.get_mut(copy as usize) {
            c.occupancy.step(now, -1);
        }
        if let Some(h) = &mut lc.holds {
            if now >= self.warmup_s {
                crate::record::record_s(h, now - self.held_t[slot]);
            }
        }
        let waiting = cp.live_waiting > 0;
        self.changed(l, copy);
        if waiting {
            self.serve_waiters(l, copy);
        }
    }

    /// Releases caller `id`'s hold on the standby limits of limit `l`'s
    /// route (overflow and fallback, followed on): the one it holds for `l`.
    #[cold]
    #[inline(never)]
    fn release_route(&mut self, id: u32, l: u32) {
        for k in 0..self.limits[l as usize].route.len() {
            let at = self.limits[l as usize].route[k];
            let slot = self.slot(id, at);
            if self.held_copy[slot] != NONE {
                self.release(id, at);
            }
        }
    }

    /// Tells limit `l`'s least-loaded index, if any, that copy `copy` changed now.
    #[inline]
    fn changed(&mut self, l: u32, copy: u32) {
        let limit = &mut self.limits[l as usize];
        if let Some(index) = &mut limit.index {
            index.changed(copy, limit.kind, &mut limit.copies, self.now);
        }
    }

    /// Admits the waiters of a copy, first come first served, while they fit.
    pub(super) fn serve_waiters(&mut self, l: u32, copy: u32) {
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
            if self.limits[l as usize].failure.is_some() && self.fails(w, l) {
                continue; // it goes on once it has detected the failure
            }
            self.handed.push_back(w);
        }
    }

    pub(super) fn schedule_rate_ready(&mut self, l: u32, copy: u32) {
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

    pub(super) fn on_rate_ready(&mut self, l: u32, copy: u32) {
        self.limits[l as usize].copies[copy as usize].wakeup = false;
        self.serve_waiters(l, copy);
        if self.limits[l as usize].copies[copy as usize].live_waiting > 0 {
            self.schedule_rate_ready(l, copy);
        }
    }

    /// Counts a counted attempt blocked at limit `l`, or (`left_queue`)
    /// abandoned in its queue.
    pub(super) fn count_refusal_at(&mut self, l: u32, left_queue: bool) {
        let lc = &mut self.limit_counts[l as usize];
        if left_queue {
            lc.abandoned_at += 1;
        } else {
            lc.blocked_by += 1;
        }
    }

    /// Whether limit `m` has no room now: every copy full or waited for.
    pub(super) fn is_full(&mut self, m: u32) -> bool {
        let now = self.now;
        let limit = &mut self.limits[m as usize];
        let kind = limit.kind;
        limit.copies.iter_mut().all(|cp| cp.live_waiting > 0 || !fits(kind, cp, now))
    }

    /// Books a loss caused at chain limit `l` by caller `id`: each limit
    /// after `l` in the caller's chain that is full at this instant too is
    /// co-binding for it (had `l` had room, the call would have been lost
    /// there: raising `l` alone would not have saved it).
    #[cold]
    pub(super) fn note_co_full(&mut self, id: u32, l: u32) {
        let source = self.callers[id as usize].source as usize;
        let Some(at) = self.sources[source].chain.iter().position(|&m| m == l) else { return };
        for k in at + 1..self.sources[source].chain.len() {
            let m = self.sources[source].chain[k];
            if self.is_full(m) {
                self.limit_counts[l as usize].co_full[m as usize] += 1;
            }
        }
    }

    /// Takes caller `id` out of the queue it waits in, if any. Its FIFO
    /// entry stays behind, stale (the caller's generation moves on), and is
    /// skipped when it reaches the head.
    pub(super) fn leave_queue(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        if c.wait_limit == NONE {
            return;
        }
        let (l, copy) = (std::mem::replace(&mut c.wait_limit, NONE), c.wait_copy);
        c.generation = c.generation.wrapping_add(1);
        self.limits[l as usize].copies[copy as usize].live_waiting -= 1;
        self.limit_counts[l as usize].waiting.step(self.now, -1);
        self.changed(l, copy);
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
            token_rate_per_min(cp.holders, cp.sum_start_t, now, r0, g) + r0 <= budget * (1.0 + 1e-12)
        }
        KindRt::Rate { max, window_s, algorithm, burst, refill_per_s } => match algorithm {
            RateAlgorithm::FixedWindow => {
                copy::roll_window(cp, window_s, now);
                cp.count < max
            }
            RateAlgorithm::SlidingWindow => {
                copy::expire(cp, window_s, now);
                (cp.log.len() as u32) < max
            }
            // A wake-up computed for the instant the bucket reaches one
            // token may land a rounding error short of it.
            RateAlgorithm::TokenBucket => copy::bucket_tokens(cp, burst, refill_per_s, now) >= 1.0 - 1e-9,
        },
    }
}
