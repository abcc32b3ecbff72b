//! Capacity that changes during a run: a limit's weekly schedule and the
//! incidents that strike it (windows, once or recurring, and random
//! outages), applied as events. At each change the limit's capacity per
//! copy becomes its scheduled (or modelled) capacity times the capacity
//! factors of the incidents active on it, rounded down for slots and rate
//! `max`; its failure probability the highest of its own and the active
//! incidents'; its service factor the product of theirs. A rise serves the
//! copies' waiters; a drop below the number in use drains (`on_drop =
//! "drain"`: nothing new is admitted until below) or cuts the newest
//! holders (`"preempt"`).

use super::copy::KindRt;
use super::pool::PoolIndex;
use super::runtime::sampler;
use super::{Event, Phase, Sim};
use crate::model::{IncidentWhen, Model, Sampler};
use crate::record::{hour_of_week, token_rate_per_min};

/// An incident at run time.
pub(super) struct IncidentRt {
    limit: u32,
    active: bool,
    capacity_factor: f64,
    failure_probability: Option<f64>,
    service_factor: f64,
    when: WhenRt,
}

enum WhenRt {
    Window { start_s: f64, duration_s: f64, every_s: Option<f64> },
    Random { between: Sampler, repair: Sampler },
}

/// The incidents of `model` at run time, all inactive.
pub(super) fn incidents(model: &Model) -> Vec<IncidentRt> {
    model
        .incidents
        .iter()
        .map(|i| IncidentRt {
            limit: i.limit as u32,
            active: false,
            capacity_factor: i.capacity_factor,
            failure_probability: i.failure_probability,
            service_factor: i.service_factor,
            when: match &i.when {
                IncidentWhen::Window { start_s, duration_s, every_s } => {
                    WhenRt::Window { start_s: *start_s, duration_s: *duration_s, every_s: *every_s }
                }
                IncidentWhen::Random { between, repair } => {
                    WhenRt::Random { between: sampler(between), repair: sampler(repair) }
                }
            },
        })
        .collect()
}

impl Sim {
    /// Sets each scheduled limit's capacity for time 0 and schedules every
    /// first change: schedule steps, incident windows, first random outages.
    #[cold]
    pub(super) fn start_timeline(&mut self) {
        for l in 0..self.limits.len() as u32 {
            if self.limits[l as usize].schedule.is_some() {
                self.recompute(l);
                self.schedule_next_step(l);
            }
        }
        for i in 0..self.incidents.len() {
            let t = match &mut self.incidents[i].when {
                WhenRt::Window { start_s, .. } => *start_s,
                WhenRt::Random { between, .. } => between.sample(&mut self.faults.incident_rng),
            };
            self.events.push(t, Event::Incident { incident: i as u32, begins: 1 });
        }
    }

