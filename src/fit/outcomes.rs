//! What a log with outcomes says about callers: patience from waits, and
//! redials from repeated callers.
//!
//! **Patience is censored.** A caller who abandoned after waiting w had a
//! patience of w; one who was answered after waiting w had a patience of
//! more than w, and how much more the log cannot say. The mean of the
//! abandoned callers' waits is therefore biased low (it keeps only the
//! impatient), and badly so where answers come fast. The estimators here
//! use both (Brown et al. 2005, *Statistical analysis of a telephone call
//! center*, JASA 100:36–50, §6; Kaplan & Meier 1958, JASA 53:457–481):
//! - Kaplan–Meier: S(t) = Π over abandonment times tᵢ ≤ t of (1 − dᵢ/nᵢ),
//!   nᵢ callers still waiting just before tᵢ; the median where S falls to ½.
//! - exponential MLE with censoring: mean = Σ all waits / abandonments, with
//!   the exact interval 2·Σw/χ²(2d) (Lawless 2003, *Statistical Models and
//!   Methods for Lifetime Data*, §3.5);
//! - lognormal MLE with censoring: Σ_abandoned ln f(w) + Σ_answered ln S(w)
//!   maximised over (μ, ln σ) by Nelder–Mead, its mean's interval by the
//!   delta method on the observed information.
//!
//! **Redials.** An attempt that was abandoned or blocked is followed by a
//! redial when the same caller calls again within a day; the delay runs from
//! the failure (the abandonment, or the refusal) to the next attempt.

use crate::model::LoggedOutcome;
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal};

/// How long after a failed attempt a call by the same caller still counts
/// as its redial.
pub const REDIAL_WINDOW_S: f64 = 86_400.0;
/// Redial probabilities are estimated after the 1st to this failed attempt.
const MAX_REDIAL_ATTEMPTS: usize = 5;

/// The patience fitted to a log's waits.
#[derive(Debug, Clone, PartialEq)]
pub struct PatienceFit {
    /// Callers who abandoned (events) and who were answered after waiting (censored).
    pub abandoned: usize,
    /// Answered callers who waited (censored observations).
    pub answered: usize,
    /// The naive mean of the abandoned callers' waits (biased low), s.
    pub naive_mean_s: f64,
    /// Kaplan–Meier median (s), NaN when S stays above ½.
    pub km_median_s: f64,
    /// Kaplan–Meier curve: (wait s, survival) at each abandonment time.
    pub km: Vec<(f64, f64)>,
    /// Exponential mean (s) with its 95% interval.
    pub exponential: (f64, f64, f64),
    /// Its log-likelihood.
    pub exponential_ll: f64,
    /// Lognormal mean (s) with its 95% interval, and its cv.
    pub lognormal: Option<(f64, f64, f64, f64)>,
    /// Its log-likelihood.
    pub lognormal_ll: f64,
}

impl PatienceFit {
    /// The model's `patience = { ... }` of the lower AIC (2 parameters for
    /// the lognormal, 1 for the exponential).
    pub fn toml(&self) -> String {
        match self.lognormal {
            Some((mean, _, _, cv)) if self.chosen() == "lognormal" => {
                format!("{{ dist = \"lognormal\", mean = \"{mean:.1}s\", cv = {cv:.4} }}")
            }
            _ => format!("{{ dist = \"exponential\", mean = \"{:.1}s\" }}", self.exponential.0),
        }
    }

    /// `lognormal` when it was fitted and its AIC (2 parameters) is below
    /// the exponential's (1), else `exponential`.
    pub fn chosen(&self) -> &'static str {
        let lognormal_aic = 4.0 - 2.0 * self.lognormal_ll;
        if self.lognormal.is_some() && lognormal_aic < 2.0 - 2.0 * self.exponential_ll {
            "lognormal"
        } else {
            "exponential"
        }
    }
}

