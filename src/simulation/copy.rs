//! A limit's state at run time, per copy: what it caps in the form the
//! engine checks fastest, each copy's holders, waiters and window, and the
//! load `least_loaded` compares (with the scan every index must agree with).

use crate::model::RateAlgorithm;
use crate::record::token_rate_per_min;
use std::collections::VecDeque;

/// What a limit caps, in the form the engine checks fastest.
#[derive(Debug, Clone, Copy)]
pub(super) enum KindRt {
    Concurrency {
        capacity: u32,
    },
    Rate {
        max: u32,
        window_s: f64,
        algorithm: RateAlgorithm,
        burst: f64,
        refill_per_s: f64,
    },
    /// Budget, per-call rate and growth, all per minute ([`crate::record::token_rate_per_min`]).
    Tokens {
        budget: f64,
        r0: f64,
        g: f64,
    },
}

/// One copy of a limit at run time.
#[derive(Default, Clone)]
pub(super) struct CopyRt {
    /// Holders (concurrency, tokens).
    pub(super) holders: u32,
    /// Σ seizure times of the holders (tokens).
    pub(super) sum_start_t: f64,
    /// (caller, generation at joining); entries whose caller has moved on
    /// are stale and skipped when they reach the head.
    pub(super) fifo: VecDeque<(u32, u32)>,
    pub(super) live_waiting: u32,
    /// Fixed window: index of the current window and admissions in it.
    pub(super) window: i64,
    pub(super) count: u32,
    /// Sliding window: admission times in the last window.
    pub(super) log: VecDeque<f64>,
    /// Token bucket: tokens at `refill_t`.
    pub(super) tokens: f64,
    pub(super) refill_t: f64,
    /// A RateReady event is pending.
    pub(super) wakeup: bool,
}

impl CopyRt {
    /// A holder of a token limit, seized at `start_t`, leaves (call before
    /// `holders` drops). The last one leaves the sum at exactly 0, so an
    /// idle copy's token use is exactly 0, not a rounding residue that
    /// would rank it below other idle copies.
    #[inline]
    pub(super) fn drop_token_holder(&mut self, start_t: f64) {
        self.sum_start_t = if self.holders == 1 { 0.0 } else { self.sum_start_t - start_t };
    }
}

/// The load `least_loaded` compares: waiters plus what the copy uses now.
/// Brings a rate copy's window up to `now` (which changes no load).
#[inline]
pub(super) fn load(kind: KindRt, cp: &mut CopyRt, now: f64) -> f64 {
    cp.live_waiting as f64
        + match kind {
            KindRt::Concurrency { .. } => cp.holders as f64,
            // The arithmetic of `token_load`, term for term.
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

/// A token copy's load, as [`load`] computes it (the same operations in
/// the same order, so the same bits): `waiting` plus its token rate over
/// the per-call rate `r0` (holders plus their calls' growth `g`, both per
/// minute, over their ages from Σ start times `sum_start_t`, s). Each
/// operation is monotone, so for fixed holders and waiters the load never
/// rises as Σ rises, which [`super::token_groups`] relies on.
#[inline(always)]
pub(super) fn token_load(waiting: u32, holders: u32, sum_start_t: f64, now: f64, r0: f64, g: f64) -> f64 {
    waiting as f64 + token_rate_per_min(holders, sum_start_t, now, r0, g) / r0
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

/// The least-loaded copy by looking at every copy (ties: the lowest
/// index): what every index of `super::pool_index` must agree with.
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
