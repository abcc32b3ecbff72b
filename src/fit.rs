//! Fitting a model's traffic to a call log (`simcall fit`): the arrival
//! rate by hour of the day or week, holding-time distributions by maximum
//! likelihood, concurrency peaks and the burst factor.
//!
//! Maximum-likelihood estimators (Johnson, Kotz & Balakrishnan, *Continuous
//! Univariate Distributions*, vol. 1):
//! - exponential: mean = x̄;
//! - lognormal: μ = mean(ln x), σ² = mean((ln x − μ)²);
//! - gamma: shape k solves ln k − ψ(k) = ln x̄ − mean(ln x), scale = x̄/k;
//! - Weibull: shape k solves Σxᵏ ln x / Σxᵏ − 1/k = mean(ln x),
//!   scale = (mean(xᵏ))^(1/k).
//!
//! Both equations have one root, found by bisection. The chosen fit has the
//! lowest AIC = 2p − 2 ln L (Akaike 1974); each fit also reports the
//! Kolmogorov–Smirnov distance to the data.

use crate::model::dist::{weibull_cv, weibull_scale};
use crate::model::CallRecord;
use statrs::distribution::{Continuous, ContinuousCDF, Exp, Gamma, LogNormal, Weibull};
use statrs::function::gamma::digamma;

const HOUR_S: f64 = 3600.0;

/// A fitted holding-time distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldingFit {
    /// `exponential`, `lognormal`, `gamma` or `weibull`.
    pub dist: &'static str,
    /// Mean (s) and coefficient of variation of the fitted distribution.
    pub mean_s: f64,
    /// Coefficient of variation.
    pub cv: f64,
    /// Shape parameter (gamma, Weibull), else NaN.
    pub shape: f64,
    /// Log-likelihood of the data at the fit.
    pub log_likelihood: f64,
    /// Akaike information criterion, 2k − 2 ln L (lower is better).
    pub aic: f64,
    /// Kolmogorov–Smirnov distance between the data and the fit.
    pub ks: f64,
}

