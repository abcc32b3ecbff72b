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
    /// The share of measured days (0–1) whose own busy hour broke an
    /// objective, per replication, when the SLA sets `max_days_over`.
    #[serde(default)]
    pub days_over: Option<DaysOver>,
    /// The exact mean of the run's `offered_load_erl`, when the model gives
    /// it ([`Model::expected_offered_load_erl`]).
    #[serde(default)]
    pub expected_offered_load_erl: Option<f64>,
    /// The lost-calls-held control over the run, when the model has one.
    #[serde(default)]
    pub held: Option<HeldControl>,
}

/// The lost-calls-held control where lost callers are judged
/// ([`Model::held_capacity`]): per replication, the first attempts per
/// hour that found `capacity` or more calls in progress had none been
/// refused, and that number's exact mean
/// ([`Model::expected_held_overflow_per_h`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldControl {
    /// The held system's capacity c (calls).
    pub capacity: u32,
    /// First attempts per hour that found c or more in progress.
    pub overflow_per_h: Estimate,
    /// Its exact mean.
    pub expected_per_h: f64,
}

impl HeldControl {
    /// The control of `model` over its hours of the week `hours` (all of
    /// the measured run when `None`), from each replication's `overflow_per_h`.
    fn of(model: &Model, hours: Option<&[bool]>, overflow_per_h: Vec<f64>) -> Option<Self> {
        let capacity = model.held_capacity()?;
        let expected_per_h = model.expected_held_overflow_per_h(hours)?;
        Some(HeldControl { capacity, overflow_per_h: Estimate::new(overflow_per_h), expected_per_h })
    }
}

/// The days whose busy hour broke an objective (ITU-T E.520's reading).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaysOver {
    /// Their share of the measured days (0–1), per replication.
    pub share: Estimate,
    /// Measured days per replication.
    pub days: usize,
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
    /// The exact mean of `offered_load_erl` there, when the model gives it
    /// ([`Model::expected_offered_load_erl`]): a control of the
    /// objectives' control-variate estimates.
    #[serde(default)]
    pub expected_offered_load_erl: Option<f64>,
    /// The lost-calls-held control there, when the model has one (the
    /// control lost-caller objectives are judged with first).
    #[serde(default)]
    pub held: Option<HeldControl>,
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
    /// Per limit of the model: the share of the losses caused here that
    /// happened while that limit (later in the chain) was full too, pooled
    /// over replications.
    pub co_full_share: Vec<f64>,
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

/// Limit `i`'s share of all losses as a ratio of pooled counts (losses
/// caused at `i` over all replications / all losses over all replications),
/// so the shares of all limits add up to 1 whenever anything was lost. Its
/// standard error is the ratio estimator's (delta method,
/// Cochran 1977 §6.4): √(Σ(xᵣ − R·yᵣ)² / (n(n − 1))) / ȳ; `replications`
/// holds each replication's own share (0 without losses).
fn pooled_loss_share(reps: &[ReplicationMetrics], i: usize) -> Estimate {
    let x: Vec<f64> = reps.iter().map(|r| r.limits[i].metrics.losses_caused).collect();
    let y: Vec<f64> = reps.iter().map(|r| r.limits.iter().map(|l| l.metrics.losses_caused).sum::<f64>()).collect();
    let (sx, sy, n) = (x.iter().sum::<f64>(), y.iter().sum::<f64>(), reps.len() as f64);
    let ratio = if sy > 0.0 { sx / sy } else { 0.0 };
    let shares = x.iter().zip(&y).map(|(a, b)| if *b > 0.0 { a / b } else { 0.0 }).collect();
    let (std_error, ci95) = if reps.len() < 2 {
        (f64::NAN, f64::NAN)
    } else if sy == 0.0 {
        (0.0, 0.0)
    } else {
        let ss: f64 = x.iter().zip(&y).map(|(a, b)| (a - ratio * b).powi(2)).sum();
        let se = (ss / (n * (n - 1.0))).sqrt() / (sy / n);
        (se, super::t_quantile_975(reps.len() - 1) * se)
    };
    Estimate { mean: ratio, std_error, ci95, replications: shares }
}

/// The mean of `v` accumulated as Σ vᵢ/n, in order (the time series' own rule).
fn mean(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    v.iter().fold(0.0, |acc, x| acc + x / n)
}

