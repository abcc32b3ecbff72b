//! The command line: `simcall run MODEL` and `simcall sweep EXPERIMENT`.
//! Bad input ends with a message naming the file and key, and exit code 2.

use crate::error::{Error, Result};
use crate::experiment::{parse_sets, Experiment};
use crate::model::{read_call_log, CallRecord, ModelDoc};
use crate::output::{campaigns, charts, report, series, tables, write_atomic};
use crate::simulation::{replicate, simulate_logged};
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
        /// Also write the time series (per 5-minute bucket unless the model's
        /// `[run] timeseries` says otherwise) to FILE.csv, .parquet, .png and .svg.
        #[arg(long, value_name = "FILE")]
        timeseries: Option<PathBuf>,
        /// Write each campaign's leads reached and dials per hour (mean over
        /// replications) to FILE.csv, with a chart in FILE.png and FILE.svg.
        #[arg(long, value_name = "FILE")]
        hourly: Option<PathBuf>,
        /// Write every dial of replication 0's campaigns (time in UTC and in the
        /// lead's local time, attempt, outcome) to FILE (CSV): the calling-hours audit.
        #[arg(long, value_name = "FILE")]
        dials: Option<PathBuf>,
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
    /// Fit a call log: arrival profile, holding-time distribution, concurrency, model snippet.
    Fit {
        /// The log: CSV with `start`, `duration` and optionally `source`.
        calls: PathBuf,
        /// Only this source's rows (default: all).
        #[arg(long)]
        source: Option<String>,
        /// Output folder (default: output/fit-<file name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a call log drawn from a model's sources alone (no limits).
    Generate {
        /// The model file.
        model: PathBuf,
        /// Days of calls from Monday 00:00.
        #[arg(long, default_value_t = 7.0)]
        days: f64,
        /// The CSV to write (`start`, `duration`, `source`).
        #[arg(long)]
        out: PathBuf,
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
        Command::Run { model, json, timeseries, hourly, dials, sets } => {
            run(&model, json, RunFiles { timeseries, hourly, dials }, &sets)
        }
        Command::Sweep { experiment, out, sets } => sweep(&experiment, out, &sets),
        Command::Fit { calls, source, out } => fit(&calls, source.as_deref(), out),
        Command::Generate { model, days, out } => generate(&model, days, &out),
    })
}

/// The files `simcall run` may write besides its report.
struct RunFiles {
    timeseries: Option<PathBuf>,
    hourly: Option<PathBuf>,
    dials: Option<PathBuf>,
}

fn run(path: &Path, json: bool, files: RunFiles, sets: &[String]) -> Result<()> {
    let timeseries = files.timeseries.as_deref();
    let mut doc = ModelDoc::load(path)?;
    for (k, v) in parse_sets(sets)? {
        doc.set(&k, v)?;
    }
    let mut model = doc.build()?;
    if timeseries.is_some() && model.run.timeseries_bucket_s.is_none() {
        model.run.timeseries_bucket_s = Some(DEFAULT_BUCKET_S);
    }
    let summary = Summary::new(&model, &replicate(&model, 0));
    if let Some(file) = timeseries {
        create_parent(file)?;
        let title =
            format!("{}: use of each limit per bucket (mean of {} replications)", model.name, model.run.replications);
        series::write(&file.with_extension(""), &title, &summary.limits, &summary.series)?;
    }
    if let Some(file) = &files.hourly {
        create_parent(file)?;
        let stem = file.with_extension("");
        campaigns::write_hourly(&stem.with_extension("csv"), &summary.campaigns)?;
        let title = format!(
            "{}: leads reached and dials per hour (mean of {} replications)",
            model.name, model.run.replications
        );
        charts::write_hourly(&stem, &title, &summary.campaigns)?;
    }
    if let Some(file) = &files.dials {
        create_parent(file)?;
        // Replication 0 again, logged: the same streams give the same dials.
        campaigns::write_dials(file, &model, &simulate_logged(&model, 0, 0).dial_log)?;
    }
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
    let frames = frames
        .into_iter()
        .chain(tables::copies(&exp, &res).map(|df| ("copies", df)))
        .chain(tables::campaigns(&exp, &res).map(|df| ("campaigns", df)));
    for (name, mut df) in frames {
        tables::write_csv(&mut df, &dir.join(format!("{name}.csv")))?;
        if name != "recommendation" {
            tables::write_parquet(&mut df, &dir.join(format!("{name}.parquet")))?;
        }
    }
    charts::write_all(&exp, &res, &dir)?;
    worst_point_series(&exp, &res, &dir)?;
    let text = report::recommendation_text(&exp, &res);
    write_atomic(&dir.join("recommendation.txt"), |tmp| std::fs::write(tmp, &text).map_err(|e| e.to_string()))?;
    println!("{} ({} sweep points × {} tiers) → {}", exp.name, exp.points.len(), exp.tiers.len(), dir.display());
    print!("{text}");
    Ok(())
}

