//! Running models: one model's replications into a [`Summary`]
//! ([`run_model`]), an experiment's grid (every cell × replication in
//! parallel with rayon, results collected in grid order, each cell judged
//! against its SLA, per sweep point the cheapest tier that meets it), and
//! each tier's worst point again with its time series.

use crate::ids::CellId;
use crate::model::Model;
use crate::simulation::simulate;
use crate::statistics::sla::{judge, SlaVerdict, Verdict};
use crate::statistics::{CellResult, ReplicationMetrics, Summary, SweepResult};
use crate::store::{Store, StoredCell};
use crate::study::Experiment;
use rayon::prelude::*;

/// The time series bucket when the model names none: 5 minutes.
pub const DEFAULT_BUCKET_S: f64 = 300.0;

/// Runs all of `model`'s replications at sweep point `point` in parallel
/// (rayon) and returns their metrics in replication order.
pub fn replicate(model: &Model, point: u64) -> Vec<ReplicationMetrics> {
    (0..model.run.replications).into_par_iter().map(|r| ReplicationMetrics::of(&simulate(model, point, r))).collect()
}

/// Every replication of `model` at sweep point `point`, estimated: as
/// many as the sequential rule of [`run_jobs`] runs.
pub fn run_model(model: &Model, point: u64) -> Summary {
    run_judged(model, point).0
}

/// [`run_model`] with the SLA's verdict.
pub fn run_judged(model: &Model, point: u64) -> (Summary, SlaVerdict) {
    run_jobs_saving_from(&[(model, point)], Looks::Full, &|| {}, &mut |_, _| Ok(()))
        .expect("saving nothing cannot fail")
        .remove(0)
}

/// How a run's first batch is taken.
#[derive(Clone, Copy, PartialEq)]
enum Looks {
    /// `run.replications`, as the model says (a single run).
    Full,
    /// [`pilot`] replications when the lost callers are judged with a
    /// control variate (a sweep's cells).
    Controlled,
    /// [`pilot`] replications, and a load that cannot be expected to pass
    /// stops (a certification).
    Certifying,
}

/// The first look of a certification's load, and of a sweep cell whose
/// lost callers are judged with a control variate: half of `replications`,
/// at least 5 (a verdict far from the SLA's boundary is decided there; the
/// sequential rule goes on from `replications` otherwise).
pub fn pilot(replications: u32) -> u32 {
    (replications / 2).max(5)
}

/// Whether `model`'s lost-caller objectives can be judged with a control
/// variate: the offered load's mean is known exactly where they are
/// judged ([`Model::expected_offered_load_erl`]), so its cells take a first
/// look after [`pilot`] replications.
fn controlled(model: &Model) -> bool {
    // The busiest days are picked from the run itself: their offered load
    // has no known mean, and a share of days over is judged plain.
    model.expected_offered_load_erl(None).is_some() && !model.sla.reads_days()
}

/// [`run_judged`] for a certification, which needs only to know whether a
/// load passes: a first look after [`pilot`] replications, where a load far
/// from the SLA's boundary is decided; then the sequential rule from
/// `run.replications`, stopping a load that cannot be expected to pass
/// ([`SlaVerdict::hopeless`]) as not passing.
pub fn run_certifying(model: &Model, point: u64) -> (Summary, SlaVerdict) {
    run_jobs_saving_from(&[(model, point)], Looks::Certifying, &|| {}, &mut |_, _| Ok(()))
        .expect("saving nothing cannot fail")
        .remove(0)
}

/// Runs each job (a model at a sweep point) with the sequential rule: first
/// `run.replications` replications (a first look after [`pilot`] of them
/// when its lost callers are judged with a control variate); then, while its SLA verdict is
/// undecided and it has fewer than `run.max_replications`, another batch of
/// `run.replications`. Replication k of a job always uses the same streams,
/// and batches are collected in order, so the result does not depend on the
/// thread count. `on_replication` is called once per finished replication
/// (for progress display only).
pub fn run_jobs(jobs: &[(&Model, u64)], on_replication: &(dyn Fn() + Sync)) -> Vec<(Summary, SlaVerdict)> {
    run_jobs_saving(jobs, on_replication, &mut |_, _| Ok(())).expect("saving nothing cannot fail")
}

/// What [`run_jobs_saving`] calls with a job's index and its final result.
pub type OnDecided<'a> = dyn FnMut(usize, &(Summary, SlaVerdict)) -> crate::error::Result<()> + 'a;

