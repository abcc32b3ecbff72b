//! An outbound campaign, checked: its leads and their time zones, the
//! dialing window in the lead's local time, pacing, outcomes, the retry
//! schedule and the abandonment cap (built by [`crate::config`]).
//!
//! Defaults follow US outbound rules and published dialer conventions:
//! calls only 08:00–21:00 in the callee's local time (47 CFR 64.1200(c)(1));
//! abandoned calls (no agent within 2 s of the answer) at most 3% of answered
//! calls per campaign (47 CFR 64.1200(a)(7)); busy retried after 30 min,
//! no-answer after 4 h, voicemail after a day, at most 6 attempts per lead
//! and 2 a day.

use super::Dist;
use crate::units::{DAY_S, WEEKDAYS as DAYS};
use std::sync::Arc;

/// An outbound campaign, checked.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// Its name (limits' `sources` may name it).
    pub name: String,
    /// UTC offset of each time zone the leads live in (s, east positive).
    pub zone_offsets_s: Vec<f64>,
    /// The zone (index into `zone_offsets_s`) of each lead, in dialing order.
    pub lead_zones: Arc<[u16]>,
    /// When dialing starts (s of simulated time; 0 = Monday 00:00 UTC).
    pub start_s: f64,
    /// Calling hours in the lead's local time.
    pub window: Window,
    /// Dials in flight at most: waiting in the chain, ringing or connected.
    pub max_concurrent: u32,
    /// Per [`Outcome`] of a placed dial (answer, busy, no answer, voicemail):
    /// probability and how long the dial holds its line.
    pub outcomes: [(f64, Dist); 4],
    /// Time from placing a dial to the pick-up, for answered dials.
    pub ring_time: Dist,
    /// Per [`Outcome`] (abandoned included): the delay before the lead is
    /// dialed again; `None` = the lead is finished.
    pub retry_after_s: [Option<f64>; 5],
    /// Attempts per lead in all.
    pub max_attempts: u32,
    /// Attempts per lead per local calendar day.
    pub max_per_day: u32,
    /// Limits (indices) an answered dial passes to reach the agent.
    pub agent_limits: Vec<usize>,
    /// An answered dial not connected to an agent within this is abandoned (s).
    pub abandon_after_s: f64,
    /// Abandoned / answered above which the dialer stops overdialing.
    pub max_abandonment: f64,
}

/// What a placed dial ends in. Its names (in outputs and model files) are
/// derived from the variants: `answer`, `busy`, `no_answer`, `voicemail`,
/// `abandoned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Answered (and connected to an agent).
    Answer = 0,
    /// Busy.
    Busy = 1,
    /// Rang out unanswered.
    NoAnswer = 2,
    /// Reached voicemail.
    Voicemail = 3,
    /// Answered, but no agent within `abandon_after`.
    Abandoned = 4,
}

impl Outcome {
    /// Every outcome, in index order.
    pub const ALL: &'static [Outcome] = <Outcome as strum::VariantArray>::VARIANTS;

    /// Its name in outputs and model files.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Calling hours: from `start_s` to `end_s` after local midnight on the
/// allowed weekdays (Monday = 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Opening, s after local midnight.
    pub start_s: f64,
    /// Closing, s after local midnight.
    pub end_s: f64,
    /// Allowed weekdays, Monday first.
    pub days: [bool; 7],
}

impl Window {
    /// Whether the window is open at local time `local_s` (s since the local
    /// Monday 00:00 of simulated week 0; may be negative).
    pub fn is_open(&self, local_s: f64) -> bool {
        let day = (local_s / DAY_S).floor();
        let time_of_day = local_s - day * DAY_S;
        self.days[(day as i64).rem_euclid(7) as usize] && time_of_day >= self.start_s && time_of_day < self.end_s
    }

    /// The earliest local time ≥ `local_s` at which the window is open, or
    /// `None` if it never opens (no allowed day).
    pub fn next_open(&self, local_s: f64) -> Option<f64> {
        let day0 = (local_s / DAY_S).floor();
        (0..=7).map(|i| day0 + i as f64).find_map(|day| {
            let (open, close) = (day * DAY_S + self.start_s, day * DAY_S + self.end_s);
            (self.days[(day as i64).rem_euclid(7) as usize] && close > local_s).then(|| open.max(local_s))
        })
    }

    /// "08:00–21:00 mon–sun"-style text for messages.
    pub fn describe(&self) -> String {
        let hm = |s: f64| format!("{:02}:{:02}", (s / 3600.0) as u32, ((s % 3600.0) / 60.0) as u32);
        let days: Vec<&str> = (0..7).filter(|&d| self.days[d]).map(|d| DAYS[d]).collect();
        format!("{}–{} local time, {}", hm(self.start_s), hm(self.end_s), days.join(" "))
    }
}
