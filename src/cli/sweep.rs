//! `simcall sweep` and `simcall merge`: an experiment's grid run into the
//! cell store (all of it, a shard, or what is not stored yet), then its
//! tables, charts and report written from the store as one output set.

use super::commands::reproduce_command;
use crate::config::bounds::Reach;
use crate::config::{load_experiment, parse_sets};
use crate::error::{Error, Result};
use crate::output::{set, text};
use crate::runs::{self, Shard};
use crate::store::{Origin, Store};
use crate::study::Experiment;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// How `sweep` was asked to split and resume.
pub(super) struct SweepOptions {
    /// `--shard I/N` as typed.
    pub(super) shard: Option<String>,
    /// `--shards N`, with Kubernetes' `JOB_COMPLETION_INDEX`.
    pub(super) shards: Option<usize>,
    /// `--resume`: skip cells already in the store.
    pub(super) resume: bool,
    /// How far the soft bounds hold (`--yes`).
    pub(super) reach: Reach,
}

/// The shard this process runs: `--shard I/N` (1-based I), else Slurm's
/// `SLURM_ARRAY_TASK_ID` (less `SLURM_ARRAY_TASK_MIN`) of
/// `SLURM_ARRAY_TASK_COUNT`, else `JOB_COMPLETION_INDEX` (0-based) of
/// `--shards N`, else the whole grid.
///
/// Errors (usage, exit 2) on a malformed or out-of-range shard.
fn resolve_shard(o: &SweepOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard> {
    let bad = |what: String| Error::usage(format!("{what}: a shard is I/N with 1 ≤ I ≤ N, e.g. --shard 2/4"));
    if let Some(s) = &o.shard {
        let (i, n) = s.split_once('/').ok_or_else(|| bad(format!("--shard {s:?}")))?;
        let (i, n): (usize, usize) = (
            i.trim().parse().map_err(|_| bad(format!("--shard {s:?}")))?,
            n.trim().parse().map_err(|_| bad(format!("--shard {s:?}")))?,
        );
        if n == 0 || i == 0 || i > n {
            return Err(bad(format!("--shard {s:?}")));
        }
        return Ok(Shard { index: i - 1, count: n });
    }
    let num = |name: &str| -> Result<Option<usize>> {
        env(name).map(|v| v.trim().parse::<usize>().map_err(|_| bad(format!("{name}={v:?}")))).transpose()
    };
    if let (Some(id), Some(count)) = (num("SLURM_ARRAY_TASK_ID")?, num("SLURM_ARRAY_TASK_COUNT")?) {
        let index = id
            .checked_sub(num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0))
            .ok_or_else(|| bad("SLURM_ARRAY_TASK_ID".into()))?;
        if count == 0 || index >= count {
            return Err(bad(format!("SLURM_ARRAY_TASK_ID {id} of SLURM_ARRAY_TASK_COUNT {count}")));
        }
        return Ok(Shard { index, count });
    }
    if let (Some(index), Some(count)) = (num("JOB_COMPLETION_INDEX")?, o.shards) {
        if count == 0 || index >= count {
            return Err(bad(format!("JOB_COMPLETION_INDEX {index} of --shards {count}")));
        }
        return Ok(Shard { index, count });
    }
    Ok(Shard::ALL)
}

