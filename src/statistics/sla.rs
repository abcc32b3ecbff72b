//! Judging a run against its SLA: each objective is decided by a one-sided
//! Student-t confidence bound on its estimate across replications, not by
//! the mean alone.
//!
//! For an objective "at most L" at confidence c with R replications, mean m
//! and standard error s: `pass` when m + t(c, R−1)·s ≤ L (even the upper
//! bound is inside), `fail` when m − t(c, R−1)·s > L (even the lower bound
//! is outside), else `undecided` (mirrored for "at least L"). Percentile
//! objectives use the per-replication percentiles the same way, so their
//! interval is a t interval on the replications' p95s. The run's verdict is
//! `fail` if any objective fails, `pass` if all pass, else `undecided`.

use super::control::{control_variate_ratio, ControlEstimate};
use super::metrics::HourMetrics;
use super::t_quantile;
use super::{Estimate, SourceMetrics, Summary};
use crate::model::{Objective, ObjectiveMetric, Sla};
use crate::units::significant;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// The one-sided confidence with which an undecided load of a
/// certification must be beyond a limit to be given up as not passing
/// ([`SlaVerdict::hopeless`]; [`CURTAIL`] gives up more).
pub const FUTILITY: f64 = 0.9;

/// The conditional power below which an undecided load of a certification
/// is given up as not passing ([`SlaVerdict::hopeless`]): a 10% chance of
/// passing with every replication left. It stops near-boundary loads whose
/// estimate sits at or beyond the limit after the first look (where
/// [`FUTILITY`] would run them to the most replications to end undecided):
/// `experiments/plan.toml` takes 420 replications instead of 585 and
/// certifies the same passes; an M/M/20/20 certification at 1% blocking
/// (20–80 replications, 2% tolerance) brackets the exact 12.03 Erl as
/// [11.92, 12.06] from about 130 replications, where running every load to
/// a decision without control variates took 280 for [12.02, 12.15].
pub const CURTAIL: f64 = 0.1;

/// The outcome of judging an objective, or a whole SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Inside the limit with the SLA's confidence.
    Pass,
    /// Outside the limit with the SLA's confidence.
    Fail,
    /// The confidence interval straddles the limit: more replications needed.
    Undecided,
}

impl Verdict {
    /// `pass`, `fail` or `undecided`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Undecided => "undecided",
        }
    }
}

/// One objective, judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveVerdict {
    /// The source it is about; `None` for all sources together.
    pub source: Option<String>,
    /// The objective.
    pub objective: Objective,
    /// The metric's estimate where it is judged.
    pub value: Estimate,
    /// The one-sided confidence bound that must be inside the limit to pass
    /// (the upper bound for a ceiling, the lower for a floor); NaN with one
    /// replication.
    pub bound: f64,
    /// The control-variate estimate the verdict was judged on, when the
    /// objective is a lost-caller probability and a control's mean is known
    /// where it is judged ([`controlled`]); `None`: the plain mean.
    #[serde(default)]
    pub controlled: Option<ControlEstimate>,
    /// What `controlled` was regressed on.
    #[serde(default)]
    pub control: Option<Control>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The control a lost-caller objective's control-variate estimate was
/// regressed on, its mean known exactly from the model's rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The offered load where the SLA is judged
    /// ([`crate::model::Model::expected_offered_load_erl`]).
    OfferedLoad,
    /// The first attempts that found `capacity` or more calls in progress
    /// in the lost-calls-held system ([`crate::model::Model::held_capacity`]).
    HeldOverflow {
        /// The held system's capacity (calls).
        capacity: u32,
    },
}

impl Control {
    /// What it is, in words, e.g. "the offered load where the SLA is judged".
    pub fn describe(&self) -> String {
        match self {
            Control::OfferedLoad => "the offered load where the SLA is judged".to_string(),
            Control::HeldOverflow { capacity } => format!(
                "the first attempts that would have found {capacity} or more calls in progress had none been refused (the lost-calls-held system's overflow; Eick, Massey and Whitt 1993)"
            ),
        }
    }
}

