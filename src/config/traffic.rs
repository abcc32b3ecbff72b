//! Checking a source's `arrivals`: a constant Poisson rate or offered load, a
//! daily or weekly profile (hourly values, points, or a CSV), a finite
//! population, or a replayed call log.
//!
//! Simulated time 0 is Monday 00:00; a daily profile repeats every 24 h and
//! a weekly one every 168 h.

use super::build::Builder;
use super::call_log::{call_log, CallColumns};
use super::csv_input::{rows, AtRateRow};
use super::file::ArrivalsFile;
use crate::error::Result;
use crate::model::{Arrivals, DayVariation, Dist, Profile};
use crate::units::{parse_at, parse_load_erl, parse_rate_per_s, RATE_HELP};
use std::path::Path;
use std::sync::Arc;

use crate::units::DAY_S;
const WEEK_S: f64 = 7.0 * DAY_S;

/// A rate that may be zero (profiles are quiet at night): `"N/unit"`, N ≥ 0.
fn parse_rate_or_zero(text: &str) -> std::result::Result<f64, String> {
    if let Some((n, unit)) = text.split_once('/') {
        if n.trim().parse::<f64>() == Ok(0.0) {
            return parse_rate_per_s(&format!("1/{unit}")).map(|_| 0.0); // checks the unit
        }
    }
    parse_rate_per_s(text)
}

