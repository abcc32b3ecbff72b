//! What each command does: read its input through [`crate::config`], run
//! it through the library, hand the results to [`crate::output`].

use crate::config::bounds::Reach;
use crate::config::{parse_sets, ModelDoc};
use crate::error::{Diagnostic, Error, Result, Severity};
use crate::output::{campaigns, charts, series, text, write_atomic, write_files, OutputFile};
use crate::report::RunKeeps;
use crate::statistics::{SlaVerdict, Verdict};
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};

/// The files `simcall run` may write besides its report.
pub(super) struct RunFiles {
    pub(super) timeseries: Option<PathBuf>,
    pub(super) hourly: Option<PathBuf>,
    pub(super) dials: Option<PathBuf>,
    pub(super) report: Option<PathBuf>,
}

/// What `simcall run --check` exits with: 0 when the SLA is met, 1 when
/// not, 3 when undecided (2 stays bad input).
pub(super) fn check_code(v: &SlaVerdict) -> i32 {
    match v.verdict {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Undecided => 3,
    }
}

/// `simcall run`: returns the SLA verdict (for `--check`).
pub(super) fn run(path: &Path, json: bool, files: RunFiles, sets: &[String], reach: Reach) -> Result<SlaVerdict> {
    let timeseries = files.timeseries.as_deref();
    // Where the files go is checked before anything runs.
    for (flag, file) in [
        ("--timeseries", &files.timeseries),
        ("--hourly", &files.hourly),
        ("--dials", &files.dials),
        ("--report", &files.report),
    ] {
        if let Some(file) = file {
            output_file(flag, file)?;
        }
    }
    let mut doc = ModelDoc::load(path)?.reaching(reach);
    for (k, v) in parse_sets(sets)? {
        doc.set(&k, v)?;
    }
    let (model, read) = doc.build_reading()?;
    let inputs = std::iter::once(doc.file()).chain(read).collect();
    let keeps = RunKeeps { series: timeseries.is_some() || files.report.is_some(), dials: files.dials.is_some() };
    let command = reproduce_command("run", path, sets);
    let rep = crate::report::run(&model, path, inputs, doc.header(), keeps, command);
    let (model, summary, verdict) = (&rep.model, &rep.summary, &rep.verdict);
    // The results first: a side file that cannot be written loses nothing.
    let baseline = rep.failing.as_ref().and_then(|f| f.baseline.as_ref());
    if json {
        let mut out = text::run_json(model, summary, verdict);
        if let Some(b) = baseline {
            out["without_incidents"] = serde_json::to_value(b).expect("a verdict serializes");
        }
        println!("{}", serde_json::to_string_pretty(&out).expect("JSON values serialize"));
    } else {
        print!("{}", text::run_text(model, summary, verdict));
        if let Some(b) = baseline {
            println!("without its incidents (the same replications' streams): {}", b.summary());
        }
    }
    let reps = model.run.replications;
    // Side files go where the user named them (no output set): the folder
    // part of each path is created, then each file is written atomically.
    let here = Path::new("");
    if let Some(file) = timeseries {
        create_parent(file)?;
        let title = format!("{}: use of each limit per bucket (mean of {reps} replications)", model.name);
        let incidents = rep.failing.as_ref().map_or(&[][..], |f| &f.windows[..]);
        let marks = series::Marks { busy_hour: model.time_variation().is_some(), incidents };
        write_files(here, &series::files(&stem_of(file), &title, &summary.limits, &summary.series, marks)?.0)?;
    }
    if let Some(file) = &files.hourly {
        create_parent(file)?;
        let stem = stem_of(file);
        let csv_path = crate::output::beside(&stem, "csv");
        let csv = campaigns::hourly_csv(&csv_path.to_string_lossy(), &summary.campaigns)?;
        let title = format!("{}: leads reached and dials per hour (mean of {reps} replications)", model.name);
        let drawn = charts::hourly(&title, &summary.campaigns)?;
        let mut out = vec![OutputFile::new(csv_path, csv)];
        out.extend(drawn.files(&stem));
        write_files(here, &out)?;
    }
    if let (Some(file), Some(log)) = (&files.dials, &rep.dial_log) {
        create_parent(file)?;
        let csv = campaigns::dials_csv(&file.to_string_lossy(), model, log)?;
        write_files(here, &[OutputFile::new(file, csv)])?;
    }
    if let Some(file) = &files.report {
        create_parent(file)?;
        write_files(here, &[OutputFile::new(file, crate::output::html::run_page(&rep)?)])?;
    }
    Ok(rep.verdict)
}

