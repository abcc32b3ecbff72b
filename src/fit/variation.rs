//! How much a log's days differ beyond Poisson, estimated where it matters:
//! from busy-hour counts (daily totals understate it), split into a day
//! factor D shared by the whole day and a half-day factor H (the model of
//! [`crate::model::DayVariation`]), with a day-of-week level and the
//! within-hour dispersion beside them.
//!
//! Method of moments on the busy days (weekdays of a weekly log). Each
//! day's count X in a period is Poisson given its rate E·D·H, with E the
//! day of the week's level × the period's share of a day, so
//! Var(X/E) = E[1/E] + ((1 + cv_D²)(1 + cv_H²) − 1): the Poisson part is
//! subtracted. The morning's and afternoon's ratios share D only, so their
//! covariance is cv_D² (their Poisson noise is independent). Confidence
//! intervals are percentile bootstraps over days (Efron & Tibshirani 1993,
//! *An Introduction to the Bootstrap*, ch. 13), 400 resamples from a fixed
//! stream: the same log gives the same intervals.

use super::counts::{halves, in_hour, is_weekend, Counts, ProfileFit};
use crate::engine::{stream, SimRng};
use crate::model::{DayFactor, DayVariation, WithinDay};
use rand::Rng;
use rand_distr::{Distribution, Poisson};

/// Fewest busy days to estimate day-to-day variation from.
pub const MIN_DAYS: usize = 10;
/// From this many busy days on, the log's own day factors are resampled
/// (its tail as it is) rather than a gamma or lognormal fitted to them.
pub const EMPIRICAL_DAYS: usize = 40;
const RESAMPLES: usize = 400;
/// Simulated logs per candidate day factor, for its busiest-days ratio.
const TAIL_SIMULATIONS: usize = 200;
/// The fixed seed of the bootstrap and tail simulations.
const SEED: u64 = 23;

/// An estimate with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

impl Estimate {
    /// `value (lo–hi)` with `digits` decimals; `-` for an undefined value,
    /// and no interval where too few data give none.
    pub fn text(&self, digits: usize) -> String {
        if !self.value.is_finite() {
            "-".into()
        } else if !(self.lo.is_finite() && self.hi.is_finite()) {
            format!("{:.digits$} (too few days for an interval)", self.value)
        } else {
            format!("{:.digits$} ({:.digits$}–{:.digits$})", self.value, self.lo, self.hi)
        }
    }

    /// Whether the interval excludes zero (and so the effect is in the log).
    pub fn significant(&self) -> bool {
        self.lo > 0.0
    }
}

/// A candidate day factor and what it implies.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    /// `gamma`, `lognormal` or `empirical`.
    pub dist: &'static str,
    /// AIC of its fit to the day factors (NaN for the empirical one).
    pub aic: f64,
    /// Mean busy-hour count of the 5 busiest of the log's days over the
    /// mean busy-hour count, in logs simulated with this factor (the log's
    /// days of the week and levels, the fitted half-day factor, Poisson counts).
    pub busiest_5_ratio: f64,
}

/// The day-level variation of a log.
#[derive(Debug, Clone, PartialEq)]
pub struct VariationFit {
    /// Busy days it is estimated from.
    pub days: usize,
    /// Coefficient of variation of the busy-hour count beyond Poisson.
    pub busy_hour_cv: Estimate,
    /// The busy-hour count's coefficient of variation if days differed by Poisson alone.
    pub poisson_cv: f64,
    /// Coefficient of variation of the day totals beyond Poisson (for
    /// comparison: it understates the busy hour's).
    pub daily_cv: Estimate,
    /// Correlation of a day's morning and afternoon beyond Poisson.
    pub half_correlation: Estimate,
    /// Coefficient of variation of the day factor D.
    pub day_cv: Estimate,
    /// Coefficient of variation of the half-day factor H.
    pub within_cv: Estimate,
    /// Where the day is split (s after midnight).
    pub split_s: f64,
    /// Within-hour dispersion index: Σ (count − expected)² / expected over
    /// the busy days' intervals, per degree of freedom, with each half-day's
    /// own total as its level (1 for Poisson).
    pub dispersion_index: f64,
    /// Mean busy-hour count of the 5 busiest days over the mean (the log's).
    pub busiest_5_ratio: f64,
    /// The same for the 30 busiest, with 60 busy days or more.
    pub busiest_30_ratio: Option<f64>,
    /// How many of the 5 busiest days fall on each day of the week.
    pub busiest_5_weekdays: [usize; 7],
    /// The day factors, one per busy day in day order (mean 1, shrunk to
    /// the day factor's variance).
    pub factors: Vec<f64>,
    /// The candidate day factors compared.
    pub tails: Vec<Tail>,
    /// The variation the model is given.
    pub chosen: DayVariation,
}

