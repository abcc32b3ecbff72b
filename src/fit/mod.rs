//! Fitting a model's traffic to what a call centre exports (`simcall fit`):
//! call records or interval counts over many days, with days missing.
//!
//! - [`counts`]: arrivals per interval of each observed day, the profile at
//!   the log's resolution (weekday and weekend shapes, a level per day of
//!   the week) and the time-consistent busy hour;
//! - [`variation`]: how much days differ beyond Poisson (a day factor and
//!   a half-day factor, from busy-hour counts), day-of-week factors and the
//!   within-hour dispersion, with confidence intervals;
//! - [`holding`]: holding-time distributions by maximum likelihood;
//! - [`concurrency`]: calls in progress, the busy hour's peak and the burst factor.
//!
//! [`LogFit`] gathers them and writes the model's `[[sources]]` entry.

pub mod concurrency;
pub mod counts;
pub mod holding;
pub mod outcomes;
pub mod variation;

pub use concurrency::{concurrency, Concurrency};
pub use counts::{profile, Counts, ProfileFit};
pub use holding::{fit_holding, HoldingFit};
pub use outcomes::{PatienceFit, RedialFit};
pub use variation::{day_of_week, variation, Estimate, VariationFit};

use crate::model::DayFactor;
use crate::units::{DAY_S, WEEKDAYS};

/// Where a day is split into the halves whose factors are estimated: noon.
pub const SPLIT_S: f64 = DAY_S / 2.0;

/// Everything fitted from one log.
#[derive(Debug, Clone)]
pub struct LogFit {
    /// Arrivals in the log (calls, or the sum of the interval counts).
    pub arrivals: f64,
    /// Days from the first observed to the last, and how many have rows.
    pub span_days: usize,
    /// Days with at least one row.
    pub observed_days: usize,
    /// The arrival profile.
    pub profile: ProfileFit,
    /// Each day of the week's level over its kind's mean, with intervals.
    pub day_of_week: [Option<Estimate>; 7],
    /// Day-to-day variation, when the log has enough busy days.
    pub variation: Option<VariationFit>,
    /// Holding-time fits, best AIC first (empty for interval counts).
    pub holding: Vec<HoldingFit>,
    /// Calls in progress (call records only).
    pub concurrency: Option<Concurrency>,
    /// Each observed day (from the log's Monday 00:00): its arrivals and its busy-hour arrivals.
    pub daily: Vec<(i64, f64, f64)>,
    /// What the holding time was fitted to.
    pub holding_from: &'static str,
    /// Patience, when the log has outcomes and waits.
    pub patience: Option<PatienceFit>,
    /// Redials, when the log has outcomes, waits and callers.
    pub redial: Option<RedialFit>,
    /// The redial delay's fits, best AIC first.
    pub redial_delay: Vec<HoldingFit>,
    /// Attempts left out of the arrivals as redials (a caller's call within
    /// a day of its failed one): the model's redials make them again.
    pub redials_left_out: usize,
}

impl LogFit {
    /// The fit of interval counts `c`; with `calls` (start s, duration s),
    /// also of holding times and concurrency.
    pub fn new(c: &Counts, calls: Option<&[(f64, f64)]>) -> LogFit {
        let profile = counts::profile(c);
        let busy = profile.busy_days();
        let holding = calls.map_or_else(Vec::new, |calls| {
            fit_holding(&calls.iter().map(|c| c.1).filter(|d| *d > 0.0).collect::<Vec<_>>())
        });
        let concurrency = calls.map(|calls| concurrency::concurrency(calls, |d| c.days.contains_key(&d), &busy));
        LogFit {
            arrivals: c.days.values().flatten().sum(),
            span_days: c.span_days(),
            observed_days: c.days.len(),
            day_of_week: day_of_week(c),
            variation: variation(c, &profile, SPLIT_S),
            daily: c
                .days
                .iter()
                .map(|(d, v)| (*d, v.iter().sum(), counts::in_hour(v, c.resolution_s, profile.busy_hour)))
                .collect(),
            profile,
            holding,
            concurrency,
            holding_from: "every call's duration",
            patience: None,
            redial: None,
            redial_delay: Vec::new(),
            redials_left_out: 0,
        }
    }

    /// Adds what `log`'s outcome columns say: the holding time from the
    /// answered calls' talk times (or their durations: an abandoned or
    /// blocked call's logged duration is not a holding time), patience from
    /// the waits, redials from the callers. `holding` is the durations the
    /// caller chose ([`LogFit::holding_durations`]).
    pub fn with_outcomes(&mut self, log: &crate::model::CallLog, holding: &[f64]) {
        if log.outcomes.is_some() {
            self.holding = fit_holding(holding);
            self.holding_from =
                if log.talks_s.is_some() { "the answered calls' talk times" } else { "the answered calls' durations" };
        }
        if let (Some(o), Some(w)) = (&log.outcomes, &log.waits_s) {
            self.patience = outcomes::patience(o, w);
            if let Some(c) = &log.callers {
                self.redial = outcomes::redials(&log.starts_s, o, w, c);
                self.redial_delay = self.redial.as_ref().map_or_else(Vec::new, |r| {
                    fit_holding(&r.delays_s.iter().copied().filter(|d| *d > 0.0).collect::<Vec<_>>())
                });
            }
        }
    }

