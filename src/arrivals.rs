//! When first attempts arrive: the runtime side of a source's `arrivals`.
//!
//! A time-varying rate is simulated exactly by inverting the cumulative
//! intensity Λ(t) = ∫ λ: with E ~ Exp(1), the next arrival after t is the
//! s with Λ(s) − Λ(t) = E (Çinlar 1975, *Introduction to Stochastic
//! Processes*, §4.7; Lewis & Shedler 1979 discuss it beside thinning). For a
//! piecewise-constant λ, Λ is piecewise linear, so s is found segment by
//! segment with no rejection. Day-to-day variation multiplies each
//! simulated day's rate (each half-day's, with a within-day factor) by its
//! own draws ([`crate::model::DayVariation`]), so segments also end at
//! midnight and at the day's split.

use crate::engine::SimRng;
use crate::model::{Arrivals, DaySampler, DayVariation, Profile};
use rand_distr::{Distribution, Exp, Exp1};
use std::sync::Arc;

use crate::units::DAY_S;

/// A source's arrival process.
pub enum ArrivalProcess {
    /// Poisson: exponential gaps.
    Poisson(Exp<f64>),
    /// Nonhomogeneous Poisson (a profile, or a constant rate varying by day).
    Varying(VaryingRate),
    /// A finite population: the engine reschedules the next arrival at rate
    /// idle × γ whenever the number of idle callers changes (exact, since
    /// exponential gaps are memoryless).
    Population {
        /// Members of the population.
        size: u32,
        /// Call rate of one idle member (per s).
        rate_per_idle_per_s: f64,
    },
    /// A replayed log: (start s, duration s), and the next call to replay.
    Trace {
        /// (start s, duration s), sorted by start.
        calls: Arc<[(f64, f64)]>,
        /// The next call to replay.
        next: usize,
    },
    /// A campaign: its dialer places the calls (see [`crate::dialer`]).
    Dialer,
}

impl ArrivalProcess {
    /// The process for `arrivals` with mean rate `rate_per_s` and day-to-day `variation`.
    pub fn new(arrivals: &Arrivals, rate_per_s: f64, variation: &DayVariation) -> Self {
        match arrivals {
            Arrivals::Poisson if variation.is_none() => {
                ArrivalProcess::Poisson(Exp::new(rate_per_s).expect("rates are checked positive"))
            }
            Arrivals::Poisson => ArrivalProcess::Varying(VaryingRate::new(
                &Profile {
                    name: "constant".into(),
                    starts_s: vec![0.0],
                    rates_per_s: vec![rate_per_s],
                    period_s: DAY_S,
                },
                variation,
            )),
            Arrivals::Profile(p) => ArrivalProcess::Varying(VaryingRate::new(p, variation)),
            Arrivals::Population { size, rate_per_idle_per_s } => {
                ArrivalProcess::Population { size: *size, rate_per_idle_per_s: *rate_per_idle_per_s }
            }
            Arrivals::Trace(calls) => ArrivalProcess::Trace { calls: calls.clone(), next: 0 },
        }
    }
}

/// A piecewise-constant rate repeating every period, times per-day (or per
/// half-day) multipliers.
pub struct VaryingRate {
    starts_s: Vec<f64>,
    rates_per_s: Vec<f64>,
    period_s: f64,
    day_sampler: Option<DaySampler>,
    /// Multipliers of the halves of the days simulated so far (memory: two
    /// numbers a day).
    days: Vec<[f64; 2]>,
}

impl VaryingRate {
    /// The rate of `profile`, varying from day to day as `variation` says.
    pub fn new(profile: &Profile, variation: &DayVariation) -> Self {
        VaryingRate {
            starts_s: profile.starts_s.clone(),
            rates_per_s: profile.rates_per_s.clone(),
            period_s: profile.period_s,
            day_sampler: variation.sampler(),
            days: Vec::new(),
        }
    }

    /// The multiplier at time `t` and when it may next change (the end of
    /// its day or half-day; infinity without day variation).
    fn multiplier(&mut self, t: f64, rng: &mut SimRng) -> (f64, f64) {
        let Some(sampler) = &self.day_sampler else { return (1.0, f64::INFINITY) };
        let day = (t / DAY_S).floor();
        while self.days.len() <= day as usize {
            self.days.push(sampler.draw(rng));
        }
        let start = day * DAY_S;
        match sampler.split_s() {
            Some(split) if t < start + split => (self.days[day as usize][0], start + split),
            _ => (self.days[day as usize][1], start + DAY_S),
        }
    }

