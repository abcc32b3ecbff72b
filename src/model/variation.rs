//! How a model's offered traffic varies in time: over the clock hours of
//! the day (what decides where its SLA is judged by default, the busy hour
//! when arrivals vary and the run when they are constant, and the
//! busy-hour-to-mean ratio the warnings and plans quote), and over a run's
//! measured window against a month (what scales usage to a bill).

use super::{Arrivals, Model, OverWhy, Profile, SlaOver, Source};

const DAY_S: f64 = 86_400.0;

/// The arrival rate of `p` integrated over [`a`, `b`) of its period
/// (0 ≤ a ≤ b ≤ period): expected arrivals there.
fn profile_arrivals(p: &Profile, a: f64, b: f64) -> f64 {
    (0..p.starts_s.len())
        .map(|k| {
            let (s, e) = (p.starts_s[k], p.starts_s.get(k + 1).copied().unwrap_or(p.period_s));
            p.rates_per_s[k] * (e.min(b) - s.max(a)).max(0.0)
        })
        .sum()
}

/// A source's offered traffic (Erlang-seconds of first attempts, up to a
/// common factor) in each clock hour of the day, or `None` when it is the
/// same in every hour.
fn hourly_offered(s: &Source) -> Option<[f64; 24]> {
    let mut out = [0.0; 24];
    match &s.arrivals {
        Arrivals::Poisson | Arrivals::Population { .. } => return None,
        Arrivals::Profile(p) => {
            if p.rates_per_s.iter().all(|r| *r == p.rates_per_s[0]) {
                return None;
            }
            let days = (p.period_s / DAY_S).round().max(1.0) as usize;
            for d in 0..days {
                for (h, o) in out.iter_mut().enumerate() {
                    let a = d as f64 * DAY_S + h as f64 * 3600.0;
                    *o += profile_arrivals(p, a.min(p.period_s), (a + 3600.0).min(p.period_s)) * s.holding.mean_s();
                }
            }
        }
        Arrivals::Trace(calls) => {
            for (start, duration) in calls.iter() {
                out[((start.rem_euclid(DAY_S)) / 3600.0) as usize % 24] += duration;
            }
        }
    }
    Some(out)
}

/// Expected first attempts of profile `p` over [`a`, `b`) s of simulated
/// time (the profile repeats every period).
fn profile_arrivals_periodic(p: &Profile, a: f64, b: f64) -> f64 {
    let mut total = 0.0;
    let mut k = (a / p.period_s).floor();
    while k * p.period_s < b {
        let start = k * p.period_s;
        total += profile_arrivals(p, (a - start).max(0.0), (b - start).min(p.period_s));
        k += 1.0;
    }
    total
}

impl Model {
    /// Expected offered traffic of first attempts over [`a`, `b`) s of
    /// simulated time, in Erlang-seconds: each source's arrivals there (a
    /// profile's rates as they repeat, a trace's calls starting there, a
    /// constant rate for the others) × its mean holding time.
    pub fn offered_erl_s_in(&self, a: f64, b: f64) -> f64 {
        self.sources
            .iter()
            .map(|s| match &s.arrivals {
                Arrivals::Profile(p) => profile_arrivals_periodic(p, a, b) * s.holding.mean_s(),
                Arrivals::Trace(calls) => calls.iter().filter(|(t, _)| (a..b).contains(t)).map(|(_, d)| d).sum::<f64>(),
                Arrivals::Poisson | Arrivals::Population { .. } => s.offered_load_erl() * (b - a),
            })
            .sum()
    }

