//! The service-level agreement a run is judged against: objectives on every
//! outcome (blocking, abandonment, loss, failure after connect, waits, the
//! service level, turn latency), for all sources or one, judged over the
//! whole run, the busy hour or a weekly window, with a confidence level.

use crate::units::WEEKDAYS;

/// What an objective bounds: a metric of a source (or of all sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveMetric {
    /// `blocking_probability` at most the limit.
    Blocking,
    /// `abandonment_probability` at most the limit.
    Abandonment,
    /// `loss_probability` (callers never served) at most the limit.
    Loss,
    /// `failure_probability` (failed after connect) at most the limit.
    Failure,
    /// `p95_wait_s` at most the limit (s).
    P95Wait,
    /// `service_level` (answered within `answer_within`, not failed) at least the limit.
    ServiceLevel,
    /// `p95_turn_latency_s` at most the limit (s).
    P95TurnLatency,
    /// `turns_over_budget` (share of turns slower than the budget) at most the limit.
    TurnsOverBudget,
}

impl ObjectiveMetric {
    /// Every objective, in the order reports list them.
    pub const ALL: [ObjectiveMetric; 8] = [
        ObjectiveMetric::Blocking,
        ObjectiveMetric::Abandonment,
        ObjectiveMetric::Loss,
        ObjectiveMetric::Failure,
        ObjectiveMetric::P95Wait,
        ObjectiveMetric::ServiceLevel,
        ObjectiveMetric::P95TurnLatency,
        ObjectiveMetric::TurnsOverBudget,
    ];

    /// Its key in `[sla]`.
    pub fn key(self) -> &'static str {
        match self {
            ObjectiveMetric::Blocking => "max_blocking",
            ObjectiveMetric::Abandonment => "max_abandonment",
            ObjectiveMetric::Loss => "max_loss",
            ObjectiveMetric::Failure => "max_failure",
            ObjectiveMetric::P95Wait => "max_p95_wait",
            ObjectiveMetric::ServiceLevel => "min_service_level",
            ObjectiveMetric::P95TurnLatency => "max_p95_turn_latency",
            ObjectiveMetric::TurnsOverBudget => "max_turns_over_budget",
        }
    }

    /// Its short name in reports ("abandonment 3.4% > 1%").
    pub fn name(self) -> &'static str {
        match self {
            ObjectiveMetric::Blocking => "blocking",
            ObjectiveMetric::Abandonment => "abandonment",
            ObjectiveMetric::Loss => "loss",
            ObjectiveMetric::Failure => "failure",
            ObjectiveMetric::P95Wait => "p95 wait",
            ObjectiveMetric::ServiceLevel => "service level",
            ObjectiveMetric::P95TurnLatency => "p95 turn latency",
            ObjectiveMetric::TurnsOverBudget => "turns over budget",
        }
    }

    /// Its column in tables, after `judged_`: `blocking`, `p95_wait_s`, …
    pub fn column(self) -> &'static str {
        match self {
            ObjectiveMetric::Blocking => "blocking",
            ObjectiveMetric::Abandonment => "abandonment",
            ObjectiveMetric::Loss => "loss",
            ObjectiveMetric::Failure => "failure",
            ObjectiveMetric::P95Wait => "p95_wait_s",
            ObjectiveMetric::ServiceLevel => "service_level",
            ObjectiveMetric::P95TurnLatency => "p95_turn_latency_s",
            ObjectiveMetric::TurnsOverBudget => "turns_over_budget",
        }
    }

    /// What to write when nothing judges this outcome: "set max_failure (or
    /// max_failure = \"off\" to ignore it on purpose)".
    pub fn unjudged_hint(self) -> String {
        format!("set {} (or {} = \"off\" to ignore it on purpose)", self.key(), self.key())
    }

    /// Whether the limit is a floor (the metric must be at least it), not a ceiling.
    pub fn is_floor(self) -> bool {
        self == ObjectiveMetric::ServiceLevel
    }

    /// Whether the metric is in seconds (else a probability).
    pub fn is_duration(self) -> bool {
        matches!(self, ObjectiveMetric::P95Wait | ObjectiveMetric::P95TurnLatency)
    }
}

