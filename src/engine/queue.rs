//! The future-event list: a binary min-heap keyed by (time, insertion sequence).
//!
//! Two events at the same time leave in the order they were scheduled, so a
//! run never depends on how the heap breaks ties. Times are finite and ≥ 0,
//! so their IEEE-754 bit patterns order like the numbers, and the key is one
//! `u128` comparison: time bits in the high half, sequence in the low half.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Pending events of type `E`, earliest first, ties in scheduling order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Schedules `event` at `time_s` (finite, ≥ 0; checked in debug builds).
    #[inline]
    pub fn push(&mut self, time_s: f64, event: E) {
        debug_assert!(time_s.is_finite() && time_s >= 0.0, "event time {time_s}");
        // +0.0 turns -0.0 into 0.0, whose bits sort first.
        let key = (((time_s + 0.0).to_bits() as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event and its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap
            .pop()
            .map(|e| (f64::from_bits((e.key >> 64) as u64), e.event))
    }

    /// The time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap
            .peek()
            .map(|e| f64::from_bits((e.key >> 64) as u64))
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_insertion_order() {
        let mut q = EventQueue::new();
        for (t, name) in [
            (2.0, "c"),
            (1.0, "a"),
            (2.0, "d"),
            (1.0, "b"),
            (0.0, "z"),
            (1e9, "y"),
        ] {
            q.push(t, name);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["z", "a", "b", "c", "d", "y"]);
    }

    #[test]
    fn times_round_trip() {
        let mut q = EventQueue::new();
        q.push(123.456, ());
        assert_eq!(q.peek_time(), Some(123.456));
        assert_eq!(q.pop().map(|(t, _)| t), Some(123.456));
        assert!(q.is_empty());
    }
}