    /// The expected offered load (Erlangs) of first attempts over the
    /// measured run [`warmup_s`, `warmup_s` + `horizon_s`), or over its
    /// hours of the week `hours` (168 flags, Monday 00:00 first) when given:
    /// the exact mean of the replications' `offered_load_erl` there, which
    /// makes it a control variate ([`crate::statistics::control`]). A day
    /// factor's mean is 1, so it does not move this. `None` when it is not
    /// known exactly: a trace, a finite population (its rate follows its
    /// state), a campaign, or no measured second in those hours.
    pub fn expected_offered_load_erl(&self, hours: Option<&[bool]>) -> Option<f64> {
        let exact = self.campaigns.is_empty()
            && self.sources.iter().all(|s| matches!(s.arrivals, Arrivals::Profile(_) | Arrivals::Poisson));
        if !exact {
            return None;
        }
        let (start, end) = (self.run.warmup_s, self.run.warmup_s + self.run.horizon_s);
        let (mut erl_s, mut span) = (0.0, 0.0);
        let mut k = (start / 3600.0).floor() as u64;
        while (k as f64) * 3600.0 < end {
            let (a, b) = ((k as f64 * 3600.0).max(start), ((k + 1) as f64 * 3600.0).min(end));
            if b > a && hours.is_none_or(|h| h[(k % 168) as usize]) {
                erl_s += self.offered_erl_s_in(a, b);
                span += b - a;
            }
            k += 1;
        }
        (span > 0.0).then(|| erl_s / span)
    }

    /// What a measured window of this model's run is of a month of
    /// `month_s` seconds: the month's expected offered traffic (its mean
    /// offered load × `month_s`, so a weekly profile's weekends count as the
    /// profile says) over the window's (after the warm-up, `horizon_s`
    /// long). Usage counted in the window × this is the month's. With
    /// constant rates it is `month_s / horizon_s`; with no traffic, that too.
    pub fn month_scale(&self, month_s: f64) -> f64 {
        let (a, b) = (self.run.warmup_s, self.run.warmup_s + self.run.horizon_s);
        let window = self.offered_erl_s_in(a, b);
        if window > 0.0 && self.offered_load_erl() > 0.0 {
            self.offered_load_erl() * month_s / window
        } else {
            month_s / self.run.horizon_s
        }
    }

    /// Where this model's SLA is judged when `[sla]` does not say: the busy
    /// hour when its arrivals vary in time, else the whole run; with a
    /// written `over = "run"` on traffic whose busy hour is more than 20%
    /// above its mean, a warning that the verdict averages the peak away.
    /// Called once when the model is built.
    pub fn settle_sla_over(&mut self) {
        if self.sla.over_why != OverWhy::Written {
            match self.time_variation() {
                Some(what) => {
                    self.sla.over = SlaOver::BusyHour;
                    self.sla.over_why = OverWhy::Varying(what);
                }
                None => {
                    self.sla.over = SlaOver::Run;
                    self.sla.over_why = if self.campaigns_only() { OverWhy::Campaigns } else { OverWhy::Constant };
                }
            }
        }
        if self.sla.over == SlaOver::Run && !self.sla.is_empty() {
            if let Some(r) = self.busy_hour_ratio().filter(|r| *r > 1.2) {
                self.sla.warnings.push(format!(
                    "judged over the whole run, but the busy hour offers {r:.2}× the mean hour's load: the verdict \
                     averages the peak away (leave `over` out or write over = \"busy_hour\")"
                ));
            }
        }
    }

    /// What makes this model's arrivals vary in time, for the output that
    /// says why its SLA is judged at the busy hour: e.g. `source "inbound"
    /// follows profile "weekday"`, `source "log" replays a trace`; `None`
    /// when every inbound source's rate is constant (Poisson, a finite
    /// population, a flat profile). Campaigns are not counted: the SLA's
    /// outcomes are the inbound sources' (a campaign is judged by its own
    /// completion and abandonment).
    pub fn time_variation(&self) -> Option<String> {
        self.sources.iter().find_map(|s| match &s.arrivals {
            Arrivals::Profile(p) if hourly_offered(s).is_some() => {
                Some(format!("source {:?} follows profile {:?}", s.name, p.name))
            }
            Arrivals::Trace(_) => Some(format!("source {:?} replays a trace", s.name)),
            _ => None,
        })
    }

    /// Offered traffic of first attempts in each clock hour of the day (up
    /// to a common factor), averaged over the days of each source's profile
    /// or trace; `None` when no source's rate varies by the clock
    /// (campaigns are not counted: their traffic is the dialer's, known
    /// only by simulating it).
    fn clock_hours_offered(&self) -> Option<[f64; 24]> {
        let mut total = [0.0; 24];
        let mut varies = false;
        for s in &self.sources {
            match hourly_offered(s) {
                Some(h) => {
                    varies = true;
                    // A trace's hours are scaled to its mean rate, so it adds
                    // to the others in the same unit.
                    let sum: f64 = h.iter().sum();
                    let scale = if sum > 0.0 { s.offered_load_erl() * 24.0 / sum } else { 0.0 };
                    total.iter_mut().zip(h).for_each(|(t, x)| *t += x * scale);
                }
                None => total.iter_mut().for_each(|t| *t += s.offered_load_erl()),
            }
        }
        varies.then_some(total)
    }

