//! `select = "least_loaded"` in O(log n). A copy's load is its waiters plus
//! what it uses (holders, admissions in its window, spent bucket tokens, or
//! token rate over the per-call rate). Whole loads that change at known
//! instants (concurrency, fixed and sliding windows) go to a tree of packed
//! keys ([`super::step_index`]); loads that move with time (token buckets
//! refilling, token use growing with call age) to idle copies first
//! ([`super::moving_index`]), then to a kinetic tournament tree, here. Each of its nodes keeps the least-loaded copy of its subtree
//! and the time until which that stays true; a node is recomputed only when
//! a copy under it changes (seize, release, joining or leaving its queue)
//! or its certificate expires (a bucket refills past a rival, growing token
//! use overtakes one). Ties go to the lowest copy index, so the choice is
//! exactly a linear scan's ([`scan`]).
//!
//! The kinetic tournament is Basch, Guibas and Hershberger's ("Data
//! structures for mobile data", J. Algorithms 31, 1999), specialised to
//! loads that are piecewise linear in time.

use super::copy::{CopyRt, KindRt};
use super::moving_index::MovingIndex;
use super::step_index::StepIndex;
use crate::model::RateAlgorithm;
use crate::record::token_rate_per_min;

const NONE: u32 = u32::MAX;

/// The least-loaded copy of a pool, by the index that suits its kind.
pub(super) enum PoolIndex {
    /// Whole loads changing at known instants.
    Steps(StepIndex),
    /// Loads that move with time.
    Moving(MovingIndex),
}

impl PoolIndex {
    /// The index of a fresh pool of `copies` (all empty at time 0).
    pub(super) fn new(kind: KindRt, copies: &mut [CopyRt]) -> Self {
        if matches!(kind, KindRt::Tokens { .. } | KindRt::Rate { algorithm: RateAlgorithm::TokenBucket, .. }) {
            PoolIndex::Moving(MovingIndex::new(kind, copies))
        } else {
            PoolIndex::Steps(StepIndex::new(kind, copies))
        }
    }

    /// The least-loaded copy at `now` (ties: the lowest index). `now` never
    /// goes back between calls.
    #[inline]
    pub(super) fn best(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) -> u32 {
        match self {
            PoolIndex::Steps(i) => i.best(kind, copies, now),
            PoolIndex::Moving(i) => i.best(kind, copies, now),
        }
    }

    /// Records that copy `copy` changed at `now` (a holder, an admission or
    /// a waiter came or went).
    #[inline]
    pub(super) fn changed(&mut self, copy: u32, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        match self {
            PoolIndex::Steps(i) => i.changed(copy, kind, copies, now),
            PoolIndex::Moving(i) => i.changed(copy, kind, copies, now),
        }
    }
}

/// The least-loaded copy of a pool whose loads move with time (token
/// buckets, token budgets), kept up to date.
pub(super) struct LeastLoaded {
    /// Leaves: a power of two ≥ the pool size; node 1 is the root.
    leaves: usize,
    /// Per node, its subtree's least-loaded copy (`NONE` for padding).
    winner: Vec<u32>,
    /// Per node, the time up to which `winner` is certainly right.
    until: Vec<f64>,
}

impl LeastLoaded {
    /// The index of a fresh pool of `copies` (all empty at time 0).
    pub(super) fn new(kind: KindRt, copies: &mut [CopyRt]) -> Self {
        let leaves = copies.len().next_power_of_two().max(1);
        let mut winner = vec![NONE; 2 * leaves];
        for (i, w) in winner[leaves..leaves + copies.len()].iter_mut().enumerate() {
            *w = i as u32;
        }
        let mut index = LeastLoaded { leaves, winner, until: vec![f64::INFINITY; 2 * leaves] };
        for node in (1..leaves).rev() {
            index.combine(node, kind, copies, 0.0);
        }
        index
    }

    /// The least-loaded copy at `now` (ties: the lowest index). `now` never
    /// goes back between calls.
    pub(super) fn best(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) -> u32 {
        self.refresh(1, kind, copies, now);
        self.winner[1]
    }

    /// Records that copy `copy` changed at `now` (a holder, an admission or a
    /// waiter came or went).
    pub(super) fn changed(&mut self, copy: u32, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        // A leaf is always current (its load is read when compared).
        let mut node = (self.leaves + copy as usize) / 2;
        while node >= 1 {
            // The child off the path may be stale; the one on it is fresh.
            self.refresh(2 * node, kind, copies, now);
            self.refresh(2 * node + 1, kind, copies, now);
            let (winner, until) = (self.winner[node], self.until[node]);
            self.combine(node, kind, copies, now);
            // The same winner, not the copy that changed, and valid at least
            // as long: every ancestor's choice and certificate still hold
            // (stale subtrees elsewhere are refreshed when a query reaches
            // them: their times are in the root's).
            if self.winner[node] == winner && winner != copy && self.until[node] >= until {
                break;
            }
            node /= 2;
        }
    }

