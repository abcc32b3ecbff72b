//! The time series of a run: per bucket of simulated time (5 minutes unless
//! `[run] timeseries` says otherwise), what arrived and happened and how full
//! each limit was, so a review sees when the peak hits each cap.
//!
//! The engine pays nothing between buckets: at each bucket boundary a tick
//! event snapshots the cumulative counters and time integrals, and a bucket
//! is the difference of two snapshots.

use super::metric_set;

metric_set! {
    /// The per-bucket totals over inbound sources, in output order: counts in
    /// the bucket (attempts arriving after the warm-up), then time averages
    /// over it. In a [`Snapshot`] the same fields hold cumulative counts and
    /// time integrals.
    pub struct SeriesTotals {
        /// First attempts.
        offered_calls,
        /// All attempts.
        attempts,
        /// Attempts answered.
        carried_calls,
        /// Attempts blocked.
        blocked_calls,
        /// Attempts abandoned.
        abandoned_calls,
        /// Attempts failed after connecting.
        failed_after_connect,
        /// Time-average calls in progress.
        mean_concurrency,
        /// Time-average callers and requests waiting, over all limits.
        mean_waiting,
    }
}

/// Cumulative values at an instant: the counters of [`SeriesTotals`] (time
/// averages as integrals), and per limit its use integral (or admissions,
/// for rate limits).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Cumulative counts and integrals.
    pub totals: SeriesTotals,
    /// Per limit, [`super::LimitCounts::use_integral`].
    pub limits: Vec<f64>,
}

/// One bucket: its start (s since Monday 00:00) and values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bucket {
    /// Start of the bucket (s since Monday 00:00).
    pub start_s: f64,
    /// Counts in the bucket and time averages over it.
    pub totals: SeriesTotals,
    /// Per limit, its mean use over the bucket in the limit's unit (slots,
    /// admissions per window, tokens per minute).
    pub limits: Vec<f64>,
}

/// How a limit's snapshot value turns into mean use over a bucket: what
/// [`UseScale::of`] says of each kind of limit.
#[derive(Debug, Clone, Copy)]
pub enum UseScale {
    /// An integral over time: divide by the bucket width.
    Integral,
    /// A count of admissions: per window of this many seconds.
    PerWindow(f64),
}

impl UseScale {
    /// The scale of a limit of kind `kind`: a rate limit counts admissions
    /// (use is per its window); concurrency and token limits integrate
    /// their use over time.
    pub fn of(kind: &crate::model::LimitKind) -> Self {
        match *kind {
            crate::model::LimitKind::Rate { window_s, .. } => UseScale::PerWindow(window_s),
            crate::model::LimitKind::Concurrency { .. } | crate::model::LimitKind::Tokens { .. } => UseScale::Integral,
        }
    }
}

/// Collects buckets from successive snapshots.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Bucket width (s).
    pub bucket_s: f64,
    scales: Vec<UseScale>,
    last: Snapshot,
    /// The buckets closed so far.
    pub buckets: Vec<Bucket>,
}

impl Recorder {
    /// A recorder of `bucket_s`-wide buckets starting from snapshot `first`.
    pub fn new(bucket_s: f64, scales: Vec<UseScale>, first: Snapshot) -> Self {
        Recorder { bucket_s, scales, last: first, buckets: Vec::new() }
    }

    /// Closes the bucket that started at `start_s` with snapshot `now`.
    pub fn tick(&mut self, start_s: f64, now: Snapshot) {
        let b = self.bucket_s;
        let (n, l) = (&now.totals, &self.last.totals);
        let totals = SeriesTotals {
            offered_calls: n.offered_calls - l.offered_calls,
            attempts: n.attempts - l.attempts,
            carried_calls: n.carried_calls - l.carried_calls,
            blocked_calls: n.blocked_calls - l.blocked_calls,
            abandoned_calls: n.abandoned_calls - l.abandoned_calls,
            failed_after_connect: n.failed_after_connect - l.failed_after_connect,
            mean_concurrency: (n.mean_concurrency - l.mean_concurrency) / b,
            mean_waiting: (n.mean_waiting - l.mean_waiting) / b,
        };
        let limits = (0..now.limits.len())
            .map(|k| {
                let d = now.limits[k] - self.last.limits[k];
                match self.scales[k] {
                    UseScale::Integral => d / b,
                    UseScale::PerWindow(w) => d / b * w,
                }
            })
            .collect();
        self.buckets.push(Bucket { start_s, totals, limits });
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_differences_of_snapshots() {
        let snap = |c: f64, integral: f64, lim: f64| Snapshot {
            totals: SeriesTotals {
                offered_calls: c,
                attempts: c,
                carried_calls: c,
                mean_concurrency: integral,
                ..Default::default()
            },
            limits: vec![lim, lim],
        };
        let mut r = Recorder::new(300.0, vec![UseScale::Integral, UseScale::PerWindow(1.0)], snap(0.0, 0.0, 0.0));
        r.tick(0.0, snap(10.0, 3000.0, 600.0));
        r.tick(300.0, snap(25.0, 3600.0, 900.0));
        assert_eq!(r.buckets[1].totals.offered_calls, 15.0);
        assert_eq!(r.buckets[1].totals.mean_concurrency, 2.0); // 600 call-seconds over 300 s
        assert_eq!(r.buckets[1].limits, vec![1.0, 1.0]);
    }
}
