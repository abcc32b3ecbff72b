//! Calls in progress over a call log: peaks, percentiles over time, the
//! busy hour and the burst factor.

use crate::units::DAY_S;

const HOUR_S: f64 = 3600.0;

/// Concurrency over a log: time-weighted levels of calls in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Concurrency {
    /// Most calls in progress at once.
    pub peak: f64,
    /// 99th percentile over time.
    pub p99: f64,
    /// Median over time.
    pub median: f64,
    /// Time average.
    pub mean: f64,
    /// Per week of the log (from Monday 00:00): (peak, p99).
    pub weekly: Vec<(f64, f64)>,
    /// The busy hour: the clock hour of the day (0–23) with the highest
    /// mean concurrency over the log (time-consistent, ITU-T E.500).
    pub busy_hour: usize,
    /// Mean calls in progress in the busy hour.
    pub busy_hour_mean: f64,
    /// Most calls in progress at once in the busy hour.
    pub busy_hour_peak: f64,
}

impl Concurrency {
    /// The busy hour's peak over its mean concurrency: the multiplier a
    /// planner applies to the busy hour's mean load (1.5× in CallSphere's capacity-planning article), not
    /// a peak over a night-time median; NaN without calls in it.
    pub fn burst_factor(&self) -> f64 {
        if self.busy_hour_mean > 0.0 {
            self.busy_hour_peak / self.busy_hour_mean
        } else {
            f64::NAN
        }
    }
}

/// Calls in progress over the log's span, from its (start s, duration s),
/// counted only on the days `observed` says (days from the log's Monday
/// 00:00; a day missing from the log is not a day of zero calls), the busy
/// hour only on the days `busy` says (the weekdays, when the log has them).
pub fn concurrency(calls: &[(f64, f64)], observed: impl Fn(i64) -> bool, busy: impl Fn(i64) -> bool) -> Concurrency {
    let mut events: Vec<(f64, i32)> = calls.iter().flat_map(|c| [(c.0, 1), (c.0 + c.1, -1)]).collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // Time at each level, overall and per week.
    let week_s = 168.0 * HOUR_S;
    let mut overall: Vec<f64> = Vec::new();
    let mut weeks: Vec<(usize, Vec<f64>, f64)> = Vec::new(); // (week, time at level, peak)
                                                             // Per clock hour of the day: call-seconds, seconds covered, peak.
    let mut hours = [(0.0f64, 0.0f64, 0i64); 24];
    let (mut level, mut peak) = (0i64, 0i64);
    let mut t = events.first().map_or(0.0, |e| e.0);
    let mut add = |from: f64, to: f64, level: i64, overall: &mut Vec<f64>| {
        let mut a = from;
        while a < to {
            let w = (a / week_s).floor();
            let day = (a / DAY_S).floor();
            let b = to.min((w + 1.0) * week_s).min((day + 1.0) * DAY_S);
            if !observed(day as i64) {
                a = b;
                continue;
            }
            let l = level as usize;
            if overall.len() <= l {
                overall.resize(l + 1, 0.0);
            }
            overall[l] += b - a;
            if weeks.last().is_none_or(|x| x.0 != w as usize) {
                weeks.push((w as usize, Vec::new(), 0.0));
            }
            let wk = weeks.last_mut().expect("pushed above");
            if wk.1.len() <= l {
                wk.1.resize(l + 1, 0.0);
            }
            wk.1[l] += b - a;
            wk.2 = wk.2.max(level as f64);
            a = b;
        }
    };
    for (time, delta) in events {
        add(t, time, level, &mut overall);
        let mut a = t;
        while a < time {
            let h = (a / HOUR_S).floor();
            let b = time.min((h + 1.0) * HOUR_S);
            if busy((a / DAY_S).floor() as i64) {
                let slot = &mut hours[(h as i64).rem_euclid(24) as usize];
                slot.0 += level as f64 * (b - a);
                slot.1 += b - a;
                slot.2 = slot.2.max(level);
            }
            a = b;
        }
        t = time;
        level += delta as i64;
        if observed((t / DAY_S).floor() as i64) {
            peak = peak.max(level);
        }
        if busy((t / DAY_S).floor() as i64) {
            let slot = &mut hours[((t / HOUR_S).floor() as i64).rem_euclid(24) as usize];
            slot.2 = slot.2.max(level);
        }
    }
    let hour_mean = |h: &(f64, f64, i64)| if h.1 > 0.0 { h.0 / h.1 } else { 0.0 };
    let busy_hour = (0..24).fold(0, |best, h| if hour_mean(&hours[h]) > hour_mean(&hours[best]) { h } else { best });
    let quantile = |times: &[f64], q: f64| {
        let total: f64 = times.iter().sum();
        let mut acc = 0.0;
        for (l, x) in times.iter().enumerate() {
            acc += x;
            if acc >= q * total {
                return l as f64;
            }
        }
        times.len().saturating_sub(1) as f64
    };
    let total: f64 = overall.iter().sum();
    let mean =
        if total > 0.0 { overall.iter().enumerate().map(|(l, x)| l as f64 * x).sum::<f64>() / total } else { 0.0 };
    Concurrency {
        peak: peak as f64,
        p99: quantile(&overall, 0.99),
        median: quantile(&overall, 0.5),
        mean,
        weekly: weeks.iter().map(|(_, times, pk)| (*pk, quantile(times, 0.99))).collect(),
        busy_hour,
        busy_hour_mean: hour_mean(&hours[busy_hour]),
        busy_hour_peak: hours[busy_hour].2 as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_of_a_known_log() {
        let call = |s: f64, d: f64| (s, d);
        // Two overlapping calls for 5 s of a 20 s span: levels 1,2,1,0,1.
        let c = concurrency(&[call(0.0, 10.0), call(5.0, 5.0), call(15.0, 5.0)], |_| true, |_| true);
        assert_eq!(c.peak, 2.0);
        assert_eq!(c.median, 1.0);
        assert!((c.mean - (10.0 + 5.0 + 5.0) / 20.0).abs() < 1e-12);
        assert_eq!(c.burst_factor(), 2.0);
    }

    #[test]
    fn missing_days_and_weekends_do_not_dilute_the_busy_hour() {
        // Monday 09:00-10:00 one call all hour, Saturday 09:00-10:00 none
        // (a weekend day observed), Tuesday missing: the weekday busy hour
        // 09:00 has mean 1 over the weekdays observed (Monday only).
        let day = DAY_S;
        let calls = [(9.0 * 3600.0, 3600.0), (5.0 * day + 3600.0, 60.0)];
        let c = concurrency(&calls, |d| d == 0 || d == 5, |d| d == 0);
        assert_eq!(c.busy_hour, 9);
        assert!((c.busy_hour_mean - 1.0).abs() < 1e-12, "{c:?}");
        assert_eq!(c.burst_factor(), 1.0);
        // Over the observed part of the log's span (Monday from its first
        // call at 09:00, Saturday to its last call's end at 01:01): one
        // hour and one minute of calls; Tuesday to Friday are left out.
        assert!((c.mean - 3660.0 / (15.0 * 3600.0 + 3660.0)).abs() < 1e-12, "{}", c.mean);
    }
}
