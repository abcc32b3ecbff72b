//! Arrivals per interval of each day a log covers, and the profile they
//! give: the rate at the log's own resolution (5-minute profiles, not only
//! hourly: hourly rates smooth a morning ramp away), weekdays' and
//! weekends' shapes separately, a level per day of the week, and the
//! time-consistent busy hour.
//!
//! A day with no row at all is missing from the log, not a day without
//! calls: it counts in no average (a log with its Mondays missing must not
//! dilute the weekday rates). Within a day the log has, an interval with no
//! row had no calls (exports often leave the night's empty intervals out).

use crate::units::DAY_S;
use std::collections::BTreeMap;

/// Whether day `d` (counted from the log's Monday 00:00) is a Saturday or Sunday.
pub fn is_weekend(d: i64) -> bool {
    d.rem_euclid(7) >= 5
}

/// Arrivals per interval of each observed day.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// Interval width (s), dividing a day.
    pub resolution_s: f64,
    /// Day (from the log's Monday 00:00) → arrivals in each interval of it.
    pub days: BTreeMap<i64, Vec<f64>>,
}

impl Counts {
    /// Intervals in a day.
    pub fn slots(&self) -> usize {
        (DAY_S / self.resolution_s).round() as usize
    }

    /// The counts of call starts (s from the log's Monday 00:00) in
    /// intervals of `resolution_s` (which divides a day).
    pub fn of_starts(starts: impl IntoIterator<Item = f64>, resolution_s: f64) -> Counts {
        let mut c = Counts { resolution_s, days: BTreeMap::new() };
        let slots = c.slots();
        for t in starts {
            let day = (t / DAY_S).floor();
            let slot = (((t - day * DAY_S) / resolution_s) as usize).min(slots - 1);
            c.days.entry(day as i64).or_insert_with(|| vec![0.0; slots])[slot] += 1.0;
        }
        c
    }

    /// Interval counts `(start s, count)`, sorted by start, of intervals
    /// `resolution_s` wide, or, when `None`, as wide as the greatest common
    /// divisor of their starts' times of day (in whole seconds) and 24 h: a
    /// 5-minute export gives 5 minutes as soon as its open hours are there.
    ///
    /// Errors when the width is under a minute or does not divide a day,
    /// when a start is not on its grid, or when two rows have the same start.
    pub fn of_intervals(rows: &[(f64, f64)], resolution_s: Option<f64>) -> Result<Counts, String> {
        if let Some(w) = rows.windows(2).find(|w| w[1].0 == w[0].0) {
            return Err(format!("two rows start at the same time ({} s from the first Monday 00:00)", w[0].0));
        }
        fn gcd(a: u64, b: u64) -> u64 {
            if b == 0 {
                a
            } else {
                gcd(b, a % b)
            }
        }
        let width = match resolution_s {
            Some(w) => w,
            None => {
                if let Some(r) = rows.iter().find(|r| (r.0.rem_euclid(60.0)).round() % 60.0 != 0.0) {
                    let t = r.0.rem_euclid(DAY_S);
                    return Err(format!(
                        "the starts are not on a grid of whole minutes (one is at {:02}:{:02}:{:02}): interval \
                         counts start on their interval's boundary (or give --resolution)",
                        (t / 3600.0) as u32,
                        (t % 3600.0 / 60.0) as u32,
                        (t % 60.0).round() as u32
                    ));
                }
                rows.iter().fold(DAY_S as u64, |g, r| gcd(g, (r.0.rem_euclid(DAY_S)).round() as u64)) as f64
            }
        };
        let per_day = DAY_S / width;
        if width < 60.0 || (per_day - per_day.round()).abs() > 1e-6 {
            return Err(format!(
                "intervals of {} s: use intervals of a whole number of minutes that divide a day (5, 15, 30 or 60 min)",
                crate::units::number(width)
            ));
        }
        let mut c = Counts { resolution_s: width, days: BTreeMap::new() };
        let slots = c.slots();
        for &(t, n) in rows {
            let day = (t / DAY_S).floor();
            let k = (t - day * DAY_S) / width;
            if (k - k.round()).abs() > 1e-6 {
                return Err(format!(
                    "an interval starts at {} s into a day, off the {}-minute grid",
                    crate::units::number(t - day * DAY_S),
                    width / 60.0
                ));
            }
            c.days.entry(day as i64).or_insert_with(|| vec![0.0; slots])[(k.round() as usize).min(slots - 1)] += n;
        }
        Ok(c)
    }