    /// The unit loads are shown and planned in, over the model's offered
    /// load: the busy hour's over the mean hour's ([`Self::busy_hour_ratio`])
    /// with "busy-hour Erl" when the SLA is judged at the busy hour, else 1
    /// with "Erl".
    pub fn judged_load(&self) -> (f64, &'static str) {
        let busy_hour = self.sla.over == crate::model::SlaOver::BusyHour;
        match self.busy_hour_ratio().filter(|_| busy_hour) {
            Some(r) => (r, "busy-hour Erl"),
            None => (1.0, "Erl"),
        }
    }

    /// The time-consistent busy hour's offered load over the mean hour's
    /// (≥ 1): the clock hour of the day with the most offered traffic of
    /// first attempts against the average of the 24 clock hours (ITU-T
    /// E.500's busy hour, from the model's rates rather than a simulation).
    /// `None` when no source's rate varies by the clock.
    pub fn busy_hour_ratio(&self) -> Option<f64> {
        let total = self.clock_hours_offered()?;
        let mean = total.iter().sum::<f64>() / 24.0;
        (mean > 0.0).then(|| total.iter().cloned().fold(0.0, f64::max) / mean)
    }

    /// The time-consistent busy hour from the model's rates: the clock hour
    /// (0–23) with the most offered traffic (ties: the earlier); 0 when
    /// the rates do not vary by the clock (every hour is the busy hour).
    pub fn busy_clock_hour(&self) -> usize {
        self.clock_hours_offered().map_or(0, |t| (0..24).fold(0, |b, h| if t[h] > t[b] { h } else { b }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dist;

    fn source(arrivals: Arrivals, rate: f64) -> Source {
        Source {
            name: "s".into(),
            arrival_rate_per_s: rate,
            arrivals,
            day_variation: Default::default(),
            holding: Dist::Exponential { mean_s: 100.0 },
            patience: None,
            redial: None,
            turns: None,
            latency_budget_s: 0.8,
            retry: crate::model::Retry {
                max_attempts: 1,
                backoff: crate::model::Backoff::Constant,
                base_s: 0.0,
                jitter: 0.0,
            },
        }
    }

    #[test]
    fn a_periodic_profile_integrates_across_its_periods() {
        // 1/s for the first half of each 10 s period, 3/s for the second.
        let p = Profile { name: "p".into(), starts_s: vec![0.0, 5.0], rates_per_s: vec![1.0, 3.0], period_s: 10.0 };
        assert_eq!(profile_arrivals_periodic(&p, 0.0, 10.0), 20.0);
        assert_eq!(profile_arrivals_periodic(&p, 5.0, 25.0), 15.0 + 5.0 + 15.0 + 5.0);
        assert_eq!(profile_arrivals_periodic(&p, 7.0, 13.0), 9.0 + 3.0);
    }

    #[test]
    fn a_profile_with_one_busy_hour_has_its_ratio() {
        // 1/s all day but 3/s from 10:00 to 11:00: mean (23 + 3)/24 per s.
        let p = Profile {
            name: "day".into(),
            starts_s: vec![0.0, 36_000.0, 39_600.0],
            rates_per_s: vec![1.0, 3.0, 1.0],
            period_s: DAY_S,
        };
        let s = source(Arrivals::Profile(p.clone()), p.mean_rate_per_s());
        let ratio = hourly_offered(&s).map(|h| h[10] / (h.iter().sum::<f64>() / 24.0)).unwrap();
        assert!((ratio - 3.0 * 24.0 / 26.0).abs() < 1e-12, "{ratio}");
        let flat = Profile { rates_per_s: vec![2.0; 3], ..p };
        assert!(hourly_offered(&source(Arrivals::Profile(flat), 2.0)).is_none());
        assert!(hourly_offered(&source(Arrivals::Poisson, 2.0)).is_none());
    }
}
