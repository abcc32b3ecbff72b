//! The time series of a run: per bucket of simulated time (5 minutes unless
//! `[run] timeseries` says otherwise), what arrived and happened and how full
//! each limit was, so a review sees when the peak hits each cap.
//!
//! The engine pays nothing between buckets: at each bucket boundary a tick
//! event snapshots the cumulative counters and time integrals, and a bucket
//! is the difference of two snapshots.

use crate::units::WEEKDAYS;

/// Names of the per-bucket totals, in output order: counts in the bucket
/// (attempts arriving after the warm-up), then time averages over it.
pub const SERIES: [&str; 8] = [
    "offered_calls",
    "attempts",
    "carried_calls",
    "blocked_calls",
    "abandoned_calls",
    "failed_after_connect",
    "mean_concurrency",
    "mean_waiting",
];
/// Index of the first time-average entry of [`SERIES`].
const FIRST_AVERAGE: usize = 6;

/// Cumulative values at an instant: the counters of [`SERIES`] (time
/// averages as integrals), and per limit its use integral (or admissions,
/// for rate limits).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub totals: [f64; SERIES.len()],
    pub limits: Vec<f64>,
}

/// One bucket: its start (s since Monday 00:00) and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start_s: f64,
    /// One value per name of [`SERIES`].
    pub totals: [f64; SERIES.len()],
    /// Per limit, its mean use over the bucket in the limit's unit (slots,
    /// admissions per window, tokens per minute).
    pub limits: Vec<f64>,
}

/// How a limit's snapshot value turns into mean use over a bucket.
#[derive(Debug, Clone, Copy)]
pub enum UseScale {
    /// An integral over time: divide by the bucket width.
    Integral,
    /// A count of admissions: per window of this many seconds.
    PerWindow(f64),
}

/// Collects buckets from successive snapshots.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub bucket_s: f64,
    scales: Vec<UseScale>,
    last: Snapshot,
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
        let mut totals = [0.0; SERIES.len()];
        for (k, t) in totals.iter_mut().enumerate() {
            let d = now.totals[k] - self.last.totals[k];
            *t = if k >= FIRST_AVERAGE { d / b } else { d };
        }
        let limits = (0..now.limits.len())
            .map(|l| {
                let d = now.limits[l] - self.last.limits[l];
                match self.scales[l] {
                    UseScale::Integral => d / b,
                    UseScale::PerWindow(w) => d / b * w,
                }
            })
            .collect();
        self.buckets.push(Bucket { start_s, totals, limits });
        self.last = now;
    }
}

/// The mean of each bucket over replications (all with the same buckets).
pub fn mean_over(replications: &[&[Bucket]]) -> Vec<Bucket> {
    let Some(first) = replications.first() else { return Vec::new() };
    let r = replications.len() as f64;
    (0..first.len())
        .map(|i| {
            let mut totals = [0.0; SERIES.len()];
            let mut limits = vec![0.0; first[i].limits.len()];
            for rep in replications {
                for (k, t) in totals.iter_mut().enumerate() {
                    *t += rep[i].totals[k] / r;
                }
                for (l, v) in limits.iter_mut().enumerate() {
                    *v += rep[i].limits[l] / r;
                }
            }
            Bucket { start_s: first[i].start_s, totals, limits }
        })
        .collect()
}

/// A clock label for a time in seconds since Monday 00:00, e.g. "tue 09:35"
/// (weeks wrap; a negative time is in the week before).
pub fn clock_label(t_s: f64) -> String {
    let minutes = (t_s / 60.0).floor() as i64;
    let (day, minute) = (minutes.div_euclid(1440).rem_euclid(7) as usize, minutes.rem_euclid(1440));
    format!("{} {:02}:{:02}", WEEKDAYS[day], minute / 60, minute % 60)
}

/// [`clock_label`] with the seconds, e.g. "tue 09:35:07".
pub fn clock_label_s(t_s: f64) -> String {
    format!("{}:{:02}", clock_label(t_s), (t_s.floor() as i64).rem_euclid(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_differences_of_snapshots() {
        let snap = |c: f64, integral: f64, lim: f64| Snapshot {
            totals: [c, c, c, 0.0, 0.0, 0.0, integral, 0.0],
            limits: vec![lim, lim],
        };
        let mut r = Recorder::new(300.0, vec![UseScale::Integral, UseScale::PerWindow(1.0)], snap(0.0, 0.0, 0.0));
        r.tick(0.0, snap(10.0, 3000.0, 600.0));
        r.tick(300.0, snap(25.0, 3600.0, 900.0));
        assert_eq!(r.buckets[1].totals[0], 15.0);
        assert_eq!(r.buckets[1].totals[6], 2.0); // 600 call-seconds over 300 s
        assert_eq!(r.buckets[1].limits, vec![1.0, 1.0]);
        assert_eq!(clock_label(86_400.0 + 9.0 * 3600.0 + 35.0 * 60.0), "tue 09:35");
        assert_eq!(clock_label_s(86_400.0 + 9.0 * 3600.0 + 35.0 * 60.0 + 7.9), "tue 09:35:07");
        assert_eq!(clock_label_s(-3600.0), "sun 23:00:00");
    }
}