    /// The first arrival after `now`, or `None` if the rate is zero from
    /// then on. `rng` draws the exponential, `day_rng` the day multipliers.
    pub fn next_after(&mut self, now: f64, rng: &mut SimRng, day_rng: &mut SimRng) -> Option<f64> {
        let mut need: f64 = Exp1.sample(rng);
        let mut t = now;
        // A full period of zero rate means no more arrivals.
        let mut idle_since = now;
        loop {
            let cycle = (t / self.period_s).floor();
            let phase = t - cycle * self.period_s;
            let k = self.starts_s.partition_point(|s| *s <= phase).saturating_sub(1);
            let seg_end = cycle * self.period_s + self.starts_s.get(k + 1).copied().unwrap_or(self.period_s);
            let (multiplier, changes) = self.multiplier(t, day_rng);
            let end = seg_end.min(changes);
            let rate = self.rates_per_s[k] * multiplier;
            if rate > 0.0 {
                idle_since = f64::INFINITY;
                let dt = need / rate;
                if t + dt < end {
                    return Some(t + dt);
                }
                need -= rate * (end - t);
            } else if idle_since.is_finite() && end - idle_since >= self.period_s {
                return None;
            } else if !idle_since.is_finite() {
                idle_since = t;
            }
            // Guard against a boundary that rounding keeps at t.
            t = if end > t { end } else { t + 1e-9 * (1.0 + t) };
        }
    }
}

/// A call log drawn from `model`'s sources alone (arrivals and holding
/// times, no limits): every first attempt in [0, `days` × 24 h), as
/// `simcall generate` writes it. Same model and seed, same log.
///
/// Errors for a source whose arrivals are a population (they depend on the
/// limits) or a trace (already a log).
pub fn generate_log(model: &crate::model::Model, days: f64) -> Result<Vec<crate::model::CallRecord>, String> {
    let mut calls = Vec::new();
    stream_log(model, days, |c| {
        calls.push(c);
        Ok(())
    })?;
    Ok(calls)
}