/// `simcall sweep`.
pub(super) fn sweep(path: &Path, out: Option<PathBuf>, sets: &[String], options: &SweepOptions) -> Result<()> {
    let shard = resolve_shard(options, &|k| std::env::var(k).ok())?;
    let exp = load_experiment(path, &parse_sets(sets)?, options.reach)?;
    let dir = out.unwrap_or_else(|| Path::new("output").join(&exp.name));
    if shard == Shard::ALL {
        // Shards share the folder while they run: only a lone run tidies it.
        set::recover(&dir);
    }
    set::check_replaceable(&dir)?;
    let store = Store::open(&dir.join(set::CELLS))?;
    let cwd = std::env::current_dir().map_err(|e| Error::output(Path::new("."), e))?;
    store.set_origin(&Origin { experiment: path.to_path_buf(), cwd, sets: sets.to_vec() })?;
    let todo: Vec<usize> = (0..exp.cells.len())
        .filter(|&i| shard.takes(i) && !(options.resume && store.contains(&exp.cells[i].key)))
        .collect();
    let share = (0..exp.cells.len()).filter(|&i| shard.takes(i)).count();
    let replications: u64 = todo.iter().map(|&i| exp.cells[i].replications as u64).sum();
    let bar = ProgressBar::new(replications).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} replications, {elapsed} elapsed, ETA {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(format!("{}: {} cells", exp.name, todo.len()));
    let ran = runs::run_cells(&exp, &todo, &store, &|| bar.inc(1));
    bar.finish_and_clear();
    ran?;
    if shard != Shard::ALL {
        println!(
            "{}: shard {}/{} ran {} of its {share} cells ({} already stored) → {}; when every shard is done: simcall merge {}",
            exp.name,
            shard.index + 1,
            shard.count,
            todo.len(),
            share - todo.len(),
            store.dir().display(),
            dir.display()
        );
        return Ok(());
    }
    if options.resume {
        println!("{}: {} cells run, {} from the store", exp.name, todo.len(), share - todo.len());
    }
    let command = reproduce_command("sweep", path, sets);
    write_outputs(exp, &store, &dir, command)
}

/// `simcall merge DIR`: the outputs of the sweep whose cells are in
/// `DIR/cells`, written to `DIR` as one set.
pub(super) fn merge(dir: &Path, reach: Reach) -> Result<()> {
    let cells = dir.join(set::CELLS);
    if !cells.is_dir() {
        return Err(Error::usage(format!(
            "{}: no cell store here ({} is missing): merge takes a sweep's output folder",
            dir.display(),
            cells.display()
        )));
    }
    set::recover(dir);
    let store = Store::open(&cells)?;
    let origin = store.origin()?;
    // The experiment as typed where the sweep ran, so the outputs (and the
    // report's reproduce line) are those of an unsharded run from there.
    let here = std::env::current_dir().ok();
    let path = if here.as_deref() == Some(origin.cwd.as_path()) {
        origin.experiment.clone()
    } else {
        origin.cwd.join(&origin.experiment)
    };
    let exp = load_experiment(&path, &parse_sets(&origin.sets)?, reach)?;
    let command = reproduce_command("sweep", &path, &origin.sets);
    write_outputs(exp, &store, dir, command)
}

/// Writes the grid's outputs from the store to `dir` as one set; prints the
/// recommendation (also when the set could not be written: the failure is
/// reported after the printout).
fn write_outputs(exp: Experiment, store: &Store, dir: &Path, command: String) -> Result<()> {
    let rep = crate::report::sweep(exp, store, command)?;
    let written = crate::output::sweep::files(&rep)
        .and_then(|files| set::write(dir, |tmp| crate::output::write_files(tmp, &files)));
    let exp = &rep.experiment;
    println!("{} ({} sweep points × {} tiers) → {}", exp.name, exp.points.len(), exp.tiers.len(), dir.display());
    print!("{}", text::recommendation_text(exp, &rep.result, &rep.warnings));
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(shard: Option<&str>, shards: Option<usize>) -> SweepOptions {
        SweepOptions { shard: shard.map(String::from), shards, resume: false, reach: Reach::Soft }
    }

    #[test]
    fn shards_come_from_the_flag_then_slurm_then_kubernetes() {
        let none = |_: &str| None;
        assert_eq!(resolve_shard(&opts(Some("2/4"), None), &none).unwrap(), Shard { index: 1, count: 4 });
        assert_eq!(resolve_shard(&opts(None, None), &none).unwrap(), Shard::ALL);
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("3".into()),
            "SLURM_ARRAY_TASK_COUNT" => Some("4".into()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".into()),
            _ => None,
        };
        assert_eq!(resolve_shard(&opts(None, None), &slurm).unwrap(), Shard { index: 2, count: 4 });
        assert_eq!(resolve_shard(&opts(Some("1/2"), None), &slurm).unwrap(), Shard { index: 0, count: 2 });
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(resolve_shard(&opts(None, Some(3)), &k8s).unwrap(), Shard { index: 0, count: 3 });
        assert_eq!(
            resolve_shard(&opts(None, None), &k8s).unwrap(),
            Shard::ALL,
            "no --shards: the index alone is not a shard"
        );
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(resolve_shard(&opts(Some(bad), None), &none).is_err(), "{bad}");
        }
    }
}