impl ObjectiveVerdict {
    /// E.g. `abandonment 3.4% > 1%`, `inbound: p95 wait 25.0 s > 20 s`,
    /// `blocking 0.97% ± 0.36% vs 1% (undecided)`.
    pub fn describe(&self) -> String {
        let m = self.objective.metric;
        let show = |v: f64| {
            if m.is_duration() {
                format!("{} s", significant(v, 3))
            } else {
                format!("{}%", significant(100.0 * v, 3))
            }
        };
        let who = self.source.as_ref().map_or(String::new(), |s| format!("{s}: "));
        let (value, limit) = (self.mean(), self.objective.limit);
        let ci95 = self.controlled.as_ref().map_or(self.value.ci95, |c| c.half_width(0.95));
        match self.verdict {
            Verdict::Undecided => {
                let pm = if ci95.is_finite() { format!(" ± {}", show(ci95)) } else { String::new() };
                format!("{who}{} {}{pm} vs {} (undecided)", m.name(), show(value), show(limit))
            }
            v => {
                let (ok, bad) = if m.is_floor() { ("≥", "<") } else { ("≤", ">") };
                let op = if v == Verdict::Pass { ok } else { bad };
                format!("{who}{} {} {op} {}", m.name(), show(value), show(limit))
            }
        }
    }

    /// The estimate judged: the control-variate one when there is one, else
    /// the plain mean.
    pub fn mean(&self) -> f64 {
        self.controlled.as_ref().map_or(self.value.mean, |c| c.mean)
    }

    /// Its key in `[sla]`, marked when defaulted: `max_failure (default, as
    /// max_blocking)`, `inbound: max_blocking`.
    pub fn label(&self) -> String {
        let who = self.source.as_ref().map_or(String::new(), |s| format!("{s}: "));
        match self.objective.defaulted_from {
            Some(from) => format!("{who}{} (default, as {})", self.objective.metric.key(), from.key()),
            None => format!("{who}{}", self.objective.metric.key()),
        }
    }
}

/// The days over target (`max_days_over`), judged: like an objective, by
/// a one-sided bound on the per-replication share of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaysOverVerdict {
    /// The share of measured days (0–1) whose busy hour broke an objective.
    pub share: Estimate,
    /// Measured days per replication.
    pub days: usize,
    /// The largest share allowed (0–1).
    pub limit: f64,
    /// The upper confidence bound on the share; NaN with one replication.
    pub bound: f64,
    /// The verdict.
    pub verdict: Verdict,
}

impl DaysOverVerdict {
    /// E.g. `days over target 8.2% > 5% (of 364 days)`.
    pub fn describe(&self) -> String {
        let pct = |v: f64| format!("{}%", significant(100.0 * v, 3));
        let (value, limit, days) = (pct(self.share.mean), pct(self.limit), self.days);
        match self.verdict {
            Verdict::Undecided => {
                let pm =
                    if self.share.ci95.is_finite() { format!(" ± {}", pct(self.share.ci95)) } else { String::new() };
                format!("days over target {value}{pm} vs {limit} of {days} days (undecided)")
            }
            Verdict::Pass => format!("days over target {value} ≤ {limit} of {days} days"),
            Verdict::Fail => format!("days over target {value} > {limit} of {days} days"),
        }
    }
}

/// A run's SLA, judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaVerdict {
    /// Where it was judged: `run`, `busy hour 10:00-11:00` or the window.
    pub over: String,
    /// Why there: "as `[sla]` says", or the default and its reason.
    pub over_why: String,
    /// Objectives written as `"off"`, ignored on purpose: "failure",
    /// "inbound: failure".
    pub ignored: Vec<String>,
    /// What about the model makes the verdict doubtful (the peak averaged
    /// away, an objective no capacity meets), shown beside it.
    pub warnings: Vec<String>,
    /// Lost-caller outcomes that happened where the SLA is judged and that
    /// nothing judges: the metric and its mean (a probability).
    pub unjudged: Vec<(ObjectiveMetric, f64)>,
    /// The confidence of the bounds.
    pub confidence: f64,
    /// Each objective, all sources' first, then per source.
    pub objectives: Vec<ObjectiveVerdict>,
    /// Campaign completion (`max_completion`), when set: every campaign
    /// finished in every replication within the limit on average.
    pub completion: Option<(Verdict, String)>,
    /// The share of days whose busy hour broke an objective, judged against
    /// `max_days_over`, when set.
    #[serde(default)]
    pub days_over: Option<DaysOverVerdict>,
    /// The verdict of the whole SLA.
    pub verdict: Verdict,
}

