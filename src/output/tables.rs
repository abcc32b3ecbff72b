//! The sweep's tables as polars data frames, written as CSV and Parquet.
//!
//! - `summary`: one row per sweep point × tier: point, axis values, tier,
//!   price, nominal offered load, each metric's mean and 95% CI half-width
//!   over the run (`<metric>_mean`, `<metric>_ci95`), where the SLA is
//!   judged and each objective's value there (`judged_over`,
//!   `judged_offered_load_erl_…`, `judged_blocking_…`), `meets_sla`.
//! - `limits`: one row per point × tier × limit, with the limit metrics.
//! - `copies`: one row per point × tier × copy of each pooled limit.
//! - `campaigns`: one row per point × tier × campaign, with the campaign
//!   metrics, the replications that completed and the cap that paced the dialer.
//! - `recommendation`: one row per point: the cheapest tier meeting the SLA.

use super::{beside, render_error, OutputFile};
use crate::error::Result;
use crate::ids::{PointId, TierId};
use crate::statistics::{CampaignSummary, CellResult, CopyMetrics, Estimate, LimitSummary, SweepResult};
use crate::study::{value_label, Experiment};
use polars::prelude::*;
use std::path::Path;

/// The point column and one column per sweep axis, for rows of these points.
fn point_columns(exp: &Experiment, points: &[PointId]) -> Vec<Column> {
    let mut cols = vec![Column::new("point".into(), points.iter().map(|p| p.0 as u32).collect::<Vec<_>>())];
    for (a, axis) in exp.axes.iter().enumerate() {
        let labels: Vec<String> = points.iter().map(|p| value_label(&exp.points[*p][a])).collect();
        cols.push(Column::new(axis.path.as_str().into(), labels));
    }
    cols
}

/// Point, axis, tier and price columns for the given (point, tier) rows.
fn key_columns(exp: &Experiment, rows: &[(PointId, TierId)]) -> Vec<Column> {
    let mut cols = point_columns(exp, &rows.iter().map(|r| r.0).collect::<Vec<_>>());
    cols.push(Column::new("tier".into(), rows.iter().map(|r| exp.tiers[r.1].name.clone()).collect::<Vec<_>>()));
    cols.push(Column::new(
        "price_per_month".into(),
        rows.iter().map(|r| exp.tiers[r.1].price_per_month).collect::<Vec<_>>(),
    ));
    cols
}

/// `<name>_mean` and `<name>_ci95` columns from one estimate per row.
fn estimate_columns(name: &str, ests: &[&Estimate]) -> [Column; 2] {
    [
        Column::new(format!("{name}_mean").into(), ests.iter().map(|e| e.mean).collect::<Vec<_>>()),
        Column::new(format!("{name}_ci95").into(), ests.iter().map(|e| e.ci95).collect::<Vec<_>>()),
    ]
}

