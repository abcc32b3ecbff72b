//! A run's estimates: every metric per source, in total, per limit and per
//! copy, the time series and the campaigns, and the binding limit.

use super::{CampaignSummary, CopyMetrics, Estimate, LimitMetrics, ReplicationMetrics, SourceMetrics};
use crate::error::{Error, Result};
use crate::model::{LimitKind, Model};
use crate::record::{Bucket, SeriesTotals};
use serde::{Deserialize, Serialize};

/// Every metric of a run, estimated across its replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Per source, in model order.
    pub sources: Vec<SourceSummary>,
    /// All sources together.
    pub total: SourceMetrics<Estimate>,
    /// Per limit, in model order.
    pub limits: Vec<LimitSummary>,
    /// The time series, each bucket's mean over replications (empty unless
    /// the model asks for one).
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignSummary>,
    /// The metrics over the hours the SLA is judged on (its busy hour or
    /// window), when it is not judged over the whole run.
    pub judged: Option<WindowSummary>,
}

/// The metrics of the hours an SLA is judged on (the busy hour, a window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    /// Which hours: `busy hour 10:00-11:00` or the window as written.
    pub label: String,
    /// Offered load of first attempts over those hours (Erlangs).
    pub offered_load_erl: Estimate,
    /// All sources together, over those hours (attempt counts, waits, the
    /// service level; calls in progress are not split by hour).
    pub total: SourceMetrics<Estimate>,
    /// Per source, in model order.
    pub sources: Vec<SourceMetrics<Estimate>>,
}

/// One source's estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// The source's name.
    pub name: String,
    /// Each metric's estimate.
    pub metrics: SourceMetrics<Estimate>,
}

/// One limit's estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitSummary {
    /// The limit's name.
    pub name: String,
    /// What it caps, as the model says.
    pub kind: LimitKind,
    /// Copies in its pool.
    pub pool: u32,
    /// Each metric's estimate over all copies.
    pub metrics: LimitMetrics<Estimate>,
    /// Per copy (empty without a pool).
    pub copies: Vec<CopyMetrics<Estimate>>,
}

impl LimitSummary {
    /// Cap per copy in the limit's unit (slots, admissions per window, tokens per minute).
    pub fn capacity(&self) -> f64 {
        self.kind.capacity()
    }

    /// How close the limit runs to its cap: the 99th-percentile occupancy
    /// over the pool's capacity where it is defined, else the utilization.
    pub fn closeness(&self) -> f64 {
        let p99 = self.metrics.p99_occupancy.mean / (self.capacity() * self.pool as f64);
        if p99.is_finite() {
            p99
        } else {
            self.metrics.utilization.mean
        }
    }
}

/// The mean of each bucket over replications (all with the same buckets).
fn series_mean(replications: &[&[Bucket]]) -> Vec<Bucket> {
    let Some(first) = replications.first() else { return Vec::new() };
    (0..first.len())
        .map(|i| {
            let totals = SeriesTotals::zip_with(replications.iter().map(|r| &r[i].totals), |v| mean(&v));
            let limits = (0..first[i].limits.len())
                .map(|l| mean(&replications.iter().map(|r| r[i].limits[l]).collect::<Vec<_>>()));
            Bucket { start_s: first[i].start_s, totals, limits: limits.collect() }
        })
        .collect()
}

/// The mean of `v` accumulated as Σ vᵢ/n, in order (the time series' own rule).
fn mean(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    v.iter().fold(0.0, |acc, x| acc + x / n)
}

impl Summary {
    /// Estimates from the replications of `model` (at least one).
    pub fn new(model: &Model, reps: &[ReplicationMetrics]) -> Self {
        Summary {
            sources: model
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| SourceSummary {
                    name: s.name.clone(),
                    metrics: SourceMetrics::zip_with(reps.iter().map(|r| &r.sources[i]), Estimate::new),
                })
                .collect(),
            total: SourceMetrics::zip_with(reps.iter().map(|r| &r.total), Estimate::new),
            limits: model
                .limits
                .iter()
                .enumerate()
                .map(|(i, l)| LimitSummary {
                    name: l.name.clone(),
                    kind: l.kind.clone(),
                    pool: l.pool,
                    metrics: LimitMetrics::zip_with(reps.iter().map(|r| &r.limits[i].metrics), Estimate::new),
                    copies: (0..reps[0].limits[i].copies.len())
                        .map(|c| CopyMetrics::zip_with(reps.iter().map(|r| &r.limits[i].copies[c]), Estimate::new))
                        .collect(),
                })
                .collect(),
            series: series_mean(&reps.iter().map(|r| r.series.as_slice()).collect::<Vec<_>>()),
            campaigns: CampaignSummary::of_all(model, &reps.iter().map(|r| r.campaigns.as_slice()).collect::<Vec<_>>()),
            judged: None,
        }
    }

    /// The binding limit: the one that caused the largest share of losses,
    /// or, with no losses, the one running closest to its cap. Ties: the
    /// first listed.
    pub fn binding_limit(&self) -> Option<usize> {
        let share = |l: &LimitSummary| l.metrics.loss_share.mean;
        let key: &dyn Fn(&LimitSummary) -> f64 =
            if self.limits.iter().any(|l| share(l) > 0.0) { &share } else { &LimitSummary::closeness };
        (0..self.limits.len()).fold(None, |best: Option<usize>, i| match best {
            Some(b) if key(&self.limits[b]) >= key(&self.limits[i]) => Some(b),
            _ => Some(i),
        })
    }

    /// The summary as JSON, to be read back by [`Summary::from_json`].
    /// Non-finite estimates are stored as `null`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary serializes: its maps have string keys")
    }

    /// A summary saved by [`Summary::to_json`].
    ///
    /// Errors (as bad input naming `origin`) when the text is not such a summary.
    pub fn from_json(text: &str, origin: &std::path::Path) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::input(origin, "", format!("not a saved simcall summary: {e}")))
    }
}
