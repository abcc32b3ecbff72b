//! The bad-input suite (`tests/bad/`): files an adversarial user might
//! give — ones that used to panic, hang, exhaust memory, be accepted as
//! nonsense, get an unclear message or write outside the output folder.
//! Each starts with (or, for a call log, has beside it in `.expect`) its
//! kind, the command, the key the message must name and a phrase it must
//! contain. Each must end with exit code 2 within 20 s, naming the key,
//! without a panic, and write nothing outside the working folder; memory
//! cases run under a 4 GiB address-space limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Case {
    file: PathBuf,
    kind: String,
    command: String,
    key: String,
    message: String,
}

fn header(text: &str, field: &str) -> String {
    text.lines().find_map(|l| l.strip_prefix(&format!("# {field}:"))).map(|v| v.trim().to_string()).unwrap_or_default()
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "csv"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let expect = PathBuf::from(format!("{}.expect", file.display()));
            let text = std::fs::read_to_string(if expect.exists() { &expect } else { &file }).unwrap();
            Case {
                kind: header(&text, "kind"),
                command: header(&text, "command"),
                key: header(&text, "key"),
                message: header(&text, "message"),
                file,
            }
        })
        .collect()
}

/// Runs simcall on the case from `cwd`, killing it after 20 s; returns
/// (exit code, stderr), or `None` if it had to be killed.
fn run(case: &Case, cwd: &Path) -> Option<(Option<i32>, String)> {
    let exe = env!("CARGO_BIN_EXE_simcall");
    let file = case.file.to_str().unwrap();
    // The command's first word is the verb; the rest follow the file.
    let mut words = case.command.split_whitespace();
    let args: Vec<&str> = match words.next().unwrap_or("run") {
        "fit" => vec!["fit", file, "--out", "fit-out"],
        verb => [verb, file].into_iter().chain(words).collect(),
    };
    let limit = if case.kind == "memory" { "ulimit -v 4194304; " } else { "" };
    let script = format!("{limit}exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(exe)
        .args(&args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return Some((status.code(), err));
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_bad_input_is_refused_at_its_key_with_exit_2() {
    let cases = cases();
    assert!(cases.len() >= 60, "the suite has {} files", cases.len());
    let kinds: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.kind.as_str()).collect();
    for k in ["panic", "hang", "memory", "silent", "unclear", "output"] {
        assert!(kinds.contains(k), "no case of kind {k}");
    }
    let mut failures = Vec::new();
    for case in &cases {
        let work = tempfile::tempdir().unwrap();
        let cwd = work.path().join("here");
        std::fs::create_dir(&cwd).unwrap();
        let name = case.file.file_name().unwrap().to_string_lossy().into_owned();
        match run(case, &cwd) {
            None => failures.push(format!("{name}: still running after 20 s")),
            Some((code, err)) => {
                if code != Some(2) {
                    failures.push(format!("{name}: exit {code:?}, not 2: {}", err.lines().next().unwrap_or("")));
                } else if err.contains("panicked") {
                    failures.push(format!("{name}: panicked: {err}"));
                } else if !err.contains(&case.key) || !err.contains(&case.message) {
                    failures.push(format!(
                        "{name}: the message does not name `{}` with {:?}: {}",
                        case.key,
                        case.message,
                        err.lines().next().unwrap_or("")
                    ));
                }
            }
        }
        // Nothing outside the working folder: the sibling of `here` stays empty.
        let stray: Vec<String> = std::fs::read_dir(work.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "here")
            .collect();
        if !stray.is_empty() {
            failures.push(format!("{name}: wrote outside its folder: {stray:?}"));
        }
    }
    assert!(!Path::new("/tmp/simcall-escaped").exists(), "an absolute name wrote to /tmp");
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs mishandled:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// `simcall [--yes] validate FILE` on a model written to a temporary folder:
/// (exit code, stdout + stderr).
fn validate(model: &str, yes: bool) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(&file, model).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simcall"));
    if yes {
        cmd.arg("--yes");
    }
    let out = cmd.args(["--threads", "1", "validate"]).arg(&file).output().unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn pool_model(rate: &str, replications: u64, pool: u64) -> String {
    format!(
        "name = \"big\"\n[run]\nhorizon = \"1d\"\nreplications = {replications}\n[[sources]]\nname = \"in\"\n\
         arrivals = {{ rate = \"{rate}\" }}\nholding = {{ dist = \"exponential\", mean = \"1s\" }}\n\
         [[limits]]\nname = \"keys\"\ncapacity = 10\npool = {pool}\n"
    )
}

#[test]
fn soft_limits_yield_to_yes_and_hard_limits_and_memory_do_not() {
    // 2.6·10⁹ arrivals per replication: beyond the soft 2·10⁹, within the hard 10¹².
    let (code, out) = validate(&pool_model("30000/s", 2, 1), false);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("sources.in.arrivals") && out.contains("pass --yes"), "{out}");
    let (code, out) = validate(&pool_model("30000/s", 2, 1), true);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2.592e9 arrivals per replication") && out.contains("86 min of one core"), "{out}");
    // 2·10⁶ replications: beyond the hard limit, refused with or without --yes.
    for yes in [false, true] {
        let (code, out) = validate(&pool_model("1/s", 2_000_000, 1), yes);
        assert_eq!(code, Some(2), "{out}");
        assert!(out.contains("run.replications") && out.contains("even with --yes"), "{out}");
    }
    // 10⁸ copies (the hard limit) need about 30 GB at one thread: more than
    // this machine's available memory, so refused even with --yes.
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let available_kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    if available_kib > 0.0 && available_kib * 1024.0 < 29e9 {
        let (code, out) = validate(&pool_model("1/s", 2, 100_000_000), true);
        assert_eq!(code, Some(2), "{out}");
        assert!(out.contains("of memory and this machine has"), "{out}");
    }
}
