//! Statistics of outbound campaigns: what a campaign counted in one
//! replication, its named metrics, and their estimates across replications.
//!
//! A campaign counts from its start to the end of the run; the warm-up does
//! not apply (a campaign is a transient, not a steady state).

use super::{Estimate, TimeAverage};
use crate::dialer::{Pacing, PACING_CAUSES};
use crate::model::{Model, Outcome};

/// Names of the per-campaign metrics, in output order. `answered` counts
/// pick-ups (connected to an agent or abandoned); `abandonment_rate` is
/// abandoned / answered, the ratio 47 CFR 64.1200(a)(7) caps at 3%;
/// `completion_h` is the time from the campaign's start until every lead is
/// finished (NaN when that is not within the run); `reached_per_hour` is
/// leads reached per hour from the start until completion (or the run's end).
pub const CAMPAIGN_METRICS: [&str; 20] = [
    "leads",
    "leads_dialed",
    "leads_reached",
    "reach_rate",
    "leads_finished",
    "leads_open",
    "dials",
    "dials_blocked",
    "dials_cancelled",
    "answered",
    "busy",
    "no_answer",
    "voicemail",
    "abandoned",
    "abandonment_rate",
    "attempts_per_lead",
    "completion_h",
    "reached_per_hour",
    "peak_reached_per_hour",
    "mean_dials_in_flight",
];

/// One value per name of [`CAMPAIGN_METRICS`].
pub type CampaignMetricValues = [f64; CAMPAIGN_METRICS.len()];

/// What one campaign counted in one replication.
#[derive(Debug, Clone, Default)]
pub struct CampaignCounts {
    pub leads: u64,
    pub leads_dialed: u64,
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
    /// Placed dials by [`Outcome`]: `Answer` counts answers connected to an agent.
    pub outcomes: [u64; 5],
    /// When the campaign starts and (if within the run) when its last lead finished (s).
    pub start_s: f64,
    pub completed_s: Option<f64>,
    /// Leads reached and dials placed per hour of simulated time, hour k = [k h, (k+1) h).
    pub reached_by_hour: Vec<u32>,
    pub dials_by_hour: Vec<u32>,
    /// Dials in flight (in the chain, ringing or connected), from the start.
    pub in_flight: TimeAverage,
    /// Time (s) the dialer spent held back by each cause ([`Pacing::index`]).
    pub pacing_s: Vec<f64>,
}

/// A campaign's values in one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignMetrics {
    pub metrics: CampaignMetricValues,
    /// Share of the campaign's time held back by each pacing cause.
    pub pacing_share: Vec<f64>,
    pub reached_by_hour: Vec<f64>,
    pub dials_by_hour: Vec<f64>,
}

impl CampaignCounts {
    /// Counts for a campaign starting at `start_s` in a run ending at `end_t`,
    /// with `n_limits` limits (pacing causes).
    pub fn new(leads: u64, start_s: f64, end_t: f64, n_limits: usize) -> Self {
        let hours = (end_t / 3600.0).ceil() as usize;
        let mut in_flight = TimeAverage::default();
        in_flight.restart(start_s);
        CampaignCounts {
            leads,
            start_s,
            reached_by_hour: vec![0; hours],
            dials_by_hour: vec![0; hours],
            in_flight,
            pacing_s: vec![0.0; PACING_CAUSES.len() + n_limits],
            ..Default::default()
        }
    }

    /// Adds one to the hour of `t` in `by_hour`.
    pub fn count_hour(by_hour: &mut [u32], t: f64) {
        if let Some(h) = by_hour.get_mut((t / 3600.0) as usize) {
            *h += 1;
        }
    }

