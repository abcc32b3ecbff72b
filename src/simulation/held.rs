//! The lost-calls-held system of one replication ([`crate::model::Model::held_capacity`]):
//! every first attempt is entered with its holding time, whatever the
//! chain does to it, and an arrival that finds `capacity` or more calls
//! there counts in `held_overflow` (the control variate's measurement).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The calls in progress of the lost-calls-held system: their end times.
pub(super) struct HeldSystem {
    capacity: usize,
    /// End times as `f64` bits: non-negative finite floats order as their bits.
    ends: BinaryHeap<Reverse<u64>>,
}

impl HeldSystem {
    pub(super) fn new(capacity: u32) -> Self {
        HeldSystem { capacity: capacity as usize, ends: BinaryHeap::new() }
    }

    /// A first attempt arrives at `now` to hold for `holding_s`: whether it
    /// found `capacity` or more calls in progress.
    #[inline]
    pub(super) fn arrive(&mut self, now: f64, holding_s: f64) -> bool {
        while self.ends.peek().is_some_and(|Reverse(e)| f64::from_bits(*e) <= now) {
            self.ends.pop();
        }
        let over = self.ends.len() >= self.capacity;
        self.ends.push(Reverse((now + holding_s.max(0.0)).to_bits()));
        over
    }
}