/// [`run_jobs`], handing each job's result to `on_decided` (from the
/// calling thread) the moment it is final: its verdict decided, or its
/// replications at `run.max_replications`.
///
/// Errors with the first error of `on_decided`, which stops the run.
pub fn run_jobs_saving(
    jobs: &[(&Model, u64)],
    on_replication: &(dyn Fn() + Sync),
    on_decided: &mut OnDecided,
) -> crate::error::Result<Vec<(Summary, SlaVerdict)>> {
    run_jobs_saving_from(jobs, Looks::Controlled, on_replication, on_decided)
}

/// [`run_jobs_saving`] with the first looks `looks` says (after a first
/// batch of [`pilot`] replications, the next one tops up to
/// `run.replications`).
fn run_jobs_saving_from(
    jobs: &[(&Model, u64)],
    looks: Looks,
    on_replication: &(dyn Fn() + Sync),
    on_decided: &mut OnDecided,
) -> crate::error::Result<Vec<(Summary, SlaVerdict)>> {
    let first: Vec<u32> = jobs
        .iter()
        .map(|(m, _)| {
            let r = m.run.replications;
            if looks == Looks::Certifying || (looks == Looks::Controlled && controlled(m)) {
                pilot(r).min(r)
            } else {
                r
            }
        })
        .collect();
    let mut reps: Vec<Vec<ReplicationMetrics>> = vec![Vec::new(); jobs.len()];
    let mut results: Vec<Option<(Summary, SlaVerdict)>> = vec![None; jobs.len()];
    loop {
        let tasks: Vec<(usize, u32)> = jobs
            .iter()
            .enumerate()
            .flat_map(|(i, (m, _))| {
                let (done, run) = (reps[i].len() as u32, &m.run);
                let more = match &results[i] {
                    None => first[i],
                    Some((_, v)) if looks == Looks::Certifying && v.hopeless(run.max_replications) => 0,
                    Some((_, v)) if v.verdict == Verdict::Undecided && done < run.replications => {
                        run.replications - done
                    }
                    Some((_, v)) if v.verdict == Verdict::Undecided && done < run.max_replications => {
                        run.replications.min(run.max_replications - done)
                    }
                    Some(_) => 0,
                };
                (done..done + more).map(move |r| (i, r))
            })
            .collect();
        if tasks.is_empty() {
            break;
        }
        // Collecting an indexed parallel iterator keeps task order, whatever
        // the thread count or scheduling.
        let metrics: Vec<ReplicationMetrics> = tasks
            .par_iter()
            .map(|&(i, r)| {
                let (model, point) = jobs[i];
                let m = ReplicationMetrics::of(&simulate(model, point, r));
                on_replication();
                m
            })
            .collect();
        let mut touched = Vec::new();
        for (&(i, _), m) in tasks.iter().zip(metrics) {
            reps[i].push(m);
            if touched.last() != Some(&i) {
                touched.push(i);
            }
        }
        for i in touched {
            let model = jobs[i].0;
            let summary = Summary::new(model, &reps[i]);
            let verdict = judge(&model.sla, &summary);
            let decided = verdict.verdict != Verdict::Undecided
                || reps[i].len() as u32 >= model.run.max_replications
                || (looks == Looks::Certifying && verdict.hopeless(model.run.max_replications));
            let result = (summary, verdict);
            if decided {
                on_decided(i, &result)?;
            }
            results[i] = Some(result);
        }
    }
    Ok(results.into_iter().map(|r| r.expect("every job ran at least one replication")).collect())
}

/// The objectives of `model`'s SLA that fail even with no limit at all
/// (run again without its limits, same streams): one warning each, such as
/// "p95 turn latency 2.29 s > 1.4 s even with no limit at all: …". Only
/// turn-latency objectives can fail there (with no limit nothing is
/// blocked, waits or is refused), so a model without them is not run again.
pub fn unmeetable(model: &Model, point: u64) -> Vec<String> {
    use crate::model::ObjectiveMetric::{P95TurnLatency, TurnsOverBudget};
    let sla = &model.sla;
    let latency = sla.objectives.iter().chain(sla.source_objectives.iter().map(|(_, o)| o));
    if !latency.into_iter().any(|o| matches!(o.metric, P95TurnLatency | TurnsOverBudget)) {
        return Vec::new();
    }
    let (_, verdict) = run_judged(&model.without_limits(), point);
    verdict
        .objectives
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .map(|o| {
            format!(
                "{} even with no limit at all (the requests' own service times): no capacity meets {}",
                o.describe(),
                o.label()
            )
        })
        .collect()
}

