//! Reads an experiment file (`experiments/*.toml`) into an
//! [`Experiment`]: its model, the axes to sweep, the SLA and the plan tiers,
//! expanded into the grid with every cell's model checked.

use super::bounds::Reach;
use super::build::part;
use super::locate;
use super::overrides::parse_value;
use super::{DocModels, ModelDoc};
use crate::error::{Diagnostic, Error, Problems, Result};
use crate::ids::{CellId, PointId, TierId};
use crate::study::{cell_sets, result_key, value_label, Axis, Cell, Experiment, InputFile, Tier};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use toml::{Table, Value};

/// The top level of an experiment file; each tier is read on its own, so
/// one bad tier does not hide the problems of the others.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExperimentFile {
    /// Output goes to `output/<name>/`.
    name: String,
    #[serde(default)]
    description: String,
    /// The model file, relative to this file.
    model: String,
    /// Overrides of the model's `[run]`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    run: Table,
    /// The axes: a model key → a list of values or `{ from, to, steps }`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::axes")]
    sweep: Table,
    /// Overrides of the model's `[sla]`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    sla: Table,
    #[serde(default)]
    #[schemars(with = "Vec<TierFile>")]
    tiers: Vec<Value>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TierFile {
    name: String,
    #[serde(default)]
    price_per_month: Option<f64>,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    set: Table,
}

/// Reads the experiment file `path`, applies `cli_sets` (`--set
/// PATH=VALUE`, last, so they win over the experiment's own keys) and builds
/// every cell's model, with the soft bounds holding as far as `reach` says.
///
/// Errors when the file is missing or malformed, the model it names
/// cannot be read, an axis or tier key does not exist in the model, or a
/// resulting model is invalid: every problem found, each in the file where
/// the mistake is (a tier's or an axis's key in the experiment file, with
/// its line). All cells are checked before anything runs.
pub fn load_experiment(path: &Path, cli_sets: &[(String, Value)], reach: Reach) -> Result<Experiment> {
    super::read_study(path, "experiment", |text, f| expand(path, text, f, cli_sets, reach))
}

