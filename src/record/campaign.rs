//! What an outbound campaign records in one replication: its counters, its
//! hourly counts, the time its dialer spent held back by each cause, and
//! (when asked for) the log of every placed dial.
//!
//! A campaign counts from its start to the end of the run; the warm-up does
//! not apply (a campaign is a transient, not a steady state).

use super::{metric_set, TimeAverage};
use crate::model::Outcome;

/// One placed dial, for the dial log (`simcall run --dials`).
#[derive(Debug, Clone, PartialEq)]
pub struct DialRecord {
    /// The lead's index in the campaign's list.
    pub lead: u32,
    /// Attempt number of this lead (1 = first).
    pub attempt: u32,
    /// Simulated time of placement (s; 0 = Monday 00:00 UTC).
    pub placed_s: f64,
    /// The lead's UTC offset (s).
    pub utc_offset_s: f64,
    /// How the dial went.
    pub outcome: Outcome,
}

metric_set! {
    /// Placed dials by [`Outcome`], one field each (named as the outcomes
    /// are: a test holds the two to one spelling); `answer` counts answers
    /// connected to an agent.
    pub struct OutcomeCounts {
        /// Answered and connected to an agent.
        answer,
        /// Busy.
        busy,
        /// Rang out unanswered.
        no_answer,
        /// Reached voicemail.
        voicemail,
        /// Answered, with no agent within `abandon_after`.
        abandoned,
    }
}

impl OutcomeCounts<u64> {
    /// The count of `outcome`.
    pub fn get(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Answer => self.answer,
            Outcome::Busy => self.busy,
            Outcome::NoAnswer => self.no_answer,
            Outcome::Voicemail => self.voicemail,
            Outcome::Abandoned => self.abandoned,
        }
    }

    /// Counts one dial ending in `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Answer => &mut self.answer,
            Outcome::Busy => &mut self.busy,
            Outcome::NoAnswer => &mut self.no_answer,
            Outcome::Voicemail => &mut self.voicemail,
            Outcome::Abandoned => &mut self.abandoned,
        } += 1;
    }
}

metric_set! {
    /// Time (s) a campaign's dialer spent held back by each cause that is
    /// not a limit of the chain (a limit's time is booked apart, by limit),
    /// in output order.
    pub struct PacingTimes {
        /// `max_concurrent` dials were in flight.
        max_concurrent,
        /// The abandonment budget allowed no more dials beyond the idle agents.
        abandonment_cap,
        /// Leads remained but every time zone's window was closed.
        window,
        /// Leads remained, none due.
        retry_schedule,
        /// Every lead was dialed or finished.
        done,
    }
}

/// What one campaign counted in one replication.
#[derive(Debug, Clone, Default)]
pub struct CampaignCounts {
    /// Leads in the list.
    pub leads: u64,
    /// Leads dialed at least once.
    pub leads_dialed: u64,
    /// Leads connected to an agent.
    pub leads_reached: u64,
    /// Leads reached, or out of attempts, or with an outcome not retried
    /// (set at the end of the run, from the lead book).
    pub leads_finished: u64,
    /// Dials placed (rung), by outcome below.
    pub dials: u64,
    /// Dials refused by a limit of the chain before they were placed.
    pub dials_blocked: u64,
    /// Dials that got through the chain after the lead's window had closed
    /// (or its day's cap was used), so were not placed.
    pub dials_cancelled: u64,
    /// Placed dials by outcome.
    pub outcomes: OutcomeCounts<u64>,
    /// When the campaign starts (s).
    pub start_s: f64,
    /// When its last lead finished (s), if within the run.
    pub completed_s: Option<f64>,
    /// Leads reached per hour of simulated time, hour k = [k h, (k+1) h).
    pub reached_by_hour: Vec<u32>,
    /// Dials placed per hour of simulated time.
    pub dials_by_hour: Vec<u32>,
    /// Dials in flight (in the chain, ringing or connected), from the start.
    pub in_flight: TimeAverage,
    /// Time (s) the dialer spent held back by each cause that is not a limit.
    pub pacing: PacingTimes,
    /// Time (s) the dialer spent held back by each limit of the chain.
    pub pacing_by_limit: Vec<f64>,
}

impl CampaignCounts {
    /// Counts for a campaign of `leads` starting at `start_s` in a run
    /// ending at `end_t`, through a chain of `limits` limits.
    pub fn new(leads: u64, start_s: f64, end_t: f64, limits: usize) -> Self {
        let hours = (end_t / 3600.0).ceil() as usize;
        let mut in_flight = TimeAverage::default();
        in_flight.restart(start_s);
        CampaignCounts {
            leads,
            start_s,
            reached_by_hour: vec![0; hours],
            dials_by_hour: vec![0; hours],
            in_flight,
            pacing_by_limit: vec![0.0; limits],
            ..Default::default()
        }
    }

    /// Placed dials with `outcome`.
    pub fn outcome(&self, outcome: Outcome) -> u64 {
        self.outcomes.get(outcome)
    }

    /// Adds one to the hour of `t` in `by_hour`.
    pub fn count_hour(by_hour: &mut [u32], t: f64) {
        if let Some(h) = by_hour.get_mut((t / 3600.0) as usize) {
            *h += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_counts_are_named_and_kept_as_the_outcomes_are() {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(OutcomeCounts::<u64>::NAMES, names.as_slice());
        let mut c = OutcomeCounts::<u64>::default();
        for (k, &o) in Outcome::ALL.iter().enumerate() {
            for _ in 0..=k {
                c.add(o);
            }
        }
        let by_field: Vec<u64> = c.fields().map(|(_, v)| *v).collect();
        assert_eq!(by_field, Outcome::ALL.iter().map(|&o| c.get(o)).collect::<Vec<_>>());
        assert_eq!(by_field, [1, 2, 3, 4, 5]);
    }
}
