//! The warnings of a checked model: what is allowed but likely to make its
//! results or verdicts misleading (one replication, a short horizon, a busy
//! hour of less than a day, no objective, the peak averaged away, a
//! lost-caller outcome the chain can produce and nothing judges).

use crate::model::Model;
use crate::units::DAY_S;
use std::path::Path;

/// What `m` (read from `path`) allows but a planner probably did not mean:
/// one replication, a horizon of few holding times, a busy hour of a run
/// shorter than a day, an SLA with no objective, the SLA's own warnings
/// (the peak averaged away), lost callers nothing judges.
pub fn warnings(m: &Model, path: &Path) -> Vec<crate::error::Diagnostic> {
    use crate::error::Diagnostic;
    let mut out = Vec::new();
    if m.run.replications < 2 {
        out.push(Diagnostic::warning(
            path,
            "run.replications",
            "one replication gives no confidence interval: use 2 or more (10 is usual)",
        ));
    }
    let longest = m.sources.iter().map(|s| s.holding.mean_s()).fold(0.0, f64::max);
    if longest > 0.0 && m.run.horizon_s < 10.0 * longest {
        out.push(Diagnostic::warning(
            path,
            "run.horizon",
            format!(
                "{:.0} s is under 10 mean holding times ({:.0} s): estimates will be noisy and start-up dominated",
                m.run.horizon_s, longest
            ),
        ));
    }
    if m.sla.over == crate::model::SlaOver::BusyHour && m.run.horizon_s < DAY_S {
        out.push(Diagnostic::warning(
            path,
            "sla.over",
            "the busy hour of a run shorter than a day is only the busiest of the hours it covers: simulate whole days",
        ));
    }
    if let crate::model::JudgedDays::Busiest(k) = m.sla.days {
        let days = (m.run.horizon_s / DAY_S).floor();
        if days < 365.0 {
            out.push(Diagnostic::warning(
                path,
                "sla.days",
                format!(
                    "ITU-T E.500 reads the {k} busiest days of a year; a replication here measures {days:.0} days, \
                     whose {k} busiest are less extreme than a year's: horizon = \"365d\" reads a year"
                ),
            ));
        }
        if m.sources.iter().all(|s| s.day_variation.is_none()) {
            out.push(Diagnostic::warning(
                path,
                "sla.days",
                "no source's days vary beyond Poisson (no day_to_day or within_day): its busiest days differ only \
                 by chance and day of week, far less than real days do; `simcall fit` estimates a day factor from a log",
            ));
        }
    }
    if let Some(share) = m.sla.max_days_over {
        let days = (m.run.horizon_s / DAY_S).floor();
        if share > 0.0 && days >= 1.0 && days * share < 1.0 {
            out.push(Diagnostic::warning(
                path,
                "sla.max_days_over",
                format!(
                    "one day is {}% of the {days:.0} days a replication measures, more than the {}% allowed over: \
                     the share moves in steps coarser than its limit; a horizon of at least {:.0} days resolves it",
                    crate::units::significant(100.0 / days, 3),
                    crate::units::significant(100.0 * share, 3),
                    (1.0 / share.max(1e-9)).ceil().min(3650.0)
                ),
            ));
        }
    }
    if m.sla.is_empty() {
        out.push(Diagnostic::warning(path, "sla", "no objective is set: every tier of a sweep meets the SLA"));
    }
    out.extend(m.sla.warnings.iter().map(|w| Diagnostic::warning(path, "sla.over", w.clone())));
    out.extend(unjudged_outcomes(m).into_iter().map(|w| Diagnostic::warning(path, "sla", w)));
    for i in m.incidents.iter().filter(|i| i.is_neutral()) {
        out.push(Diagnostic::warning(
            path,
            &format!("incidents.{}", i.name),
            "this incident changes nothing (capacity_factor and service_factor 1, no failure_probability): fine as a sweep's baseline",
        ));
    }
    for name in super::overflow::unreached(&m.limits) {
        out.push(Diagnostic::warning(
            path,
            &format!("limits.{name}.standby"),
            "no limit overflows into this standby limit (no `on_full = { overflow = ... }` names it): it carries nothing",
        ));
    }
    out
}

/// The lost-caller outcomes the chain can produce and nothing in the SLA
/// judges, each with the limit that makes it possible: blocking at a call
/// limit that refuses, abandonment at a queue, failure after connect at a
/// limit that connects to silence or one that refuses requests.
fn unjudged_outcomes(m: &Model) -> Vec<String> {
    use crate::model::{ObjectiveMetric, OnFull, Scope, WhenRefused};
    // An SLA with no objective has its own warning; campaigns judge their own.
    if m.sources.is_empty() || m.sla.is_empty() {
        return Vec::new();
    }
    let cause = |metric: ObjectiveMetric| {
        m.limits.iter().find(|l| match metric {
            ObjectiveMetric::Blocking => {
                l.when_refused == WhenRefused::Busy
                    && !matches!(l.scope, Scope::Request { .. })
                    && l.overflow_to().is_none()
            }
            ObjectiveMetric::Abandonment => matches!(l.on_full, OnFull::Queue { .. }),
            _ => matches!(l.when_refused, WhenRefused::Silence { .. }) || matches!(l.scope, Scope::Request { .. }),
        })
    };
    crate::model::LOST_CALLER_OUTCOMES
        .into_iter()
        .filter(|&metric| !m.sla.judges(metric))
        .filter_map(|metric| {
            let l = cause(metric)?;
            Some(format!(
                "limit {:?} can cause {}, and nothing in [sla] judges it: {}",
                l.name,
                metric.name(),
                metric.unjudged_hint()
            ))
        })
        .collect()
}