/// The patience of callers whose waits are `waits` and outcomes `outcomes`
/// (blocked calls tell nothing; answered calls without a wait neither);
/// `None` without abandonments.
pub fn patience(outcomes: &[LoggedOutcome], waits: &[f32]) -> Option<PatienceFit> {
    // (wait, abandoned) of every caller who waited.
    let mut obs: Vec<(f64, bool)> = outcomes
        .iter()
        .zip(waits)
        .filter_map(|(o, w)| match o {
            LoggedOutcome::Abandoned => Some((*w as f64, true)),
            LoggedOutcome::Answered if *w > 0.0 => Some((*w as f64, false)),
            _ => None,
        })
        .collect();
    let d = obs.iter().filter(|o| o.1).count();
    if d == 0 {
        return None;
    }
    obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let naive_mean_s = obs.iter().filter(|o| o.1).map(|o| o.0).sum::<f64>() / d as f64;

    // Kaplan–Meier: abandonments at a time count before answers at it.
    let mut km = Vec::new();
    let (mut at_risk, mut s) = (obs.len() as f64, 1.0);
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let (mut events, mut leaving) = (0.0, 0.0);
        while i < obs.len() && obs[i].0 == t {
            events += f64::from(u8::from(obs[i].1));
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 {
            s *= 1.0 - events / at_risk;
            km.push((t, s));
        }
        at_risk -= leaving;
    }
    let km_median_s = km.iter().find(|(_, s)| *s <= 0.5).map_or(f64::NAN, |(t, _)| *t);

    // Exponential with censoring.
    let total: f64 = obs.iter().map(|o| o.0).sum();
    let mean = total / d as f64;
    let chi = ChiSquared::new(2.0 * d as f64).expect("d > 0");
    let exponential = (mean, 2.0 * total / chi.inverse_cdf(0.975), 2.0 * total / chi.inverse_cdf(0.025));
    let exponential_ll = -(d as f64) * mean.ln() - total / mean;

    // Lognormal with censoring (waits of 0 cannot be lognormal: left out).
    let positive: Vec<(f64, bool)> = obs.iter().copied().filter(|o| o.0 > 0.0).collect();
    let ll = |p: &[f64; 2]| -> f64 {
        let (mu, sigma) = (p[0], p[1].exp());
        let n = Normal::new(0.0, 1.0).expect("standard normal");
        positive
            .iter()
            .map(|&(w, event)| {
                let z = (w.ln() - mu) / sigma;
                if event {
                    n.ln_pdf(z) - sigma.ln() - w.ln()
                } else {
                    (1.0 - n.cdf(z)).max(1e-300).ln()
                }
            })
            .sum()
    };
    let logs: Vec<f64> = positive.iter().filter(|o| o.1).map(|o| o.0.ln()).collect();
    let mu0 = logs.iter().sum::<f64>() / logs.len().max(1) as f64;
    let sd0 = (logs.iter().map(|x| (x - mu0).powi(2)).sum::<f64>() / logs.len().max(1) as f64).sqrt().max(0.1);
    let best = nelder_mead(|p| -ll(p), [mu0 + sd0, sd0.ln()]);
    let lognormal_ll = ll(&best);
    let lognormal = lognormal_mean_interval(&ll, best);
    Some(PatienceFit {
        abandoned: d,
        answered: obs.len() - d,
        naive_mean_s,
        km_median_s,
        km,
        exponential,
        exponential_ll,
        lognormal,
        lognormal_ll,
    })
}

/// The lognormal mean exp(μ + σ²/2), its 95% interval by the delta method
/// on the observed information (the negative Hessian of `ll` at `p`, by
/// central differences), and its cv √(exp(σ²) − 1); `None` when the
/// information is not positive definite.
fn lognormal_mean_interval(ll: &dyn Fn(&[f64; 2]) -> f64, p: [f64; 2]) -> Option<(f64, f64, f64, f64)> {
    let h = 1e-4;
    let at = |a: f64, b: f64| ll(&[p[0] + a, p[1] + b]);
    let f0 = at(0.0, 0.0);
    let i11 = -(at(h, 0.0) - 2.0 * f0 + at(-h, 0.0)) / (h * h);
    let i22 = -(at(0.0, h) - 2.0 * f0 + at(0.0, -h)) / (h * h);
    let i12 = -(at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h);
    let det = i11 * i22 - i12 * i12;
    if !(det > 0.0 && i11 > 0.0) {
        return None;
    }
    // Covariance = information⁻¹; mean m = exp(μ + e^{2τ}/2), τ = ln σ.
    let (c11, c22, c12) = (i22 / det, i11 / det, -i12 / det);
    let sigma2 = (2.0 * p[1]).exp();
    let m = (p[0] + sigma2 / 2.0).exp();
    let (g1, g2) = (m, m * sigma2);
    let se = (g1 * g1 * c11 + g2 * g2 * c22 + 2.0 * g1 * g2 * c12).max(0.0).sqrt();
    Some((m, m - 1.96 * se, m + 1.96 * se, (sigma2.exp() - 1.0).sqrt()))
}

