//! The lost-calls-held system of a model: its first attempts, each held for
//! its holding time as if no limit ever refused it (an M_t/G/∞ queue fed by
//! the sources' Poisson arrivals). Its calls in progress at time t are
//! Poisson with mean m(t) = Σ_s ∫₀ᵗ λ_s(u) P(S_s > t − u) du (Eick, Massey
//! and Whitt 1993, "The physics of the M_t/G/∞ queue"), and a Poisson
//! arrival sees that distribution (PASTA), so the first attempts that find
//! `c` or more calls there (Molina's lost-calls-held overflow) have an
//! exactly known expected number, ∫ λ(t) P(Poisson(m(t)) ≥ c) dt. Counted in
//! each replication with `c` the chain's smallest concurrency limit, that
//! number moves with the replication's lost callers far more closely than
//! its offered load does: the control variate of lost-caller objectives
//! ([`crate::statistics::sla::controlled`]).

use super::{Arrivals, LimitKind, Model, Profile, Scope};
use std::collections::HashMap;

/// The fewest replications an objective is judged with a control variate
/// on: with one control the t interval has n − 2 degrees of freedom, and
/// below 5 its quantile costs more than the control saves.
pub const CONTROL_MIN_REPLICATIONS: usize = 5;

/// Gauss–Legendre nodes on [−1, 1] and weights, 5 points (exact for
/// polynomials of degree 9).
const GAUSS_5: [(f64, f64); 5] = [
    (0.0, 0.568_888_888_888_888_9),
    (-0.538_469_310_105_683, 0.478_628_670_499_366_5),
    (0.538_469_310_105_683, 0.478_628_670_499_366_5),
    (-0.906_179_845_938_664, 0.236_926_885_056_189_1),
    (0.906_179_845_938_664, 0.236_926_885_056_189_1),
];

/// Longest quadrature panel (s): m(t) changes little within it.
const PANEL_S: f64 = 60.0;

/// One source as the held system sees it: when its rate changes, the rates,
/// and its holding time.
struct Feed<'a> {
    profile: Option<&'a Profile>,
    rate_per_s: f64,
    holding: &'a super::Dist,
    /// Beyond this age a call's survival no longer moves m(t) (its mean
    /// minus E[min(S, age)] is below 10⁻¹³ of the mean).
    tail_s: f64,
}

impl Feed<'_> {
    /// The arrival rate at `t` (per s).
    fn rate(&self, t: f64) -> f64 {
        match self.profile {
            None => self.rate_per_s,
            Some(p) => {
                let x = t.rem_euclid(p.period_s);
                let k = p.starts_s.partition_point(|s| *s <= x).saturating_sub(1);
                p.rates_per_s[k]
            }
        }
    }

    /// m(t) of this source: Σ over its constant-rate pieces [a, b) before t
    /// of λ (E[min(S, t − a)] − E[min(S, t − b)]).
    fn mean_in_progress(&self, t: f64) -> f64 {
        let g = |x: f64| self.holding.mean_min_s(x);
        match self.profile {
            None => self.rate_per_s * g(t),
            Some(p) => {
                let mut m = 0.0;
                let from = (t - self.tail_s).max(0.0);
                let mut j = (from / p.period_s).floor();
                while j * p.period_s < t {
                    let base = j * p.period_s;
                    for (k, rate) in p.rates_per_s.iter().enumerate() {
                        let a = base + p.starts_s[k];
                        let b = (base + p.starts_s.get(k + 1).copied().unwrap_or(p.period_s)).min(t);
                        if a < t && b > from {
                            m += rate * (g(t - a) - g(t - b));
                        }
                    }
                    j += 1.0;
                }
                m
            }
        }
    }
}

/// P(N ≥ c) for N Poisson with mean `m`: the regularized lower incomplete
/// gamma function P(c, m) (statrs).
fn poisson_tail(m: f64, c: u32) -> f64 {
    if c == 0 {
        1.0
    } else if m <= 0.0 {
        0.0
    } else {
        statrs::function::gamma::gamma_lr(c as f64, m)
    }
}

impl Model {
    /// The capacity `c` of the lost-calls-held control: the smallest
    /// concurrency limit (slots × copies) that every call holds for its
    /// whole length, when the held system's overflow has a known mean: every
    /// source Poisson or a profile without day-to-day variation, and no
    /// campaign; and only when the SLA judges a lost-caller probability and
    /// the run may reach [`CONTROL_MIN_REPLICATIONS`] (nothing else reads
    /// it, and tracking it costs the engine a heap sift per first attempt).
    /// `None` otherwise (traces, populations, day factors, campaigns, no
    /// such limit or objective, too few replications).
    pub fn held_capacity(&self) -> Option<u32> {
        use super::ObjectiveMetric::{Abandonment, Blocking, Failure, Loss};
        let poisson = |s: &super::Source| matches!(s.arrivals, Arrivals::Poisson | Arrivals::Profile(_));
        let lost = |m: super::ObjectiveMetric| matches!(m, Blocking | Abandonment | Failure | Loss);
        let sla = &self.sla;
        if !sla.objectives.iter().chain(sla.source_objectives.iter().map(|(_, o)| o)).any(|o| lost(o.metric))
            || (self.run.max_replications as usize) < CONTROL_MIN_REPLICATIONS
            || !self.campaigns.is_empty()
            || self.sources.is_empty()
            || !self.sources.iter().all(|s| poisson(s) && s.day_variation.is_none())
        {
            return None;
        }
        self.limits
            .iter()
            .filter(|l| !l.standby && l.sources.is_none() && matches!(l.scope, Scope::Call))
            .filter_map(|l| match l.kind {
                LimitKind::Concurrency { capacity } => Some(capacity.saturating_mul(l.pool)),
                _ => None,
            })
            .min()
    }

