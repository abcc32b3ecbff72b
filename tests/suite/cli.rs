//! The `simcall` command as a user runs it: tables, JSON, `--set`, sweep
//! outputs, determinism across thread counts, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) fn simcall(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simcall")).args(args).output().expect("simcall runs")
}

pub(crate) fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).to_string_lossy().into_owned()
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small copy of the shipped model and experiment in a temp folder.
pub(crate) fn small_experiment(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::create_dir_all(dir.join("experiments")).unwrap();
    std::fs::copy(repo("models/voice-agent.toml"), dir.join("models/voice-agent.toml")).unwrap();
    let exp = dir.join("experiments/small.toml");
    std::fs::write(
        &exp,
        r#"
        name = "small"
        model = "../models/voice-agent.toml"
        run = { replications = 3, horizon = "1h", warmup = "10m" }
        sweep = { "sources.inbound.arrivals.rate" = { from = "5/min", to = "25/min", steps = 3 } }
        sla = { max_blocking = 0.01 }
        [[tiers]]
        name = "Starter"
        price_per_month = 149
        set = { "limits.platform.capacity" = 50 }
        [[tiers]]
        name = "Growth"
        price_per_month = 499
        set = { "limits.platform.capacity" = 200, "limits.tts-connections.capacity" = 200, "limits.call-manager.capacity" = 200, "limits.trunk.capacity" = 200 }
        "#,
    )
    .unwrap();
    exp
}

