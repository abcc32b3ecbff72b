//! The lost-calls-held system of one replication ([`crate::model::Model::held_capacity`]):
//! every first attempt is entered with its holding time, whatever the
//! chain does to it, and an arrival that finds `capacity` or more calls
//! there counts in `held_overflow` (the control variate's measurement).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The `capacity` latest end times of the lost-calls-held system's calls:
/// all it takes to know whether `capacity` or more are in progress (the
/// earliest of them is still to come), with one sift per arrival and no
/// removal of ended calls.
pub(super) struct HeldSystem {
    capacity: usize,
    /// End times as `f64` bits (non-negative finite floats order as their
    /// bits), the earliest on top.
    latest: BinaryHeap<Reverse<u64>>,
}

impl HeldSystem {
    pub(super) fn new(capacity: u32) -> Self {
        HeldSystem { capacity: capacity as usize, latest: BinaryHeap::with_capacity(capacity as usize + 1) }
    }

    /// A first attempt arrives at `now` to hold for `holding_s`: whether it
    /// found `capacity` or more calls in progress.
    #[inline]
    pub(super) fn arrive(&mut self, now: f64, holding_s: f64) -> bool {
        let end = (now + holding_s.max(0.0)).to_bits();
        if self.latest.len() < self.capacity {
            // Fewer than `capacity` calls ever: fewer in progress.
            self.latest.push(Reverse(end));
            return false;
        }
        let Some(mut earliest) = self.latest.peek_mut() else {
            return true; // capacity 0: every arrival finds 0 or more
        };
        // `capacity` or more in progress iff the earliest of the latest
        // `capacity` ends is still to come.
        let over = f64::from_bits(earliest.0) > now;
        if end > earliest.0 {
            *earliest = Reverse(end);
        }
        over
    }
}

#[cfg(test)]
mod tests {
    use super::HeldSystem;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn it_finds_capacity_or_more_exactly_when_a_direct_count_does() {
        // Against counting every earlier call still in progress, at
        // capacities from none to more than ever occur.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let (mut now, mut calls) = (0.0, Vec::new());
        for _ in 0..5_000 {
            now += rng.random_range(0.0..2.0);
            calls.push((now, rng.random_range(0.0..40.0)));
        }
        for capacity in [0, 1, 5, 12, 30, 100] {
            let mut held = HeldSystem::new(capacity);
            for (i, &(t, hold)) in calls.iter().enumerate() {
                let in_progress = calls[..i].iter().filter(|(a, h)| a + h > t).count();
                assert_eq!(held.arrive(t, hold), in_progress >= capacity as usize, "call {i}, capacity {capacity}");
            }
        }
    }
}
