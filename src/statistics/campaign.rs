//! Statistics of outbound campaigns: a campaign's named metrics in one
//! replication, and their estimates across replications, with the share of
//! time each cause held the dialer back and the cap that paced it.

use super::Estimate;

use crate::model::{Model, Outcome};
use crate::record::campaign::PacingTimes;
use crate::record::{metric_set, CampaignCounts};
use serde::{Deserialize, Serialize};

metric_set! {
    /// The per-campaign metrics, in output order. `answered` counts pick-ups
    /// (connected to an agent or abandoned); `abandonment_rate` is abandoned /
    /// answered, the ratio 47 CFR 64.1200(a)(7) caps at 3%; `completion_h`
    /// is the time from the campaign's start until every lead is finished
    /// (NaN when that is not within the run); `reached_per_hour` is leads
    /// reached per hour from the start until completion (or the run's end).
    pub struct CampaignMetrics {
        /// Leads in the list.
        leads,
        /// Leads dialed at least once.
        leads_dialed,
        /// Leads connected to an agent.
        leads_reached,
        /// Leads reached / leads.
        reach_rate,
        /// Leads reached or out of attempts.
        leads_finished,
        /// Leads not finished.
        leads_open,
        /// Dials placed.
        dials,
        /// Dials refused by a limit before ringing.
        dials_blocked,
        /// Dials through the chain after their lead's window closed.
        dials_cancelled,
        /// Placed dials picked up (connected + abandoned).
        answered,
        /// Placed dials busy.
        busy,
        /// Placed dials not answered.
        no_answer,
        /// Placed dials reaching voicemail.
        voicemail,
        /// Answered dials with no agent within `abandon_after`.
        abandoned,
        /// Abandoned / answered.
        abandonment_rate,
        /// Dials / leads dialed.
        attempts_per_lead,
        /// Hours from the start until every lead is finished.
        completion_h,
        /// Leads reached per hour until completion.
        reached_per_hour,
        /// Leads reached in the best clock hour.
        peak_reached_per_hour,
        /// Time-average dials in flight.
        mean_dials_in_flight,
    }
}

/// A campaign's values in one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignValues {
    /// The named metrics.
    pub metrics: CampaignMetrics,
    /// Share of the campaign's time held back by each pacing cause: the
    /// fields of [`PacingTimes`] in order, then each limit.
    pub pacing_share: Vec<f64>,
    /// Leads reached per hour of simulated time.
    pub reached_by_hour: Vec<f64>,
    /// Dials placed per hour of simulated time.
    pub dials_by_hour: Vec<f64>,
}

impl CampaignValues {
    /// The values of counts `c` for a run ending at `end_t`.
    pub fn of(c: &CampaignCounts, end_t: f64) -> Self {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let abandoned = c.outcome(Outcome::Abandoned);
        let answered = c.outcome(Outcome::Answer) + abandoned;
        let until = c.completed_s.unwrap_or(end_t);
        let span_s = (end_t - c.start_s).max(f64::MIN_POSITIVE);
        // The causes' times in output order: the fixed causes, then the limits.
        let pacing_s: Vec<f64> = c.pacing.fields().map(|(_, s)| *s).chain(c.pacing_by_limit.iter().copied()).collect();
        let pacing_total: f64 = pacing_s.iter().sum();
        let metrics = CampaignMetrics {
            leads: c.leads as f64,
            leads_dialed: c.leads_dialed as f64,
            leads_reached: c.leads_reached as f64,
            reach_rate: ratio(c.leads_reached, c.leads),
            leads_finished: c.leads_finished as f64,
            leads_open: (c.leads - c.leads_finished) as f64,
            dials: c.dials as f64,
            dials_blocked: c.dials_blocked as f64,
            dials_cancelled: c.dials_cancelled as f64,
            answered: answered as f64,
            busy: c.outcome(Outcome::Busy) as f64,
            no_answer: c.outcome(Outcome::NoAnswer) as f64,
            voicemail: c.outcome(Outcome::Voicemail) as f64,
            abandoned: abandoned as f64,
            abandonment_rate: ratio(abandoned, answered),
            attempts_per_lead: ratio(c.dials, c.leads_dialed),
            completion_h: c.completed_s.map_or(f64::NAN, |t| (t - c.start_s) / 3600.0),
            reached_per_hour: c.leads_reached as f64 / ((until - c.start_s).max(1.0) / 3600.0),
            peak_reached_per_hour: c.reached_by_hour.iter().copied().max().unwrap_or(0) as f64,
            mean_dials_in_flight: c.in_flight.mean(end_t, span_s),
        };
        CampaignValues {
            metrics,
            pacing_share: pacing_s.iter().map(|s| if pacing_total > 0.0 { s / pacing_total } else { 0.0 }).collect(),
            reached_by_hour: c.reached_by_hour.iter().map(|&v| v as f64).collect(),
            dials_by_hour: c.dials_by_hour.iter().map(|&v| v as f64).collect(),
        }
    }
}