    /// The values of [`CAMPAIGN_METRICS`] for a run ending at `end_t`.
    pub fn metrics(&self, end_t: f64) -> CampaignMetrics {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let o = &self.outcomes;
        let answered = o[Outcome::Answer as usize] + o[Outcome::Abandoned as usize];
        let until = self.completed_s.unwrap_or(end_t);
        let span_s = (end_t - self.start_s).max(f64::MIN_POSITIVE);
        let pacing_total: f64 = self.pacing_s.iter().sum();
        let metrics = [
            self.leads as f64,
            self.leads_dialed as f64,
            self.leads_reached as f64,
            ratio(self.leads_reached, self.leads),
            self.leads_finished as f64,
            (self.leads - self.leads_finished) as f64,
            self.dials as f64,
            self.dials_blocked as f64,
            self.dials_cancelled as f64,
            answered as f64,
            o[Outcome::Busy as usize] as f64,
            o[Outcome::NoAnswer as usize] as f64,
            o[Outcome::Voicemail as usize] as f64,
            o[Outcome::Abandoned as usize] as f64,
            ratio(o[Outcome::Abandoned as usize], answered),
            ratio(self.dials, self.leads_dialed),
            self.completed_s.map_or(f64::NAN, |t| (t - self.start_s) / 3600.0),
            self.leads_reached as f64 / ((until - self.start_s).max(1.0) / 3600.0),
            self.reached_by_hour.iter().copied().max().unwrap_or(0) as f64,
            self.in_flight.mean(end_t, span_s),
        ];
        CampaignMetrics {
            metrics,
            pacing_share: self
                .pacing_s
                .iter()
                .map(|s| if pacing_total > 0.0 { s / pacing_total } else { 0.0 })
                .collect(),
            reached_by_hour: self.reached_by_hour.iter().map(|&v| v as f64).collect(),
            dials_by_hour: self.dials_by_hour.iter().map(|&v| v as f64).collect(),
        }
    }
}

/// One campaign's estimates across replications.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSummary {
    pub name: String,
    /// One estimate per [`CAMPAIGN_METRICS`] entry (`completion_h` over the
    /// replications that completed; NaN if none did).
    pub metrics: Vec<Estimate>,
    /// Replications in which every lead finished within the run.
    pub completed_replications: usize,
    /// (cause, share of the campaign's time): the fixed causes of
    /// [`PACING_CAUSES`], then `limit:<name>` per limit.
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
        (self.completed_replications == self.get("leads").replications.len()).then(|| self.get("completion_h").mean)
    }

    /// The estimate of the campaign metric `name`.
    pub fn get(&self, name: &str) -> &Estimate {
        &self.metrics
            [CAMPAIGN_METRICS.iter().position(|m| *m == name).unwrap_or_else(|| panic!("no campaign metric {name}"))]
    }

    /// The summaries of `model`'s campaigns from each replication's metrics
    /// (`reps[r][j]` = campaign j in replication r; at least one replication).
    pub fn of_all(model: &Model, reps: &[&[CampaignMetrics]]) -> Vec<CampaignSummary> {
        let pacing_names: Vec<String> = PACING_CAUSES
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
                    |get: &dyn Fn(&CampaignMetrics) -> f64| Estimate::new(reps.iter().map(|r| get(&r[j])).collect());
                let completion = CAMPAIGN_METRICS.iter().position(|m| *m == "completion_h").expect("listed");
                let mut metrics: Vec<Estimate> = (0..CAMPAIGN_METRICS.len()).map(|k| of(&|m| m.metrics[k])).collect();
                let done: Vec<f64> = reps.iter().map(|r| r[j].metrics[completion]).filter(|v| v.is_finite()).collect();
                let completed_replications = done.len();
                metrics[completion] = if done.is_empty() { Estimate::new(vec![f64::NAN]) } else { Estimate::new(done) };
                let pacing: Vec<(String, Estimate)> =
                    pacing_names.iter().enumerate().map(|(k, n)| (n.clone(), of(&|m| m.pacing_share[k]))).collect();
                let caps = [Pacing::MaxConcurrent.index(), Pacing::AbandonmentCap.index()]
                    .into_iter()
                    .chain(PACING_CAUSES.len()..pacing.len());
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
                        let sum = |get: &dyn Fn(&CampaignMetrics) -> f64| reps.iter().map(|x| get(&x[j])).sum::<f64>();
                        (sum(&|m| m.reached_by_hour[h]) / r, sum(&|m| m.dials_by_hour[h]) / r)
                    })
                    .collect();
                CampaignSummary { name: c.name.clone(), metrics, completed_replications, pacing, paced_by, hourly }
            })
            .collect()
    }
}