impl HoldingFit {
    /// The model file's `holding = { ... }` for this fit.
    pub fn toml(&self) -> String {
        let m = format!("{:.1}s", self.mean_s);
        match self.dist {
            "exponential" => format!("{{ dist = \"exponential\", mean = \"{m}\" }}"),
            "weibull" => format!("{{ dist = \"weibull\", mean = \"{m}\", shape = {:.4} }}", self.shape),
            d => format!("{{ dist = \"{d}\", mean = \"{m}\", cv = {:.4} }}", self.cv),
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        self.eval(x, true)
    }

    /// The fitted density at `x` (s), for charts.
    pub fn pdf(&self, x: f64) -> f64 {
        self.eval(x, false)
    }

    /// The fitted distribution's CDF (`cdf`) or density at `x`.
    fn eval(&self, x: f64, cdf: bool) -> f64 {
        fn at<D: Continuous<f64, f64> + ContinuousCDF<f64, f64>>(d: Option<D>, x: f64, cdf: bool) -> f64 {
            d.map_or(f64::NAN, |d| if cdf { d.cdf(x) } else { d.pdf(x) })
        }
        match self.dist {
            "exponential" => at(Exp::new(1.0 / self.mean_s).ok(), x, cdf),
            "lognormal" => {
                let s2 = (1.0 + self.cv * self.cv).ln();
                at(LogNormal::new(self.mean_s.ln() - s2 / 2.0, s2.sqrt()).ok(), x, cdf)
            }
            "gamma" => at(Gamma::new(self.shape, self.shape / self.mean_s).ok(), x, cdf),
            _ => at(Weibull::new(self.shape, weibull_scale(self.mean_s, self.shape)).ok(), x, cdf),
        }
    }
}

/// Bisection for the root of an increasing `f` on [lo, hi].
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Fits the four distributions to durations `xs` (s, all > 0), best AIC first.
///
/// Returns an empty list for fewer than two distinct values (nothing to fit).
pub fn fit_holding(xs: &[f64]) -> Vec<HoldingFit> {
    let n = xs.len() as f64;
    if xs.len() < 2 || xs.iter().all(|x| *x == xs[0]) {
        return Vec::new();
    }
    let mean = xs.iter().sum::<f64>() / n;
    let mean_ln = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    let var_ln = xs.iter().map(|x| (x.ln() - mean_ln).powi(2)).sum::<f64>() / n;
    let ll = |ln_pdf: &dyn Fn(f64) -> f64| xs.iter().map(|&x| ln_pdf(x)).sum::<f64>();
    let mut fits = Vec::new();

    // A distribution the data's numbers cannot parametrise (the sampler
    // library refuses them) is left out, not unwrapped.
    if let Ok(exp) = Exp::new(1.0 / mean) {
        fits.push(("exponential", mean, 1.0, f64::NAN, ll(&|x| exp.ln_pdf(x)), 1.0));
    }

    let sigma = var_ln.sqrt();
    if let Ok(lognormal) = LogNormal::new(mean_ln, sigma) {
        fits.push((
            "lognormal",
            (mean_ln + var_ln / 2.0).exp(),
            (var_ln.exp() - 1.0).sqrt(),
            f64::NAN,
            ll(&|x| lognormal.ln_pdf(x)),
            2.0,
        ));
    }

    let s = mean.ln() - mean_ln; // > 0 by Jensen
    let k = bisect(|k| s - (k.ln() - digamma(k)), 1e-4, 1e6);
    if let Ok(gamma) = Gamma::new(k, k / mean) {
        fits.push(("gamma", mean, 1.0 / k.sqrt(), k, ll(&|x| gamma.ln_pdf(x)), 2.0));
    }

    // Weibull on x / x̄ (scale-free equation, no overflow), scale back after.
    let z: Vec<f64> = xs.iter().map(|x| x / mean).collect();
    let mean_ln_z = mean_ln - mean.ln();
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for &zi in &z {
            let p = zi.powf(k);
            a += p * zi.ln();
            b += p;
        }
        a / b - 1.0 / k - mean_ln_z
    };
    let kw = bisect(g, 0.02, 100.0);
    let scale = mean * (z.iter().map(|zi| zi.powf(kw)).sum::<f64>() / n).powf(1.0 / kw);
    if let Ok(weibull) = Weibull::new(kw, scale) {
        let weibull_mean = scale * statrs::function::gamma::gamma(1.0 + 1.0 / kw);
        fits.push(("weibull", weibull_mean, weibull_cv(kw), kw, ll(&|x| weibull.ln_pdf(x)), 2.0));
    }

    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut out: Vec<HoldingFit> = fits
        .into_iter()
        .map(|(dist, mean_s, cv, shape, log_likelihood, p)| {
            let mut f =
                HoldingFit { dist, mean_s, cv, shape, log_likelihood, aic: 2.0 * p - 2.0 * log_likelihood, ks: 0.0 };
            f.ks = ks_distance(&sorted, |x| f.cdf(x));
            f
        })
        .filter(|f: &HoldingFit| f.aic.is_finite() && f.mean_s.is_finite() && f.mean_s > 0.0)
        .collect();
    // Never a fit with a NaN or infinite likelihood: it is dropped above.
    out.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    out
}

/// sup |F_n − F| for sorted data.
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

/// The arrival rate per hour of the day (24 values) or, for logs spanning a
/// week or more, of the week (168, Monday first), in calls per hour: calls
/// starting in each hour slot over the hours of that slot the log covers.
pub fn hourly_rates(calls: &[CallRecord]) -> Vec<f64> {
    let (Some(first), Some(last)) = (calls.first(), calls.last()) else { return vec![0.0; 24] };
    let (h0, h1) = ((first.start_s / HOUR_S).floor() as i64, (last.start_s / HOUR_S).floor() as i64);
    let slots = if h1 - h0 + 1 >= 168 { 168 } else { 24 };
    let mut exposure = vec![0.0; slots];
    for h in h0..=h1 {
        exposure[h.rem_euclid(slots as i64) as usize] += 1.0;
    }
    let mut counts = vec![0.0; slots];
    for c in calls {
        counts[((c.start_s / HOUR_S).floor() as i64).rem_euclid(slots as i64) as usize] += 1.0;
    }
    counts.iter().zip(&exposure).map(|(c, e)| if *e > 0.0 { c / e } else { 0.0 }).collect()
}

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