/// One campaign's estimates across replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// The campaign's name.
    pub name: String,
    /// Each metric's estimate (`completion_h` over the replications that
    /// completed; NaN if none did).
    pub metrics: CampaignMetrics<Estimate>,
    /// Replications in which every lead finished within the run.
    pub completed_replications: usize,
    /// (cause, share of the campaign's time): the causes of [`PacingTimes`]
    /// by name, then `limit:<name>` per limit.
    pub pacing: Vec<(String, Estimate)>,
    /// The cap that held the dialer back the longest: `max_concurrent`,
    /// `abandonment_cap` or `limit:<name>` (window, retry schedule and done
    /// are not caps); `None` if no cap ever held it back.
    pub paced_by: Option<String>,
    /// Mean over replications per hour of simulated time: (leads reached, dials placed).
    pub hourly: Vec<(f64, f64)>,
}

impl CampaignSummary {
    /// The mean completion time (h) if every replication completed, else `None`.
    pub fn completion_h(&self) -> Option<f64> {
        (self.completed_replications == self.metrics.leads.replications.len()).then_some(self.metrics.completion_h.mean)
    }

    /// The summaries of `model`'s campaigns from each replication's values
    /// (`reps[r][j]` = campaign j in replication r; at least one replication).
    pub fn of_all(model: &Model, reps: &[&[CampaignValues]]) -> Vec<CampaignSummary> {
        let pacing_names: Vec<String> = PacingTimes::<f64>::NAMES
            .iter()
            .map(|c| c.to_string())
            .chain(model.limits.iter().map(|l| format!("limit:{}", l.name)))
            .collect();
        model
            .campaigns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let of =
                    |get: &dyn Fn(&CampaignValues) -> f64| Estimate::new(reps.iter().map(|r| get(&r[j])).collect());
                let mut metrics = CampaignMetrics::zip_with(reps.iter().map(|r| &r[j].metrics), Estimate::new);
                let done: Vec<f64> = reps.iter().map(|r| r[j].metrics.completion_h).filter(|v| v.is_finite()).collect();
                let completed_replications = done.len();
                metrics.completion_h =
                    if done.is_empty() { Estimate::new(vec![f64::NAN]) } else { Estimate::new(done) };
                let pacing: Vec<(String, Estimate)> =
                    pacing_names.iter().enumerate().map(|(k, n)| (n.clone(), of(&|m| m.pacing_share[k]))).collect();
                // The dialer's own caps and the limits pace it; the window,
                // the retry schedule and being done are not caps.
                let is_cap = PacingTimes { max_concurrent: true, abandonment_cap: true, ..Default::default() };
                let fixed = PacingTimes::<f64>::NAMES.len();
                let caps =
                    is_cap.fields().enumerate().filter(|(_, (_, c))| **c).map(|(k, _)| k).chain(fixed..pacing.len());
                let paced_by = caps
                    .filter(|&k| pacing[k].1.mean > 0.0)
                    .fold(None, |best: Option<usize>, k| match best {
                        Some(b) if pacing[b].1.mean >= pacing[k].1.mean => Some(b),
                        _ => Some(k),
                    })
                    .map(|k| pacing[k].0.clone());
                let hours = reps[0][j].reached_by_hour.len();
                let r = reps.len() as f64;
                let hourly = (0..hours)
                    .map(|h| {
                        let sum = |get: &dyn Fn(&CampaignValues) -> f64| reps.iter().map(|x| get(&x[j])).sum::<f64>();
                        (sum(&|m| m.reached_by_hour[h]) / r, sum(&|m| m.dials_by_hour[h]) / r)
                    })
                    .collect();
                CampaignSummary { name: c.name.clone(), metrics, completed_replications, pacing, paced_by, hourly }
            })
            .collect()
    }
}
