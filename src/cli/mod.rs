//! The command line: arguments (clap) and dispatch to `commands`. Bad
//! input ends with every problem found (file, line, key, what is allowed)
//! and exit code 2.

mod backtest;
mod commands;
mod fit;
mod generate;
mod sensitivity;
mod sweep;

use crate::config::bounds::Reach;
use crate::config::CallColumns;
use crate::error::{Error, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    /// Run beyond the soft limits on work and memory (arrivals per
    /// replication, replications, copies, cells, time-series values, 4 GiB
    /// estimated): figures that are usually typos. Hard limits and the
    /// machine's available memory still apply.
    #[arg(long, global = true)]
    yes: bool,
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
        /// Write the capacity review of this run to FILE (one self-contained
        /// HTML file: assumptions, verdict, ceiling, use of every limit over time).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Exit 0 when the SLA is met, 1 when it is not, 3 when undecided
        /// (2 stays bad input): a capacity gate for CI.
        #[arg(long)]
        check: bool,
    },
    /// Run an experiment's grid of sweep points × tiers; write tables and charts.
    ///
    /// Each cell is saved in OUT/cells/ the moment it is decided; the
    /// tables, charts and report replace OUT's previous ones as one set.
    Sweep {
        /// The experiment file (experiments/*.toml).
        experiment: PathBuf,
        /// Output folder (default: output/<experiment name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a model key for every cell, e.g. --set run.replications=5 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Skip the cells already in OUT/cells/ (after a crash, a kill, or
        /// an axis value added): only the rest run.
        #[arg(long)]
        resume: bool,
        /// Run only shard I of N (1-based) and write its cells, no outputs;
        /// `simcall merge OUT` writes them once every shard is done. Default:
        /// from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT when set.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// With Kubernetes' JOB_COMPLETION_INDEX (0-based): the number of shards.
        #[arg(long, value_name = "N")]
        shards: Option<usize>,
    },
    /// Write a sweep's tables, charts and report from its cell store (after
    /// its shards ran): byte-identical to an unsharded sweep.
    Merge {
        /// The sweep's output folder (holding cells/).
        dir: PathBuf,
    },
    /// Plan provider upgrades: per month of a forecast, the cheapest
    /// combination of plans whose certified capacity carries the load.
    Plan {
        /// The plan file (experiments/plan.toml).
        plan: PathBuf,
        /// Output folder (default: output/<plan name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a model key for every combination (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Reuse the certifications in the output folder's store
        /// (`cells/`): combinations certified by an earlier or interrupted
        /// run are read, not simulated again.
        #[arg(long)]
        resume: bool,
    },
    /// Fit a call log or interval counts: arrival profile, day-to-day
    /// variation, day-of-week factors, holding-time distribution,
    /// concurrency, model snippet.
    Fit {
        /// The log: CSV with `start`, `duration` and optionally `source`
        /// (call records), or `start`, `count` (interval counts).
        calls: PathBuf,
        /// Only this source's rows (default: all).
        #[arg(long)]
        source: Option<String>,
        /// The start column (default `start`): seconds, "mon 09:30", or ISO 8601 timestamps.
        #[arg(long, default_value = "start")]
        start_column: String,
        /// The duration column (default `duration`): seconds or durations with units.
        #[arg(long, default_value = "duration")]
        duration_column: String,
        /// The source column (default `source`; optional in the file).
        #[arg(long, default_value = "source")]
        source_column: String,
        /// The count column of interval counts (default `count`): a file
        /// with it and no duration column is read as interval counts.
        #[arg(long, default_value = "count")]
        count_column: String,
        /// The outcome column (`answered`, `abandoned` or `blocked`; default
        /// `outcome`): with it, holding times come from answered calls only.
        #[arg(long, default_value = "outcome")]
        outcome_column: String,
        /// The wait column (default `wait`): with outcomes, patience is
        /// fitted from the waits, abandoned and answered (censored).
        #[arg(long, default_value = "wait")]
        wait_column: String,
        /// The talk-time column of answered calls (default `talk`): the holding time.
        #[arg(long, default_value = "talk")]
        talk_column: String,
        /// The caller column (default `caller`): with outcomes and waits,
        /// redials are read from callers who call again within a day.
        #[arg(long, default_value = "caller")]
        caller_column: String,
        /// The interval call starts are counted in (default 5min), or the
        /// width of interval counts (default: inferred from their starts).
        #[arg(long, value_parser = crate::units::parse_duration_s)]
        resolution: Option<f64>,
        /// Output folder (default: output/fit-<file name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Backtest a model against a call log: per interval and per day, the
    /// model's prediction bands against what the log observed (traffic from
    /// the model alone; outcomes from the log's arrivals replayed through
    /// its limits), and how well calibrated the bands are.
    Backtest {
        /// The model file (one inbound source).
        model: PathBuf,
        /// The call log: `start`, `duration`, and for outcomes `outcome`,
        /// `wait`, `talk`, `caller` (as `simcall generate --outcomes` writes).
        log: PathBuf,
        /// The interval compared (default 1h).
        #[arg(long, default_value = "1h", value_parser = crate::units::parse_duration_s)]
        interval: f64,
        /// Replications per prediction (20 to 1000).
        #[arg(long, default_value_t = 100)]
        replications: u32,
        /// Only the log's rows of this source.
        #[arg(long)]
        source: Option<String>,
        /// Override a model key, e.g. --set limits.agents.capacity=50 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Output folder (default: output/backtest-<model name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check model and experiment files without running them: build every
    /// cell and print every error and warning (exit 2 on any error, else 0).
    Validate {
        /// Model (models/*.toml), experiment or plan (experiments/*.toml) files.
        #[arg(required_unless_present = "self_test")]
        files: Vec<PathBuf>,
        /// Also check this build against queueing theory (about half a
        /// minute): each estimate with its exact value and T statistic; the
        /// result is saved in output/self-test.json for reports.
        #[arg(long)]
        self_test: bool,
    },
    /// Print the JSON Schema of a model, experiment or plan file, for editors
    /// that complete and check keys (taplo, Even Better TOML).
    Schema {
        /// Which file: model, experiment or plan.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(
            <crate::config::schema::FileKind as strum::VariantNames>::VARIANTS
        ))]
        kind: String,
    },
    /// Which input moves the answer: each traffic input of a model (or a
    /// plan's model) at its low and high value, and what that does to the
    /// certified capacity and headroom (a plan: its first month's choice
    /// and cost), ranked, with a tornado chart.
    Sensitivity {
        /// A model (models/*.toml) or a plan (experiments/*.toml with `choices`).
        file: PathBuf,
        /// An input and how far it moves each way, e.g.
        /// sources.inbound.holding.mean=±20% (repeatable; default: every
        /// traffic input the model sets, ±20%).
        #[arg(long = "vary", value_name = "KEY=±P%")]
        varies: Vec<String>,
        /// Override a model key first, e.g. --set run.replications=20 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Relative width of a model's certified capacity (a plan keeps its
        /// `capacity_tolerance`).
        #[arg(long, default_value = "2%", value_parser = crate::units::parse_tolerance)]
        tolerance: f64,
        /// Output folder (default: output/sensitivity-<name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a call log drawn from a model's sources alone (no limits), or
    /// with `--outcomes` simulated through its limits.
    Generate {
        /// The model file.
        model: PathBuf,
        /// Days of calls from Monday 00:00.
        #[arg(long, default_value_t = 7.0)]
        days: f64,
        /// The CSV to write (`start`, `duration`, `source`; or `start`,
        /// `count` with --counts).
        #[arg(long)]
        out: PathBuf,
        /// Write the calls offered in each interval of this width (such as
        /// 15min) instead of one row per call, as call centres export them.
        #[arg(long, value_parser = crate::units::parse_duration_s)]
        counts: Option<f64>,
        /// Days to leave out of the log (0 = the first Monday), comma-separated:
        /// a log with gaps, as real exports have.
        #[arg(long, value_delimiter = ',')]
        drop_days: Vec<u32>,
        /// Simulate the calls through the model's limits and write every
        /// attempt with what became of it: `caller`, `outcome` (answered,
        /// abandoned, blocked), `wait` and `talk` (as `simcall fit` reads them).
        #[arg(long)]
        outcomes: bool,
    },
}

