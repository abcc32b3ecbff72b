//! `simcall sensitivity FILE`: which input moves the answer, for a model
//! (its certified capacity and headroom) or a plan (its first month's
//! choice and cost); written to `output/sensitivity-<name>/`.

use crate::config::bounds::Reach;
use crate::config::vary::{base_value, default_inputs, parse_vary, Vary};
use crate::config::ModelDoc;
use crate::error::{Error, Result};
use crate::sensitivity::{measure, model_answer, plan_answer};
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};

/// What `simcall sensitivity` was asked.
pub(super) struct SensitivityOptions<'a> {
    /// `--vary KEY=±20%` arguments (none: every traffic input of the model).
    pub varies: &'a [String],
    /// `--set` arguments, applied before any input is varied.
    pub sets: &'a [String],
    /// Relative width of a model's certified capacity (a plan keeps its own).
    pub tolerance: f64,
    /// Output folder (default `output/sensitivity-<name>/`).
    pub out: Option<PathBuf>,
    /// How far the soft bounds hold.
    pub reach: Reach,
}

/// Runs `simcall sensitivity` on the model or plan file at `path`.
///
/// Errors (exit 2) for a file that does not load, a `--vary` or `--set`
/// that is not a key of the model, or a base answer that cannot be found.
pub(super) fn sensitivity(path: &Path, o: &SensitivityOptions) -> Result<()> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::input(path, "", format!("cannot read the file: {e}")))?;
    let is_plan = text.parse::<toml::Table>().is_ok_and(|t| t.contains_key("choices"));
    let sets = crate::config::experiment::parse_sets(o.sets)?;
    // The model whose inputs vary: the file, or the plan's model.
    let plan = if is_plan { Some(crate::config::load_plan(path, &sets, o.reach)?) } else { None };
    let (name, mut doc) = if let Some(plan) = &plan {
        (plan.name.clone(), ModelDoc::load(&plan.model_path)?.reaching(o.reach))
    } else {
        let doc = ModelDoc::load(path)?.reaching(o.reach);
        let name = doc.table.get("name").and_then(toml::Value::as_str).unwrap_or("model").to_string();
        (name, doc)
    };
    for (k, v) in &sets {
        doc.set(k, v.clone())?;
    }
    let inputs: Vec<Vary> = if o.varies.is_empty() {
        default_inputs(&doc.table)
    } else {
        o.varies.iter().map(|a| parse_vary(a).map_err(Error::usage)).collect::<Result<_>>()?
    };
    for v in &inputs {
        if base_value(&doc.table, &v.key).is_none() {
            return Err(Error::usage(format!(
                "--vary {}: the model ({}) has no such key; give a key it sets, such as {}",
                v.key,
                doc.path.display(),
                default_inputs(&doc.table).first().map_or("limits.NAME.capacity".to_string(), |d| d.key.clone())
            )));
        }
    }
    if inputs.is_empty() {
        return Err(Error::usage(format!(
            "{}: no traffic input to vary; name one with --vary KEY=±20%",
            path.display()
        )));
    }
    let dir = o.out.clone().unwrap_or_else(|| Path::new("output").join(format!("sensitivity-{name}")));
    crate::output::set::recover(&dir);
    crate::output::set::check_replaceable(&dir)?;
    let bar = ProgressBar::new_spinner().with_message(format!("{name}: {} inputs, each low and high", inputs.len()));
    // The model as the page shows it: a plan's with its options as written.
    let (model, unit) = match &plan {
        Some(plan) => (plan.model_of(&[])?, plan.load_unit.clone()),
        None => {
            let model = doc.build()?;
            let unit = model.judged_load().1.to_string();
            (model, unit)
        }
    };
    let values = |k: &str| base_value(&doc.table, k);
    let result = if is_plan {
        let answer = |more: &[(String, toml::Value)]| {
            let all: Vec<_> = sets.iter().chain(more).cloned().collect();
            plan_answer(path, &all, o.reach)
        };
        measure(&inputs, &values, &answer, &unit)
    } else {
        let answer = |more: &[(String, toml::Value)]| model_answer(&doc, more, o.tolerance);
        measure(&inputs, &values, &answer, &unit)
    }?;
    bar.finish_and_clear();
    let printed = crate::output::sensitivity::text(&name, &result);
    let mut command = format!("simcall sensitivity {}", path.display());
    for v in o.varies {
        command += &format!(" --vary {v}");
    }
    for s in o.sets {
        command += &format!(" --set {s}");
    }
    let (tolerance, inputs) = match &plan {
        Some(plan) => (plan.tolerance, plan.inputs.clone()),
        None => {
            command += &format!(" --tolerance {}", crate::units::percent(o.tolerance));
            (o.tolerance, vec![doc.file()])
        }
    };
    let provenance = crate::report::Provenance::new(command, inputs);
    let page = crate::output::sensitivity::PageInputs {
        model: &model,
        header: doc.header(),
        provenance: &provenance,
        tolerance,
    };
    let written = crate::output::sensitivity::files(&name, &result, &page)
        .and_then(|files| crate::output::set::write(&dir, |tmp| crate::output::write_files(tmp, &files)));
    println!("{name} → {}", dir.display());
    print!("{printed}");
    written
}