    /// The expected number per hour of first attempts that find
    /// [`Model::held_capacity`] or more calls in the lost-calls-held system,
    /// over the measured run [`warmup_s`, `warmup_s` + `horizon_s`) or its
    /// hours of the week `hours` (168 flags, Monday 00:00 first) when given:
    /// ∫ λ(t) P(Poisson(m(t)) ≥ c) dt over those hours (see the module),
    /// divided by their length in hours. The integral is 5-point
    /// Gauss–Legendre on panels of at most a minute split where a rate
    /// changes (relative error below 10⁻⁶ for smooth holding times; a
    /// deterministic one's kinks cost more, still far below any
    /// simulation's error); once every call begun before the run is
    /// forgotten, an hour repeats the same hour a period earlier. `None`
    /// when there is no held capacity or no measured second in those hours.
    pub fn expected_held_overflow_per_h(&self, hours: Option<&[bool]>) -> Option<f64> {
        let c = self.held_capacity()?;
        let feeds: Vec<Feed> = self
            .sources
            .iter()
            .map(|s| {
                let mean = s.holding.mean_s();
                let mut tail_s = mean.max(1.0);
                for _ in 0..80 {
                    if mean - s.holding.mean_min_s(tail_s) <= 1e-13 * mean {
                        break;
                    }
                    tail_s *= 2.0;
                }
                let profile = match &s.arrivals {
                    Arrivals::Profile(p) => Some(p),
                    _ => None,
                };
                Feed { profile, rate_per_s: s.arrival_rate_per_s, holding: &s.holding, tail_s }
            })
            .collect();
        // Every rate change within a period, and the period the held
        // system repeats (the longest profile's, when the others divide it).
        let period_s = feeds.iter().filter_map(|f| f.profile.map(|p| p.period_s)).fold(3600.0, |a: f64, b| a.max(b));
        let periodic = feeds.iter().all(|f| f.profile.is_none_or(|p| (period_s / p.period_s).fract() == 0.0));
        let steady_from = feeds.iter().map(|f| f.tail_s).fold(0.0, f64::max) + period_s;
        let breaks = |a: f64, b: f64| {
            let mut at: Vec<f64> = vec![a, b];
            for p in feeds.iter().filter_map(|f| f.profile) {
                let mut j = (a / p.period_s).floor();
                while j * p.period_s < b {
                    at.extend(p.starts_s.iter().map(|s| j * p.period_s + s).filter(|t| *t > a && *t < b));
                    j += 1.0;
                }
            }
            at.sort_by(f64::total_cmp);
            at.dedup();
            at
        };
        let integrand = |t: f64| {
            let rate: f64 = feeds.iter().map(|f| f.rate(t)).sum();
            let m: f64 = feeds.iter().map(|f| f.mean_in_progress(t)).sum();
            rate * poisson_tail(m, c)
        };
        let integral = |a: f64, b: f64| {
            let at = breaks(a, b);
            let mut total = 0.0;
            for w in at.windows(2) {
                let panels = ((w[1] - w[0]) / PANEL_S).ceil().max(1.0);
                let h = (w[1] - w[0]) / panels;
                for i in 0..panels as usize {
                    let mid = w[0] + (i as f64 + 0.5) * h;
                    total += GAUSS_5.iter().map(|(x, wt)| wt * integrand(mid + 0.5 * h * x)).sum::<f64>() * 0.5 * h;
                }
            }
            total
        };
        let (start, end) = (self.run.warmup_s, self.run.warmup_s + self.run.horizon_s);
        let (mut count, mut span) = (0.0, 0.0);
        let mut memo: HashMap<(u64, u64), f64> = HashMap::new();
        let mut k = (start / 3600.0).floor() as u64;
        while (k as f64) * 3600.0 < end {
            let (a, b) = ((k as f64 * 3600.0).max(start), ((k + 1) as f64 * 3600.0).min(end));
            if b > a && hours.is_none_or(|h| h[(k % 168) as usize]) {
                count += if periodic && a >= steady_from {
                    // Millisecond keys: the hour's place in the period and its length.
                    let key = ((a.rem_euclid(period_s) * 1e3).round() as u64, ((b - a) * 1e3).round() as u64);
                    *memo.entry(key).or_insert_with(|| integral(a, b))
                } else {
                    integral(a, b)
                };
                span += b - a;
            }
            k += 1;
        }
        (span > 0.0).then(|| count / span * 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::poisson_tail;

    #[test]
    fn poisson_tail_sums_the_probabilities() {
        // P(N ≥ c) = 1 − Σ_{k<c} e^{−m} mᵏ/k!, summed directly.
        for (m, c) in [(3.0f64, 1), (15.0, 20), (40.0, 45), (0.5, 4)] {
            let mut term = (-m).exp();
            let mut below = 0.0;
            for k in 0..c {
                below += term;
                term *= m / (k + 1) as f64;
            }
            assert!((poisson_tail(m, c) - (1.0 - below)).abs() < 1e-12, "m {m} c {c}");
        }
        assert_eq!(poisson_tail(5.0, 0), 1.0);
        assert_eq!(poisson_tail(0.0, 3), 0.0);
    }
}
