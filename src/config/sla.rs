//! Checking `[sla]`: objectives on every outcome (probabilities as `0.01`
//! or `"1%"`, durations with units), per source under `[sla.sources.NAME]`,
//! where they are judged (`over`, `window`) and with what confidence.

use super::build::Builder;
use crate::error::{Problems, Result};
use crate::model::{HourWindow, JudgedDays, Objective, ObjectiveMetric, OverWhy, Sla, SlaOver};
use toml::Value;

/// Keys of `[sla]` besides the objectives.
pub(super) const OTHER_KEYS: [&str; 9] =
    ["answer_within", "max_completion", "over", "window", "days", "load", "max_days_over", "confidence", "sources"];

/// Most busiest days an SLA may read (a year's days).
const MAX_BUSIEST_DAYS: u32 = 366;

/// A probability written as `0.01` or `"1%"`: at least 0 and below 1 (a
/// value of 1 or more is refused, since `1` is far more often a mistyped
/// `1%` than "no objective").
///
/// Errors say what is allowed, and suggest the percentage that was probably meant.
pub(super) fn probability(v: &Value) -> std::result::Result<f64, String> {
    let (p, shown) = match v {
        Value::Float(x) => (*x, format!("{x}")),
        Value::Integer(i) => (*i as f64, format!("{i}")),
        Value::String(s) => {
            let pct = s.trim().strip_suffix('%').map(str::trim).and_then(|n| n.parse::<f64>().ok());
            match pct {
                Some(n) if n.is_finite() && (0.0..100.0).contains(&n) => return Ok(n / 100.0),
                _ => {
                    return Err(format!(
                        "{s:?} is not a probability: write a number in [0, 1) such as 0.01, or a percentage below \
                         100% such as \"1%\""
                    ))
                }
            }
        }
        other => return Err(format!("{other} is not a probability: write 0.01 or \"1%\"")),
    };
    if p.is_finite() && (0.0..1.0).contains(&p) {
        Ok(p)
    } else if p.is_finite() && (1.0..100.0).contains(&p) {
        Err(format!("{shown} is not a probability between 0 and 1: did you mean \"{shown}%\" (= {})?", p / 100.0))
    } else {
        Err(format!("{shown} is not a probability between 0 and 1: write 0.01 or \"1%\""))
    }
}

