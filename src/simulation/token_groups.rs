//! `least_loaded` over token budgets with growth, in the common case that
//! few distinct (holders, waiters) pairs are in use. A copy's load is
//! waiters + holders + growth × (holders × now − Σ start times) (see
//! [`super::copy::token_load`]): for copies with the same holders and
//! waiters it falls as Σ rises, in floating point too (each operation is
//! monotone), at every instant. So each such group's least-loaded copy is
//! the one with the greatest Σ, whatever the time, and a pick compares one
//! copy per group instead of descending the kinetic tree.
//!
//! Per group, copies are kept by Σ: a queue for Σ arriving in order (a
//! fresh call's seizure time is the latest yet), a binary heap for the
//! rest. Entries are not removed when a copy changes: each carries the
//! copy's generation at the time, and older ones are skipped when they
//! reach the head, or dropped together when they outnumber the live ones.
//! Ties (different Σ that round to the same load, or equal Σ) are settled
//! by the lowest copy index among every entry at the least load, exactly
//! as a scan does ([`super::copy::scan`]).

use super::copy::token_load;
use super::copy::CopyRt;
use std::collections::VecDeque;

const NONE: u32 = u32::MAX;

/// Above this many groups in use a pick would compare more copies than
/// the kinetic tree visits, and [`TokenGroups::best`] declines.
pub(super) const MAX_GROUPS: usize = 24;

#[derive(Clone, Copy)]
struct Entry {
    sum_start_t: f64,
    generation: u64,
    copy: u32,
}

/// Copies with the same holders and waiters.
struct Group {
    holders: u32,
    waiting: u32,
    members: u32,
    /// Position in `TokenGroups::live` (`NONE` while empty).
    slot: u32,
    /// Entries whose Σ came in order: the greatest at the back.
    in_order: VecDeque<Entry>,
    /// The other entries: a binary heap, the greatest Σ at the top.
    heap: Vec<Entry>,
}

/// The least-loaded copy of a token-budget pool with growth, per group of
/// equal holders and waiters. Idle copies (no holder, no waiter) are in no
/// group: the caller finds them first.
pub(super) struct TokenGroups {
    /// Per-call token rate and growth, per minute.
    r0: f64,
    g: f64,
    /// Per copy: its group (`NONE` when idle) and its current generation.
    group_of: Vec<u32>,
    generation: Vec<u64>,
    groups: Vec<Group>,
    /// Group id by `[waiters][holders]` (`NONE` where none yet).
    ids: Vec<Vec<u32>>,
    /// Groups with members.
    live: Vec<u32>,
    /// Scratch stack for the heap's walk.
    stack: Vec<usize>,
}