impl SlaVerdict {
    /// The verdict and, unless it passes, why: "fail (failure 2.8% > 1%)".
    pub fn summary(&self) -> String {
        let failing = self.failing();
        if failing.is_empty() {
            self.verdict.name().to_string()
        } else {
            format!("{} ({})", self.verdict.name(), failing.join("; "))
        }
    }

    /// Whether this undecided verdict cannot be expected to pass with more
    /// replications, up to `max_replications`: an undecided objective (or
    /// share of days over) beyond its limit with one-sided confidence
    /// [`FUTILITY`], or whose conditional power is below [`CURTAIL`]: the
    /// chance that it passes at `max_replications` if the replications to
    /// come look like those so far (stochastic curtailment: Lan, Simon and
    /// Halperin 1982). With mean m, per-replication standard deviation σ
    /// (the standard error × √n), n replications of N, the final mean is
    /// normal with mean m and standard deviation σ√(N − n)/N, and passes a
    /// ceiling L when it is below L − t(N)·σ/√N. A certification stops such
    /// a load as not passing: it can only pass fewer loads, never more.
    pub fn hopeless(&self, max_replications: u32) -> bool {
        // Beyond the limit even at the near end of a one-sided interval at
        // FUTILITY (not the SLA's confidence: this only stops a load early),
        // or unlikely to pass in the replications left. An estimate `mean`
        // with standard error `se` on `df` degrees of freedom from `n`
        // replications, against a ceiling (or, `floor`, a floor) `limit`.
        let big_n = max_replications as f64;
        let confidence = self.confidence;
        let beyond = |floor: bool, (mean, se, df, n): (f64, f64, usize, usize), limit: f64| {
            let half = if df >= 1 && se > 0.0 { t_quantile(FUTILITY, df) * se } else { 0.0 };
            // Distance to the limit, positive on the failing side.
            let over = if floor { limit - mean } else { mean - limit };
            let futile = over > half;
            let nf = n as f64;
            let curtailed = se > 0.0 && nf < big_n && df >= 1 && {
                let sigma = se * nf.sqrt();
                let final_df = df + (big_n - nf) as usize;
                let needed = -over - t_quantile(confidence, final_df) * sigma / big_n.sqrt();
                Normal::standard().cdf(needed / (sigma * (big_n - nf).sqrt() / big_n)) < CURTAIL
            };
            futile || curtailed
        };
        let plain = |e: &Estimate| {
            let n = e.replications.len();
            (e.mean, e.std_error, n.saturating_sub(1), n)
        };
        self.verdict == Verdict::Undecided
            && (self.objectives.iter().any(|o| {
                let judged = o
                    .controlled
                    .as_ref()
                    .map_or_else(|| plain(&o.value), |c| (c.mean, c.std_error, c.df, o.value.replications.len()));
                o.verdict == Verdict::Undecided && beyond(o.objective.metric.is_floor(), judged, o.objective.limit)
            }) || self
                .days_over
                .as_ref()
                .is_some_and(|d| d.verdict == Verdict::Undecided && beyond(false, plain(&d.share), d.limit)))
    }

    /// How near its objectives' judged estimates are to their limits: the
    /// largest of mean / limit (a ceiling) or limit / mean (a floor) over
    /// them, below 1 inside every limit; `None` without an objective with a
    /// positive limit and estimate. A certification interpolates it between
    /// loads ([`crate::capacity::Verdicts::next`]).
    pub fn margin(&self) -> Option<f64> {
        self.objectives
            .iter()
            .filter_map(|o| {
                let (m, l) = (o.mean(), o.objective.limit);
                let r = if o.objective.metric.is_floor() { l / m } else { m / l };
                (l > 0.0 && m > 0.0 && r.is_finite()).then_some(r)
            })
            .reduce(f64::max)
    }

