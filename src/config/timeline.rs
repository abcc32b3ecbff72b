//! Reading what changes a limit during a run: its weekly capacity
//! `schedule` and `on_drop`, its `failure`, `fallback`, `health` and
//! `stickiness`, and the model's `[[incidents]]`.

use super::build::Builder;
use super::file::{FailureFile, HealthFile, IncidentFile, LimitFile, OnDropFile, StickinessFile};
use crate::error::Result;
use crate::model::{Failure, HourWindow, Incident, IncidentWhen, Kind, Limit, OnDrop, Stickiness};
use crate::units::WEEKDAYS;

/// A failure probability: 0–1 inclusive (an incident may fail everything),
/// as a number or a percentage.
fn failure_probability(v: &toml::Value) -> std::result::Result<f64, String> {
    match v {
        toml::Value::Integer(1) => Ok(1.0),
        toml::Value::Float(x) if *x == 1.0 => Ok(1.0),
        toml::Value::String(s) if s.trim().trim_end_matches('%').trim() == "100" && s.contains('%') => Ok(1.0),
        other => super::sla::probability(other),
    }
}

/// What a capacity drop below the number in use does (default: drain).
pub(super) fn on_drop(l: &LimitFile) -> OnDrop {
    match l.on_drop {
        Some(OnDropFile::Preempt) => OnDrop::Preempt,
        _ => OnDrop::Drain,
    }
}

/// A UTC date and time written "2026-12-08 02:00" (or with seconds).
fn dated(text: &str) -> Option<chrono::NaiveDateTime> {
    let t = text.trim();
    ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
}

