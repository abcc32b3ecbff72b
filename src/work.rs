//! The work a model asks for: arrivals, replications, core time and peak
//! memory, estimated from its own figures before anything runs. `simcall
//! validate` prints it; the input bounds ([`crate::config::bounds`]) check
//! it.

use crate::model::{Arrivals, LimitKind, Model, RateAlgorithm, Select};

/// First attempts a replication of `m` expects (sources and campaigns).
pub fn arrivals_per_replication(m: &Model) -> f64 {
    let span = m.run.horizon_s + m.run.warmup_s;
    let sources: f64 = m
        .sources
        .iter()
        .map(|s| match &s.arrivals {
            Arrivals::Trace(calls) => calls.len() as f64,
            Arrivals::Population { size, rate_per_idle_per_s } => *size as f64 * rate_per_idle_per_s * span,
            _ => s.arrival_rate_per_s * span,
        })
        .sum();
    let dials: f64 = m.campaigns.iter().map(|c| c.lead_zones.len() as f64 * c.max_attempts as f64).sum();
    sources + dials
}

/// Time-series values a run keeps: buckets × columns × replications (0
/// without a time series).
pub fn series_values(m: &Model) -> f64 {
    m.run
        .timeseries_bucket_s
        .map_or(0.0, |b| (m.run.horizon_s / b).ceil() * (8 + 2 * m.limits.len()) as f64 * m.run.max_replications as f64)
}

/// First attempts per second one core runs through a full limit chain
/// (measured: the platform model, 0.96·10⁶/s; plain M/M/c/c runs about
/// ten times faster), for the time estimate.
pub const ARRIVALS_PER_CORE_S: f64 = 1e6;

/// The work a model asks for: an estimate from its own figures, printed by
/// `validate` and checked against the memory limits before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Work {
    /// First attempts one replication expects.
    pub arrivals_per_replication: f64,
    /// Replications at most (`run.replications`, or its `max`).
    pub replications: u32,
    /// Seconds of one core for every replication, at
    /// [`ARRIVALS_PER_CORE_S`] (an upper estimate for simple models).
    pub core_s: f64,
    /// Peak resident memory (bytes) with `threads` replications in flight.
    pub memory_bytes: f64,
    /// The key of the largest part of the memory, for a message.
    pub memory_key: &'static str,
}

// Memory per part, fitted to peak resident sizes measured on 2026-12-01
// (`/usr/bin/time -f %M`, 1–2 threads, 2–10 replications): 10⁶ copies
// (136 MB in the model, 125 MB per replication in flight, 16 MB kept per
// replication), 2·10⁶ calls in progress (≈ 100 MB per replication in
// flight), 8.6·10⁷ time-series values (1.2 GB); a least_loaded index
// adds 17 B (concurrency) to 68 B (token budget) per copy in flight
// (counted as 80 B, to stay above).
const BASE_BYTES: f64 = 30e6;
const MODEL_BYTES_PER_COPY: f64 = 140.0;
const RUN_BYTES_PER_COPY: f64 = 125.0;
const KEPT_BYTES_PER_COPY: f64 = 16.0;
const INDEX_BYTES_PER_COPY: f64 = 80.0;
const BYTES_PER_CALL_IN_PROGRESS: f64 = 100.0;
const BYTES_PER_LEVEL: f64 = 8.0;
const BYTES_PER_SERIES_VALUE: f64 = 14.0;
const BYTES_PER_ADMISSION_HELD: f64 = 8.0;

/// Memory a sweep holds per cell until its outputs are written: measured
/// 2.5 GB peak for a grid of 10⁵ cells (2026-11-30).
const BYTES_PER_CELL_KEPT: f64 = 25e3;

impl Work {
    /// The work of a grid so far with one more cell: the largest cell's
    /// arrivals, replications and memory, core time summed.
    pub fn with_cell(self, cell: Work) -> Work {
        let largest = if cell.memory_bytes > self.memory_bytes { cell } else { self };
        Work {
            arrivals_per_replication: self.arrivals_per_replication.max(cell.arrivals_per_replication),
            replications: self.replications.max(cell.replications),
            core_s: self.core_s + cell.core_s,
            memory_bytes: largest.memory_bytes,
            memory_key: largest.memory_key,
        }
    }

    /// The work with the results of `cells` cells kept until a sweep's
    /// outputs are written.
    pub fn keeping_cells(self, cells: usize) -> Work {
        Work { memory_bytes: self.memory_bytes + cells as f64 * BYTES_PER_CELL_KEPT, ..self }
    }
}

/// The work model `m` asks for with `threads` worker threads.
pub fn work(m: &Model, threads: usize) -> Work {
    let arrivals = arrivals_per_replication(m);
    let reps = m.run.max_replications as f64;
    let in_flight = (threads.max(1) as f64).min(reps);
    let copies: f64 = m.limits.iter().map(|l| l.pool as f64).sum();
    let indexed: f64 = m.limits.iter().filter(|l| l.select == Select::LeastLoaded).map(|l| l.pool as f64).sum();
    let calls = m.offered_load_erl() + m.campaigns.iter().map(|c| c.max_concurrent as f64).sum::<f64>();
    // The time-at-level table of a concurrency limit has one entry per level reached.
    let levels: f64 = m
        .limits
        .iter()
        .map(|l| match l.kind {
            LimitKind::Concurrency { capacity } => (capacity as f64).min(calls + 1.0),
            _ => 0.0,
        })
        .sum();
    // A sliding window remembers each copy's admissions within it.
    let admissions: f64 = m
        .limits
        .iter()
        .map(|l| match l.kind {
            LimitKind::Rate { max, algorithm: RateAlgorithm::SlidingWindow, .. } => max as f64 * l.pool as f64,
            _ => 0.0,
        })
        .sum();
    let parts = [
        ("limits", copies * (MODEL_BYTES_PER_COPY + in_flight * RUN_BYTES_PER_COPY + reps * KEPT_BYTES_PER_COPY)),
        ("limits", in_flight * indexed * INDEX_BYTES_PER_COPY),
        ("sources", in_flight * calls * BYTES_PER_CALL_IN_PROGRESS),
        ("limits", (in_flight + reps) * levels * BYTES_PER_LEVEL + in_flight * admissions * BYTES_PER_ADMISSION_HELD),
        ("run.timeseries", series_values(m) * BYTES_PER_SERIES_VALUE),
    ];
    let memory_key = parts.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map_or("run", |p| p.0);
    Work {
        arrivals_per_replication: arrivals,
        replications: m.run.max_replications,
        core_s: arrivals * reps / ARRIVALS_PER_CORE_S,
        memory_bytes: BASE_BYTES + parts.iter().map(|p| p.1).sum::<f64>(),
        memory_key,
    }
}