/// Calls in progress over the log's span, from its starts and ends.
pub fn concurrency(calls: &[CallRecord]) -> Concurrency {
    let mut events: Vec<(f64, i32)> =
        calls.iter().flat_map(|c| [(c.start_s, 1), (c.start_s + c.duration_s, -1)]).collect();
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
            let b = to.min((w + 1.0) * week_s);
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
            let slot = &mut hours[(h as i64).rem_euclid(24) as usize];
            slot.0 += level as f64 * (b - a);
            slot.1 += b - a;
            slot.2 = slot.2.max(level);
            a = b;
        }
        t = time;
        level += delta as i64;
        peak = peak.max(level);
        let slot = &mut hours[((t / HOUR_S).floor() as i64).rem_euclid(24) as usize];
        slot.2 = slot.2.max(level);
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

/// The `[[sources]]` entry a model can use: the fitted profile and holding time.
pub fn model_snippet(source: &str, rates_per_h: &[f64], holding: &HoldingFit) -> String {
    let values: Vec<String> = rates_per_h.iter().map(|r| format!("\"{:.3}/h\"", r)).collect();
    let rows: Vec<String> = values.chunks(6).map(|c| format!("    {},", c.join(", "))).collect();
    format!(
        "[[sources]]\nname = \"{source}\"\narrivals = {{ profile = \"fitted\", hourly = [\n{}\n] }}\nholding = {}\n",
        rows.join("\n"),
        holding.toml()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;
    use rand_distr::Distribution;

    fn sample(d: impl Distribution<f64>, n: usize) -> Vec<f64> {
        let mut rng = stream(9, 0, 0, 0);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn each_family_is_recovered_and_chosen() {
        let n = 20_000;
        let cases: Vec<(&str, Vec<f64>, f64, f64)> = vec![
            ("exponential", sample(rand_distr::Exp::new(1.0 / 180.0).unwrap(), n), 180.0, 1.0),
            (
                "lognormal",
                sample(rand_distr::LogNormal::new(5.0, 0.7).unwrap(), n),
                (5.0f64 + 0.245).exp(),
                (0.49f64.exp() - 1.0).sqrt(),
            ),
            ("gamma", sample(rand_distr::Gamma::new(4.0, 45.0).unwrap(), n), 180.0, 0.5),
            (
                "weibull",
                sample(rand_distr::Weibull::new(200.0, 2.5).unwrap(), n),
                200.0 * statrs::function::gamma::gamma(1.4),
                f64::NAN,
            ),
        ];
        for (dist, xs, mean, cv) in cases {
            let fits = fit_holding(&xs);
            assert_eq!(fits[0].dist, dist, "{fits:?}");
            assert!((fits[0].mean_s / mean - 1.0).abs() < 0.03, "{dist}: mean {} vs {mean}", fits[0].mean_s);
            if cv.is_finite() {
                assert!((fits[0].cv / cv - 1.0).abs() < 0.05, "{dist}: cv {} vs {cv}", fits[0].cv);
            }
            assert!(fits[0].ks < 0.02, "{dist}: KS {}", fits[0].ks);
        }
    }

    #[test]
    fn concurrency_of_a_known_log() {
        let call = |s: f64, d: f64| CallRecord { start_s: s, duration_s: d, source: None };
        // Two overlapping calls for 5 s of a 20 s span: levels 1,2,1,0,1.
        let c = concurrency(&[call(0.0, 10.0), call(5.0, 5.0), call(15.0, 5.0)]);
        assert_eq!(c.peak, 2.0);
        assert_eq!(c.median, 1.0);
        assert!((c.mean - (10.0 + 5.0 + 5.0) / 20.0).abs() < 1e-12);
        assert_eq!(c.burst_factor(), 2.0);
    }
}