impl Builder<'_> {
    /// Limit `l`'s capacity per hour of the week from its `schedule` (each
    /// entry's hours at its value, the limit's own cap elsewhere), or `None`.
    ///
    /// Errors at the entry when its hours do not parse, overlap an earlier
    /// entry's, or its value is missing, of another kind's key or out of range.
    pub(super) fn schedule(&self, l: &LimitFile, base: f64) -> Result<Option<Vec<f64>>> {
        let Some(entries) = &l.schedule else { return Ok(None) };
        let key = format!("limits.{}.schedule", l.name);
        if entries.is_empty() {
            return Err(self.err(&key, "an empty schedule changes nothing: list entries or leave `schedule` out"));
        }
        let mut by_hour = vec![base; 168];
        let mut set = [false; 168];
        for (i, e) in entries.iter().enumerate() {
            let k = |sub: &str| format!("{key}[{i}].{sub}");
            let window = HourWindow::parse(&e.hours).map_err(|m| self.err(&k("hours"), m))?;
            let (name, value) = match l.kind {
                Kind::Concurrency => ("capacity", e.capacity.map(|v| v as f64)),
                Kind::Rate => ("max", e.max.map(|v| v as f64)),
                Kind::Tokens => ("tokens_per_minute", e.tokens_per_minute),
            };
            let given = [
                ("capacity", e.capacity.is_some()),
                ("max", e.max.is_some()),
                ("tokens_per_minute", e.tokens_per_minute.is_some()),
            ];
            if let Some((other, _)) = given.iter().find(|(n, g)| *g && *n != name) {
                return Err(self.err(
                    &k(other),
                    format!("a kind = \"{}\" limit's schedule gives `{name}`, not `{other}`", l.kind.name()),
                ));
            }
            let value = value.ok_or_else(|| self.err(&k(name), format!("each entry needs `{name}` for its hours")))?;
            if !(value.is_finite() && (0.0..=u32::MAX as f64 / 2.0).contains(&value)) {
                return Err(self.err(&k(name), format!("{value} is not allowed: at least 0 (0 closes the limit)")));
            }
            for h in (0..168).filter(|&h| window.hours[h]) {
                if set[h] {
                    let at = format!("{} {:02}:00", WEEKDAYS[h / 24], h % 24);
                    return Err(self.err(&k("hours"), format!("{:?} overlaps an earlier entry at {at}", e.hours)));
                }
                set[h] = true;
                by_hour[h] = value;
            }
        }
        Ok(Some(by_hour))
    }

    /// Limit `l`'s failure behaviour, its fallback left unresolved (its
    /// name comes back beside it): `None` without `failure` or `fallback`.
    ///
    /// Errors at the key: a probability out of [0, 1], a negative or
    /// unparsable duration, retries out of 0–100, health without failure.
    pub(super) fn failure(&self, l: &LimitFile) -> Result<(Option<Failure>, Option<String>)> {
        let key = format!("limits.{}", l.name);
        let k = |sub: &str| format!("{key}.{sub}");
        if l.failure.is_none() && l.fallback.is_none() {
            for (name, given) in [("health", l.health.is_some()), ("stickiness", l.stickiness.is_some())] {
                if given {
                    return Err(self.err(&k(name), format!("`{name}` is for a limit with `failure` or `fallback`")));
                }
            }
            return Ok((None, None));
        }
        let default =
            FailureFile { probability: toml::Value::Integer(0), detection: None, retries: None, retry_interval: None };
        let f = l.failure.as_ref().unwrap_or(&default);
        let probability = failure_probability(&f.probability).map_err(|m| self.err(&k("failure.probability"), m))?;
        let duration = |sub: &str, v: &Option<String>, default: f64| match v {
            Some(t) => self.duration(&k(sub), t),
            None => Ok(default),
        };
        let retries = match f.retries {
            None => 1,
            Some(n @ 0..=100) => n as u32,
            Some(n) => return Err(self.err(&k("failure.retries"), format!("{n} is not allowed: 0 to 100"))),
        };
        let (unhealthy_after, probe_interval_s) = match &l.health {
            None => (None, 5.0),
            Some(HealthFile { unhealthy_after, probe_interval }) => {
                let n = match *unhealthy_after {
                    n @ 1..=1000 => n as u32,
                    n => return Err(self.err(&k("health.unhealthy_after"), format!("{n} is not allowed: 1 to 1000"))),
                };
                let probe = match probe_interval {
                    Some(t) => self.positive_duration(&k("health.probe_interval"), t)?,
                    None => 5.0,
                };
                (Some(n), probe)
            }
        };
        let failure = Failure {
            probability,
            detection_s: duration("failure.detection", &f.detection, 10.0)?,
            retries,
            retry_interval_s: duration("failure.retry_interval", &f.retry_interval, 5.0)?,
            fallback: None,
            unhealthy_after,
            probe_interval_s,
            stickiness: match l.stickiness {
                Some(StickinessFile::Call) => Stickiness::Call,
                _ => Stickiness::Request,
            },
        };
        Ok((Some(failure), l.fallback.clone()))
    }

    /// Incident `f` of a model whose limits are `limits`.
    ///
    /// Errors at the key: an unknown limit, neither or both of a window
    /// (`start`, `duration`) and random outages (`between`, `repair`), a
    /// repeat shorter than the window, or factors out of range. An incident
    /// that changes nothing is allowed (a sweep's baseline) and warned about.
    pub(super) fn incident(
        &self,
        f: &IncidentFile,
        limits: &[Limit],
        week_of: Option<chrono::NaiveDate>,
    ) -> Result<Incident> {
        let key = format!("incidents.{}", f.name);
        let k = |sub: &str| format!("{key}.{sub}");
        let limit = limits.iter().position(|l| l.name == f.limit).ok_or_else(|| {
            let names: Vec<&str> = limits.iter().map(|l| l.name.as_str()).collect();
            self.err(&k("limit"), format!("no limit is named {:?} (limits: {})", f.limit, names.join(", ")))
        })?;
        let window = f.start.is_some() || f.duration.is_some() || f.every.is_some();
        let random = f.between.is_some() || f.repair.is_some();
        let when = match (window, random) {
            (true, false) => {
                let start = f.start.as_deref().ok_or_else(|| self.err(&k("start"), "a window needs `start` (\"mon 10:00\" or \"36h\")"))?;
                let start_s = match (crate::units::parse_at(start), dated(start)) {
                    (Ok((t, true)), _) => t,
                    (_, Some(at)) => {
                        let monday = week_of.ok_or_else(|| {
                            self.err(&k("start"), format!("{start:?} is a date: give `run.week_of` (the date of simulated Monday 00:00) to place it"))
                        })?;
                        let s = (at - monday.and_hms_opt(0, 0, 0).expect("midnight exists")).num_seconds() as f64;
                        if s < 0.0 {
                            return Err(self.err(&k("start"), format!("{start:?} is before run.week_of ({monday}), where the run starts")));
                        }
                        s
                    }
                    _ => self.duration(&k("start"), start).map_err(|_| {
                        self.err(
                            &k("start"),
                            format!("{start:?} is not a start such as \"mon 10:00\", a date and time such as \"2026-12-08 02:00\" (with run.week_of), or a time from the start of the run such as \"36h\""),
                        )
                    })?,
                };
                let duration = f.duration.as_deref().ok_or_else(|| self.err(&k("duration"), "a window needs `duration` (\"30m\")"))?;
                let duration_s = self.positive_duration(&k("duration"), duration)?;
                let every_s = f.every.as_deref().map(|e| self.positive_duration(&k("every"), e)).transpose()?;
                if every_s.is_some_and(|p| p < duration_s) {
                    return Err(self.err(&k("every"), "windows would overlap: `every` must be at least `duration`"));
                }
                IncidentWhen::Window { start_s, duration_s, every_s }
            }
            (false, true) => {
                let need = |name: &str| self.err(&k(name), "random outages need `between` (up time) and `repair` (down time), both distributions");
                let between = self.dist(&k("between"), f.between.as_ref().ok_or_else(|| need("between"))?)?;
                let repair = self.dist(&k("repair"), f.repair.as_ref().ok_or_else(|| need("repair"))?)?;
                for (name, d) in [("between", &between), ("repair", &repair)] {
                    if d.mean_s() <= 0.0 {
                        return Err(self.err(&k(name), "a mean above zero is needed"));
                    }
                }
                IncidentWhen::Random { between, repair }
            }
            _ => {
                return Err(self.err(
                    &key,
                    "an incident is either a window (`start`, `duration`, optionally `every`) or random outages (`between`, `repair`)",
                ))
            }
        };
        let capacity_factor = f.capacity_factor.unwrap_or(1.0);
        if !(capacity_factor.is_finite() && (0.0..=1000.0).contains(&capacity_factor)) {
            return Err(
                self.err(&k("capacity_factor"), format!("{capacity_factor} is not allowed: 0 (outage) to 1000"))
            );
        }
        let service_factor = f.service_factor.unwrap_or(1.0);
        if !(service_factor.is_finite() && (0.0..=1000.0).contains(&service_factor) && service_factor > 0.0) {
            return Err(
                self.err(&k("service_factor"), format!("{service_factor} is not allowed: above 0, at most 1000"))
            );
        }
        let failure_probability = f
            .failure_probability
            .as_ref()
            .map(|v| failure_probability(v).map_err(|m| self.err(&k("failure_probability"), m)))
            .transpose()?;
        if failure_probability.is_some() && limits[limit].failure.is_none() {
            return Err(self.err(
                &k("failure_probability"),
                format!("limit {:?} has no `failure` or `fallback`: give it `failure = {{ probability = 0 }}` so that what fails is handled as it says", f.limit),
            ));
        }
        if service_factor != 1.0 && !matches!(limits[limit].scope, crate::model::Scope::Request { .. }) {
            return Err(self.err(
                &k("service_factor"),
                format!("limit {:?} is not request-scoped: service_factor slows the requests a limit serves", f.limit),
            ));
        }
        Ok(Incident { name: f.name.clone(), limit, when, capacity_factor, failure_probability, service_factor })
    }
}