    /// The durations a holding time is fitted to: the answered calls' talk
    /// times when the log has them, else the answered calls' durations
    /// when it has outcomes, else every duration; only positive ones.
    pub fn holding_durations(log: &crate::model::CallLog) -> Vec<f64> {
        use crate::model::LoggedOutcome::Answered;
        let answered = |i: usize| log.outcomes.as_ref().is_none_or(|o| o[i] == Answered);
        (0..log.starts_s.len())
            .filter(|&i| answered(i))
            .map(|i| match &log.talks_s {
                Some(t) if log.outcomes.is_some() && !t[i].is_nan() => t[i] as f64,
                _ => log.durations_s[i],
            })
            .filter(|d| *d > 0.0)
            .collect()
    }

    /// The profile as rows `at,rate` (a model's `arrivals.file`), when it is
    /// finer than hourly; hourly profiles go inline in the snippet.
    pub fn arrivals_csv(&self) -> Option<String> {
        let p = &self.profile;
        if p.resolution_s >= 3600.0 {
            return None;
        }
        let slots = (DAY_S / p.resolution_s).round() as usize;
        let mut out = String::from("at,rate\n");
        for (i, r) in p.rates_per_h.iter().enumerate() {
            let t = (i % slots) as f64 * p.resolution_s;
            let clock = format!("{:02}:{:02}", (t / 3600.0) as u32, ((t % 3600.0) / 60.0) as u32);
            let at = if p.weekly { format!("{} {clock}", WEEKDAYS[i / slots]) } else { clock };
            out += &format!("{at},{r:.4}/h\n");
        }
        Some(out)
    }

    /// The `[[sources]]` entry a model can use: the fitted profile (inline
    /// when hourly, else `file = "arrivals.csv"`, written beside it), the
    /// day-to-day variation chosen, and the holding time (commented out for
    /// interval counts, which have none: the model then says it is missing).
    pub fn snippet(&self, source: &str, log: &str) -> String {
        let p = &self.profile;
        let mut arrivals = vec!["profile = \"fitted\"".to_string()];
        if self.arrivals_csv().is_some() {
            arrivals.push("file = \"arrivals.csv\"".into());
        } else {
            let values: Vec<String> = p.rates_per_h.iter().map(|r| format!("\"{r:.3}/h\"")).collect();
            let rows: Vec<String> = values.chunks(6).map(|c| format!("    {},", c.join(", "))).collect();
            arrivals.push(format!("hourly = [\n{}\n]", rows.join("\n")));
        }
        let mut notes = vec![format!(
            "# Fitted by `simcall fit {log}`: {} of {} days observed, {}-minute intervals.",
            self.observed_days,
            self.span_days,
            p.resolution_s / 60.0
        )];
        if let Some(v) = &self.variation {
            let chosen = &v.chosen;
            match &chosen.factor {
                Some(DayFactor::Empirical(f)) => {
                    let values: Vec<String> = f.iter().map(|x| format!("{x:.4}")).collect();
                    let rows: Vec<String> = values.chunks(10).map(|c| format!("    {},", c.join(", "))).collect();
                    arrivals.push(format!("day_to_day = {{ factors = [\n{}\n] }}", rows.join("\n")));
                }
                Some(f) => arrivals.push(format!("day_to_day = {{ dist = \"{}\", cv = {:.4} }}", f.name(), f.cv())),
                None => {}
            }
            if let Some(w) = &chosen.within {
                arrivals.push(format!(
                    "within_day = {{ cv = {:.4}, split = \"{:02}:00\" }}",
                    w.cv,
                    (w.split_s / 3600.0) as u32
                ));
            }
            notes.push(format!(
                "# Day to day: busy-hour cv {} beyond Poisson ({:.3} Poisson alone) over {} busy days; {}.",
                v.busy_hour_cv.text(3),
                v.poisson_cv,
                v.days,
                match (&chosen.factor, &chosen.within) {
                    (None, None) => "no variation beyond Poisson".to_string(),
                    (Some(f), _) => format!("day factor {} (cv {:.3})", f.name(), f.cv()),
                    (None, Some(_)) => "a half-day factor only".to_string(),
                }
            ));
        }
        let mut holding = match self.holding.first() {
            Some(h) => format!("holding = {}", h.toml()),
            None => {
                "# holding = { dist = \"…\", mean = \"…\" }  # interval counts have no durations: give the holding time"
                    .into()
            }
        };
        if let Some(p) = &self.patience {
            holding += &format!(
                "\n# Patience from {} abandoned and {} answered waits (censored); the abandoned alone average {:.1} s.\npatience = {}",
                p.abandoned,
                p.answered,
                p.naive_mean_s,
                p.toml()
            );
        }
        if let (Some(r), Some(delay)) = (&self.redial, self.redial_delay.first()) {
            let probability: Vec<String> = r.probabilities().iter().map(|p| format!("{p:.3}")).collect();
            holding += &format!(
                "\nredial = {{ max_attempts = {}, probability = [{}], delay = {} }}",
                r.max_attempts.max(2),
                probability.join(", "),
                delay.toml()
            );
        }
        format!(
            "[[sources]]\nname = \"{source}\"\n{}\narrivals = {{ {} }}\n{holding}\n",
            notes.join("\n"),
            arrivals.join(", ")
        )
    }
}