/// One busy day's counts.
struct Day {
    weekday: usize,
    total: f64,
    busy_hour: f64,
    halves: [f64; 2],
}

/// The moments of one (re)sample of days.
struct Moments {
    busy_hour_cv2: f64,
    poisson_cv2: f64,
    daily_cv2: f64,
    half_cov: f64,
    half_var: [f64; 2],
    levels: [f64; 7],
    share_busy_hour: f64,
}

fn moments(days: &[&Day]) -> Moments {
    let n = days.len() as f64;
    let mut sum = [0.0; 7];
    let mut count = [0usize; 7];
    for d in days {
        sum[d.weekday] += d.total;
        count[d.weekday] += 1;
    }
    let all = days.iter().map(|d| d.total).sum::<f64>();
    let levels: [f64; 7] = std::array::from_fn(|w| if count[w] > 0 { sum[w] / count[w] as f64 } else { all / n });
    let groups = count.iter().filter(|c| **c > 0).count() as f64;
    let dof = (n - groups).max(1.0);
    let share = |f: &dyn Fn(&Day) -> f64| days.iter().map(|d| f(d)).sum::<f64>() / all;
    let share_bh = share(&|d| d.busy_hour);
    let share_h = [share(&|d| d.halves[0]), share(&|d| d.halves[1])];
    let (mut v_bh, mut p_bh, mut v_t, mut p_t, mut cov) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut v_h, mut p_h) = ([0.0; 2], [0.0; 2]);
    for d in days {
        let level = levels[d.weekday];
        let e_bh = level * share_bh;
        v_bh += (d.busy_hour / e_bh - 1.0).powi(2);
        p_bh += 1.0 / e_bh;
        v_t += (d.total / level - 1.0).powi(2);
        p_t += 1.0 / level;
        let r: [f64; 2] = std::array::from_fn(|k| d.halves[k] / (level * share_h[k]) - 1.0);
        cov += r[0] * r[1];
        for k in 0..2 {
            v_h[k] += r[k] * r[k];
            p_h[k] += 1.0 / (level * share_h[k]);
        }
    }
    Moments {
        busy_hour_cv2: v_bh / dof - p_bh / n,
        poisson_cv2: p_bh / n,
        daily_cv2: v_t / dof - p_t / n,
        half_cov: cov / dof,
        half_var: std::array::from_fn(|k| v_h[k] / dof - p_h[k] / n),
        levels,
        share_busy_hour: share_bh,
    }
}

impl Moments {
    fn day_cv2(&self) -> f64 {
        self.half_cov
    }

    fn within_cv2(&self) -> f64 {
        (1.0 + self.busy_hour_cv2.max(0.0)) / (1.0 + self.day_cv2().max(0.0)) - 1.0
    }

    /// NaN when either half varies no more than Poisson.
    fn correlation(&self) -> f64 {
        let v = self.half_var[0] * self.half_var[1];
        if self.half_var[0] > 0.0 && v > 0.0 {
            (self.half_cov / v.sqrt()).clamp(-1.0, 1.0)
        } else {
            f64::NAN
        }
    }
}

/// The 2.5% and 97.5% points of the finite values of `xs`; NaN when
/// fewer than a fifth of them are finite.
fn interval(xs: &[f64]) -> (f64, f64) {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() * 5 < xs.len() || v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    (at(0.025), at(0.975))
}

/// Fewest days of a day of the week to give its factor an interval.
const MIN_DAYS_FOR_INTERVAL: usize = 3;