/// Whether `args` (the words after `simcall`) form a command simcall
/// accepts, without running it: the documentation's test checks every
/// command the guide shows with it.
///
/// Errors with clap's message saying what is wrong.
pub fn parses(args: &[&str]) -> std::result::Result<(), String> {
    Cli::try_parse_from(std::iter::once("simcall").chain(args.iter().copied())).map(|_| ()).map_err(|e| e.to_string())
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    // An interrupt removes what is half-written, then exits as interrupted.
    let _ = ctrlc::set_handler(crate::cleanup::interrupt);
    let cli = Cli::parse();
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", crate::output::diagnostics::render(&e));
            e.exit_code()
        }
    }
}

/// Runs the command; `Ok` carries the exit code (0, or `run --check`'s verdict).
fn execute(cli: Cli) -> Result<i32> {
    // `--yes` lets every reader of a file go past the soft bounds.
    let reach = if cli.yes { Reach::Hard } else { Reach::Soft };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cli.threads {
        if n == 0 || n > crate::config::bounds::MAX_THREADS {
            return Err(Error::usage(format!(
                "--threads {n}: use 1 to {} (more threads than cores only add overhead)",
                crate::config::bounds::MAX_THREADS
            )));
        }
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(|e| Error::usage(format!("cannot start worker threads: {e}")))?;
    pool.install(|| match cli.command {
        Command::Run { model, json, timeseries, hourly, dials, report, sets, check } => {
            commands::run(&model, json, commands::RunFiles { timeseries, hourly, dials, report }, &sets, reach)
                .map(|v| if check { commands::check_code(&v) } else { 0 })
        }
        Command::Sweep { experiment, out, sets, resume, shard, shards } => {
            sweep::sweep(&experiment, out, &sets, &sweep::SweepOptions { shard, shards, resume, reach }).map(|()| 0)
        }
        Command::Merge { dir } => sweep::merge(&dir, reach).map(|()| 0),
        Command::Plan { plan, out, sets, resume } => commands::plan(&plan, out, &sets, resume, reach).map(|()| 0),
        Command::Fit {
            calls,
            source,
            out,
            start_column,
            duration_column,
            source_column,
            count_column,
            outcome_column,
            wait_column,
            talk_column,
            caller_column,
            resolution,
        } => {
            let columns = CallColumns { start: start_column, duration: duration_column, source: source_column };
            let outcomes = crate::config::OutcomeColumns {
                outcome: outcome_column,
                wait: wait_column,
                talk: talk_column,
                caller: caller_column,
            };
            let options = fit::FitOptions {
                columns,
                outcomes,
                count_column: &count_column,
                source: source.as_deref(),
                resolution_s: resolution,
                out,
            };
            fit::fit(&calls, &options).map(|()| 0)
        }
        Command::Schema { kind } => {
            let kind: crate::config::schema::FileKind =
                kind.parse().map_err(|_| Error::usage(format!("{kind}: model, experiment or plan")))?;
            let schema = crate::config::schema::schema(kind);
            println!("{}", serde_json::to_string_pretty(&schema).expect("a schema serializes"));
            Ok(0)
        }
        Command::Generate { model, days, out, counts, drop_days, outcomes } => {
            let options = generate::GenerateOptions { days, counts_s: counts, drop_days: &drop_days, outcomes };
            generate::generate(&model, &options, &out, reach).map(|()| 0)
        }
        Command::Sensitivity { file, varies, sets, tolerance, out } => {
            let options = sensitivity::SensitivityOptions { varies: &varies, sets: &sets, tolerance, out, reach };
            sensitivity::sensitivity(&file, &options).map(|()| 0)
        }
        Command::Backtest { model, log, interval, replications, source, sets, out } => {
            let options = backtest::BacktestOptions {
                interval_s: interval,
                replications,
                source: source.as_deref(),
                sets: &sets,
                out,
                reach,
            };
            backtest::backtest(&model, &log, &options).map(|()| 0)
        }
        Command::Validate { files, self_test } => {
            let checked = if files.is_empty() { Ok(()) } else { commands::validate(&files, reach) };
            let tested = if self_test { commands::self_test() } else { Ok(0) };
            checked.and(tested)
        }
    })
}