impl Builder<'_> {
    /// The arrivals of source `key`: (mean rate per s, arrivals, day-to-day variation).
    ///
    /// Errors unless exactly one of `rate`, `offered_load`, `hourly`,
    /// `points`, `file`, `population` (with `rate_per_idle`) or `trace` is
    /// given, on a profile with a wrong number of values or that is zero
    /// everywhere, on keys that do not go with the chosen kind, and as
    /// [`Builder::day_variation`] and [`Builder::with_day_of_week`] say.
    pub(super) fn arrivals(
        &self,
        key: &str,
        a: &ArrivalsFile,
        holding: &Dist,
        trace: Option<Arc<[(f64, f64)]>>,
    ) -> Result<(f64, Arrivals, DayVariation)> {
        let k = |sub: &str| format!("{key}.arrivals.{sub}");
        let kinds = [
            ("rate", a.rate.is_some()),
            ("offered_load", a.offered_load.is_some()),
            ("hourly", a.hourly.is_some()),
            ("points", a.points.is_some()),
            ("file", a.file.is_some()),
            ("population", a.population.is_some()),
            ("trace", trace.is_some()),
        ];
        let given: Vec<&str> = kinds.iter().filter(|(_, g)| *g).map(|(n, _)| *n).collect();
        if given.len() != 1 {
            return Err(self.err(
                &format!("{key}.arrivals"),
                format!(
                    "give exactly one of `rate`, `offered_load`, `hourly`, `points`, `file`, `population` or `trace` (got {})",
                    if given.is_empty() { "none".to_string() } else { given.join(", ") }
                ),
            ));
        }
        let positive = |name: &str, v: Option<f64>| match v {
            None => Ok(1.0),
            Some(x) if x.is_finite() && x > 0.0 => Ok(x),
            Some(x) => Err(self.err(&k(name), format!("{x} must be greater than zero"))),
        };
        let multiplier = positive("scale", a.scale)? * positive("burst_factor", a.burst_factor)?;
        let variation = self.day_variation(key, a)?;
        let varies = [
            ("overdispersion", a.overdispersion.is_some()),
            ("day_to_day", a.day_to_day.is_some()),
            ("within_day", a.within_day.is_some()),
            ("day_of_week", a.day_of_week.is_some()),
        ];
        let not_with = |what: &str, keys: &[(&str, bool)]| -> Result<()> {
            match keys.iter().find(|(_, g)| *g) {
                Some((name, _)) => Err(self.err(&k(name), format!("`{name}` does not go with `{what}`"))),
                None => Ok(()),
            }
        };
        if a.rate_per_idle.is_some() && a.population.is_none() {
            return Err(self.err(&k("rate_per_idle"), "`rate_per_idle` goes with `population`"));
        }
        let profile = |starts_rates: Vec<(f64, f64)>, period_s: f64| -> Result<(f64, Arrivals, DayVariation)> {
            let (starts_s, rates_per_s): (Vec<f64>, Vec<f64>) =
                starts_rates.into_iter().map(|(t, r)| (t, r * multiplier)).unzip();
            let mut p = Profile {
                name: a.profile.clone().unwrap_or_else(|| "profile".into()),
                starts_s,
                rates_per_s,
                period_s,
            };
            if let Some(f) = &a.day_of_week {
                p = self.with_day_of_week(key, p, f)?;
            }
            let mean = p.mean_rate_per_s();
            if mean <= 0.0 {
                return Err(self.err(&format!("{key}.arrivals"), "the profile's rate is zero everywhere"));
            }
            Ok((mean, Arrivals::Profile(p), variation.clone()))
        };
        match given[0] {
            "rate" | "offered_load" => {
                let base = match (&a.rate, &a.offered_load) {
                    (Some(r), _) => parse_rate_per_s(r).map_err(|e| self.err(&k("rate"), e))?,
                    (_, Some(l)) => parse_load_erl(l).map_err(|e| self.err(&k("offered_load"), e))? / holding.mean_s(),
                    _ => unreachable!("one of the two is given"),
                };
                if a.day_of_week.is_some() {
                    // A constant rate on each day of the week: a weekly profile.
                    return profile(vec![(0.0, base)], DAY_S);
                }
                Ok((base * multiplier, Arrivals::Poisson, variation))
            }
            "hourly" => {
                let values = a.hourly.as_ref().expect("given");
                let period_s = match values.len() {
                    24 => DAY_S,
                    168 => WEEK_S,
                    n => {
                        return Err(self.err(
                            &k("hourly"),
                            format!("needs 24 values (a day) or 168 (a week, Monday first), got {n}"),
                        ))
                    }
                };
                let rates = values
                    .iter()
                    .enumerate()
                    .map(|(h, v)| {
                        Ok((
                            h as f64 * 3600.0,
                            parse_rate_or_zero(v).map_err(|e| self.err(&k(&format!("hourly[{h}]")), e))?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?;
                profile(rates, period_s)
            }
            "points" => {
                let points = a.points.as_ref().expect("given");
                self.points(&k("points"), points.iter().map(|p| (p.at.clone(), p.rate.clone())).collect())
                    .and_then(|(r, p)| profile(r, p))
            }
            "file" => {
                let path = self.relative(a.file.as_ref().expect("given"));
                let rows = self.at_rate_csv(&k("file"), &path)?;
                self.points(&k("file"), rows).and_then(|(r, p)| profile(r, p))
            }
            "population" => {
                not_with(
                    "population",
                    &[("scale", a.scale.is_some()), ("burst_factor", a.burst_factor.is_some())]
                        .into_iter()
                        .chain(varies)
                        .collect::<Vec<_>>(),
                )?;
                let n = a.population.expect("given");
                if !(1..=10_000_000).contains(&n) {
                    return Err(self.err(&k("population"), format!("{n} is not allowed: 1 to 10000000 callers")));
                }
                let g = a.rate_per_idle.as_ref().ok_or_else(|| {
                    self.err(
                        &k("rate_per_idle"),
                        "`population` needs `rate_per_idle`, the call rate of one idle caller",
                    )
                })?;
                let gamma = parse_rate_per_s(g).map_err(|e| self.err(&k("rate_per_idle"), e))?;
                let beta = gamma * holding.mean_s();
                Ok((
                    n as f64 * gamma / (1.0 + beta),
                    Arrivals::Population { size: n as u32, rate_per_idle_per_s: gamma },
                    DayVariation::default(),
                ))
            }
            "trace" => {
                not_with(
                    "trace",
                    &[("scale", a.scale.is_some()), ("burst_factor", a.burst_factor.is_some())]
                        .into_iter()
                        .chain(varies)
                        .collect::<Vec<_>>(),
                )?;
                let calls = trace.expect("given");
                let span = (calls.last().map_or(0.0, |c| c.0) - calls.first().map_or(0.0, |c| c.0)).max(1.0);
                Ok((calls.len() as f64 / span, Arrivals::Trace(calls), DayVariation::default()))
            }
            other => unreachable!("unknown arrival kind {other}"),
        }
    }

    /// Points `(at, rate)` into (segment start, rate per s) over a day, or
    /// over a week if the points name weekdays.
    fn points(&self, key: &str, points: Vec<(String, String)>) -> Result<(Vec<(f64, f64)>, f64)> {
        if points.is_empty() {
            return Err(self.err(key, "needs at least one point { at, rate }"));
        }
        let mut parsed = points
            .iter()
            .map(|(at, rate)| {
                let (t, weekday) = parse_at(at).map_err(|e| self.err(key, e))?;
                let r = parse_rate_or_zero(rate).map_err(|e| self.err(key, format!("{e} ({RATE_HELP}, or 0)")))?;
                Ok((t, r, weekday))
            })
            .collect::<Result<Vec<_>>>()?;
        let weekly = parsed.iter().any(|p| p.2);
        if weekly && !parsed.iter().all(|p| p.2) {
            return Err(self.err(key, "either every point names a weekday (\"mon 09:30\") or none does (\"09:30\")"));
        }
        parsed.sort_by(|a, b| a.0.total_cmp(&b.0));
        if parsed.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(self.err(key, "two points at the same time"));
        }
        let mut segments: Vec<(f64, f64)> = parsed.iter().map(|p| (p.0, p.1)).collect();
        if segments[0].0 > 0.0 {
            // Before the first point, the last point's rate still holds (the profile repeats).
            let last = segments[segments.len() - 1].1;
            segments.insert(0, (0.0, last));
        }
        Ok((segments, if weekly { WEEK_S } else { DAY_S }))
    }

    /// Rows `at,rate` of a profile CSV, with their line numbers in errors.
    fn at_rate_csv(&self, key: &str, path: &Path) -> Result<Vec<(String, String)>> {
        let text = self.input(path).map_err(|e| self.err(key, e))?;
        let rows: Vec<(u64, AtRateRow)> = rows(&text, path, &[&["at"], &["rate"]]).map_err(|e| self.err(key, e))?;
        Ok(rows.into_iter().map(|(_, r)| (r.at, r.rate)).collect())
    }

    /// A call log's calls for `source` (see [`super::read_call_log`]), sorted by start.
    pub(super) fn trace_csv(&self, key: &str, file: &str, source: &str) -> Result<Arc<[(f64, f64)]>> {
        let path = self.relative(file);
        let text = self.input(&path).map_err(|e| self.err(key, e))?;
        let calls: Vec<(f64, f64)> = call_log(&text, &path, &CallColumns::default())
            .map_err(|e| self.err(key, e))?
            .into_iter()
            .filter(|c| c.source.as_deref().is_none_or(|s| s == source))
            .map(|c| (c.start_s, c.duration_s))
            .collect();
        if calls.is_empty() {
            return Err(self.err(key, format!("{} has no calls for source {source:?}", path.display())));
        }
        Ok(calls.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rates_are_allowed_in_profiles() {
        assert_eq!(parse_rate_or_zero("0/min").unwrap(), 0.0);
        assert_eq!(parse_rate_or_zero("60/min").unwrap(), 1.0);
        assert!(parse_rate_or_zero("0/fortnight").is_err());
        assert!(parse_rate_or_zero("-1/min").is_err());
    }
}
