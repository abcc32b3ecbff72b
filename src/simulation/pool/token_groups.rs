//! `least_loaded` over token budgets with growth, in the common case that
//! few distinct (holders, waiters) pairs are in use. A copy's load is
//! waiters + holders + growth × (holders × now − Σ start times) (see
//! [`crate::simulation::copy::token_load`]): for copies with the same holders and
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
//! as a scan does ([`crate::simulation::copy::scan`]).

use crate::simulation::copy::token_load;
use crate::simulation::copy::CopyRt;
use std::collections::VecDeque;

use crate::simulation::NONE;
/// `group_of` for a copy beyond the table of groups.
const OUTSIDE: u32 = u32::MAX - 1;

/// Above this many groups in use a pick would compare more copies than
/// the kinetic tree visits, and [`TokenGroups::best`] declines.
pub(super) const MAX_GROUPS: usize = 24;

/// The table of groups covers waiters below `WAITING` and holders below
/// `HOLDERS` (64 KiB): memory stays bounded whatever the pairs a run
/// passes through, and while any copy is beyond it the tree answers.
const WAITING: usize = 16;
const HOLDERS: usize = 1024;

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
    /// Scratch for a pick: this group's least load at its instant.
    least: f64,
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
    /// Per copy: its group (`NONE` when idle, `OUTSIDE` beyond the table)
    /// and its current generation.
    group_of: Vec<u32>,
    generation: Vec<u64>,
    groups: Vec<Group>,
    /// Group id by waiters × `HOLDERS` + holders (`NONE` where none yet).
    ids: Vec<u32>,
    /// Groups with members.
    live: Vec<u32>,
    /// Copies beyond the table.
    outside: u32,
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
            ids: vec![NONE; WAITING * HOLDERS],
            live: Vec::new(),
            outside: 0,
            stack: Vec::new(),
        }
    }

    /// Records copy `c`'s new holders, waiters and Σ (`cp`).
    #[inline]
    pub(super) fn changed(&mut self, c: u32, cp: &CopyRt) {
        match self.group_of[c as usize] {
            NONE => {}
            OUTSIDE => self.outside -= 1,
            old => self.leave(old),
        }
        let generation = self.generation[c as usize] + 1;
        self.generation[c as usize] = generation;
        let (w, h) = (cp.live_waiting as usize, cp.holders as usize);
        if w == 0 && h == 0 {
            self.group_of[c as usize] = NONE;
            return;
        }
        if w >= WAITING || h >= HOLDERS {
            self.group_of[c as usize] = OUTSIDE;
            self.outside += 1;
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
    /// `None` when more than `max_groups` groups are in use or a copy is
    /// beyond the table. Some copy must be in a group (not all idle).
    #[inline]
    pub(super) fn best(&mut self, now: f64, max_groups: usize) -> Option<u32> {
        if self.live.len() > max_groups || self.outside > 0 {
            return None;
        }
        // Each group's least load, then the lowest index at the least of
        // them (in the groups that reach it).
        let mut least = f64::INFINITY;
        for i in 0..self.live.len() {
            let id = self.live[i] as usize;
            let sum = self.greatest_sum(id);
            let group = &mut self.groups[id];
            group.least = token_load(group.waiting, group.holders, sum, now, self.r0, self.g);
            least = least.min(group.least);
        }
        let mut lowest = NONE;
        for i in 0..self.live.len() {
            let id = self.live[i] as usize;
            if self.groups[id].least == least {
                lowest = lowest.min(self.lowest_at(id, least, now));
            }
        }
        Some(lowest)
    }

    /// The group of `holders` and `waiting` (inside the table).
    fn id(&mut self, holders: u32, waiting: u32) -> u32 {
        let key = waiting as usize * HOLDERS + holders as usize;
        if self.ids[key] == NONE {
            self.ids[key] = self.groups.len() as u32;
            self.groups.push(Group {
                holders,
                waiting,
                members: 0,
                slot: NONE,
                least: f64::INFINITY,
                in_order: VecDeque::new(),
                heap: Vec::new(),
            });
        }
        self.ids[key]
    }

    /// One member leaves group `id`; an emptied group drops its entries
    /// (all stale), and the room a crowd left, and leaves the live list.
    fn leave(&mut self, id: u32) {
        let group = &mut self.groups[id as usize];
        group.members -= 1;
        if group.members == 0 {
            group.in_order.clear();
            group.in_order.shrink_to(16);
            group.heap.clear();
            group.heap.shrink_to(16);
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
        let child = if right < heap.len() && heap[right].sum_start_t > heap[left].sum_start_t { right } else { left };
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

    /// A copy beyond the table of groups makes them decline until it is
    /// back inside: the tree, which hears of every change, answers.
    #[test]
    fn a_copy_beyond_the_table_hands_the_pick_to_the_tree() {
        let mut groups = TokenGroups::new(2, 600.0, 60.0);
        groups.changed(0, &CopyRt { holders: 1, sum_start_t: 1.0, ..Default::default() });
        groups.changed(1, &CopyRt { holders: 1, live_waiting: WAITING as u32, ..Default::default() });
        assert_eq!(groups.best(2.0, MAX_GROUPS), None);
        groups.changed(1, &CopyRt { holders: HOLDERS as u32, ..Default::default() });
        assert_eq!(groups.best(2.0, MAX_GROUPS), None);
        groups.changed(1, &CopyRt::default());
        assert_eq!(groups.best(2.0, MAX_GROUPS), Some(0));
    }
}
