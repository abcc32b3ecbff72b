//! When first attempts arrive: the runtime side of a source's `arrivals`.
//!
//! A time-varying rate is simulated exactly by inverting the cumulative
//! intensity Λ(t) = ∫ λ: with E ~ Exp(1), the next arrival after t is the
//! s with Λ(s) − Λ(t) = E (Çinlar 1975, *Introduction to Stochastic
//! Processes*, §4.7; Lewis & Shedler 1979 discuss it beside thinning). For a
//! piecewise-constant λ, Λ is piecewise linear, so s is found segment by
//! segment with no rejection. Overdispersion multiplies each simulated day's
//! rate by its own Gamma(1/cv², cv²) draw (mean 1, coefficient of variation cv).

use crate::engine::SimRng;
use crate::model::{Arrivals, Profile};
use rand_distr::{Distribution, Exp, Exp1, Gamma};
use std::sync::Arc;

use crate::units::DAY_S;

/// A source's arrival process.
pub enum ArrivalProcess {
    /// Poisson: exponential gaps.
    Poisson(Exp<f64>),
    /// Nonhomogeneous Poisson (a profile, or a constant rate with overdispersion).
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
    /// The process for `arrivals` with mean rate `rate_per_s` and optional
    /// day-level overdispersion `cv`.
    pub fn new(arrivals: &Arrivals, rate_per_s: f64, overdispersion_cv: Option<f64>) -> Self {
        match (arrivals, overdispersion_cv) {
            (Arrivals::Poisson, None) => {
                ArrivalProcess::Poisson(Exp::new(rate_per_s).expect("rates are checked positive"))
            }
            (Arrivals::Poisson, Some(cv)) => ArrivalProcess::Varying(VaryingRate::new(
                &Profile {
                    name: "constant".into(),
                    starts_s: vec![0.0],
                    rates_per_s: vec![rate_per_s],
                    period_s: DAY_S,
                },
                Some(cv),
            )),
            (Arrivals::Profile(p), cv) => ArrivalProcess::Varying(VaryingRate::new(p, cv)),
            (Arrivals::Population { size, rate_per_idle_per_s }, _) => {
                ArrivalProcess::Population { size: *size, rate_per_idle_per_s: *rate_per_idle_per_s }
            }
            (Arrivals::Trace(calls), _) => ArrivalProcess::Trace { calls: calls.clone(), next: 0 },
        }
    }
}

/// A piecewise-constant rate repeating every period, times a per-day multiplier.
pub struct VaryingRate {
    starts_s: Vec<f64>,
    rates_per_s: Vec<f64>,
    period_s: f64,
    day_multiplier: Option<Gamma<f64>>,
    /// Multipliers of the days simulated so far (memory: one number a day).
    days: Vec<f64>,
}

impl VaryingRate {
    /// The rate of `profile`, with a day-level gamma multiplier of coefficient of variation `cv`.
    pub fn new(profile: &Profile, cv: Option<f64>) -> Self {
        VaryingRate {
            starts_s: profile.starts_s.clone(),
            rates_per_s: profile.rates_per_s.clone(),
            period_s: profile.period_s,
            day_multiplier: cv.map(|cv| Gamma::new(1.0 / (cv * cv), cv * cv).expect("cv is checked positive")),
            days: Vec::new(),
        }
    }

    fn multiplier(&mut self, day: usize, rng: &mut SimRng) -> f64 {
        let Some(g) = &self.day_multiplier else { return 1.0 };
        while self.days.len() <= day {
            self.days.push(g.sample(rng));
        }
        self.days[day]
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
            let day = (t / DAY_S).floor();
            let end = if self.day_multiplier.is_some() { seg_end.min((day + 1.0) * DAY_S) } else { seg_end };
            let rate = self.rates_per_s[k] * self.multiplier(day as usize, day_rng);
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
        let process = ArrivalProcess::new(&s.arrivals, s.arrival_rate_per_s, s.overdispersion_cv);
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
        let mut v = VaryingRate::new(&hourly(&rates), None);
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

    #[test]
    fn overdispersion_widens_daily_counts_by_the_gamma_cv() {
        // Day counts N with a Gamma(mean 1, cv) multiplier of mean m:
        // Var N = m + m²cv² (a negative binomial), against m for Poisson.
        let m = 500.0;
        let mut v = VaryingRate::new(&hourly(&[m / 24.0; 24]), Some(0.3));
        let (mut rng, mut day_rng) = (stream(2, 0, 0, 0), stream(2, 0, 0, 1));
        let days = 2000;
        let mut counts = vec![0.0; days];
        let mut t = 0.0;
        while let Some(next) = v.next_after(t, &mut rng, &mut day_rng) {
            let d = (next / DAY_S) as usize;
            if d >= days {
                break;
            }
            counts[d] += 1.0;
            t = next;
        }
        let mean = counts.iter().sum::<f64>() / days as f64;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (days - 1) as f64;
        let want = m + m * m * 0.09;
        assert!((mean / m - 1.0).abs() < 0.03, "mean {mean}");
        assert!((var / want - 1.0).abs() < 0.15, "variance {var}, want {want}");
    }

    #[test]
    fn a_profile_that_is_zero_from_now_on_ends() {
        let mut v = VaryingRate::new(&hourly(&[0.0; 24]), None);
        let (mut rng, mut day_rng) = (stream(3, 0, 0, 0), stream(3, 0, 0, 1));
        assert_eq!(v.next_after(0.0, &mut rng, &mut day_rng), None);
    }
}