/// One objective: a metric and its limit (a probability, or seconds).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Objective {
    /// What it bounds.
    pub metric: ObjectiveMetric,
    /// The limit: a probability in [0, 1), or seconds.
    pub limit: f64,
    /// When `[sla]` did not set it: the written objective whose limit it
    /// took (see [`Sla::default_lost_callers`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaulted_from: Option<ObjectiveMetric>,
}

/// The outcomes that lose a caller on one attempt: judged together by
/// default (a caller who hears silence is as lost as one who is blocked).
pub const LOST_CALLER_OUTCOMES: [ObjectiveMetric; 3] =
    [ObjectiveMetric::Blocking, ObjectiveMetric::Abandonment, ObjectiveMetric::Failure];

/// Why an SLA is judged where it is: every output says so.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverWhy {
    /// `[sla]` says `over` or `window`.
    Written,
    /// Not written, and arrivals vary in time (what varies): the busy hour.
    Varying(String),
    /// Not written, and every arrival rate is constant: the whole run.
    Constant,
    /// Not written, and the model has campaigns alone: the whole run they
    /// dial in (the judged hours count inbound calls only).
    Campaigns,
}

impl OverWhy {
    /// E.g. "by default, since source \"inbound\" follows profile \"day\"".
    pub fn describe(&self) -> String {
        match self {
            OverWhy::Written => "as [sla] says".to_string(),
            OverWhy::Varying(what) => format!("by default, since {what}"),
            OverWhy::Constant => "by default, since no inbound arrival rate varies in time".to_string(),
            OverWhy::Campaigns => "by default, since campaigns are judged over the whole run they dial in".to_string(),
        }
    }
}

/// Hours of the week (Monday 00:00 = hour 0) over which an SLA is judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HourWindow {
    /// As written, e.g. "mon-fri 09:00-17:00".
    pub label: String,
    /// For each hour of the week, whether it is in the window.
    pub hours: Vec<bool>,
}

impl HourWindow {
    /// Parses `"mon-fri 09:00-17:00"`, `"mon 08:00-12:00"` or `"09:00-17:00"`
    /// (every day): whole hours, the end after the start.
    ///
    /// Errors say what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{text:?} is not a window such as \"mon-fri 09:00-17:00\", \"sat 10:00-14:00\" or \"09:00-17:00\" \
                 (weekdays {}, whole hours)",
                WEEKDAYS.join(", ")
            )
        };
        let t = text.trim().to_ascii_lowercase();
        let (days, clock) = match t.split_once(' ') {
            Some((d, c)) => (d.to_string(), c.trim().to_string()),
            None => ("mon-sun".to_string(), t.clone()),
        };
        let day = |d: &str| WEEKDAYS.iter().position(|w| *w == d.trim());
        let (d0, d1) = match days.split_once('-') {
            Some((a, b)) => (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?),
            None => {
                let d = day(&days).ok_or_else(bad)?;
                (d, d)
            }
        };
        let hour = |h: &str| -> Option<usize> {
            let (hh, mm) = h.trim().split_once(':')?;
            let (hh, mm): (usize, usize) = (hh.parse().ok()?, mm.parse().ok()?);
            (mm == 0 && hh <= 24).then_some(hh)
        };
        let (start, end) = clock.split_once('-').ok_or_else(bad)?;
        let (h0, h1) = (hour(start).ok_or_else(bad)?, hour(end).ok_or_else(bad)?);
        if h1 <= h0 || d1 < d0 {
            return Err(bad());
        }
        let mut hours = vec![false; 168];
        for d in d0..=d1 {
            for h in h0..h1 {
                hours[d * 24 + h] = true;
            }
        }
        Ok(HourWindow { label: text.trim().to_string(), hours })
    }
}

/// Where an SLA is judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOver {
    /// The whole measured run (default).
    Run,
    /// The time-consistent busy hour (ITU-T E.500): the clock hour of the
    /// day, the same every day, with the highest mean offered traffic.
    BusyHour,
    /// The hours of a weekly window.
    Window(HourWindow),
}