    fn refresh(&mut self, node: usize, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        if self.until[node] > now {
            return;
        }
        if node >= self.leaves {
            return;
        }
        self.refresh(2 * node, kind, copies, now);
        self.refresh(2 * node + 1, kind, copies, now);
        self.combine(node, kind, copies, now);
    }

    /// Recomputes `node` from its (fresh) children at `now`.
    fn combine(&mut self, node: usize, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        let (left, right) = (2 * node, 2 * node + 1);
        let (a, b) = (self.winner[left], self.winner[right]);
        let children_until = self.until[left].min(self.until[right]);
        if b == NONE {
            self.winner[node] = a;
            self.until[node] = children_until;
            return;
        }
        // a < b: the left subtree holds the lower indices, so ties go to a.
        let ka = load(kind, &mut copies[a as usize], now);
        let kb = load(kind, &mut copies[b as usize], now);
        let (w, l, kw, kl) = if ka <= kb { (a, b, ka, kb) } else { (b, a, kb, ka) };
        self.winner[node] = w;
        let cert = certificate(kind, &copies[w as usize], &copies[l as usize], (kw, kl), now);
        self.until[node] = children_until.min(cert);
    }
}

/// The load `least_loaded` compares: waiters plus what the copy uses now.
/// Brings a rate copy's window up to `now` (which changes no load).
#[inline]
pub(super) fn load(kind: KindRt, cp: &mut CopyRt, now: f64) -> f64 {
    cp.live_waiting as f64
        + match kind {
            KindRt::Concurrency { .. } => cp.holders as f64,
            KindRt::Tokens { r0, g, .. } => token_rate_per_min(cp.holders, cp.sum_start_t, now, r0, g) / r0,
            KindRt::Rate { max: _, window_s, algorithm, burst, refill_per_s } => match algorithm {
                RateAlgorithm::FixedWindow => {
                    roll_window(cp, window_s, now);
                    cp.count as f64
                }
                RateAlgorithm::SlidingWindow => {
                    expire(cp, window_s, now);
                    cp.log.len() as f64
                }
                RateAlgorithm::TokenBucket => burst - bucket_tokens(cp, burst, refill_per_s, now),
            },
        }
}

/// A fixed window's current index and count at `now`. The wake-up comes
/// at (window + 1) × w: that instant opens the next window even if
/// now / w rounds just below it.
#[inline(always)]
pub(super) fn roll_window(cp: &mut CopyRt, window_s: f64, now: f64) {
    let next = if now >= (cp.window + 1) as f64 * window_s { cp.window + 1 } else { cp.window };
    let w = ((now / window_s).floor() as i64).max(next);
    if w != cp.window {
        cp.window = w;
        cp.count = 0;
    }
}

/// Drops the sliding window's admissions that left it by `now`: `t + w`,
/// the very sum the wake-up is scheduled at, so that rounding cannot keep
/// an expired admission in the window.
#[inline(always)]
pub(super) fn expire(cp: &mut CopyRt, window_s: f64, now: f64) {
    while cp.log.front().is_some_and(|&t| t + window_s <= now) {
        cp.log.pop_front();
    }
}

/// A token bucket's tokens at `now`: those at its last admission plus the
/// refill since, at most `burst`. Reading it changes nothing, so the value
/// does not depend on who looked when.
#[inline(always)]
pub(super) fn bucket_tokens(cp: &CopyRt, burst: f64, refill_per_s: f64, now: f64) -> f64 {
    (cp.tokens + (now - cp.refill_t) * refill_per_s).min(burst)
}

/// Until when copy `w` (load `kw` ≤ `kl`, the loser `l`'s, and the lower
/// index if equal) certainly stays ahead of copy `l`, judged at `now` with
/// no change to either. Early by a tolerance of rounding: an early
/// certificate costs one recomputation, a late one a wrong choice.
fn certificate(kind: KindRt, w: &CopyRt, l: &CopyRt, (kw, kl): (f64, f64), now: f64) -> f64 {
    let gap = kl - kw;
    let tol = 1e-9 * (1.0 + kw.abs() + kl.abs());
    match kind {
        // Stepwise kinds are never in this tree (see `PoolIndex::new`).
        KindRt::Concurrency { .. } => f64::INFINITY,
        KindRt::Tokens { r0, g, .. } => {
            // Loads grow at holders · g / (60 r₀) per second: the gap closes
            // only when the loser has fewer holders.
            let closing = (w.holders as f64 - l.holders as f64) * g / (60.0 * r0);
            if closing > 0.0 {
                now + ((gap - tol) / closing).max(0.0)
            } else {
                f64::INFINITY
            }
        }
        KindRt::Rate { algorithm: RateAlgorithm::FixedWindow | RateAlgorithm::SlidingWindow, .. } => f64::INFINITY,
        KindRt::Rate { burst, refill_per_s, .. } => {
            // Spent tokens fall at the refill rate until the bucket is
            // full (its kink), then stay. The gap closes only while the
            // loser refills and the winner is full.
            let kink = |c: &CopyRt| c.refill_t + (burst - c.tokens) / refill_per_s;
            let (kw, kl) = (kink(w), kink(l));
            let margin = 1e-9 * (1.0 + now.abs());
            let mut t = f64::INFINITY;
            for k in [kw, kl] {
                if k > now {
                    t = t.min(k - margin);
                }
            }
            if kl > now && kw <= now {
                t = t.min(now + ((gap - tol) / refill_per_s).max(0.0));
            }
            t
        }
    }
}

