//! What a call log says per interval, read alike from a real log and from
//! a simulated one: calls offered (first attempts), attempts, answered,
//! abandoned, blocked, the mean wait and the peak of answered calls in
//! progress, each attempt counted in the interval it arrived in.

use crate::fit::outcomes::first_attempts;
use crate::model::{CallLog, LoggedOutcome};

/// The metrics compared per interval, in output order.
pub const METRICS: [&str; 7] = [
    "offered_calls",
    "attempts",
    "answered_calls",
    "abandoned_calls",
    "blocked_calls",
    "mean_wait_s",
    "peak_concurrency",
];

/// Metrics whose daily figure is a sum of its intervals' (the others have none).
pub fn is_count(metric: usize) -> bool {
    metric <= 4
}

/// Per interval of `width_s` from time 0 to `end_s`, the [`METRICS`]
/// (`values[interval][metric]`; a mean wait with no attempt is NaN, and
/// metrics the log has no column for are NaN).
pub fn per_interval(log: &CallLog, width_s: f64, end_s: f64) -> Vec<[f64; 7]> {
    let n = (end_s / width_s).ceil() as usize;
    let mut v = vec![[0.0; 7]; n];
    let first = first_attempts(log);
    let bucket = |t: f64| ((t / width_s) as usize).min(n.saturating_sub(1));
    let mut wait_sum = vec![0.0; n];
    for (i, &t) in log.starts_s.iter().enumerate() {
        if t >= end_s || t < 0.0 {
            continue;
        }
        let row = &mut v[bucket(t)];
        row[0] += first[i] as u8 as f64;
        row[1] += 1.0;
        if let Some(o) = &log.outcomes {
            let k = match o[i] {
                LoggedOutcome::Answered => 2,
                LoggedOutcome::Abandoned => 3,
                LoggedOutcome::Blocked => 4,
            };
            row[k] += 1.0;
        }
        if let Some(w) = &log.waits_s {
            wait_sum[bucket(t)] += w[i] as f64;
        }
    }
    for (k, row) in v.iter_mut().enumerate() {
        if log.outcomes.is_none() {
            row[2..5].fill(f64::NAN);
        }
        row[5] = if log.waits_s.is_some() && row[1] > 0.0 { wait_sum[k] / row[1] } else { f64::NAN };
        row[6] = f64::NAN;
    }
    if let (Some(o), Some(w), Some(talk)) = (&log.outcomes, &log.waits_s, &log.talks_s) {
        for (k, peak) in peak_in_progress(&log.starts_s, o, w, talk, width_s, n).into_iter().enumerate() {
            v[k][6] = peak;
        }
    }
    v
}

/// The most answered calls in progress at once in each of `n` intervals:
/// each from its answer (start + wait) to its end (+ talk time).
fn peak_in_progress(starts: &[f64], o: &[LoggedOutcome], w: &[f32], talk: &[f32], width_s: f64, n: usize) -> Vec<f64> {
    let mut edges: Vec<(f64, i32)> = Vec::new();
    for i in 0..starts.len() {
        if o[i] == LoggedOutcome::Answered && !talk[i].is_nan() {
            let on = starts[i] + w[i] as f64;
            edges.push((on, 1));
            edges.push((on + talk[i] as f64, -1));
        }
    }
    // Ends before starts at one instant: a call ending as another begins is not two.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut peak = vec![0.0f64; n];
    let (mut level, mut k) = (0i32, 0usize);
    for (t, step) in edges {
        let b = (t / width_s) as usize;
        while k < n && k < b {
            k += 1;
            if k < n {
                peak[k] = peak[k].max(level as f64); // carried into the next interval
            }
        }
        level += step;
        if b < n {
            peak[b] = peak[b].max(level as f64);
        }
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoggedOutcome::*;

    #[test]
    fn intervals_count_by_arrival_and_peaks_carry_over() {
        // Caller 1 abandons at 10 s after 5 s, redials at 100 s and is
        // answered after 20 s for 1,000 s; caller 2 is blocked at 700 s.
        let log = CallLog {
            starts_s: vec![10.0, 100.0, 700.0],
            durations_s: vec![5.0, 1020.0, 0.0],
            outcomes: Some(vec![Abandoned, Answered, Blocked]),
            waits_s: Some(vec![5.0, 20.0, 0.0]),
            talks_s: Some(vec![f32::NAN, 1000.0, f32::NAN]),
            callers: Some(vec![1, 1, 2]),
            monday: None,
        };
        assert_eq!(first_attempts(&log), vec![true, false, true]);
        let v = per_interval(&log, 600.0, 1800.0);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0][..5], [1.0, 2.0, 1.0, 1.0, 0.0]);
        assert_eq!(v[0][5], 12.5);
        assert_eq!(v[1][..5], [1.0, 1.0, 0.0, 0.0, 1.0]);
        // The answered call runs from 120 s to 1,120 s: in progress in the
        // first two intervals, not in the third.
        assert_eq!([v[0][6], v[1][6], v[2][6]], [1.0, 1.0, 0.0]);
        assert!(v[2][5].is_nan());
    }
}