/// `<name>_mean` and `<name>_ci95` columns for every metric of a set, one
/// row per item of `rows` (each a metric set's fields, in output order).
fn metric_columns<'a, I>(rows: impl Iterator<Item = I>) -> Vec<Column>
where
    I: Iterator<Item = (&'static str, &'a Estimate)>,
{
    let rows: Vec<Vec<(&'static str, &Estimate)>> = rows.map(Iterator::collect).collect();
    let Some(first) = rows.first() else { return Vec::new() };
    let names: Vec<&'static str> = first.iter().map(|f| f.0).collect();
    names
        .iter()
        .enumerate()
        .flat_map(|(k, name)| estimate_columns(name, &rows.iter().map(|r| r[k].1).collect::<Vec<_>>()))
        .collect()
}

fn frame(cols: Vec<Column>) -> DataFrame {
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// The summary table.
pub fn summary(exp: &Experiment, res: &SweepResult) -> DataFrame {
    let rows: Vec<(PointId, TierId)> = res.cells.iter().map(|c| (c.point, c.tier)).collect();
    let mut cols = key_columns(exp, &rows);
    cols.push(Column::new(
        "nominal_offered_load_erl".into(),
        res.cells.iter().map(|c| c.offered_load_erl).collect::<Vec<_>>(),
    ));
    cols.extend(metric_columns(res.cells.iter().map(|c| c.summary.total.fields())));
    cols.extend(judged_columns(res));
    cols.push(Column::new(
        "replications".into(),
        res.cells.iter().map(|c| c.summary.total.attempts.replications.len() as u32).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("meets_sla".into(), res.cells.iter().map(CellResult::meets_sla).collect::<Vec<_>>()));
    cols.push(Column::new("verdict".into(), res.cells.iter().map(|c| c.verdict.verdict.name()).collect::<Vec<_>>()));
    cols.push(Column::new(
        "failing_objectives".into(),
        res.cells.iter().map(|c| c.verdict.failing().join("; ")).collect::<Vec<_>>(),
    ));
    let binding = |c: &CellResult| c.summary.binding_limit().map(|b| c.summary.limits[b].name.clone());
    cols.push(Column::new("binding_limit".into(), res.cells.iter().map(binding).collect::<Vec<_>>()));
    let co_binding = |c: &CellResult| {
        let names: Vec<&str> = c
            .summary
            .binding_limit()
            .map(|b| c.summary.co_binding(b).iter().map(|&m| c.summary.limits[m].name.as_str()).collect())
            .unwrap_or_default();
        names.join("+")
    };
    cols.push(Column::new("co_binding".into(), res.cells.iter().map(co_binding).collect::<Vec<_>>()));
    frame(cols)
}

/// Where each cell is judged (`judged_over`: `run`, the busy hour or the
/// window), the offered load there, and the value of every objective of
/// the SLA there (`judged_<metric>_mean`, `judged_<metric>_ci95`; a
/// source's objective `judged_<source>_<metric>_…`): the figures the
/// verdict was decided on.
fn judged_columns(res: &SweepResult) -> Vec<Column> {
    let mut cols =
        vec![Column::new("judged_over".into(), res.cells.iter().map(|c| c.verdict.over.clone()).collect::<Vec<_>>())];
    let load: Vec<&Estimate> = res
        .cells
        .iter()
        .map(|c| c.summary.judged.as_ref().map_or(&c.summary.total.offered_load_erl, |w| &w.offered_load_erl))
        .collect();
    cols.extend(estimate_columns("judged_offered_load_erl", &load));
    let Some(first) = res.cells.first() else { return cols };
    for o in &first.verdict.objectives {
        let name = match &o.source {
            Some(s) => format!("judged_{s}_{}", o.objective.metric.column()),
            None => format!("judged_{}", o.objective.metric.column()),
        };
        // Found by source and metric: a tier may set its own SLA.
        let values: Vec<Option<&Estimate>> = res
            .cells
            .iter()
            .map(|c| {
                let same = |x: &&crate::statistics::ObjectiveVerdict| {
                    x.source == o.source && x.objective.metric == o.objective.metric
                };
                c.verdict.objectives.iter().find(same).map(|x| &x.value)
            })
            .collect();
        cols.push(Column::new(
            format!("{name}_mean").into(),
            values.iter().map(|e| e.map(|e| e.mean)).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("{name}_ci95").into(),
            values.iter().map(|e| e.map(|e| e.ci95)).collect::<Vec<_>>(),
        ));
    }
    if res.cells.iter().any(|c| c.verdict.days_over.is_some()) {
        let share: Vec<Option<&Estimate>> =
            res.cells.iter().map(|c| c.verdict.days_over.as_ref().map(|d| &d.share)).collect();
        cols.push(Column::new(
            "days_over_share_mean".into(),
            share.iter().map(|e| e.map(|e| e.mean)).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "days_over_share_ci95".into(),
            share.iter().map(|e| e.map(|e| e.ci95)).collect::<Vec<_>>(),
        ));
    }
    cols
}

/// The per-limit table: one row per point × tier × limit.
pub fn limits(exp: &Experiment, res: &SweepResult) -> DataFrame {
    let entries: Vec<(PointId, TierId, &LimitSummary)> =
        res.cells.iter().flat_map(|c| c.summary.limits.iter().map(move |l| (c.point, c.tier, l))).collect();
    let rows: Vec<(PointId, TierId)> = entries.iter().map(|e| (e.0, e.1)).collect();
    let mut cols = key_columns(exp, &rows);
    cols.push(Column::new("limit".into(), entries.iter().map(|e| e.2.name.clone()).collect::<Vec<_>>()));
    cols.push(Column::new("kind".into(), entries.iter().map(|e| e.2.kind.name()).collect::<Vec<_>>()));
    cols.push(Column::new("capacity".into(), entries.iter().map(|e| e.2.capacity()).collect::<Vec<_>>()));
    cols.push(Column::new("pool".into(), entries.iter().map(|e| e.2.pool).collect::<Vec<_>>()));
    cols.extend(metric_columns(entries.iter().map(|e| e.2.metrics.fields())));
    frame(cols)
}

/// The per-copy table of pooled limits (`None` when no limit has a pool):
/// one row per point × tier × limit × copy.
pub fn copies(exp: &Experiment, res: &SweepResult) -> Option<DataFrame> {
    let entries: Vec<(PointId, TierId, &str, usize, &CopyMetrics<Estimate>)> = res
        .cells
        .iter()
        .flat_map(|c| {
            c.summary.limits.iter().flat_map(move |l| {
                l.copies.iter().enumerate().map(move |(i, e)| (c.point, c.tier, l.name.as_str(), i, e))
            })
        })
        .collect();
    if entries.is_empty() {
        return None;
    }
    let rows: Vec<(PointId, TierId)> = entries.iter().map(|e| (e.0, e.1)).collect();
    let mut cols = key_columns(exp, &rows);
    cols.push(Column::new("limit".into(), entries.iter().map(|e| e.2).collect::<Vec<_>>()));
    cols.push(Column::new("copy".into(), entries.iter().map(|e| e.3 as u32).collect::<Vec<_>>()));
    cols.extend(metric_columns(entries.iter().map(|e| e.4.fields())));
    Some(frame(cols))
}

/// The campaigns table (`None` when the model has no campaign).
pub fn campaigns(exp: &Experiment, res: &SweepResult) -> Option<DataFrame> {
    let entries: Vec<(PointId, TierId, &CampaignSummary)> =
        res.cells.iter().flat_map(|c| c.summary.campaigns.iter().map(move |k| (c.point, c.tier, k))).collect();
    if entries.is_empty() {
        return None;
    }
    let rows: Vec<(PointId, TierId)> = entries.iter().map(|e| (e.0, e.1)).collect();
    let mut cols = key_columns(exp, &rows);
    cols.push(Column::new("campaign".into(), entries.iter().map(|e| e.2.name.clone()).collect::<Vec<_>>()));
    cols.extend(metric_columns(entries.iter().map(|e| e.2.metrics.fields())));
    cols.push(Column::new(
        "completed_replications".into(),
        entries.iter().map(|e| e.2.completed_replications as u32).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("paced_by".into(), entries.iter().map(|e| e.2.paced_by.clone()).collect::<Vec<_>>()));
    Some(frame(cols))
}

/// The recommendation table: per point, the cheapest tier meeting the SLA
/// (`none` when no tier does) with its blocking and 95th-percentile wait.
pub fn recommendation(exp: &Experiment, res: &SweepResult) -> DataFrame {
    let rows: Vec<(PointId, Option<TierId>)> = res.recommendations().collect();
    let cell = |p: PointId, t: TierId| res.cell(p, t).expect("every point has every tier");
    let mut cols = point_columns(exp, &rows.iter().map(|r| r.0).collect::<Vec<_>>());
    let load: Vec<f64> = rows.iter().map(|r| cell(r.0, TierId(0)).offered_load_erl).collect();
    cols.push(Column::new("nominal_offered_load_erl".into(), load));
    let name = |r: &(PointId, Option<TierId>)| r.1.map_or("none".to_string(), |t| exp.tiers[t].name.clone());
    cols.push(Column::new("recommended_tier".into(), rows.iter().map(name).collect::<Vec<_>>()));
    cols.push(Column::new(
        "price_per_month".into(),
        rows.iter().map(|r| r.1.and_then(|t| exp.tiers[t].price_per_month)).collect::<Vec<_>>(),
    ));
    let picks: [super::format::Pick<CellResult>; 2] = [
        ("blocking_probability", |c| c.summary.total.blocking_probability.mean),
        ("p95_wait_s", |c| c.summary.total.p95_wait_s.mean),
    ];
    for (metric, get) in picks {
        let v: Vec<Option<f64>> = rows.iter().map(|r| r.1.map(|t| get(cell(r.0, t)))).collect();
        cols.push(Column::new(format!("{metric}_mean").into(), v));
    }
    let rejected: Vec<String> = rows.iter().map(|r| crate::statistics::rejected(exp, res, r.0).join("; ")).collect();
    cols.push(Column::new("cheaper_tiers_rejected".into(), rejected));
    frame(cols)
}

/// `df` as CSV bytes; `name` names the file in an error.
///
/// Errors ([`crate::error::Error::Output`]) when polars cannot write it.
pub fn csv(df: &mut DataFrame, name: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).finish(df).map_err(|e| render_error(name, e))?;
    Ok(out)
}

/// `df` as Parquet bytes; `name` names the file in an error.
///
/// Errors ([`crate::error::Error::Output`]) when polars cannot write it.
pub fn parquet(df: &mut DataFrame, name: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(df).map_err(|e| render_error(name, e))?;
    Ok(out)
}

/// `df` as `<stem>.csv` and `<stem>.parquet`.
///
/// Errors as [`csv()`] and [`parquet()`].
pub fn both(df: &mut DataFrame, stem: &Path) -> Result<[OutputFile; 2]> {
    let (c, p) = (beside(stem, "csv"), beside(stem, "parquet"));
    Ok([OutputFile::new(&c, csv(df, &c.to_string_lossy())?), OutputFile::new(&p, parquet(df, &p.to_string_lossy())?)])
}
