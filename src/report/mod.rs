//! What each command's outputs show, computed once by the runner: a
//! sweep's [`SweepReport`], a run's [`RunReport`] and a plan's
//! [`PlanReport`]. Everything a table, chart, text or page shows is in
//! these values: the cells, the worst-point and busy-day time series, the
//! self-test, the digests of every input file taken when it was read.
//! `output` renders them to bytes and never simulates, builds a model or
//! reads a file back.

use crate::error::Result;
use crate::ids::{CellId, PointId, TierId};
use crate::model::Model;
use crate::plan::PlanResult;
use crate::record::campaign::DialRecord;
use crate::runs::{run_judged, run_model, with_series};
use crate::selftest::SelfTest;
use crate::statistics::{worst_cells, CellResult, SlaVerdict, Summary, SweepResult};
use crate::store::Store;
use crate::study::{Experiment, InputFile, Plan};
use std::path::Path;

/// Where a report's results come from: the command that gives them again,
/// the files read (with their digests when read) and the last self-test of
/// this machine.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The command line that reproduces the results (thread count and
    /// output folder left out: they change no figure).
    pub command: String,
    /// Every input file with its SHA-256, taken when it was read.
    pub inputs: Vec<InputFile>,
    /// The last `simcall validate --self-test` saved where simcall runs
    /// ([`crate::selftest::SAVED_FILE`]), if any.
    pub self_test: Option<SelfTest>,
}

impl Provenance {
    /// The provenance of results made by `command` from `inputs`, with the
    /// saved self-test read now.
    pub fn new(command: String, inputs: Vec<InputFile>) -> Self {
        Provenance { command, inputs, self_test: crate::selftest::load_saved() }
    }
}

/// One cell's run again with its time series kept: the same streams, so
/// the same replications as the cell's result.
#[derive(Debug, Clone)]
pub struct CellSeries {
    /// The cell (in the grid and in the result's cells).
    pub cell: CellId,
    /// The run's summary, its `series` filled.
    pub summary: Summary,
}

/// What a model whose limits fail, overflow or change over time adds to its
/// report ("What if it fails"): the baseline to set its verdicts beside and
/// the windows its scheduled incidents strike in.
#[derive(Debug, Clone, Default)]
pub struct FailingWorld {
    /// A sweep's points at which every incident changes nothing (capacity
    /// and service factors 1, no failure probability): the baseline.
    pub baseline_points: Vec<PointId>,
    /// A run's verdict with its incidents left out (`None` for a sweep, or
    /// a model without incidents).
    pub baseline: Option<SlaVerdict>,
    /// The scheduled incidents' windows of the busy-day cell (a run: of its
    /// model) within its run: (incident, start s, end s).
    pub windows: Vec<(String, f64, f64)>,
}

impl FailingWorld {
    /// Whether `model` has anything that fails or changes: a standby, a
    /// failure, a schedule or an incident.
    pub fn applies(model: &Model) -> bool {
        !model.incidents.is_empty()
            || model.limits.iter().any(|l| l.standby || l.failure.is_some() || l.schedule.is_some())
    }
}

/// The windows of `model`'s scheduled incidents within its run.
fn incident_windows(model: &Model) -> Vec<(String, f64, f64)> {
    let end_t = model.run.warmup_s + model.run.horizon_s;
    model
        .incidents
        .iter()
        .filter(|i| !i.is_neutral())
        .flat_map(|i| i.when.windows(end_t).into_iter().map(move |(a, b)| (i.name.clone(), a, b)))
        .collect()
}

/// Everything `simcall sweep` and `simcall merge` write.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// The experiment, expanded into its grid.
    pub experiment: Experiment,
    /// Every cell's result, the recommendation per point.
    pub result: SweepResult,
    /// Per tier, its worst cell's time series (highest loss probability;
    /// `None` for a tier without cells).
    pub worst: Vec<Option<CellSeries>>,
    /// The recommended tier at the busiest point it is recommended for,
    /// over time (`None` when no point has a recommended tier).
    pub busy_day: Option<CellSeries>,
    /// What makes its verdicts doubtful, shown beside them: identical
    /// tiers, the peak averaged away, lost callers nothing judges (the
    /// largest share over the cells), objectives no capacity meets.
    pub warnings: Vec<String>,
    /// Baseline points and incident windows, when the model fails or changes.
    pub failing: Option<FailingWorld>,
    /// Command, inputs and self-test.
    pub provenance: Provenance,
}

