//! Checking how a source's rate varies from day to day: `day_to_day` (or
//! its gamma shorthand `overdispersion`), `within_day`, and `day_of_week`,
//! which is applied to the profile itself (a daily profile becomes a weekly
//! one), so every offered-load figure (the busy hour, the month's bill)
//! sees it.

use super::bounds::{MAX_OVERDISPERSION, MIN_CV};
use super::build::Builder;
use super::file::ArrivalsFile;
use crate::error::Result;
use crate::model::{DayFactor, DayVariation, Profile, WithinDay};
use crate::units::parse_at;
use crate::units::{number, DAY_S};

/// Most empirical day factors a model may list.
const MAX_DAY_FACTORS: usize = 100_000;

impl Builder<'_> {
    /// The day-to-day variation `a` declares for source `key`.
    ///
    /// Errors, at the key: `overdispersion` beside `day_to_day`; a `dist`
    /// other than gamma, lognormal or empirical; `cv` with `factors` or
    /// neither; a cv outside [0.001, 10]; fewer than 2, more than 100,000,
    /// or non-positive factors; a `split` that is not a time strictly
    /// inside the day.
    pub(super) fn day_variation(&self, key: &str, a: &ArrivalsFile) -> Result<DayVariation> {
        let k = |sub: &str| format!("{key}.arrivals.{sub}");
        let cv_in_range = |name: &str, cv: f64| {
            if cv.is_finite() && (MIN_CV..=MAX_OVERDISPERSION).contains(&cv) {
                Ok(cv)
            } else {
                Err(self.err(
                    &k(name),
                    format!(
                        "{} is not allowed: use {MIN_CV} to {MAX_OVERDISPERSION}, or leave it out for none",
                        number(cv)
                    ),
                ))
            }
        };
        let factor = match (a.overdispersion, &a.day_to_day) {
            (Some(_), Some(_)) => {
                return Err(
                    self.err(&k("day_to_day"), "give `overdispersion` (a gamma day factor) or `day_to_day`, not both")
                )
            }
            (Some(cv), None) => Some(DayFactor::Gamma { cv: cv_in_range("overdispersion", cv)? }),
            (None, None) => None,
            (None, Some(d)) => Some(match (d.dist.as_deref(), d.cv, &d.factors) {
                (_, Some(_), Some(_)) => {
                    return Err(self.err(&k("day_to_day.factors"), "give `cv` (with a `dist`) or `factors`, not both"))
                }
                (None | Some("empirical"), None, Some(f)) => {
                    DayFactor::Empirical(self.day_factors(&k("day_to_day.factors"), f)?)
                }
                (None | Some("gamma"), Some(cv), None) => DayFactor::Gamma { cv: cv_in_range("day_to_day.cv", cv)? },
                (Some("lognormal"), Some(cv), None) => DayFactor::LogNormal { cv: cv_in_range("day_to_day.cv", cv)? },
                (Some(other @ ("gamma" | "lognormal")), None, _) => {
                    return Err(self.err(&k("day_to_day.cv"), format!("a {other} day factor needs `cv`")))
                }
                (Some("empirical"), _, None) => {
                    return Err(self.err(&k("day_to_day.factors"), "an empirical day factor needs `factors`"))
                }
                (None, None, None) => {
                    return Err(self.err(&k("day_to_day"), "give `cv` (and `dist`: gamma or lognormal) or `factors`"))
                }
                (Some(other), _, _) => {
                    return Err(self.err(
                        &k("day_to_day.dist"),
                        format!("{other:?} is not a day factor: use \"gamma\", \"lognormal\" or \"empirical\""),
                    ))
                }
            }),
        };
        let within = match &a.within_day {
            None => None,
            Some(w) => {
                let split_s = match &w.split {
                    None => DAY_S / 2.0,
                    Some(text) => match parse_at(text) {
                        Ok((s, false)) if s > 0.0 && s < DAY_S => s,
                        _ => {
                            return Err(self.err(
                                &k("within_day.split"),
                                format!(
                                    "{text:?} is not a time of day strictly between 00:00 and 24:00, such as \"12:00\""
                                ),
                            ))
                        }
                    },
                };
                Some(WithinDay { split_s, cv: cv_in_range("within_day.cv", w.cv)? })
            }
        };
        Ok(DayVariation { factor, within })
    }

    /// Empirical day factors divided by their mean.
    fn day_factors(&self, key: &str, f: &[f64]) -> Result<std::sync::Arc<[f64]>> {
        if !(2..=MAX_DAY_FACTORS).contains(&f.len()) {
            return Err(self.err(key, format!("{} factors: give 2 to {MAX_DAY_FACTORS}", f.len())));
        }
        if let Some((i, x)) = f.iter().enumerate().find(|(_, x)| !(x.is_finite() && **x > 0.0)) {
            return Err(self.err(
                &format!("{key}[{i}]"),
                format!("{} is not allowed: a day factor is greater than zero (leave closed days out)", number(*x)),
            ));
        }
        let mean = f.iter().sum::<f64>() / f.len() as f64;
        Ok(f.iter().map(|x| x / mean).collect())
    }

    /// `profile` with `day_of_week` factors applied, as a weekly profile.
    ///
    /// Errors unless there are 7 factors, each ≥ 0 and finite, not all zero,
    /// and the profile repeats every day or every week.
    pub(super) fn with_day_of_week(&self, key: &str, profile: Profile, factors: &[f64]) -> Result<Profile> {
        let k = format!("{key}.arrivals.day_of_week");
        if factors.len() != 7 {
            return Err(self.err(&k, format!("needs 7 factors, Monday first, got {}", factors.len())));
        }
        if let Some((i, x)) = factors.iter().enumerate().find(|(_, x)| !(x.is_finite() && **x >= 0.0)) {
            return Err(self.err(&format!("{k}[{i}]"), format!("{} is not allowed: a factor is 0 or more", number(*x))));
        }
        if factors.iter().all(|x| *x == 0.0) {
            return Err(self.err(&k, "every factor is zero: no calls would arrive"));
        }
        let week_s = 7.0 * DAY_S;
        if profile.period_s != DAY_S && profile.period_s != week_s {
            return Err(self.err(&k, "goes with a profile that repeats every day or every week"));
        }
        let copies = (week_s / profile.period_s).round() as usize;
        let mut breaks: Vec<f64> = (0..copies)
            .flat_map(|c| profile.starts_s.iter().map(move |s| s + c as f64 * profile.period_s))
            .chain((0..7).map(|d| d as f64 * DAY_S))
            .collect();
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let rates_per_s = breaks
            .iter()
            .map(|&t| {
                let phase = t % profile.period_s;
                let seg = profile.starts_s.partition_point(|s| *s <= phase).saturating_sub(1);
                profile.rates_per_s[seg] * factors[(t / DAY_S) as usize % 7]
            })
            .collect();
        Ok(Profile { name: profile.name, starts_s: breaks, rates_per_s, period_s: week_s })
    }
}