/// The time series bucket when the model names none: 5 minutes.
const DEFAULT_BUCKET_S: f64 = 300.0;

/// For each tier, the time series of its worst sweep point (the highest
/// `loss_probability`; ties: the higher offered load), written as
/// `timeseries_<tier>.*`. The cell runs again with the series switched on:
/// same streams, so the same replications.
fn worst_point_series(exp: &Experiment, res: &sweep::SweepResult, dir: &Path) -> Result<()> {
    for (t, tier) in exp.tiers.iter().enumerate() {
        let worst = res
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.tier == t)
            .max_by(|(_, a), (_, b)| {
                let loss = |c: &sweep::CellResult| c.summary.total.loss_probability.mean;
                loss(a).total_cmp(&loss(b)).then(a.offered_load_erl.total_cmp(&b.offered_load_erl))
            })
            .map(|(i, _)| i);
        let Some(i) = worst else { continue };
        let cell = &exp.cells[i];
        let mut model = cell.model.clone();
        model.run.timeseries_bucket_s = model.run.timeseries_bucket_s.or(Some(DEFAULT_BUCKET_S));
        let summary = Summary::new(&model, &replicate(&model, cell.point as u64));
        let name: String =
            tier.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        // Campaigns alone have no offered load: name the point by its axis values.
        let at = if model.campaigns_only() {
            let values: Vec<String> = exp.points[cell.point].iter().map(crate::experiment::value_label).collect();
            values.join(", ")
        } else {
            format!("{:.0} Erl", res.cells[i].offered_load_erl)
        };
        let title = format!("{}: tier {} at its worst point ({at})", exp.name, tier.name);
        series::write(&dir.join(format!("timeseries_{name}")), &title, &summary.limits, &summary.series)?;
    }
    Ok(())
}

fn fit(path: &Path, source: Option<&str>, out: Option<PathBuf>) -> Result<()> {
    let calls: Vec<CallRecord> = read_call_log(path)
        .map_err(Error::Input)?
        .into_iter()
        .filter(|c| source.is_none_or(|s| c.source.as_deref() == Some(s)))
        .collect();
    if calls.len() < 2 {
        return Err(Error::Input(format!(
            "{}: fewer than 2 calls{} to fit",
            path.display(),
            source.map_or(String::new(), |s| format!(" for source {s:?}"))
        )));
    }
    let durations: Vec<f64> = calls.iter().map(|c| c.duration_s).filter(|d| *d > 0.0).collect();
    let fits = crate::fit::fit_holding(&durations);
    let Some(best) = fits.first() else {
        return Err(Error::Input(format!("{}: the durations do not vary (nothing to fit)", path.display())));
    };
    let rates = crate::fit::hourly_rates(&calls);
    let conc = crate::fit::concurrency(&calls);
    let name = source.unwrap_or("fitted");
    let snippet = crate::fit::model_snippet(name, &rates, best);
    let span_days = (calls[calls.len() - 1].start_s - calls[0].start_s) / 86_400.0;
    let dir = out.unwrap_or_else(|| {
        Path::new("output").join(format!("fit-{}", path.file_stem().map_or("calls".into(), |s| s.to_string_lossy())))
    });
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    crate::output::fit::write(&dir, &rates, &fits, &durations, &snippet)?;
    print!("{}", crate::output::fit::text(calls.len(), span_days, &rates, &fits, &conc, &snippet));
    println!("→ {}", dir.display());
    Ok(())
}

fn generate(path: &Path, days: f64, out: &Path) -> Result<()> {
    if !(days.is_finite() && days > 0.0 && days <= 3650.0) {
        return Err(Error::Input(format!("--days {days}: use a number of days between 0 and 3650")));
    }
    let model = ModelDoc::load(path)?.build()?;
    let calls = crate::arrivals::generate_log(&model, days).map_err(|e| Error::input(path, "", e))?;
    create_parent(out)?;
    write_atomic(out, |tmp| {
        let mut w = csv::Writer::from_path(tmp).map_err(|e| e.to_string())?;
        w.write_record(["start", "duration", "source"]).map_err(|e| e.to_string())?;
        for c in &calls {
            let row =
                [format!("{:.3}", c.start_s), format!("{:.3}", c.duration_s), c.source.clone().unwrap_or_default()];
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())
    })?;
    println!("{} calls over {days} days → {}", calls.len(), out.display());
    Ok(())
}

/// Creates the folder `path` will be written into, if it has one.
fn create_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e)),
        None => Ok(()),
    }
}