/// The warnings of sweep `exp`'s result `res` (see [`SweepReport::warnings`]):
/// an objective that fails in some cell is checked without limits at the
/// first such cell's model.
///
/// Errors when that model no longer builds.
fn sweep_warnings(exp: &Experiment, res: &SweepResult) -> Result<Vec<String>> {
    use crate::model::ObjectiveMetric::{P95TurnLatency, TurnsOverBudget};
    use crate::statistics::Verdict;
    let mut out = exp.warnings();
    out.extend(exp.base.sla.warnings.iter().cloned());
    let mut unjudged: Vec<(crate::model::ObjectiveMetric, f64)> = Vec::new();
    for (m, v) in res.cells.iter().flat_map(|c| &c.verdict.unjudged) {
        match unjudged.iter_mut().find(|u| u.0 == *m) {
            Some(u) => u.1 = u.1.max(*v),
            None => unjudged.push((*m, *v)),
        }
    }
    out.extend(unjudged.into_iter().map(|(m, v)| crate::statistics::sla::unjudged_warning(m, v, " in the worst cell")));
    let latency_fails = res.cells.iter().position(|c| {
        c.verdict
            .objectives
            .iter()
            .any(|o| o.verdict == Verdict::Fail && matches!(o.objective.metric, P95TurnLatency | TurnsOverBudget))
    });
    if let Some(i) = latency_fails {
        out.extend(crate::runs::unmeetable(&exp.model(CellId(i))?, exp.cells[i].point_key));
    }
    Ok(out)
}

/// The report of the sweep `exp` whose cells are all in `store`: the
/// results read back, each tier's worst point and the busy day run again
/// with their time series.
///
/// Errors when cells are missing from the store or a stored file is
/// damaged, or a cell's model no longer builds (a file changed since).
pub fn sweep(exp: Experiment, store: &Store, command: String) -> Result<SweepReport> {
    let result = crate::runs::assemble(&exp, store)?;
    let again = |i: CellId| -> Result<CellSeries> {
        let model = with_series(&exp.model(i)?);
        Ok(CellSeries { cell: i, summary: run_model(&model, exp.cells[i].point_key) })
    };
    let worst: Vec<Option<CellSeries>> =
        worst_cells(&exp, &result).into_iter().map(|w| w.map(again).transpose()).collect::<Result<_>>()?;
    // The recommended point of the highest load that has one; when it is a
    // tier's worst point too, that run is reused.
    let busiest = result.recommendations().rev().find_map(|(p, r)| r.map(|t| (p, t)));
    let busy_day = busiest
        .and_then(|(p, t)| exp.cells.iter().position(|c| c.point == p && c.tier == t))
        .map(|i| {
            let i = CellId(i);
            worst.iter().flatten().find(|w| w.cell == i).cloned().map_or_else(|| again(i), Ok)
        })
        .transpose()?;
    let provenance = Provenance::new(command, exp.inputs.clone());
    let warnings = sweep_warnings(&exp, &result)?;
    let failing = if FailingWorld::applies(&exp.base) {
        // One cell per point tells whether its incidents change anything.
        let mut baseline_points = Vec::new();
        for (p, _) in exp.points.iter().enumerate() {
            let i = exp.cells.iter().position(|c| c.point == PointId(p)).expect("every point has cells");
            if exp.model(CellId(i))?.incidents.iter().all(|inc| inc.is_neutral()) {
                baseline_points.push(PointId(p));
            }
        }
        let windows = match &busy_day {
            Some(b) => incident_windows(&exp.model(b.cell)?),
            None => Vec::new(),
        };
        Some(FailingWorld { baseline_points, baseline: None, windows })
    } else {
        None
    };
    Ok(SweepReport { experiment: exp, result, worst, busy_day, warnings, failing, provenance })
}