impl Builder<'_> {
    /// The objectives written in `table` (the SLA or one source's part of
    /// it) under key path `key`, with the lost-caller objectives it leaves
    /// unset defaulted ([`Sla::default_lost_callers`]), and those written
    /// as `"off"`; other keys are left to the caller.
    fn objectives(&self, key: &str, table: &toml::Table, p: &mut Problems) -> (Vec<Objective>, Vec<ObjectiveMetric>) {
        let off: Vec<ObjectiveMetric> = ObjectiveMetric::ALL
            .into_iter()
            .filter(|m| table.get(m.key()).and_then(Value::as_str).is_some_and(|t| t.trim() == "off"))
            .collect();
        let mut written: Vec<Objective> = ObjectiveMetric::ALL
            .into_iter()
            .filter(|m| !off.contains(m))
            .filter_map(|metric| {
                let v = table.get(metric.key())?;
                let k = format!("{key}.{}", metric.key());
                let limit = if metric.is_duration() {
                    match v.as_str() {
                        Some(t) => self.positive_duration(&k, t),
                        None => {
                            Err(self.err(&k, format!("{v} is not a duration: write it with units, such as \"20s\"")))
                        }
                    }
                } else {
                    probability(v).map_err(|e| self.err(&k, format!("{e} (or \"off\" to ignore it on purpose)")))
                };
                p.take(limit).map(|limit| Objective { metric, limit, defaulted_from: None })
            })
            .collect();
        Sla::default_lost_callers(&mut written, &off);
        (written, off)
    }

    /// The SLA of a model whose sources are named `sources`; every problem of
    /// `[sla]` is reported.
    pub(super) fn sla(&self, value: Option<&Value>, sources: &[String]) -> Result<Sla> {
        let empty = toml::Table::new();
        let table = match value {
            None => &empty,
            Some(Value::Table(t)) => t,
            Some(other) => return Err(self.err("sla", format!("{other} is not a table of objectives"))),
        };
        let mut p = Problems::default();
        let allowed =
            || ObjectiveMetric::ALL.iter().map(|m| m.key()).chain(OTHER_KEYS).collect::<Vec<_>>().join("`, `");
        for k in table.keys().filter(|k| !OTHER_KEYS.contains(&k.as_str())) {
            if !ObjectiveMetric::ALL.iter().any(|m| m.key() == k) {
                p.take::<()>(Err(
                    self.err(&format!("sla.{k}"), format!("unknown field `{k}`, expected one of `{}`", allowed()))
                ));
            }
        }
        let (objectives, off) = self.objectives("sla", table, &mut p);
        let mut ignored: Vec<(Option<usize>, ObjectiveMetric)> = off.into_iter().map(|m| (None, m)).collect();
        let mut source_objectives = Vec::new();
        if let Some(v) = table.get("sources") {
            match v {
                Value::Table(per) => {
                    for (name, t) in per {
                        let key = format!("sla.sources.{name}");
                        let Some(i) = sources.iter().position(|s| s == name) else {
                            p.take::<()>(Err(self
                                .err(&key, format!("no source is named {name:?} (sources: {})", sources.join(", ")))));
                            continue;
                        };
                        let Value::Table(t) = t else {
                            p.take::<()>(Err(
                                self.err(&key, "must be a table of objectives, such as { max_blocking = \"1%\" }")
                            ));
                            continue;
                        };
                        for k in t.keys().filter(|k| !ObjectiveMetric::ALL.iter().any(|m| m.key() == k.as_str())) {
                            p.take::<()>(Err(self.err(&format!("{key}.{k}"), format!("unknown objective `{k}`"))));
                        }
                        let (objectives, off) = self.objectives(&key, t, &mut p);
                        source_objectives.extend(objectives.into_iter().map(|o| (i, o)));
                        ignored.extend(off.into_iter().map(|m| (Some(i), m)));
                    }
                }
                _ => drop(p.take::<()>(Err(self.err("sla.sources", "must be a table: [sla.sources.NAME]")))),
            }
        }
        let str_of = |k: &str| -> Option<Result<&str>> {
            table
                .get(k)
                .map(|v| v.as_str().ok_or_else(|| self.err(&format!("sla.{k}"), format!("{v} must be a string"))))
        };
        let answer_within_s = match str_of("answer_within") {
            Some(t) => p.take(t.and_then(|t| self.duration("sla.answer_within", t))),
            None => Some(20.0),
        };
        let max_completion_s = match str_of("max_completion") {
            Some(t) => p.take(t.and_then(|t| self.positive_duration("sla.max_completion", t))).map(Some),
            None => Some(None),
        };
        let window =
            str_of("window").map(|t| t.and_then(|t| HourWindow::parse(t).map_err(|e| self.err("sla.window", e))));
        let days = match (str_of("days"), str_of("load")) {
            (None, None) => Some(JudgedDays::All),
            (Some(_), Some(_)) => p.take(Err(self.err("sla.load", "give `days` or `load`, not both"))),
            (Some(t), None) => p.take(t.and_then(|t| {
                let bad = || {
                    self.err(
                        "sla.days",
                        format!(
                            "{t:?} is not allowed: \"all\" (default), or \"K busiest\" with K from 1 to \
                             {MAX_BUSIEST_DAYS}, such as \"30 busiest\" (ITU-T E.500's normal load) or \"5 \
                             busiest\" (its high load)"
                        ),
                    )
                };
                match t.trim() {
                    "all" => Ok(JudgedDays::All),
                    other => match other.strip_suffix("busiest").map(|k| k.trim().parse::<u32>()) {
                        Some(Ok(k)) if (1..=MAX_BUSIEST_DAYS).contains(&k) => Ok(JudgedDays::Busiest(k)),
                        _ => Err(bad()),
                    },
                }
            })),
            (None, Some(t)) => p.take(t.and_then(|t| match t {
                "normal" => Ok(JudgedDays::Busiest(30)),
                "high" => Ok(JudgedDays::Busiest(5)),
                other => Err(self.err(
                    "sla.load",
                    format!(
                        "{other:?} is not allowed: \"normal\" (the 30 busiest days, ITU-T E.500) or \"high\" (the 5 busiest)"
                    ),
                )),
            })),
        };
        let max_days_over = match table.get("max_days_over") {
            None => Some(None),
            Some(v) => p.take(probability(v).map(Some).map_err(|e| {
                self.err("sla.max_days_over", format!("{e} (the share of days whose busy hour may break an objective)"))
            })),
        };
        // The busiest days, and the days over target, are read at the busy hour.
        let busiest = days.is_some_and(|d| d != JudgedDays::All) || max_days_over.is_some_and(|m| m.is_some());
        let over_why = if table.contains_key("over") || table.contains_key("window") || busiest {
            OverWhy::Written
        } else {
            // Decided once the model's arrivals are known (`Model::settle_sla_over`).
            OverWhy::Constant
        };
        let over = match (str_of("over"), window) {
            // Busiest days are read at the busy hour.
            (None, None) if busiest => Some(SlaOver::BusyHour),
            (None, None) => Some(SlaOver::Run),
            (None, Some(w)) | (Some(Ok("window")), Some(w)) => p.take(w).map(SlaOver::Window),
            (Some(o), w) => p.take(o.and_then(|o| match (o, w) {
                ("run", None) => Ok(SlaOver::Run),
                ("busy_hour", None) => Ok(SlaOver::BusyHour),
                (_, Some(_)) => Err(self.err("sla.over", "`window` judges over its own hours: leave `over` out (or write over = \"window\")")),
                (other, None) => Err(self.err(
                    "sla.over",
                    format!("{other:?} is not allowed: \"run\" or \"busy_hour\" (default: \"busy_hour\" when arrivals vary in time, else \"run\"), or give `window = \"mon-fri 09:00-17:00\"`"),
                )),
            })),
        };
        if busiest && over.as_ref().is_some_and(|o| *o != SlaOver::BusyHour) {
            let key = ["days", "load", "max_days_over"].into_iter().find(|k| table.contains_key(*k)).unwrap_or("days");
            p.take::<()>(Err(self.err(
                &format!("sla.{key}"),
                "the busiest days and the days over target are read at each day's busy hour: `sla.{key}` goes with \
                 over = \"busy_hour\" (or no `over`), not a run or a window"
                    .replace("{key}", key),
            )));
        }
        if max_days_over.is_some_and(|m| m.is_some()) && objectives.is_empty() && source_objectives.is_empty() {
            p.take::<()>(Err(self.err(
                "sla.max_days_over",
                "counts the days whose busy hour breaks an objective, and [sla] sets none: add one, such as \
                 max_abandonment = \"2%\"",
            )));
        }
        let confidence = match table.get("confidence") {
            None => Some(0.95),
            Some(v) => p.take(probability(v).map_err(|e| self.err("sla.confidence", e)).and_then(|c| {
                if (0.5..=0.9999).contains(&c) {
                    Ok(c)
                } else {
                    Err(self.err(
                        "sla.confidence",
                        format!("{c} is not allowed: a confidence from 0.5 to 0.9999 (default 0.95)"),
                    ))
                }
            })),
        };
        p.finish(|| Sla {
            answer_within_s: answer_within_s.expect("checked"),
            objectives,
            source_objectives,
            max_completion_s: max_completion_s.expect("checked"),
            over: over.expect("checked"),
            days: days.expect("checked"),
            max_days_over: max_days_over.expect("checked"),
            over_why,
            ignored,
            warnings: Vec::new(),
            confidence: confidence.expect("checked"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_as_numbers_or_percentages() {
        assert_eq!(probability(&Value::Float(0.01)).unwrap(), 0.01);
        assert_eq!(probability(&Value::String("1%".into())).unwrap(), 0.01);
        assert_eq!(probability(&Value::Integer(0)).unwrap(), 0.0);
        let e = probability(&Value::Integer(1)).unwrap_err();
        assert!(e.contains("did you mean \"1%\""), "{e}");
        assert!(probability(&Value::String("120%".into())).is_err());
        assert!(probability(&Value::Float(-0.1)).is_err());
    }
}
