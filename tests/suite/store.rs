//! The cell store and output sets: shards merged equal an unsharded sweep,
//! a sweep killed at random moments and resumed equals an uninterrupted
//! one, an axis value inserted reuses the stored cells, and the output
//! folder always holds one whole set.

use crate::cli::{simcall, small_experiment, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every file under `dir` (relative path → bytes), sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn assert_same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "the same files");
    for ((p, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(x == y, "{} differs", p.display());
    }
}

fn sweep(exp: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sweep", exp.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend(extra);
    let o = simcall(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    o
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let (whole, sharded) = (dir.path().join("whole"), dir.path().join("sharded"));
    sweep(&exp, &whole, &[]);
    for i in 1..=3 {
        let o = sweep(&exp, &sharded, &["--shard", &format!("{i}/3")]);
        assert!(text(&o.stdout).contains(&format!("shard {i}/3 ran 2 of its 2 cells")), "{}", text(&o.stdout));
    }
    assert!(!sharded.join("summary.csv").exists(), "a shard writes cells, not outputs");
    let merged = simcall(&["merge", sharded.to_str().unwrap()]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert_same_tree(&whole, &sharded);
    // Slurm's array variables pick the shard when --shard is not given.
    let slurm = dir.path().join("slurm");
    for id in 0..2 {
        let o = Command::new(env!("CARGO_BIN_EXE_simcall"))
            .args(["sweep", exp.to_str().unwrap(), "--out", slurm.to_str().unwrap()])
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .output()
            .unwrap();
        assert!(text(&o.stdout).contains(&format!("shard {}/2", id + 1)), "{}", text(&o.stdout));
    }
    assert!(simcall(&["merge", slurm.to_str().unwrap()]).status.success());
    assert_same_tree(&whole, &slurm);
}

#[test]
fn merge_refuses_an_incomplete_store_and_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out = dir.path().join("out");
    sweep(&exp, &out, &["--shard", "1/3"]);
    let o = simcall(&["merge", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("4 of 6 cells are not in the store"), "{}", text(&o.stderr));
    let o = simcall(&["merge", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a folder with no store");
}

#[test]
fn an_inserted_axis_value_reuses_the_stored_cells() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let body = std::fs::read_to_string(&exp).unwrap();
    let two = body.replace(r#"{ from = "5/min", to = "25/min", steps = 3 }"#, r#"["5/min", "25/min"]"#);
    assert_ne!(two, body);
    std::fs::write(&exp, &two).unwrap();
    let out = dir.path().join("out");
    sweep(&exp, &out, &[]);
    std::fs::write(
        &exp,
        body.replace(r#"{ from = "5/min", to = "25/min", steps = 3 }"#, r#"["5/min", "15/min", "25/min"]"#),
    )
    .unwrap();
    let o = sweep(&exp, &out, &["--resume"]);
    assert!(text(&o.stdout).contains("2 cells run, 4 from the store"), "{}", text(&o.stdout));
    // The same as the three-value sweep run afresh.
    let fresh = dir.path().join("fresh");
    sweep(&exp, &fresh, &[]);
    for f in ["summary.csv", "limits.csv", "recommendation.csv", "report.html"] {
        assert!(std::fs::read(out.join(f)).unwrap() == std::fs::read(fresh.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn a_folder_with_foreign_files_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out = dir.path().join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.md"), "my notes").unwrap();
    let o = simcall(&["sweep", exp.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("notes.md"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("notes.md")).unwrap(), "my notes");
    // A folder of the user's models is not an output folder either.
    let models = dir.path().join("models");
    let o = simcall(&["sweep", exp.to_str().unwrap(), "--out", models.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(models.join("voice-agent.toml").exists());
}

/// What the output folder holds: set `old`, set `new`, or (before the
/// first set) no outputs at all; panics on anything else.
fn holds_one_whole_set(out: &Path, old: &[u8], new: &[u8]) -> &'static str {
    if !out.join("summary.csv").exists() {
        assert!(!out.join("report.html").exists(), "outputs without their summary");
        return "none";
    }
    for f in ["summary.csv", "limits.csv", "recommendation.csv", "blocking.svg", "report.html", ".simcall.set"] {
        assert!(out.join(f).exists(), "{f} missing from the set");
    }
    let s = std::fs::read(out.join("summary.csv")).unwrap();
    if s == old {
        "old"
    } else {
        assert!(s == new, "summary.csv is neither the old nor the new one");
        "new"
    }
}

#[test]
fn killed_at_random_moments_then_resumed_equals_an_uninterrupted_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    // Two sweeps of the same grid that differ in every figure (the seed).
    let a_sets = ["--set", "run.horizon=24h", "--set", "run.replications=4"];
    let b_sets = ["--set", "run.horizon=24h", "--set", "run.replications=4", "--set", "run.seed=7"];
    let whole = dir.path().join("whole");
    let started = std::time::Instant::now();
    sweep(&exp, &whole, &a_sets);
    let run_ms = started.elapsed().as_millis().max(50) as u64;
    let b_whole = dir.path().join("b");
    sweep(&exp, &b_whole, &b_sets);
    let (a, b) =
        (std::fs::read(whole.join("summary.csv")).unwrap(), std::fs::read(b_whole.join("summary.csv")).unwrap());
    assert!(a != b);
    // SIGKILL at 20 moments spread over a run (a fixed pseudo-random
    // sequence, scaled to this machine's run time), alternating the two
    // sweeps into one folder: after each kill the folder holds one whole
    // set, the previous one or the new one.
    let out = dir.path().join("out");
    let mut state = 0x9e37_79b9_u64;
    let mut seen = std::collections::BTreeSet::new();
    for k in 0..20 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let ms = run_ms * (5 + (state >> 33) % 145) / 100;
        let mut args = vec!["sweep", exp.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend(if k % 2 == 0 { &a_sets[..] } else { &b_sets[..] });
        let mut child = Command::new(env!("CARGO_BIN_EXE_simcall"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        seen.insert(holds_one_whole_set(&out, &a, &b));
    }
    eprintln!("kill test: one run {run_ms} ms; the folder held {seen:?}");
    // Resumed: the uninterrupted sweep's outputs, byte for byte; its store
    // holds every cell of the uninterrupted store (and the other seed's).
    let o = sweep(&exp, &out, &[&["--resume"][..], &a_sets[..]].concat());
    assert!(text(&o.stdout).contains("from the store"), "{}", text(&o.stdout));
    assert_eq!(holds_one_whole_set(&out, &a, &b), "old", "the first sweep's figures");
    let outputs = |d: &Path| tree(d).into_iter().filter(|(p, _)| !p.starts_with("cells")).collect::<Vec<_>>();
    let (x, y) = (outputs(&whole), outputs(&out));
    assert_eq!(x.len(), y.len());
    for ((p, u), (q, v)) in x.iter().zip(&y) {
        assert!(p == q && u == v, "{} differs", p.display());
    }
    let stored = tree(&out.join("cells"));
    for (p, u) in tree(&whole.join("cells")) {
        assert!(stored.iter().any(|(q, v)| *q == p && *v == u), "cell {} missing or different", p.display());
    }
    let temps: Vec<String> = tree(&out)
        .into_iter()
        .map(|(p, _)| p.to_string_lossy().into_owned())
        .filter(|p| p.contains(".tmp-") || p.contains(".simcall-"))
        .collect();
    assert!(temps.is_empty(), "temporary files left after a run: {temps:?}");
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("simcall-new") || n.contains("simcall-old"))
        .collect();
    assert!(beside.is_empty(), "staging folders left beside the output: {beside:?}");
}

#[test]
fn sigterm_leaves_no_temporary_file_and_the_old_set_whole() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    let out = dir.path().join("out");
    sweep(&exp, &out, &[]);
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let mut interrupted = 0;
    for ms in [30u64, 150, 400] {
        let child = Command::new(env!("CARGO_BIN_EXE_simcall"))
            .args([
                "sweep",
                exp.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--set",
                "run.horizon=5d",
                "--set",
                "run.replications=6",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let status = child.wait_with_output().unwrap().status;
        if status.success() {
            continue; // finished before the signal
        }
        assert_eq!(status.code(), Some(130), "an interrupted run exits 130");
        interrupted += 1;
        assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), before, "the old set stays");
        let temps: Vec<String> = tree(&out)
            .into_iter()
            .map(|(p, _)| p.to_string_lossy().into_owned())
            .filter(|p| p.contains(".tmp-") || p.contains("/.simcall-") || p.starts_with(".simcall-"))
            .collect();
        assert!(temps.is_empty(), "temporary files left: {temps:?}");
        let beside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("simcall-new"))
            .collect();
        assert!(beside.is_empty(), "a staged set left beside the output");
    }
    assert!(interrupted > 0, "no run was still going when the signal came");
}

/// A full disk (a small tmpfs, where this runs as root): a sweep that
/// cannot write its new set exits 2 and leaves the previous set whole, with
/// no staged folder behind. Skipped (with a message) where tmpfs cannot be
/// mounted.
#[test]
fn a_full_disk_leaves_the_previous_set_whole() {
    let dir = tempfile::tempdir().unwrap();
    let exp = small_experiment(dir.path());
    // The set's size, measured on the ordinary disk.
    let probe = dir.path().join("probe");
    sweep(&exp, &probe, &[]);
    let set_bytes: u64 = tree(&probe).iter().map(|(_, b)| b.len() as u64).sum();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    // Room for one set and a half: the second run's staged set cannot fit.
    let size = format!("size={}k", set_bytes * 3 / 2 / 1024 + 64);
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &size, "tmpfs", disk.to_str().unwrap()]).status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("full-disk test skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let out = disk.join("out");
    let first = simcall(&["sweep", exp.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let before = tree(&out);
    let second = simcall(&["sweep", exp.to_str().unwrap(), "--out", out.to_str().unwrap(), "--set", "run.seed=9"]);
    let after = tree(&out);
    let left: Vec<String> = std::fs::read_dir(&disk)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect();
    let _ = Command::new("umount").arg(&disk).status();
    assert!(first.status.success(), "the first set fits: {}", text(&first.stderr));
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    assert!(text(&second.stderr).contains("No space left"), "{}", text(&second.stderr));
    // Every file of the previous set is there, byte for byte (the store
    // may have gained the new seed's cells: they were saved before the disk
    // filled, and are whole).
    for (p, bytes) in before.iter().filter(|(p, _)| !p.starts_with("cells")) {
        assert!(after.iter().any(|(q, b)| q == p && b == bytes), "{} changed or lost", p.display());
    }
    assert!(left.is_empty(), "left beside the set: {left:?}");
}

/// An experiment whose tier `csv` reads its holding times from a CSV file
/// and whose tier `exp` draws them from an exponential: two points × two
/// tiers, of which the two `csv` cells read the file.
fn csv_experiment(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::create_dir_all(dir.join("experiments")).unwrap();
    let model = std::fs::read_to_string(crate::cli::repo("models/voice-agent.toml")).unwrap().replace(
        r#"holding = { dist = "lognormal", mean = "3m", cv = 0.8 }"#,
        r#"holding = { dist = "empirical", file = "durations.csv" }"#,
    );
    std::fs::write(dir.join("models/voice-agent.toml"), model).unwrap();
    std::fs::write(dir.join("models/durations.csv"), "duration_s\n120\n180\n240\n").unwrap();
    let exp = dir.join("experiments/csv.toml");
    std::fs::write(
        &exp,
        r#"
        name = "csv"
        model = "../models/voice-agent.toml"
        run = { replications = 2, horizon = "30m", warmup = "5m" }
        sweep = { "sources.inbound.arrivals.rate" = ["5/min", "20/min"] }
        [[tiers]]
        name = "csv"
        [[tiers]]
        name = "exp"
        set = { "sources.inbound.holding" = { dist = "exponential", mean = "3m" } }
        "#,
    )
    .unwrap();
    exp
}

#[test]
fn an_edited_csv_input_reruns_exactly_the_cells_that_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let exp = csv_experiment(dir.path());
    let out = dir.path().join("out");
    sweep(&exp, &out, &[]);
    let o = sweep(&exp, &out, &["--resume"]);
    assert!(text(&o.stdout).contains("0 cells run, 4 from the store"), "{}", text(&o.stdout));
    // Longer calls in the file: the two cells of tier `csv` are stale.
    std::fs::write(dir.path().join("models/durations.csv"), "duration_s\n600\n900\n1200\n").unwrap();
    let o = sweep(&exp, &out, &["--resume"]);
    assert!(text(&o.stdout).contains("2 cells run, 2 from the store"), "{}", text(&o.stdout));
    // And what it wrote is what a fresh sweep of the edited inputs writes.
    let fresh = dir.path().join("fresh");
    sweep(&exp, &fresh, &[]);
    for f in ["summary.csv", "limits.csv", "recommendation.csv"] {
        assert!(std::fs::read(out.join(f)).unwrap() == std::fs::read(fresh.join(f)).unwrap(), "{f}");
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.lines().count() == 5, "{summary}");
}

/// The golden results' fingerprint, recorded with the results version it
/// belongs to: `tests/golden/results-version.txt` holds `VERSION SHA-256`.
#[test]
fn the_results_version_changes_whenever_the_golden_results_do() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut bytes = Vec::new();
    for f in ["summary.csv", "recommendation.csv"] {
        bytes.extend(std::fs::read(golden.join(f)).unwrap());
    }
    let now = simcall::study::InputFile::of(&golden, &bytes).sha256;
    let record = golden.join("results-version.txt");
    let text = std::fs::read_to_string(&record).unwrap_or_default();
    let (version, sha) = text.trim().split_once(' ').unwrap_or(("0", ""));
    let version: u32 = version.parse().unwrap();
    if sha == now {
        assert!(simcall::RESULTS_VERSION >= version, "the results version went back");
        return;
    }
    if simcall::RESULTS_VERSION > version && std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&record, format!("{} {now}\n", simcall::RESULTS_VERSION)).unwrap();
        return;
    }
    panic!(
        "the golden results changed since results version {version}: stored cells of the old numbers would be reused. \
         Bump simcall::RESULTS_VERSION (src/lib.rs), then run with UPDATE_GOLDEN=1"
    );
}