    /// Days from the first observed to the last (both included).
    pub fn span_days(&self) -> usize {
        match (self.days.keys().next(), self.days.keys().next_back()) {
            (Some(a), Some(b)) => (b - a + 1) as usize,
            _ => 0,
        }
    }
}

/// The fitted arrival profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileFit {
    /// Interval width (s).
    pub resolution_s: f64,
    /// Whether the profile repeats every week (the log spans a week or
    /// more) or every day.
    pub weekly: bool,
    /// Arrival rate (calls per hour) in each interval of the week from
    /// Monday 00:00, or of the day.
    pub rates_per_h: Vec<f64>,
    /// Observed days of each day of the week, Monday first.
    pub observed: [usize; 7],
    /// Mean calls of each day of the week over its observed days (`None`
    /// when the log has none).
    pub levels: [Option<f64>; 7],
    /// Days of each kind the profile stands in for without data: no
    /// Monday in the log takes the weekdays' mean level; no weekend day
    /// leaves weekends without calls.
    pub unobserved: Vec<usize>,
    /// The busy hour: the clock hour (0–23) of the weekday profile (of
    /// every day's, for a daily profile or a log of weekends only) with the
    /// most arrivals, time-consistent (ITU-T E.500 §2).
    pub busy_hour: usize,
    /// Mean arrivals in the busy hour over the days it is read on.
    pub busy_hour_calls: f64,
}

impl ProfileFit {
    /// The days the busy hour is read on: the weekdays when the profile is
    /// weekly and the log has some, else every observed day.
    pub fn busy_days(&self) -> impl Fn(i64) -> bool {
        let weekdays = self.weekly && self.observed[..5].iter().any(|n| *n > 0);
        move |d| !weekdays || !is_weekend(d)
    }
}

/// The profile of `c`: for a log spanning a week or more, the rate in
/// interval s of weekday w is shape_k(s) × level_w, with shape_k the
/// share of a day's calls falling in s over the observed days of kind k
/// (Monday–Friday or Saturday–Sunday) and level_w the mean calls of w's
/// observed days; a shorter log gives a daily profile (every observed day
/// pooled).
pub fn profile(c: &Counts) -> ProfileFit {
    let slots = c.slots();
    let per_h = 3600.0 / c.resolution_s;
    let weekly = c.span_days() >= 7;
    let mut observed = [0usize; 7];
    let mut totals = [0.0f64; 7];
    for (d, counts) in &c.days {
        let w = d.rem_euclid(7) as usize;
        observed[w] += 1;
        totals[w] += counts.iter().sum::<f64>();
    }
    let levels: [Option<f64>; 7] = std::array::from_fn(|w| (observed[w] > 0).then(|| totals[w] / observed[w] as f64));
    let shape = |kind: &dyn Fn(i64) -> bool| -> Vec<f64> {
        let mut s = vec![0.0; slots];
        for (_, counts) in c.days.iter().filter(|(d, _)| kind(**d)) {
            for (x, n) in s.iter_mut().zip(counts) {
                *x += n;
            }
        }
        let total: f64 = s.iter().sum();
        s.iter().map(|x| if total > 0.0 { x / total } else { 0.0 }).collect()
    };
    let mut unobserved = Vec::new();
    let rates_per_h: Vec<f64> = if weekly {
        let shapes = [shape(&|d| !is_weekend(d)), shape(&is_weekend)];
        let kind_mean = |range: std::ops::Range<usize>| {
            let seen: Vec<f64> = range.filter_map(|w| levels[w]).collect();
            (!seen.is_empty()).then(|| seen.iter().sum::<f64>() / seen.len() as f64)
        };
        let (weekday_mean, weekend_mean) = (kind_mean(0..5), kind_mean(5..7));
        (0..7)
            .flat_map(|w| {
                let level = levels[w].or(if w < 5 { weekday_mean } else { weekend_mean }).unwrap_or(0.0);
                if levels[w].is_none() {
                    unobserved.push(w);
                }
                let sh = &shapes[usize::from(w >= 5)];
                sh.iter().map(move |x| x * level * per_h).collect::<Vec<_>>()
            })
            .collect()
    } else {
        let days = c.days.len().max(1) as f64;
        let all = shape(&|_| true);
        let mean_total = c.days.values().map(|v| v.iter().sum::<f64>()).sum::<f64>() / days;
        all.iter().map(|x| x * mean_total * per_h).collect()
    };
    let mut fit = ProfileFit {
        resolution_s: c.resolution_s,
        weekly,
        rates_per_h,
        observed,
        levels,
        unobserved,
        busy_hour: 0,
        busy_hour_calls: 0.0,
    };
    // The busy hour: the clock hour of the busy days with the most calls.
    let busy = fit.busy_days();
    let mut by_hour = [0.0f64; 24];
    let mut days = 0usize;
    for (_, counts) in c.days.iter().filter(|(d, _)| busy(**d)) {
        days += 1;
        for (s, n) in counts.iter().enumerate() {
            by_hour[((s as f64 * c.resolution_s) / 3600.0) as usize % 24] += n;
        }
    }
    fit.busy_hour = (0..24).fold(0, |best, h| if by_hour[h] > by_hour[best] { h } else { best });
    fit.busy_hour_calls = by_hour[fit.busy_hour] / days.max(1) as f64;
    fit
}