/// The day-level variation of `c`'s busy days (the profile's), split at
/// `split_s` (s after midnight); `None` with fewer than [`MIN_DAYS`] of them.
pub fn variation(c: &Counts, profile: &ProfileFit, split_s: f64) -> Option<VariationFit> {
    let busy = profile.busy_days();
    let days: Vec<Day> = c
        .days
        .iter()
        .filter(|(d, counts)| busy(**d) && counts.iter().sum::<f64>() > 0.0)
        .map(|(d, counts)| Day {
            weekday: d.rem_euclid(7) as usize,
            total: counts.iter().sum(),
            busy_hour: in_hour(counts, c.resolution_s, profile.busy_hour),
            halves: halves(counts, c.resolution_s, split_s),
        })
        .collect();
    if days.len() < MIN_DAYS || days.iter().any(|d| d.halves.contains(&0.0)) {
        return None;
    }
    let refs: Vec<&Day> = days.iter().collect();
    let m = moments(&refs);
    let mut rng = stream(SEED, 0, 0, 0);
    let mut boot: [Vec<f64>; 5] = Default::default();
    for _ in 0..RESAMPLES {
        let sample: Vec<&Day> = (0..days.len()).map(|_| &days[rng.random_range(0..days.len())]).collect();
        let b = moments(&sample);
        for (k, x) in
            [b.busy_hour_cv2, b.daily_cv2, b.correlation(), b.day_cv2(), b.within_cv2()].into_iter().enumerate()
        {
            boot[k].push(x);
        }
    }
    let cv = |x: f64| x.max(0.0).sqrt();
    let estimate = |value: f64, k: usize, boot: &mut [Vec<f64>; 5], f: &dyn Fn(f64) -> f64| {
        let (lo, hi) = interval(&boot[k]);
        Estimate { value: f(value), lo: f(lo), hi: f(hi) }
    };
    let busy_hour_cv = estimate(m.busy_hour_cv2, 0, &mut boot, &cv);
    let daily_cv = estimate(m.daily_cv2, 1, &mut boot, &cv);
    let half_correlation = estimate(m.correlation(), 2, &mut boot, &|x| x);
    let day_cv = estimate(m.day_cv2(), 3, &mut boot, &cv);
    let within_cv = estimate(m.within_cv2(), 4, &mut boot, &cv);

    // The day factors: each day's total over its weekday's level, shrunk
    // toward 1 so their variance is the day factor's (a total also carries
    // Poisson noise and the halves' factors).
    let raw: Vec<f64> = days.iter().map(|d| d.total / m.levels[d.weekday]).collect();
    let n = raw.len() as f64;
    let mean_raw = raw.iter().sum::<f64>() / n;
    let var_raw = raw.iter().map(|r| (r / mean_raw - 1.0).powi(2)).sum::<f64>() / n;
    let shrink = if var_raw > 0.0 { (day_cv.value.powi(2) / var_raw).sqrt().min(1.0) } else { 0.0 };
    let factors: Vec<f64> = raw.iter().map(|r| 1.0 + (r / mean_raw - 1.0) * shrink).collect();

    let within = within_cv.significant().then_some(WithinDay { split_s, cv: within_cv.value });
    let mut tails = Vec::new();
    let mut chosen = DayVariation { factor: None, within: within.clone() };
    if day_cv.significant() && factors.iter().all(|f| *f > 0.0) {
        let fits = super::holding::fit_holding(&factors);
        let aic = |name: &str| fits.iter().find(|f| f.dist == name).map_or(f64::NAN, |f| f.aic);
        let candidates = [
            ("gamma", aic("gamma"), DayFactor::Gamma { cv: day_cv.value }),
            ("lognormal", aic("lognormal"), DayFactor::LogNormal { cv: day_cv.value }),
            ("empirical", f64::NAN, DayFactor::Empirical(factors.clone().into())),
        ];
        for (dist, aic, factor) in &candidates {
            let v = DayVariation { factor: Some(factor.clone()), within: within.clone() };
            tails.push(Tail { dist, aic: *aic, busiest_5_ratio: simulated_busiest(&days, &m, profile, &v, split_s) });
        }
        let pick = if days.len() >= EMPIRICAL_DAYS {
            2
        } else if candidates[1].1 < candidates[0].1 {
            1
        } else {
            0
        };
        chosen.factor = Some(candidates[pick].2.clone());
    }
    let mut bh: Vec<(f64, usize)> = days.iter().map(|d| (d.busy_hour, d.weekday)).collect();
    bh.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mean_bh = bh.iter().map(|x| x.0).sum::<f64>() / n;
    let top = |k: usize| bh[..k].iter().map(|x| x.0).sum::<f64>() / k as f64 / mean_bh;
    let mut busiest_5_weekdays = [0; 7];
    for (_, w) in &bh[..5] {
        busiest_5_weekdays[*w] += 1;
    }
    Some(VariationFit {
        days: days.len(),
        busy_hour_cv,
        poisson_cv: m.poisson_cv2.sqrt(),
        daily_cv,
        half_correlation,
        day_cv,
        within_cv,
        split_s,
        dispersion_index: dispersion_index(c, &busy, split_s),
        busiest_5_ratio: top(5),
        busiest_30_ratio: (days.len() >= 60).then(|| top(30)),
        busiest_5_weekdays,
        factors,
        tails,
        chosen,
    })
}

