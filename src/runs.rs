//! Running models: one model's replications into a [`Summary`]
//! ([`run_model`]), an experiment's grid (every cell × replication in
//! parallel with rayon, results collected in grid order, each cell judged
//! against its SLA, per sweep point the cheapest tier that meets it), and
//! each tier's worst point again with its time series.

use crate::config::Experiment;
use crate::model::{Model, Sla};
use crate::simulation::simulate;
use crate::statistics::{ReplicationMetrics, Summary};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The time series bucket when the model names none: 5 minutes.
pub const DEFAULT_BUCKET_S: f64 = 300.0;

/// Runs all of `model`'s replications at sweep point `point` in parallel
/// (rayon) and returns their metrics in replication order.
pub fn replicate(model: &Model, point: u64) -> Vec<ReplicationMetrics> {
    (0..model.run.replications).into_par_iter().map(|r| ReplicationMetrics::of(&simulate(model, point, r))).collect()
}

/// Every replication of `model` at sweep point `point`, estimated.
pub fn run_model(model: &Model, point: u64) -> Summary {
    Summary::new(model, &replicate(model, point))
}

/// `model` with its time series switched on (5-minute buckets unless it names its own).
pub fn with_series(model: &Model) -> Model {
    let mut m = model.clone();
    m.run.timeseries_bucket_s = m.run.timeseries_bucket_s.or(Some(DEFAULT_BUCKET_S));
    m
}

/// The result of one grid cell (a sweep point with one tier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Index of its sweep point.
    pub point: usize,
    /// Index of its tier.
    pub tier: usize,
    /// Offered load of the cell's model (arrival rate × mean holding time,
    /// all sources), in Erlangs: the x axis of the charts.
    pub offered_load_erl: f64,
    /// Its estimates.
    pub summary: Summary,
    /// Whether the means meet every objective of its SLA.
    pub meets_sla: bool,
}

/// Every cell's result and the recommendation per sweep point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// In grid order (point-major, then tier).
    pub cells: Vec<CellResult>,
    /// Per sweep point, the index of the cheapest tier meeting the SLA
    /// (ties: the first listed), or `None` when no tier does.
    pub recommendation: Vec<Option<usize>>,
}

/// Replications the sweep will run, for a progress bar.
pub fn total_replications(exp: &Experiment) -> u64 {
    exp.cells.iter().map(|c| c.model.run.replications as u64).sum()
}

/// Runs every cell of `exp`. `on_replication` is called once per finished
/// replication, from worker threads (for progress display only: results
/// never depend on when it is called).
pub fn run_grid(exp: &Experiment, on_replication: &(dyn Fn() + Sync)) -> SweepResult {
    let tasks: Vec<(usize, u32)> =
        exp.cells.iter().enumerate().flat_map(|(i, c)| (0..c.model.run.replications).map(move |r| (i, r))).collect();
    // Collecting an indexed parallel iterator keeps task order, whatever
    // the thread count or scheduling.
    let metrics: Vec<ReplicationMetrics> = tasks
        .par_iter()
        .map(|&(i, r)| {
            let cell = &exp.cells[i];
            let m = ReplicationMetrics::of(&simulate(&cell.model, cell.point as u64, r));
            on_replication();
            m
        })
        .collect();
    let mut rest = metrics.as_slice();
    let cells: Vec<CellResult> = exp
        .cells
        .iter()
        .map(|cell| {
            let (mine, tail) = rest.split_at(cell.model.run.replications as usize);
            rest = tail;
            let summary = Summary::new(&cell.model, mine);
            CellResult {
                point: cell.point,
                tier: cell.tier,
                offered_load_erl: cell.model.offered_load_erl(),
                meets_sla: meets_sla(&cell.model.sla, &summary),
                summary,
            }
        })
        .collect();
    let recommendation = (0..exp.points.len())
        .map(|p| {
            cells
                .iter()
                .filter(|c| c.point == p && c.meets_sla)
                .min_by(|a, b| price(exp, a.tier).total_cmp(&price(exp, b.tier)).then(a.tier.cmp(&b.tier)))
                .map(|c| c.tier)
        })
        .collect();
    SweepResult { cells, recommendation }
}

/// Per tier, its worst cell (index into `res.cells`): the highest
/// `loss_probability`, ties to the higher offered load; `None` for a tier
/// with no cell.
pub fn worst_cells(exp: &Experiment, res: &SweepResult) -> Vec<Option<usize>> {
    (0..exp.tiers.len())
        .map(|t| {
            res.cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.tier == t)
                .max_by(|(_, a), (_, b)| {
                    let loss = |c: &CellResult| c.summary.total.loss_probability.mean;
                    loss(a).total_cmp(&loss(b)).then(a.offered_load_erl.total_cmp(&b.offered_load_erl))
                })
                .map(|(i, _)| i)
        })
        .collect()
}

fn price(exp: &Experiment, tier: usize) -> f64 {
    exp.tiers[tier].price_per_month.unwrap_or(f64::INFINITY)
}

/// Whether the estimated means meet every objective the SLA sets:
/// `blocking_probability ≤ max_blocking`, `abandonment_probability ≤
/// max_abandonment`, `p95_wait_s ≤ max_p95_wait`, and every campaign
/// completed in every replication with `completion_h` within
/// `max_completion`. An SLA with no objective is met by every cell.
pub fn meets_sla(sla: &Sla, s: &Summary) -> bool {
    let within = |limit: Option<f64>, e: &crate::statistics::Estimate| limit.is_none_or(|l| e.mean <= l);
    let completes = |limit_s: f64| s.campaigns.iter().all(|c| c.completion_h().is_some_and(|h| h * 3600.0 <= limit_s));
    within(sla.max_blocking, &s.total.blocking_probability)
        && within(sla.max_abandonment, &s.total.abandonment_probability)
        && within(sla.max_p95_wait_s, &s.total.p95_wait_s)
        && sla.max_completion_s.is_none_or(completes)
}
