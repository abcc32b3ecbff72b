//! The dialer of an outbound campaign: which lead to dial next and when,
//! within the lead's local calling window and its per-lead caps, and how the
//! outcome of each attempt schedules the next. The event glue (placing a
//! dial through the limit chain, the agent stage, pacing) is in
//! [`crate::simulation`]; this module is the lead book alone, so its rules
//! can be read (and tested) in one place.
//!
//! Order of dialing: leads whose retry is due go first, earliest due first;
//! then fresh leads in list order, among the time zones whose window is open.

use crate::model::{Campaign, Outcome, Window};
use crate::record::campaign::CampaignCounts;
pub use crate::record::campaign::DialRecord;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::units::DAY_S;

/// Why the dialer is not placing more dials right now (one cause at a time;
/// the time spent in each is what "which cap paced the dialer" reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// `max_concurrent` dials are in flight.
    MaxConcurrent,
    /// The abandonment budget allows no more dials beyond the idle agents.
    AbandonmentCap,
    /// Leads remain but every time zone's window is closed.
    Window,
    /// Leads remain, but none is due (retry delays, per-day caps, or only
    /// leads of zones whose window is closed).
    RetrySchedule,
    /// Every lead is dialed or finished.
    Done,
    /// Dials wait at (or were refused by) this limit of the chain.
    Limit(u32),
}

impl Pacing {
    /// Books `dt` seconds held back by this cause in `counts` (its field of
    /// [`crate::record::campaign::PacingTimes`], or its limit's time).
    pub fn book(self, counts: &mut CampaignCounts, dt: f64) {
        let p = &mut counts.pacing;
        *match self {
            Pacing::MaxConcurrent => &mut p.max_concurrent,
            Pacing::AbandonmentCap => &mut p.abandonment_cap,
            Pacing::Window => &mut p.window,
            Pacing::RetrySchedule => &mut p.retry_schedule,
            Pacing::Done => &mut p.done,
            Pacing::Limit(l) => &mut counts.pacing_by_limit[l as usize],
        } += dt;
    }
}

/// The state of every lead of one campaign.
pub struct LeadBook {
    zone_offsets_s: Vec<f64>,
    lead_zones: std::sync::Arc<[u16]>,
    window: Window,
    max_attempts: u32,
    max_per_day: u32,
    retry_after_s: [Option<f64>; 5],
    attempts: Vec<u8>,
    /// Local day of the lead's last attempt, and attempts on that day.
    day: Vec<i32>,
    today: Vec<u8>,
    /// Never-dialed leads per zone, in list order.
    fresh: Vec<VecDeque<u32>>,
    /// Leads to dial again: (earliest time as f64 bits, lead). Times are
    /// ≥ 0, so their bit patterns sort like the numbers.
    retry: BinaryHeap<Reverse<(u64, u32)>>,
    /// Leads not finished (not reached, not out of attempts or retries).
    pub open: u32,
}

impl LeadBook {
    /// Every lead of campaign `c` fresh, none dialed.
    pub fn new(c: &Campaign) -> Self {
        let n = c.lead_zones.len();
        let mut fresh = vec![VecDeque::new(); c.zone_offsets_s.len()];
        for (i, &z) in c.lead_zones.iter().enumerate() {
            fresh[z as usize].push_back(i as u32);
        }
        LeadBook {
            zone_offsets_s: c.zone_offsets_s.clone(),
            lead_zones: c.lead_zones.clone(),
            window: c.window.clone(),
            max_attempts: c.max_attempts,
            max_per_day: c.max_per_day,
            retry_after_s: c.retry_after_s,
            attempts: vec![0; n],
            day: vec![i32::MIN; n],
            today: vec![0; n],
            fresh,
            retry: BinaryHeap::new(),
            open: n as u32,
        }
    }

    /// The lead's UTC offset (s).
    pub fn offset_s(&self, lead: u32) -> f64 {
        self.zone_offsets_s[self.lead_zones[lead as usize] as usize]
    }

    /// Attempts made on `lead` so far.
    pub fn attempts(&self, lead: u32) -> u32 {
        self.attempts[lead as usize] as u32
    }

    fn local_day(local_s: f64) -> i32 {
        (local_s / DAY_S).floor() as i32
    }