/// The command that gives the same results, for a report's "reproduce"
/// section. Thread count and output folder are left out: they change no
/// figure, and the report stays byte-identical whatever they are.
pub(super) fn reproduce_command(verb: &str, path: &Path, sets: &[String]) -> String {
    let quote =
        |a: &str| if a.contains([' ', '\'', '"']) { format!("'{}'", a.replace('\'', "'\\''")) } else { a.to_string() };
    let mut words = vec!["simcall".to_string(), verb.to_string(), quote(&path.to_string_lossy())];
    for s in sets {
        words.extend(["--set".to_string(), quote(s)]);
    }
    words.join(" ")
}

/// `simcall plan`: searches the plan, writes its tables and charts, prints
/// the months, the calendar and the ladder.
pub(super) fn plan(path: &Path, out: Option<PathBuf>, sets: &[String], resume: bool, reach: Reach) -> Result<()> {
    let plan = crate::config::load_plan(path, &parse_sets(sets)?, reach)?;
    let dir = out.unwrap_or_else(|| Path::new("output").join(&plan.name));
    crate::output::set::recover(&dir);
    crate::output::set::check_replaceable(&dir)?;
    // Each certification is saved the moment it is made; `--resume` reads
    // them back instead of simulating again (as `sweep --resume` does cells).
    let store = crate::store::Store::open(&dir.join(crate::output::set::CELLS))?;
    let bar = ProgressBar::new_spinner().with_message(format!("{}: certifying combinations", plan.name));
    let saved = crate::plan::Saved::new(&store, resume);
    let result = crate::plan::search(&plan, Some(&saved), &|n| {
        bar.set_message(format!("{}: {n} combinations tried", plan.name))
    })?;
    bar.finish_and_clear();
    let command = reproduce_command("plan", path, sets);
    let rep = crate::report::plan(plan, result, command)?;
    let (plan, result) = (&rep.plan, &rep.result);
    let printed = crate::output::plan::text(plan, result);
    let written = crate::output::plan_set::files(&rep)
        .and_then(|files| crate::output::set::write(&dir, |tmp| write_files(tmp, &files)));
    println!("{} → {}", plan.name, dir.display());
    if resume {
        let loads: u32 = result.combos.iter().map(|c| c.certified.evaluations).sum();
        let reused = saved.reused();
        println!("{}: {} loads simulated, {reused} read from the store", plan.name, loads as usize - reused);
    }
    print!("{printed}");
    for w in &rep.warnings {
        println!("warning: {w}");
    }
    written
}

/// Checks each file (a model; an experiment, with a `model` key; a plan,
/// with `choices`) by
/// building every model it makes, and prints every error and warning.
/// Exit code 2 if any file has an error.
pub(super) fn validate(files: &[PathBuf], reach: Reach) -> Result<()> {
    let mut errors = 0;
    for path in files {
        let (diagnostics, work) = validate_one(path, reach);
        for d in &diagnostics {
            eprint!("{}", crate::output::diagnostics::render_one(d));
        }
        let n = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        let warnings = diagnostics.len() - n;
        println!(
            "{}: {}",
            path.display(),
            if n == 0 {
                format!("ok ({warnings} warnings){}", work.map_or(String::new(), |w| format!("; {w}")))
            } else {
                format!("{n} errors, {warnings} warnings")
            }
        );
        errors += n;
    }
    if errors > 0 {
        let files = if files.len() == 1 { "1 file".to_string() } else { format!("{} files", files.len()) };
        return Err(Error::usage(format!("{errors} errors in {files}")));
    }
    Ok(())
}

use crate::selftest::SAVED_FILE as SELF_TEST_FILE;

/// `simcall validate --self-test`: prints each check; exit code 1 if one fails.
pub(super) fn self_test() -> Result<i32> {
    println!("self-test: queueing theory against this build");
    let result = crate::selftest::run();
    for c in &result.checks {
        println!(
            "  {}: {:.6} vs exact {:.6}, T = {:+.2} {}",
            c.name,
            c.estimate,
            c.exact,
            c.t,
            if c.pass { "pass" } else { "FAIL" }
        );
    }
    let file = Path::new(SELF_TEST_FILE);
    create_parent(file)?;
    let json = serde_json::to_string_pretty(&result).expect("a self-test serializes");
    write_atomic(file, |tmp| std::fs::write(tmp, &json).map_err(|e| e.to_string()))?;
    let passed = result.checks.iter().filter(|c| c.pass).count();
    println!(
        "self-test: {passed} of {} checks pass (|T| ≤ {}) → {SELF_TEST_FILE}",
        result.checks.len(),
        crate::selftest::T_CRIT
    );
    Ok(if result.passed() { 0 } else { 1 })
}