/// Everything `simcall run` prints and writes.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The model as run (with its `--set`s).
    pub model: Model,
    /// Its estimates (with the time series when one was asked for).
    pub summary: Summary,
    /// Its SLA, judged.
    pub verdict: SlaVerdict,
    /// Replication 0's dials, logged (when the dial log was asked for).
    pub dial_log: Option<Vec<Vec<DialRecord>>>,
    /// The run as an experiment of one cell, for the page every report shares.
    pub experiment: Experiment,
    /// Its one cell's result.
    pub result: SweepResult,
    /// Its verdict without its incidents and their windows, when the model
    /// fails or changes.
    pub failing: Option<FailingWorld>,
    /// Command, inputs and self-test.
    pub provenance: Provenance,
}

/// What a run is asked to keep besides its summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunKeeps {
    /// The time series (for `--timeseries` and `--report`).
    pub series: bool,
    /// Replication 0's dial log (for `--dials`).
    pub dials: bool,
}

/// Runs `model`, read from `path` (with `inputs` and the file's leading
/// comments `header`), keeping what `keeps` asks for.
pub fn run(
    model: &Model,
    path: &Path,
    inputs: Vec<InputFile>,
    header: String,
    keeps: RunKeeps,
    command: String,
) -> RunReport {
    let model = if keeps.series { with_series(model) } else { model.clone() };
    let (summary, mut verdict) = run_judged(&model, 0);
    if verdict.verdict != crate::statistics::Verdict::Pass {
        verdict.warnings.extend(crate::runs::unmeetable(&model, 0));
    }
    // Replication 0 again, logged: the same streams give the same dials.
    let dial_log = keeps.dials.then(|| crate::simulation::simulate_logged(&model, 0, 0).dial_log);
    let experiment = Experiment::of_model(path, model.clone(), inputs.clone(), header);
    let cell = CellResult {
        point: PointId(0),
        tier: TierId(0),
        offered_load_erl: model.offered_load_erl(),
        summary: summary.clone(),
        verdict: verdict.clone(),
    };
    let result = SweepResult::new(&experiment, vec![cell]);
    let failing = FailingWorld::applies(&model).then(|| {
        // The same streams without the incidents: what they cost, paired.
        let baseline = (!model.incidents.is_empty()).then(|| {
            let mut calm = model.clone();
            calm.incidents.clear();
            run_judged(&calm, 0).1
        });
        FailingWorld { baseline_points: Vec::new(), baseline, windows: incident_windows(&model) }
    });
    let provenance = Provenance::new(command, inputs);
    RunReport { model, summary, verdict, dial_log, experiment, result, failing, provenance }
}

/// Everything `simcall plan` prints and writes.
#[derive(Debug, Clone)]
pub struct PlanReport {
    /// The plan as read.
    pub plan: Plan,
    /// The search's result: months, certified combinations, calendar, ladder.
    pub result: PlanResult,
    /// The model with no option set: what the plan's page describes.
    pub base: Model,
    /// What makes its certifications doubtful, shown beside the answer: the
    /// SLA's own warnings (the peak averaged away) and objectives no
    /// capacity meets (checked on the model with no option set).
    pub warnings: Vec<String>,
    /// Command, inputs and self-test.
    pub provenance: Provenance,
}

/// The report of `plan`'s search `result`.
///
/// Errors when the plan's model no longer builds (a file changed since it
/// was read).
pub fn plan(plan: Plan, result: PlanResult, command: String) -> Result<PlanReport> {
    let base = plan.model_of(&[])?;
    let provenance = Provenance::new(command, plan.inputs.clone());
    let mut warnings = base.sla.warnings.clone();
    warnings.extend(crate::runs::unmeetable(&base, 0));
    Ok(PlanReport { plan, result, base, warnings, provenance })
}