    /// Whether `lead` may be dialed at `now`: inside its local window, under
    /// its attempt cap and its cap for the local day.
    pub fn may_dial(&self, lead: u32, now: f64) -> bool {
        let local = now + self.offset_s(lead);
        let i = lead as usize;
        self.window.is_open(local)
            && (self.attempts[i] as u32) < self.max_attempts
            && (Self::local_day(local) != self.day[i] || (self.today[i] as u32) < self.max_per_day)
    }

    /// The earliest time ≥ `t` at which `lead` may be dialed (the window
    /// opens weekly: checked when the model is built). Offsets and window
    /// edges are whole seconds, so an opening converts between local time
    /// and UTC exactly; and since rounding is monotonic, a `t` whose local
    /// time is before an opening maps to a UTC time before that opening's:
    /// a lead not dialable at `now` is never due again at `now`.
    fn eligible_from(&self, lead: u32, t: f64) -> f64 {
        let off = self.offset_s(lead);
        let i = lead as usize;
        let opens = |local: f64| self.window.next_open(local).expect("the window opens every week");
        let mut local = opens(t + off);
        if Self::local_day(local) == self.day[i] && (self.today[i] as u32) >= self.max_per_day {
            local = opens((self.day[i] + 1) as f64 * DAY_S);
        }
        local - off
    }

    /// Counts an attempt on `lead` placed at `now`.
    pub fn record_attempt(&mut self, lead: u32, now: f64) {
        let i = lead as usize;
        let day = Self::local_day(now + self.offset_s(lead));
        if day != self.day[i] {
            self.day[i] = day;
            self.today[i] = 0;
        }
        self.today[i] += 1;
        self.attempts[i] += 1;
    }

    /// The next lead to dial at `now`, taken out of the book, or `None`.
    pub fn next_lead(&mut self, now: f64) -> Option<u32> {
        while let Some(&Reverse((bits, lead))) = self.retry.peek() {
            if f64::from_bits(bits) > now {
                break;
            }
            self.retry.pop();
            if self.may_dial(lead, now) {
                return Some(lead);
            }
            // Due, but its window closed meanwhile: next opening (> now).
            let t = self.eligible_from(lead, now);
            self.retry.push(Reverse((t.to_bits(), lead)));
        }
        let mut best: Option<(u32, usize)> = None;
        for (z, queue) in self.fresh.iter().enumerate() {
            if let Some(&lead) = queue.front() {
                if best.is_none_or(|b| lead < b.0) && self.window.is_open(now + self.zone_offsets_s[z]) {
                    best = Some((lead, z));
                }
            }
        }
        best.map(|(lead, z)| {
            self.fresh[z].pop_front();
            lead
        })
    }

    /// When a lead may next become dialable (for a wake-up), if any remains.
    pub fn next_eligible(&self, now: f64) -> Option<f64> {
        let retry = self.retry.peek().map(|Reverse((bits, _))| f64::from_bits(*bits).max(now));
        let fresh = self
            .fresh
            .iter()
            .zip(&self.zone_offsets_s)
            .filter(|(q, _)| !q.is_empty())
            .map(|(_, off)| self.window.next_open(now + off).expect("the window opens every week") - off);
        retry.into_iter().chain(fresh).reduce(f64::min)
    }

    /// Whether any time zone's window is open at `now`.
    pub fn any_window_open(&self, now: f64) -> bool {
        self.zone_offsets_s.iter().any(|off| self.window.is_open(now + off))
    }

    /// Whether any lead waits to be dialed (fresh or retry).
    pub fn has_waiting(&self) -> bool {
        self.fresh.iter().any(|q| !q.is_empty()) || !self.retry.is_empty()
    }

    /// A dial of `lead` that was never placed (refused by the chain, or its
    /// window closed while it waited) goes back, dialable again from `now`.
    pub fn put_back(&mut self, lead: u32, now: f64) {
        let t = self.eligible_from(lead, now);
        self.retry.push(Reverse((t.to_bits(), lead)));
    }