/// The hours an SLA is judged on: the busy hour (the clock hour with the
/// highest mean offered traffic over all replications; ties: the earlier)
/// or the window; `None` when judged over the whole run.
fn judged_hours(model: &Model, reps: &[ReplicationMetrics]) -> Option<WindowSummary> {
    use crate::model::{JudgedDays, SlaOver};
    let first = reps.first()?;
    let mean_offered = |k: usize| reps.iter().map(|r| r.hours[k].offered_load_erl).sum::<f64>();
    let k = (0..first.hours.len()).fold(None, |best: Option<usize>, k| match best {
        Some(b) if mean_offered(b) >= mean_offered(k) => Some(b),
        _ => Some(k),
    })?;
    // The hours of the week pooled into entry k: clock hour k of every day
    // (the busy hour), or the window; the busiest days are picked from the
    // run itself, so their mean is not known.
    let hours: Option<Vec<bool>> = match (&model.sla.over, &model.sla.days) {
        (_, JudgedDays::Busiest(_)) => None,
        (SlaOver::BusyHour, _) => Some((0..168).map(|h| h % 24 == k).collect()),
        (SlaOver::Window(w), _) => Some(w.hours.clone()),
        (SlaOver::Run, _) => None,
    };
    let held = hours
        .as_ref()
        .and_then(|h| HeldControl::of(model, Some(h), reps.iter().map(|r| r.hours[k].held_overflow_per_h).collect()));
    Some(WindowSummary {
        held,
        expected_offered_load_erl: hours.and_then(|h| model.expected_offered_load_erl(Some(&h))),
        label: first.hours[k].label.clone(),
        offered_load_erl: Estimate::new(reps.iter().map(|r| r.hours[k].offered_load_erl).collect()),
        total: SourceMetrics::zip_with(reps.iter().map(|r| &r.hours[k].total), Estimate::new),
        sources: (0..first.hours[k].sources.len())
            .map(|i| SourceMetrics::zip_with(reps.iter().map(|r| &r.hours[k].sources[i]), Estimate::new))
            .collect(),
    })
}

impl Summary {
    /// Estimates from the replications of `model` (at least one).
    pub fn new(model: &Model, reps: &[ReplicationMetrics]) -> Self {
        let judged = judged_hours(model, reps);
        // Over the run only where the SLA is judged there (it costs a quadrature).
        let held = match judged {
            None => HeldControl::of(model, None, reps.iter().map(|r| r.held_overflow_per_h).collect()),
            Some(_) => None,
        };
        Summary {
            judged,
            held,
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
                    copies: (0..reps[0].limits[i].copies.len())
                        .map(|c| CopyMetrics::zip_with(reps.iter().map(|r| &r.limits[i].copies[c]), Estimate::new))
                        .collect(),
                    metrics: LimitMetrics {
                        loss_share: pooled_loss_share(reps, i),
                        ..LimitMetrics::zip_with(reps.iter().map(|r| &r.limits[i].metrics), Estimate::new)
                    },
                    co_full_share: {
                        let losses: f64 = reps.iter().map(|r| r.limits[i].metrics.losses_caused).sum();
                        (0..model.limits.len())
                            .map(|m| {
                                let co: f64 = reps.iter().map(|r| r.limits[i].co_full[m]).sum();
                                if losses > 0.0 {
                                    co / losses
                                } else {
                                    0.0
                                }
                            })
                            .collect()
                    },
                })
                .collect(),
            series: series_mean(&reps.iter().map(|r| r.series.as_slice()).collect::<Vec<_>>()),
            campaigns: CampaignSummary::of_all(model, &reps.iter().map(|r| r.campaigns.as_slice()).collect::<Vec<_>>()),
            expected_offered_load_erl: model.expected_offered_load_erl(None),
            days_over: model.sla.max_days_over.and_then(|_| {
                let days = reps.first()?.days.len();
                let share = reps.iter().map(|r| super::sla::days_over_share(&model.sla, &r.days)).collect();
                (days > 0).then(|| DaysOver { share: Estimate::new(share), days })
            }),
        }
    }

    /// The limits co-binding with limit `i`: later in the chain and full too
    /// at the instant of at least half of the losses caused at `i` (so
    /// raising `i` alone buys little), in model order.
    pub fn co_binding(&self, i: usize) -> Vec<usize> {
        (0..self.limits.len()).filter(|&m| m != i && self.limits[i].co_full_share[m] >= 0.5).collect()
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