fn expand(
    path: &Path,
    text: &Arc<str>,
    f: ExperimentFile,
    cli_sets: &[(String, Value)],
    reach: Reach,
) -> Result<Experiment> {
    let ExperimentFile { name, description, model, run, sweep, sla, tiers: entries } = f;
    let mut p = Problems::default();
    p.take(super::bounds::file_name(&name).map_err(|e| Error::input(path, "name", e)));
    let mut tiers: Vec<Tier> = Vec::new();
    for (i, v) in entries.iter().enumerate() {
        let key = match v.get("name").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() => format!("tiers.{}", locate::quoted(n)),
            _ => format!("tiers[{i}]"),
        };
        let Some(t) = p.take(part::<TierFile>(path, &key, v)) else { continue };
        if t.name.trim().is_empty() {
            p.push(Diagnostic::error(path, &format!("tiers[{i}].name"), "a tier needs a name"));
        } else if tiers.iter().any(|u| u.name == t.name) {
            let why = format!("two tiers are named {:?}: tier names must differ (they name output files)", t.name);
            p.push(Diagnostic::error(path, &key, why));
        }
        if t.price_per_month.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            p.push(Diagnostic::error(path, &format!("{key}.price_per_month"), "must be a number ≥ 0"));
        }
        tiers.push(Tier { name: t.name, price_per_month: t.price_per_month, set: t.set.into_iter().collect() });
    }
    if tiers.is_empty() {
        tiers.push(Tier { name: "model".into(), price_per_month: None, set: vec![] });
    }
    let axes: Vec<Axis> = sweep
        .iter()
        .filter_map(|(k, v)| {
            let key = format!("sweep.{}", locate::quoted(k));
            let values = p.take(axis_values(v).map_err(|e| Error::input(path, &key, e)))?;
            Some(Axis { path: k.clone(), values })
        })
        .collect();
    let cells = points_count(&axes).saturating_mul(tiers.len());
    let (soft, hard) = (super::bounds::MAX_CELLS as f64, super::bounds::HARD_CELLS as f64);
    if let Some(why) = super::bounds::soft(cells as f64, soft, hard, "the number of cells (points × tiers)", reach) {
        p.push(Diagnostic::error(path, "sweep", format!("{why}; or split the experiment")));
    }
    if p.has_errors() {
        return p.finish(|| unreachable!("checked: there are errors"));
    }
    let (model_path, base) = ModelDoc::load_for(path, &model, &run, &sla, reach)?;
    // Every key a tier or an axis sets must be in the model: each missing
    // one is reported at its line of this file.
    let origins = locate::override_origins(&run, &sla);
    let mut axis_origins: locate::Origins = Vec::new();
    for a in &axes {
        let key = format!("sweep.{}", locate::quoted(&a.path));
        p.take(
            base.clone()
                .set(&a.path, a.values[0].clone())
                .map_err(|e| locate::repoint(e, &[(a.path.clone(), key.clone())], path)),
        );
        axis_origins.push((a.path.clone(), key));
    }
    // A cell's mistakes are its own tier's; its keys are set in this order
    // (run and sla, the tier's, the axes'), the last one winning.
    let tier_origins: Vec<locate::Origins> = tiers
        .iter()
        .map(|t| {
            let mut own = origins.clone();
            for (k, v) in &t.set {
                let key = format!("tiers.{}.set.{}", locate::quoted(&t.name), locate::quoted(k));
                p.take(
                    base.clone().set(k, v.clone()).map_err(|e| locate::repoint(e, &[(k.clone(), key.clone())], path)),
                );
                own.push((k.clone(), key));
            }
            own.extend(axis_origins.iter().cloned());
            own
        })
        .collect();
    // Cells are built even after a key is found missing, so that a value a
    // tier or an axis gets wrong is reported in the same run.
    let points = cartesian(&axes);
    // Every cell is built and checked before anything runs; only what
    // the grid needs of it is kept.
    let n = points.len() * tiers.len();
    let mut grid = Vec::with_capacity(n);
    let mut first = None;
    let threads = rayon::current_num_threads();
    let mut work = crate::work::Work::default();
    let mut inputs = vec![InputFile::of(path, text.as_bytes()), base.file()];
    let models = DocModels { doc: base.clone(), after: cli_sets.to_vec() };
    for i in 0..n {
        let (pt, t) = (i / tiers.len(), i % tiers.len());
        let point_key =
            crate::engine::point_key(axes.iter().zip(&points[pt]).map(|(a, v)| (a.path.as_str(), value_label(v))));
        let built = models.doc_with(&cell_sets(&axes, &tiers, &points, CellId(i))).and_then(|doc| {
            let (model, read) = doc.build_reading()?;
            Ok((result_key(&format!("point {point_key}"), &doc.document(), &read), model, read))
        });
        let Some((key, model, read)) = p.take(built.map_err(|e| locate::repoint(e, &tier_origins[t], path))) else {
            continue;
        };
        InputFile::add_new(&mut inputs, read);
        grid.push(Cell {
            point: PointId(pt),
            point_key,
            key,
            tier: TierId(t),
            offered_load_erl: model.offered_load_erl(),
            replications: model.run.replications,
        });
        work = work.with_cell(crate::work::work(&model, threads));
        first.get_or_insert(model);
    }
    if p.has_errors() {
        return p.finish(|| unreachable!("checked: there are errors"));
    }
    let work = work.keeping_cells(n);
    if let Some(why) = super::bounds::memory(work.memory_bytes, reach) {
        return Err(Error::input(path, "sweep", why));
    }
    let Some(first) = first else { return Err(Error::input(path, "sweep", "the grid has no cell")) };
    Ok(Experiment {
        name,
        description,
        path: path.to_path_buf(),
        model_path,
        model_header: base.header(),
        axes,
        tiers,
        points,
        cells: grid,
        base: first,
        work,
        inputs,
        models: Some(Arc::new(models)),
    })
}

/// A fraction written as a number (`0.02`) or a percentage (`"2%"`).
pub(super) fn parse_percent(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) if x.is_finite() => Some(*x),
        Value::Integer(i) => Some(*i as f64),
        Value::String(s) => {
            s.trim().strip_suffix('%')?.trim().parse::<f64>().ok().filter(|x| x.is_finite()).map(|x| x / 100.0)
        }
        _ => None,
    }
}

/// Parses `--set PATH=VALUE` arguments.
pub fn parse_sets(args: &[String]) -> Result<Vec<(String, Value)>> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), parse_value(v.trim()))),
            _ => Err(Error::usage(format!("--set {a:?}: expected PATH=VALUE, such as limits.trunk.capacity=60"))),
        })
        .collect()
}