    /// Files the outcome of `lead`'s attempt ending at `now`: reached (an
    /// answer connected to an agent) finishes it; other outcomes retry after
    /// their delay while attempts remain. Returns whether the lead is finished.
    pub fn file_outcome(&mut self, lead: u32, outcome: Outcome, now: f64) -> bool {
        let retry = self.retry_after_s[outcome as usize];
        match retry {
            Some(delay) if self.attempts(lead) < self.max_attempts => {
                let t = self.eligible_from(lead, now + delay);
                self.retry.push(Reverse((t.to_bits(), lead)));
                false
            }
            _ => {
                self.open -= 1;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dist;

    const H: f64 = 3600.0;

    /// Leads at UTC+0, or alternating between UTC+0 and UTC−5 if `mixed`; a
    /// 08:00–21:00 window every day, no-answer retried after 1 h, 6
    /// attempts, 2 a day.
    fn book(leads: usize, mixed: bool) -> LeadBook {
        let zero = || (0.0, Dist::Deterministic { value_s: 0.0 });
        LeadBook::new(&Campaign {
            name: "c".into(),
            zone_offsets_s: vec![0.0, -5.0 * H],
            lead_zones: (0..leads).map(|i| if mixed { (i % 2) as u16 } else { 0 }).collect(),
            start_s: 0.0,
            window: Window { start_s: 8.0 * H, end_s: 21.0 * H, days: [true; 7] },
            max_concurrent: 1,
            outcomes: [zero(), zero(), (1.0, Dist::Deterministic { value_s: 30.0 }), zero()],
            ring_time: Dist::Deterministic { value_s: 0.0 },
            retry_after_s: [None, Some(1800.0), Some(H), None, Some(H)],
            max_attempts: 6,
            max_per_day: 2,
            agent_limits: vec![],
            abandon_after_s: 2.0,
            max_abandonment: 0.03,
        })
    }

    #[test]
    fn fresh_leads_go_in_list_order_among_open_zones() {
        let mut b = book(4, true);
        // 09:00 UTC: UTC+0 is open, UTC−5 (04:00 local) is not.
        assert_eq!(b.next_lead(9.0 * H), Some(0));
        assert_eq!(b.next_lead(9.0 * H), Some(2));
        assert_eq!(b.next_lead(9.0 * H), None);
        // The UTC−5 leads become dialable at 13:00 UTC.
        assert_eq!(b.next_eligible(9.0 * H), Some(13.0 * H));
        assert_eq!(b.next_lead(13.0 * H), Some(1));
    }

    #[test]
    fn the_day_cap_moves_a_retry_to_the_next_local_day() {
        let mut b = book(1, false);
        let lead = b.next_lead(9.0 * H).unwrap();
        b.record_attempt(lead, 9.0 * H);
        assert!(!b.file_outcome(lead, Outcome::NoAnswer, 9.0 * H));
        assert_eq!(b.next_lead(9.5 * H), None, "due only after 1 h");
        assert_eq!(b.next_lead(10.0 * H + 1.0), Some(lead));
        b.record_attempt(lead, 10.0 * H + 1.0);
        assert!(!b.may_dial(lead, 12.0 * H), "two attempts today already");
        assert!(!b.file_outcome(lead, Outcome::NoAnswer, 10.0 * H + 1.0));
        // Next day's opening (08:00 UTC), not 1 h later.
        let due = b.next_eligible(11.0 * H).unwrap();
        assert!((due - (24.0 + 8.0) * H).abs() < 1e-3, "{due}");
        assert!(b.may_dial(lead, due));
    }

    #[test]
    fn leads_finish_when_reached_out_of_attempts_or_not_retried() {
        let mut b = book(3, false);
        assert!(b.file_outcome(0, Outcome::Answer, 9.0 * H));
        assert!(b.file_outcome(1, Outcome::Voicemail, 9.0 * H), "voicemail is not retried here");
        for k in 0..6 {
            b.record_attempt(2, (k as f64 * 24.0 + 9.0) * H);
        }
        assert!(b.file_outcome(2, Outcome::Busy, 6.0 * 24.0 * H), "six attempts made");
        assert_eq!(b.open, 0);
    }

    #[test]
    fn a_lead_put_back_after_its_window_closed_waits_for_the_next_opening() {
        let mut b = book(1, false);
        assert_eq!(b.next_lead(9.0 * H), Some(0));
        b.put_back(0, 21.5 * H);
        assert_eq!(b.next_lead(22.0 * H), None);
        let due = b.next_eligible(22.0 * H).unwrap();
        assert!((due - 32.0 * H).abs() < 1e-3, "{due}");
    }
}