/// The least-loaded copy by looking at every copy (ties: the lowest
/// index): what [`LeastLoaded`] must always agree with.
pub(super) fn scan(kind: KindRt, copies: &mut [CopyRt], now: f64) -> u32 {
    let mut best = (f64::INFINITY, 0);
    for (i, cp) in copies.iter_mut().enumerate() {
        let v = load(kind, cp, now);
        if v < best.0 {
            best = (v, i as u32);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds() -> impl Strategy<Value = KindRt> {
        let algorithms = vec![RateAlgorithm::FixedWindow, RateAlgorithm::SlidingWindow, RateAlgorithm::TokenBucket];
        prop_oneof![
            Just(KindRt::Concurrency { capacity: 5 }),
            prop::sample::select(vec![0.0, 60.0, 600.0, 7.0]).prop_map(|g| KindRt::Tokens {
                budget: 1e9,
                r0: 600.0,
                g
            }),
            (1u32..5, prop::sample::select(vec![1.0, 10.0, 60.0]), prop::sample::select(algorithms)).prop_map(
                |(max, window_s, algorithm)| KindRt::Rate {
                    max,
                    window_s,
                    algorithm,
                    burst: max as f64,
                    refill_per_s: max as f64 / window_s
                }
            ),
        ]
    }

    /// Applies one change to copy `c` at `now` as the simulation does.
    fn apply(kind: KindRt, op: u8, cp: &mut CopyRt, starts: &mut Vec<f64>, now: f64) {
        match (op, kind) {
            (0, KindRt::Rate { window_s, algorithm, burst, refill_per_s, .. }) => match algorithm {
                RateAlgorithm::FixedWindow => {
                    roll_window(cp, window_s, now);
                    cp.count += 1;
                }
                RateAlgorithm::SlidingWindow => {
                    expire(cp, window_s, now);
                    cp.log.push_back(now);
                }
                RateAlgorithm::TokenBucket => {
                    cp.tokens = bucket_tokens(cp, burst, refill_per_s, now) - 1.0;
                    cp.refill_t = now;
                }
            },
            (0, _) => {
                cp.holders += 1;
                cp.sum_start_t += now;
                starts.push(now);
            }
            (1, _) if !starts.is_empty() => {
                cp.drop_token_holder(starts.remove(0));
                cp.holders -= 1;
            }
            (2, _) => cp.live_waiting += 1,
            (3, _) if cp.live_waiting > 0 => cp.live_waiting -= 1,
            _ => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Over random pools and histories (seizes, releases, waiters
        /// joining and leaving, windows rolling, admissions expiring,
        /// buckets refilling, token use growing; many exact ties), the index
        /// picks exactly the copy a scan of every copy picks.
        #[test]
        fn the_index_picks_what_a_scan_picks(
            kind in kinds(),
            n in 2usize..40,
            ops in prop::collection::vec(
                (0u8..5, 0usize..40, prop::sample::select(vec![0.0, 0.0, 0.25, 1.0, 3.0, 10.0, 61.0])),
                1..300,
            ),
        ) {
            let burst = if let KindRt::Rate { burst, .. } = kind { burst } else { 0.0 };
            let mut copies: Vec<CopyRt> = (0..n).map(|_| CopyRt { tokens: burst, window: -1, ..Default::default() }).collect();
            let mut starts = vec![Vec::new(); n];
            let mut index = PoolIndex::new(kind, &mut copies);
            let mut now = 0.0;
            for (op, c, dt) in ops {
                now += dt;
                let c = c % n;
                if op < 4 {
                    apply(kind, op, &mut copies[c], &mut starts[c], now);
                    index.changed(c as u32, kind, &mut copies, now);
                }
                let expected = scan(kind, &mut copies.clone(), now);
                prop_assert_eq!(index.best(kind, &mut copies, now), expected, "at {} s", now);
            }
        }
    }
}