    /// The next hour boundary at which limit `l`'s schedule changes value.
    fn schedule_next_step(&mut self, l: u32) {
        let Some(by_hour) = &self.limits[l as usize].schedule else { return };
        let h0 = hour_of_week(self.now);
        let next = (1..=168).map(|k| (h0 + k) % 168).find(|&h| by_hour[h] != by_hour[(h + 167) % 168]);
        if let Some(h) = next {
            let hour = (self.now / 3600.0).floor() as usize;
            let ahead = (h + 168 - h0 % 168) % 168;
            let ahead = if ahead == 0 { 168 } else { ahead };
            self.events.push((hour + ahead) as f64 * 3600.0, Event::ScheduleStep { limit: l });
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn on_schedule_step(&mut self, l: u32) {
        self.recompute(l);
        self.schedule_next_step(l);
    }

    /// Incident `i` begins or ends now; the next change follows.
    #[cold]
    #[inline(never)]
    pub(super) fn on_incident(&mut self, i: u32, begins: bool) {
        let now = self.now;
        let inc = &mut self.incidents[i as usize];
        inc.active = begins;
        let next = match &mut inc.when {
            WhenRt::Window { duration_s, every_s, .. } => match (begins, every_s) {
                (true, _) => Some((now + *duration_s, false)),
                (false, Some(every)) => Some((now - *duration_s + *every, true)),
                (false, None) => None,
            },
            WhenRt::Random { between, repair } => {
                let d = if begins { repair } else { between };
                Some((now + d.sample(&mut self.faults.incident_rng), !begins))
            }
        };
        let limit = inc.limit;
        if let Some((t, begins)) = next {
            self.events.push(t, Event::Incident { incident: i, begins: begins as u32 });
        }
        if begins {
            self.limit_counts[limit as usize].faults.incidents += 1;
        }
        self.recompute(limit);
    }

    /// Applies to limit `l` its schedule and the incidents active on it now.
    fn recompute(&mut self, l: u32) {
        let now = self.now;
        let limit = &self.limits[l as usize];
        let base = limit.schedule.as_ref().map_or(limit.base_capacity, |h| h[hour_of_week(now)]);
        let (mut factor, mut service, mut p) = (1.0, 1.0, limit.failure.as_ref().map(|f| f.base_p));
        for inc in self.incidents.iter().filter(|i| i.active && i.limit == l) {
            factor *= inc.capacity_factor;
            service *= inc.service_factor;
            if let (Some(p), Some(q)) = (&mut p, inc.failure_probability) {
                *p = p.max(q);
            }
        }
        let limit = &mut self.limits[l as usize];
        limit.service_factor = service;
        if let (Some(f), Some(p)) = (&mut limit.failure, p) {
            f.p = p;
        }
        self.set_capacity(l, base * factor);
    }

    /// Sets limit `l`'s capacity per copy to `cap` (slots and rate `max`
    /// rounded down), then serves the waiters a rise lets in and, with
    /// `on_drop = "preempt"`, cuts the holders a drop leaves over.
    fn set_capacity(&mut self, l: u32, cap: f64) {
        let limit = &mut self.limits[l as usize];
        let whole = (cap + 1e-9).floor().max(0.0) as u32;
        match &mut limit.kind {
            KindRt::Concurrency { capacity } => *capacity = whole,
            KindRt::Rate { max, window_s, refill_per_s, .. } => {
                *max = whole;
                *refill_per_s = whole as f64 / *window_s;
            }
            KindRt::Tokens { budget, .. } => *budget = cap,
        }
        if limit.index.is_some() {
            limit.index = Some(PoolIndex::new(limit.kind, &mut limit.copies));
        }
        let rate = matches!(limit.kind, KindRt::Rate { .. });
        for copy in 0..limit.copies.len() as u32 {
            if self.limits[l as usize].preempt {
                self.cut_over(l, copy);
            }
            let cp = &mut self.limits[l as usize].copies[copy as usize];
            if rate {
                // A wake-up computed for the old rate may lie far off (or never come).
                cp.wakeup = false;
                if cp.live_waiting > 0 {
                    self.schedule_rate_ready(l, copy);
                }
            } else if cp.live_waiting > 0 {
                self.serve_waiters(l, copy);
            }
        }
    }

    /// Cuts the newest holders of copy `copy` of limit `l` while its use
    /// exceeds its capacity.
    fn cut_over(&mut self, l: u32, copy: u32) {
        loop {
            let (kind, cp) = (self.limits[l as usize].kind, &self.limits[l as usize].copies[copy as usize]);
            let over = match kind {
                KindRt::Concurrency { capacity } => cp.holders > capacity,
                KindRt::Tokens { budget, r0, g } => {
                    cp.holders > 0
                        && token_rate_per_min(cp.holders, cp.sum_start_t, self.now, r0, g) > budget * (1.0 + 1e-12)
                }
                KindRt::Rate { .. } => false,
            };
            if !over {
                return;
            }
            // The newest holder: the latest seizure (the highest id on a tie, for determinism).
            let newest = (0..self.callers.len() as u32)
                .filter(|&id| self.held_copy[self.slot(id, l)] == copy)
                .max_by(|&a, &b| self.held_t[self.slot(a, l)].total_cmp(&self.held_t[self.slot(b, l)]).then(a.cmp(&b)));
            match newest {
                Some(id) => self.cut(id, l),
                None => return,
            }
        }
    }

    /// Cuts caller `id`'s hold on limit `l`: a request is refused there
    /// (and retried per its source), an answered call fails, a call not yet
    /// answered is refused there, a silent call or a placed dial ends.
    fn cut(&mut self, id: u32, l: u32) {
        let c = self.callers[id as usize];
        if c.counted {
            self.limit_counts[l as usize].faults.preempted += 1;
        }
        let request_scoped = c.phase == Phase::Request
            && self.sources[c.source as usize].requests[c.request as usize].1[..c.request_held as usize]
                .iter()
                .any(|&m| m == l || self.limits[m as usize].route.contains(&l));
        match c.phase {
            Phase::Request if request_scoped => {
                // A failure it was detecting is moot: the request is refused now.
                let c = &mut self.callers[id as usize];
                c.generation = c.generation.wrapping_add(1);
                self.refuse_request(id, l)
            }
            Phase::Request | Phase::InCall => self.fail_call(id, l),
            Phase::Chain => self.refuse_attempt(id, l, false),
            Phase::Silence | Phase::Placed => {
                let serial = c.serial;
                self.on_hangup(id, serial)
            }
            Phase::Redialing => unreachable!("a caller between attempts holds nothing"),
        }
    }
}
