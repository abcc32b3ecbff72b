//! Checking a model file's values and converting them into a [`Model`]:
//! durations in seconds, rates per second, names resolved to indices. Each
//! part (run, every source, limit and campaign, the SLA) is checked on its
//! own and every problem is kept, so one pass reports them all.

use super::file::*;
use super::locate::unknown_field;
use super::Inputs;
use crate::error::{Error, Problems, Result};
use crate::model::dist;
use crate::model::{Backoff, Dist, Limit, Model, Redial, Request, Retry, RunSpec, Source, Turns};
use crate::units::parse_duration_s;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Checks a model file's values; `path` names it in errors and anchors
/// relative paths, `inputs` reads the files it names.
pub(super) struct Builder<'a> {
    pub(super) path: &'a Path,
    pub(super) inputs: &'a Inputs,
    /// How far the soft bounds hold.
    pub(super) reach: super::bounds::Reach,
    /// The input files read so far, by path, with their digests.
    pub(super) read: std::cell::RefCell<std::collections::BTreeMap<PathBuf, std::sync::Arc<str>>>,
}

impl Builder<'_> {
    /// The text of the input file at `path`, recorded as read.
    pub(super) fn input(&self, path: &Path) -> std::result::Result<std::sync::Arc<str>, String> {
        let (text, digest) = self.inputs.text(path)?;
        self.read.borrow_mut().insert(path.to_path_buf(), digest);
        Ok(text)
    }
}

/// The name of an array entry for key paths: its `name`, else its position.
fn entry_name(v: &toml::Value, i: usize) -> String {
    v.get("name").and_then(toml::Value::as_str).map_or_else(|| format!("[{i}]"), str::to_string)
}

/// The key path of entry `i` of array `array`: `limits.trunk`, or
/// `limits[2]` for an entry without a name.
fn entry_key(array: &str, v: &toml::Value, i: usize) -> String {
    match v.get("name").and_then(toml::Value::as_str) {
        Some(name) => format!("{array}.{name}"),
        None => format!("{array}[{i}]"),
    }
}

/// A part of `file` as its serde mirror `T`; a type or unknown-key
/// error is reported under `key` (with the unknown key appended).
pub(super) fn part<T: DeserializeOwned>(file: &Path, key: &str, value: &toml::Value) -> Result<T> {
    serde_path_to_error::deserialize::<_, T>(value.clone()).map_err(|e| {
        // The path serde reached names the field of a type error.
        let inner = e.path().to_string();
        let e = e.into_inner();
        // An unknown field's path names the table that holds it (`arrivals`),
        // or nothing at the top of the part.
        let inner = inner.trim_end_matches(['.', '?']);
        let key = match (unknown_field(e.message()), inner) {
            (Some(field), "") if key.is_empty() => field.to_string(),
            (Some(field), "") => format!("{key}.{field}"),
            (Some(field), p) if key.is_empty() => format!("{p}.{field}"),
            (Some(field), p) if !p.ends_with(field) => format!("{key}.{p}.{field}"),
            (Some(_), p) => format!("{key}.{p}"),
            (None, "") => key.to_string(),
            (None, p) if key.is_empty() => p.to_string(),
            (None, p) => format!("{key}.{p}"),
        };
        let mut message = e.message().trim().to_string();
        if message.contains("expected a string") {
            message +=
                " (durations, rates and loads are strings with units, such as \"180s\", \"12/min\" or \"45 erl\")";
        }
        Error::input(file, &key, message)
    })
}

