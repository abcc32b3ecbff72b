//! The kinetic tournament tree behind `least_loaded` for loads that move
//! with time (token buckets refilling, token use growing with call age).
//! Each node keeps the least-loaded copy of its subtree and the time until
//! which that stays true; a node is recomputed only when a copy under it
//! changes (seize, release, joining or leaving its queue) or its
//! certificate expires (a bucket refills past a rival, growing token use
//! overtakes one). Ties go to the lowest copy index, so the choice is
//! exactly a scan's ([`crate::simulation::copy::scan`]).
//!
//! The kinetic tournament is Basch, Guibas and Hershberger's ("Data
//! structures for mobile data", J. Algorithms 31, 1999), specialised to
//! loads that are piecewise linear in time.

use crate::model::RateAlgorithm;
use crate::simulation::copy::{load, CopyRt, KindRt};

use crate::simulation::NONE;

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

/// Until when copy `w` (load `kw` ≤ `kl`, the loser `l`'s, and the lower
/// index if equal) certainly stays ahead of copy `l`, judged at `now` with
/// no change to either: an early certificate costs one recomputation, a
/// late one a wrong choice.
///
/// The loads are computed in floating point, so "ahead" must hold for the
/// rounded values: the gap must exceed the rounding error of the two
/// evaluations, ρ(t) = 64 ε (a + r t) (ε the machine epsilon, `a` the
/// magnitudes that do not grow with time, `r` the growth of those that do,
/// such as the refill since `refill_t`; a bound some 20 times the sum of
/// half-ulps of every operation of [`crate::simulation::copy::load`]). The certificate
/// ends when the gap, closing at the exact rate its lines give, meets ρ
/// growing: at once for loads within ρ that may still move (parallel in
/// exact arithmetic, their rounding can swap them or tie them, and a tie
/// goes to the lower index: a refilling bucket with a waiter against one
/// without, 1.675 against 1.6749999999999998 at 3.25 s, both 1.65 at
/// 3.5 s), never for loads that stay exactly put.
fn certificate(kind: KindRt, w: &CopyRt, l: &CopyRt, (kw, kl): (f64, f64), now: f64) -> f64 {
    let gap = kl - kw;
    // The exact closing rate of the gap (≤ 0: it does not close), the
    // time-independent magnitudes `a` and the growth `r` of the others.
    let (closing, a, r, mut t) = match kind {
        KindRt::Tokens { r0, g, .. } => {
            // Loads grow at holders · g / (60 r₀) per second; n·t and Σ are
            // the large intermediates.
            let per_s = g / (60.0 * r0);
            let (nw, nl) = (w.holders as f64, l.holders as f64);
            let a = nw + nl + (w.sum_start_t.abs() + l.sum_start_t.abs()) * per_s;
            ((nw - nl) * per_s, a, (nw + nl) * per_s, f64::INFINITY)
        }
        // Stepwise kinds are never in this tree (see `PoolIndex::new`).
        KindRt::Concurrency { .. }
        | KindRt::Rate { algorithm: RateAlgorithm::FixedWindow | RateAlgorithm::SlidingWindow, .. } => {
            return f64::INFINITY
        }
        KindRt::Rate { burst, refill_per_s, .. } => {
            // Spent tokens fall at the refill rate until the bucket is
            // full (its kink), then stay: a full bucket's load is exact.
            // The gap closes only while the loser refills and the winner
            // is full.
            let kink = |c: &CopyRt| c.refill_t + (burst - c.tokens) / refill_per_s;
            let (kink_w, kink_l) = (kink(w), kink(l));
            let margin = 1e-9 * (1.0 + now.abs());
            let mut t = f64::INFINITY;
            for k in [kink_w, kink_l] {
                if k > now {
                    t = t.min(k - margin);
                }
            }
            let refilling = |c: &CopyRt| crate::simulation::copy::bucket_tokens(c, burst, refill_per_s, now) < burst;
            let moving = refilling(w) || refilling(l);
            let closing = if kink_l > now && kink_w <= now { refill_per_s } else { 0.0 };
            let a =
                2.0 * burst + w.tokens.abs() + l.tokens.abs() + (w.refill_t.abs() + l.refill_t.abs()) * refill_per_s;
            (closing, a, if moving { 2.0 * refill_per_s } else { 0.0 }, t)
        }
    };
    let rho = |at: f64| 64.0 * f64::EPSILON * (1.0 + kw.abs() + kl.abs() + a + r * at.abs());
    // Closing at `closing` against ρ growing at 64 ε r.
    let meeting = closing.max(0.0) + 64.0 * f64::EPSILON * r;
    if meeting > 0.0 {
        t = t.min(now + ((gap - rho(now)) / meeting).max(0.0));
    }
    t
}
