//! The command line: `simcall run MODEL` and `simcall sweep EXPERIMENT`.
//! Bad input ends with a message naming the file and key, and exit code 2.

use crate::error::{Error, Result};
use crate::experiment::{parse_sets, Experiment};
use crate::model::ModelDoc;
use crate::output::{charts, report, tables, write_atomic};
use crate::simulation::replicate;
use crate::statistics::Summary;
use crate::sweep;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "simcall",
    version,
    about = "Discrete-event simulation of call traffic through a chain of capacity limits"
)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one model and print its metrics with 95% confidence intervals.
    Run {
        /// The model file (models/*.toml).
        model: PathBuf,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Override a model key, e.g. --set limits.trunk.capacity=60 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Run an experiment's grid of sweep points × tiers; write tables and charts.
    Sweep {
        /// The experiment file (experiments/*.toml).
        experiment: PathBuf,
        /// Output folder (default: output/<experiment name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a model key for every cell, e.g. --set run.replications=5 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn execute(cli: Cli) -> Result<()> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cli.threads {
        if n == 0 {
            return Err(Error::Input("--threads must be at least 1".into()));
        }
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(|e| Error::Input(format!("cannot start worker threads: {e}")))?;
    pool.install(|| match cli.command {
        Command::Run { model, json, sets } => run(&model, json, &sets),
        Command::Sweep { experiment, out, sets } => sweep(&experiment, out, &sets),
    })
}

fn run(path: &Path, json: bool, sets: &[String]) -> Result<()> {
    let mut doc = ModelDoc::load(path)?;
    for (k, v) in parse_sets(sets)? {
        doc.set(&k, v)?;
    }
    let model = doc.build()?;
    let summary = Summary::new(&model, &replicate(&model, 0));
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::run_json(&model, &summary)).expect("JSON values serialize")
        );
    } else {
        print!("{}", report::run_text(&model, &summary));
    }
    Ok(())
}

fn sweep(path: &Path, out: Option<PathBuf>, sets: &[String]) -> Result<()> {
    let exp = Experiment::load(path, &parse_sets(sets)?)?;
    let dir = out.unwrap_or_else(|| Path::new("output").join(&exp.name));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let bar = ProgressBar::new(sweep::total_replications(&exp)).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} replications, {elapsed} elapsed, ETA {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(format!("{}: {} cells", exp.name, exp.cells.len()));
    let res = sweep::run(&exp, &|| bar.inc(1));
    bar.finish_and_clear();

    let frames = [
        ("summary", tables::summary(&exp, &res)),
        ("limits", tables::limits(&exp, &res)),
        ("recommendation", tables::recommendation(&exp, &res)),
    ];
    let frames = frames.into_iter().chain(tables::copies(&exp, &res).map(|df| ("copies", df)));
    for (name, mut df) in frames {
        tables::write_csv(&mut df, &dir.join(format!("{name}.csv")))?;
        if name != "recommendation" {
            tables::write_parquet(&mut df, &dir.join(format!("{name}.parquet")))?;
        }
    }
    charts::write_all(&exp, &res, &dir)?;
    let text = report::recommendation_text(&exp, &res);
    write_atomic(&dir.join("recommendation.txt"), |tmp| std::fs::write(tmp, &text).map_err(|e| e.to_string()))?;
    println!("{} ({} sweep points × {} tiers) → {}", exp.name, exp.points.len(), exp.tiers.len(), dir.display());
    print!("{text}");
    Ok(())
}
