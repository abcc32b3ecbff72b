//! An experiment: a model, the axes to sweep, the SLA and the plan tiers
//! to compare. Its grid is every combination of axis values (first axis
//! slowest) crossed with every tier.

use super::{InputFile, Models};
use crate::error::Result;
use crate::ids::{index_by, CellId, PointId, TierId};
use crate::model::Model;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Value;

/// A plan tier: a name, a monthly price and the model keys it sets.
#[derive(Debug, Clone)]
pub struct Tier {
    /// Its name (output file names use it).
    pub name: String,
    /// Monthly price (currency of the experiment file); `None` if not given.
    pub price_per_month: Option<f64>,
    /// Model keys it sets, by dotted path.
    pub set: Vec<(String, Value)>,
}

/// One sweep axis: a model key and the values it takes.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The model key it varies, a dotted path.
    pub path: String,
    /// Its values, as written.
    pub values: Vec<Value>,
}

/// One cell of the grid: a sweep point with one tier. Its model is built
/// when it runs ([`Experiment::model`]), so a grid's memory is its cells'
/// keys, not their models.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Its sweep point (the axis-value combination) in the grid.
    pub point: PointId,
    /// The point's stream key ([`crate::engine::point_key`] of its axis
    /// values): all tiers at one point see the same callers, and a point
    /// keeps its streams when the grid around it changes.
    pub point_key: u64,
    /// What the cell is, for the cell store: SHA-256 (hex) of the results
    /// version, the point key, the cell's model document after every
    /// override and the digests of the input files its model reads. The
    /// same key means the same result.
    pub key: String,
    /// Its tier.
    pub tier: TierId,
    /// Its model's nominal offered load (Erlangs): the charts' x axis.
    pub offered_load_erl: f64,
    /// Its model's first batch of replications (`run.replications`).
    pub replications: u32,
}

/// An experiment expanded into its grid, every cell's model checked.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Output goes to `output/<name>/`.
    pub name: String,
    /// What it asks.
    pub description: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The model file it names, relative to the working folder.
    pub model_path: PathBuf,
    /// The comment block at the top of the model file (the sources it
    /// cites), as read.
    pub model_header: String,
    /// Sweep axes, first slowest.
    pub axes: Vec<Axis>,
    /// Tiers (one, `model`, if the file has none).
    pub tiers: Vec<Tier>,
    /// Axis values of each point, as written, in grid order.
    pub points: Vec<Vec<Value>>,
    /// Point-major: all tiers of point 0, then of point 1, …
    pub cells: Vec<Cell>,
    /// The first cell's model: what the experiment's pages describe.
    pub base: Model,
    /// The work of the whole grid: arrivals and replications of its
    /// largest cell, core time summed over cells, peak memory of the
    /// largest cell plus the results every cell keeps until the outputs are
    /// written.
    pub work: crate::work::Work,
    /// Every file the experiment read, with its digest taken when it was
    /// read: the experiment file, the model file, then the input files its
    /// cells' models read (in the order first read).
    pub inputs: Vec<InputFile>,
    /// Builds a cell's model (`None` for [`Experiment::of_model`], whose one
    /// cell is `base`).
    pub models: Option<Arc<dyn Models>>,
}

impl Experiment {
    /// One model as an experiment of one cell (no axis, one tier named
    /// `model`), so a single run can be reported like a sweep. `path` is the
    /// model file, both the experiment's and the model's path; `inputs` the
    /// files it was read from; `header` its leading comments.
    pub fn of_model(path: &Path, model: Model, inputs: Vec<InputFile>, header: String) -> Self {
        Experiment {
            work: crate::work::work(&model, rayon::current_num_threads()),
            name: model.name.clone(),
            description: model.description.clone(),
            path: path.to_path_buf(),
            model_path: path.to_path_buf(),
            model_header: header,
            axes: vec![],
            tiers: vec![Tier { name: "model".into(), price_per_month: None, set: vec![] }],
            points: vec![vec![]],
            cells: vec![Cell {
                point: PointId(0),
                point_key: 0,
                key: String::new(),
                tier: TierId(0),
                offered_load_erl: model.offered_load_erl(),
                replications: model.run.replications,
            }],
            base: model,
            inputs,
            models: None,
        }
    }

    /// The model keys cell `cell` (a grid position) sets on the model: its
    /// tier's, then its point's axis values.
    pub fn cell_sets(&self, cell: CellId) -> Vec<(String, Value)> {
        cell_sets(&self.axes, &self.tiers, &self.points, cell)
    }

    /// The model of cell `cell` (a grid position), built afresh.
    ///
    /// Errors as loading the experiment would have (it checked every cell,
    /// so only a file changed since can make it fail), naming the tier.
    pub fn model(&self, cell: CellId) -> Result<Model> {
        let Some(models) = &self.models else { return Ok(self.base.clone()) };
        let tier = &self.tiers[self.cells[cell].tier];
        models.build(&self.cell_sets(cell)).map(|(m, _)| m).map_err(|e| e.context(&format!("tier {:?}", tier.name)))
    }

    /// Pairs of tiers that set the same keys to the same values (in any
    /// order): they run the same model, so the dearer (or, at one price,
    /// the later) is never recommended. In tier order.
    pub fn identical_tiers(&self) -> Vec<(TierId, TierId)> {
        let sorted = |t: &Tier| {
            let mut v: Vec<(String, String)> = t.set.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
            v.sort();
            v
        };
        let keys: Vec<_> = self.tiers.iter().map(sorted).collect();
        (0..keys.len())
            .flat_map(|a| (a + 1..keys.len()).map(move |b| (a, b)))
            .filter(|&(a, b)| keys[a] == keys[b])
            .map(|(a, b)| (TierId(a), TierId(b)))
            .collect()
    }

    /// Warnings about the experiment itself, each a sentence: identical tiers.
    pub fn warnings(&self) -> Vec<String> {
        self.identical_tiers()
            .into_iter()
            .map(|(a, b)| {
                format!(
                    "tiers {:?} and {:?} set the same keys to the same values: they give the same results, and the \
                     dearer (or the later) is never recommended",
                    self.tiers[a].name, self.tiers[b].name
                )
            })
            .collect()
    }

    /// A point's axis values as written, joined ("10/min, 50").
    pub fn point_label(&self, point: PointId) -> String {
        self.points[point].iter().map(value_label).collect::<Vec<_>>().join(", ")
    }
}

/// The model keys cell `cell` of the grid of `axes` × `tiers` (with the
/// points' axis values `points`) sets: its tier's, then its point's axis
/// values (the later wins).
pub fn cell_sets(axes: &[Axis], tiers: &[Tier], points: &[Vec<Value>], cell: CellId) -> Vec<(String, Value)> {
    let (p, t) = (cell.0 / tiers.len(), cell.0 % tiers.len());
    let axis_sets = axes.iter().map(|a| a.path.clone()).zip(points[p].iter().cloned());
    tiers[t].set.iter().cloned().chain(axis_sets).collect()
}

index_by!(PointId => Vec<Value>);
index_by!(TierId => Tier);
index_by!(CellId => Cell);

/// Renders an axis value as written: strings without quotes.
pub fn value_label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