#[test]
fn run_prints_tables_with_confidence_intervals() {
    let out =
        simcall(&["run", &repo("models/voice-agent.toml"), "--set", "run.replications=3", "--set", "run.horizon=1h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for needle in ["blocking_probability", "p95_wait_s", "±", "tts-connections", "utilization", "3 replications"] {
        assert!(s.contains(needle), "missing {needle:?} in\n{s}");
    }
}

#[test]
fn run_json_has_every_metric_per_replication_and_conserves_attempts() {
    let out = simcall(&[
        "run",
        &repo("models/voice-agent.toml"),
        "--json",
        "--set",
        "run.replications=4",
        "--set",
        "run.horizon=2h",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in simcall::statistics::SourceMetrics::<f64>::NAMES {
        let m = &v["total"][name];
        assert_eq!(m["replications"].as_array().map(Vec::len), Some(4), "{name}");
        assert!(m["mean"].is_number() && m["ci95"].is_number() && m["std_error"].is_number(), "{name}");
        assert!(v["sources"]["inbound"][name]["mean"].is_number(), "{name}");
    }
    let reps = |name: &str| -> Vec<f64> {
        v["total"][name]["replications"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    };
    let (a, c, b, ab, w) = (
        reps("attempts"),
        reps("carried_calls"),
        reps("blocked_calls"),
        reps("abandoned_calls"),
        reps("waiting_at_end"),
    );
    for i in 0..4 {
        assert_eq!(a[i], c[i] + b[i] + ab[i] + w[i]);
    }
    let tts = &v["limits"]["tts-connections"];
    assert_eq!(tts["capacity"].as_f64(), Some(30.0));
    for key in ["utilization", "mean_occupancy", "peak_occupancy", "blocked_by", "abandoned_at"] {
        assert!(tts[key]["mean"].is_number(), "{key}");
    }
}

#[test]
fn set_overrides_model_keys() {
    let model = repo("models/voice-agent.toml");
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["run", model.as_str(), "--json", "--set", "run.replications=2", "--set", "run.horizon=1h"];
        args.extend_from_slice(extra);
        let out = simcall(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let base = run(&[]);
    let wide = run(&[
        "--set",
        "limits.tts-connections.capacity=500",
        "--set",
        "limits.call-manager.capacity=500",
        "--set",
        "limits.platform.capacity=500",
    ]);
    assert_eq!(wide["limits"]["tts-connections"]["capacity"].as_f64(), Some(500.0));
    assert!(base["total"]["abandoned_calls"]["mean"].as_f64().unwrap() > 0.0);
    assert_eq!(wide["total"]["abandoned_calls"]["mean"].as_f64(), Some(0.0));
    // The offered traffic is the same stream in both: common random numbers.
    assert_eq!(base["total"]["offered_calls"], wide["total"]["offered_calls"]);
}

#[test]
fn sweep_writes_tables_charts_and_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out_dir = dir.path().join("out");
    let out = simcall(&["sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in [
        "summary.csv",
        "summary.parquet",
        "limits.csv",
        "limits.parquet",
        "recommendation.csv",
        "blocking.png",
        "blocking.svg",
        "p95_wait.png",
        "p95_wait.svg",
        "price.png",
        "price.svg",
        "losses.png",
        "losses.svg",
        "timeseries_Starter.csv",
        "timeseries_Growth.parquet",
        "timeseries_Growth.png",
    ] {
        let meta = std::fs::metadata(out_dir.join(f)).unwrap_or_else(|_| panic!("{f} missing"));
        assert!(meta.len() > 0, "{f} empty");
    }
    let summary = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let header = summary.lines().next().unwrap();
    for col in [
        "point",
        "sources.inbound.arrivals.rate",
        "tier",
        "price_per_month",
        "blocking_probability_mean",
        "blocking_probability_ci95",
        "p95_wait_s_mean",
        "meets_sla",
    ] {
        assert!(header.split(',').any(|h| h == col), "summary.csv lacks {col}: {header}");
    }
    assert_eq!(summary.lines().count(), 1 + 3 * 2, "3 points × 2 tiers");
    assert_eq!(std::fs::read_to_string(out_dir.join("limits.csv")).unwrap().lines().count(), 1 + 3 * 2 * 4);
    let rec = std::fs::read_to_string(out_dir.join("recommendation.csv")).unwrap();
    assert_eq!(rec.lines().count(), 1 + 3);
    assert!(rec.lines().nth(1).unwrap().contains("Starter"), "5/min fits the cheapest tier:\n{rec}");
    assert!(text(&out.stdout).contains("recommended tier"));
    // Every SVG draws its text as outlines of the embedded font: no text
    // element, no font or file it would need from the viewer's machine.
    for e in std::fs::read_dir(&out_dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            let svg = std::fs::read_to_string(&p).unwrap();
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", p.display());
            for forbidden in ["<text", "font-family", "href=", "url("] {
                assert!(!svg.contains(forbidden), "{} has {forbidden}", p.display());
            }
            assert!(svg.matches("<path").count() > 50, "{}: glyphs are paths", p.display());
        }
    }
}

#[test]
fn sweep_outputs_are_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out_dir = dir.path().join(format!("t{threads}"));
        let out = simcall(&["--threads", threads, "sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        outs.push(out_dir);
    }
    for f in ["summary.csv", "limits.csv", "recommendation.csv", "summary.parquet", "limits.parquet"] {
        assert_eq!(std::fs::read(outs[0].join(f)).unwrap(), std::fs::read(outs[1].join(f)).unwrap(), "{f} differs");
    }
}

/// Writes a model with `patch` applied (a (from, to) text replacement) and
/// runs it; returns the exit code and stderr.
fn run_broken(from: &str, to: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let text_in = std::fs::read_to_string(repo("models/voice-agent.toml")).unwrap();
    assert!(text_in.contains(from), "patch target {from:?} not in the model");
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, text_in.replacen(from, to, 1)).unwrap();
    let out = simcall(&["run", path.to_str().unwrap()]);
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

#[test]
fn bad_models_get_clear_errors_and_exit_code_2() {
    let cases = [
        // (replace, with, what the message must say)
        ("capacity = 100", "capacty = 100", "unknown field `capacty`"),
        ("capacity = 100", "capacity = 100\nspeed = 3", "line"),
        ("horizon = \"8h\"", "", "missing field `horizon`"),
        ("rate = \"10/min\"", "rate = \"0/min\"", "greater than zero"),
        ("rate = \"10/min\"", "rate = \"-3/min\"", "sources.inbound.arrivals.rate"),
        ("rate = \"10/min\"", "rate = \"10/fortnight\"", "unit s, min, h or day"),
        ("capacity = 100", "capacity = 0", "limits.trunk.capacity"),
        ("dist = \"lognormal\"", "dist = \"lognormol\"", "unknown variant `lognormol`"),
        ("mean = \"3m\"", "mean = \"3\"", "a duration with units"),
        ("on_full = \"reject\"", "on_full = \"drop\"", "unknown variant `drop`"),
    ];
    for (from, to, needle) in cases {
        let (code, err) = run_broken(from, to);
        assert_eq!(code, 2, "{from} → {to}: {err}");
        assert!(err.contains(needle), "{from} → {to}: expected {needle:?} in {err}");
        assert!(err.contains("broken.toml"), "the file is named: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Unknown keys list what is allowed, with line and column.
    let (_, err) = run_broken("capacity = 100", "capacty = 100");
    assert!(err.contains("expected one of") && err.contains("capacity") && err.contains("column"), "{err}");
}

#[test]
fn bad_set_paths_and_missing_files_exit_2() {
    let model = repo("models/voice-agent.toml");
    for (args, needle) in [
        (vec!["run", &model, "--set", "limits.nope.capacity=3"], "no entry named `nope`"),
        (vec!["run", &model, "--set", "limitz.trunk.capacity=3"], "no key `limitz`"),
        (vec!["run", &model, "--set", "limits.trunk.capacty=3"], "unknown field `capacty`"),
        (vec!["run", &model, "--set", "novalue"], "PATH=VALUE"),
        (vec!["run", "no/such/model.toml"], "cannot read the model file"),
    ] {
        let out = simcall(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{args:?}: {}", text(&out.stderr));
    }
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("e.toml");
    std::fs::write(&exp, "name = \"e\"\nmodel = \"missing.toml\"\n").unwrap();
    let out = simcall(&["sweep", exp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing.toml") && text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_failed_sweep_leaves_earlier_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out_dir = dir.path().join("out");
    let ok = simcall(&["sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(ok.status.success());
    let before = std::fs::read(out_dir.join("summary.csv")).unwrap();
    let bad = simcall(&[
        "sweep",
        exp.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--set",
        "limits.trunk.capacity=0",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(std::fs::read(out_dir.join("summary.csv")).unwrap(), before);
    let stray: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".simcall-"))
        .collect();
    assert!(stray.is_empty(), "temporary files left behind");
}

#[test]
fn bad_limit_chain_keys_get_clear_errors_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo("models/tts-semaphore.toml")).unwrap();
    let cases = [
        // A request limit naming a request that no source makes.
        (
            "requests = [\"stt\", \"tts\"]\non_full = \"reject\"",
            "requests = [\"stt\", \"speak\"]\non_full = \"reject\"",
            "no source it applies to makes a request named \"speak\"",
        ),
        // A select that does not exist (the allowed ones are listed).
        (
            "name = \"call-slots\"\ncapacity = 50",
            "name = \"call-slots\"\ncapacity = 50\npool = 2\nselect = \"fastest\"",
            "unknown variant `fastest`",
        ),
        // A token limit without tokens_per_call_minute.
        (
            "name = \"call-slots\"\ncapacity = 50",
            "name = \"call-slots\"\nkind = \"tokens\"\ntokens_per_minute = 1000",
            "needs `tokens_per_call_minute`",
        ),
        // A key of another kind.
        (
            "name = \"call-slots\"\ncapacity = 50",
            "name = \"call-slots\"\ncapacity = 50\nwindow = \"1s\"",
            "`window` belongs to kind = \"rate\"",
        ),
        // A limit for a source that does not exist.
        (
            "name = \"call-slots\"\ncapacity = 50",
            "name = \"call-slots\"\ncapacity = 50\nsources = [\"tenant-x\"]",
            "no source or campaign is named \"tenant-x\"",
        ),
        // Silence without its patience.
        (
            "name = \"call-slots\"\ncapacity = 50",
            "name = \"call-slots\"\ncapacity = 50\nwhen_refused = \"silence\"",
            "needs `silence_patience`",
        ),
    ];
    for (from, to, needle) in cases {
        assert!(base.contains(from), "patch target {from:?}");
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, base.replacen(from, to, 1)).unwrap();
        let out = simcall(&["run", path.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains(needle), "{to}: expected {needle:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn the_whole_chain_is_deterministic_across_thread_counts() {
    for model in ["models/outbound.toml", "models/tts-semaphore.toml", "models/workspace-silence.toml"] {
        let run = |threads: &str| {
            let out = simcall(&[
                "--threads",
                threads,
                "run",
                &repo(model),
                "--json",
                "--set",
                "run.replications=4",
                "--set",
                "run.horizon=1h",
            ]);
            assert!(out.status.success(), "{model}: {}", text(&out.stderr));
            out.stdout
        };
        assert_eq!(run("1"), run("2"), "{model}: JSON differs between 1 and 2 threads");
    }
}

#[test]
fn run_writes_a_time_series_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("day.csv");
    let out = simcall(&[
        "run",
        &repo("models/voice-agent.toml"),
        "--set",
        "run.replications=2",
        "--set",
        "run.horizon=2h",
        "--timeseries",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(csv.lines().count(), 1 + 24, "2 h of 5-minute buckets");
    assert!(csv.lines().next().unwrap().contains("tts-connections_use"));
    for ext in ["parquet", "png", "svg"] {
        assert!(dir.path().join(format!("day.{ext}")).exists(), "{ext}");
    }
}

#[test]
fn fit_writes_its_files_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = simcall(&["fit", &repo("models/calls-example.csv"), "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("lognormal (chosen)") && s.contains("burst factor") && s.contains("[[sources]]"), "{s}");
    for f in [
        "snippet.toml",
        "arrivals.csv",
        "profile.csv",
        "profile.parquet",
        "days.csv",
        "days.parquet",
        "profile.png",
        "profile.svg",
        "holding.png",
        "holding.svg",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "start,duration\n0,60\n12,soon\n").unwrap();
    let out = simcall(&["fit", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line 3"), "{}", text(&out.stderr));
}

#[test]
fn sweep_outputs_match_the_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out_dir = dir.path().join("out");
    let out = simcall(&["sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in ["summary.csv", "recommendation.csv"] {
        let got = std::fs::read_to_string(out_dir.join(f)).unwrap();
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(f);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        assert!(got == want, "{f} differs from {}: review the change, then UPDATE_GOLDEN=1", golden.display());
    }
}

#[test]
fn run_reports_campaigns_with_hourly_table_and_dial_log() {
    let dir = tempfile::tempdir().unwrap();
    let (hourly, dials) = (dir.path().join("hourly.csv"), dir.path().join("out/dials.csv"));
    let out = simcall(&[
        "run",
        &repo("models/campaign.toml"),
        "--set",
        "run.replications=2",
        "--hourly",
        hourly.to_str().unwrap(),
        "--dials",
        dials.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for needle in ["campaign renewals", "leads_reached", "abandonment_rate", "completion_h", "← paced the dialer"] {
        assert!(s.contains(needle), "missing {needle:?} in\n{s}");
    }
    assert!(dir.path().join("hourly.png").exists() && dir.path().join("hourly.svg").exists(), "the hourly chart");
    let hourly = std::fs::read_to_string(&hourly).unwrap();
    assert!(hourly.starts_with("campaign,hour,start_s,start,leads_reached,dials\n"), "{hourly}");
    assert_eq!(hourly.lines().count(), 1 + 12 * 24, "one row per hour of the 12-day run");
    let dials = std::fs::read_to_string(&dials).unwrap();
    let mut rows = dials.lines();
    assert_eq!(rows.next(), Some("campaign,lead,attempt,placed_s,placed_utc,utc_offset_h,placed_local,outcome"));
    // The first dial of the Monday: 08:00 Eastern, the first zone to open.
    assert!(rows.next().unwrap().contains("mon 13:00:00,-5,mon 08:00:00"), "{dials:.300}");
    let json = simcall(&["run", &repo("models/campaign.toml"), "--set", "run.replications=2", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let c = &v["campaigns"]["renewals"];
    assert_eq!(c["leads"]["replications"].as_array().unwrap().len(), 2);
    assert!(c["paced_by"].is_string() && c["hourly"].as_array().unwrap().len() == 12 * 24, "{c}");
}

#[test]
fn a_campaign_window_that_never_opens_is_refused_with_exit_code_2() {
    let model = repo("models/campaign.toml");
    for (set, needle) in [
        ("campaigns.renewals.window.end=\"07:00\"", "never opens"),
        // A Saturday window: the run covers Sunday evening to Friday, local time.
        ("campaigns.renewals.window.days=[\"sat\"]", "never opens for any lead"),
        ("run.horizon=\"12h\"", "never opens for any lead"),
    ] {
        let out = simcall(&["run", &model, "--set", "run.horizon=\"5d\"", "--set", set]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(needle) && err.contains("campaign.toml"), "{set}: {err}");
        assert!(err.contains("campaigns.renewals.window"), "{set}: {err}");
    }
}

#[test]
fn a_campaign_sweep_writes_its_table_and_completion_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = simcall(&[
        "sweep",
        &repo("experiments/campaign-agents.toml"),
        "--out",
        dir.path().to_str().unwrap(),
        "--set",
        "run.replications=2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in ["campaigns.csv", "campaigns.parquet", "completion.png", "price.svg", "recommendation.txt"] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let table = std::fs::read_to_string(dir.path().join("campaigns.csv")).unwrap();
    assert!(table.lines().next().unwrap().contains("completion_h_mean") && table.contains("paced_by"));
    assert_eq!(table.lines().count(), 1 + 5 * 3, "one row per point × tier");
    assert!(text(&out.stdout).contains("completion (h)"));
}

#[test]
fn validate_prints_every_mistake_with_its_line_key_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(repo("models/voice-agent.toml")).unwrap();
    let broken = model
        .replacen("capacity = 100", "capacty = 100", 1)
        .replacen("rate = \"10/min\"", "rate = \"10/fortnight\"", 1)
        .replacen("max_blocking = 0.01", "max_blocking = 3", 1);
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let path = dir.path().join("three.toml");
    std::fs::write(&path, &broken).unwrap();
    let out = simcall(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for (key, needle, allowed) in [
        ("limits.trunk.capacty", "capacty = 100", "expected one of"),
        ("sources.inbound.arrivals.rate", "10/fortnight", "unit s, min, h or day"),
        ("sla.max_blocking", "max_blocking = 3", "between 0 and 1"),
    ] {
        let line = line_of(needle);
        let head = err.lines().find(|l| l.contains(&format!("`{key}`:"))).unwrap_or_else(|| panic!("{key}: {err}"));
        assert!(head.contains(&format!("line {line},")) && head.contains(allowed), "{head}");
        assert!(
            err.contains(&format!("{line} │ {}", broken.lines().nth(line - 1).unwrap())),
            "shows line {line}: {err}"
        );
    }
    assert!(text(&out.stdout).contains("3 errors"), "{}", text(&out.stdout));
    // Every shipped file validates; a model with one replication gets a warning, not an error.
    let mut files = vec!["validate".to_string()];
    for d in ["models", "experiments"] {
        for e in std::fs::read_dir(repo(d)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p.to_string_lossy().into_owned());
            }
        }
    }
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = simcall(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let one = dir.path().join("one.toml");
    std::fs::write(&one, model.replacen("replications = 10", "replications = 1", 1)).unwrap();
    let out = simcall(&["validate", one.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("warning") && text(&out.stderr).contains("run.replications"));
}

#[test]
fn unit_traps_and_sla_mistakes_exit_2_naming_the_key() {
    let model = repo("models/voice-agent.toml");
    for (set, key, says) in [
        ("sources.inbound.holding.mean=\"3M\"", "sources.inbound.holding.mean", "no fixed length"),
        ("sources.inbound.arrivals.rate=10", "sources.inbound.arrivals.rate", "strings with units"),
        ("sources.inbound.arrivals.rate=\"10/m\"", "sources.inbound.arrivals.rate", "minutes"),
        ("sla.max_blocking=1", "sla.max_blocking", "did you mean \"1%\""),
        ("sla.max_lost=0.1", "sla.max_lost", "max_loss"),
        ("sla.over=\"peak\"", "sla.over", "busy_hour"),
        ("sla.window=\"mon-fri 9-5\"", "sla.window", "mon-fri 09:00-17:00"),
        ("sla.confidence=0.2", "sla.confidence", "0.5 to 0.9999"),
        ("limits.trunk.on_full=\"drop\"", "limits.trunk.on_full", "`queue`"),
    ] {
        let out = simcall(&["run", &model, "--set", set]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(
            err.contains(&format!("`{key}`")) && err.contains(says),
            "{set}: expected `{key}` and {says:?} in {err}"
        );
    }
    // The forms that look like traps but are meant work: "10/minute", a plain "queue", "1%".
    let out = simcall(&[
        "run",
        &model,
        "--set",
        "sources.inbound.arrivals.rate=\"10/minute\"",
        "--set",
        "limits.tts-connections.on_full=\"queue\"",
        "--set",
        "sla.max_blocking=\"1%\"",
        "--set",
        "run.horizon=\"30m\"",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn run_check_exits_0_when_met_1_when_not_3_when_undecided() {
    let model = repo("models/voice-agent.toml");
    let check = |sets: &[&str]| {
        let mut args = vec!["run", model.as_str(), "--check", "--set", "run.horizon=\"1h\""];
        for s in sets {
            args.extend(["--set", s]);
        }
        let out = simcall(&args);
        (out.status.code(), text(&out.stdout))
    };
    let (code, out) = check(&["sources.inbound.arrivals.rate=\"2/min\""]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verdict: pass"), "{out}");
    let (code, out) = check(&["sources.inbound.arrivals.rate=\"20/min\""]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verdict: fail (abandonment"), "{out}");
    // One replication gives no interval: nothing can be decided.
    let (code, out) = check(&["sources.inbound.arrivals.rate=\"2/min\"", "run.replications=1"]);
    assert_eq!(code, Some(3), "{out}");
    let json = simcall(&["run", &model, "--json", "--set", "run.horizon=\"1h\""]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(["pass", "fail", "undecided"].contains(&v["sla"]["verdict"].as_str().unwrap()));
    // Blocking, abandonment and p95 wait as written; failure defaulted to blocking's 1%.
    assert!(v["sla"]["objectives"].as_array().is_some_and(|o| o.len() == 4), "{}", v["sla"]);
    assert_eq!(v["sla"]["objectives"][2]["objective"]["defaulted_from"], "blocking", "{}", v["sla"]);
    assert_eq!(v["sla"]["over"], "run");
    assert!(v["sla"]["over_why"].as_str().unwrap().contains("by default"), "{}", v["sla"]);
}

#[test]
fn an_unwritable_output_exits_2_naming_it_after_printing_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let series = blocker.join("sub/ts");
    let out = simcall(&[
        "run",
        &repo("models/voice-agent.toml"),
        "--set",
        "run.horizon=\"20m\"",
        "--timeseries",
        series.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&blocker.join("sub").display().to_string()) && err.contains("--out"), "{err}");
    assert!(!err.contains(".simcall-"), "no temporary name: {err}");
    assert!(text(&out.stdout).contains("verdict:"), "the results are printed first");
    // Outputs get the usual permissions (0666 less the umask), not a temp file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let exp = small_experiment(dir.path());
        let out_dir = dir.path().join("out");
        assert!(simcall(&["sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]).status.success());
        let mode = std::fs::metadata(out_dir.join("summary.csv")).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode & 0o044, 0, "group and others may read: {mode:o}");
    }
}

#[test]
fn fit_reads_iso_cdrs_with_other_columns_and_refuses_logs_too_small() {
    let dir = tempfile::tempdir().unwrap();
    // A CDR export: ISO 8601 start times with an offset, durations in seconds,
    // other column names; one call every 7 minutes for four days.
    let mut cdr = String::from("call_id,started_at,billsec,queue\n");
    for k in 0..800u32 {
        let t = k * 420;
        let (day, rem) = (23 + t / 86_400, t % 86_400);
        let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
        cdr += &format!("{k},2026-11-{day:02}T{h:02}:{m:02}:{s:02}-05:00,{},sales\n", 60 + (k * 37) % 400);
    }
    let path = dir.path().join("cdr.csv");
    std::fs::write(&path, &cdr).unwrap();
    let args = ["--start-column", "started_at", "--duration-column", "billsec", "--source-column", "queue"];
    let out_dir = dir.path().join("fit");
    let mut all = vec!["fit", path.to_str().unwrap(), "--out", out_dir.to_str().unwrap(), "--source", "sales"];
    all.extend(args);
    let out = simcall(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("800 arrivals over 4 days (4 observed, 0 missing)"), "{s}");
    assert!(s.contains("busy hour") && s.contains("burst factor (busy-hour peak / busy-hour mean)"), "{s}");
    // Without the mapping the columns are named as missing.
    let out = simcall(&["fit", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs a column `start`"), "{}", text(&out.stderr));
    // Too few calls, or too few distinct durations, are refused with the reason.
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "start,duration\n0,60\n100,90\n200,75\n").unwrap();
    let out = simcall(&["fit", small.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("too few to fit"), "{}", text(&out.stderr));
    let flat = dir.path().join("flat.csv");
    let rows: String = (0..100).map(|k| format!("{},{}\n", k * 60, 60 + k % 3)).collect();
    std::fs::write(&flat, format!("start,duration\n{rows}")).unwrap();
    let out = simcall(&["fit", flat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("distinct durations"), "{}", text(&out.stderr));
}

#[test]
fn plan_writes_its_tables_and_charts_and_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let plan = repo("experiments/plan.toml");
    for (threads, out) in [("1", &a), ("2", &b)] {
        let o = simcall(&["--threads", threads, "plan", &plan, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("calendar:") && text(&o.stdout).contains("search:"), "{}", text(&o.stdout));
    }
    for f in [
        "plan.csv",
        "plan.parquet",
        "capacity.csv",
        "capacity.parquet",
        "ladder.csv",
        "runway.png",
        "runway.svg",
        "cost.png",
        "cost.svg",
    ] {
        assert!(a.join(f).exists(), "{f}");
    }
    for f in ["plan.csv", "capacity.csv", "ladder.csv"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn the_self_test_reproduces_queueing_theory_and_saves_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_simcall"))
        .args(["validate", "--self-test"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let s = text(&out.stdout);
    for name in ["Erlang B", "Erlang C", "M/M/c/K", "Erlang A", "Engset", "retrial"] {
        assert!(s.lines().any(|l| l.contains(name) && l.contains("T = ") && l.ends_with("pass")), "{name}: {s}");
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("output/self-test.json")).unwrap()).unwrap();
    assert_eq!(saved["checks"].as_array().map(Vec::len), Some(6));
}

/// An experiment's and a plan's own mistakes (a misspelt key in a tier or
/// an option, an axis key the model lacks, a value the model refuses) are
/// reported in the experiment's or plan's file, at their lines, all at once.
#[test]
fn experiment_and_plan_mistakes_are_reported_at_their_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    for m in ["voice-agent", "plan-stack"] {
        std::fs::copy(repo(&format!("models/{m}.toml")), dir.path().join(format!("models/{m}.toml"))).unwrap();
    }
    let experiment =
        "name = \"three\"\nmodel = \"models/voice-agent.toml\"\nrun = { replications = 2, horizon = \"10m\" }\n\
        sweep = { \"sources.inbound.arrivals.rat\" = [\"5/min\", \"10/min\"] }\n\n\
        [[tiers]]\nname = \"Starter\"\nset = { \"limits.platfrom.capacity\" = 50 }\n\n\
        [[tiers]]\nname = \"Growth\"\nset = { \"limits.platform.capacity\" = -200 }\n";
    let plan = "name = \"p3\"\nmodel = \"models/plan-stack.toml\"\n[forecast]\ngrowth = \"10%/month\"\nmonths = 2\n\
        [[choices]]\nname = \"platform\"\noptions = [\n\
        { name = \"Starter\", set = { \"limits.platfrom.capacity\" = 50 }, price = { monthly = 149 } },\n\
        { name = \"Growth\", set = { \"limits.platform.capacity\" = -200 }, price = { monthly = -499 } },\n]\n";
    let cases = [
        (
            experiment,
            "e.toml",
            [
                ("sweep.\"sources.inbound.arrivals.rat\"", "arrivals.rat", "unknown field `rat`"),
                ("tiers.Starter.set.\"limits.platfrom.capacity\"", "platfrom", "has no entry named `platfrom`"),
                ("tiers.Growth.set.\"limits.platform.capacity\"", "-200", "at least 1"),
            ],
        ),
        (
            plan,
            "p.toml",
            [
                ("choices.platform.options.Starter.set.\"limits.platfrom.capacity\"", "platfrom", "has no entry named"),
                ("choices.platform.options.Growth.set.\"limits.platform.capacity\"", "-200", "at least 1"),
                ("choices.platform.options.Growth.price.monthly", "-499", "≥ 0"),
            ],
        ),
    ];
    for (body, name, mistakes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = simcall(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        let heads: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ") && l.contains(name)).collect();
        assert_eq!(heads.len(), 3, "three messages, each once: {err}");
        for (key, needle, allowed) in mistakes {
            let line = body.lines().position(|l| l.contains(needle)).unwrap() + 1;
            let head =
                heads.iter().find(|l| l.contains(&format!("`{key}`:"))).unwrap_or_else(|| panic!("{key}: {err}"));
            assert!(head.contains(&format!("{name}, line {line},")) && head.contains(allowed), "{head}");
        }
        assert!(!err.contains("voice-agent.toml, line") && !err.contains("plan-stack.toml, line"), "{err}");
    }
    // Two tiers set the same key: the mistake is the tier whose value it is.
    let same = experiment
        .replace("\"sources.inbound.arrivals.rat\"", "\"sources.inbound.arrivals.rate\"")
        .replace("limits.platfrom.capacity\" = 50", "limits.platform.capacity\" = 50");
    let path = dir.path().join("same.toml");
    std::fs::write(&path, &same).unwrap();
    let err = text(&simcall(&["validate", path.to_str().unwrap()]).stderr);
    let heads: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ") && l.contains("same.toml")).collect();
    assert_eq!(heads.len(), 1, "{err}");
    assert!(heads[0].contains("`tiers.Growth.set.\"limits.platform.capacity\"`"), "{err}");
}
