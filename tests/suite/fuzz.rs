//! The short fuzz run of the test command (stable Rust, no libFuzzer): the
//! shipped models, experiments and unit examples, mutated by proptest
//! (numbers swapped for extreme values, lines dropped, doubled or swapped,
//! bytes flipped, inserted or cut off), through the same checks as the
//! cargo-fuzz targets (`tests/invariants.rs`). Fixed seeds, so
//! every run tries the same inputs; the long, coverage-guided runs are
//! `cargo +nightly fuzz run` (README, "Limits and bad input").

use crate::invariants::{experiment_bytes, model_bytes, unit_bytes};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::path::{Path, PathBuf};

/// Values that have broken parsers before: out of range, not finite,
/// subnormal, of the wrong type, empty.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "1e-308",
    "5e-324",
    "nan",
    "inf",
    "-0.0",
    "99999999999999999999",
    "4294967296",
    "\"\"",
    "\"1e400s\"",
    "\"0s\"",
    "\"1e13/s\"",
    "\"-5m\"",
    "\"1e-200s\"",
    "\"1e20s\"",
    "\"monkey 09:00\"",
    "[]",
    "{}",
    "true",
    "\"../../x\"",
    "\"/abs\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    Extreme { at: usize, value: usize },
    DropLine(usize),
    DoubleLine(usize),
    SwapLines(usize, usize),
    FlipByte(usize, u8),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        3 => (i, 0..EXTREMES.len()).prop_map(|(at, value)| Mutation::Extreme { at, value }),
        1 => i.prop_map(Mutation::DropLine),
        1 => i.prop_map(Mutation::DoubleLine),
        1 => (i, i).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (i, any::<u8>()).prop_map(|(a, b)| Mutation::FlipByte(a, b)),
        1 => (i, proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(a, b)| Mutation::Insert(a, b)),
        1 => i.prop_map(Mutation::Truncate),
    ]
}

/// The spans of number-like tokens and of quoted strings in `text`.
fn values(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let start = i;
        if c == b'"' {
            i += 1;
            while i < text.len() && text[i] != b'"' && text[i] != b'\n' {
                i += 1;
            }
            i += 1;
            out.push((start, i.min(text.len())));
        } else if c.is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric()) {
            while i < text.len() && (text[i].is_ascii_alphanumeric() || b".+-_".contains(&text[i])) {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

fn apply(mut text: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let lines = |t: &[u8]| -> Vec<Vec<u8>> { t.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect() };
    match m {
        Mutation::Extreme { at, value } => {
            let spans = values(&text);
            if let Some(&(a, b)) = spans.get(at % spans.len().max(1)) {
                text.splice(a..b, EXTREMES[*value].bytes());
            }
            text
        }
        Mutation::DropLine(i) | Mutation::DoubleLine(i) => {
            let mut ls = lines(&text);
            let i = i % ls.len();
            if matches!(m, Mutation::DropLine(_)) {
                ls.remove(i);
            } else {
                ls.insert(i, ls[i].clone());
            }
            ls.join(&b'\n')
        }
        Mutation::SwapLines(a, b) => {
            let mut ls = lines(&text);
            let n = ls.len();
            ls.swap(a % n, b % n);
            ls.join(&b'\n')
        }
        Mutation::FlipByte(i, b) => {
            if !text.is_empty() {
                let n = text.len();
                text[i % n] ^= b | 1;
            }
            text
        }
        Mutation::Insert(i, bytes) => {
            let at = i % (text.len() + 1);
            text.splice(at..at, bytes.iter().copied());
            text
        }
        Mutation::Truncate(i) => {
            text.truncate(i % (text.len() + 1));
            text
        }
    }
}

fn shipped(folder: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Runs `check` on `cases` mutants of `seeds` (proptest, seed `seed`) and
/// returns how many it accepted. A panic in `check` fails the test with
/// the smallest mutant proptest finds.
fn mutants(seeds: &[Vec<u8>], cases: u32, seed: u64, check: impl Fn(&[u8]) -> bool) -> u32 {
    let config = Config { cases, rng_seed: RngSeed::Fixed(seed), failure_persistence: None, ..Config::default() };
    let accepted = std::cell::Cell::new(0);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..4));
    proptest::test_runner::TestRunner::new(config)
        .run(&strategy, |(i, ms)| {
            accepted.set(accepted.get() + u32::from(check(&ms.iter().fold(seeds[i].clone(), apply))));
            Ok(())
        })
        .unwrap();
    accepted.get()
}

/// Both kinds of outcome are common, so the run exercises the builders as
/// well as the refusals: between 5% and 95% of the mutants accepted.
fn assert_mixed(accepted: u32, cases: u32) {
    let share = f64::from(accepted) / f64::from(cases);
    assert!((0.05..=0.95).contains(&share), "{accepted} of {cases} mutants accepted");
}

/// A folder `experiments/` beside a copy of the shipped `models/`, so the
/// shipped experiments' `model = "../models/…"` resolve.
fn experiment_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap().flatten() {
        std::fs::copy(e.path(), models.join(e.file_name())).unwrap();
    }
    let experiments = dir.path().join("experiments");
    std::fs::create_dir(&experiments).unwrap();
    (dir, experiments)
}

#[test]
fn shipped_models_and_their_mutations_never_break_the_model_rules() {
    let seeds = shipped("models");
    assert!(seeds.iter().all(|s| model_bytes(s)), "a shipped model is refused");
    assert_mixed(mutants(&seeds, 5000, 20261201, model_bytes), 5000);
}

#[test]
fn shipped_experiments_and_their_mutations_never_break_the_grid_rules() {
    let (_keep, dir) = experiment_dir();
    let check = |b: &[u8]| experiment_bytes(b, &dir);
    // Plans (files with `choices`) are not experiments.
    let seeds: Vec<Vec<u8>> =
        shipped("experiments").into_iter().filter(|s| !String::from_utf8_lossy(s).contains("choices")).collect();
    assert!(seeds.len() >= 3 && seeds.iter().all(|s| check(s)), "a shipped experiment is refused");
    assert_mixed(mutants(&seeds, 2000, 20261202, check), 2000);
}

#[test]
fn unit_texts_and_their_mutations_never_give_a_value_outside_the_rules() {
    let seeds: Vec<Vec<u8>> = ["250ms", "5s", "3m", "1h30m", "2d", "12/min", "3/s", "45erl", "20 erl", "mon", "monday"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    assert!(seeds.iter().all(|s| unit_bytes(s)));
    // The crash `cargo fuzz run units` found: 306 digits of hours (infinity).
    assert!(!unit_bytes(format!("{}h", "6".repeat(306)).as_bytes()));
    assert_mixed(mutants(&seeds, 50_000, 20261203, unit_bytes), 50_000);
}