    /// The controls its control-variate estimates were regressed on, each
    /// once, in the objectives' order.
    pub fn controls(&self) -> Vec<Control> {
        let mut out: Vec<Control> = Vec::new();
        for c in self.objectives.iter().filter_map(|o| o.control) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// The least variance reduction of its control-variate estimates (the
    /// plain estimator's variance over the control-variate one's; above 1
    /// when the control helped), `None` when no objective used one.
    pub fn variance_ratio(&self) -> Option<f64> {
        self.objectives.iter().filter_map(|o| o.controlled.as_ref()).map(|c| c.variance_ratio).reduce(f64::min)
    }

    /// The objectives that failed (or, with none failing, are undecided), described.
    pub fn failing(&self) -> Vec<String> {
        let of = |v: Verdict| {
            self.objectives
                .iter()
                .filter(|o| o.verdict == v)
                .map(ObjectiveVerdict::describe)
                .chain(self.completion.iter().filter(|c| c.0 == v).map(|c| c.1.clone()))
                .chain(self.days_over.iter().filter(|d| d.verdict == v).map(DaysOverVerdict::describe))
                .collect::<Vec<_>>()
        };
        match self.verdict {
            Verdict::Fail => of(Verdict::Fail),
            Verdict::Undecided => of(Verdict::Undecided),
            Verdict::Pass => Vec::new(),
        }
    }
}

/// The value of `metric` in a source's (or the total's) metrics: its
/// estimate, or one replication's value.
pub fn objective_value<T>(metric: ObjectiveMetric, m: &SourceMetrics<T>) -> &T {
    match metric {
        ObjectiveMetric::Blocking => &m.blocking_probability,
        ObjectiveMetric::Abandonment => &m.abandonment_probability,
        ObjectiveMetric::Loss => &m.loss_probability,
        ObjectiveMetric::Failure => &m.failure_probability,
        ObjectiveMetric::P95Wait => &m.p95_wait_s,
        ObjectiveMetric::ServiceLevel => &m.service_level,
        ObjectiveMetric::P95TurnLatency => &m.p95_turn_latency_s,
        ObjectiveMetric::TurnsOverBudget => &m.turns_over_budget,
    }
}

/// Whether one day's busy hour `day` breaks an objective of `sla` (on all
/// sources, or on one): a value beyond its limit where something was
/// attempted (a day with no attempt breaks nothing).
fn day_breaks(sla: &Sla, day: &HourMetrics) -> bool {
    let breaks = |o: &Objective, m: &SourceMetrics| {
        let v = *objective_value(o.metric, m);
        m.attempts > 0.0 && if o.metric.is_floor() { v < o.limit } else { v > o.limit }
    };
    sla.objectives.iter().any(|o| breaks(o, &day.total))
        || sla.source_objectives.iter().any(|(i, o)| breaks(o, &day.sources[*i]))
}

/// The share of `days` (each day's busy hour in one replication) that
/// break an objective of `sla`; 0 with no day.
pub fn days_over_share(sla: &Sla, days: &[HourMetrics]) -> f64 {
    if days.is_empty() {
        return 0.0;
    }
    days.iter().filter(|d| day_breaks(sla, d)).count() as f64 / days.len() as f64
}

/// The fewest replications a control variate is used with (defined with
/// the model, whose engine keeps the lost-calls-held system only for runs
/// that can reach it).
pub use crate::model::CONTROL_MIN_REPLICATIONS;

/// The control-variate estimate of a lost-caller probability (blocking,
/// abandonment, failure, loss) whose per-replication values are `value`
/// over `denominator` (attempts; callers for loss): the pooled ratio of
/// lost to attempts ([`control_variate_ratio`]), with `control` (per
/// replication, where it is judged) as the control and `expected` its
/// exact mean: the lost-calls-held overflow
/// ([`crate::model::Model::expected_held_overflow_per_h`]) or the offered
/// load ([`crate::model::Model::expected_offered_load_erl`]). A
/// replication that offered more traffic, or bunched more of it, than
/// expected lost more callers: the regression takes that part of the noise
/// out. `None` for other metrics, with fewer than
/// [`CONTROL_MIN_REPLICATIONS`] replications, without a known mean, or when
/// the output or the control does not vary.
pub fn controlled(
    metric: ObjectiveMetric,
    value: &Estimate,
    denominator: &Estimate,
    control: &Estimate,
    expected: Option<f64>,
) -> Option<ControlEstimate> {
    use ObjectiveMetric::{Abandonment, Blocking, Failure, Loss};
    let n = value.replications.len();
    if !matches!(metric, Blocking | Abandonment | Failure | Loss) || n < CONTROL_MIN_REPLICATIONS {
        return None;
    }
    let den = &denominator.replications;
    let num: Vec<f64> = value.replications.iter().zip(den).map(|(v, d)| v * d).collect();
    // An output that does not vary (nothing lost in any replication) has
    // its plain mean exact: no control, and no 0/0 variance ratio.
    control_variate_ratio(&num, den, std::slice::from_ref(&control.replications), &[expected?]).filter(|c| {
        value.std_error > 0.0 && [c.mean, c.std_error, c.variance_ratio].iter().chain(&c.beta).all(|v| v.is_finite())
    })
}

/// Judges one objective on `value` (or, when given, its control-variate
/// estimate) at `confidence`.
fn judge_one(
    objective: Objective,
    value: &Estimate,
    controlled: Option<&ControlEstimate>,
    confidence: f64,
) -> (f64, Verdict) {
    match controlled {
        Some(c) => {
            decide(objective.metric.is_floor(), objective.limit, c.mean, t_quantile(confidence, c.df) * c.std_error)
        }
        None => judge_bound(objective.metric.is_floor(), objective.limit, value, confidence),
    }
}

/// Judges `value` against a ceiling (or, `floor`, a floor) `limit` at
/// `confidence`: the one-sided bound and the verdict.
fn judge_bound(floor: bool, limit: f64, value: &Estimate, confidence: f64) -> (f64, Verdict) {
    let r = value.replications.len();
    if r < 2 || !value.mean.is_finite() {
        return (f64::NAN, Verdict::Undecided);
    }
    let half = if value.std_error > 0.0 { t_quantile(confidence, r - 1) * value.std_error } else { 0.0 };
    decide(floor, limit, value.mean, half)
}

/// The one-sided bound of an estimate `mean` whose one-sided half-width is
/// `half`, against a ceiling (or, `floor`, a floor) `limit`, and the verdict.
fn decide(floor: bool, limit: f64, mean: f64, half: f64) -> (f64, Verdict) {
    if !mean.is_finite() || half.is_nan() {
        return (f64::NAN, Verdict::Undecided);
    }
    let (lo, hi) = (mean - half, mean + half);
    if floor {
        let v = if lo >= limit {
            Verdict::Pass
        } else if hi < limit {
            Verdict::Fail
        } else {
            Verdict::Undecided
        };
        (lo, v)
    } else {
        let v = if hi <= limit {
            Verdict::Pass
        } else if lo > limit {
            Verdict::Fail
        } else {
            Verdict::Undecided
        };
        (hi, v)
    }
}

/// Judges summary `s` against `sla`: on the metrics where the SLA says
/// (`judged` when it is over the busy hour or a window, else the run's).
pub fn judge(sla: &Sla, s: &Summary) -> SlaVerdict {
    let (over, total, sources, expected, held) = match &s.judged {
        Some(w) => (
            w.label.clone(),
            &w.total,
            w.sources.iter().collect::<Vec<_>>(),
            w.expected_offered_load_erl,
            w.held.as_ref(),
        ),
        None => (
            "run".to_string(),
            &s.total,
            s.sources.iter().map(|x| &x.metrics).collect(),
            s.expected_offered_load_erl,
            s.held.as_ref(),
        ),
    };
    // The controls, the lost-calls-held overflow first: it moves with the
    // lost callers far more closely than the offered load does (a source's
    // own objective is judged with them too: their means are as known).
    let offered = &total.offered_load_erl;
    let mut objectives = Vec::new();
    let whose =
        std::iter::repeat(None).zip(&sla.objectives).chain(sla.source_objectives.iter().map(|(i, o)| (Some(*i), o)));
    for (who, o) in whose {
        let metrics = who.map_or(total, |i| sources[i]);
        let value = objective_value(o.metric, metrics).clone();
        let per = if o.metric == ObjectiveMetric::Loss { &metrics.offered_calls } else { &metrics.attempts };
        let (controlled, control) = held
            .and_then(|h| {
                let c = controlled(o.metric, &value, per, &h.overflow_per_h, Some(h.expected_per_h))?;
                Some((c, Control::HeldOverflow { capacity: h.capacity }))
            })
            .or_else(|| Some((controlled(o.metric, &value, per, offered, expected)?, Control::OfferedLoad)))
            .unzip();
        let (bound, verdict) = judge_one(*o, &value, controlled.as_ref(), sla.confidence);
        objectives.push(ObjectiveVerdict {
            source: who.map(|i| s.sources[i].name.clone()),
            objective: *o,
            value,
            bound,
            controlled,
            control,
            verdict,
        });
    }
    let completion = sla.max_completion_s.map(|limit_s| {
        let late = s.campaigns.iter().find(|c| c.completion_h().is_none_or(|h| h * 3600.0 > limit_s));
        match late {
            None => (Verdict::Pass, String::new()),
            Some(c) => match c.completion_h() {
                Some(h) => (Verdict::Fail, format!("{}: completion {h:.1} h > {:.1} h", c.name, limit_s / 3600.0)),
                None => (Verdict::Fail, format!("{}: not every lead finished within the run", c.name)),
            },
        }
    });
    let name = |who: &Option<usize>, m: ObjectiveMetric| match who {
        Some(i) => format!("{}: {}", s.sources[*i].name, m.name()),
        None => m.name().to_string(),
    };
    let ignored = sla.ignored.iter().map(|(who, m)| name(who, *m)).collect();
    let days_over = sla.max_days_over.zip(s.days_over.as_ref()).map(|(limit, d)| {
        let (bound, verdict) = judge_bound(false, limit, &d.share, sla.confidence);
        DaysOverVerdict { share: d.share.clone(), days: d.days, limit, bound, verdict }
    });
    let all = objectives
        .iter()
        .map(|o| o.verdict)
        .chain(completion.iter().map(|c| c.0))
        .chain(days_over.iter().map(|d| d.verdict));
    let verdict = all.fold(Verdict::Pass, |acc, v| match (acc, v) {
        (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
        (Verdict::Undecided, _) | (_, Verdict::Undecided) => Verdict::Undecided,
        _ => Verdict::Pass,
    });
    SlaVerdict {
        over,
        over_why: sla.over_why.describe(),
        ignored,
        warnings: sla.warnings.clone(),
        unjudged: unjudged(sla, total),
        confidence: sla.confidence,
        objectives,
        completion,
        days_over,
        verdict,
    }
}

/// Where a verdict was judged, in a sentence: its label `over` ("run",
/// "busy hour 10:00-11:00") as "the whole run", "the busy hour 10:00-11:00".
pub fn place(over: &str) -> String {
    if over == "run" {
        "the whole run".to_string()
    } else {
        format!("the {over}")
    }
}

/// The warning that `metric` happened to `share` of attempts (`scope`:
/// where, e.g. " in the worst cell", or empty) and nothing in `[sla]` judges it.
pub fn unjudged_warning(metric: ObjectiveMetric, share: f64, scope: &str) -> String {
    format!(
        "{} {}% of attempts{scope}, and nothing in [sla] judges it: {}",
        metric.name(),
        significant(100.0 * share, 3),
        metric.unjudged_hint()
    )
}

impl SlaVerdict {
    /// Every warning beside the verdict: the model's, then each unjudged outcome's.
    pub fn all_warnings(&self) -> Vec<String> {
        let unjudged = self.unjudged.iter().map(|(m, v)| unjudged_warning(*m, *v, ""));
        self.warnings.iter().cloned().chain(unjudged).collect()
    }
}

/// The lost-caller outcomes that happened (in `total`, where the SLA is
/// judged) and that no objective judges: none on the outcome itself, on
/// `max_loss` (every lost caller) or on the service level (a lost attempt
/// is not served), and not turned `"off"`; with their means.
fn unjudged(sla: &Sla, total: &SourceMetrics<Estimate>) -> Vec<(ObjectiveMetric, f64)> {
    use crate::model::LOST_CALLER_OUTCOMES;
    LOST_CALLER_OUTCOMES
        .into_iter()
        .filter(|&m| !sla.judges(m) && objective_value(m, total).mean > 0.0)
        .map(|m| (m, objective_value(m, total).mean))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(values: &[f64]) -> Estimate {
        Estimate::new(values.to_vec())
    }

    /// An SLA of one objective, judged on `values`.
    fn judged(limit: f64, values: &[f64]) -> SlaVerdict {
        let o = Objective { metric: ObjectiveMetric::Blocking, limit, defaulted_from: None };
        let value = est(values);
        let (bound, verdict) = judge_one(o, &value, None, 0.95);
        SlaVerdict {
            over: "run".into(),
            over_why: String::new(),
            ignored: Vec::new(),
            warnings: Vec::new(),
            unjudged: Vec::new(),
            confidence: 0.95,
            objectives: vec![ObjectiveVerdict {
                source: None,
                objective: o,
                value,
                bound,
                controlled: None,
                control: None,
                verdict,
            }],
            completion: None,
            days_over: None,
            verdict,
        }
    }

    #[test]
    fn a_load_is_hopeless_only_when_undecided_and_beyond_its_limit_or_unlikely_to_pass_in_time() {
        // Mean 1.1%, standard error 0.0408%: beyond a 1.03% limit by 1.71
        // standard errors, more than t(0.9, 3) = 1.64 (hopeless) and less
        // than t(0.95, 3) = 2.35 (so not yet a fail).
        let v = judged(0.0103, &[0.010, 0.011, 0.011, 0.012]);
        assert_eq!(v.verdict, Verdict::Undecided);
        assert!(v.hopeless(4));
        // Against a 1.06% limit: beyond it by 0.98 standard errors, less
        // than t(0.9, 3), so more replications may pass it; with none left
        // to run it is not given up either.
        let v = judged(0.0106, &[0.010, 0.011, 0.011, 0.012]);
        assert_eq!(v.verdict, Verdict::Undecided);
        assert!(!v.hopeless(4));
        // With 36 more to run, were they like these four (σ = 0.0816%), the
        // mean of 40 would have to fall below 1.06% − t(0.95, 39) σ/√40 =
        // 1.0382% from 1.1% with standard deviation σ·√36/40 = 0.0122%:
        // 5 standard deviations, a conditional power far below 10%.
        assert!(v.hopeless(40));
        // Against 1.18%: undecided (bound 1.196%), but 40 replications like
        // these would pass it (4.8 standard deviations to spare).
        let v = judged(0.0118, &[0.010, 0.011, 0.011, 0.012]);
        assert_eq!(v.verdict, Verdict::Undecided);
        assert!(!v.hopeless(40));
        // Decided verdicts are never hopeless.
        assert!(!judged(0.01, &[0.02, 0.021, 0.022]).hopeless(40));
        assert!(!judged(0.01, &[0.004, 0.005, 0.006]).hopeless(40));
    }

    #[test]
    fn bounds_decide_pass_fail_or_undecided() {
        let o = Objective { metric: ObjectiveMetric::Blocking, limit: 0.01, defaulted_from: None };
        assert_eq!(judge_one(o, &est(&[0.004, 0.005, 0.006]), None, 0.95).1, Verdict::Pass);
        assert_eq!(judge_one(o, &est(&[0.02, 0.021, 0.022]), None, 0.95).1, Verdict::Fail);
        assert_eq!(judge_one(o, &est(&[0.005, 0.015, 0.009]), None, 0.95).1, Verdict::Undecided);
        assert_eq!(judge_one(o, &est(&[0.005]), None, 0.95).1, Verdict::Undecided);
        let floor = Objective { metric: ObjectiveMetric::ServiceLevel, limit: 0.8, defaulted_from: None };
        assert_eq!(judge_one(floor, &est(&[0.9, 0.91, 0.92]), None, 0.95).1, Verdict::Pass);
        assert_eq!(judge_one(floor, &est(&[0.5, 0.51, 0.52]), None, 0.95).1, Verdict::Fail);
        // The one-sided 95% bound uses t(0.95, 2) = 2.920.
        let (bound, _) = judge_one(o, &est(&[0.004, 0.005, 0.006]), None, 0.95);
        assert!((bound - (0.005 + 2.919986 * 0.001 / 3f64.sqrt())).abs() < 1e-8);
    }

    #[test]
    fn descriptions_name_the_objective_value_and_limit() {
        let o = ObjectiveVerdict {
            source: None,
            objective: Objective { metric: ObjectiveMetric::Abandonment, limit: 0.01, defaulted_from: None },
            value: est(&[0.033, 0.034, 0.035]),
            bound: 0.0,
            controlled: None,
            control: None,
            verdict: Verdict::Fail,
        };
        assert_eq!(o.describe(), "abandonment 3.4% > 1%");
    }
}