/// `model` with its time series switched on (5-minute buckets unless it names its own).
pub fn with_series(model: &Model) -> Model {
    let mut m = model.clone();
    m.run.timeseries_bucket_s = m.run.timeseries_bucket_s.or(Some(DEFAULT_BUCKET_S));
    m
}

/// Runs every cell of `exp` ([`run_jobs`]). `on_replication` is called once
/// per finished replication, from worker threads (for progress display
/// only: results never depend on when it is called).
pub fn run_grid(exp: &Experiment, on_replication: &(dyn Fn() + Sync)) -> SweepResult {
    let models: Vec<Model> =
        (0..exp.cells.len()).map(|i| exp.model(CellId(i)).expect("Experiment::load checked every cell")).collect();
    let jobs: Vec<(&Model, u64)> = models.iter().zip(&exp.cells).map(|(m, c)| (m, c.point_key)).collect();
    let cells: Vec<CellResult> = run_jobs(&jobs, on_replication)
        .into_iter()
        .zip(&exp.cells)
        .map(|((summary, verdict), cell)| CellResult {
            point: cell.point,
            tier: cell.tier,
            offered_load_erl: cell.offered_load_erl,
            summary,
            verdict,
        })
        .collect();
    SweepResult::new(exp, cells)
}

/// Which cells a run takes: shard `index` of `count` (0-based), cells by
/// grid position modulo `count`, so shards get even shares of every tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: usize,
    /// How many shards share the grid.
    pub count: usize,
}

impl Shard {
    /// The whole grid.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether grid cell `cell` is this shard's.
    pub fn takes(&self, cell: usize) -> bool {
        cell % self.count == self.index
    }
}

/// Runs the cells of `exp` at grid positions `todo` (all in parallel, as
/// [`run_jobs`]), saving each in `store` the moment it is decided.
///
/// Errors when a cell cannot be saved (the run stops there; cells saved
/// before stay).
pub fn run_cells(
    exp: &Experiment,
    todo: &[usize],
    store: &Store,
    on_replication: &(dyn Fn() + Sync),
) -> crate::error::Result<()> {
    // Models are built a chunk at a time: memory follows the cells in
    // flight, not the grid. A chunk keeps every core busy with its cells'
    // replications; results do not depend on the chunk size.
    let chunk = (8 * rayon::current_num_threads()).max(32);
    for part in todo.chunks(chunk) {
        let models = part.iter().map(|&i| exp.model(CellId(i))).collect::<crate::error::Result<Vec<Model>>>()?;
        let jobs: Vec<(&Model, u64)> = models.iter().zip(part).map(|(m, &i)| (m, exp.cells[i].point_key)).collect();
        run_jobs_saving(&jobs, on_replication, &mut |j, (summary, verdict)| {
            let key = exp.cells[part[j]].key.clone();
            store.save(&StoredCell { key, summary: summary.clone(), verdict: verdict.clone() })
        })?;
    }
    Ok(())
}

/// The grid's results read from `store`, in grid order, with the
/// recommendation per point: what `sweep` and `merge` write out.
///
/// Errors when cells are missing (saying how many, and how to run them) or
/// a stored file is damaged.
pub fn assemble(exp: &Experiment, store: &Store) -> crate::error::Result<SweepResult> {
    let mut cells = Vec::with_capacity(exp.cells.len());
    let mut missing = 0;
    for cell in &exp.cells {
        match store.load::<StoredCell>(&cell.key)? {
            Some(s) => cells.push(CellResult {
                point: cell.point,
                tier: cell.tier,
                offered_load_erl: cell.offered_load_erl,
                summary: s.summary,
                verdict: s.verdict,
            }),
            None => missing += 1,
        }
    }
    if missing > 0 {
        return Err(crate::error::Error::input(
            store.dir(),
            "",
            format!(
                "{missing} of {} cells are not in the store yet: run the missing shards, or `simcall sweep {} --resume --out <this folder>`",
                exp.cells.len(),
                exp.path.display()
            ),
        ));
    }
    Ok(SweepResult::new(exp, cells))
}