/// Points in the grid of `axes` (saturating: checked before expanding).
fn points_count(axes: &[Axis]) -> usize {
    axes.iter().fold(1usize, |n, a| n.saturating_mul(a.values.len()))
}

fn cartesian(axes: &[Axis]) -> Vec<Vec<Value>> {
    axes.iter().fold(vec![vec![]], |acc, axis| {
        acc.iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect()
    })
}

/// An axis is a list of values, or `{ from, to, steps }`: `steps` values
/// evenly spaced from `from` to `to` inclusive. `from` and `to` are numbers
/// or quantities with the same unit (`"5/min"`, `"20 erl"`, `"30s"`).
fn axis_values(v: &Value) -> std::result::Result<Vec<Value>, String> {
    match v {
        Value::Array(items) if !items.is_empty() => Ok(items.clone()),
        Value::Table(t) => {
            let allowed = ["from", "to", "steps"];
            if let Some(k) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
                return Err(format!("unknown key `{k}`; a range has `from`, `to` and `steps`"));
            }
            let (Some(from), Some(to), Some(steps)) =
                (t.get("from"), t.get("to"), t.get("steps").and_then(Value::as_integer))
            else {
                return Err("a range needs `from`, `to` and an integer `steps`".into());
            };
            if !(2..=10_000).contains(&steps) {
                return Err(format!("steps = {steps}: use 2 to 10000 values"));
            }
            let (a, unit_a) = quantity(from)?;
            let (b, unit_b) = quantity(to)?;
            if unit_a != unit_b {
                return Err(format!(
                    "`from` ({}) and `to` ({}) must have the same unit",
                    value_label(from),
                    value_label(to)
                ));
            }
            Ok((0..steps)
                .map(|i| {
                    let x = a + (b - a) * i as f64 / (steps - 1) as f64;
                    match (&unit_a, from) {
                        (None, Value::Integer(_)) if x.fract() == 0.0 => Value::Integer(x as i64),
                        (None, _) => Value::Float(x),
                        (Some(u), _) => Value::String(format!("{}{u}", trim_number(x))),
                    }
                })
                .collect())
        }
        _ => Err("an axis is a non-empty list of values or { from, to, steps }".into()),
    }
}

/// Splits a number or a quantity string into its value and unit suffix.
fn quantity(v: &Value) -> std::result::Result<(f64, Option<String>), String> {
    match v {
        Value::Integer(i) => Ok((*i as f64, None)),
        Value::Float(f) => Ok((*f, None)),
        Value::String(s) => {
            let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(s.len());
            let x: f64 = s[..end].parse().map_err(|_| format!("{s:?} does not start with a number"))?;
            Ok((x, Some(s[end..].to_string())))
        }
        other => Err(format!("{other} is not a number or a quantity such as \"5/min\"")),
    }
}

/// Up to 6 decimals, trailing zeros dropped.
fn trim_number(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_units() {
        let v: Value =
            toml::from_str::<Table>("r = { from = \"5/min\", to = \"20/min\", steps = 4 }").unwrap()["r"].clone();
        let labels: Vec<String> = axis_values(&v).unwrap().iter().map(value_label).collect();
        assert_eq!(labels, ["5/min", "10/min", "15/min", "20/min"]);
        let v: Value = toml::from_str::<Table>("r = { from = 10, to = 30, steps = 3 }").unwrap()["r"].clone();
        assert_eq!(axis_values(&v).unwrap(), vec![Value::Integer(10), Value::Integer(20), Value::Integer(30)]);
        let bad: Value =
            toml::from_str::<Table>("r = { from = \"5/min\", to = \"2 erl\", steps = 3 }").unwrap()["r"].clone();
        assert!(axis_values(&bad).unwrap_err().contains("same unit"));
    }

    #[test]
    fn grid_is_first_axis_slowest() {
        let axes = vec![
            Axis { path: "a".into(), values: vec![Value::Integer(1), Value::Integer(2)] },
            Axis { path: "b".into(), values: vec![Value::Integer(3), Value::Integer(4)] },
        ];
        let g: Vec<Vec<i64>> =
            cartesian(&axes).iter().map(|p| p.iter().map(|v| v.as_integer().unwrap()).collect()).collect();
        assert_eq!(g, [[1, 3], [1, 4], [2, 3], [2, 4]]);
    }
}