/// Which days' busy hours an SLA judged at the busy hour reads: all of
/// them pooled, or, as ITU-T E.500 §2 reads measured traffic, the k days of
/// highest busy-hour offered load (30 for its normal load, 5 for its high
/// load), in each replication's measured days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgedDays {
    /// Every day's busy hour (default).
    All,
    /// The busy hours of the k busiest days.
    Busiest(u32),
}

impl JudgedDays {
    /// `all days`, `the 5 busiest days`.
    pub fn label(self) -> String {
        match self {
            JudgedDays::All => "all days".into(),
            JudgedDays::Busiest(1) => "the busiest day".into(),
            JudgedDays::Busiest(k) => format!("the {k} busiest days"),
        }
    }
}

/// The service objective a run or a sweep's cells are judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// Threshold for `service_level` (s); default 20 s.
    pub answer_within_s: f64,
    /// Objectives on all inbound sources together.
    pub objectives: Vec<Objective>,
    /// Objectives on one source: (source index, objective).
    pub source_objectives: Vec<(usize, Objective)>,
    /// Every campaign finishes all its leads in every replication, on
    /// average within this of its start (s).
    pub max_completion_s: Option<f64>,
    /// Where the objectives are judged.
    pub over: SlaOver,
    /// Which days' busy hours, when judged at the busy hour.
    pub days: JudgedDays,
    /// The largest share of measured days (0–1) whose own busy hour may
    /// break an objective (ITU-T E.520's reading: a grade of service met on
    /// most days, not on the average day), when set; judged at the busy hour.
    pub max_days_over: Option<f64>,
    /// Why there.
    pub over_why: OverWhy,
    /// Objectives written as `"off"`: ignored on purpose, shown as ignored
    /// (source index for a source's objective).
    pub ignored: Vec<(Option<usize>, ObjectiveMetric)>,
    /// What about the model makes its verdicts doubtful, shown beside them
    /// (e.g. judged over the run on traffic with a busy hour far above its mean).
    pub warnings: Vec<String>,
    /// Confidence of the one-sided bounds that decide each objective (0.5–0.9999; default 0.95).
    pub confidence: f64,
}

impl Default for Sla {
    fn default() -> Self {
        Sla {
            answer_within_s: 20.0,
            objectives: Vec::new(),
            source_objectives: Vec::new(),
            max_completion_s: None,
            over: SlaOver::Run,
            days: JudgedDays::All,
            max_days_over: None,
            over_why: OverWhy::Constant,
            ignored: Vec::new(),
            warnings: Vec::new(),
            confidence: 0.95,
        }
    }
}

impl Sla {
    /// The limit of `metric` on all sources, if the SLA sets one.
    pub fn limit(&self, metric: ObjectiveMetric) -> Option<f64> {
        self.objectives.iter().find(|o| o.metric == metric).map(|o| o.limit)
    }

    /// Whether a replication must count each day's busy hour: to rank the
    /// busiest days or to count the days over target.
    pub fn reads_days(&self) -> bool {
        self.over == SlaOver::BusyHour && (self.days != JudgedDays::All || self.max_days_over.is_some())
    }

