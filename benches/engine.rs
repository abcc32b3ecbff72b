//! Engine throughput against a minimal hand-written loop, in one process.
//!
//!     cargo bench --no-default-features --bench engine              # 1e6 arrivals, 3 runs each
//!     cargo bench --no-default-features --bench engine -- 1e7 5     # arrivals, runs
//!     cargo bench --no-default-features --bench engine -- 1e6 1 erlang_b   # one model only
//!     cargo bench --no-default-features --bench engine -- memory    # peak RSS, 1e6 vs 1e8 arrivals
//!     cargo bench --no-default-features --bench engine -- pools     # least_loaded vs round_robin, 5,000 copies
//!     cargo bench --no-default-features --bench engine -- platform  # models/platform.toml, one week
//!
//! Models (those of `bench/peers/`): Erlang B is M/M/50/50 at 45 Erl (arrival
//! rate 0.25/s, mean holding 180 s); Erlang A is M/M/50+M, arrival rate 0.3/s,
//! mean holding 180 s, mean patience 60 s. simcall runs one replication
//! through `simulate`, exactly what `simcall run` does per replication, on a
//! model parsed from TOML. The baseline is the loop one would write for that
//! one model: a binary heap of departure times, and for Erlang A a FIFO of
//! patience deadlines checked when a server frees. Figures are medians of the
//! runs, printed as arrivals per second and as the ratio baseline/simcall
//! (the machines are shared and noisy: only the ratio is comparable).

use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;
use simcall::config::ModelDoc;
use simcall::simulation::simulate;
use simcall::statistics::ReplicationMetrics;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const C: usize = 50;
const MEAN_HOLD_S: f64 = 180.0;

fn model_toml(arrivals: f64, rate: f64, patience: bool) -> String {
    let (patience, on_full) = if patience {
        ("patience = { dist = \"exponential\", mean = \"60s\" }", "{ queue = {} }")
    } else {
        ("", "\"reject\"")
    };
    format!(
        r#"
        name = "bench"
        [run]
        horizon = "{h}s"
        replications = 1
        seed = 1
        [[sources]]
        name = "s"
        arrivals = {{ rate = "{rate}/s" }}
        holding = {{ dist = "exponential", mean = "{MEAN_HOLD_S}s" }}
        {patience}
        [[limits]]
        name = "servers"
        capacity = {C}
        on_full = {on_full}
        "#,
        h = arrivals / rate
    )
}