/// Nelder–Mead minimisation of `f` from `start` (Nelder & Mead 1965, The
/// Computer Journal 7:308–313; standard coefficients 1, 2, ½, ½), 400
/// iterations or a simplex of values within 1e-10.
fn nelder_mead(f: impl Fn(&[f64; 2]) -> f64, start: [f64; 2]) -> [f64; 2] {
    let mut pts = [start, [start[0] + 0.5, start[1]], [start[0], start[1] + 0.3]];
    let mut vals = pts.map(|p| f(&p));
    for _ in 0..400 {
        let mut idx = [0, 1, 2];
        idx.sort_by(|a, b| vals[*a].total_cmp(&vals[*b]));
        let (b, m, w) = (idx[0], idx[1], idx[2]);
        if (vals[w] - vals[b]).abs() < 1e-10 {
            break;
        }
        let c = [(pts[b][0] + pts[m][0]) / 2.0, (pts[b][1] + pts[m][1]) / 2.0];
        let along = |t: f64| [c[0] + t * (pts[w][0] - c[0]), c[1] + t * (pts[w][1] - c[1])];
        let r = along(-1.0);
        let fr = f(&r);
        if fr < vals[b] {
            let e = along(-2.0);
            let fe = f(&e);
            (pts[w], vals[w]) = if fe < fr { (e, fe) } else { (r, fr) };
        } else if fr < vals[m] {
            (pts[w], vals[w]) = (r, fr);
        } else {
            let k = along(0.5);
            let fk = f(&k);
            if fk < vals[w] {
                (pts[w], vals[w]) = (k, fk);
            } else {
                for i in [m, w] {
                    pts[i] = [(pts[i][0] + pts[b][0]) / 2.0, (pts[i][1] + pts[b][1]) / 2.0];
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let best = (0..3).fold(0, |b, i| if vals[i] < vals[b] { i } else { b });
    pts[best]
}

/// Redials read from repeated callers.
#[derive(Debug, Clone, PartialEq)]
pub struct RedialFit {
    /// Failed attempts (abandoned or blocked) by attempt number (1st, 2nd, …)
    /// and how many of them were followed by a redial within a day.
    pub by_attempt: Vec<(usize, usize)>,
    /// Delays from the failure to the redial (s).
    pub delays_s: Vec<f64>,
    /// The most attempts one caller made in a row of failures plus one.
    pub max_attempts: usize,
}

impl RedialFit {
    /// The probability of a redial after failed attempt k (k = 1, 2, …).
    pub fn probabilities(&self) -> Vec<f64> {
        self.by_attempt.iter().map(|(n, r)| if *n > 0 { *r as f64 / *n as f64 } else { 0.0 }).collect()
    }
}

/// Redials of callers `callers` (hashed ids) whose attempts start at
/// `starts_s` (sorted), with `outcomes` and `waits_s`; `None` when no
/// failed attempt was followed by one.
pub fn redials(starts_s: &[f64], outcomes: &[LoggedOutcome], waits_s: &[f32], callers: &[u64]) -> Option<RedialFit> {
    // Each caller's attempts in order of start (the log is sorted).
    let mut by_caller: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (i, c) in callers.iter().enumerate() {
        by_caller.entry(*c).or_default().push(i);
    }
    let mut by_attempt = vec![(0usize, 0usize); MAX_REDIAL_ATTEMPTS];
    let mut delays_s = Vec::new();
    let mut max_attempts = 1;
    // Callers in order of their first attempt, so the delays come out in
    // the same order for the same log.
    let mut callers_in_order: Vec<&Vec<usize>> = by_caller.values().collect();
    callers_in_order.sort_by_key(|v| v[0]);
    for attempts in callers_in_order {
        let mut k = 0; // failed attempts in the current run of failures
        for (j, &i) in attempts.iter().enumerate() {
            if outcomes[i] == LoggedOutcome::Answered {
                k = 0;
                continue;
            }
            k += 1;
            let failed_at = starts_s[i] + waits_s[i] as f64;
            let next = attempts.get(j + 1).map(|&n| starts_s[n]).filter(|t| *t - failed_at <= REDIAL_WINDOW_S);
            if k <= MAX_REDIAL_ATTEMPTS {
                by_attempt[k - 1].0 += 1;
                if next.is_some() {
                    by_attempt[k - 1].1 += 1;
                }
            }
            match next {
                Some(t) => {
                    delays_s.push((t - failed_at).max(0.0));
                    max_attempts = max_attempts.max(k + 1);
                }
                None => k = 0,
            }
        }
    }
    while by_attempt.last().is_some_and(|x| x.0 == 0) {
        by_attempt.pop();
    }
    (!delays_s.is_empty()).then_some(RedialFit { by_attempt, delays_s, max_attempts })
}

/// Which attempts of `log` are first attempts: with callers, those not made
/// within a day of the same caller's failed attempt (the rule `fit` reads
/// redials by); without, all.
pub fn first_attempts(log: &crate::model::CallLog) -> Vec<bool> {
    let (Some(callers), Some(outcomes), Some(waits)) = (&log.callers, &log.outcomes, &log.waits_s) else {
        return vec![true; log.starts_s.len()];
    };
    // Each caller's last failure (when it ended), as the log goes on.
    let mut failed_at: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    (0..log.starts_s.len())
        .map(|i| {
            let t = log.starts_s[i];
            let first = failed_at.get(&callers[i]).is_none_or(|&f| t - f > REDIAL_WINDOW_S);
            if outcomes[i] == LoggedOutcome::Answered {
                failed_at.remove(&callers[i]);
            } else {
                failed_at.insert(callers[i], t + waits[i] as f64);
            }
            first
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoggedOutcome::{Abandoned, Answered, Blocked};

    #[test]
    fn kaplan_meier_of_a_small_log() {
        // Waits 1 (abandoned), 2 (answered), 3 (abandoned), 4 (abandoned):
        // S(1) = 3/4, S(3) = 3/4 × (1 − 1/2) = 3/8, S(4) = 0.
        let f = patience(&[Abandoned, Answered, Abandoned, Abandoned, Blocked], &[1.0, 2.0, 3.0, 4.0, 0.0]).unwrap();
        assert_eq!(f.km, vec![(1.0, 0.75), (3.0, 0.375), (4.0, 0.0)]);
        assert_eq!(f.km_median_s, 3.0);
        assert_eq!((f.abandoned, f.answered), (3, 1));
        // Exponential: Σ waits 10 over 3 abandonments.
        assert!((f.exponential.0 - 10.0 / 3.0).abs() < 1e-12);
        assert!((f.naive_mean_s - 8.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn redials_follow_failures_of_the_same_caller_within_a_day() {
        // Caller 1: blocked at 0, redials at 60 (answered). Caller 2:
        // abandoned after 10 s at 100, redials at 400, abandoned again
        // (5 s), gives up. Caller 3: answered once.
        let starts = [0.0, 60.0, 100.0, 200.0, 400.0];
        let outcomes = [Blocked, Answered, Abandoned, Answered, Abandoned];
        let waits = [0.0, 3.0, 10.0, 0.0, 5.0];
        let callers = [1, 1, 2, 3, 2];
        let r = redials(&starts, &outcomes, &waits, &callers).unwrap();
        assert_eq!(r.by_attempt, vec![(2, 2), (1, 0)]);
        assert_eq!(r.delays_s, vec![60.0, 290.0]);
        assert_eq!(r.max_attempts, 2);
        assert_eq!(r.probabilities(), vec![1.0, 0.0]);
    }
}