/// The log of [`generate_log`], handed to `emit` call by call in order of
/// start (ties: the source listed first), in memory of one pending call per
/// source: a log longer than memory streams to its file. Returns the
/// number of calls.
///
/// Errors as [`generate_log`], and with `emit`'s error, which stops the log.
pub fn stream_log(
    model: &crate::model::Model,
    days: f64,
    mut emit: impl FnMut(crate::model::CallRecord) -> Result<(), String>,
) -> Result<u64, String> {
    use crate::engine::{source_stream, Purpose};
    struct Pending {
        process: ArrivalProcess,
        holding: crate::model::dist::Sampler,
        rngs: [SimRng; 3],
        name: String,
        next: Option<f64>,
    }
    impl Pending {
        /// The next first attempt after `t` before `end`, if any.
        fn advance(&mut self, t: f64, end: f64) -> Option<f64> {
            let [rng, days_rng, _] = &mut self.rngs;
            let next = match &mut self.process {
                ArrivalProcess::Poisson(gap) => t + gap.sample(rng),
                ArrivalProcess::Varying(rate) => rate.next_after(t, rng, days_rng)?,
                _ => unreachable!("checked when the source was set up"),
            };
            (next < end).then_some(next)
        }
    }
    let end = days * DAY_S;
    let mut pending = Vec::with_capacity(model.sources.len());
    for (i, s) in model.sources.iter().enumerate() {
        let process = ArrivalProcess::new(&s.arrivals, s.arrival_rate_per_s, &s.day_variation);
        if !matches!(process, ArrivalProcess::Poisson(_) | ArrivalProcess::Varying(_)) {
            return Err(format!("source {:?}: only Poisson and profile arrivals can be generated", s.name));
        }
        // The streams replication 0 of sweep point 0 would use.
        let id = |purpose| source_stream(model.run.seed, 0, 0, i, purpose);
        let mut p = Pending {
            process,
            holding: s.holding.sampler()?,
            rngs: [id(Purpose::Arrivals), id(Purpose::Days), id(Purpose::Holding)],
            name: s.name.clone(),
            next: None,
        };
        p.next = p.advance(0.0, end);
        pending.push(p);
    }
    let mut count = 0u64;
    // The source with the earliest pending call goes next; a strict `<`
    // keeps the first-listed source on ties, as a stable sort would.
    while let Some(i) = (0..pending.len()).filter(|&i| pending[i].next.is_some()).reduce(|a, b| {
        if pending[b].next < pending[a].next {
            b
        } else {
            a
        }
    }) {
        let p = &mut pending[i];
        let start_s = p.next.expect("filtered on a pending call");
        let duration_s = p.holding.sample(&mut p.rngs[2]);
        emit(crate::model::CallRecord { start_s, duration_s, source: Some(p.name.clone()) })?;
        count += 1;
        p.next = p.advance(start_s, end);
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn hourly(rates_per_h: &[f64]) -> Profile {
        Profile {
            name: "test".into(),
            starts_s: (0..rates_per_h.len()).map(|h| h as f64 * 3600.0).collect(),
            rates_per_s: rates_per_h.iter().map(|r| r / 3600.0).collect(),
            period_s: rates_per_h.len() as f64 * 3600.0,
        }
    }

    #[test]
    fn arrivals_per_hour_match_the_profile() {
        // 200 simulated days of a daily profile; the counts per hour of day
        // are Poisson with mean 200 × rate, so Σ (O − E)²/E is χ² with 24
        // degrees of freedom (the zero hours must be exactly zero): its
        // 0.9999 quantile is 59.7.
        let rates: Vec<f64> =
            (0..24).map(|h| if h < 6 { 0.0 } else { 20.0 + 10.0 * ((h as f64) / 3.0).sin().abs() * 4.0 }).collect();
        let mut v = VaryingRate::new(&hourly(&rates), &DayVariation::default());
        let (mut rng, mut day_rng) = (stream(1, 0, 0, 0), stream(1, 0, 0, 1));
        let mut counts = [0.0; 24];
        let mut t = 0.0;
        while let Some(next) = v.next_after(t, &mut rng, &mut day_rng) {
            if next >= 200.0 * DAY_S {
                break;
            }
            counts[((next % DAY_S) / 3600.0) as usize] += 1.0;
            t = next;
        }
        let mut chi2 = 0.0;
        for h in 0..24 {
            let expected = 200.0 * rates[h];
            if expected == 0.0 {
                assert_eq!(counts[h], 0.0, "hour {h} has rate 0");
            } else {
                chi2 += (counts[h] - expected).powi(2) / expected;
            }
        }
        assert!(chi2 < 59.7, "chi-square {chi2} over 18 hours with arrivals: {counts:?}");
    }

    fn gamma_days(cv: f64) -> DayVariation {
        DayVariation { factor: Some(crate::model::DayFactor::Gamma { cv }), within: None }
    }

    /// Arrivals per half-day (before and after noon) of `days` simulated days
    /// of a constant `m` calls a day.
    fn half_day_counts(m: f64, variation: &DayVariation, days: usize, seed: u64) -> Vec<[f64; 2]> {
        let mut v = VaryingRate::new(&hourly(&[m / 24.0; 24]), variation);
        let (mut rng, mut day_rng) = (stream(seed, 0, 0, 0), stream(seed, 0, 0, 1));
        let mut counts = vec![[0.0; 2]; days];
        let mut t = 0.0;
        while let Some(next) = v.next_after(t, &mut rng, &mut day_rng) {
            let d = (next / DAY_S) as usize;
            if d >= days {
                break;
            }
            counts[d][usize::from(next % DAY_S >= DAY_S / 2.0)] += 1.0;
            t = next;
        }
        counts
    }

    fn mean_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        (mean, xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0))
    }

    #[test]
    fn a_day_factor_widens_daily_counts_by_its_cv() {
        // Day counts N with a mean-1 multiplier of cv c on a mean of m:
        // Var N = m + m²c² (for the gamma, a negative binomial), against m
        // for Poisson. The lognormal of the same cv has the same variance.
        let m = 500.0;
        let lognormal = DayVariation { factor: Some(crate::model::DayFactor::LogNormal { cv: 0.3 }), within: None };
        for (variation, seed) in [(gamma_days(0.3), 2), (lognormal, 4)] {
            let days: Vec<f64> = half_day_counts(m, &variation, 4000, seed).iter().map(|c| c[0] + c[1]).collect();
            let (mean, var) = mean_var(&days);
            let want = m + m * m * 0.09;
            assert!((mean / m - 1.0).abs() < 0.03, "{variation:?}: mean {mean}");
            assert!((var / want - 1.0).abs() < 0.15, "{variation:?}: variance {var}, want {want}");
        }
    }

    #[test]
    fn halves_of_a_day_are_correlated_as_the_within_day_factor_says() {
        // N₁, N₂ ~ Poisson(m/2 · D·Hᵢ): Var Nᵢ = m/2 + (m/2)²((1+d²)(1+h²) − 1),
        // Cov(N₁, N₂) = (m/2)²d².
        let (m, d, h) = (2000.0, 0.15, 0.1);
        let variation = DayVariation {
            factor: Some(crate::model::DayFactor::Gamma { cv: d }),
            within: Some(crate::model::WithinDay { split_s: DAY_S / 2.0, cv: h }),
        };
        let counts = half_day_counts(m, &variation, 4000, 5);
        let (a, b): (Vec<f64>, Vec<f64>) = counts.iter().map(|c| (c[0], c[1])).unzip();
        let ((ma, va), (mb, vb)) = (mean_var(&a), mean_var(&b));
        let cov = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() - 1) as f64;
        let half = m / 2.0;
        let want_var = half + half * half * ((1.0 + d * d) * (1.0 + h * h) - 1.0);
        let want_cov = half * half * d * d;
        for v in [va, vb] {
            assert!((v / want_var - 1.0).abs() < 0.12, "variance {v}, want {want_var}");
        }
        assert!((cov / want_cov - 1.0).abs() < 0.15, "covariance {cov}, want {want_cov}");
    }

    #[test]
    fn day_factor_draws_have_their_distributions_moments() {
        // Skewness of a mean-1 factor with cv c: gamma 2c, lognormal 3c + c³
        // (Johnson, Kotz & Balakrishnan vol. 1, ch. 14 and 17); empirical
        // factors are drawn uniformly.
        let mut rng = stream(6, 0, 0, 0);
        let c: f64 = 0.3;
        for (factor, skew) in [
            (crate::model::DayFactor::Gamma { cv: c }, 2.0 * c),
            (crate::model::DayFactor::LogNormal { cv: c }, 3.0 * c + c.powi(3)),
        ] {
            let s = DayVariation { factor: Some(factor.clone()), within: None }.sampler().unwrap();
            let xs: Vec<f64> = (0..400_000).map(|_| s.draw(&mut rng)[0]).collect();
            let (mean, var) = mean_var(&xs);
            let m3 = xs.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / xs.len() as f64;
            assert!((mean - 1.0).abs() < 0.003, "{factor:?}: mean {mean}");
            assert!((var.sqrt() / c - 1.0).abs() < 0.01, "{factor:?}: cv {}", var.sqrt());
            assert!((m3 / var.powf(1.5) - skew).abs() < 0.06, "{factor:?}: skewness {}", m3 / var.powf(1.5));
        }
        let f: std::sync::Arc<[f64]> = vec![0.5, 1.0, 1.5].into();
        let s = DayVariation { factor: Some(crate::model::DayFactor::Empirical(f)), within: None }.sampler().unwrap();
        let mut seen = [0usize; 3];
        for _ in 0..30_000 {
            seen[(s.draw(&mut rng)[0] * 2.0) as usize - 1] += 1;
        }
        assert!(seen.iter().all(|n| (*n as f64 - 10_000.0).abs() < 400.0), "{seen:?}");
    }

    #[test]
    fn a_profile_that_is_zero_from_now_on_ends() {
        let mut v = VaryingRate::new(&hourly(&[0.0; 24]), &DayVariation::default());
        let (mut rng, mut day_rng) = (stream(3, 0, 0, 0), stream(3, 0, 0, 1));
        assert_eq!(v.next_after(0.0, &mut rng, &mut day_rng), None);
    }
}