/// The arrivals of day `counts` (at `resolution_s`) in clock hour `h`.
pub fn in_hour(counts: &[f64], resolution_s: f64, h: usize) -> f64 {
    counts.iter().enumerate().filter(|(s, _)| ((*s as f64 * resolution_s) / 3600.0) as usize == h).map(|(_, n)| n).sum()
}

/// The arrivals of day `counts` before and after `split_s` (s after midnight).
pub fn halves(counts: &[f64], resolution_s: f64, split_s: f64) -> [f64; 2] {
    let mut h = [0.0; 2];
    for (s, n) in counts.iter().enumerate() {
        h[usize::from(s as f64 * resolution_s >= split_s)] += n;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_days_do_not_dilute_the_rates_or_the_busy_hour() {
        // Two weeks at hourly resolution: weekdays 10 calls at 09:00 and 2
        // at 15:00, weekends 1 call at 12:00; both Mondays missing.
        let mut rows = Vec::new();
        for d in 0..14i64 {
            if d % 7 == 0 {
                continue;
            }
            let at = |h: f64| d as f64 * DAY_S + h * 3600.0;
            if is_weekend(d) {
                rows.push((at(12.0), 1.0));
            } else {
                rows.extend([(at(9.0), 10.0), (at(15.0), 2.0)]);
            }
        }
        // Their starts alone say 3-hour intervals (09:00, 12:00, 15:00).
        assert_eq!(Counts::of_intervals(&rows, None).unwrap().resolution_s, 3.0 * 3600.0);
        let c = Counts::of_intervals(&rows, Some(3600.0)).unwrap();
        let p = profile(&c);
        assert!(p.weekly);
        assert_eq!(p.observed, [0, 2, 2, 2, 2, 2, 2]);
        assert_eq!(p.unobserved, vec![0]);
        // Monday takes the weekdays' level: 12 calls, 10 of them at 09:00.
        assert_eq!(p.rates_per_h[9], 10.0);
        assert_eq!(p.rates_per_h[24 + 15], 2.0);
        assert_eq!(p.rates_per_h[5 * 24 + 12], 1.0);
        assert_eq!((p.busy_hour, p.busy_hour_calls), (9, 10.0));
    }

    #[test]
    fn intervals_must_make_a_grid_that_divides_a_day() {
        assert!(Counts::of_intervals(&[(0.0, 1.0), (30.0, 1.0)], None).unwrap_err().contains("00:00:30"));
        assert!(Counts::of_intervals(&[(0.0, 1.0), (30.0, 1.0)], Some(30.0))
            .unwrap_err()
            .contains("intervals of 30 s"));
        assert!(Counts::of_intervals(&[(0.0, 1.0), (420.0, 1.0)], Some(420.0)).unwrap_err().contains("divide a day"));
        assert!(Counts::of_intervals(&[(0.0, 1.0), (700.0, 1.0)], Some(300.0)).unwrap_err().contains("off the"));
        assert!(Counts::of_intervals(&[(0.0, 1.0), (0.0, 1.0)], None).unwrap_err().contains("same time"));
        let c = Counts::of_intervals(&[(0.0, 3.0), (900.0, 4.0), (2700.0, 1.0)], None).unwrap();
        assert_eq!((c.slots(), c.days[&0][1], c.days[&0][2]), (96, 4.0, 0.0));
    }
}