/// The busiest-5 ratio of logs of the same busy days simulated with `v`.
fn simulated_busiest(days: &[Day], m: &Moments, profile: &ProfileFit, v: &DayVariation, split_s: f64) -> f64 {
    let sampler = v.sampler().expect("a variation with a factor");
    let mut rng: SimRng = stream(SEED, 1, 0, 0);
    let half = usize::from(profile.busy_hour as f64 * 3600.0 >= split_s);
    let mut total = 0.0;
    for _ in 0..TAIL_SIMULATIONS {
        let mut xs: Vec<f64> = days
            .iter()
            .map(|d| {
                let rate = m.levels[d.weekday] * m.share_busy_hour * sampler.draw(&mut rng)[half];
                Poisson::new(rate).map_or(0.0, |p| p.sample(&mut rng))
            })
            .collect();
        xs.sort_by(|a, b| b.total_cmp(a));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        total += xs[..5].iter().sum::<f64>() / 5.0 / mean;
    }
    total / TAIL_SIMULATIONS as f64
}

/// Σ (c − e)²/e per degree of freedom over the busy days' intervals, e =
/// the interval's share of its half-day (pooled over the days) × that
/// half-day's count.
fn dispersion_index(c: &Counts, busy: &impl Fn(i64) -> bool, split_s: f64) -> f64 {
    let slots = c.slots();
    let half_of = |s: usize| usize::from(s as f64 * c.resolution_s >= split_s);
    let days: Vec<(&Vec<f64>, [f64; 2])> =
        c.days.iter().filter(|(d, _)| busy(**d)).map(|(_, v)| (v, halves(v, c.resolution_s, split_s))).collect();
    let mut pooled = vec![0.0; slots];
    let mut half_total = [0.0; 2];
    for (v, h) in &days {
        for (p, x) in pooled.iter_mut().zip(v.iter()) {
            *p += x;
        }
        half_total[0] += h[0];
        half_total[1] += h[1];
    }
    let (mut chi2, mut cells) = (0.0, 0usize);
    for (v, h) in &days {
        for s in 0..slots {
            let e = pooled[s] / half_total[half_of(s)] * h[half_of(s)];
            if e > 0.0 {
                chi2 += (v[s] - e).powi(2) / e;
                cells += 1;
            }
        }
    }
    let used_slots = pooled.iter().filter(|p| **p > 0.0).count();
    let dof = cells as f64 - 2.0 * days.len() as f64 - used_slots as f64 + 2.0;
    if dof > 0.0 {
        chi2 / dof
    } else {
        f64::NAN
    }
}

/// The level of each day of the week relative to the mean of its kind's
/// (Monday–Friday or Saturday–Sunday), with bootstrap intervals over each
/// weekday's days; `None` for a day of the week the log lacks.
pub fn day_of_week(c: &Counts) -> [Option<Estimate>; 7] {
    let mut by_day: [Vec<f64>; 7] = Default::default();
    for (d, v) in &c.days {
        by_day[d.rem_euclid(7) as usize].push(v.iter().sum());
    }
    let factors = |means: &[Option<f64>; 7]| -> [Option<f64>; 7] {
        std::array::from_fn(|w| {
            let kind: Vec<f64> =
                (0..7).filter(|u| is_weekend(*u) == is_weekend(w as i64)).filter_map(|u| means[u as usize]).collect();
            let mean = kind.iter().sum::<f64>() / kind.len() as f64;
            means[w].filter(|_| mean > 0.0).map(|m| m / mean)
        })
    };
    let mean = |xs: &[f64]| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    let point = factors(&std::array::from_fn(|w| mean(&by_day[w])));
    let mut rng = stream(SEED, 2, 0, 0);
    let mut boot: [Vec<f64>; 7] = Default::default();
    for _ in 0..RESAMPLES {
        let means: [Option<f64>; 7] = std::array::from_fn(|w| {
            let xs = &by_day[w];
            mean(&(0..xs.len()).map(|_| xs[rng.random_range(0..xs.len())]).collect::<Vec<_>>())
        });
        for (w, f) in factors(&means).iter().enumerate() {
            if let Some(f) = f {
                boot[w].push(*f);
            }
        }
    }
    std::array::from_fn(|w| {
        point[w].map(|value| {
            let (lo, hi) =
                if by_day[w].len() >= MIN_DAYS_FOR_INTERVAL { interval(&boot[w]) } else { (f64::NAN, f64::NAN) };
            Estimate { value, lo, hi }
        })
    })
}