impl Builder<'_> {
    pub(super) fn err(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(self.path, key, msg)
    }

    /// A part of the file as its serde mirror `T` ([`part`]).
    pub(super) fn part<T: DeserializeOwned>(&self, key: &str, value: &toml::Value) -> Result<T> {
        part(self.path, key, value)
    }

    /// The file relative to the model's folder.
    pub(super) fn relative(&self, file: &str) -> std::path::PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join(file)
    }

    pub(super) fn duration(&self, key: &str, text: &str) -> Result<f64> {
        parse_duration_s(text).and_then(|v| super::bounds::duration(v, text)).map_err(|e| self.err(key, e))
    }

    pub(super) fn positive_duration(&self, key: &str, text: &str) -> Result<f64> {
        let v = self.duration(key, text)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(key, format!("{text:?} must be greater than zero")))
        }
    }

    /// The model of a parsed file, or every problem found in it.
    pub(super) fn model(&self, table: &toml::Table) -> Result<Model> {
        let f: ModelFile = self.part("", &toml::Value::Table(table.clone()))?;
        let mut p = Problems::default();
        let run = p.take(self.part::<RunFile>("run", &f.run).and_then(|r| self.run(&r)));
        if f.sources.is_empty() && f.campaigns.is_empty() {
            p.take::<()>(Err(self.err("sources", "a model needs at least one [[sources]] or [[campaigns]] entry")));
        }
        if f.limits.is_empty() {
            p.take::<()>(Err(self.err("limits", "a model needs at least one [[limits]] entry")));
        }
        let source_files: Vec<Option<SourceFile>> =
            f.sources.iter().enumerate().map(|(i, v)| p.take(self.part(&entry_key("sources", v, i), v))).collect();
        let campaign_files: Vec<Option<CampaignFile>> =
            f.campaigns.iter().enumerate().map(|(i, v)| p.take(self.part(&entry_key("campaigns", v, i), v))).collect();
        // Limits name sources and campaigns alike in `sources`.
        let names: Vec<String> =
            f.sources.iter().chain(&f.campaigns).enumerate().map(|(i, v)| entry_name(v, i)).collect();
        p.take(
            unique_names(names.iter().map(String::as_str), "sources and campaigns").map_err(|e| self.err("sources", e)),
        );
        // Requests each source makes, for request-scoped limits.
        let requests: Vec<Vec<&str>> = source_files
            .iter()
            .map(|s| {
                s.iter().flat_map(|s| s.turns.iter().flat_map(|t| t.requests.iter().map(|r| r.name.as_str()))).collect()
            })
            .collect();
        let sources: Vec<Option<Source>> =
            source_files.iter().map(|s| s.as_ref().and_then(|s| p.take(self.source(s)))).collect();
        let read: Vec<Option<(Limit, super::overflow::Routes)>> = f
            .limits
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let key = entry_key("limits", v, i);
                p.take(self.part::<LimitFile>(&key, v).and_then(|l| self.limit(&l, &requests, &names)))
            })
            .collect();
        let limit_names = f.limits.iter().enumerate().map(|(i, v)| entry_name(v, i)).collect::<Vec<_>>();
        p.take(unique_names(limit_names.iter().map(String::as_str), "limits").map_err(|e| self.err("limits", e)));
        let mut limits: Vec<Option<Limit>> = Vec::with_capacity(read.len());
        let mut routes: Vec<super::overflow::Routes> = Vec::with_capacity(read.len());
        for r in read {
            let (l, to) = r.map_or((None, Default::default()), |(l, to)| (Some(l), to));
            limits.push(l);
            routes.push(to);
        }
        if limits.iter().all(Option::is_some) {
            for e in super::overflow::resolve(&mut limits, &routes) {
                p.take::<()>(Err(self.err(&e.0, e.1)));
            }
        }
        if names.len() > u16::MAX as usize || limit_names.len() > u16::MAX as usize {
            p.take::<()>(Err(self.err("", "at most 65535 sources and campaigns and 65535 limits")));
        }
        let source_names: Vec<String> = f.sources.iter().enumerate().map(|(i, v)| entry_name(v, i)).collect();
        let sla = p.take(self.sla(f.sla.as_ref(), &source_names));
        if let (Some(run), Some(sla)) = (&run, &sla) {
            if let crate::model::SlaOver::Window(w) = &sla.over {
                let (start, end) = (run.warmup_s, run.warmup_s + run.horizon_s);
                let first = (start / 3600.0).floor() as usize;
                let hours = first..(end / 3600.0).ceil() as usize;
                if !hours.clone().any(|k| w.hours[k % 168]) {
                    p.take::<()>(Err(self.err(
                        "sla.window",
                        format!(
                            "no hour of the run (after the warm-up, {:.1} h long) falls in {:?}",
                            run.horizon_s / 3600.0,
                            w.label
                        ),
                    )));
                }
            }
        }
        let incidents: Vec<Option<crate::model::Incident>> = if limits.iter().all(Option::is_some) {
            let all: Vec<Limit> = limits.iter().flatten().cloned().collect();
            let week_of = run.as_ref().and_then(|r| r.week_of);
            f.incidents
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let key = entry_key("incidents", v, i);
                    p.take(self.part::<IncidentFile>(&key, v).and_then(|f| self.incident(&f, &all, week_of)))
                })
                .collect()
        } else {
            Vec::new()
        };
        let incident_names = f.incidents.iter().enumerate().map(|(i, v)| entry_name(v, i)).collect::<Vec<_>>();
        p.take(
            unique_names(incident_names.iter().map(String::as_str), "incidents").map_err(|e| self.err("incidents", e)),
        );
        // Campaigns refer to limits and the run: checked once those are.
        let campaigns: Vec<Option<crate::model::Campaign>> = match (&run, limits.iter().all(Option::is_some)) {
            (Some(run), true) => {
                let limits: Vec<Limit> = limits.iter().flatten().cloned().collect();
                campaign_files.iter().map(|c| c.as_ref().and_then(|c| p.take(self.campaign(c, &limits, run)))).collect()
            }
            _ => Vec::new(),
        };
        let mut model = p.finish(|| Model {
            name: f.name,
            description: f.description,
            run: run.expect("no problem means a run"),
            sources: sources.into_iter().flatten().collect(),
            campaigns: campaigns.into_iter().flatten().collect(),
            limits: limits.into_iter().flatten().collect(),
            sla: sla.expect("no problem means an SLA"),
            incidents: incidents.into_iter().flatten().collect(),
        })?;
        model.settle_sla_over();
        Ok(model)
    }

    fn run(&self, r: &RunFile) -> Result<RunSpec> {
        let horizon_s = self.positive_duration("run.horizon", &r.horizon)?;
        let warmup_s = match &r.warmup {
            Some(w) => self.duration("run.warmup", w)?,
            None => 0.0,
        };
        let (replications, max_replications) = match r.replications {
            None => (10, 10),
            Some(ReplicationsFile::Fixed(n)) => (n, n),
            Some(ReplicationsFile::Range { min, max }) => (min, max),
        };
        for n in [replications, max_replications] {
            if n < 1 {
                return Err(self.err(
                    "run.replications",
                    format!("{n} is not allowed: at least 1 (2 or more for confidence intervals)"),
                ));
            }
            let (soft, hard) = (super::bounds::MAX_REPLICATIONS as f64, super::bounds::HARD_REPLICATIONS as f64);
            if let Some(why) = super::bounds::soft(n as f64, soft, hard, "the number of replications", self.reach) {
                return Err(self.err("run.replications", why));
            }
        }
        if max_replications < replications {
            return Err(self.err(
                "run.replications",
                format!("max = {max_replications} is below min = {replications}: give {{ min = 10, max = 400 }}"),
            ));
        }
        let timeseries_bucket_s =
            r.timeseries.as_ref().map(|t| self.positive_duration("run.timeseries", t)).transpose()?;
        if let Some(why) = timeseries_bucket_s.and_then(|b| {
            use super::bounds::{soft, HARD_SERIES_BUCKETS, MAX_SERIES_BUCKETS};
            let what = "the number of time-series buckets";
            soft((horizon_s / b).ceil(), MAX_SERIES_BUCKETS, HARD_SERIES_BUCKETS, what, self.reach)
        }) {
            return Err(self.err("run.timeseries", format!("{why}; use a wider bucket")));
        }
        let week_of = match &r.week_of {
            None => None,
            Some(d) => {
                use chrono::Datelike;
                let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| self.err("run.week_of", format!("{d:?} is not a date such as \"2026-11-23\"")))?;
                if date.weekday() != chrono::Weekday::Mon {
                    return Err(self.err(
                        "run.week_of",
                        format!("{d} is a {:?}: give the Monday that simulated time 0 falls on", date.weekday()),
                    ));
                }
                Some(date)
            }
        };
        Ok(RunSpec {
            horizon_s,
            warmup_s,
            replications: replications as u32,
            max_replications: max_replications as u32,
            record_holds: false,
            seed: r.seed.unwrap_or(1),
            timeseries_bucket_s,
            week_of,
        })
    }

    fn source(&self, s: &SourceFile) -> Result<Source> {
        let key = format!("sources.{}", s.name);
        let trace = match &s.arrivals.trace {
            Some(f) => Some(self.trace_csv(&format!("{key}.arrivals.trace"), f, &s.name)?),
            None => None,
        };
        let holding = match (&s.holding, &trace) {
            (Some(h), _) => self.dist(&format!("{key}.holding"), h)?,
            (None, Some(calls)) => Dist::Empirical { values_s: calls.iter().map(|c| c.1).collect() },
            (None, None) => {
                return Err(self.err(
                    &format!("{key}.holding"),
                    "a source needs `holding` (a distribution) unless it replays a `trace`",
                ))
            }
        };
        if holding.mean_s() <= 0.0 {
            return Err(self.err(&format!("{key}.holding"), "the mean holding time must be greater than zero"));
        }
        let (arrival_rate_per_s, arrivals, day_variation) = self.arrivals(&key, &s.arrivals, &holding, trace)?;
        let patience = s.patience.as_ref().map(|p| self.dist(&format!("{key}.patience"), p)).transpose()?;
        let redial = match &s.redial {
            None => None,
            Some(r) => {
                if !(1..=1000).contains(&r.max_attempts) {
                    return Err(self.err(
                        &format!("{key}.redial.max_attempts"),
                        "must be 1 to 1000 (attempts in all, the first included)",
                    ));
                }
                let delay = self.dist(&format!("{key}.redial.delay"), &r.delay)?;
                let probability = match &r.probability {
                    None => vec![],
                    Some(ProbabilityFile::One(p)) => vec![*p],
                    Some(ProbabilityFile::PerAttempt(ps)) => ps.clone(),
                };
                if let Some(p) = probability.iter().find(|p| !(0.0..=1.0).contains(*p)) {
                    return Err(self.err(
                        &format!("{key}.redial.probability"),
                        format!("{p} is not a probability between 0 and 1"),
                    ));
                }
                Some(Redial {
                    max_attempts: r.max_attempts as u32,
                    delay,
                    probability,
                    after_failure: r.after_failure.unwrap_or(true),
                })
            }
        };
        let turns = match &s.turns {
            None => None,
            Some(t) => {
                if t.requests.is_empty() {
                    return Err(self.err(&format!("{key}.turns.requests"), "a turn needs at least one request"));
                }
                let requests = t
                    .requests
                    .iter()
                    .map(|r| {
                        Ok(Request {
                            name: r.name.clone(),
                            service: self.dist(&format!("{key}.turns.requests.{}.service", r.name), &r.service)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                unique_names(requests.iter().map(|r| r.name.as_str()), "requests")
                    .map_err(|e| self.err(&format!("{key}.turns.requests"), e))?;
                Some(Turns { interval: self.dist(&format!("{key}.turns.interval"), &t.interval)?, requests })
            }
        };
        let latency_budget_s = match &s.latency_budget {
            Some(t) => self.positive_duration(&format!("{key}.latency_budget"), t)?,
            None => 0.8,
        };
        let retry = match &s.retry {
            None => Retry { max_attempts: 1, backoff: Backoff::Constant, base_s: 0.0, jitter: 0.0 },
            Some(r) => {
                if !(1..=1000).contains(&r.max_attempts) {
                    return Err(self.err(
                        &format!("{key}.retry.max_attempts"),
                        "must be 1 to 1000 (attempts in all, the first included)",
                    ));
                }
                let jitter = r.jitter.unwrap_or(0.0);
                if !(0.0..=1.0).contains(&jitter) {
                    return Err(self.err(&format!("{key}.retry.jitter"), format!("{jitter} must be between 0 and 1")));
                }
                let backoff = match r.backoff {
                    BackoffFile::Constant => Backoff::Constant,
                    BackoffFile::Linear => Backoff::Linear,
                    BackoffFile::Exponential => Backoff::Exponential,
                };
                Retry {
                    max_attempts: r.max_attempts as u32,
                    backoff,
                    base_s: self.duration(&format!("{key}.retry.base"), &r.base)?,
                    jitter,
                }
            }
        };
        Ok(Source {
            name: s.name.clone(),
            arrival_rate_per_s,
            arrivals,
            day_variation,
            holding,
            patience,
            redial,
            turns,
            latency_budget_s,
            retry,
        })
    }

    pub(super) fn dist(&self, key: &str, d: &DistFile) -> Result<Dist> {
        let cv_ok = |cv: f64| super::bounds::cv(cv).map_err(|e| self.err(&format!("{key}.cv"), e));
        let dist = match d {
            DistFile::Exponential { mean } => {
                Dist::Exponential { mean_s: self.positive_duration(&format!("{key}.mean"), mean)? }
            }
            DistFile::Deterministic { value } => {
                Dist::Deterministic { value_s: self.duration(&format!("{key}.value"), value)? }
            }
            DistFile::Lognormal { mean, cv } => {
                Dist::LogNormal { mean_s: self.positive_duration(&format!("{key}.mean"), mean)?, cv: cv_ok(*cv)? }
            }
            DistFile::Gamma { mean, cv } => {
                Dist::Gamma { mean_s: self.positive_duration(&format!("{key}.mean"), mean)?, cv: cv_ok(*cv)? }
            }
            DistFile::Weibull { mean, cv, shape } => {
                let mean_s = self.positive_duration(&format!("{key}.mean"), mean)?;
                let shape = match (cv, shape) {
                    (Some(cv), None) => {
                        dist::weibull_shape_for_cv(cv_ok(*cv)?).map_err(|e| self.err(&format!("{key}.cv"), e))?
                    }
                    (None, Some(k)) if (dist::MIN_WEIBULL_SHAPE..=dist::MAX_WEIBULL_SHAPE).contains(k) => *k,
                    (None, Some(k)) => {
                        return Err(self.err(
                            &format!("{key}.shape"),
                            format!(
                                "{k} is not allowed: a Weibull shape from {} to {} (cv {:.4} to {:.1}; outside it the draws are all about the mean or the mean rests on draws of astronomically many times it)",
                                dist::MIN_WEIBULL_SHAPE,
                                dist::MAX_WEIBULL_SHAPE,
                                dist::weibull_cv(dist::MAX_WEIBULL_SHAPE),
                                dist::weibull_cv(dist::MIN_WEIBULL_SHAPE)
                            ),
                        ))
                    }
                    _ => return Err(self.err(key, "weibull needs exactly one of `cv` or `shape`")),
                };
                Dist::Weibull { mean_s, shape }
            }
            DistFile::Uniform { min, max } => {
                let (min_s, max_s) =
                    (self.duration(&format!("{key}.min"), min)?, self.duration(&format!("{key}.max"), max)?);
                if min_s > max_s {
                    return Err(self.err(key, format!("min {min:?} is greater than max {max:?}")));
                }
                Dist::Uniform { min_s, max_s }
            }
            DistFile::Empirical { values, file } => {
                let values_s: Vec<f64> = match (values, file) {
                    (Some(vs), None) => {
                        vs.iter().map(|v| self.duration(&format!("{key}.values"), v)).collect::<Result<_>>()?
                    }
                    (None, Some(f)) => self.durations_csv(&format!("{key}.file"), f)?,
                    _ => {
                        return Err(self.err(
                            key,
                            "empirical needs exactly one of `values` (a list of durations) or `file` (a CSV)",
                        ))
                    }
                };
                if values_s.is_empty() {
                    return Err(self.err(key, "empirical needs at least one value"));
                }
                Dist::Empirical { values_s: Arc::from(values_s) }
            }
        };
        dist.sampler().map_err(|e| self.err(key, e))?;
        Ok(dist)
    }

    /// Durations from a CSV: a column `duration_s` (seconds) or `duration`
    /// (durations with units), or a file of one column.
    fn durations_csv(&self, key: &str, file: &str) -> Result<Vec<f64>> {
        let path = self.relative(file);
        let text = self.input(&path).map_err(|e| self.err(key, e))?;
        super::csv_input::durations(&text, &path).map_err(|e| self.err(key, e))
    }
}

fn unique_names<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() || n.contains('.') {
            return Err(format!("{what} name {n:?} must be non-empty and contain no '.' (paths use it)"));
        }
        if !seen.insert(n) {
            return Err(format!("two {what} are named {n:?}; names must be unique"));
        }
    }
    Ok(())
}
