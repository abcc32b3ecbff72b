//! A limit's state at run time, per copy: what it caps in the form the
//! engine checks fastest, and each copy's holders, waiters and window.

use crate::model::RateAlgorithm;
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
