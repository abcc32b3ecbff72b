//! `select = "least_loaded"` for pools whose loads are whole numbers that
//! change only at known instants (concurrency, fixed and sliding windows):
//! a tournament tree of packed keys, load in the high 32 bits and copy
//! index in the low, so one integer minimum picks the least-loaded copy
//! and, among equals, the lowest index — exactly what a scan picks
//! ([`crate::simulation::copy::scan`]). An update climbs from the leaf and stops
//! where a node is unchanged. Changes with time alone are applied as they
//! fall due, before any answer: admissions leave a sliding window in the
//! order they came (one queue for the pool, since all its copies share the
//! window), and a fixed window resets, at its end, only the copies that
//! counted admissions in it.

use crate::model::RateAlgorithm;
use crate::simulation::copy::load;
use crate::simulation::copy::{CopyRt, KindRt};
use std::collections::VecDeque;

/// The least-loaded copy of a pool with stepwise loads, kept up to date.
pub(in crate::simulation) struct StepIndex {
    /// Leaves: a power of two ≥ the pool size; node 1 is the root.
    leaves: usize,
    /// Per node, the least key below it: `load << 32 | copy` (`u64::MAX`
    /// for padding).
    tree: Vec<u64>,
    /// Sliding window: admissions still in the window, oldest first.
    admissions: VecDeque<(f64, u32)>,
    /// Sliding window: per copy, its entries in `admissions`.
    queued: Vec<u32>,
    /// Fixed window: copies with admissions counted in their window…
    counted: Vec<u32>,
    /// …flagged per copy…
    in_counted: Vec<bool>,
    /// …and the earliest end of their windows (∞ if none).
    roll_t: f64,
}

impl StepIndex {
    /// The index of a fresh pool of `copies` (all empty at time 0).
    pub(super) fn new(kind: KindRt, copies: &mut [CopyRt]) -> Self {
        let leaves = copies.len().next_power_of_two().max(1);
        let mut tree = vec![u64::MAX; 2 * leaves];
        for (c, cp) in copies.iter_mut().enumerate() {
            tree[leaves + c] = key(kind, cp, c as u32, 0.0);
        }
        for node in (1..leaves).rev() {
            tree[node] = tree[2 * node].min(tree[2 * node + 1]);
        }
        StepIndex {
            leaves,
            tree,
            admissions: VecDeque::new(),
            queued: vec![0; copies.len()],
            counted: Vec::new(),
            in_counted: vec![false; copies.len()],
            roll_t: f64::INFINITY,
        }
    }

    /// The least-loaded copy at `now` (ties: the lowest index). `now` never
    /// goes back between calls.
    #[inline]
    pub(super) fn best(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) -> u32 {
        self.catch_up(kind, copies, now);
        self.tree[1] as u32
    }

    /// Records that copy `copy` changed at `now` (a holder, an admission or
    /// a waiter came or went).
    #[inline]
    pub(super) fn changed(&mut self, copy: u32, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        self.catch_up(kind, copies, now);
        self.set(copy, key(kind, &mut copies[copy as usize], copy, now));
        let KindRt::Rate { window_s, algorithm, .. } = kind else { return };
        let cp = &copies[copy as usize];
        match algorithm {
            RateAlgorithm::SlidingWindow => {
                // New admissions (the log's newest entries) join the pool's queue.
                let queued = &mut self.queued[copy as usize];
                for &t in cp.log.iter().skip(*queued as usize) {
                    self.admissions.push_back((t, copy));
                }
                *queued = cp.log.len() as u32;
            }
            RateAlgorithm::FixedWindow if cp.count > 0 && !self.in_counted[copy as usize] => {
                self.in_counted[copy as usize] = true;
                self.counted.push(copy);
                self.roll_t = self.roll_t.min((cp.window + 1) as f64 * window_s);
            }
            _ => {}
        }
    }

    /// Applies the changes that fell due by `now` with time alone.
    #[inline]
    fn catch_up(&mut self, kind: KindRt, copies: &mut [CopyRt], now: f64) {
        let KindRt::Rate { window_s, algorithm, .. } = kind else { return };
        match algorithm {
            RateAlgorithm::SlidingWindow => {
                // `t + w <= now`: the very test `expire` applies to the log.
                while let Some(&(t, c)) = self.admissions.front() {
                    if t + window_s > now {
                        break;
                    }
                    self.admissions.pop_front();
                    self.queued[c as usize] -= 1;
                    self.set(c, key(kind, &mut copies[c as usize], c, now));
                }
            }
            RateAlgorithm::FixedWindow if now >= self.roll_t => {
                // Every counted window has ended (they end together): the
                // copies go back to their waiters alone. One admitted in
                // the window now open is counted again by `changed`, which
                // follows every admission.
                self.roll_t = f64::INFINITY;
                let counted = std::mem::take(&mut self.counted);
                for &c in &counted {
                    self.in_counted[c as usize] = false;
                    self.set(c, key(kind, &mut copies[c as usize], c, now));
                }
                self.counted = counted;
                self.counted.clear();
            }
            _ => {}
        }
    }

    /// Sets copy `copy`'s key and climbs while nodes change.
    #[inline]
    fn set(&mut self, copy: u32, key: u64) {
        let mut node = self.leaves + copy as usize;
        self.tree[node] = key;
        while node > 1 {
            let least = self.tree[node].min(self.tree[node ^ 1]);
            node /= 2;
            if self.tree[node] == least {
                break;
            }
            self.tree[node] = least;
        }
    }
}

/// Copy `c`'s packed key at `now`: its load (whole, at most 2³² − 1) above
/// its index.
#[inline]
fn key(kind: KindRt, cp: &mut CopyRt, c: u32, now: f64) -> u64 {
    let load = load(kind, cp, now).min(u32::MAX as f64) as u64;
    load << 32 | c as u64
}