    /// Whether it sets no objective at all.
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty() && self.source_objectives.is_empty() && self.max_completion_s.is_none()
    }

    /// Adds the lost-caller objectives `objectives` (one table: all sources,
    /// or one source) leaves unset: when it sets at least one of blocking,
    /// abandonment and failure and no `max_loss` (which counts every lost
    /// caller already), each of the three it neither sets nor turns `"off"`
    /// (`off`) is judged at the strictest limit it does set, marked as
    /// defaulted. Kept in [`ObjectiveMetric::ALL`] order.
    pub fn default_lost_callers(objectives: &mut Vec<Objective>, off: &[ObjectiveMetric]) {
        let has = |o: &[Objective], m: ObjectiveMetric| o.iter().any(|x| x.metric == m);
        if has(objectives, ObjectiveMetric::Loss) {
            return;
        }
        let strictest = objectives
            .iter()
            .filter(|o| LOST_CALLER_OUTCOMES.contains(&o.metric))
            .min_by(|a, b| a.limit.total_cmp(&b.limit))
            .copied();
        let Some(from) = strictest else { return };
        for m in LOST_CALLER_OUTCOMES {
            if !has(objectives, m) && !off.contains(&m) {
                objectives.push(Objective { metric: m, limit: from.limit, defaulted_from: Some(from.metric) });
            }
        }
        objectives.sort_by_key(|o| ObjectiveMetric::ALL.iter().position(|m| *m == o.metric));
    }

    /// Whether something in it judges `metric` (a lost-caller outcome): an
    /// objective on it (all sources or one), on `max_loss` (every lost
    /// caller) or on the service level (a lost attempt is not served), or
    /// it is turned `"off"` on purpose.
    pub fn judges(&self, metric: ObjectiveMetric) -> bool {
        let any = |x: ObjectiveMetric| {
            self.objectives.iter().chain(self.source_objectives.iter().map(|(_, o)| o)).any(|o| o.metric == x)
        };
        any(metric)
            || any(ObjectiveMetric::Loss)
            || any(ObjectiveMetric::ServiceLevel)
            || self.ignored.iter().any(|i| i.1 == metric)
    }

    /// Where it is judged, in a sentence: "the whole run", "the busy hour",
    /// "the window mon-fri 09:00-17:00".
    pub fn place(&self) -> String {
        match &self.over {
            SlaOver::Run => "the whole run".to_string(),
            SlaOver::BusyHour => match self.days {
                JudgedDays::All => "the busy hour".to_string(),
                d => format!("the busy hour of {}", d.label()),
            },
            SlaOver::Window(w) => format!("the window {}", w.label),
        }
    }

    /// Whether judging it needs per-hour counts from the simulation.
    pub fn needs_hours(&self) -> bool {
        self.over != SlaOver::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_callers_are_judged_at_the_strictest_written_limit() {
        let o = |metric, limit| Objective { metric, limit, defaulted_from: None };
        let mut v = vec![o(ObjectiveMetric::Abandonment, 0.03), o(ObjectiveMetric::Blocking, 0.01)];
        Sla::default_lost_callers(&mut v, &[]);
        let failure = v.iter().find(|x| x.metric == ObjectiveMetric::Failure).unwrap();
        assert_eq!((failure.limit, failure.defaulted_from), (0.01, Some(ObjectiveMetric::Blocking)));
        assert_eq!(v.len(), 3);
        // Turned off: left out; with max_loss: nothing added; with none of the three: nothing added.
        let mut off = vec![o(ObjectiveMetric::Blocking, 0.01)];
        Sla::default_lost_callers(&mut off, &[ObjectiveMetric::Failure]);
        assert_eq!(
            off.iter().map(|x| x.metric).collect::<Vec<_>>(),
            [ObjectiveMetric::Blocking, ObjectiveMetric::Abandonment]
        );
        let mut loss = vec![o(ObjectiveMetric::Blocking, 0.01), o(ObjectiveMetric::Loss, 0.02)];
        Sla::default_lost_callers(&mut loss, &[]);
        assert_eq!(loss.len(), 2);
        let mut wait = vec![o(ObjectiveMetric::P95Wait, 20.0)];
        Sla::default_lost_callers(&mut wait, &[]);
        assert_eq!(wait.len(), 1);
    }

    #[test]
    fn windows_are_hours_of_the_week() {
        let w = HourWindow::parse("mon-fri 09:00-17:00").unwrap();
        assert_eq!(w.hours.iter().filter(|h| **h).count(), 40);
        assert!(w.hours[9] && !w.hours[17] && w.hours[4 * 24 + 16] && !w.hours[5 * 24 + 9]);
        assert_eq!(HourWindow::parse("10:00-11:00").unwrap().hours.iter().filter(|h| **h).count(), 7);
        for bad in ["monkey 09:00-17:00", "mon-fri 09:30-17:00", "mon-fri 17:00-09:00", "fri-mon 09:00-10:00", "9-5"] {
            assert!(HourWindow::parse(bad).is_err(), "{bad}");
        }
    }
}