/// Ordered f64 for the baseline's heap (times are finite).
#[derive(PartialEq)]
struct T(f64);
impl Eq for T {}
impl PartialOrd for T {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for T {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Hand-written M/M/c/c: returns the blocked fraction.
fn baseline_erlang_b(n: u64, rate: f64, seed: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (ia, hold) = (Exp::new(rate).unwrap(), Exp::new(1.0 / MEAN_HOLD_S).unwrap());
    let mut busy: BinaryHeap<Reverse<T>> = BinaryHeap::with_capacity(C);
    let (mut now, mut blocked) = (0.0, 0u64);
    for _ in 0..n {
        now += ia.sample(&mut rng);
        while busy.peek().is_some_and(|Reverse(T(t))| *t <= now) {
            busy.pop();
        }
        if busy.len() < C {
            busy.push(Reverse(T(now + hold.sample(&mut rng))));
        } else {
            blocked += 1;
        }
    }
    blocked as f64 / n as f64
}

/// Hand-written M/M/c+M: returns the abandoned fraction.
fn baseline_erlang_a(n: u64, rate: f64, seed: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (ia, hold, pat) =
        (Exp::new(rate).unwrap(), Exp::new(1.0 / MEAN_HOLD_S).unwrap(), Exp::new(1.0 / 60.0).unwrap());
    let mut busy: BinaryHeap<Reverse<T>> = BinaryHeap::with_capacity(C);
    let mut queue: VecDeque<f64> = VecDeque::new(); // patience deadlines, FIFO
    let (mut now, mut abandoned) = (0.0, 0u64);
    for _ in 0..n {
        now += ia.sample(&mut rng);
        // Serve departures up to now; each freed server takes the first caller still waiting.
        while let Some(Reverse(T(t))) = busy.peek() {
            let t = *t;
            if t > now {
                break;
            }
            busy.pop();
            while let Some(deadline) = queue.pop_front() {
                if deadline >= t {
                    busy.push(Reverse(T(t + hold.sample(&mut rng))));
                    break;
                }
                abandoned += 1;
            }
        }
        if busy.len() < C {
            busy.push(Reverse(T(now + hold.sample(&mut rng))));
        } else {
            queue.push_back(now + pat.sample(&mut rng));
        }
    }
    abandoned as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<R>(f: impl FnOnce() -> R) -> (f64, R) {
    let t = Instant::now();
    let r = black_box(f());
    (t.elapsed().as_secs_f64(), r)
}

fn compare(name: &str, n: f64, runs: usize, rate: f64, patience: bool) {
    let model = ModelDoc::parse(&model_toml(n, rate, patience), Path::new("bench.toml")).unwrap().build().unwrap();
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let (mut est_ours, mut est_base) = (0.0, 0.0);
    let metric = if patience { "abandonment_probability" } else { "blocking_probability" };
    for run in 0..runs {
        let (s, r) = time(|| ReplicationMetrics::of(&simulate(&model, 0, run as u32)));
        ours.push(r.total.attempts / s);
        est_ours = if patience { r.total.abandonment_probability } else { r.total.blocking_probability };
        let (s, frac) = time(|| {
            if patience {
                baseline_erlang_a(n as u64, rate, run as u64)
            } else {
                baseline_erlang_b(n as u64, rate, run as u64)
            }
        });
        base.push(n / s);
        est_base = frac;
    }
    let (o, b) = (median(ours), median(base));
    println!(
        "{name}: simcall {:.2} M arrivals/s, hand-written loop {:.2} M/s, ratio loop/simcall {:.2} ({metric}: simcall {est_ours:.5}, loop {est_base:.5}; {n:.0} arrivals, median of {runs})",
        o / 1e6,
        b / 1e6,
        b / o
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A pool of 5,000 copies of `kind` behind a Poisson source (`rate` calls/s,
/// holding 3 min): the copy choice is the only work that grows with the pool.
fn pool_toml(select: &str, limit: &str, rate: f64, hours: f64) -> String {
    format!(
        r#"
        name = "pool"
        [run]
        horizon = "{hours}h"
        replications = 1
        seed = 1
        [[sources]]
        name = "s"
        arrivals = {{ rate = "{rate}/s" }}
        holding = {{ dist = "exponential", mean = "3m" }}
        [[limits]]
        name = "pool"
        pool = 5000
        select = "{select}"
        {limit}
        "#
    )
}

/// least_loaded against round_robin on each kind of 5,000-copy pool, with
/// room to spare (30 calls/s) and overloaded (105 calls/s: round_robin then
/// walks past full copies of the rate kinds), each the fastest of its runs.
fn pools() {
    let kinds = [
        ("concurrency, 2 each", "capacity = 2"),
        ("sliding window, 30/h each", "kind = \"rate\"\nmax = 30\nwindow = \"1h\"\nalgorithm = \"sliding_window\""),
        ("fixed window, 30/h each", "kind = \"rate\"\nmax = 30\nwindow = \"1h\"\nalgorithm = \"fixed_window\""),
        ("token bucket, 30/h each", "kind = \"rate\"\nmax = 30\nwindow = \"1h\"\nalgorithm = \"token_bucket\""),
        (
            "tokens with growth, 20k TPM each",
            "kind = \"tokens\"\ntokens_per_minute = 20000\ntokens_per_call_minute = 1800\ngrowth_per_minute = 60",
        ),
    ];
    for (rate, hours) in [(30.0, 8.0), (105.0, 2.0)] {
        for (name, limit) in kinds {
            let mut secs = Vec::new();
            let mut arrivals = 0.0;
            for select in ["round_robin", "least_loaded"] {
                let toml = pool_toml(select, limit, rate, hours);
                let model = ModelDoc::parse(&toml, Path::new("pool.toml")).unwrap().build().unwrap();
                // The least of up to five runs (at least one, at most about
                // 2 s in all): one run of 0.2 s varies by ±20% on its own.
                let (mut best, mut spent) = (f64::INFINITY, 0.0);
                for _ in 0..5 {
                    let (s, r) = time(|| ReplicationMetrics::of(&simulate(&model, 0, 0)));
                    (best, spent, arrivals) = (best.min(s), spent + s, r.total.attempts);
                    if spent > 2.0 {
                        break;
                    }
                }
                secs.push(best);
            }
            println!(
                "pool of 5,000 ({name}) at {rate}/s: round_robin {:.2} s, least_loaded {:.2} s, ratio {:.2} ({arrivals:.0} arrivals, {hours} simulated hours)",
                secs[0],
                secs[1],
                secs[1] / secs[0]
            );
        }
    }
}

/// The shipped platform model, one week, one replication, against the
/// Erlang B hand loop measured in the same run.
fn platform() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/platform.toml");
    let mut doc = ModelDoc::load(&path).unwrap();
    doc.set("run.replications", toml::Value::Integer(1)).unwrap();
    let model = doc.build().unwrap();
    let (s, r) = time(|| ReplicationMetrics::of(&simulate(&model, 0, 0)));
    let n = 1e7;
    let (b, _) = time(|| baseline_erlang_b(n as u64, 0.25, 0));
    let (ours, base) = (r.total.attempts / s, n / b);
    println!(
        "platform week (models/platform.toml, 1 replication): {s:.1} s, {:.2} M attempts, {:.2} M attempts/s; hand-written M/M/50/50 loop {:.2} M/s, ratio loop/platform {:.2}",
        r.total.attempts / 1e6,
        ours / 1e6,
        base / 1e6,
        base / ours
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    match args.first().map(String::as_str) {
        Some("pools") => return pools(),
        Some("platform") => return platform(),
        _ => {}
    }
    if args.first().map(String::as_str) == Some("memory") {
        // Peak RSS only grows: run the small case first, then the large one.
        for n in [1e6, 1e8] {
            let model = ModelDoc::parse(&model_toml(n, 0.3, true), Path::new("bench.toml")).unwrap().build().unwrap();
            let (s, r) = time(|| ReplicationMetrics::of(&simulate(&model, 0, 0)));
            println!(
                "memory: {n:.0e} arrivals (Erlang A) in {s:.1} s, peak RSS so far {} MiB, attempts {}",
                peak_rss_kib() / 1024,
                r.total.attempts
            );
        }
        return;
    }
    let n: f64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1e6);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let only = args.get(2).map(String::as_str); // "erlang_b" or "erlang_a", for profiling
    if only != Some("erlang_a") {
        compare("erlang_b M/M/50/50 45 Erl", n, runs, 0.25, false);
    }
    if only != Some("erlang_b") {
        compare("erlang_a M/M/50+M", n, runs, 0.3, true);
    }
}