/// The work a model asks for, as `validate` prints it (an estimate from
/// its rates, horizon, replications, pools and threads; see
/// `crate::work`).
fn work_of(w: &crate::work::Work) -> String {
    use crate::units::{bytes_text, duration_text, number};
    format!(
        "about {} arrivals per replication × {} replications at most: up to about {} of one core, about {} of memory at {} thread{}",
        number(w.arrivals_per_replication.round()),
        w.replications,
        duration_text(w.core_s),
        bytes_text(w.memory_bytes),
        rayon::current_num_threads(),
        if rayon::current_num_threads() == 1 { "" } else { "s" }
    )
}

/// Every diagnostic of one model or experiment file, and the work it asks for.
fn validate_one(path: &Path, reach: Reach) -> (Vec<Diagnostic>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return (vec![Diagnostic::error(path, "", format!("cannot read the file: {e}"))], None),
    };
    let top = text.parse::<toml::Table>().unwrap_or_default();
    if top.contains_key("choices") {
        // A plan: every option's model is built when it is read.
        return match crate::config::load_plan(path, &[], reach) {
            Ok(plan) => (plan.model_of(&[]).map_or_else(|_| Vec::new(), |m| model_warnings(&m, path)), None),
            Err(Error::Input(ds)) => (ds, None),
            Err(e) => (vec![Diagnostic::error(path, "", e)], None),
        };
    }
    if top.contains_key("model") {
        return match crate::config::load_experiment(path, &[], reach) {
            // Warnings of the model as the experiment runs it (its first cell).
            Ok(exp) => {
                let work = format!("{} cells, up to {}", exp.cells.len(), work_of(&exp.work));
                let mut ds = model_warnings(&exp.base, path);
                ds.extend(exp.warnings().into_iter().map(|w| Diagnostic::warning(path, "tiers", w)));
                (ds, Some(work))
            }
            Err(Error::Input(ds)) => (ds, None),
            Err(e) => (vec![Diagnostic::error(path, "", e)], None),
        };
    }
    match ModelDoc::parse(&text, path) {
        Ok(doc) => {
            let (model, mut ds) = doc.reaching(reach).check();
            if let Some(m) = &model {
                ds.extend(unmeetable(m, path));
            }
            let threads = rayon::current_num_threads();
            (ds, model.as_ref().map(|m| work_of(&crate::work::work(m, threads))))
        }
        Err(Error::Input(ds)) => (ds, None),
        Err(e) => (vec![Diagnostic::error(path, "", e)], None),
    }
}

/// A model's warnings: its own ([`crate::config::warnings`]) and the SLA
/// objectives no capacity meets.
fn model_warnings(m: &crate::model::Model, path: &Path) -> Vec<Diagnostic> {
    let mut ds = crate::config::warnings(m, path);
    ds.extend(unmeetable(m, path));
    ds
}

/// The SLA objectives `m` fails even with no limit ([`crate::runs::unmeetable`]), as warnings.
fn unmeetable(m: &crate::model::Model, path: &Path) -> Vec<Diagnostic> {
    crate::runs::unmeetable(m, 0).into_iter().map(|w| Diagnostic::warning(path, "sla", w)).collect()
}

/// Checks that `file`, given to `flag`, names a file rather than a folder.
///
/// Errors (usage, exit 2) when it is an existing folder or ends with a
/// path separator.
fn output_file(flag: &str, file: &Path) -> Result<()> {
    let text = file.to_string_lossy();
    if file.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || file.file_name().is_none() {
        return Err(Error::usage(format!(
            "{flag} {text}: that is a folder; give a file name in it, such as {}",
            Path::new(text.trim_end_matches('/')).join("daily").display()
        )));
    }
    Ok(())
}

/// The stem a `--timeseries` or `--hourly` FILE names: FILE without the
/// extension simcall adds (`.csv`, `.parquet`, `.png`, `.svg`), or FILE as
/// given, so `hourly.v2` stays `hourly.v2` (→ `hourly.v2.csv`, …).
fn stem_of(file: &Path) -> PathBuf {
    match file.extension().and_then(|e| e.to_str()) {
        Some("csv" | "parquet" | "png" | "svg") => file.with_extension(""),
        _ => file.to_path_buf(),
    }
}

/// Creates the folder `path` will be written into, if it has one.
pub(super) fn create_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => crate::output::create_dir(dir),
        None => Ok(()),
    }
}
