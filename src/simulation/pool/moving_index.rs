//! `select = "least_loaded"` for pools whose loads move with time (token
//! buckets refilling, token use growing with call age). No load is below
//! zero, and a copy's is exactly zero when it is idle: a full bucket, or no
//! token holder, and nobody waiting. So while some copy is idle the answer
//! is the lowest idle index, read off a bitset; the kinetic tree
//! ([`super::kinetic::LeastLoaded`]) is consulted, and told of the
//! changes it missed, only when no copy is idle. A pool with room to spare
//! then costs little more than `round_robin`; a saturated one what the tree
//! costs. Buckets become full with time alone: each non-full bucket has its
//! refill's end queued, taken early by a rounding margin and checked with
//! the very arithmetic a scan uses ([`crate::simulation::copy::load`]).

use super::kinetic::LeastLoaded;
use super::token_groups::TokenGroups;
use crate::engine::EventQueue;
use crate::model::RateAlgorithm;
use crate::simulation::copy::{bucket_tokens, load};
use crate::simulation::copy::{CopyRt, KindRt};
use std::collections::VecDeque;

pub(in crate::simulation) struct MovingIndex {
    tree: LeastLoaded,
    /// Token budgets with growth: copies grouped by holders and waiters,
    /// which answer instead of the tree while at most `max_groups` groups
    /// are in use (the tree then still hears of every change, late).
    groups: Option<Box<TokenGroups>>,
    max_groups: usize,
    /// A bit per copy whose load is exactly 0 now…
    idle: Vec<u64>,
    /// …and a bit per word of `idle` with a bit set.
    summary: Vec<u64>,
    /// Copies changed since the tree last heard, each once.
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    /// Token buckets: when each may be full. A bucket taken from full is
    /// full again a fixed time later, so most times come in order: those go
    /// to a queue, the rest to the engine's event list (a 4-ary heap).
    in_order: VecDeque<(f64, u32)>,
    refills: EventQueue<u32>,
    /// Per copy, the time of its live entry in `refills` (∞ if none);
    /// entries with another time are stale.
    refill_at: Vec<f64>,
}

impl MovingIndex {
    /// The index of a fresh pool of `copies` (all empty at time 0); token
    /// budgets with growth answer from their groups while at most
    /// `max_groups` are in use ([`super::token_groups::MAX_GROUPS`]).
    pub(super) fn new(kind: KindRt, copies: &mut [CopyRt], max_groups: usize) -> Self {
        let n = copies.len();
        let words = n.div_ceil(64);
        let groups = match kind {
            // Without growth every copy in a group has the same load, and
            // the lowest index would need a walk of the whole group.
            KindRt::Tokens { r0, g, .. } if g != 0.0 => Some(Box::new(TokenGroups::new(n, r0, g))),
            _ => None,
        };
        let mut index = MovingIndex {
            tree: LeastLoaded::new(kind, copies),
            groups,
            max_groups,
            idle: vec![0; words],
            summary: vec![0; words.div_ceil(64)],
            dirty: Vec::new(),
            is_dirty: vec![false; n],
            in_order: VecDeque::new(),
            refills: EventQueue::new(),
            refill_at: vec![f64::INFINITY; n],
        };
        for c in 0..n as u32 {
            index.classify(c, kind, copies, 0.0);
        }
        index
    }

    /// The least-loaded copy at `now` (ties: the lowest index). `now` never
    /// goes back between calls.
    #[inline]
    pub(super) fn best(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) -> u32 {
        self.refilled(kind, copies, now);
        if let Some(c) = self.first_idle() {
            return c;
        }
        if let Some(c) = self.groups.as_mut().and_then(|g| g.best(now, self.max_groups)) {
            return c;
        }
        for &c in &self.dirty {
            self.is_dirty[c as usize] = false;
            self.tree.changed(c, kind, copies, now);
        }
        self.dirty.clear();
        self.tree.best(kind, copies, now)
    }

    /// Records that copy `copy` changed at `now` (a holder, an admission or
    /// a waiter came or went).
    #[inline]
    pub(super) fn changed(&mut self, copy: u32, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        self.classify(copy, kind, copies, now);
        if let Some(groups) = &mut self.groups {
            groups.changed(copy, &copies[copy as usize]);
        }
        if !self.is_dirty[copy as usize] {
            self.is_dirty[copy as usize] = true;
            self.dirty.push(copy);
        }
    }

    /// Sets copy `c`'s idle bit from its load at `now`; queues a bucket
    /// that is not full for when it will be.
    fn classify(&mut self, c: u32, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        let cp = &mut copies[c as usize];
        // A token copy's load is exactly 0 just when it has no holder (Σ
        // is then exactly 0) and no waiter: no need to compute it.
        let idle = match kind {
            KindRt::Tokens { .. } => cp.holders == 0 && cp.live_waiting == 0,
            _ => load(kind, cp, now) == 0.0,
        };
        self.set_idle(c, idle);
        if let KindRt::Rate { algorithm: RateAlgorithm::TokenBucket, burst, refill_per_s, .. } = kind {
            let full_t = cp.refill_t + (burst - cp.tokens) / refill_per_s;
            // Early by a margin of rounding, never at or before `now` (so a
            // bucket rounding keeps just short of full is looked at again).
            let margin = 1e-9 * (1.0 + full_t.abs());
            let t = (full_t - margin).max(now + 1e-9 * (1.0 + now.abs()));
            if full_t > now || bucket_tokens(cp, burst, refill_per_s, now) < burst {
                self.refill_at[c as usize] = t;
                if self.in_order.back().is_none_or(|&(last, _)| last <= t) {
                    self.in_order.push_back((t, c));
                } else {
                    self.refills.push(t, c);
                }
            } else {
                self.refill_at[c as usize] = f64::INFINITY;
            }
        }
    }

    /// Token buckets: looks again at the copies whose refill may have ended by `now`.
    #[inline]
    fn refilled(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        loop {
            let queued = self.in_order.front().map_or(f64::INFINITY, |e| e.0);
            let heaped = self.refills.peek_time().unwrap_or(f64::INFINITY);
            if queued.min(heaped) > now {
                break;
            }
            let (t, c) = if queued <= heaped {
                self.in_order.pop_front().expect("the queue's first is due")
            } else {
                self.refills.pop().expect("the heap's first is due")
            };
            if self.refill_at[c as usize] == t {
                self.classify(c, kind, copies, now);
            }
        }
    }

    fn set_idle(&mut self, c: u32, idle: bool) {
        let (w, b) = (c as usize / 64, c % 64);
        if idle {
            self.idle[w] |= 1 << b;
            self.summary[w / 64] |= 1 << (w % 64);
        } else {
            self.idle[w] &= !(1 << b);
            if self.idle[w] == 0 {
                self.summary[w / 64] &= !(1 << (w % 64));
            }
        }
    }

    #[inline]
    fn first_idle(&self) -> Option<u32> {
        let (s, bits) = self.summary.iter().enumerate().find(|(_, b)| **b != 0)?;
        let w = s * 64 + bits.trailing_zeros() as usize;
        Some((w * 64) as u32 + self.idle[w].trailing_zeros())
    }
}