impl TokenGroups {
    /// Groups for `copies` idle copies of a budget with per-call rate `r0`
    /// and growth `g` (tokens per minute).
    pub(super) fn new(copies: usize, r0: f64, g: f64) -> Self {
        TokenGroups {
            r0,
            g,
            group_of: vec![NONE; copies],
            generation: vec![0; copies],
            groups: Vec::new(),
            ids: Vec::new(),
            live: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Records copy `c`'s new holders, waiters and Σ (`cp`).
    #[inline]
    pub(super) fn changed(&mut self, c: u32, cp: &CopyRt) {
        let old = self.group_of[c as usize];
        if old != NONE {
            self.leave(old);
        }
        let generation = self.generation[c as usize] + 1;
        self.generation[c as usize] = generation;
        if cp.holders == 0 && cp.live_waiting == 0 {
            self.group_of[c as usize] = NONE;
            return;
        }
        let id = self.id(cp.holders, cp.live_waiting);
        self.group_of[c as usize] = id;
        let group = &mut self.groups[id as usize];
        group.members += 1;
        if group.members == 1 {
            group.slot = self.live.len() as u32;
            self.live.push(id);
        }
        let entry = Entry { sum_start_t: cp.sum_start_t, generation, copy: c };
        if group.in_order.back().is_none_or(|e| e.sum_start_t <= entry.sum_start_t) {
            group.in_order.push_back(entry);
        } else {
            push(&mut group.heap, entry);
        }
        if group.in_order.len() + group.heap.len() > 2 * group.members as usize + 16 {
            let generations = &self.generation;
            let live = |e: &Entry| generations[e.copy as usize] == e.generation;
            group.in_order.retain(live);
            group.heap.retain(live);
            heapify(&mut group.heap);
        }
    }

    /// The least-loaded non-idle copy at `now` (ties: the lowest index), or
    /// `None` when more than `max_groups` groups are in use. Some copy must
    /// be in a group (not all idle).
    #[inline]
    pub(super) fn best(&mut self, now: f64, max_groups: usize) -> Option<u32> {
        if self.live.len() > max_groups {
            return None;
        }
        let mut best = (f64::INFINITY, NONE);
        for i in 0..self.live.len() {
            let id = self.live[i] as usize;
            let sum = self.greatest_sum(id);
            let group = &self.groups[id];
            let v = token_load(group.waiting, group.holders, sum, now, self.r0, self.g);
            if v < best.0 {
                best = (v, self.lowest_at(id, v, now));
            } else if v == best.0 {
                best.1 = best.1.min(self.lowest_at(id, v, now));
            }
        }
        Some(best.1)
    }

    fn id(&mut self, holders: u32, waiting: u32) -> u32 {
        let (w, h) = (waiting as usize, holders as usize);
        if self.ids.len() <= w {
            self.ids.resize(w + 1, Vec::new());
        }
        if self.ids[w].len() <= h {
            self.ids[w].resize(h + 1, NONE);
        }
        if self.ids[w][h] == NONE {
            self.ids[w][h] = self.groups.len() as u32;
            self.groups.push(Group {
                holders,
                waiting,
                members: 0,
                slot: NONE,
                in_order: VecDeque::new(),
                heap: Vec::new(),
            });
        }
        self.ids[w][h]
    }

    /// One member leaves group `id`; an emptied group drops its entries
    /// (all stale) and leaves the live list.
    fn leave(&mut self, id: u32) {
        let group = &mut self.groups[id as usize];
        group.members -= 1;
        if group.members == 0 {
            group.in_order.clear();
            group.heap.clear();
            let slot = group.slot as usize;
            group.slot = NONE;
            self.live.swap_remove(slot);
            if let Some(&moved) = self.live.get(slot) {
                self.groups[moved as usize].slot = slot as u32;
            }
        }
    }

    /// The greatest Σ among group `id`'s members (it has some), after
    /// dropping stale entries from the heads.
    fn greatest_sum(&mut self, id: usize) -> f64 {
        let generations = &self.generation;
        let stale = |e: &Entry| generations[e.copy as usize] != e.generation;
        let group = &mut self.groups[id];
        while group.in_order.back().is_some_and(stale) {
            group.in_order.pop_back();
        }
        while group.heap.first().is_some_and(stale) {
            pop(&mut group.heap);
        }
        let queued = group.in_order.back().map_or(f64::NEG_INFINITY, |e| e.sum_start_t);
        let heaped = group.heap.first().map_or(f64::NEG_INFINITY, |e| e.sum_start_t);
        queued.max(heaped)
    }

    /// The lowest index of group `id`'s members whose load at `now` is
    /// `v`, its least: entries are visited from the greatest Σ down while
    /// their load is `v` (the load never falls as Σ falls).
    fn lowest_at(&mut self, id: usize, v: f64, now: f64) -> u32 {
        let group = &self.groups[id];
        let load = |e: &Entry| token_load(group.waiting, group.holders, e.sum_start_t, now, self.r0, self.g);
        let live = |e: &Entry| self.generation[e.copy as usize] == e.generation;
        let mut lowest = NONE;
        for e in group.in_order.iter().rev() {
            if load(e) > v {
                break;
            }
            if live(e) {
                lowest = lowest.min(e.copy);
            }
        }
        self.stack.clear();
        if !group.heap.is_empty() {
            self.stack.push(0);
        }
        while let Some(i) = self.stack.pop() {
            let e = &group.heap[i];
            if load(e) > v {
                continue;
            }
            if live(e) {
                lowest = lowest.min(e.copy);
            }
            for child in [2 * i + 1, 2 * i + 2] {
                if child < group.heap.len() {
                    self.stack.push(child);
                }
            }
        }
        lowest
    }
}

/// Adds `e` to the max-heap on Σ.
fn push(heap: &mut Vec<Entry>, e: Entry) {
    let mut i = heap.len();
    heap.push(e);
    while i > 0 {
        let parent = (i - 1) / 2;
        if heap[parent].sum_start_t >= e.sum_start_t {
            break;
        }
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = e;
}

/// Removes the max-heap's top.
fn pop(heap: &mut Vec<Entry>) {
    let last = heap.pop().expect("a heap with a top");
    if !heap.is_empty() {
        heap[0] = last;
        sift_down(heap, 0);
    }
}

fn sift_down(heap: &mut [Entry], mut i: usize) {
    let e = heap[i];
    loop {
        let left = 2 * i + 1;
        if left >= heap.len() {
            break;
        }
        let right = left + 1;
        let child =
            if right < heap.len() && heap[right].sum_start_t > heap[left].sum_start_t { right } else { left };
        if heap[child].sum_start_t <= e.sum_start_t {
            break;
        }
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = e;
}

fn heapify(heap: &mut [Entry]) {
    for i in (0..heap.len() / 2).rev() {
        sift_down(heap, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal Σ arriving out of order wait in the heap, below its top: when
    /// they are a group's least load, the lowest index among them wins, as
    /// in a scan (the random histories of `pool_index`'s property test
    /// rarely build this).
    #[test]
    fn ties_below_the_heaps_top_go_to_the_lowest_index() {
        let holding = |sum_start_t| CopyRt { holders: 1, sum_start_t, ..Default::default() };
        let mut groups = TokenGroups::new(5, 600.0, 60.0);
        groups.changed(4, &holding(10.0));
        for c in [3, 2, 1, 0] {
            groups.changed(c, &holding(5.0));
        }
        assert_eq!(groups.groups[0].heap.first().map(|e| e.copy), Some(3));
        assert_eq!(groups.best(20.0, MAX_GROUPS), Some(4));
        groups.changed(4, &CopyRt::default());
        assert_eq!(groups.best(20.0, MAX_GROUPS), Some(0));
        assert_eq!(groups.best(20.0, 0), None);
    }
}
